package inscriber

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/btcnode"
	"github.com/bitai-l2/bitai/btcnode/testnode"
	"github.com/bitai-l2/bitai/inscriber/fees"
	"github.com/bitai-l2/bitai/inscriber/wallet"
	"github.com/bitai-l2/bitai/store"
)

// The crash harness (DECISIONS C8): the inscriber runs as a subprocess, the test
// binary itself re-executed (helper-process pattern), and is killed with SIGKILL
// at deterministic points of the state machine (BITAI_CRASH_AT=point:n makes the
// child kill itself at the n-th time it passes that point) and at random times,
// while blocks keep coming. Every restart enqueues the same payload files again
// (dedup makes that a resume) and drives them on.

const (
	envHelper  = "BITAI_INSCRIBER_HELPER"
	envDir     = "BITAI_DATADIR"
	envRPC     = "BITAI_RPC"
	envUser    = "BITAI_RPCUSER"
	envPass    = "BITAI_RPCPASS"
	envCrashAt = "BITAI_CRASH_AT"
)

// crashPoints are the named points of the state machine the child can die at.
var crashPoints = []string{
	"enqueued", "planned", "stored", "signed", "broadcast-commit", "sent-commit", "commit-sent",
	"broadcast-reveal", "sent-reveal", "reveal-sent", "block", "confirmed", "bumped",
}

// TestCrashHelper is the subprocess; it does nothing unless started by TestCrashKills.
func TestCrashHelper(t *testing.T) {
	if os.Getenv(envHelper) != "1" {
		t.Skip("helper process for TestCrashKills")
	}
	os.Exit(crashChild())
}

