package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/bitai-l2/bitai/bitai"
)

// globalFlags are the flag conventions every subcommand shares (DECISIONS A5).
type globalFlags struct {
	DataDir  string
	Network  string
	RPC      string
	RPCUser  string
	RPCPass  string
	Cookie   string
	RPCCert  string
	NoTLS    bool
	JSON     bool
	LogLevel string
}

func newRootCmd() *cobra.Command {
	g := &globalFlags{}
	root := &cobra.Command{
		Use:           "bitai",
		Short:         "BitAI VM pipeline: a Bitcoin layer 2 where AI chains settle",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := bitai.DeploymentFor(g.Network); err != nil {
				return usageError{err}
			}
			return nil
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&g.DataDir, "datadir", defaultDataDir(), "directory for databases, wallet seed and sockets")
	pf.StringVar(&g.Network, "network", "regtest", "bitcoin network: mainnet, testnet4, signet, simnet or regtest")
	pf.StringVar(&g.RPC, "rpc", "127.0.0.1:18334", "bitcoin node RPC address (host:port)")
	pf.StringVar(&g.RPCUser, "rpcuser", "", "bitcoin node RPC user")
	pf.StringVar(&g.RPCPass, "rpcpass", "", "bitcoin node RPC password")
	pf.StringVar(&g.Cookie, "rpccookie", "", "Bitcoin Core cookie file (instead of --rpcuser/--rpcpass)")
	pf.StringVar(&g.RPCCert, "rpccert", "", "btcd RPC TLS certificate (btcd serves TLS by default)")
	pf.BoolVar(&g.NoTLS, "notls", false, "talk plain HTTP to the node (Bitcoin Core, or btcd --notls)")
	pf.BoolVar(&g.JSON, "json", false, "print machine-readable JSON")
	pf.StringVar(&g.LogLevel, "log-level", "info", "log level: debug, info, warn or error")

	root.AddCommand(newVersionCmd(g), newInspectCmd(g))
	root.AddCommand(inscriberCommands(g)...)
	root.AddCommand(indexCommands(g)...)
	return root
}

// logger returns the process logger writing structured text to w.
func (g *globalFlags) logger(w io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(g.LogLevel)); err != nil {
		return nil, usageError{fmt.Errorf("--log-level: %w", err)}
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lvl})), nil
}

func defaultDataDir() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ".bitai"
	}
	return filepath.Join(home, ".bitai")
}
