package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/btcnode"
	"github.com/bitai-l2/bitai/btcnode/testnode"
)

// indexChain builds n blocks on the regtest genesis; block payAt carries a reveal-shaped
// tx whose payload transfers amount from the regtest faucet to the returned key.
func indexChain(t *testing.T, core *fakeCore, n, payAt int, amount uint64) (to [32]byte) {
	t.Helper()
	dep, err := bitai.DeploymentFor("regtest")
	require.NoError(t, err)
	bob, err := btcec.NewPrivateKey()
	require.NoError(t, err)
	to = bitai.XOnly(bob)
	tx := &bitai.Tx{Version: bitai.TxVersion, Fee: 10, Expiry: 1000, Body: &bitai.Transfer{To: to, Amount: amount}}
	require.NoError(t, tx.Sign(bitai.FaucetKey(bitai.RegtestFaucetSeed), dep.ID()))
	raw, err := tx.Encode()
	require.NoError(t, err)
	body, enc, err := bitai.EncodePayload([][]byte{raw}, false)
	require.NoError(t, err)
	script, err := bitai.EnvelopeScript(bitai.XOnly(bob), enc, body)
	require.NoError(t, err)
	_, cb, err := bitai.CommitOutput(bob.PubKey(), script)
	require.NoError(t, err)
	reveal := wire.NewMsgTx(2)
	var prev chainhash.Hash
	_, _ = rand.Read(prev[:])
	reveal.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Hash: prev}, Witness: wire.TxWitness{make([]byte, 64), script, cb}})
	reveal.AddTxOut(wire.NewTxOut(testnode.DustLimit, testnode.P2TR(bob.PubKey())))
	for i := 1; i <= n; i++ {
		coreMine(t, core, i == payAt, reveal)
	}
	return to
}

// coreMine adds one block on the fake node's tip, with txs when include is set.
func coreMine(t *testing.T, core *fakeCore, include bool, txs ...*wire.MsgTx) {
	t.Helper()
	tip, h := core.tip()
	core.mu.Lock()
	ts := core.blocks[tip].Header.Timestamp.Add(time.Second)
	core.mu.Unlock()
	if !include {
		txs = nil
	}
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	b, err := testnode.BuildBlock(tip, h+1, ts, []byte{0x51}, binary.BigEndian.Uint64(nonce[:]), txs)
	require.NoError(t, err)
	core.add(b)
}

// lockedBuffer is a bytes.Buffer safe for the goroutines of a running command.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// indexCLI is `bitai index` running in the background.
type indexCLI struct {
	cancel context.CancelFunc
	done   chan int
	errOut *lockedBuffer
	code   *int
}

// startIndexCLI runs `bitai index args...` in the background until stop (or the end
// of the test).
func startIndexCLI(t *testing.T, args ...string) *indexCLI {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	root := newRootCmd()
	c := &indexCLI{cancel: cancel, done: make(chan int, 1), errOut: &lockedBuffer{}}
	root.SetOut(io.Discard)
	root.SetErr(c.errOut)
	root.SetArgs(append([]string{"index"}, args...))
	go func() {
		code := 0
		if err := root.ExecuteContext(ctx); err != nil {
			code = exitCode(err)
			fmt.Fprintf(c.errOut, "bitai: %v\n", err)
		}
		c.done <- code
	}()
	t.Cleanup(func() { c.stop(t) })
	return c
}

// wait waits for the command to end on its own and returns its exit code and stderr.
func (c *indexCLI) wait(t *testing.T, d time.Duration) (int, string) {
	t.Helper()
	if c.code != nil {
		return *c.code, c.errOut.String()
	}
	select {
	case code := <-c.done:
		c.code = &code
		return code, c.errOut.String()
	case <-time.After(d):
		t.Fatalf("bitai index still running after %s; stderr:\n%s", d, c.errOut.String())
	}
	return 0, ""
}

// stop interrupts the command (as Ctrl-C does) and waits for it.
func (c *indexCLI) stop(t *testing.T) (int, string) {
	c.cancel()
	return c.wait(t, 30*time.Second)
}

// stateCLI runs a (short) command line in-process and returns exit code, stdout and
// stderr.
func stateCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	code := 0
	if err := root.ExecuteContext(context.Background()); err != nil {
		code = exitCode(err)
		errOut.WriteString("bitai: " + err.Error() + "\n")
	}
	return code, out.String(), errOut.String()
}

