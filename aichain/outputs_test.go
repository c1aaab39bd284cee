package aichain

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/stretchr/testify/require"
)

// withOutput returns a reveal carrying output.
func withOutput(rv Op, output string) Op {
	rv.HasOutput, rv.Output = true, []byte(output)
	return rv
}

func TestRevealOutputEncoding(t *testing.T) {
	rv := Op{Kind: OpReveal, RequestSlot: 7, RequestID: id(9), Slot: 1, Digest: elem(3), Salt: elem(4)}
	plain := rv.Encode()
	require.Len(t, plain, 100)
	// The l2Op cap fixes MaxOutputLen: kind, the 99-byte body, len u32, output.
	require.Equal(t, bitai.MaxL2OpLen, 1+99+4+MaxOutputLen)
	tests := []struct {
		name   string
		output []byte
	}{
		{"empty output", []byte{}},
		{"short output", []byte("hello")},
		{"largest output", bytes.Repeat([]byte{0xab}, MaxOutputLen)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := rv
			o.HasOutput, o.Output = true, tc.output
			b := o.Encode()
			require.Equal(t, plain, b[:100], "body as without output")
			require.Equal(t, uint32(len(tc.output)), binary.BigEndian.Uint32(b[100:]))
			require.LessOrEqual(t, len(b), bitai.MaxL2OpLen)
			got, err := DecodeOp(b)
			require.NoError(t, err)
			require.Equal(t, o, got)
			require.Equal(t, plain, got.AppendBody(nil), "the DA form drops the output")
			require.NoError(t, got.validate())
		})
	}
	got, err := DecodeOp(plain)
	require.NoError(t, err)
	require.False(t, got.HasOutput)

	bad := []struct {
		name string
		b    []byte
		is   error
	}{
		{"short length", append(append([]byte{}, plain...), 0, 0), io.ErrUnexpectedEOF},
		{"output cut", append(binary.BigEndian.AppendUint32(append([]byte{}, plain...), 5), 'a'), io.ErrUnexpectedEOF},
		{"trailing byte", append(binary.BigEndian.AppendUint32(append([]byte{}, plain...), 1), 'a', 'b'), ErrDecode},
		{"too long", append(binary.BigEndian.AppendUint32(append([]byte{}, plain...), MaxOutputLen+1),
			make([]byte, MaxOutputLen+1)...), ErrDecode},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeOp(tc.b)
			require.ErrorIs(t, err, tc.is)
			require.ErrorIs(t, err, ErrDecode)
		})
	}
	// Only reveals carry outputs.
	res := Op{Kind: OpResolve, RequestID: id(9), HasOutput: true, Output: []byte("x")}
	require.ErrorIs(t, res.validate(), ErrDecode)
	_, err = DecodeOp(append(res.Encode(), 0, 0, 0, 0))
	require.ErrorIs(t, err, ErrDecode)
}

func TestBatchDataV2(t *testing.T) {
	rid := id(5)
	rv := func(slot uint8, out string) Op {
		return Op{Kind: OpReveal, RequestSlot: 3, RequestID: rid, Slot: slot, Digest: DigestOf(rid, []byte(out)),
			Salt: elem(uint64(slot)), HasOutput: true, Output: []byte(out)}
	}
	ops := []Op{rv(0, "a"), rv(1, ""), resolveOp(3, rid)}
	d := &DARecord{Number: 2, L1Height: 40, InboxFrom: 1, InboxTo: 4, Ops: ops}
	da := EncodeDARecord(d)
	data := EncodeBatchData(da, revealOutputs(ops))
	// daLen ‖ da ‖ (len ‖ output) per reveal.
	require.Equal(t, uint32(len(da)), binary.BigEndian.Uint32(data))
	require.Equal(t, da, data[4:4+len(da)])
	require.Equal(t, []byte{0, 0, 0, 1, 'a', 0, 0, 0, 0}, data[4+len(da):])
	h, err := CheckBatchData(data)
	require.NoError(t, err)
	want := d.DataHash()
	require.True(t, want.Equal(&h), "dataHash is the DA record's, outputs not hashed")
	got, err := DecodeBatchData(data)
	require.NoError(t, err)
	require.Equal(t, ops, got.Ops)

	wrong := EncodeBatchData(da, [][]byte{[]byte("b"), {}})
	_, err = DecodeBatchData(wrong)
	require.NoError(t, err, "decodes")
	_, err = CheckBatchData(wrong)
	require.ErrorIs(t, err, ErrDecode, "but does not hash to the digest")
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"one output missing", EncodeBatchData(da, [][]byte{[]byte("a")})},
		{"extra output", EncodeBatchData(da, [][]byte{[]byte("a"), {}, {}})},
		{"no outputs", EncodeBatchData(da, nil)},
		{"v1 data", da},
		{"daLen past the end", binary.BigEndian.AppendUint32(nil, 10)},
		{"empty", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CheckBatchData(tc.b)
			require.ErrorIs(t, err, ErrDecode)
		})
	}
	require.NoError(t, CheckForcedReveal(&ops[0]))
	require.NoError(t, CheckForcedReveal(&ops[2]), "not a reveal")
	noOut := ops[0]
	noOut.HasOutput, noOut.Output = false, nil
	require.ErrorIs(t, CheckForcedReveal(&noOut), ErrDecode)
	other := withOutput(ops[0], "b")
	require.ErrorIs(t, CheckForcedReveal(&other), ErrDecode)
}

