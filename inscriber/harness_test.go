package inscriber

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/btcnode/testnode"
	"github.com/bitai-l2/bitai/inscriber/fees"
	"github.com/bitai-l2/bitai/inscriber/wallet"
	"github.com/bitai-l2/bitai/store"
)

// harness is one inscriber over a real btcd (testnode) in this process.
type harness struct {
	t      testing.TB
	node   *testnode.Node
	dir    string
	db     *store.DB
	keys   *wallet.Keys
	wal    *wallet.Wallet
	in     *Inscriber
	logs   *logBuffer
	cfg    Config
	fund   int64 // satoshis paid to the wallet
	funded map[wire.OutPoint]fundedCoin
	closed sync.Once
}

// closeDB closes the harness's database once.
func (h *harness) closeDB() { h.closed.Do(func() { h.db.Close() }) }

// fundedCoin is a coin fundWallet paid to external address Index.
type fundedCoin struct {
	Index uint32
	Out   *wire.TxOut
}

// logBuffer collects log lines for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

const harnessTimeout = 3 * time.Second

func startNode(t testing.TB, args ...string) *testnode.Node {
	return testnode.Start(t, testnode.WithTimeout(harnessTimeout),
		testnode.WithArgs(append([]string{"--blockmaxweight=3996000"}, args...)...))
}

// newHarness builds an inscriber over node in a fresh data directory. The wallet
// follows the chain from block 1 (regtest chains are short).
func newHarness(t testing.TB, node *testnode.Node, mod func(*Config)) *harness {
	t.Helper()
	dir := t.TempDir()
	keys, wal := newWallet(t, dir)
	db, err := store.Open(filepath.Join(dir, "inscriber"), store.Options{})
	require.NoError(t, err)
	h := &harness{t: t, node: node, dir: dir, db: db, keys: keys, wal: wal, logs: &logBuffer{}}
	t.Cleanup(h.closeDB)
	h.cfg = h.config(db, nil)
	if mod != nil {
		mod(&h.cfg)
	}
	h.in, err = New(h.cfg)
	require.NoError(t, err)
	return h
}

// newWallet creates (or loads) the seed in dir and the wallet over it.
func newWallet(t testing.TB, dir string) (*wallet.Keys, *wallet.Wallet) {
	t.Helper()
	seed, _, err := wallet.LoadOrCreateSeed(dir)
	require.NoError(t, err)
	keys, err := wallet.NewKeys(seed, testnode.Params)
	require.NoError(t, err)
	wal, err := wallet.New(keys, wallet.DefaultLookahead)
	require.NoError(t, err)
	return keys, wal
}

// config is the harness's inscriber configuration over db.
func (h *harness) config(db *store.DB, w io.Writer) Config {
	out := io.Writer(h.logs)
	if w != nil {
		out = io.MultiWriter(h.logs, w)
	}
	logger := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return Config{
		DB: db, Keys: h.keys, Wallet: h.wal, Node: h.node.Client(), Notifier: h.node.Client(),
		Fees: fees.Fixed(2), FeeCap: 20, StartHeight: 1, Logger: logger,
		RetryMin: 20 * time.Millisecond, RetryMax: 300 * time.Millisecond, PollInterval: 50 * time.Millisecond,
	}
}

// fundWallet pays each amount to its own wallet address and mines them.
func (h *harness) fundWallet(amounts ...int64) {
	h.t.Helper()
	for i, a := range amounts {
		_, pk, err := h.keys.Address(wallet.BranchExternal, uint32(i))
		require.NoError(h.t, err)
		_, op := h.node.Fund(h.t, pk, a)
		h.fund += a
		if h.funded == nil {
			h.funded = map[wire.OutPoint]fundedCoin{}
		}
		h.funded[op] = fundedCoin{Index: uint32(i), Out: wire.NewTxOut(a, pk)}
	}
	h.node.Generate(h.t, 1)
}

func (h *harness) start() {
	h.t.Helper()
	require.NoError(h.t, h.in.Start(context.Background()))
	h.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		h.in.Stop(ctx)
	})
}

