package aichain

import (
	"testing"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/zkhash"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/stretchr/testify/require"
)

func TestInboxClock(t *testing.T) {
	tests := []struct {
		name           string
		l1, next, want uint32
	}{
		{"no further entry", 100, 0, 100},
		{"next entry later", 100, 101, 100},
		{"next entry at l1", 100, 100, 99},
		{"next entry earlier", 100, 40, 39},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, InboxClock(tc.l1, tc.next))
		})
	}
}

func TestBatchInputErrors(t *testing.T) {
	sh := DefaultShape()
	sh.InboxSlots, sh.ResolveSlots = 2, 1
	setup := func(t *testing.T) *harness {
		h := newHarnessShape(t, nil, sh)
		h.deposit(testKey(t, 1), 10, 5)
		h.batch(50)
		h.deposit(testKey(t, 2), 10, 60)
		h.deposit(testKey(t, 2), 10, 61)
		h.deposit(testKey(t, 2), 10, 62)
		return h
	}
	tests := []struct {
		name string
		mod  func(h *harness, in *BatchInput)
	}{
		{"number skips", func(h *harness, in *BatchInput) { in.Number++ }},
		{"number repeats", func(h *harness, in *BatchInput) { in.Number-- }},
		{"l1Height goes back", func(h *harness, in *BatchInput) { in.L1Height = 49 }},
		{"too many entries", func(h *harness, in *BatchInput) { in.Entries = h.inbox[1:4] }},
		{"entries skip one", func(h *harness, in *BatchInput) { in.Entries = h.inbox[2:4] }},
		{"entry after l1Height", func(h *harness, in *BatchInput) { in.L1Height = 60 }},
		{"overdue entry left", func(h *harness, in *BatchInput) {
			in.L1Height, in.Entries, in.NextConfirm = 60+36, nil, 60
		}},
		{"next before consumed", func(h *harness, in *BatchInput) { in.NextConfirm = 59 }},
		{"entry of two kinds", func(h *harness, in *BatchInput) {
			e := h.inbox[1]
			e.Message = &MessageEntry{}
			in.Entries = []InboxEntry{e}
		}},
		{"ops out of slot order", func(h *harness, in *BatchInput) {
			in.Ops = []Op{{Kind: OpResolve}, {Kind: OpCommit}}
		}},
		{"more ops than slots", func(h *harness, in *BatchInput) {
			in.Ops = []Op{{Kind: OpResolve}, {Kind: OpResolve}}
		}},
		{"unknown op kind", func(h *harness, in *BatchInput) { in.Ops = []Op{{Kind: 12}} }},
		{"assignment slot 3", func(h *harness, in *BatchInput) { in.Ops = []Op{{Kind: OpReveal, Slot: 3}} }},
		{"zero amount", func(h *harness, in *BatchInput) { in.Ops = []Op{{Kind: OpStake}} }},
		{"request id beyond 248 bits", func(h *harness, in *BatchInput) {
			in.Ops = []Op{{Kind: OpResolve, RequestID: [32]byte{1}}}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := setup(t)
			in := h.input(61, 2)
			require.Len(t, in.Entries, 2)
			tc.mod(h, in)
			root := h.c.Root()
			_, err := h.c.ApplyBatch(in)
			require.ErrorIs(t, err, ErrBatch)
			got := h.c.Root()
			require.True(t, root.Equal(&got))
		})
	}
	t.Run("overdue entry left with full slots", func(t *testing.T) {
		h := setup(t)
		in := h.input(62+36, 2)
		require.Equal(t, uint32(62), in.NextConfirm)
		_, err := h.c.ApplyBatch(in)
		require.NoError(t, err, "forced inclusion has bounded capacity")
	})
}

// TestRollback: a batch whose last sequencer op fails leaves everything as it was,
// including the inbox position, the accumulator, epochs and trees.
func TestRollback(t *testing.T) {
	h := newHarness(t, nil)
	eb := h.c.cfg.Params.EpochBlocks
	ks := h.miners(3, 10)
	before := h.c.Clone()
	a := testKey(t, 1)
	h.deposit(a, 100, eb+1)
	in := h.input(eb+1, 64, h.nonceOp(ks[0], Op{Kind: OpUnstake}), h.nonceOp(ks[1], Op{Kind: OpStake, Amount: 1 << 40}))
	_, err := h.c.ApplyBatch(in)
	requireReason(t, err, ReasonInsufficient)
	requireSameChain(t, before, h.c)
	h.batch(eb + 1)
	require.Len(t, h.c.EpochLeaves(), 2)
}