// TestFullRollupReveals: on a full-rollup chain a reveal is valid only with its
// output (rule L-41); a sequencer reveal without it makes the batch invalid, a
// forced one is a no-op, so a withheld output leaves its holder a non-revealer.
func TestFullRollupReveals(t *testing.T) {
	setup := func(t *testing.T) (*harness, [32]byte, uint16, []Op) {
		h := newHarness(t, func(p *bitai.ChainParams) { p.FullRollup = true })
		ks := h.miners(3, 10)
		rid, slot := h.request(1000, c0)
		h.batch(c0)
		cs, rvs := h.commitAll(ks, slot, "a")
		h.batch(c0+1, cs...)
		return h, rid, slot, rvs
	}
	t.Run("sequencer reveal needs its output", func(t *testing.T) {
		h, _, _, rvs := setup(t)
		for _, rv := range []Op{rvs[0], withOutput(rvs[0], "b")} {
			_, err := h.c.ApplyBatch(h.input(c0+2, 64, rv))
			requireReason(t, err, ReasonNoOutput)
		}
		out := h.batch(c0+2, withOutput(rvs[0], "a"), withOutput(rvs[1], "a"))
		require.Equal(t, [][]byte{[]byte("a"), []byte("a")}, out.Outputs)
		require.Equal(t, DataV2, out.Inline.Version)
		got, err := CheckBatchData(out.Inline.Data)
		require.NoError(t, err)
		require.True(t, got.Equal(&out.DataHash))
	})
	t.Run("withheld output makes a non-revealer", func(t *testing.T) {
		h, rid, slot, rvs := setup(t)
		p := h.c.cfg.Params
		h.batch(c0+2, withOutput(rvs[0], "a"), withOutput(rvs[1], "a"))
		h.message(rvs[2], c0+3)                  // forced without its output: no-op
		h.message(withOutput(rvs[2], "b"), c0+4) // or with another output: no-op
		out := h.batch(c0 + 5)
		require.Equal(t, ReasonNoOutput, out.Records[0].Reason)
		require.Equal(t, ReasonNoOutput, out.Records[1].Reason)
		r, ok := h.c.Request(slot)
		require.True(t, ok)
		require.False(t, r.Slots[2].Revealed)
		holder := r.Slots[2].Miner
		before, _ := h.c.Account(holder)
		out = h.batch(c0+p.RevealTimeout+1, resolveOp(slot, rid))
		require.Equal(t, OutcomeAnswered, out.Outcomes[0].Status)
		after, _ := h.c.Account(holder)
		require.Equal(t, before.Stake-p.Slash, after.Stake, "slot 2 slashed as a non-revealer")
	})
	t.Run("pointer chain ignores outputs", func(t *testing.T) {
		h := newHarness(t, nil)
		ks := h.miners(3, 10)
		_, slot := h.request(1000, c0)
		h.batch(c0)
		c, _ := h.commitOp(ks, slot, 0, "a")
		out := h.batch(c0+1, c)
		require.Nil(t, out.Outputs)
		require.Equal(t, DAVersion, out.Inline.Version)
		require.Equal(t, out.DARecord, out.Inline.Data)
	})
}
