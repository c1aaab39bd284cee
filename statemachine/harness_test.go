package statemachine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"

	"github.com/bitai-l2/bitai/aichain"
	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/store"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"
)

// harness applies in-memory blocks to a fresh in-memory pebble the way the indexer
// does: one store.Recorder batch per block, the state hash chained over its events and
// write set, its undo record kept for the undo test.
type harness struct {
	t      testing.TB
	dep    *bitai.Deployment
	m      *Machine
	db     *store.DB
	height uint32 // height of the next block
	prev   chainhash.Hash

	stateHash [32]byte
	blocks    []*wire.MsgBlock // every applied block, in order
	heights   []uint32         // the height each was applied at
	undos     []store.Undo     // undo record per applied block
	dumps     [][32]byte       // dump digest before each applied block
	hashes    [][32]byte       // state hash after each applied block

	supply   uint64 // allocations and credited burns so far
	outpoint uint32 // makes every test Bitcoin tx unique

	verifier *testVerifier // shared with replays, so it sees every batch once more
}

// testShape is the test circuit's slot schedule in the harness: small, so scenarios
// can fill every inbox slot.
var testShape = aichain.Shape{InboxSlots: 4, CommitSlots: 6, RevealSlots: 6, ResolveSlots: 3, OtherSlots: 8}

// testVerifier is the harness's BatchVerifier: NativeVerifier over a WitnessStore,
// except that a proof whose data is "forged" passes unchecked, so scenarios can reach
// the settlement checks behind the proof (bridge and supply) and see them reject a
// batch atomically.
type testVerifier struct {
	*NativeVerifier
	witness *WitnessStore
}

func newTestVerifier() *testVerifier {
	w := NewWitnessStore()
	circuit := bitai.CircuitID([]byte(bitai.TestCircuitDescriptor))
	return &testVerifier{
		NativeVerifier: NewNativeVerifier(NativeVerifierConfig{
			Shapes: map[bitai.ID]aichain.Shape{circuit: testShape}, Witnesses: w, DA: w}),
		witness: w,
	}
}

// forgedProof is the proof data testVerifier accepts unchecked.
const forgedProof = "forged"

func (v *testVerifier) VerifyBatch(cv *ChainView, b *bitai.SubmitBatch, pi *aichain.PublicInputs) error {
	if string(b.Proof.Data) == forgedProof {
		return nil
	}
	return v.NativeVerifier.VerifyBatch(cv, b, pi)
}

// testDeployment is regtest's deployment (activation 1, faucet, test circuit).
func testDeployment(t testing.TB) *bitai.Deployment {
	dep, err := bitai.DeploymentFor("regtest")
	require.NoError(t, err)
	return dep
}

func openMemDB(t testing.TB) *store.DB {
	db, err := store.Open("db", store.Options{FS: vfs.NewMem(), CacheSize: 1 << 20, MemTableSize: 4 << 20})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func newHarness(t testing.TB, dep *bitai.Deployment) *harness {
	return newHarnessWith(t, dep, newTestVerifier())
}

func newHarnessWith(t testing.TB, dep *bitai.Deployment, v *testVerifier) *harness {
	m, err := New(Config{Deployment: dep, Workers: 2, BatchVerifier: v})
	require.NoError(t, err)
	return &harness{
		t: t, dep: dep, m: m, db: openMemDB(t),
		height: dep.ActivationHeight, stateHash: InitialStateHash(dep), verifier: v,
	}
}

// state is a read-only view of the committed state.
func (h *harness) state() State { return NewReadState(h.db.Pebble()) }

// coinbase returns a unique coinbase for height.
func coinbase(height uint32) *wire.MsgTx {
	tx := wire.NewMsgTx(1)
	tx.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{}, wire.MaxPrevOutIndex),
		binary.BigEndian.AppendUint32([]byte{0x04}, height), nil))
	tx.AddTxOut(wire.NewTxOut(50, []byte{0x51}))
	return tx
}