func requireSameChain(t *testing.T, a, b *Chain) {
	t.Helper()
	ra, rb := a.Root(), b.Root()
	require.True(t, ra.Equal(&rb), "roots")
	require.Equal(t, a.Number(), b.Number())
	require.Equal(t, a.InboxNext(), b.InboxNext())
	aa, ab := a.InboxAcc(), b.InboxAcc()
	require.True(t, aa.Equal(&ab))
	require.Equal(t, a.st.accounts, b.st.accounts)
	require.Equal(t, a.st.live, b.st.live)
	require.Equal(t, a.EpochLeaves(), b.EpochLeaves())
	require.Equal(t, a.OpenRequests(), b.OpenRequests())
	require.Equal(t, a.Supply(), b.Supply())
}

// TestBatchOutput checks the output's hashes and lists against their
// definitions and the accumulator against zkhash.
func TestBatchOutput(t *testing.T) {
	h, ks := reqHarness(t, 3)
	a := testKey(t, 1)
	h.deposit(a, 500, c0-1)
	h.batch(c0 - 1)
	rid, slot := h.request(1000, c0)
	h.request(1000, c0)
	accFrom := h.c.InboxAcc()
	out := h.batch(c0, h.nonceOp(a, Op{Kind: OpWithdraw, Recipient: [32]byte{1}, Amount: 200}))
	require.Len(t, h.c.OpenRequests(), 2)
	acc := accFrom
	for i := out.InboxFrom; i < out.InboxTo; i++ {
		e, err := h.inbox[i].Hash()
		require.NoError(t, err)
		acc = zkhash.InboxAccNext(acc, e)
	}
	require.True(t, acc.Equal(&out.InboxAccTo))
	require.True(t, accFrom.Equal(&out.InboxAccFrom))
	require.Equal(t, []Withdrawal{{Recipient: [32]byte{1}, Amount: 200}}, out.Withdrawals)

	cs, rvs := h.commitAll(ks, slot, "x")
	h.batch(c0+1, cs...)
	out = h.batch(c0+2, append(rvs, resolveOp(slot, rid))...)
	d := DigestOf(rid, []byte("x"))
	require.Equal(t, []Outcome{{RequestID: rid, Status: OutcomeAnswered, Digest: d}}, out.Outcomes)

	// Hashes by their definitions.
	oh := zkhash.Hash("bitai/l2/outcomes", elem(1), idElem(rid), elem(1), d)
	require.True(t, oh.Equal(&out.OutcomesHash))
	wh := zkhash.Hash("bitai/l2/withdrawals", elem(0))
	require.True(t, wh.Equal(&out.WithdrawalsHash))
	da, err := DecodeDARecord(out.DARecord)
	require.NoError(t, err)
	require.Equal(t, out.Number, da.Number)
	require.Len(t, da.Ops, 4)
	dh := da.DataHash()
	require.True(t, dh.Equal(&out.DataHash))
	require.Equal(t, uint32(c0+2), out.InboxClock)
	pi := PublicInputs{DeploymentID: [32]byte{0xde, 0x91}, ChainID: testChainID,
		ParamsHash: ParamsHash(h.c.cfg.Params), Number: out.Number, PrevRoot: out.PrevRoot,
		NewRoot: out.NewRoot, L1Height: out.L1Height, InboxClock: out.InboxClock,
		InboxAccFrom: out.InboxAccFrom, InboxAccTo: out.InboxAccTo, OutcomesHash: oh,
		WithdrawalsHash: wh, L2Supply: out.L2Supply, DataHash: dh}
	want := pi.Hash()
	require.True(t, want.Equal(&out.PublicInput))
	root := h.c.Root()
	require.True(t, root.Equal(&out.NewRoot))
}

func TestListCodecs(t *testing.T) {
	os := []Outcome{{RequestID: id(1), Status: OutcomeAnswered, Digest: elem(5)},
		{RequestID: id(2), Status: OutcomeRefunded}}
	rec := EncodeOutcomes(os)
	require.Len(t, rec.Data, 4+2*65)
	got, err := DecodeOutcomes(rec)
	require.NoError(t, err)
	require.Equal(t, os, got)
	ws := []Withdrawal{{Recipient: [32]byte{1, 2}, Amount: 9}}
	wr := EncodeWithdrawals(ws)
	require.Equal(t, append(append([]byte{0, 0, 0, 1, 1, 2}, make([]byte, 30)...), 0, 0, 0, 0, 0, 0, 0, 9), wr.Data)
	gw, err := DecodeWithdrawals(wr)
	require.NoError(t, err)
	require.Equal(t, ws, gw)
	empty, err := DecodeOutcomes(EncodeOutcomes(nil))
	require.NoError(t, err)
	require.Empty(t, empty)

	bad := []struct {
		name string
		s    bitai.SubRecord
		w    bool
	}{
		{"outcomes version", bitai.SubRecord{Version: 2, Data: rec.Data}, false},
		{"outcomes short", bitai.SubRecord{Version: 1, Data: rec.Data[:len(rec.Data)-1]}, false},
		{"outcomes count", bitai.SubRecord{Version: 1, Data: append([]byte{0, 0, 0, 3}, rec.Data[4:]...)}, false},
		{"outcome status 0", bitai.SubRecord{Version: 1, Data: setByte(rec.Data, 4+32, 0)}, false},
		{"refunded with digest", bitai.SubRecord{Version: 1, Data: setByte(rec.Data, 4+65+64, 1)}, false},
		{"outcome id top byte", bitai.SubRecord{Version: 1, Data: setByte(rec.Data, 4, 1)}, false},
		{"no count", bitai.SubRecord{Version: 1, Data: []byte{0}}, false},
		{"withdrawals version", bitai.SubRecord{Version: 0, Data: wr.Data}, true},
		{"withdrawal of zero", bitai.SubRecord{Version: 1, Data: setByte(wr.Data, len(wr.Data)-1, 0)}, true},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.w {
				_, err = DecodeWithdrawals(tc.s)
			} else {
				_, err = DecodeOutcomes(tc.s)
			}
			require.ErrorIs(t, err, ErrDecode)
		})
	}
}

