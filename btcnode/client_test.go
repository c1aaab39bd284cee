package btcnode

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

// request is what the fake server saw.
type request struct {
	Jsonrpc string            `json:"jsonrpc"`
	Method  string            `json:"method"`
	Params  []json.RawMessage `json:"params"`
	ID      json.RawMessage   `json:"id"`
}

// fakeNode is a JSON-RPC server whose answers the test scripts.
type fakeNode struct {
	mu     sync.Mutex
	seen   []request
	answer func(r request) (status int, body string)
}

func (f *fakeNode) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	var r request
	if err := json.NewDecoder(hr.Body).Decode(&r); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.seen = append(f.seen, r)
	f.mu.Unlock()
	status, body := f.answer(r)
	w.WriteHeader(status)
	w.Write([]byte(body))
}

// last returns the last request seen.
func (f *fakeNode) last() request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen[len(f.seen)-1]
}

// result answers a JSON-RPC 1.0 result.
func result(v string) (int, string) { return 200, `{"result":` + v + `,"error":null,"id":1}` }

func newFake(t *testing.T, backend Backend, answer func(r request) (int, string)) (*Client, *fakeNode) {
	t.Helper()
	f := &fakeNode{answer: answer}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := New(Config{Host: strings.TrimPrefix(srv.URL, "http://"), User: "u", Pass: "p", Backend: backend, Timeout: 5 * time.Second})
	require.NoError(t, err)
	return c, f
}

