package statemachine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/bitai-l2/bitai/aichain"
	"github.com/bitai-l2/bitai/bitai"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

// memState is a map-backed State for fuzzing (no pebble per iteration).
type memState struct{ m map[string][]byte }

var _ State = (*memState)(nil)

func (s *memState) Get(k []byte) ([]byte, bool, error) {
	v, ok := s.m[string(k)]
	return v, ok, nil
}

func (s *memState) Set(k, v []byte) error { s.m[string(k)] = slices.Clone(v); return nil }

func (s *memState) Delete(k []byte) error { delete(s.m, string(k)); return nil }

func (s *memState) Iterate(prefix []byte, fn func(k, v []byte) (bool, error)) error {
	var ks []string
	for k := range s.m {
		if strings.HasPrefix(k, string(prefix)) {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	for _, k := range ks {
		if more, err := fn([]byte(k), s.m[k]); err != nil || !more {
			return err
		}
	}
	return nil
}

func (s *memState) clone() *memState {
	c := &memState{m: make(map[string][]byte, len(s.m))}
	for k, v := range s.m {
		c.m[k] = v
	}
	return c
}

// fuzzBase is the state after an activation block that funds alice and registers a
// model, an Eternal and a chain, so fuzzed txs can reach every kind's execution.
type fuzzBase struct {
	m     *Machine
	st    *memState
	seeds [][]byte
}

var (
	fuzzOnce sync.Once
	fuzzB    fuzzBase
)

func loadFuzzBase(t testing.TB) *fuzzBase {
	fuzzOnce.Do(func() {
		dep := testDeployment(t)
		m, err := New(Config{Deployment: dep, Workers: 1, BatchVerifier: NewNativeVerifier(NativeVerifierConfig{})})
		require.NoError(t, err)
		faucet, alice := testKey("faucet"), testKey("alice")
		depID := dep.ID()
		mk := func(priv *btcec.PrivateKey, n uint64, body bitai.Body) (*bitai.Tx, []byte) {
			tx := &bitai.Tx{Nonce: n, Fee: 1, Expiry: 100, Body: body}
			return tx, signTx(t, tx, priv, depID)
		}
		_, fund := mk(faucet, 0, &bitai.Transfer{To: bitai.XOnly(alice), Amount: 1_000_000})
		mtx, model := mk(alice, 0, &bitai.ModelRegister{Name: "m", CreatorFee: 5})
		modelID := bitai.ObjectID(mtx.TxID(), 0)
		etx, eternal := mk(alice, 1, &bitai.EternalMint{To: bitai.XOnly(alice), SystemPrompt: "p", FoundationModel: modelID, Fee: 3})
		ctx, chain := mk(alice, 2, &bitai.ChainRegister{Name: "c", Models: []bitai.ID{modelID},
			CircuitID: bitai.CircuitID([]byte(bitai.TestCircuitDescriptor)), VerifyingKey: testVK(t),
			Params: fuzzParams().Record(), Admin: bitai.XOnly(alice), Sequencers: [][32]byte{bitai.XOnly(alice)}})
		chainID := bitai.ObjectID(ctx.TxID(), 0)
		eternalID := bitai.ObjectID(etx.TxID(), 0)
		body, enc := payloadBody(t, false, fund, model, eternal, chain)
		st := &memState{m: map[string][]byte{}}
		applyBodies(t, m, st, dep.ActivationHeight, [][]byte{body}, []string{enc})
		_, ok, err := GetSettlement(st, chainID)
		require.NoError(t, err)
		require.True(t, ok, "the fuzz base's chain must register")

		// Seeds: valid txs of every kind from alice (nonce 3 on), whole and chunked.
		kinds := []bitai.Body{
			&bitai.Transfer{To: bitai.XOnly(faucet), Amount: 10},
			&bitai.Infer{EternalID: eternalID, ChainID: chainID, Calldata: []byte("hi"), MaxFee: 1 << 20},
			&bitai.ChainDeposit{ChainID: chainID, L2Account: goodL2(), Amount: 7},
			&bitai.ChainMessage{ChainID: chainID, L2Op: (&aichain.Op{Kind: aichain.OpResolve, RequestID: eternalID}).Record()},
			&bitai.SubmitBatch{ChainID: chainID, Number: 1, L1Height: dep.ActivationHeight + 1,
				Outcomes: aichain.EncodeOutcomes(nil), Withdrawals: aichain.EncodeWithdrawals(nil)},
			&bitai.Exit{ChainID: chainID, Leaf: bitai.SubRecord{Version: 1}, Path: bitai.SubRecord{Version: 1}},
			&bitai.EternalUpdate{ID: eternalID},
			&bitai.ChainUpdate{ChainID: chainID},
			&bitai.Reclaim{ID: chainID},
		}
		var raws [][]byte
		for i, k := range kinds {
			_, raw := mk(alice, 3+uint64(i), k)
			raws = append(raws, raw)
		}
		whole, _ := payloadBody(t, false, raws...)
		br, enc := payloadBody(t, true, raws...)
		require.Equal(t, bitai.EncodingBrotli, enc)
		chunks, err := bitai.SplitChunks("", whole[1:], bitai.ChunkHeaderLen+len(whole)/2+1)
		require.NoError(t, err)
		ak := bitai.XOnly(alice)
		burn := append(ak[:], 0, 0, 1, 0, 0, 0, 0, 0)
		seeds := [][]byte{
			frame([][]byte{whole}, []bool{false}),
			frame([][]byte{br}, []bool{true}),
			frame(chunks, []bool{false, false}),
			append(frame([][]byte{whole, whole}, []bool{false, false}), burn...),
			{0x01},
		}
		fuzzB = fuzzBase{m: m, st: st, seeds: seeds}
	})
	return &fuzzB
}

// frame joins envelope bodies for the fuzz input: n u8, then per body its encoding
// flag u8 (bit 0: brotli), len u32 and bytes.
func frame(bodies [][]byte, br []bool) []byte {
	out := []byte{byte(len(bodies))}
	for i, b := range bodies {
		flag := byte(0)
		if br[i] {
			flag = 1
		}
		out = append(out, flag, byte(len(b)>>24), byte(len(b)>>16), byte(len(b)>>8), byte(len(b)))
		out = append(out, b...)
	}
	return out
}

// unframe splits a fuzz input into bodies and encodings; junk after the frames is a
// burn output's key and value.
func unframe(data []byte) (bodies [][]byte, encs []string, rest []byte) {
	if len(data) == 0 {
		return nil, nil, nil
	}
	n := int(data[0] % 16)
	data = data[1:]
	for range n {
		if len(data) < 5 {
			break
		}
		enc := ""
		if data[0]&1 == 1 {
			enc = bitai.EncodingBrotli
		}
		l := int(data[1])<<24 | int(data[2])<<16 | int(data[3])<<8 | int(data[4])
		data = data[5:]
		if l > len(data) || l == 0 {
			break
		}
		bodies, encs = append(bodies, data[:l]), append(encs, enc)
		data = data[l:]
	}
	return bodies, encs, data
}

// applyBodies applies one block whose tx i reveals bodies[i] (inscriber "ins") and
// returns its result and the state's write set as a sorted dump of changed keys.
func applyBodies(t testing.TB, m *Machine, st State, height uint32, bodies [][]byte, encs []string, burns ...[]byte) *BlockResult {
	block := &wire.MsgBlock{Header: wire.BlockHeader{Nonce: height}}
	block.Transactions = append(block.Transactions, coinbase(height))
	ins := bitai.XOnly(testKey("ins"))
	for i, body := range bodies {
		tx := wire.NewMsgTx(2)
		tx.AddTxOut(wire.NewTxOut(int64(i), []byte{0x51}))
		if len(body) == 0 || len(body) > 1<<22 {
			continue
		}
		script, err := bitai.EnvelopeScript(ins, encs[i], body)
		require.NoError(t, err)
		tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: uint32(i)}, nil,
			wire.TxWitness{make([]byte, 64), script, append([]byte{0xc0}, make([]byte, 32)...)}))
		block.Transactions = append(block.Transactions, tx)
	}
	for _, b := range burns {
		if len(b) >= 40 {
			tx := wire.NewMsgTx(2)
			tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: chainhash.Hash(sha256.Sum256(b))}, nil, nil))
			tx.AddTxOut(wire.NewTxOut(int64(b[32])<<8|int64(b[33]), bitai.BurnScript([32]byte(b[:32]))))
			block.Transactions = append(block.Transactions, tx)
		}
	}
	p, err := m.Prepare(context.Background(), block, height)
	require.NoError(t, err)
	res, err := m.ApplyBlock(st, p)
	require.NoError(t, err)
	return res
}

