package aichain

import (
	"bytes"
	"errors"
	"math/big"
	"testing"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/zkhash"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/stretchr/testify/require"
)

// sampleOps returns one signed (or unsigned) op of every kind.
func sampleOps(t testing.TB) []Op {
	k := testKey(t, 3)
	rid := id(42)
	ops := []Op{
		{Kind: OpTransfer, Account: 1, Nonce: 2, To: 3, Amount: 4},
		{Kind: OpWithdraw, Account: 1, Nonce: 2, Recipient: [32]byte{9, 8, 7}, Amount: 5},
		{Kind: OpStake, Account: 1, Nonce: 0, Amount: 1000},
		{Kind: OpUnstake, Account: 7, Nonce: 1},
		{Kind: OpUnlock, Account: 7, Nonce: 2},
		{Kind: OpJoin, Account: 7, Nonce: 3},
		{Kind: OpCommit, RequestSlot: 513, RequestID: rid, Slot: 2, Commitment: elem(99)},
		{Kind: OpReveal, RequestSlot: 513, RequestID: rid, Slot: 1, Digest: elem(5), Salt: elem(6)},
		{Kind: OpResolve, RequestSlot: 513, RequestID: rid},
	}
	for i := range ops {
		if ops[i].Kind.Signed() {
			ops[i] = sign(t, k, ops[i])
		}
	}
	return ops
}

func TestOpRoundTrip(t *testing.T) {
	for _, o := range sampleOps(t) {
		t.Run(o.Kind.String(), func(t *testing.T) {
			b := o.Encode()
			want := 1 + bodyLen[o.Kind]
			if o.Kind.Signed() {
				want += sigTrailer
			}
			require.Len(t, b, want)
			got, err := DecodeOp(b)
			require.NoError(t, err)
			require.Equal(t, o, got)
			require.NoError(t, VerifyOp(testChainID, &got))
			rec, err := DecodeOpRecord(o.Record())
			require.NoError(t, err)
			require.Equal(t, o, rec)
		})
	}
}

// TestOpLayout checks one encoding byte for byte against rule L-34's layout.
func TestOpLayout(t *testing.T) {
	o := Op{Kind: OpTransfer, Account: 0x01020304, Nonce: 0x05, To: 0x0a0b0c0d, Amount: 0x0102}
	want := []byte{1, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 5, 0x0a, 0x0b, 0x0c, 0x0d, 0, 0, 0, 0, 0, 0, 1, 2}
	require.Equal(t, want, o.AppendBody(nil))
	r := Op{Kind: OpResolve, RequestSlot: 0x0102, RequestID: id(3)}
	b := r.AppendBody(nil)
	require.Equal(t, []byte{9, 1, 2}, b[:3])
	require.Equal(t, id(3), [32]byte(b[3:35]))
}

func TestDecodeOpRejects(t *testing.T) {
	ops := sampleOps(t)
	transfer, commit, reveal := ops[0].Encode(), ops[6].Encode(), ops[7].Encode()
	mod := func(b []byte, f func([]byte) []byte) []byte { return f(bytes.Clone(b)) }
	var rModulus [32]byte
	fr.Modulus().FillBytes(rModulus[:])
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"kind 0", []byte{0}},
		{"kind 10", append([]byte{10}, make([]byte, 40)...)},
		{"short", transfer[:len(transfer)-1]},
		{"long", append(bytes.Clone(transfer), 0)},
		{"zero amount", mod(transfer, func(b []byte) []byte { clear(b[17:25]); return b })},
		{"slot 3", mod(commit, func(b []byte) []byte { b[35] = 3; return b })},
		{"request id top byte", mod(commit, func(b []byte) []byte { b[3] = 1; return b })},
		{"commitment = r", mod(commit, func(b []byte) []byte { copy(b[36:68], rModulus[:]); return b })},
		{"salt = r", mod(reveal, func(b []byte) []byte { copy(b[68:100], rModulus[:]); return b })},
		{"signer identity", mod(transfer, func(b []byte) []byte {
			clear(b[25:57])
			b[25] = 1 // y = 1, x = 0: the identity
			return b
		})},
		{"signer not on curve", mod(transfer, func(b []byte) []byte { clear(b[25:57]); b[25] = 2; return b })},
		{"sig S zero", mod(transfer, func(b []byte) []byte { clear(b[57+32:]); return b })},
		{"sig S ≥ ℓ", mod(transfer, func(b []byte) []byte {
			for i := 57 + 32; i < len(b); i++ {
				b[i] = 0xff
			}
			return b
		})},
		{"resolve with trailer", append(ops[8].Encode(), make([]byte, sigTrailer)...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeOp(tc.b)
			require.ErrorIs(t, err, ErrDecode)
		})
	}
	_, err := DecodeOpRecord(bitai.SubRecord{Version: 2, Data: transfer})
	require.ErrorIs(t, err, ErrDecode)
}