// waitStateHeight polls `bitai state hash tip --json` until the index reaches h.
func waitStateHeight(t *testing.T, datadir string, h uint32) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		code, out, stderr := stateCLI(t, "state", "hash", "tip", "--json", "--datadir", datadir)
		last = out + stderr
		if code == 0 {
			var info struct {
				Height uint32 `json:"height"`
			}
			require.NoError(t, json.Unmarshal([]byte(out), &info))
			if info.Height >= h {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("index never reached height %d; last answer: %s", h, last)
}

// TestIndexCommandCore runs `bitai index` against the fake Bitcoin Core node with
// cookie auth, and `bitai state hash` / `state dump` / `state account` beside it
// (over the socket) and after it (directly on the database): the same answers. Then
// a wrong cookie and a node whose activation block differs are refused with clear
// messages.
func TestIndexCommandCore(t *testing.T) {
	core := newFakeCore("__cookie__", hex.EncodeToString(bytes.Repeat([]byte{7}, 32)))
	bob := indexChain(t, core, 5, 3, 4242)
	srv := httptest.NewServer(core)
	defer srv.Close()
	dir := t.TempDir()
	cookie := filepath.Join(dir, ".cookie")
	require.NoError(t, os.WriteFile(cookie, []byte(core.user+":"+core.pass), 0o600))
	datadir := filepath.Join(dir, "bitai")
	host := strings.TrimPrefix(srv.URL, "http://")
	common := []string{"--network", "regtest", "--datadir", datadir}

	ixc := startIndexCLI(t, append(common, "--rpc", host, "--rpccookie", cookie, "--notls",
		"--backend", "core", "--poll", "20ms", "--progress", "log")...)
	waitStateHeight(t, datadir, 5)
	coreMine(t, core, false)
	waitStateHeight(t, datadir, 6)

	code, hashOut, stderr := stateCLI(t, append(common, "state", "hash", "3")...)
	require.Equal(t, 0, code, stderr)
	code, dumpSock, stderr := stateCLI(t, append(common, "state", "dump")...)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, dumpSock, "# height 6 ")
	code, acct, stderr := stateCLI(t, append(common, "state", "account", hex.EncodeToString(bob[:]))...)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, acct, `"balance": 4252`, "4242 transferred plus the fee: bob inscribed the payload")

	code, logs := ixc.stop(t)
	require.Equal(t, 0, code, logs)
	require.Contains(t, logs, "recorded the activation block")

	core.mu.Lock()
	for _, v := range core.requests {
		require.Equal(t, "1.0", v, "btcnode speaks JSON-RPC 1.0 envelopes")
	}
	require.Positive(t, core.calls["getblock"])
	core.mu.Unlock()

	// Stopped: the database directly, same answers.
	code, hashDB, stderr := stateCLI(t, append(common, "state", "hash", "3")...)
	require.Equal(t, 0, code, stderr)
	require.Equal(t, hashOut, hashDB)
	code, dumpDB, stderr := stateCLI(t, append(common, "state", "dump")...)
	require.Equal(t, 0, code, stderr)
	require.Equal(t, dumpSock, dumpDB)
	code, _, stderr = stateCLI(t, append(common, "state", "hash", "99")...)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "not found")
	require.Contains(t, stderr, "heights 1 to 6")

	// A wrong cookie: unauthorized, exit 1.
	require.NoError(t, os.WriteFile(cookie, []byte("__cookie__:wrong"), 0o600))
	code, logs = startIndexCLI(t, append(common, "--rpc", host, "--rpccookie", cookie, "--notls", "--backend", "core")...).
		wait(t, 20*time.Second)
	require.Equal(t, 1, code, logs)
	require.Contains(t, logs, "unauthorized")

	// Another chain (block 1 differs): the activation block is refused.
	other := newFakeCore("u", "p")
	indexChain(t, other, 3, 0, 1)
	srv2 := httptest.NewServer(other)
	defer srv2.Close()
	code, logs = startIndexCLI(t, append(common, "--rpc", strings.TrimPrefix(srv2.URL, "http://"),
		"--rpcuser", "u", "--rpcpass", "p", "--notls", "--backend", "core")...).wait(t, 20*time.Second)
	require.Equal(t, 1, code, logs)
	require.Contains(t, logs, "activation height")
	require.Contains(t, logs, "fresh --datadir")
}