// TestRequests checks the method and params each call sends: only forms both btcd
// and Core accept (sendrawtransaction with the hex alone, getblock with verbosity 0).
func TestRequests(t *testing.T) {
	h := chainhash.Hash{1, 2, 3}
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Hash: h, Index: 7}, Sequence: 1})
	tx.AddTxOut(wire.NewTxOut(1000, []byte{0x51}))
	tests := []struct {
		name    string
		backend Backend
		reply   string
		call    func(c *Client) error
		method  string
		params  string
	}{
		{"getblock raw", BackendBtcd, `"00"`, func(c *Client) error { _, err := c.RawBlock(context.Background(), h); return err },
			"getblock", `["` + h.String() + `",0]`},
		{"getblockhash", BackendCore, `"` + h.String() + `"`, func(c *Client) error { _, err := c.BlockHash(context.Background(), 5); return err },
			"getblockhash", `[5]`},
		{"sendrawtransaction hex only", BackendCore, `"` + tx.TxHash().String() + `"`, func(c *Client) error {
			_, err := c.SendRawTransaction(context.Background(), tx)
			return err
		}, "sendrawtransaction", `["` + txHex(t, tx) + `"]`},
		{"getrawmempool", BackendBtcd, `[]`, func(c *Client) error { _, err := c.RawMempool(context.Background()); return err },
			"getrawmempool", `[]`},
		{"estimatefee btcd", BackendBtcd, `0.00002`, func(c *Client) error { _, err := c.EstimateFee(context.Background(), 6); return err },
			"estimatefee", `[6]`},
		{"estimatesmartfee core", BackendCore, `{"feerate":0.0001,"blocks":6}`, func(c *Client) error {
			_, err := c.EstimateFee(context.Background(), 6)
			return err
		}, "estimatesmartfee", `[6]`},
		{"relay fee btcd", BackendBtcd, `{"relayfee":0.00001}`, func(c *Client) error { _, err := c.RelayFee(context.Background()); return err },
			"getinfo", `[]`},
		{"relay fee core", BackendCore, `{"relayfee":0.00001000}`, func(c *Client) error { _, err := c.RelayFee(context.Background()); return err },
			"getnetworkinfo", `[]`},
		{"invalidateblock", BackendBtcd, `null`, func(c *Client) error { return c.InvalidateBlock(context.Background(), h) },
			"invalidateblock", `["` + h.String() + `"]`},
		{"gettxout", BackendBtcd, `null`, func(c *Client) error {
			_, err := c.GetTxOut(context.Background(), wire.OutPoint{Hash: h, Index: 3}, true)
			return err
		}, "gettxout", `["` + h.String() + `",3,true]`},
		{"raw call", BackendBtcd, `null`, func(c *Client) error {
			return c.Call(context.Background(), "node", []any{"connect", "127.0.0.1:1", "temp"}, nil)
		}, "node", `["connect","127.0.0.1:1","temp"]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, f := newFake(t, tc.backend, func(request) (int, string) { return result(tc.reply) })
			require.NoError(t, tc.call(c))
			r := f.last()
			require.Equal(t, "1.0", r.Jsonrpc)
			require.Equal(t, tc.method, r.Method)
			params, err := json.Marshal(r.Params)
			require.NoError(t, err)
			require.JSONEq(t, tc.params, string(params))
		})
	}
}

func txHex(t *testing.T, tx *wire.MsgTx) string {
	t.Helper()
	var b strings.Builder
	require.NoError(t, tx.Serialize(hexWriter{&b}))
	return b.String()
}

type hexWriter struct{ b *strings.Builder }

func (w hexWriter) Write(p []byte) (int, error) {
	const digits = "0123456789abcdef"
	for _, c := range p {
		w.b.WriteByte(digits[c>>4])
		w.b.WriteByte(digits[c&15])
	}
	return len(p), nil
}

// TestBlockHeaderVerbose rebuilds headers from getblockheader's verbose fields as
// Core documents them (rpc/blockchain.cpp getblockheader help), for mainnet blocks 0
// and 1; they must hash to the known block hashes.
func TestBlockHeaderVerbose(t *testing.T) {
	tests := []struct {
		name, hash, json string
		height           int32
	}{
		{"genesis (no previousblockhash)", "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f", `{
			"hash":"000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f","confirmations":1,"height":0,
			"version":1,"versionHex":"00000001","merkleroot":"4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b",
			"time":1231006505,"mediantime":1231006505,"nonce":2083236893,"bits":"1d00ffff","difficulty":1,
			"chainwork":"0000000000000000000000000000000000000000000000000000000100010001","nTx":1,
			"nextblockhash":"00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048"}`, 0},
		{"block 1", "00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048", `{
			"hash":"00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048","confirmations":1,"height":1,
			"version":1,"versionHex":"00000001","merkleroot":"0e3e2357e806b6cdb1f70b54c3a3a17b6714ee1f0e68bebb44a74b1efd512098",
			"time":1231469665,"mediantime":1231469665,"nonce":2573394689,"bits":"1d00ffff","difficulty":1,
			"chainwork":"0000000000000000000000000000000000000000000000000000000200020002","nTx":1,
			"previousblockhash":"000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"}`, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newFake(t, BackendCore, func(request) (int, string) { return result(tc.json) })
			h, err := chainhash.NewHashFromStr(tc.hash)
			require.NoError(t, err)
			hdr, height, err := c.BlockHeader(context.Background(), *h)
			require.NoError(t, err)
			require.Equal(t, tc.height, height)
			require.Equal(t, *h, hdr.BlockHash())

			var other chainhash.Hash // asking for another hash must fail the check
			_, _, err = c.BlockHeader(context.Background(), other)
			require.ErrorContains(t, err, "header hashes to")
		})
	}
}

// TestReplies covers reply shapes: Core's JSON errors under HTTP 500/404, btcd's
// plain-text 401/503, truncated and malformed bodies, BIP22 submitblock strings.
func TestReplies(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		call      func(c *Client) error
		want      error // nil: no error expected
		temporary bool
	}{
		{"core error under HTTP 500", 500, `{"result":null,"error":{"code":-5,"message":"Block not found"},"id":1}`,
			getBlock, ErrBlockNotFound, false},
		{"core method not found under HTTP 404", 404, `{"result":null,"error":{"code":-32601,"message":"Method not found"},"id":1}`,
			getBlock, ErrMethodNotFound, false},
		{"core 401 empty body", 401, ``, getBlock, ErrUnauthorized, false},
		{"btcd 401", 401, "401 Unauthorized.\n", getBlock, ErrUnauthorized, false},
		{"btcd too busy", 503, "503 Too busy.  Try again later.\n", getBlock, ErrTemporary, true},
		{"empty 200", 200, ``, getBlock, ErrTemporary, true},
		{"truncated 200", 200, `{"result":"00`, getBlock, ErrTemporary, true},
		{"not json", 200, `<html>`, getBlock, nil, false},
		{"submitblock duplicate", 200, `{"result":"rejected: already have block 00","error":null,"id":1}`,
			submitBlock, ErrDuplicateBlock, false},
		{"submitblock null", 200, `{"result":null,"error":null,"id":1}`, submitBlock, nil, false},
		{"btcd estimatefee without data", 200, `{"result":0,"error":null,"id":1}`, estimate, ErrNoFeeEstimate, false},
		{"core estimatesmartfee without data", 200,
			`{"result":{"errors":["Insufficient data or no feerate found"],"blocks":0},"error":null,"id":1}`,
			estimate, ErrNoFeeEstimate, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			backend := BackendBtcd
			if strings.HasPrefix(tc.name, "core") {
				backend = BackendCore
			}
			c, _ := newFake(t, backend, func(request) (int, string) { return tc.status, tc.body })
			err := tc.call(c)
			if tc.want == nil && tc.name == "submitblock null" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			if tc.want != nil {
				require.ErrorIs(t, err, tc.want)
			}
			require.Equal(t, tc.temporary, IsTemporary(err), "%v", err)
		})
	}
}

