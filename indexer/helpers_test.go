package indexer

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards"
	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/btcnode"
	"github.com/bitai-l2/bitai/btcnode/follow"
	"github.com/bitai-l2/bitai/btcnode/testnode"
)

// regtest returns the regtest deployment (activation height 1, faucet allocation).
func regtest(t testing.TB) *bitai.Deployment {
	t.Helper()
	dep, err := bitai.DeploymentFor("regtest")
	require.NoError(t, err)
	return dep
}

// faucet is the regtest faucet's key (rule N-7), funded at activation.
func faucet() *btcec.PrivateKey { return bitai.FaucetKey(bitai.RegtestFaucetSeed) }

// testLogger logs to the test at warn and above (info with BITAI_TEST_LOG=1).
func testLogger(t testing.TB) *slog.Logger {
	lvl := slog.LevelWarn
	if os.Getenv("BITAI_TEST_LOG") != "" {
		lvl = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: lvl}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}

// fakeChain is an in-memory node for follow.Chain: blocks by hash, an active chain,
// and reorgs by switching the tip. Blocks are real (testnode.BuildBlock: coinbase,
// witness commitment, regtest proof of work) but their txs are not validated, so tests
// can put reveal-shaped txs spending nothing.
type fakeChain struct {
	mu     sync.Mutex
	blocks map[chainhash.Hash]*wire.MsgBlock
	height map[chainhash.Hash]int32
	active []chainhash.Hash
	nonce  uint64
}

var _ follow.Chain = (*fakeChain)(nil)

func newFakeChain() *fakeChain {
	g := chaincfg.RegressionNetParams.GenesisBlock
	h := g.BlockHash()
	return &fakeChain{
		blocks: map[chainhash.Hash]*wire.MsgBlock{h: g},
		height: map[chainhash.Hash]int32{h: 0},
		active: []chainhash.Hash{h},
	}
}

func (c *fakeChain) BestBlock(context.Context) (btcnode.BlockID, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return btcnode.BlockID{Hash: c.active[len(c.active)-1], Height: int32(len(c.active) - 1)}, nil
}

func (c *fakeChain) BlockHash(_ context.Context, h int32) (chainhash.Hash, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h < 0 || int(h) >= len(c.active) {
		return chainhash.Hash{}, fmt.Errorf("height %d: %w", h, btcnode.ErrBlockNotFound)
	}
	return c.active[h], nil
}

func (c *fakeChain) Block(_ context.Context, hash chainhash.Hash) (*wire.MsgBlock, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.blocks[hash]
	if !ok {
		return nil, fmt.Errorf("block %s: %w", hash, btcnode.ErrBlockNotFound)
	}
	return b, nil
}

func (c *fakeChain) tip() chainhash.Hash {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.active[len(c.active)-1]
}

func (c *fakeChain) hashAt(h int32) chainhash.Hash {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.active[h]
}

// mine builds a block with txs on parent; it becomes the tip when its chain is longer
// than the active one (first seen wins on a tie, as nodes do).
func (c *fakeChain) mine(t testing.TB, parent chainhash.Hash, txs ...*wire.MsgTx) *wire.MsgBlock {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	ph, ok := c.height[parent]
	require.True(t, ok, "unknown parent %s", parent)
	c.nonce++
	ts := c.blocks[parent].Header.Timestamp.Add(time.Second)
	b, err := testnode.BuildBlock(parent, ph+1, ts, []byte{0x51}, c.nonce, txs)
	require.NoError(t, err)
	h := b.BlockHash()
	c.blocks[h], c.height[h] = b, ph+1
	if int(ph+1) >= len(c.active) {
		c.setTipLocked(h)
	}
	return b
}

// mineN mines n empty blocks on the tip.
func (c *fakeChain) mineN(t testing.TB, n int) {
	for range n {
		c.mine(t, c.tip())
	}
}

func (c *fakeChain) setTipLocked(h chainhash.Hash) {
	n := c.height[h]
	active := make([]chainhash.Hash, n+1)
	for cur := h; ; {
		active[c.height[cur]] = cur
		if c.height[cur] == 0 {
			break
		}
		cur = c.blocks[cur].Header.PrevBlock
	}
	c.active = active
}

// fakeReveal returns a tx shaped like a reveal of body under key (one input whose
// witness is signature, envelope script, control block). It spends a random outpoint
// and its signature is zero: the acceptance predicate reads the witness only.
func fakeReveal(t testing.TB, key *btcec.PrivateKey, encoding string, body []byte) *wire.MsgTx {
	t.Helper()
	script, err := bitai.EnvelopeScript(bitai.XOnly(key), encoding, body)
	require.NoError(t, err)
	return fakeScriptSpend(t, key, script)
}

// fakeScriptSpend is fakeReveal for any tapscript.
func fakeScriptSpend(t testing.TB, key *btcec.PrivateKey, script []byte) *wire.MsgTx {
	t.Helper()
	_, cb, err := bitai.CommitOutput(key.PubKey(), script)
	require.NoError(t, err)
	var prev chainhash.Hash
	_, _ = rand.Read(prev[:])
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Hash: prev}, Sequence: wire.MaxTxInSequenceNum - 2,
		Witness: wire.TxWitness{make([]byte, 64), script, cb}})
	tx.AddTxOut(wire.NewTxOut(testnode.DustLimit, testnode.P2TR(key.PubKey())))
	return tx
}

// sender signs BitAI txs for one key, counting its nonces.
type sender struct {
	key   *btcec.PrivateKey
	nonce uint64
	dep   *bitai.Deployment
}

func newSender(t testing.TB, dep *bitai.Deployment, key *btcec.PrivateKey) *sender {
	if key == nil {
		var err error
		key, err = btcec.NewPrivateKey()
		require.NoError(t, err)
	}
	return &sender{key: key, dep: dep}
}

