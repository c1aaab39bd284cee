package bitai

import (
	"crypto/sha256"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/stretchr/testify/require"
)

// refTaggedHash is BIP340's tagged hash written out with crypto/sha256.
func refTaggedHash(tag string, msg ...[]byte) [32]byte {
	th := sha256.Sum256([]byte(tag))
	h := sha256.New()
	h.Write(th[:])
	h.Write(th[:])
	for _, m := range msg {
		h.Write(m)
	}
	return [32]byte(h.Sum(nil))
}

func mustDeployment(t testing.TB, name string) *Deployment {
	t.Helper()
	d, err := DeploymentFor(name)
	require.NoError(t, err)
	return d
}

func TestTxIDAndSigHash(t *testing.T) {
	tx := sampleTxs()[0].tx
	unsigned := tx.UnsignedBytes()
	require.Equal(t, refTaggedHash("BitAI/txid", unsigned), tx.TxID())
	dep := mustDeployment(t, "regtest").ID()
	require.Equal(t, refTaggedHash("BitAI/sig", dep[:], unsigned), tx.SigHash(dep))

	// The txid does not cover the signature; it covers every other field.
	id := tx.TxID()
	tx.Sig[0] ^= 1
	require.Equal(t, id, tx.TxID())
	tx.Nonce++
	require.NotEqual(t, id, tx.TxID())
}

func TestSignVerify(t *testing.T) {
	priv := FaucetKey(RegtestFaucetSeed)
	regtest, simnet := mustDeployment(t, "regtest").ID(), mustDeployment(t, "simnet").ID()
	for _, s := range sampleTxs() {
		t.Run(s.name, func(t *testing.T) {
			tx := s.tx
			require.NoError(t, tx.Sign(priv, regtest))
			require.Equal(t, XOnly(priv), tx.Sender)
			require.NoError(t, tx.VerifySig(regtest))

			// Deterministic: signing again gives the same signature.
			sig := tx.Sig
			require.NoError(t, tx.Sign(priv, regtest))
			require.Equal(t, sig, tx.Sig)

			// Round trip keeps it valid.
			got, err := DecodeTx(mustEncode(t, tx))
			require.NoError(t, err)
			require.NoError(t, got.VerifySig(regtest))

			// No replay across deployments.
			require.ErrorIs(t, tx.VerifySig(simnet), ErrBadSignature)
		})
	}
}

func TestVerifySigFailures(t *testing.T) {
	dep := mustDeployment(t, "regtest").ID()
	other, err := btcec.NewPrivateKey()
	require.NoError(t, err)
	signed := func() *Tx {
		tx := sampleHeader(&Transfer{To: testKey(1), Amount: 5}, false)
		require.NoError(t, tx.Sign(FaucetKey(RegtestFaucetSeed), dep))
		return tx
	}
	cases := []struct {
		name   string
		mutate func(tx *Tx)
		kind   ErrorKind
	}{
		{"amount changed", func(tx *Tx) { tx.Body.(*Transfer).Amount++ }, ErrBadSignature},
		{"fee changed", func(tx *Tx) { tx.Fee++ }, ErrBadSignature},
		{"inscriber added", func(tx *Tx) { tx.Inscriber = ptr(testKey(9)) }, ErrBadSignature},
		{"sig bit flipped", func(tx *Tx) { tx.Sig[40] ^= 1 }, ErrBadSignature},
		{"sig r not a field element", func(tx *Tx) { copy(tx.Sig[:32], fullBytes()) }, ErrBadSignature},
		{"other sender", func(tx *Tx) { tx.Sender = XOnly(other) }, ErrBadSignature},
		{"sender not liftable (x ≥ p)", func(tx *Tx) { tx.Sender = [32]byte(fullBytes()) }, ErrBadSenderKey},
		{"sender not on curve (x = 5)", func(tx *Tx) { tx.Sender = [32]byte{31: 5} }, ErrBadSenderKey},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tx := signed()
			require.NoError(t, tx.VerifySig(dep))
			c.mutate(tx)
			require.ErrorIs(t, tx.VerifySig(dep), c.kind)
		})
	}
}

func fullBytes() []byte {
	b := make([]byte, 32)
	for i := range b {
		b[i] = 0xff
	}
	return b
}

func TestSignRejectsInvalidTx(t *testing.T) {
	tx := sampleHeader(&Reclaim{ID: ID{1}}, false)
	require.ErrorIs(t, tx.Sign(FaucetKey(RegtestFaucetSeed), [32]byte{}), ErrBadObjectID)
}