// makeBlock wraps txs (after a coinbase) into the next block.
func (h *harness) makeBlock(txs ...*wire.MsgTx) *wire.MsgBlock {
	b := &wire.MsgBlock{Header: wire.BlockHeader{Version: 4, PrevBlock: h.prev, Nonce: h.height}}
	b.Transactions = append([]*wire.MsgTx{coinbase(h.height)}, txs...)
	return b
}

// apply prepares and applies block as the next block and commits it.
func (h *harness) apply(block *wire.MsgBlock) *BlockResult {
	t := h.t
	t.Helper()
	p, err := h.m.Prepare(context.Background(), block, h.height)
	require.NoError(t, err)
	h.dumps = append(h.dumps, h.dumpDigest())
	rec := h.db.NewRecorder()
	defer rec.Close()
	res, err := h.m.ApplyBlock(NewPebbleState(rec), p)
	require.NoError(t, err)
	require.Equal(t, h.height, res.Height)
	require.Equal(t, block.BlockHash(), res.Hash)
	h.stateHash = StateHash(h.stateHash, res.Hash, res.EventsHash, WriteSetHash(rec.WriteSet()))
	h.undos = append(h.undos, rec.Undo())
	require.NoError(t, rec.Commit(context.Background()))
	h.blocks = append(h.blocks, block)
	h.heights = append(h.heights, h.height)
	h.hashes = append(h.hashes, h.stateHash)
	h.prev = res.Hash
	h.height++
	h.countSupply(res.Events)
	h.checkInvariants()
	return res
}

// countSupply adds what the block's allocations and burns credited.
func (h *harness) countSupply(events []Event) {
	for _, e := range events {
		if (e.Kind == EventAllocation || e.Kind == EventBurn) && e.Reason == bitai.ReasonNone {
			h.supply += e.Amount
		}
	}
}

// checkInvariants checks, against the committed state: balances plus open escrows
// (open requests, pending deposits) plus every chain's bridge equal the supply that
// entered (no theft: settlement and exits only move value between them); every
// chain's inbox has len+1 accumulators and len entries; every open chunk set is
// counted in its key's pending bytes.
func (h *harness) checkInvariants() {
	t := h.t
	t.Helper()
	var total uint64
	add := func(v uint64) {
		require.LessOrEqual(t, total, total+v, "supply overflow")
		total += v
	}
	pending := map[[32]byte]uint64{}
	require.NoError(t, DumpState(h.db.Pebble(), func(k, v []byte) error {
		switch k[0] {
		case PrefixAccount:
			var a Account
			require.NoError(t, a.UnmarshalBinary(v))
			require.NotEqual(t, Account{}, a, "zero account stored")
			add(a.Balance)
		case PrefixRequest:
			var q Request
			require.NoError(t, q.UnmarshalBinary(v))
			if q.Status == StatusOpen {
				add(q.Escrow())
			}
		case PrefixDeposit:
			var d Deposit
			require.NoError(t, d.UnmarshalBinary(v))
			if d.Status == StatusOpen {
				add(d.Amount)
			}
		case PrefixChunkSet:
			var s bitai.PendingSet
			require.NoError(t, s.UnmarshalBinary(v))
			pending[s.Inscriber] += s.PendingBytes()
		case PrefixChain:
			var id bitai.ID
			copy(id[:], k[1:])
			n, err := InboxLen(h.state(), id)
			require.NoError(t, err)
			_, ok, err := InboxAcc(h.state(), id, n)
			require.NoError(t, err)
			require.True(t, ok, "acc[len] missing")
			_, ok, err = InboxAcc(h.state(), id, n+1)
			require.NoError(t, err)
			require.False(t, ok, "acc past len")
		case PrefixSettlement:
			var s Settlement
			require.NoError(t, s.UnmarshalBinary(v))
			add(s.Bridge)
		}
		return nil
	}))
	require.Equal(t, h.supply, total, "balances + open escrows + bridges ≠ allocations + burns")
	for k, n := range pending {
		got, err := GetPendingChunkBytes(h.state(), k)
		require.NoError(t, err)
		require.Equal(t, n, got, "pending bytes of %x", k[:4])
	}
}

