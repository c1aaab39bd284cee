package main

import "github.com/spf13/cobra"

// indexCommands returns the indexer's subcommands: index (follow a node and build the
// index) and state (hash, dump, tx, account: query it, beside a running index over its
// socket). The catch-up benchmark is BenchmarkIndexerCatchUp in package indexer
// (there is no `bitai bench index`: `bench` would need one parent command shared with
// the inscriber's, which root.go does not provide).
func indexCommands(g *globalFlags) []*cobra.Command {
	return []*cobra.Command{newIndexCmd(g), newStateCmd(g)}
}
