package zkhash

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
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

func bigs4(s [Width]fr.Element) [Width]*big.Int {
	var out [Width]*big.Int
	for i := range s {
		out[i] = toBig(s[i])
	}
	return out
}

func hexs4(s [Width]*big.Int) [Width]string {
	var out [Width]string
	for i := range s {
		out[i] = hexBig(s[i])
	}
	return out
}

func TestModulusIsBN254(t *testing.T) {
	require.Equal(t, 0, refModulus.Cmp(fr.Modulus()))
	require.Equal(t, 0, refModulus.Cmp(ecc.BN254.ScalarField()))
}

// TestParams pins the explicit parameters and documents that they are NOT the
// library defaults: gnark-crypto's GetDefaultParameters and gnark's in-circuit
// GetDefaultParameters(ecc.BN254) are width 2, RF=6, RP=50. Circuits must
// therefore use NewPoseidon2FromParameters(api, 4, 8, 56), never
// NewPoseidon2(api).
func TestParams(t *testing.T) {
	require.Equal(t, 4, Width)
	require.Equal(t, 3, Rate)
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
			require.Equal(t, [3]int{2, 6, 50}, [3]int{d.width, d.rf, d.rp},
				"library default changed; re-check that nothing relies on it")
		})
	}
	// gnark-crypto refuses other round numbers at width 4 (its constants are
	// published for 8/56 only), so the pinned instance cannot silently change.
	require.Panics(t, func() { poseidon2.NewPermutation(Width, 6, 50) })
}

// TestRoundKeysMatchReference checks gnark-crypto's built-in width-4 round keys
// against the Grain LFSR derivation of ref_test.go, and its internal diagonal
// against the published values.
func TestRoundKeysMatchReference(t *testing.T) {
	p := poseidon2.NewParameters(Width, FullRounds, PartialRounds)
	ref := refKeys8x56
	require.Len(t, p.RoundKeys, len(ref))
	for r := range ref {
		require.Len(t, p.RoundKeys[r], len(ref[r]), "round %d", r)
		for i := range ref[r] {
			require.Equal(t, 0, ref[r][i].Cmp(toBig(p.RoundKeys[r][i])), "round %d key %d", r, i)
		}
	}
	require.Len(t, p.DiagM1, Width)
	for i, d := range refDiag {
		want, ok := new(big.Int).SetString(d, 16)
		require.True(t, ok)
		require.Equal(t, 0, want.Cmp(toBig(p.DiagM1[i])), "diagonal %d", i)
	}
}

// TestPermuteMatchesReference checks the permutation against the independent
// math/big implementation in ref_test.go.
func TestPermuteMatchesReference(t *testing.T) {
	var minus1 fr.Element
	minus1.SetOne().Neg(&minus1)
	cases := []struct {
		name string
		in   [Width]fr.Element
	}{
		{"zero", [Width]fr.Element{}},
		{"0,1,2,3", [Width]fr.Element{FromUint64(0), FromUint64(1), FromUint64(2), FromUint64(3)}},
		{"r-1", [Width]fr.Element{minus1, minus1, minus1, minus1}},
	}
	for i := range uint64(6) {
		var in [Width]fr.Element
		for j := range in {
			in[j] = testElem("perm", uint64(Width)*i+uint64(j))
		}
		cases = append(cases, struct {
			name string
			in   [Width]fr.Element
		}{"pseudo-random", in})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Permute(c.in)
			require.Equal(t, hexs4(refPermute(bigs4(c.in))), hexs4(bigs4(got)))
		})
	}
}

// TestPermuteKAT pins P(0, 1, 2, 3) to barretenberg's published vector, checked
// against both Permute and refPermute.
func TestPermuteKAT(t *testing.T) {
	in := [Width]fr.Element{FromUint64(0), FromUint64(1), FromUint64(2), FromUint64(3)}
	require.Equal(t, katBarretenberg, hexs4(bigs4(Permute(in))))
	require.Equal(t, katBarretenberg, hexs4(refPermute(bigs4(in))))
}

// TestNode4 checks Node4 against the reference and gnark-crypto's permutation
// used directly, and that the children's order matters.
func TestNode4(t *testing.T) {
	p := poseidon2.NewPermutation(Width, FullRounds, PartialRounds)
	for i := range uint64(8) {
		var c [Width]fr.Element
		for j := range c {
			c[j] = testElem("node", uint64(Width)*i+uint64(j))
		}
		got := Node4(c[0], c[1], c[2], c[3])

		st := c
		require.NoError(t, p.Permutation(st[:]))
		var want fr.Element
		want.Add(&st[3], &c[3])
		require.Equal(t, want, got)
		require.Equal(t, hexBig(refNode4(bigs4(c))), hexElem(got))

		require.NotEqual(t, got, Node4(c[1], c[0], c[2], c[3]))
		require.NotEqual(t, got, Node4(c[0], c[1], c[3], c[2]))
	}
}

func TestIV(t *testing.T) {
	const tag = "bitai/test"
	tagE := new(big.Int).SetBytes([]byte(tag))
	for _, n := range []int{0, 1, 3, 47, 48, 49, 1 << 20, math.MaxInt} {
		want := new(big.Int).Lsh(big.NewInt(int64(n)), 184)
		want.Add(want, tagE)
		require.Equal(t, -1, want.Cmp(new(big.Int).Lsh(big.NewInt(1), 248)), "n=%d: IV below 2^248", n)
		got := IV(tag, n)
		require.Equal(t, 0, want.Cmp(toBig(got)), "n=%d", n)
	}
	// The longest tag and the largest length do not overlap or reduce.
	long := "~~~~~~~~~~~~~~~~~~~~~~~"
	require.Len(t, long, MaxTagBytes)
	iv := IV(long, math.MaxInt)
	b := iv.Bytes()
	require.Equal(t, byte(0), b[0])
	require.Equal(t, uint64(math.MaxInt), binary.BigEndian.Uint64(b[1:9]))
	require.Equal(t, long, string(b[9:]))
	require.Panics(t, func() { IV(long+"~", 0) })
}

// TestHashDefinition checks Hash against the reference sponge (written from
// rule Z-8, on the reference permutation) and against the sponge spelled out
// by hand with Permute, for lengths covering empty, partial and full blocks.
func TestHashDefinition(t *testing.T) {
	tag := "bitai/test"
	for n := range 8 {
		xs := make([]fr.Element, n)
		ref := make([]*big.Int, n)
		for i := range xs {
			xs[i] = testElem("hash", uint64(10*n+i))
			ref[i] = toBig(xs[i])
		}
		got := Hash(tag, xs...)
		require.Equal(t, hexBig(refHash(tag, ref)), hexElem(got), "n=%d", n)

		st := [Width]fr.Element{IV(tag, n)}
		padded := append(append([]fr.Element(nil), xs...), make([]fr.Element, (Rate-n%Rate)%Rate)...)
		for i := 0; i < len(padded); i += Rate {
			for j := range Rate {
				st[1+j].Add(&st[1+j], &padded[i+j])
			}
			st = Permute(st)
		}
		if n == 0 {
			st = Permute(st)
		}
		require.Equal(t, st[1], got, "n=%d", n)
	}
	// Length prefix: a list and the same list with trailing zeros (the same
	// padded blocks) differ.
	x := testElem("hash", 99)
	require.NotEqual(t, Hash(tag, x), Hash(tag, x, fr.Element{}))
	require.NotEqual(t, Hash(tag, x), Hash(tag, x, fr.Element{}, fr.Element{}))
	require.NotEqual(t, Hash(tag), Hash(tag, fr.Element{}))
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
