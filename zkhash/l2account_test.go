package zkhash

import (
	"bytes"
	"crypto/rand"
	"errors"
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards/eddsa"
	"github.com/stretchr/testify/require"
)

// encodeRaw writes y little-endian with the sign bit set as asked, without any
// check, so tests can build encodings gnark-crypto would never emit.
func encodeRaw(y *big.Int, sign bool) [32]byte {
	var be, b [32]byte
	y.FillBytes(be[:])
	for i := range b {
		b[i] = be[31-i]
	}
	if sign {
		b[31] |= signBit
	}
	return b
}

// pointFromY decodes y with gnark-crypto and reports whether it lies on the curve.
func pointFromY(y uint64) (Point, bool) {
	b := encodeRaw(new(big.Int).SetUint64(y), false)
	var p Point
	if _, err := p.SetBytes(b[:]); err != nil {
		return p, false
	}
	return p, p.IsOnCurve()
}

// lowOrder8 finds a point of order exactly 8: ℓ·P lies in the 8-torsion for any
// curve point P, and has order 8 for half of them.
func lowOrder8(t testing.TB) Point {
	t.Helper()
	for y := uint64(2); y < 1000; y++ {
		p, ok := pointFromY(y)
		if !ok {
			continue
		}
		var q, q4 Point
		q.ScalarMultiplication(&p, subgroupOrder)
		q4.ScalarMultiplication(&q, big.NewInt(4))
		if !q4.IsZero() {
			var q8 Point
			q8.ScalarMultiplication(&q, big.NewInt(8))
			require.True(t, q8.IsZero())
			return q
		}
	}
	t.Fatal("no order-8 point found")
	return Point{}
}

func basePoint(k int64) Point {
	var p Point
	p.ScalarMultiplicationBase(big.NewInt(k))
	return p
}

type l2Case struct {
	name string
	in   [32]byte
	err  error
}

// l2Cases is the table shared by TestParseL2Account, the fuzz seeds and kat.json.
func l2Cases(t testing.TB) []l2Case {
	t.Helper()
	var cs []l2Case
	for _, k := range []int64{1, 2, 3, 1 << 40} {
		p := basePoint(k)
		cs = append(cs, l2Case{"base times " + big.NewInt(k).String(), p.Bytes(), nil})
		var n Point
		n.Neg(&p)
		cs = append(cs, l2Case{"minus base times " + big.NewInt(k).String(), n.Bytes(), nil})
	}

	var identity, t2 Point
	identity.Y.SetOne()
	t2.Y.SetOne()
	t2.Y.Neg(&t2.Y)
	cs = append(cs, l2Case{"identity", identity.Bytes(), ErrL2Identity})
	cs = append(cs, l2Case{"order 2 (0, -1)", t2.Bytes(), ErrL2NotInGroup})
	cs = append(cs, l2Case{"order 4 (y = 0), all-zero bytes", [32]byte{}, ErrL2NotInGroup})
	cs = append(cs, l2Case{"order 4 (y = 0), sign bit", [32]byte{31: signBit}, ErrL2NotInGroup})
	t8 := lowOrder8(t)
	cs = append(cs, l2Case{"order 8", t8.Bytes(), ErrL2NotInGroup})
	var mixed Point
	g := basePoint(7)
	mixed.Add(&g, &t8)
	cs = append(cs, l2Case{"base plus order-8 point", mixed.Bytes(), ErrL2NotInGroup})

	cs = append(cs, l2Case{"identity with sign bit", encodeRaw(big.NewInt(1), true), ErrL2NonCanonical})
	cs = append(cs, l2Case{"(0, -1) with sign bit", encodeRaw(toBig(t2.Y), true), ErrL2NonCanonical})
	for _, k := range []int64{1, 5} {
		p := basePoint(k)
		y := new(big.Int).Add(toBig(p.Y), refModulus)
		b := p.Bytes()
		cs = append(cs, l2Case{"y + r of base times " + big.NewInt(k).String(),
			encodeRaw(y, b[31]&signBit != 0), ErrL2NonCanonical})
	}
	cs = append(cs, l2Case{"y = r", encodeRaw(refModulus, false), ErrL2NonCanonical})
	cs = append(cs, l2Case{"all ones", [32]byte(bytes.Repeat([]byte{0xff}, 32)), ErrL2NonCanonical})

	off := 0
	for y := uint64(2); off < 2; y++ {
		if _, ok := pointFromY(y); !ok {
			cs = append(cs, l2Case{"off curve y = " + big.NewInt(int64(y)).String(),
				encodeRaw(new(big.Int).SetUint64(y), false), ErrL2NotOnCurve})
			off++
		}
	}
	return cs
}

func TestParseL2Account(t *testing.T) {
	for _, c := range l2Cases(t) {
		t.Run(c.name, func(t *testing.T) {
			p, err := ParseL2Account(c.in)
			if c.err != nil {
				require.True(t, errors.Is(err, c.err), "got %v, want %v", err, c.err)
				return
			}
			require.NoError(t, err)
			require.True(t, p.IsOnCurve())
			require.True(t, p.IsInSubGroup())
			require.Equal(t, c.in, p.Bytes())
		})
	}
}

// TestParseL2AccountGeneratedKeys parses public keys made by gnark-crypto's EdDSA
// key generator, the keys L2 wallets will hold.
func TestParseL2AccountGeneratedKeys(t *testing.T) {
	for range 16 {
		sk, err := eddsa.GenerateKey(rand.Reader)
		require.NoError(t, err)
		var b [32]byte
		copy(b[:], sk.PublicKey.Bytes())
		p, err := ParseL2Account(b)
		require.NoError(t, err)
		require.True(t, p.Equal(&sk.PublicKey.A))
	}
}

// TestSubgroupCheckAgrees compares the ℓ·P check with gnark-crypto's
// IsInSubGroup on valid and low-order points.
func TestSubgroupCheckAgrees(t *testing.T) {
	t8 := lowOrder8(t)
	var pts []Point
	for k := int64(1); k <= 8; k++ {
		g := basePoint(k * 1_000_003)
		var m Point
		m.ScalarMultiplication(&t8, big.NewInt(k))
		var sum Point
		sum.Add(&g, &m)
		pts = append(pts, g, m, sum)
	}
	for i, p := range pts {
		require.Equal(t, p.IsInSubGroup(), inPrimeSubgroup(&p), "point %d", i)
	}
	// Sanity: the curve is gnark-crypto's BabyJubJub with cofactor 8.
	c := twistededwards.GetEdwardsCurve()
	require.Equal(t, 0, new(big.Int).SetUint64(8).Cmp(toBig(c.Cofactor)))
	var minus1 fr.Element
	minus1.SetOne().Neg(&minus1)
	require.True(t, c.A.Equal(&minus1))
}

func FuzzParseL2Account(f *testing.F) {
	for _, c := range l2Cases(f) {
		f.Add(c.in[:])
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) != 32 {
			return
		}
		b := [32]byte(in)
		p, err := ParseL2Account(b)
		if err != nil {
			if !errors.Is(err, ErrL2NonCanonical) && !errors.Is(err, ErrL2NotOnCurve) &&
				!errors.Is(err, ErrL2Identity) && !errors.Is(err, ErrL2NotInGroup) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if p.Bytes() != b {
			t.Fatalf("re-encoding differs: %x != %x", p.Bytes(), b)
		}
		if !p.IsOnCurve() || !p.IsInSubGroup() || p.IsZero() {
			t.Fatalf("accepted invalid point %x", b)
		}
	})
}