// sync waits until the inscriber has processed the node's tip and finished a pass.
func (h *harness) sync() {
	h.t.Helper()
	tip := h.node.Tip(h.t)
	require.Eventually(h.t, func() bool {
		return h.in.passTip.Load() >= tip.Height
	}, 30*time.Second, 10*time.Millisecond, "inscriber never caught up with height %d\n%s", tip.Height, h.tail())
	// one more full pass after the tip, so sends triggered by it are done
	n := h.in.passes.Load()
	h.in.kick()
	require.Eventually(h.t, func() bool { return h.in.passes.Load() > n }, 30*time.Second, 5*time.Millisecond)
}

// mine generates n blocks, syncing after each.
func (h *harness) mine(n int) {
	h.t.Helper()
	for range n {
		h.node.Generate(h.t, 1)
		h.sync()
	}
}

// mineUntilDepth mines until every payload is confirmed at depth, at most max blocks.
func (h *harness) mineUntilDepth(depth int32, max int, ids ...uint64) {
	h.t.Helper()
	h.sync()
	for i := 0; ; i++ {
		done := true
		for _, id := range ids {
			info, err := h.in.Payload(id)
			require.NoError(h.t, err)
			done = done && info.State == StateConfirmed.String() && info.Depth >= depth
		}
		if done {
			return
		}
		require.Less(h.t, i, max, "payloads not confirmed after %d blocks\n%s", max, h.tail())
		h.mine(1)
	}
}

func (h *harness) tail() string {
	s := h.logs.String()
	if len(s) > 6000 {
		s = s[len(s)-6000:]
	}
	return s
}

func randomBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}

// onChain is what a scan of the best chain finds: every accepted BitAI whole
// payload and every completed chunk set, by payloadSum, with how often.
type onChain struct {
	count map[[32]byte]int
	body  map[[32]byte][]byte
	txs   []*wire.MsgTx // every transaction of the scanned blocks
}

// scanChain reads blocks from..tip and reassembles payloads with the protocol's own
// acceptance predicate and chunk reducer (bitai.AcceptTx, bitai.ApplyChunk).
func scanChain(t testing.TB, node *testnode.Node, from int32) *onChain {
	t.Helper()
	ctx := context.Background()
	c := node.Client()
	tip, err := c.BestBlock(ctx)
	require.NoError(t, err)
	oc := &onChain{count: map[[32]byte]int{}, body: map[[32]byte][]byte{}}
	type setKey struct{ ins, hash [32]byte }
	sets := map[setKey]*bitai.PendingSet{}
	pending := map[[32]byte]uint64{}
	for h := from; h <= tip.Height; h++ {
		hash, err := c.BlockHash(ctx, h)
		require.NoError(t, err)
		blk, err := c.Block(ctx, hash)
		require.NoError(t, err)
		for _, tx := range blk.Transactions {
			oc.txs = append(oc.txs, tx)
			for _, cand := range bitai.AcceptTx(tx) {
				if cand.Reason != bitai.ReasonNone {
					continue
				}
				switch cand.Body[0] {
				case bitai.BodyKindPayload:
					sum := payloadSum(cand.Encoding, cand.Body[1:])
					oc.count[sum]++
					oc.body[sum] = cand.Body[1:]
				case bitai.BodyKindChunk:
					ch, reason := bitai.ParseChunk(cand.Body)
					require.Equal(t, bitai.ReasonNone, reason)
					k := setKey{cand.Inscriber, ch.PayloadHash}
					res, reason := bitai.ApplyChunk(sets[k], ch, cand.Encoding, cand.Inscriber, uint32(h), pending[cand.Inscriber])
					pending[cand.Inscriber] = uint64(int64(pending[cand.Inscriber]) + res.PendingDelta)
					sets[k] = res.Set
					if reason == bitai.ReasonNone && res.Complete {
						sum := payloadSum(res.Encoding, res.Payload)
						oc.count[sum]++
						oc.body[sum] = res.Payload
					}
				}
			}
		}
	}
	return oc
}

// txByID finds a scanned transaction.
func (oc *onChain) txByID(id chainhash.Hash) *wire.MsgTx {
	for _, tx := range oc.txs {
		if tx.TxHash() == id {
			return tx
		}
	}
	return nil
}
