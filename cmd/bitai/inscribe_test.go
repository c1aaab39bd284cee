package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/btcnode/testnode"
	"github.com/bitai-l2/bitai/inscriber"
	"github.com/bitai-l2/bitai/inscriber/wallet"
)

// syncBuffer is a bytes.Buffer safe for a command writing while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// inscriberCLI runs the command line in-process and returns exit code, stdout, stderr.
func inscriberCLI(ctx context.Context, stdin string, args ...string) (int, string, string) {
	root := newRootCmd()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	root.SetOut(out)
	root.SetErr(errOut)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	code := 0
	if err := root.ExecuteContext(ctx); err != nil {
		code = exitCode(err)
		errOut.Write([]byte("bitai: " + err.Error() + "\n"))
	}
	return code, out.String(), errOut.String()
}

// TestInscribeCLI funds the wallet through `bitai wallet address`, inscribes a file
// in the foreground while blocks come, asks the running inscriber for its status and
// balance over the socket (the database is locked), then reads the status from the
// database, resumes by running the same command again, and refuses bad input.
func TestInscribeCLI(t *testing.T) {
	node := testnode.Start(t, testnode.WithArgs("--rpclimituser=cli", "--rpclimitpass=clipass"))
	dir := t.TempDir()
	common := []string{"--datadir", dir, "--network", "regtest", "--rpc", node.RPCAddr(),
		"--rpcuser", "cli", "--rpcpass", "clipass", "--notls"}
	args := func(a ...string) []string { return append(a, common...) }
	ctx := context.Background()

	code, out, errs := inscriberCLI(ctx, "", args("wallet", "address")...)
	require.Equal(t, 0, code, errs)
	seed, created, err := wallet.LoadOrCreateSeed(dir)
	require.NoError(t, err)
	require.False(t, created, "wallet address created the seed")
	keys, err := wallet.NewKeys(seed, testnode.Params)
	require.NoError(t, err)
	_, pk, err := keys.Address(wallet.BranchExternal, 0)
	require.NoError(t, err)
	want, err := wallet.EncodeAddress(pk, testnode.Params)
	require.NoError(t, err)
	require.Equal(t, want, strings.TrimSpace(out))
	node.Fund(t, pk, 5_000_000)
	node.Generate(t, 1)

	e := make([]byte, 10_000)
	_, err = rand.Read(e)
	require.NoError(t, err)
	file := filepath.Join(dir, "payload.bin")
	require.NoError(t, os.WriteFile(file, e, 0o600))

	// Blocks every 300 ms while the inscribe runs.
	mineCtx, stopMining := context.WithCancel(ctx)
	var mining sync.WaitGroup
	mining.Go(func() {
		for mineCtx.Err() == nil {
			c, cancel := context.WithTimeout(mineCtx, 3*time.Second)
			node.Client().Generate(c, 1)
			cancel()
			select {
			case <-mineCtx.Done():
			case <-time.After(300 * time.Millisecond):
			}
		}
	})
	defer func() { stopMining(); mining.Wait() }()

	type result struct {
		code      int
		out, errs string
	}
	done := make(chan result, 1)
	go func() {
		c, o, e := inscriberCLI(ctx, "", args("inscribe", "--file", file, "--depth", "2", "--start-height", "1", "--fee-cap", "20")...)
		done <- result{c, o, e}
	}()

	// Beside the running inscriber: status and balance over the socket.
	var rep inscriber.Report
	var early *result
	require.Eventually(t, func() bool {
		select {
		case r := <-done:
			early = &r
			return true
		default:
		}
		code, out, _ := inscriberCLI(ctx, "", args("inscriber", "status", "--json")...)
		if code != 0 || json.Unmarshal([]byte(out), &rep) != nil {
			return false
		}
		return rep.Running && len(rep.Payloads) == 1 && rep.Payloads[0].Commit != nil
	}, 30*time.Second, 100*time.Millisecond, "status over the socket never showed the payload")
	require.Nil(t, early, "inscribe ended before the test saw it running: %+v", early)
	require.Equal(t, 10_000, rep.Payloads[0].Size)
	code, out, errs = inscriberCLI(ctx, "", args("wallet", "balance", "--json")...)
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, `"confirmed"`)

	// A second inscribe hands its payload to the running one; it waits for more
	// confirmations than the first, so it carries on itself once the first exits.
	e2 := make([]byte, 3_000)
	_, err = rand.Read(e2)
	require.NoError(t, err)
	file2 := filepath.Join(dir, "payload2.bin")
	require.NoError(t, os.WriteFile(file2, e2, 0o600))
	done2 := make(chan result, 1)
	go func() {
		c, o, e := inscriberCLI(ctx, "", args("inscribe", "--file", file2, "--depth", "4")...)
		done2 <- result{c, o, e}
	}()

	var res result
	select {
	case res = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("inscribe did not finish")
	}
	require.Equal(t, 0, res.code, res.errs)
	require.Contains(t, res.out, "payload 1  confirmed at")
	require.Contains(t, res.out, "commit ")
	require.Contains(t, res.out, "reveal ")

	select {
	case res = <-done2:
	case <-time.After(60 * time.Second):
		t.Fatal("the second inscribe did not finish")
	}
	require.Equal(t, 0, res.code, res.errs)
	require.Contains(t, res.errs, "handing the payload to it")
	require.Contains(t, res.errs, "the running inscriber stopped; carrying on here")
	require.Contains(t, res.out, "payload 2  confirmed at")

	// The database is free again: status reads it directly.
	code, out, errs = inscriberCLI(ctx, "", args("inscriber", "status")...)
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "no inscriber running")
	require.Contains(t, out, "payload 1  confirmed")

	// Running the same command again resumes: the same bytes are not inscribed twice.
	code, out, errs = inscriberCLI(ctx, "", args("inscribe", "--file", file, "--depth", "1")...)
	require.Equal(t, 0, code, errs)
	require.Contains(t, errs, "payload already stored; resuming")
	require.Contains(t, out, "payload 1  confirmed")

	// Bad input: one clear error each.
	empty := filepath.Join(dir, "empty.bin")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	code, _, errs = inscriberCLI(ctx, "", args("inscribe", "--file", empty)...)
	require.Equal(t, 1, code)
	require.Equal(t, "bitai: inscriber: empty payload\n", errs)
	code, _, errs = inscriberCLI(ctx, "", args("inscribe")...)
	require.Equal(t, 2, code)
	require.Contains(t, errs, "--file is required")
}
