package bitai

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTxReasonNames(t *testing.T) {
	for r := Reason(100); r < 150; r++ {
		name := r.String()
		if strings.HasPrefix(name, "reason_") {
			continue
		}
		require.True(t, strings.HasPrefix(name, "tx_"), "%d: %s", r, name)
	}
	require.Equal(t, "tx_bad_signature", ReasonTxBadSignature.String())
	require.Equal(t, "tx_fee_unpayable", ReasonTxFeeUnpayable.String())
}

func TestTxErrorReason(t *testing.T) {
	require.Equal(t, ReasonNone, TxErrorReason(nil))
	require.Equal(t, ReasonTxMalformed, TxErrorReason(errors.New("other")))
	// Every decode mutation maps to the reason of its kind.
	want := map[ErrorKind]Reason{
		ErrUnsupportedVersion: 107, ErrUnknownKind: 106, ErrNonCanonical: 102, ErrTrailingBytes: 105,
		ErrBadObjectID: 104, ErrUnsortedSet: 103, ErrFieldTooLong: 101,
	}
	for _, m := range mutations() {
		_, err := DecodeTx(m.mutate(sampleBytes(t, m.sample)))
		require.Equal(t, want[m.kind], TxErrorReason(err), m.name)
	}
	_, err := DecodeTx([]byte{1})
	require.Equal(t, ReasonTxShortRead, TxErrorReason(err))
	tx := sampleHeader(&Reclaim{}, false)
	require.Equal(t, ReasonTxBadSignature, TxErrorReason(tx.VerifySig([32]byte{})))
	tx.Sender = [32]byte(fullBytes())
	require.Equal(t, ReasonTxBadSenderKey, TxErrorReason(fmt.Errorf("wrapped: %w", tx.VerifySig([32]byte{}))))
}

func TestCheckStateless(t *testing.T) {
	regtest := mustDeployment(t, "regtest")
	simnet := mustDeployment(t, "simnet")
	mainnet := mustDeployment(t, "mainnet")
	ins, other := testKey(0xaa), testKey(0xbb)
	cases := []struct {
		name      string
		dep       *Deployment
		height    uint32
		expiry    uint32
		inscriber *[32]byte
		want      Reason
	}{
		{"ok", regtest, 100, 200, nil, ReasonNone},
		{"expiry = height", regtest, 100, 100, nil, ReasonNone},
		{"expired by one", regtest, 101, 100, nil, ReasonTxExpired},
		{"expiry = height + max", regtest, 100, 100 + MaxExpiryDistance, nil, ReasonNone},
		{"expiry = height + max + 1", regtest, 100, 101 + MaxExpiryDistance, nil, ReasonTxExpiryTooFar},
		{"no wrap near 2^32", regtest, 1<<32 - 1, 1<<32 - 1, nil, ReasonNone},
		{"inscriber matches", regtest, 100, 200, &ins, ReasonNone},
		{"wrong inscriber", regtest, 100, 200, &other, ReasonTxWrongInscriber},
		{"expired before wrong inscriber", regtest, 300, 200, &other, ReasonTxExpired},
		{"not activated network", mainnet, 100, 200, nil, ReasonTxNotActivated},
		{"below activation", simnet, 299, 400, nil, ReasonTxNotActivated},
		{"at activation", simnet, 300, 400, nil, ReasonNone},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tx := sampleHeader(&Transfer{}, false)
			tx.Expiry, tx.Inscriber = c.expiry, c.inscriber
			require.Equal(t, c.want, CheckStateless(tx, c.dep, c.height, ins))
		})
	}
}

func TestCheckAccount(t *testing.T) {
	tx := sampleHeader(&Transfer{}, false) // nonce 7, fee 1000
	require.Equal(t, ReasonNone, CheckAccount(tx, 7, 1_000))
	require.Equal(t, ReasonTxNonceMismatch, CheckAccount(tx, 6, 1_000))
	require.Equal(t, ReasonTxNonceMismatch, CheckAccount(tx, 8, 0))
	require.Equal(t, ReasonTxFeeUnpayable, CheckAccount(tx, 7, 999))
}
