package bitai

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzDecodeTx: DecodeTx never panics; it fails with a RuleError or returns a tx
// whose encoding is exactly the input (decode∘encode = identity). Allocation is
// bounded by the caps checked before allocating. The seed corpus in
// testdata/fuzz/FuzzDecodeTx holds one valid encoding per kind.
func FuzzDecodeTx(f *testing.F) {
	for _, s := range sampleTxs() {
		if b, err := s.tx.Encode(); err == nil && len(b) <= 4096 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tx, err := DecodeTx(b)
		if err != nil {
			require.Nil(t, tx)
			var re RuleError
			require.True(t, errors.As(err, &re), "error is not a RuleError: %v", err)
			require.NotEqual(t, ReasonTxMalformed, TxErrorReason(err), "error has no reason: %v", err)
			return
		}
		enc, err := tx.Encode()
		require.NoError(t, err)
		require.Equal(t, b, enc)
		require.NoError(t, tx.Validate())
		require.Equal(t, b[:len(b)-64], tx.UnsignedBytes())
	})
}
