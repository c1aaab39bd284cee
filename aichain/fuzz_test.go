package aichain

import (
	"bytes"
	"testing"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/stretchr/testify/require"
)

// FuzzDecodeOp: DecodeOp never panics, and whatever it accepts re-encodes to the
// same bytes (the encoding is canonical).
func FuzzDecodeOp(f *testing.F) {
	for _, o := range sampleOps(f) {
		f.Add(o.Encode())
	}
	f.Add([]byte{})
	f.Add([]byte{7})
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := DecodeOp(b)
		if err != nil {
			require.ErrorIs(t, err, ErrDecode)
			return
		}
		require.Equal(t, b, o.Encode())
		// The DA form decodes to the same op without its trailer.
		d := EncodeDARecord(&DARecord{Ops: []Op{o}})
		got, err := DecodeDARecord(d)
		require.NoError(t, err)
		require.Equal(t, o.AppendBody(nil), got.Ops[0].AppendBody(nil))
	})
}

// FuzzDecodeDARecord: DecodeDARecord never panics and is canonical.
func FuzzDecodeDARecord(f *testing.F) {
	f.Add(EncodeDARecord(&DARecord{Number: 1, Ops: sampleOps(f)}))
	f.Add(EncodeDARecord(&DARecord{}))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := DecodeDARecord(b)
		if err != nil {
			return
		}
		require.True(t, bytes.Equal(b, EncodeDARecord(d)))
	})
}

// FuzzDecodeLists: the outcome and withdrawal decoders never panic and are canonical.
func FuzzDecodeLists(f *testing.F) {
	f.Add(EncodeOutcomes([]Outcome{{RequestID: id(1), Status: OutcomeAnswered, Digest: elem(3)}}).Data)
	f.Add(EncodeWithdrawals([]Withdrawal{{Amount: 1}}).Data)
	f.Fuzz(func(t *testing.T, b []byte) {
		s := bitai.SubRecord{Version: 1, Data: b}
		if os, err := DecodeOutcomes(s); err == nil {
			require.Equal(t, b, EncodeOutcomes(os).Data)
		}
		if ws, err := DecodeWithdrawals(s); err == nil {
			require.Equal(t, b, EncodeWithdrawals(ws).Data)
		}
	})
}

// FuzzDecodeBatchData: DecodeBatchData (data v2, rule L-41) never panics, is
// canonical, and CheckBatchData accepts only what it decodes.
func FuzzDecodeBatchData(f *testing.F) {
	rid := id(5)
	rv := Op{Kind: OpReveal, RequestSlot: 3, RequestID: rid, Slot: 1, Digest: DigestOf(rid, []byte("a")),
		HasOutput: true, Output: []byte("a")}
	ops := append(sampleOps(f), rv)
	f.Add(EncodeBatchData(EncodeDARecord(&DARecord{Number: 1, Ops: ops}), revealOutputs(ops)))
	f.Add(EncodeBatchData(EncodeDARecord(&DARecord{}), nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := DecodeBatchData(b)
		if _, cerr := CheckBatchData(b); cerr == nil {
			require.NoError(t, err)
		}
		if err != nil {
			require.ErrorIs(t, err, ErrDecode)
			return
		}
		require.True(t, bytes.Equal(b, EncodeBatchData(EncodeDARecord(d), revealOutputs(d.Ops))))
	})
}