// dumpDigest hashes the full ordered dump of the state namespace.
func (h *harness) dumpDigest() [32]byte {
	d := sha256.New()
	require.NoError(h.t, DumpState(h.db.Pebble(), func(k, v []byte) error {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(k)))
		d.Write(n[:])
		d.Write(k)
		binary.BigEndian.PutUint32(n[:], uint32(len(v)))
		d.Write(n[:])
		d.Write(v)
		return nil
	}))
	return [32]byte(d.Sum(nil))
}

// ---- Bitcoin tx builders -------------------------------------------------------

// btcTx is a test Bitcoin tx under construction.
type btcTx struct{ tx *wire.MsgTx }

func (h *harness) newBtcTx() *btcTx {
	h.outpoint++
	tx := wire.NewMsgTx(2)
	tx.AddTxOut(wire.NewTxOut(330, append([]byte{0x51, 0x20}, bytes.Repeat([]byte{0x01}, 32)...)))
	// A unique first output script keeps txids apart even for equal inputs.
	tx.TxOut[0].PkScript[2] = byte(h.outpoint)
	tx.TxOut[0].PkScript[3] = byte(h.outpoint >> 8)
	return &btcTx{tx: tx}
}

// envelope adds an input revealing body under inscriber with the given encoding and
// control-block leaf version.
func (b *btcTx) envelope(t testing.TB, inscriber [32]byte, encoding string, body []byte, leaf byte) {
	script, err := bitai.EnvelopeScript(inscriber, encoding, body)
	require.NoError(t, err)
	cb := append([]byte{leaf}, bytes.Repeat([]byte{0x02}, 32)...)
	in := wire.NewTxIn(&wire.OutPoint{Index: uint32(len(b.tx.TxIn))}, nil, wire.TxWitness{make([]byte, 64), script, cb})
	b.tx.AddTxIn(in)
}

// burn adds a burn output.
func (b *btcTx) burn(key [32]byte, amount int64) {
	b.tx.AddTxOut(wire.NewTxOut(amount, bitai.BurnScript(key)))
}

// finish gives a tx without inputs one plain input.
func (b *btcTx) finish() *wire.MsgTx {
	if len(b.tx.TxIn) == 0 {
		b.tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: 7}, nil, nil))
	}
	return b.tx
}

// ---- keys and BitAI txs --------------------------------------------------------

// testKey derives a named test key; "faucet" is the regtest faucet.
func testKey(name string) *btcec.PrivateKey {
	if name == "faucet" {
		return bitai.FaucetKey(bitai.RegtestFaucetSeed)
	}
	k := sha256.Sum256([]byte("bitai statemachine test key " + name))
	priv, _ := btcec.PrivKeyFromBytes(k[:])
	return priv
}

// badKey is an x-only value that does not lift (x ≥ p).
var badKey = [32]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// signTx fills version and signs tx with priv for deployment id depID.
func signTx(t testing.TB, tx *bitai.Tx, priv *btcec.PrivateKey, depID [32]byte) []byte {
	tx.Version = bitai.TxVersion
	require.NoError(t, tx.Sign(priv, depID))
	b, err := tx.Encode()
	require.NoError(t, err)
	return b
}

// payloadBody encodes raw txs into a whole payload body.
func payloadBody(t testing.TB, compress bool, txs ...[]byte) ([]byte, string) {
	body, enc, err := bitai.EncodePayload(txs, compress)
	require.NoError(t, err)
	return body, enc
}

// short renders 32 bytes as an 8-hex-digit prefix.
func short(b [32]byte) string { return hex.EncodeToString(b[:4]) }

var _ = slices.Clone[[]byte]
var _ = fmt.Sprint
