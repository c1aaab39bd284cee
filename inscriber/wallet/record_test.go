package wallet

import (
	"bytes"
	"io"
	"testing"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

var testOp = wire.OutPoint{Hash: chainhash.Hash{7}, Index: 3}

func testRecords() []record {
	by := chainhash.Hash{9, 9}
	return []record{
		{UTXO: UTXO{OutPoint: testOp, Value: 1, PkScript: []byte{0x51}}},
		{UTXO: UTXO{OutPoint: testOp, Value: 21e14, PkScript: foreign, Height: 800_000, Branch: 1, Index: 77,
			Reserved: []byte("owner"), Tag: []byte("tag"), Coinbase: true}, spentBy: &by},
	}
}

func TestRecordRoundTrip(t *testing.T) {
	for _, r := range testRecords() {
		got, err := unmarshalRecord(testOp, r.marshal())
		require.NoError(t, err)
		require.Equal(t, r, got)
	}
}

// TestRecordErrors: every truncation is io.ErrUnexpectedEOF, and malformed
// fields name themselves; all are ErrCorrupt.
func TestRecordErrors(t *testing.T) {
	full := testRecords()[1].marshal()
	for n := 0; n < len(full); n++ {
		_, err := unmarshalRecord(testOp, full[:n])
		require.ErrorIs(t, err, ErrCorrupt, "cut at %d", n)
		require.ErrorIs(t, err, io.ErrUnexpectedEOF, "cut at %d", n)
	}
	tests := []struct {
		name string
		b    []byte
		msg  string
	}{
		{"trailing byte", append(bytes.Clone(full), 0), "trailing"},
		{"unknown flag", func() []byte { b := bytes.Clone(full); b[12] |= 0x80; return b }(), "flags"},
		{"negative value", func() []byte { b := bytes.Clone(full); b[0] = 0x80; return b }(), "negative"},
		{"script too long", func() []byte {
			b := testRecords()[0].marshal()
			b[21], b[22] = 0xff, 0xff // script length
			return b
		}(), "script length"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := unmarshalRecord(testOp, tc.b)
			require.ErrorIs(t, err, ErrCorrupt)
			require.ErrorContains(t, err, tc.msg)
		})
	}
}

// FuzzRecord: a record decodes or errors, and what decodes re-encodes to the same
// bytes.
func FuzzRecord(f *testing.F) {
	for _, r := range testRecords() {
		f.Add(r.marshal())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := unmarshalRecord(testOp, b)
		if err != nil {
			require.Equal(t, record{}, r)
			return
		}
		require.Equal(t, b, r.marshal())
	})
}
