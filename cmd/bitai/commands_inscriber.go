package main

import "github.com/spf13/cobra"

// inscriberCommands returns the inscriber's subcommands (wallet, inscribe,
// inscriber status, bench inscribe).
func inscriberCommands(g *globalFlags) []*cobra.Command {
	return nil
}