// FuzzApplyBlock feeds arbitrary envelope bodies (whole payloads, chunks, junk; plain
// or brotli) and a burn to ApplyBlock on top of a funded state: it must neither panic
// nor fail, and must give the same events and state twice. Run it with a short
// -fuzzminimizetime (e.g. 2s): minimizing a multi-kilobyte input for the default 60 s
// otherwise stalls short campaigns.
func FuzzApplyBlock(f *testing.F) {
	base := loadFuzzBase(f)
	for _, s := range base.seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		bodies, encs, rest := unframe(data)
		h := base.m.dep.ActivationHeight + 1
		st1, st2 := base.st.clone(), base.st.clone()
		r1 := applyBodies(t, base.m, st1, h, bodies, encs, rest)
		r2 := applyBodies(t, base.m, st2, h, bodies, encs, rest)
		require.Equal(t, r1.EventsHash, r2.EventsHash)
		require.Equal(t, len(st1.m), len(st2.m))
		for k, v := range st1.m {
			require.True(t, bytes.Equal(v, st2.m[k]), "key %x", k)
		}
	})
}

// fuzzParams are the default params with a valid treasury (rule L-7).
func fuzzParams() bitai.ChainParams {
	p := bitai.DefaultChainParams()
	p.Treasury = goodL2()
	return p
}