func (s *sender) pub() [32]byte { return bitai.XOnly(s.key) }

// tx signs body with the next nonce (expiry 1000, fee 10).
func (s *sender) tx(t testing.TB, body bitai.Body) *bitai.Tx {
	t.Helper()
	tx := &bitai.Tx{Version: bitai.TxVersion, Nonce: s.nonce, Fee: 10, Expiry: 1000, Body: body}
	s.nonce++
	require.NoError(t, tx.Sign(s.key, s.dep.ID()))
	return tx
}

// transfer is a signed Transfer.
func (s *sender) transfer(t testing.TB, to [32]byte, amount uint64) *bitai.Tx {
	return s.tx(t, &bitai.Transfer{To: to, Amount: amount})
}

// payloadBody encodes txs as a whole payload (uncompressed).
func payloadBody(t testing.TB, txs ...*bitai.Tx) []byte {
	t.Helper()
	raws := make([][]byte, len(txs))
	for i, tx := range txs {
		raw, err := tx.Encode()
		require.NoError(t, err)
		raws[i] = raw
	}
	body, enc, err := bitai.EncodePayload(raws, false)
	require.NoError(t, err)
	require.Equal(t, "", enc)
	return body
}

// startIndexer runs an indexer over chain in dir until the test ends.
func startIndexer(t testing.TB, chain follow.Chain, dir string, mod ...func(*Config)) *Indexer {
	t.Helper()
	cfg := Config{Chain: chain, Deployment: regtest(t), DataDir: dir, Logger: testLogger(t),
		PollInterval: 20 * time.Millisecond, RetryMin: 10 * time.Millisecond, RetryMax: 200 * time.Millisecond}
	for _, m := range mod {
		m(&cfg)
	}
	ix, err := New(cfg)
	require.NoError(t, err)
	require.NoError(t, ix.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = ix.Stop(ctx)
	})
	return ix
}

// waitFor waits until the indexer's tip is hash (failing early if it stopped).
func waitFor(t testing.TB, ix *Indexer, hash chainhash.Hash, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if ix.Status().Hash == hash {
			return
		}
		select {
		case <-ix.Done():
			t.Fatalf("indexer stopped before reaching %s: %v", hash, ix.Err())
		default:
		}
		if time.Now().After(deadline) {
			st := ix.Status()
			t.Fatalf("indexer at %d %s, want %s after %s", st.Height, st.Hash, hash, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// dumpOf returns the ordered state dump of an API and the tip it belongs to.
type kv struct{ k, v []byte }

func dumpOf(t testing.TB, api API) ([]kv, Tip) {
	t.Helper()
	var out []kv
	tip, err := api.Dump(context.Background(), func(k, v []byte) error {
		out = append(out, kv{append([]byte(nil), k...), append([]byte(nil), v...)})
		return nil
	})
	require.NoError(t, err)
	return out, tip
}

// dumpDigest is sha256 over the dump (len-prefixed keys and values), for compact
// comparisons.
func dumpDigest(d []kv) [32]byte {
	h := sha256.New()
	for _, e := range d {
		fmt.Fprintf(h, "%d:%x=%d:%x;", len(e.k), e.k, len(e.v), e.v)
	}
	return [32]byte(h.Sum(nil))
}

// aiSetup is a model, an Eternal on it and an AI chain serving it, registered by s.
type aiSetup struct {
	model, eternal, chain *bitai.Tx
	eternalID, chainID    bitai.ID
}

// testVK is the state machine's test verifying key (a real gnark BN254 Groth16 key).
func testVK(t testing.TB) []byte {
	t.Helper()
	vk, err := os.ReadFile("../statemachine/testdata/test_vk.bin")
	require.NoError(t, err)
	return vk
}

// newAISetup signs ModelRegister, EternalMint (fee 7) and ChainRegister (request fee
// 11, sequencer and admin s) with s's next nonces; they must apply in this order.
func newAISetup(t testing.TB, s *sender, vk []byte) aiSetup {
	t.Helper()
	var a aiSetup
	a.model = s.tx(t, &bitai.ModelRegister{Name: "m", URI: "ipfs://m", ContentHash: sha256.Sum256([]byte("m")), Format: "cog", CreatorFee: 5})
	modelID := bitai.ObjectID(a.model.TxID(), 0)
	a.eternal = s.tx(t, &bitai.EternalMint{To: s.pub(), URI: "ipfs://e", SystemPrompt: "be brief", FoundationModel: modelID, Fee: 7})
	a.eternalID = bitai.ObjectID(a.eternal.TxID(), 0)
	p := bitai.DefaultChainParams()
	p.RequestFee = 11
	base := twistededwards.GetEdwardsCurve().Base
	p.Treasury = base.Bytes() // a valid L2 account (rule Z-14)
	a.chain = s.tx(t, &bitai.ChainRegister{Name: "c", Models: []bitai.ID{modelID},
		CircuitID: bitai.CircuitID([]byte(bitai.TestCircuitDescriptor)), VerifyingKey: vk,
		CeremonyHash: sha256.Sum256([]byte("ceremony")), Params: p.Record(),
		Sequencers: [][32]byte{s.pub()}, Admin: s.pub()})
	a.chainID = bitai.ObjectID(a.chain.TxID(), 0)
	return a
}

// infer signs an Infer on the setup's Eternal and chain.
func (a aiSetup) infer(t testing.TB, s *sender, calldata []byte) *bitai.Tx {
	return s.tx(t, &bitai.Infer{EternalID: a.eternalID, ChainID: a.chainID, Calldata: calldata, MaxFee: 1000})
}
