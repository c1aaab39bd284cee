package zkhash

import (
	"crypto/sha256"
	"encoding/binary"
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/poseidon2"
	stdposeidon2 "github.com/consensys/gnark/std/permutation/poseidon2"
	"github.com/stretchr/testify/require"
)

// testElem is a deterministic pseudo-random field element: SHA-256("zkhash test "
// ‖ label ‖ i) reduced mod r.
func testElem(label string, i uint64) fr.Element {
	h := sha256.New()
	h.Write([]byte("zkhash test " + label))
	h.Write(binary.BigEndian.AppendUint64(nil, i))
	var e fr.Element
	e.SetBytes(h.Sum(nil))
	return e
}

func toBig(e fr.Element) *big.Int { return e.BigInt(new(big.Int)) }

func TestModulusIsBN254(t *testing.T) {
	require.Equal(t, 0, refModulus.Cmp(fr.Modulus()))
	require.Equal(t, 0, refModulus.Cmp(ecc.BN254.ScalarField()))
}

// TestParams pins the explicit parameters and documents that they are NOT the
// library defaults: gnark-crypto's GetDefaultParameters and gnark's in-circuit
// GetDefaultParameters(ecc.BN254) are RF=6, RP=50. Circuits must therefore use
// NewPoseidon2FromParameters(api, 2, 8, 56), never NewPoseidon2(api).
func TestParams(t *testing.T) {
	require.Equal(t, 2, Width)
	require.Equal(t, 8, FullRounds)
	require.Equal(t, 56, PartialRounds)

	native := poseidon2.GetDefaultParameters()
	inCircuit, err := stdposeidon2.GetDefaultParameters(ecc.BN254)
	require.NoError(t, err)
	for _, d := range []struct {
		name          string
		width, rf, rp int
	}{
		{"gnark-crypto default", native.Width, native.NbFullRounds, native.NbPartialRounds},
		{"gnark in-circuit default", inCircuit.Width, inCircuit.NbFullRounds, inCircuit.NbPartialRounds},
	} {
		t.Run(d.name, func(t *testing.T) {
			require.Equal(t, Width, d.width)
			require.Equal(t, [2]int{6, 50}, [2]int{d.rf, d.rp},
				"library default changed; re-check that nothing relies on it")
		})
	}

	// The explicit instance derives its keys from its own seed, so it differs
	// from the default instance even on the zero state.
	var zero fr.Element
	a, b := Permute(zero, zero)
	st := []fr.Element{zero, zero}
	require.NoError(t, poseidon2.NewDefaultPermutation().Permutation(st))
	require.False(t, a.Equal(&st[0]) && b.Equal(&st[1]))
}

// TestRoundKeysMatchReference checks gnark-crypto's round keys for (2, 8, 56)
// against the independent derivation in ref_test.go.
func TestRoundKeysMatchReference(t *testing.T) {
	p := poseidon2.NewParameters(Width, FullRounds, PartialRounds)
	ref := refRoundKeys(FullRounds, PartialRounds)
	require.Len(t, p.RoundKeys, len(ref))
	for r := range ref {
		require.Len(t, p.RoundKeys[r], len(ref[r]), "round %d", r)
		for i := range ref[r] {
			require.Equal(t, 0, ref[r][i].Cmp(toBig(p.RoundKeys[r][i])), "round %d key %d", r, i)
		}
	}
}

// TestPermuteMatchesReference checks the permutation against the independent
// math/big implementation in ref_test.go.
func TestPermuteMatchesReference(t *testing.T) {
	var minus1 fr.Element
	minus1.SetOne().Neg(&minus1)
	cases := []struct {
		name string
		a, b fr.Element
	}{
		{"zero", fr.Element{}, fr.Element{}},
		{"0,1", FromUint64(0), FromUint64(1)},
		{"1,2", FromUint64(1), FromUint64(2)},
		{"r-1,r-1", minus1, minus1},
	}
	for i := range uint64(8) {
		cases = append(cases, struct {
			name string
			a, b fr.Element
		}{"pseudo-random", testElem("perm a", i), testElem("perm b", i)})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x, y := Permute(c.a, c.b)
			rx, ry := refPermute(toBig(c.a), toBig(c.b))
			require.Equal(t, 0, rx.Cmp(toBig(x)))
			require.Equal(t, 0, ry.Cmp(toBig(y)))
		})
	}
}

// TestPermuteKAT pins P(0, 1); the values were computed with refPermute (the
// independent math/big implementation), not with gnark-crypto, and are also
// checked against refPermute here.
func TestPermuteKAT(t *testing.T) {
	const wantX = "0x" + kat01X
	const wantY = "0x" + kat01Y
	x, y := Permute(FromUint64(0), FromUint64(1))
	require.Equal(t, wantX, hexElem(x))
	require.Equal(t, wantY, hexElem(y))
	rx, ry := refPermute(big.NewInt(0), big.NewInt(1))
	require.Equal(t, wantX, hexBig(rx))
	require.Equal(t, wantY, hexBig(ry))
}

// TestCompressMatchesGnark checks Compress against gnark-crypto's byte-level
// Permutation.Compress, and the feed-forward definition against the reference.
func TestCompressMatchesGnark(t *testing.T) {
	p := poseidon2.NewPermutation(Width, FullRounds, PartialRounds)
	for i := range uint64(16) {
		a, b := testElem("compress a", i), testElem("compress b", i)
		ab, bb := a.Bytes(), b.Bytes()
		want, err := p.Compress(ab[:], bb[:])
		require.NoError(t, err)
		got := Compress(a, b)
		gb := got.Bytes()
		require.Equal(t, want, gb[:])
		require.Equal(t, got, Node(a, b))

		_, ry := refPermute(toBig(a), toBig(b))
		ry.Add(ry, toBig(b)).Mod(ry, refModulus)
		require.Equal(t, 0, ry.Cmp(toBig(got)))
	}
}

// TestHashDefinition checks Hash against its definition spelled out by hand.
func TestHashDefinition(t *testing.T) {
	tag := "bitai/test"
	tagE := new(fr.Element).SetBytes([]byte(tag))
	for n := range 5 {
		xs := make([]fr.Element, n)
		for i := range xs {
			xs[i] = testElem("hash", uint64(10*n+i))
		}
		s := Compress(*tagE, FromUint64(uint64(n)))
		for _, x := range xs {
			s = Compress(s, x)
		}
		require.Equal(t, s, Hash(tag, xs...), "n=%d", n)
	}
	// Length prefix: a list and the same list with a trailing zero differ.
	x := testElem("hash", 99)
	require.NotEqual(t, Hash(tag, x), Hash(tag, x, fr.Element{}))
	// Domain separation: same list, different tag.
	require.NotEqual(t, Hash("bitai/a", x), Hash("bitai/b", x))
	require.Panics(t, func() { Hash("", x) })
}

func TestHashBytes(t *testing.T) {
	for _, n := range []int{0, 1, 31, 32, 100} {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*7 + 1)
		}
		require.Equal(t, Hash("bitai/test", Bytes(b)...), HashBytes("bitai/test", b))
	}
	// A trailing zero byte changes the hash (length prefix).
	require.NotEqual(t, HashBytes("bitai/test", []byte{1}), HashBytes("bitai/test", []byte{1, 0}))
}

func hexElem(e fr.Element) string {
	b := e.Bytes()
	return "0x" + hexString(b[:])
}

func hexBig(x *big.Int) string {
	var b [32]byte
	x.FillBytes(b[:])
	return "0x" + hexString(b[:])
}
