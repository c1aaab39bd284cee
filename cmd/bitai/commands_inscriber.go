package main

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"time"

	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/spf13/cobra"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/btcnode"
	"github.com/bitai-l2/bitai/inscriber"
	"github.com/bitai-l2/bitai/inscriber/wallet"
	"github.com/bitai-l2/bitai/store"
)

// inscriberCommands returns the inscriber's subcommands: wallet, inscribe and
// inscriber status.
func inscriberCommands(g *globalFlags) []*cobra.Command {
	return []*cobra.Command{newWalletCmd(g), newInscribeCmd(g), newInscriberCmd(g)}
}

// inscriberAPI is an inscriber.API for the datadir and what to release after use.
type inscriberAPI struct {
	inscriber.API
	close func()
	local bool // the database was opened here (no inscriber runs)
	tip   int32
}

// openInscriberAPI opens <datadir>/inscriber when it is free, or asks the running
// inscriber over its socket when another process holds it (DECISIONS A6). With
// needWallet the seed is loaded (and created on first use).
func openInscriberAPI(g *globalFlags, needWallet bool) (*inscriberAPI, error) {
	params, err := networkParams(g)
	if err != nil {
		return nil, err
	}
	var keys *wallet.Keys
	if needWallet {
		if keys, err = inscriberKeys(g.DataDir, params); err != nil {
			return nil, err
		}
	}
	db, running, err := openInscriberDB(g.DataDir)
	if err != nil {
		return nil, err
	}
	if running {
		return &inscriberAPI{API: inscriber.NewSocketClient(g.DataDir), close: func() {}}, nil
	}
	local := &inscriber.Local{In: inscriber.NewReader(db), Params: params}
	if keys != nil {
		if local.Wal, err = wallet.New(keys, wallet.DefaultLookahead); err != nil {
			db.Close()
			return nil, err
		}
	}
	a := &inscriberAPI{API: local, close: func() { db.Close() }, local: true}
	if rep, err := local.In.Status(); err == nil {
		a.tip = rep.TipHeight
	}
	return a, nil
}

// lockWait bounds how long a command waits for a database another short-lived
// command holds (one that serves no socket).
const lockWait = 10 * time.Second

// openInscriberDB opens <datadir>/inscriber, or reports running when another process
// holds it and answers on the datadir's socket. A holder without a socket (another
// command reading the database for a moment, or an inscriber still starting) is
// waited for, up to lockWait.
func openInscriberDB(datadir string) (db *store.DB, running bool, err error) {
	deadline := time.Now().Add(lockWait)
	sock := filepath.Join(datadir, inscriber.SocketName)
	for {
		db, err := store.Open(filepath.Join(datadir, inscriber.DBDir), store.Options{})
		if !errors.Is(err, store.ErrLocked) {
			return db, false, err
		}
		if c, derr := net.DialTimeout("unix", sock, time.Second); derr == nil {
			c.Close()
			return nil, true, nil
		}
		if time.Now().After(deadline) {
			return nil, false, fmt.Errorf("%w, and nothing answers on %s", err, sock)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// networkParams returns btcd's parameters of --network.
func networkParams(g *globalFlags) (*chaincfg.Params, error) {
	dep, err := bitai.DeploymentFor(g.Network)
	if err != nil {
		return nil, usageError{err}
	}
	return dep.Network.Params, nil
}

// inscriberKeys loads (or creates) the wallet seed in datadir and derives its keys.
func inscriberKeys(datadir string, params *chaincfg.Params) (*wallet.Keys, error) {
	seed, _, err := wallet.LoadOrCreateSeed(datadir)
	if err != nil {
		return nil, fmt.Errorf("wallet seed: %w", err)
	}
	return wallet.NewKeys(seed, params)
}

// inscriberNodeClient builds the node client from the shared flags (DECISIONS A5):
// Bitcoin Core when a cookie is given, btcd otherwise.
func inscriberNodeClient(g *globalFlags) (*btcnode.Client, error) {
	if g.Cookie == "" && g.RPCUser == "" {
		return nil, usageError{errors.New("node credentials: give --rpcuser/--rpcpass or --rpccookie")}
	}
	if g.Cookie != "" && g.RPCUser != "" {
		return nil, usageError{errors.New("node credentials: --rpccookie and --rpcuser exclude each other")}
	}
	backend := btcnode.BackendBtcd
	if g.Cookie != "" {
		backend = btcnode.BackendCore
	}
	c, err := btcnode.New(btcnode.Config{Host: g.RPC, User: g.RPCUser, Pass: g.RPCPass, CookieFile: g.Cookie,
		TLS: !g.NoTLS, CertFile: g.RPCCert, Backend: backend})
	if err != nil {
		return nil, fmt.Errorf("node client: %w", err)
	}
	return c, nil
}