// crashChild runs the inscriber over the data directory until every payload file is
// confirmed, and returns the exit code.
func crashChild() int {
	dir := os.Getenv(envDir)
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	fail := func(err error) int {
		logger.Error("helper failed", "err", err)
		return 3
	}
	point, nth := "", 0
	if at := os.Getenv(envCrashAt); at != "" {
		name, n, _ := strings.Cut(at, ":")
		point, nth = name, atoi(n)
	}
	var mu sync.Mutex
	seen := 0
	hooks := &Hooks{Point: func(name string) {
		mu.Lock()
		defer mu.Unlock()
		if name == point {
			if seen++; seen == nth {
				fmt.Fprintf(os.Stderr, "CRASH at %s #%d\n", name, nth)
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
		}
	}}
	seed, _, err := wallet.LoadOrCreateSeed(dir)
	if err != nil {
		return fail(err)
	}
	keys, err := wallet.NewKeys(seed, testnode.Params)
	if err != nil {
		return fail(err)
	}
	wal, err := wallet.New(keys, wallet.DefaultLookahead)
	if err != nil {
		return fail(err)
	}
	db, err := store.Open(filepath.Join(dir, "inscriber"), store.Options{})
	if err != nil {
		return fail(err)
	}
	defer db.Close()
	client, err := btcnode.New(btcnode.Config{Host: os.Getenv(envRPC), User: os.Getenv(envUser), Pass: os.Getenv(envPass),
		Timeout: 3 * time.Second})
	if err != nil {
		return fail(err)
	}
	in, err := New(Config{DB: db, Keys: keys, Wallet: wal, Node: client, Notifier: client, Fees: fees.Fixed(2), FeeCap: 20,
		DeadlineBlocks: 6, StartHeight: 1, Logger: logger, Hooks: hooks,
		RetryMin: 20 * time.Millisecond, RetryMax: 300 * time.Millisecond, PollInterval: 50 * time.Millisecond})
	if err != nil {
		return fail(err)
	}
	ctx := context.Background()
	if err := in.Start(ctx); err != nil {
		return fail(err)
	}
	defer func() {
		sctx, scancel := context.WithTimeout(ctx, 5*time.Second)
		defer scancel()
		in.Stop(sctx)
	}()
	if err := in.WaitSynced(ctx); err != nil {
		return fail(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "payloads", "*.bin"))
	if err != nil {
		return fail(err)
	}
	sort.Strings(files)
	var ids []uint64
	for _, f := range files {
		e, err := os.ReadFile(f)
		if err != nil {
			return fail(err)
		}
		info, err := in.Enqueue(ctx, e, "", EnqueueOptions{})
		if err != nil {
			return fail(err)
		}
		ids = append(ids, info.ID)
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for _, id := range ids {
		if _, err := in.Wait(wctx, id, 1); err != nil {
			return fail(fmt.Errorf("payload %d: %w", id, err))
		}
	}
	return 0
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func randIntn(n int) int {
	v, _ := rand.Int(rand.Reader, big.NewInt(int64(n)))
	return int(v.Int64())
}

// TestCrashKills kills the inscriber subprocess at least 20 times, at every named
// point of the state machine and at random times, with blocks arriving all along;
// then every payload is on the chain exactly once and the wallet's balance plus the
// fees of our confirmed transactions equals what was paid into it.
func TestCrashKills(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess crash test")
	}
	var secret [8]byte
	rand.Read(secret[:])
	pass := hex.EncodeToString(secret[:])
	node := startNode(t, "--rpclimituser=crash", "--rpclimitpass="+pass)
	h := newHarness(t, node, nil) // the parent's view of the same datadir, never started
	h.fundWallet(5_000_000, 5_000_000, 5_000_000, 5_000_000, 5_000_000, 5_000_000, 5_000_000, 5_000_000)
	h.closeDB()

	sizes := []int{1, 2_000, 20_000, 60_000, 100_000, 450_000}
	require.NoError(t, os.MkdirAll(filepath.Join(h.dir, "payloads"), 0o700))
	bodies := make([][]byte, len(sizes))
	for i, n := range sizes {
		bodies[i] = randomBytes(t, n)
		require.NoError(t, os.WriteFile(filepath.Join(h.dir, "payloads", fmt.Sprintf("%03d.bin", i)), bodies[i], 0o600))
	}

	// Blocks keep coming, as on a live chain.
	mineCtx, stopMining := context.WithCancel(context.Background())
	var mining sync.WaitGroup
	mining.Go(func() {
		for mineCtx.Err() == nil {
			ctx, cancel := context.WithTimeout(mineCtx, 3*time.Second)
			node.Client().Generate(ctx, 1)
			cancel()
			sleepCtx(mineCtx, time.Duration(150+randIntn(200))*time.Millisecond)
		}
	})
	defer func() { stopMining(); mining.Wait() }()

	// Each run brings one more payload, so there is always work in flight.
	addPayload := func() {
		b := randomBytes(t, 1+randIntn(30_000))
		bodies = append(bodies, b)
		require.NoError(t, os.WriteFile(filepath.Join(h.dir, "payloads", fmt.Sprintf("%03d.bin", len(bodies)-1)), b, 0o600))
	}
	run := func(crashAt string, killAfter time.Duration) (exit string) {
		addPayload()
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), envHelper+"=1", envDir+"="+h.dir, envRPC+"="+node.RPCAddr(),
			envUser+"=crash", envPass+"="+pass, envCrashAt+"="+crashAt)
		logf, err := os.OpenFile(filepath.Join(h.dir, "child.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		require.NoError(t, err)
		defer logf.Close()
		fmt.Fprintf(logf, "=== run crash_at=%q kill_after=%v\n", crashAt, killAfter)
		cmd.Stdout, cmd.Stderr = logf, logf
		require.NoError(t, cmd.Start())
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var timer <-chan time.Time
		if killAfter > 0 {
			timer = time.After(killAfter)
		}
		select {
		case err := <-done:
			return exitOf(err)
		case <-timer:
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			return "killed (random)"
		case <-time.After(90 * time.Second):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			t.Fatalf("helper hung\n%s", tailFile(filepath.Join(h.dir, "child.log")))
		}
		return ""
	}

	kills := map[string]int{}
	total := 0
	// Deterministic points first (some may not occur in a run: then it finishes or
	// stops at another kill), then random times.
	for round := 0; round < 2; round++ {
		for _, p := range crashPoints {
			exit := run(fmt.Sprintf("%s:%d", p, 1+round), 0)
			if strings.HasPrefix(exit, "killed") {
				kills[p]++
				total++
			}
			require.NotEqual(t, "exit 3", exit, "helper failed\n%s", tailFile(filepath.Join(h.dir, "child.log")))
		}
	}
	for i := 0; total < 20 || i < 8; i++ {
		exit := run("", time.Duration(30+randIntn(300))*time.Millisecond)
		if strings.HasPrefix(exit, "killed") {
			kills["random"]++
			total++
		}
		require.NotEqual(t, "exit 3", exit, "helper failed\n%s", tailFile(filepath.Join(h.dir, "child.log")))
		require.Less(t, i, 40)
	}
	// Finally run to completion.
	require.Equal(t, "exit 0", run("", 0), "%s", tailFile(filepath.Join(h.dir, "child.log")))
	require.Equal(t, "exit 0", run("", 0), "a last payload from a clean start")
	stopMining()
	mining.Wait()
	t.Logf("kills survived: %d %v", total, kills)
	require.GreaterOrEqual(t, total, 20)

	// Every payload exactly once on the chain.
	oc := scanChain(t, node, 1)
	for i, b := range bodies {
		require.Equal(t, 1, oc.count[payloadSum("", b)], "payload %d (%d bytes) on chain exactly once", i, len(b))
	}
	// Balance + fees = funding.
	db, err := store.Open(filepath.Join(h.dir, "inscriber"), store.Options{})
	require.NoError(t, err)
	defer db.Close()
	h.db = db
	h.assertMoneyConserved(oc)
	t.Logf("child log tail:\n%s", tailFile(filepath.Join(h.dir, "child.log")))
}

// assertMoneyConserved checks, from the chain, that the wallet's balance plus the
// fees of our confirmed transactions is what was funded.
func (h *harness) assertMoneyConserved(oc *onChain) {
	h.t.Helper()
	values := map[wire.OutPoint]int64{}
	for _, tx := range oc.txs {
		id := tx.TxHash()
		for i, out := range tx.TxOut {
			values[wire.OutPoint{Hash: id, Index: uint32(i)}] = out.Value
		}
	}
	var paid int64
	ours := 0
	for _, tx := range oc.txs {
		_, ok, err := store.Get(h.db.Pebble(), txKey(tx.TxHash()))
		require.NoError(h.t, err)
		if !ok {
			continue
		}
		ours++
		var in, out int64
		for _, txin := range tx.TxIn {
			v, ok := values[txin.PreviousOutPoint]
			require.True(h.t, ok)
			in += v
		}
		for _, o := range tx.TxOut {
			out += o.Value
		}
		paid += in - out
	}
	confirmed, unconfirmed, err := h.wal.Balance(h.db.Pebble())
	require.NoError(h.t, err)
	h.t.Logf("funding %d = balance %d + fees %d (%d txs of ours on chain)", h.fund, confirmed, paid, ours)
	require.Zero(h.t, unconfirmed)
	require.Equal(h.t, h.fund, confirmed+paid, "balance + fees paid = funding")
}

func exitOf(err error) string {
	if err == nil {
		return "exit 0"
	}
	if ee, ok := err.(*exec.ExitError); ok {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return "killed (" + ws.Signal().String() + ")"
		}
		return fmt.Sprintf("exit %d", ee.ExitCode())
	}
	return err.Error()
}

func tailFile(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 8000 {
		b = b[len(b)-8000:]
	}
	return string(b)
}
