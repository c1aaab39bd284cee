package indexer

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/btcnode"
	"github.com/bitai-l2/bitai/btcnode/testnode"
)

// Crash harness (DECISIONS C8): the indexer runs in a re-exec of this test binary
// (TestIndexerHelperProcess), talking to the parent's btcd as its limited RPC user.
// It prints "committed <height>" after every commit; BITAI_HELPER_CRASH=<point>:<height>
// makes it SIGKILL itself at that hook point, otherwise the parent kills it.
const (
	helperEnv      = "BITAI_INDEXER_HELPER"
	helperRPCEnv   = "BITAI_HELPER_RPC"
	helperDirEnv   = "BITAI_HELPER_DIR"
	helperCrashEnv = "BITAI_HELPER_CRASH"
	limitUser      = "crashtest"
	limitPass      = "crashtest"
)

// TestIndexerHelperProcess is the subprocess side of the crash test; it does nothing
// in a normal test run.
func TestIndexerHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process for TestCrashSIGKILLBtcd")
	}
	client, err := btcnode.New(btcnode.Config{Host: os.Getenv(helperRPCEnv), User: limitUser, Pass: limitPass, Timeout: 10 * time.Second})
	if err != nil {
		fmt.Println("helper:", err)
		os.Exit(3)
	}
	var crashPoint string
	var crashHeight uint64
	if c := os.Getenv(helperCrashEnv); c != "" {
		p, h, _ := strings.Cut(c, ":")
		crashPoint = p
		crashHeight, _ = strconv.ParseUint(h, 10, 32)
	}
	hook := func(point string, h uint32) {
		if point == crashPoint && uint64(h) == crashHeight {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
		if point == "connect-after-commit" || point == "disconnect-after-commit" {
			fmt.Printf("committed %d\n", h)
		}
	}
	dep, _ := bitai.DeploymentFor("regtest")
	ix, err := New(Config{Chain: client, Deployment: dep, DataDir: os.Getenv(helperDirEnv), testHook: hook, Logger: helperLogger(),
		PollInterval: 20 * time.Millisecond, RetryMin: 10 * time.Millisecond, RetryMax: 100 * time.Millisecond})
	if err == nil {
		err = ix.Start(context.Background())
	}
	for err == nil {
		// The committed tip, also when idle (a commit may have been printed by an
		// earlier, killed run or not at all).
		select {
		case <-ix.Done():
			err = ix.Err()
			if err == nil {
				err = errors.New("stopped")
			}
		case <-time.After(50 * time.Millisecond):
			if st := ix.Status(); st.Running {
				fmt.Printf("committed %d\n", st.Height)
			}
		}
	}
	fmt.Println("helper: indexer ended:", err)
	os.Exit(4)
}

// helperLogger logs to stderr (the parent's pipe) at warn, or debug with BITAI_TEST_LOG.
func helperLogger() *slog.Logger {
	lvl := slog.LevelWarn
	if os.Getenv("BITAI_TEST_LOG") != "" {
		lvl = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
}

// helperRun is one subprocess.
type helperRun struct {
	cmd       *exec.Cmd
	committed chan uint32
	exited    chan struct{}
}

func startHelper(t *testing.T, rpc, dir, crash string) *helperRun {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestIndexerHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"=1", helperRPCEnv+"="+rpc, helperDirEnv+"="+dir, helperCrashEnv+"="+crash)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = cmd.Stdout
	require.NoError(t, cmd.Start())
	r := &helperRun{cmd: cmd, committed: make(chan uint32, 1024), exited: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if h, ok := strings.CutPrefix(line, "committed "); ok {
				n, _ := strconv.ParseUint(h, 10, 32)
				r.committed <- uint32(n)
			} else if !strings.HasPrefix(line, "PASS") && !strings.HasPrefix(line, "=== RUN") {
				t.Log(line)
			}
		}
		_ = cmd.Wait()
		close(r.exited)
	}()
	return r
}

