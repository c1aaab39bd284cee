package costmodel

import (
	"math/big"
	"math/rand"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/poseidon2"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards/eddsa"
	"github.com/consensys/gnark/frontend"
	"github.com/stretchr/testify/require"
)

// nativeHasher mirrors hasher outside the circuit, on gnark-crypto's
// permutation with the same parameters, so the gadgets can be checked against
// an independent computation.
type nativeHasher struct {
	width int
	perm  *poseidon2.Permutation
}

func newNativeHasher(width int) *nativeHasher {
	return &nativeHasher{width: width, perm: poseidon2.NewPermutation(width, fullRounds, partialRounds)}
}

func (h *nativeHasher) permute(in []fr.Element) []fr.Element {
	st := append([]fr.Element(nil), in...)
	if err := h.perm.Permutation(st); err != nil {
		panic(err)
	}
	return st
}

func (h *nativeHasher) compress(xs ...fr.Element) fr.Element {
	out := h.permute(xs)
	var r fr.Element
	r.Add(&out[h.width-1], &xs[h.width-1])
	return r
}

func (h *nativeHasher) hash(tag uint64, xs ...fr.Element) fr.Element {
	if h.width == 2 {
		var t, n fr.Element
		t.SetUint64(tag)
		n.SetUint64(uint64(len(xs)))
		s := h.compress(t, n)
		for _, x := range xs {
			s = h.compress(s, x)
		}
		return s
	}
	st := make([]fr.Element, h.width)
	st[0].SetBigInt(tagIV(tag, len(xs)))
	if len(xs) == 0 {
		return h.permute(st)[1]
	}
	r := h.width - 1
	for i := 0; i < len(xs); i += r {
		for j := 0; j < r && i+j < len(xs); j++ {
			st[1+j].Add(&st[1+j], &xs[i+j])
		}
		st = h.permute(st)
	}
	return st[1]
}

// nativeArrange mirrors arrange: the children of one level in the order the
// circuit hashes them, for digit p of the leaf's path.
func nativeArrange(arity int, cur fr.Element, sibs []fr.Element, p int) []fr.Element {
	if arity == 4 {
		pair := []fr.Element{cur, sibs[0]}
		if p&1 == 1 {
			pair = []fr.Element{sibs[0], cur}
		}
		if p>>1 == 1 {
			return []fr.Element{sibs[1], sibs[2], pair[0], pair[1]}
		}
		return []fr.Element{pair[0], pair[1], sibs[1], sibs[2]}
	}
	out := append([]fr.Element(nil), sibs[:p]...)
	out = append(out, cur)
	return append(out, sibs[p:]...)
}

func nativeRoot(h *nativeHasher, k TreeKind, leaf fr.Element, index uint64, sibs [][]fr.Element) fr.Element {
	cur := leaf
	for _, s := range sibs {
		p := int(index % uint64(k.Arity))
		index /= uint64(k.Arity)
		in := nativeArrange(k.Arity, cur, s, p)
		if k.Arity == k.Width {
			cur = h.compress(in...)
		} else {
			cur = h.hash(tagNode, in...)
		}
	}
	return cur
}

func randElem(r *rand.Rand) fr.Element {
	var b [32]byte
	r.Read(b[:])
	var e fr.Element
	e.SetBytes(b[:])
	return e
}

func randSiblings(r *rand.Rand, k TreeKind, levels int) [][]fr.Element {
	s := make([][]fr.Element, levels)
	for i := range s {
		s[i] = make([]fr.Element, k.Arity-1)
		for j := range s[i] {
			s[i][j] = randElem(r)
		}
	}
	return s
}

// maxIndex is the largest leaf index of a tree of this kind and depth that the
// circuit's digit decomposition accepts (arity^levels - 1).
func maxIndex(k TreeKind, levels int) uint64 {
	m := new(big.Int).Exp(big.NewInt(int64(k.Arity)), big.NewInt(int64(levels)), nil)
	return m.Sub(m, big.NewInt(1)).Uint64()
}

func vars(xs ...fr.Element) []frontend.Variable {
	out := make([]frontend.Variable, len(xs))
	for i := range xs {
		out[i] = xs[i].String()
	}
	return out
}

func flatten(s [][]fr.Element) []fr.Element {
	var out []fr.Element
	for _, l := range s {
		out = append(out, l...)
	}
	return out
}

// assignment builds a one-instance witness for a gadget.
func assignment(in []frontend.Variable, out frontend.Variable) frontend.Circuit {
	return &gadgetCircuit{Inputs: [][]frontend.Variable{in}, Out: out}
}

// nativeSigner signs like gnark-crypto's eddsa with the challenge computed by
// a native list hash, so that the signature verifies in the eddsa.wN gadget.
type nativeSigner struct {
	h   *nativeHasher
	buf []byte
}

func (s *nativeSigner) Write(p []byte) (int, error) { s.buf = append(s.buf, p...); return len(p), nil }
func (s *nativeSigner) Reset()                      { s.buf = s.buf[:0] }
func (s *nativeSigner) Size() int                   { return fr.Bytes }
func (s *nativeSigner) BlockSize() int              { return fr.Bytes }
func (s *nativeSigner) Sum(b []byte) []byte {
	xs := make([]fr.Element, len(s.buf)/fr.Bytes)
	for i := range xs {
		xs[i].SetBytes(s.buf[i*fr.Bytes : (i+1)*fr.Bytes])
	}
	d := s.h.hash(tagEdDSA, xs...)
	db := d.Bytes()
	return append(b, db[:]...)
}

// signedInputs returns the eddsa gadget inputs (A.x, A.y, R.x, R.y, S, msg) of
// a fresh signature of msg at the given width.
func signedInputs(t testing.TB, r *rand.Rand, width int, msg fr.Element) []frontend.Variable {
	t.Helper()
	key, err := eddsa.GenerateKey(r)
	require.NoError(t, err)
	mb := msg.Bytes()
	sigBin, err := key.Sign(mb[:], &nativeSigner{h: newNativeHasher(width)})
	require.NoError(t, err)
	var sig eddsa.Signature
	_, err = sig.SetBytes(sigBin)
	require.NoError(t, err)
	pk := key.PublicKey
	return []frontend.Variable{pk.A.X.String(), pk.A.Y.String(), sig.R.X.String(), sig.R.Y.String(),
		new(big.Int).SetBytes(sig.S[:]), msg.String()}
}
