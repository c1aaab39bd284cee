package costmodel

import (
	"fmt"
	"math/big"
	"math/rand"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/test"
	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/zkhash"
)

func mustGadget(t *testing.T, id string) Gadget {
	t.Helper()
	g, ok := GadgetByID(id)
	require.True(t, ok, id)
	return g
}

func solved(g Gadget, w frontend.Circuit) error {
	return test.IsSolved(g.Circuit(1), w, ecc.BN254.ScalarField())
}

// TestWidth4IsZkhash ties the measured width-4 construction (the recommended
// one) to zkhash's pinned one: the 4-to-1 compression is zkhash.Node4, the
// sponge's IV is zkhash.IV and the tagged list hash is zkhash.Hash, for list
// lengths covering the empty list, partial and full blocks.
func TestWidth4IsZkhash(t *testing.T) {
	require.Equal(t, 4, zkhash.Width)
	h := newNativeHasher(zkhash.Width)
	tag, err := zkhash.TagElement("edds")
	require.NoError(t, err)
	require.Equal(t, uint64(tagEdDSA), tag.Uint64())
	r := rand.New(rand.NewSource(1))
	a, b, c, d := randElem(r), randElem(r), randElem(r), randElem(r)
	require.Equal(t, zkhash.Node4(a, b, c, d), h.compress(a, b, c, d))
	for n := range 8 {
		xs := make([]fr.Element, n)
		for i := range xs {
			xs[i] = randElem(r)
		}
		var iv fr.Element
		iv.SetBigInt(tagIV(tagEdDSA, n))
		require.Equal(t, zkhash.IV("edds", n), iv, "n=%d", n)
		require.Equal(t, zkhash.Hash("edds", xs...), h.hash(tagEdDSA, xs...), "n=%d", n)
	}
}

func TestHashGadgetsSolve(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	for _, w := range []int{2, 3, 4} {
		for _, n := range []int{5, 16} {
			t.Run(fmt.Sprintf("w%d.n%d", w, n), func(t *testing.T) {
				g := mustGadget(t, fmt.Sprintf("p2.hash.w%d.n%d", w, n))
				xs := make([]fr.Element, n)
				for i := range xs {
					xs[i] = randElem(r)
				}
				want := newNativeHasher(w).hash(0x74616721, xs...)
				require.NoError(t, solved(g, assignment(vars(xs...), want.String())))
				xs[n-1] = randElem(r)
				require.Error(t, solved(g, assignment(vars(xs...), want.String())))
			})
		}
	}
}

func TestMerkleGadgetsSolve(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for _, k := range TreeKinds {
		t.Run(k.String(), func(t *testing.T) {
			h, levels := newNativeHasher(k.Width), k.Levels(16)
			sibs := randSiblings(r, k, levels)
			index := uint64(r.Int63()) % (maxIndex(k, levels) + 1)
			oldLeaf, newLeaf := randElem(r), randElem(r)
			oldRoot := nativeRoot(h, k, oldLeaf, index, sibs)
			newRoot := nativeRoot(h, k, newLeaf, index, sibs)
			flat := vars(flatten(sibs)...)

			ver := mustGadget(t, fmt.Sprintf("merkle.verify.%s.d16", k))
			in := append(append([]frontend.Variable{oldLeaf.String(), index}, flat...), oldRoot.String())
			require.NoError(t, solved(ver, assignment(in, 0)))
			bad := append([]frontend.Variable(nil), in...)
			bad[1] = (index + 1) % (maxIndex(k, levels) + 1) // another position
			require.Error(t, solved(ver, assignment(bad, 0)))

			upd := mustGadget(t, fmt.Sprintf("merkle.update.%s.d16", k))
			in = append(append([]frontend.Variable{oldLeaf.String(), newLeaf.String(), index}, flat...), oldRoot.String())
			require.NoError(t, solved(upd, assignment(in, newRoot.String())))
			require.Error(t, solved(upd, assignment(in, oldRoot.String())))
		})
	}
}

func TestEdDSAGadgetsSolve(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	for _, w := range []int{2, 3, 4} {
		t.Run(fmt.Sprintf("w%d", w), func(t *testing.T) {
			g := mustGadget(t, fmt.Sprintf("eddsa.w%d", w))
			in := signedInputs(t, r, w, randElem(r))
			require.NoError(t, solved(g, assignment(in, 0)))
			other := randElem(r)
			in[5] = other.String() // a different message
			require.Error(t, solved(g, assignment(in, 0)))
		})
	}
}

// nativeDraw3 is DESIGN §4.1's draw, computed with big integers.
func nativeDraw3(seed fr.Element, n uint64) (p0, p1, p2 uint64) {
	lo := new(big.Int).And(seed.BigInt(new(big.Int)), new(big.Int).SetUint64(^uint64(0))).Uint64()
	b2u := func(b bool) uint64 {
		if b {
			return 1
		}
		return 0
	}
	p0 = lo % n
	r1 := lo % (n - 1)
	p1 = r1 + b2u(p0 <= r1)
	a, b := min(p0, p1), max(p0, p1)
	p2 = lo % (n - 2)
	p2 += b2u(a <= p2)
	p2 += b2u(b <= p2)
	return p0, p1, p2
}

func TestDraw3Solves(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	g := mustGadget(t, "draw3")
	for _, n := range []uint64{3, 4, 7, 1000, 1 << 31} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			seed := randElem(r)
			p0, p1, p2 := nativeDraw3(seed, n)
			require.Less(t, p2, n)
			require.NotEqual(t, p0, p1)
			require.NotEqual(t, p0, p2)
			require.NotEqual(t, p1, p2)
			sum := p0 + p1 + p2
			require.NoError(t, solved(g, assignment([]frontend.Variable{seed.String(), n}, sum)))
			require.Error(t, solved(g, assignment([]frontend.Variable{seed.String(), n}, sum+1)))
		})
	}
}

func TestRangeAndPackGadgets(t *testing.T) {
	tests := []struct {
		name string
		id   string
		in   []frontend.Variable
		out  frontend.Variable
		ok   bool
	}{
		{"64-bit max", "range.bits64", []frontend.Variable{new(big.Int).SetUint64(^uint64(0))}, 0, true},
		{"2^64", "range.bits64", []frontend.Variable{new(big.Int).Lsh(big.NewInt(1), 64)}, 0, false},
		{"lt", "cmp.lt64.assert", []frontend.Variable{5, 6}, 0, true},
		{"not lt", "cmp.lt64.assert", []frontend.Variable{6, 6}, 0, false},
		{"divmod", "divmod.64by32", []frontend.Variable{1000003, 1000}, 3, true},
		{"divmod wrong", "divmod.64by32", []frontend.Variable{1000003, 1000}, 4, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := solved(mustGadget(t, tc.id), assignment(tc.in, tc.out))
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
		})
	}

	t.Run("pack31", func(t *testing.T) {
		g := mustGadget(t, "pack31.bits")
		b := make([]byte, 31)
		in := make([]frontend.Variable, 31)
		for i := range b {
			b[i] = byte(3*i + 1)
			in[i] = b[i]
		}
		want := new(big.Int).SetBytes(b)
		require.NoError(t, solved(g, assignment(in, want)))
		in[0] = 256 // not a byte
		require.Error(t, solved(g, assignment(in, new(big.Int).Add(want, new(big.Int).Lsh(big.NewInt(255), 240)))))
	})
}
