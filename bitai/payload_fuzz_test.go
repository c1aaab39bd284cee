package bitai

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzDecodePayload: DecodePayload never panics, fails with exactly one reason and an
// error or succeeds with none, and on success re-encoding gives back the decoded
// bytes (plain: E itself; brotli: the decompressed E, and a fresh compression decodes
// to the same txs). Allocation is bounded by MaxPayloadBytes and the input.
func FuzzDecodePayload(f *testing.F) {
	for _, txs := range [][][]byte{{{1}}, {{0xaa}, {0xbb, 0xcc}}, {payTx(600, 1), payTx(40, 2)}} {
		for _, compress := range []bool{false, true} {
			body, enc, err := EncodePayload(txs, compress)
			require.NoError(f, err)
			f.Add(enc == EncodingBrotli, body[1:])
		}
	}
	f.Add(false, []byte{0x00, 0x01, 0x00, 0x00, 0x00})
	f.Add(true, []byte{0x0b, 0x00, 0x80})
	f.Fuzz(func(t *testing.T, br bool, e []byte) {
		enc := ""
		if br {
			enc = EncodingBrotli
		}
		txs, reason, err := DecodePayload(enc, e)
		if reason != ReasonNone || err != nil {
			require.NotEqual(t, ReasonNone, reason)
			require.ErrorIs(t, err, ErrPayload)
			require.Nil(t, txs)
			return
		}
		require.NotEmpty(t, txs)
		plain, err := marshalPayload(txs)
		require.NoError(t, err)
		if !br {
			require.Equal(t, e, plain, "plain decode∘encode is the identity")
			return
		}
		back, reason, err := inflatePayload(e)
		require.NoError(t, err)
		require.Equal(t, ReasonNone, reason)
		require.True(t, bytes.Equal(back, plain), "brotli payload re-encodes to its decompressed bytes")
		body, enc2, err := EncodePayloadOpts(txs, PayloadOptions{Compress: true, Quality: 1})
		require.NoError(t, err)
		again, _, err := DecodePayload(enc2, body[1:])
		require.NoError(t, err)
		require.Equal(t, txs, again)
	})
}