func getBlock(c *Client) error {
	_, err := c.RawBlock(context.Background(), chainhash.Hash{})
	return err
}
func estimate(c *Client) error { _, err := c.EstimateFee(context.Background(), 2); return err }
func submitBlock(c *Client) error {
	b := &wire.MsgBlock{}
	b.AddTransaction(wire.NewMsgTx(1))
	return c.SubmitBlock(context.Background(), b)
}

// TestFeeAmounts checks exact BTC → satoshi conversion of the forms nodes write.
func TestFeeAmounts(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		bad  bool
	}{
		{in: "0.00002", want: 2000},     // btcd estimatefee (measured, spike §2)
		{in: "2e-05", want: 2000},       // Go's float formatting of the same
		{in: "0.00001000", want: 1000},  // Core relayfee
		{in: "1e-08", want: 1},          // one satoshi
		{in: "50", want: 5_000_000_000}, // a coinbase
		{in: "2.0000000000000002e-05", want: 2000},
		{in: "0.000000005", want: 1}, // half a satoshi rounds away from zero
		{in: "-1", want: -100_000_000},
		{in: "21000001", bad: true},
		{in: "abc", bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := btcToSat(json.Number(tc.in))
			if tc.bad {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

// TestCookie re-reads Core's cookie after a 401 (Core rewrites it on each start).
func TestCookie(t *testing.T) {
	dir := t.TempDir()
	cookie := filepath.Join(dir, ".cookie")
	require.NoError(t, os.WriteFile(cookie, []byte("__cookie__:old\n"), 0o600))
	var mu sync.Mutex
	secret := "old"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		mu.Lock()
		good := ok && u == "__cookie__" && p == secret
		mu.Unlock()
		if !good {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{"result":7,"error":null,"id":1}`))
	}))
	defer srv.Close()
	c, err := New(Config{Host: strings.TrimPrefix(srv.URL, "http://"), CookieFile: cookie, Backend: BackendCore})
	require.NoError(t, err)
	n, err := c.BlockCount(context.Background())
	require.NoError(t, err)
	require.Equal(t, int32(7), n)

	mu.Lock()
	secret = "new" // the node restarted
	mu.Unlock()
	_, err = c.BlockCount(context.Background())
	require.ErrorIs(t, err, ErrUnauthorized, "stale cookie file")

	require.NoError(t, os.WriteFile(cookie, []byte("__cookie__:new"), 0o600))
	n, err = c.BlockCount(context.Background())
	require.NoError(t, err, "cookie re-read after 401")
	require.Equal(t, int32(7), n)
}

// TestTimeout: a hung node costs the caller its deadline, not more, and the
// failure is temporary; the per-call Timeout applies without a caller deadline.
func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	host := strings.TrimPrefix(srv.URL, "http://")

	c, err := New(Config{Host: host, User: "u", Pass: "p"})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.BlockCount(ctx)
	require.Less(t, time.Since(start), 2*time.Second)
	require.True(t, IsTemporary(err), "%v", err)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	c, err = New(Config{Host: host, User: "u", Pass: "p", Timeout: 150 * time.Millisecond})
	require.NoError(t, err)
	start = time.Now()
	_, err = c.BlockCount(context.Background())
	require.Less(t, time.Since(start), 2*time.Second)
	require.True(t, IsTemporary(err), "%v", err)

	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	_, err = c.BlockCount(ctx)
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, IsTemporary(err), "a cancelled call is not worth retrying")
}

func TestBackendOnlyCalls(t *testing.T) {
	c, _ := newFake(t, BackendCore, func(request) (int, string) { return result("null") })
	_, err := c.Generate(context.Background(), 1)
	require.ErrorIs(t, err, ErrNotSupported)
	_, err = c.NotifyBlocks(context.Background())
	require.ErrorIs(t, err, ErrNotSupported)
}

func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"no host", Config{User: "u"}},
		{"no credentials", Config{Host: "127.0.0.1:1"}},
		{"missing cookie", Config{Host: "127.0.0.1:1", CookieFile: "/nonexistent/.cookie"}},
		{"bad backend", Config{Host: "127.0.0.1:1", User: "u", Backend: 7}},
		{"missing cert", Config{Host: "127.0.0.1:1", User: "u", TLS: true, CertFile: "/nonexistent/rpc.cert"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			require.Error(t, err)
		})
	}
}
