package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/btcnode"
	"github.com/bitai-l2/bitai/indexer"
)

// indexFlags are `bitai index`'s own flags.
type indexFlags struct {
	Backend  string
	Prefetch int
	Workers  int
	Poll     time.Duration
	Progress string
}

func newIndexCmd(g *globalFlags) *cobra.Command {
	f := &indexFlags{}
	cmd := &cobra.Command{
		Use:   "index",
		Short: "Follow a Bitcoin node and build the BitAI state index in --datadir",
		Long: `Follow a Bitcoin node (btcd, or Bitcoin Core through the RPCs both share) from the
deployment's activation height and apply every block's BitAI payloads and burns to the
state, one synced database batch per block, surviving reorgs of any depth above the
activation block and crashes at any instant. The block at the activation height is
recorded on first start; a node whose block there differs (a wiped regtest, another
network) is refused. While it runs, 'bitai state ...' with the same --datadir asks it
over the socket <datadir>/index.sock. Stop it with Ctrl-C.

Bitcoin Core: --backend core --notls with --rpcuser/--rpcpass or --rpccookie
(<core datadir>/<network>/.cookie). btcd: TLS with --rpccert unless btcd runs --notls.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runIndex(cmd, g, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.Backend, "backend", "auto", "node implementation: btcd, core, or auto (core with --rpccookie, else btcd)")
	fl.IntVar(&f.Prefetch, "prefetch", 0, "blocks fetched and verified ahead (0: the follower's default)")
	fl.IntVar(&f.Workers, "workers", 0, "signature-verification goroutines per block (0: all cores)")
	fl.DurationVar(&f.Poll, "poll", 0, "node polling interval without notifications (0: 1s)")
	fl.StringVar(&f.Progress, "progress", "auto", "progress output: bar, log, none, or auto (bar on a terminal, else log)")
	return cmd
}

func runIndex(cmd *cobra.Command, g *globalFlags, f *indexFlags) error {
	log, err := g.logger(cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	dep, err := bitai.DeploymentFor(g.Network)
	if err != nil {
		return usageError{err}
	}
	if err := dep.RequireActivated(); err != nil {
		return fmt.Errorf("bitai index: %w", err)
	}
	client, err := indexNodeClient(g, f.Backend, log)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(g.DataDir, 0o700); err != nil {
		return fmt.Errorf("datadir: %w", err)
	}
	cfg := indexer.Config{
		Chain: client, Deployment: dep, DataDir: g.DataDir, Socket: true, Logger: log,
		Workers: f.Workers, Prefetch: f.Prefetch, PollInterval: f.Poll,
	}
	if client.Backend() == btcnode.BackendBtcd {
		cfg.Notifier = client
	}
	if cfg.Progress, err = indexProgress(f.Progress, cmd.ErrOrStderr(), log); err != nil {
		return err
	}
	ix, err := indexer.New(cfg)
	if err != nil {
		return err
	}
	log.Info("indexing", "network", dep.Network.Name, "node", client.Host(), "backend", client.Backend(),
		"datadir", g.DataDir, "activation", dep.ActivationHeight, "socket", indexer.SocketPath(g.DataDir))
	if err := ix.Run(cmd.Context()); err != nil {
		return err
	}
	st := ix.Status()
	log.Info("stopped", "height", st.Height, "hash", st.Hash, "state_hash", st.StateHash)
	return nil
}

// indexNodeClient builds the node client from the shared flags (DECISIONS A5).
func indexNodeClient(g *globalFlags, backend string, log *slog.Logger) (*btcnode.Client, error) {
	var b btcnode.Backend
	switch backend {
	case "btcd":
		b = btcnode.BackendBtcd
	case "core":
		b = btcnode.BackendCore
	case "auto":
		if g.Cookie != "" {
			b = btcnode.BackendCore
		}
	default:
		return nil, usageError{fmt.Errorf("--backend %q: want btcd, core or auto", backend)}
	}
	if g.Cookie == "" && g.RPCUser == "" {
		return nil, usageError{errors.New("node credentials: give --rpcuser/--rpcpass or --rpccookie")}
	}
	if g.Cookie != "" && g.RPCUser != "" {
		return nil, usageError{errors.New("node credentials: --rpccookie and --rpcuser exclude each other")}
	}
	c, err := btcnode.New(btcnode.Config{
		Host: g.RPC, User: g.RPCUser, Pass: g.RPCPass, CookieFile: g.Cookie,
		TLS: !g.NoTLS, CertFile: g.RPCCert, Backend: b, Logger: log,
	})
	if err != nil {
		return nil, fmt.Errorf("node client: %w", err)
	}
	return c, nil
}

// indexProgress picks the progress output: a bar on a terminal, log lines otherwise.
func indexProgress(mode string, w io.Writer, log *slog.Logger) (indexer.Progress, error) {
	if mode == "auto" {
		mode = "log"
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			mode = "bar"
		}
	}
	switch mode {
	case "bar":
		return indexer.NewBarProgress(w), nil
	case "log":
		return &indexer.LogProgress{Logger: log}, nil
	case "none":
		return nil, nil
	}
	return nil, usageError{fmt.Errorf("--progress %q: want bar, log, none or auto", mode)}
}