// killedBySIGKILL reports whether the run ended by SIGKILL.
func (r *helperRun) killedBySIGKILL() bool {
	ws, ok := r.cmd.ProcessState.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// TestCrashSIGKILLBtcd kills the indexer subprocess with SIGKILL at least 20 times
// while it catches up on a real btcd chain of payload blocks and while it unwinds a
// depth-5 reorg: at random instants (after a random number of commits plus a random
// delay) and at hook points just before and just after a connect's or disconnect's
// commit. Each restart resumes from the committed cursor. Finally the state dump and
// state hash must equal a clean in-process indexer's over the same chain.
func TestCrashSIGKILLBtcd(t *testing.T) {
	n := testnode.Start(t, testnode.WithArgs("--rpclimituser="+limitUser, "--rpclimitpass="+limitPass))
	dep := regtest(t)
	f := newSender(t, dep, faucet())
	ins, err := btcec.NewPrivateKey()
	require.NoError(t, err)
	users := make([][32]byte, 50)
	for i := range users {
		users[i] = newSender(t, dep, nil).pub()
	}
	const payloadBlocks, txsPerBlock = 60, 40
	n.Generate(t, 100+payloadBlocks+20)
	mine := func(blocks, from int) {
		for b := range blocks {
			txs := make([]*bitai.Tx, txsPerBlock)
			for i := range txs {
				txs[i] = f.transfer(t, users[(from+b*7+i)%len(users)], uint64(1+b+i))
			}
			in := inscribe(t, n, ins, txs...)
			n.MineBlockOn(t, n.Tip(t).Hash, in.Commit, in.Reveal)
		}
	}
	mine(payloadBlocks, 0)
	points := []string{"connect-before-commit", "connect-after-commit"}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 5))
	dir := t.TempDir()
	kills, lastCommitted, tipHeight := 0, uint32(0), uint32(0)
	var killLog []string

	// runKill starts the helper and kills it: at a hook point when crash is set, else
	// after a random number of commits and a random delay.
	runKill := func(crash string) {
		r := startHelper(t, n.RPCAddr(), dir, crash)
		if crash == "" {
			// Kill after the first commit that moves the tip (1 or 2 blocks past where
			// this run started), plus a random delay.
			from, want := lastCommitted, uint32(1+rng.IntN(2))
			for lastCommitted < from+want {
				select {
				case h := <-r.committed:
					lastCommitted = max(lastCommitted, h)
				case <-r.exited:
					t.Fatalf("helper exited on its own (%v)", r.cmd.ProcessState)
				case <-time.After(30 * time.Second):
					t.Fatalf("helper made no progress: last commit %d, tip %d, kills %v", lastCommitted, tipHeight, killLog)
				}
			}
			time.Sleep(time.Duration(rng.IntN(10_000)) * time.Microsecond)
			require.NoError(t, r.cmd.Process.Signal(syscall.SIGKILL))
		}
		// A crash point the subprocess passed (its height was committed unseen before
		// a kill) would never fire: kill it once it commits past that height.
		_, hs, _ := strings.Cut(crash, ":")
		limit, _ := strconv.ParseUint(hs, 10, 32)
	wait:
		for {
			select {
			case <-r.exited:
				break wait
			case h := <-r.committed:
				lastCommitted = h
				connectPoint := strings.HasPrefix(crash, "connect")
				if crash != "" && (connectPoint && uint64(h) > limit || h >= tipHeight) {
					require.NoError(t, r.cmd.Process.Signal(syscall.SIGKILL))
				}
			case <-time.After(60 * time.Second):
				_ = r.cmd.Process.Kill()
				t.Fatalf("helper did not stop (crash point %q)", crash)
			}
		}
		for len(r.committed) > 0 {
			lastCommitted = <-r.committed
		}
		require.True(t, r.killedBySIGKILL(), "crash %q: %v", crash, r.cmd.ProcessState)
		kills++
		killLog = append(killLog, fmt.Sprintf("%d@%s", lastCommitted, cmp.Or(crash, "random")))
	}
	// runTo runs the helper until it has indexed height h, then kills it.
	runTo := func(h uint32) {
		r := startHelper(t, n.RPCAddr(), dir, "")
		for lastCommitted < h {
			select {
			case lastCommitted = <-r.committed:
			case <-r.exited:
				t.Fatalf("helper exited on its own (%v)", r.cmd.ProcessState)
			case <-time.After(60 * time.Second):
				t.Fatal("helper made no progress")
			}
		}
		require.NoError(t, r.cmd.Process.Signal(syscall.SIGKILL))
		<-r.exited
		killLog = append(killLog, fmt.Sprintf("%d@runto", h))
	}

	// Catching up: through the empty blocks in one run, then random kills and crash
	// points around connect commits over the payload blocks.
	tipHeight = uint32(n.Tip(t).Height)
	runTo(tipHeight - payloadBlocks - 1)
	for i := 0; kills < 20; i++ {
		if lastCommitted >= tipHeight-4 {
			// A fast machine caught up in fewer runs: give it more to catch up on.
			mine(10, 1000+i)
			tipHeight = uint32(n.Tip(t).Height)
		}
		if i%3 == 2 {
			h := lastCommitted + 2 + uint32(rng.IntN(3))
			runKill(fmt.Sprintf("%s:%d", points[rng.IntN(2)], h))
			continue
		}
		runKill("")
	}
	runTo(tipHeight)

	// A depth-5 reorg with new payloads, crashed around disconnect commits.
	fork := n.Tip(t).Height - 5
	forkHash, err := n.Client().BlockHash(context.Background(), fork)
	require.NoError(t, err)
	parent := forkHash
	for b := range 8 {
		txs := []*bitai.Tx{f.transfer(t, users[b], 999)}
		in := inscribe(t, n, ins, txs...)
		parent = n.MineBlockOn(t, parent, in.Commit, in.Reveal).BlockHash()
	}
	n.WaitForTip(t, parent)
	oldTip := tipHeight
	tipHeight = uint32(n.Tip(t).Height)
	runKill(fmt.Sprintf("disconnect-before-commit:%d", oldTip))
	runKill(fmt.Sprintf("disconnect-after-commit:%d", oldTip-2))
	runKill(fmt.Sprintf("connect-after-commit:%d", fork+2))
	for lastCommitted < tipHeight-1 {
		runKill("")
	}
	runTo(tipHeight)
	require.GreaterOrEqual(t, kills, 20)

	clean := btcdIndexer(t, n, t.TempDir())
	waitFor(t, clean, parent, 60*time.Second)
	want, wantTip := dumpOf(t, clean.API())

	api, err := OpenAPI(context.Background(), dir)
	require.NoError(t, err)
	defer api.Close()
	got, gotTip := dumpOf(t, api)
	require.Equal(t, wantTip, gotTip)
	require.Equal(t, len(want), len(got))
	require.Equal(t, want, got, "state after %d SIGKILLs ≠ clean run", kills)
	t.Logf("kills (last seen commit @ point): %s", strings.Join(killLog, " "))
	t.Logf("survived %d SIGKILLs; %d state keys, state hash %s at height %d", kills, len(got), gotTip.StateHash, gotTip.Height)
	_ = wire.MaxTxInSequenceNum
}