func setByte(b []byte, i int, v byte) []byte {
	c := append([]byte(nil), b...)
	c[i] = v
	return c
}

func TestDARecordCodec(t *testing.T) {
	ops := sampleOps(t)
	d := &DARecord{Number: 7, L1Height: 300, InboxFrom: 3, InboxTo: 9, Ops: ops}
	b := EncodeDARecord(d)
	got, err := DecodeDARecord(b)
	require.NoError(t, err)
	require.Len(t, got.Ops, len(ops))
	for i := range ops {
		want := ops[i]
		want.Signer, want.Sig = [32]byte{}, [64]byte{}
		require.Equal(t, want, got.Ops[i])
	}
	h1, h2 := d.DataHash(), got.DataHash()
	require.True(t, h1.Equal(&h2), "signatures are not in the data hash")
	h3, err := DataHashOf(b)
	require.NoError(t, err)
	require.True(t, h1.Equal(&h3))
	for _, bad := range [][]byte{b[:len(b)-1], append(b, 0), setByte(b, 0, 2), b[:10],
		setByte(b, 32, 0xff)} {
		_, err := DecodeDARecord(bad)
		require.ErrorIs(t, err, ErrDecode)
	}
}

func TestExit(t *testing.T) {
	h, ks := reqHarness(t, 3)
	k := ks[0]
	h.batch(20, h.nonceOp(k, Op{Kind: OpUnstake}))
	i := h.index(k)
	root := h.c.Root()
	rcpt := [32]byte{0xaa}
	leaf, path, err := h.c.ExitProof(i, rcpt, k)
	require.NoError(t, err)
	require.Len(t, leaf.Data, exitLeafBytes)
	require.Len(t, path.Data, exitPathBytes)
	require.Equal(t, 1920, exitPathBytes, "rule L-40: 16 levels × 3 siblings + 12 state fields")
	cl, err := VerifyExit(testChainID, root, uint64(i), leaf, path)
	require.NoError(t, err)
	require.Equal(t, rcpt, cl.Recipient)
	require.Equal(t, uint64(5000), cl.Amount, "balance + stake + locked")

	other, _, err := h.c.ExitProof(i, rcpt, ks[1])
	require.NoError(t, err)
	bad := []struct {
		name       string
		leaf, path bitai.SubRecord
		idx        uint64
		root       fr.Element
	}{
		{"other key's signature", other, path, uint64(i), root},
		{"other recipient", bitai.SubRecord{Version: 1, Data: setByte(leaf.Data, 108, 0xab)}, path, uint64(i), root},
		{"more balance", bitai.SubRecord{Version: 1, Data: setByte(leaf.Data, 70, 1)}, path, uint64(i), root},
		{"other index", leaf, path, uint64(i) + 1, root},
		{"index beyond the accounts", leaf, path, 1 << 33, root},
		{"other root", leaf, path, uint64(i), elem(1)},
		{"first sibling changed", leaf, bitai.SubRecord{Version: 1, Data: setByte(path.Data, 31, path.Data[31]^1)}, uint64(i), root},
		{"last sibling changed", leaf, bitai.SubRecord{Version: 1, Data: setByte(path.Data, 32*48-1, path.Data[32*48-1]^1)}, uint64(i), root},
		{"path short", leaf, bitai.SubRecord{Version: 1, Data: path.Data[1:]}, uint64(i), root},
		{"leaf version", bitai.SubRecord{Version: 2, Data: leaf.Data}, path, uint64(i), root},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := VerifyExit(testChainID, tc.root, tc.idx, tc.leaf, tc.path)
			require.ErrorIs(t, err, ErrExit)
		})
	}
	_, err = VerifyExit(id(3), root, uint64(i), leaf, path)
	require.ErrorIs(t, err, ErrExit, "another chain's exit")
}