func TestSignatures(t *testing.T) {
	ops := sampleOps(t)
	tr := ops[0]
	require.NoError(t, VerifyOp(testChainID, &tr))

	other := tr
	other.Amount++
	require.ErrorIs(t, VerifyOp(testChainID, &other), ErrSignature, "changed field")
	require.ErrorIs(t, VerifyOp(id(1), &tr), ErrSignature, "other chain")
	stolen := tr
	stolen.Signer = PublicKey(testKey(t, 4))
	require.ErrorIs(t, VerifyOp(testChainID, &stolen), ErrSignature, "other signer")
	asWithdraw := tr
	asWithdraw.Kind = OpStake
	require.ErrorIs(t, VerifyOp(testChainID, &asWithdraw), ErrSignature, "other kind")

	_, err := CheckForcedOp(testChainID, tr.Encode(), OpVersion)
	require.NoError(t, err)
	_, err = CheckForcedOp(testChainID, other.Encode(), OpVersion)
	require.ErrorIs(t, err, ErrSignature)
	_, err = CheckForcedOp(testChainID, tr.Encode(), 2)
	require.ErrorIs(t, err, ErrDecode)
	// Unsigned ops need no signature.
	_, err = CheckForcedOp(testChainID, ops[8].Encode(), OpVersion)
	require.NoError(t, err)

	// The message is rule L-35's hash, computed independently here.
	want := zkhash.Hash("bitai/l2/sig", idElem(testChainID), elem(1), elem(uint64(tr.Account)),
		elem(tr.Nonce), elem(uint64(tr.To)), elem(tr.Amount))
	got := SigMessage(testChainID, &tr)
	require.True(t, want.Equal(&got))
}

// TestChallengeHash checks the EdDSA challenge hash of rule L-35 independently:
// S·B·8 = 8·(R + Hash("bitai/l2/eddsa"; R, A, m)·A).
func TestChallengeHash(t *testing.T) {
	k := testKey(t, 5)
	m := elem(12345)
	sig, err := signElem(k, m)
	require.NoError(t, err)
	var s struct{ R zkhash.Point }
	_, err = s.R.SetBytes(sig[:32])
	require.NoError(t, err)
	a := k.PublicKey.A
	c := zkhash.Hash("bitai/l2/eddsa", s.R.X, s.R.Y, a.X, a.Y, m)
	var cb, sb big.Int
	c.BigInt(&cb)
	sb.SetBytes(sig[32:])
	var lhs, rhs zkhash.Point
	lhs.ScalarMultiplicationBase(&sb)
	rhs.ScalarMultiplication(&a, &cb)
	rhs.Add(&rhs, &s.R)
	require.True(t, lhs.Equal(&rhs))
	require.NoError(t, verifyElem(PublicKey(k), sig, m))
	require.True(t, errors.Is(verifyElem(PublicKey(k), sig, elem(12346)), ErrSignature))
}

func TestDigestAndCommitment(t *testing.T) {
	rid := id(77)
	d := DigestOf(rid, []byte("hello"))
	b := d.Bytes()
	require.Zero(t, b[0], "digest fits 248 bits")
	require.False(t, d.Equal(ptr(DigestOf(rid, []byte("hellp")))))
	require.False(t, d.Equal(ptr(DigestOf(id(78), []byte("hello")))))
	c := CommitmentOf(testChainID, rid, 3, d, elem(9))
	want := zkhash.Hash("bitai/l2/commit", idElem(testChainID), idElem(rid), elem(3), d, elem(9))
	require.True(t, c.Equal(&want))
}

func ptr(e fr.Element) *fr.Element { return &e }