// TestCoreWireFormat checks the btcnode client (BackendCore) against the transcribed
// Core responses: the genesis header as Core prints it decodes to chaincfg's regtest
// genesis, errors map to typed errors, user/pass and a rotated cookie authenticate,
// and a JSON-RPC 2.0 request gets the 2.0 envelope.
func TestCoreWireFormat(t *testing.T) {
	ctx := context.Background()
	core := newFakeCore("alice", "secret")
	indexChain(t, core, 1, 0, 1)
	srv := httptest.NewServer(core)
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	genesis := chaincfg.RegressionNetParams.GenesisBlock

	// The server's header JSON is the transcription, field for field.
	var want, got map[string]any
	one := core.active[1]
	require.NoError(t, json.Unmarshal([]byte(fmt.Sprintf(coreGenesisHeaderTranscribed, one)), &want))
	b, err := json.Marshal(core.headerJSON(genesis))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &got))
	require.Equal(t, want, got)
	require.Equal(t, genesis.BlockHash().String(), want["hash"], "transcribed hash is chaincfg's regtest genesis")
	require.Equal(t, genesis.Header.MerkleRoot.String(), want["merkleroot"])

	c, err := btcnode.New(btcnode.Config{Host: host, User: "alice", Pass: "secret", Backend: btcnode.BackendCore, Timeout: 5 * time.Second})
	require.NoError(t, err)
	best, err := c.BestBlock(ctx)
	require.NoError(t, err)
	require.Equal(t, btcnode.BlockID{Hash: one, Height: 1}, best)
	hdr, h, err := c.BlockHeader(ctx, genesis.BlockHash())
	require.NoError(t, err)
	require.Equal(t, int32(0), h)
	require.Equal(t, genesis.Header, *hdr)
	blk, err := c.Block(ctx, one)
	require.NoError(t, err)
	require.Equal(t, one, blk.BlockHash())
	n, err := c.BlockCount(ctx)
	require.NoError(t, err)
	require.Equal(t, int32(1), n)

	_, err = c.BlockHash(ctx, 2)
	require.ErrorIs(t, err, btcnode.ErrBlockNotFound, "-8 Block height out of range")
	_, err = c.Block(ctx, chainhash.Hash{1})
	require.ErrorIs(t, err, btcnode.ErrBlockNotFound, "-5 Block not found")
	err = c.Call(ctx, "getnothing", nil, nil)
	require.ErrorIs(t, err, btcnode.ErrMethodNotFound, "HTTP 404, -32601")

	bad, err := btcnode.New(btcnode.Config{Host: host, User: "alice", Pass: "wrong", Backend: btcnode.BackendCore, Timeout: 5 * time.Second})
	require.NoError(t, err)
	_, err = bad.BlockCount(ctx)
	require.ErrorIs(t, err, btcnode.ErrUnauthorized)

	// Cookie auth; Core rewrites the cookie on restart and the client re-reads it.
	cookie := filepath.Join(t.TempDir(), ".cookie")
	core.mu.Lock()
	core.user, core.pass = "__cookie__", "aaaa"
	core.mu.Unlock()
	require.NoError(t, os.WriteFile(cookie, []byte("__cookie__:aaaa"), 0o600))
	cc, err := btcnode.New(btcnode.Config{Host: host, CookieFile: cookie, Backend: btcnode.BackendCore, Timeout: 5 * time.Second})
	require.NoError(t, err)
	_, err = cc.BlockCount(ctx)
	require.NoError(t, err)
	core.mu.Lock()
	core.pass = "bbbb"
	core.mu.Unlock()
	require.NoError(t, os.WriteFile(cookie, []byte("__cookie__:bbbb"), 0o600))
	_, err = cc.BlockCount(ctx)
	require.NoError(t, err, "the client re-reads a rewritten cookie after a 401")

	// The 2.0 envelope (Core ≥ 28): HTTP 200 and only one of result / error.
	req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"jsonrpc":"2.0","id":7,"method":"getblockhash","params":[5]}`))
	require.NoError(t, err)
	req.SetBasicAuth("__cookie__", "bbbb")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var env map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&env))
	require.Equal(t, "2.0", env["jsonrpc"])
	require.NotContains(t, env, "result")
	require.Equal(t, float64(-8), env["error"].(map[string]any)["code"])
}
