package main

import "github.com/spf13/cobra"

// indexCommands returns the indexer's subcommands (index, state, bench index).
func indexCommands(g *globalFlags) []*cobra.Command {
	return nil
}
