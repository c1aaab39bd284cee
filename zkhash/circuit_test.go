package zkhash

import (
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/frontend"
	stdposeidon2 "github.com/consensys/gnark/std/permutation/poseidon2"
	"github.com/consensys/gnark/test"
	"github.com/stretchr/testify/require"
)

// twinCircuit recomputes Compress and a 3-element Hash in-circuit with gnark's
// std/permutation/poseidon2 built from the same explicit parameters.
type twinCircuit struct {
	A, B     frontend.Variable
	Tag      frontend.Variable
	Xs       [3]frontend.Variable
	Compress frontend.Variable `gnark:",public"`
	Hash     frontend.Variable `gnark:",public"`
}

func (c *twinCircuit) Define(api frontend.API) error {
	p, err := stdposeidon2.NewPoseidon2FromParameters(api, Width, FullRounds, PartialRounds)
	if err != nil {
		return err
	}
	api.AssertIsEqual(c.Compress, p.Compress(c.A, c.B))
	s := p.Compress(c.Tag, len(c.Xs))
	for _, x := range c.Xs {
		s = p.Compress(s, x)
	}
	api.AssertIsEqual(c.Hash, s)
	return nil
}

// TestNativeMatchesCircuit checks native Compress and Hash against gnark's
// in-circuit Poseidon2 with test.IsSolved (no setup, no proof).
func TestNativeMatchesCircuit(t *testing.T) {
	const tag = "bitai/test"
	for i := range uint64(3) {
		a, b := testElem("twin a", i), testElem("twin b", i)
		xs := []fr.Element{testElem("twin x", 3*i), testElem("twin x", 3*i+1), testElem("twin x", 3*i+2)}
		tagE, err := TagElement(tag)
		require.NoError(t, err)
		cmp, h := Compress(a, b), Hash(tag, xs...)
		w := twinCircuit{
			A: a.String(), B: b.String(), Tag: tagE.String(),
			Xs:       [3]frontend.Variable{xs[0].String(), xs[1].String(), xs[2].String()},
			Compress: cmp.String(),
			Hash:     h.String(),
		}
		require.NoError(t, test.IsSolved(&twinCircuit{}, &w, ecc.BN254.ScalarField()))

		// A wrong output is rejected, so the check above can fail.
		bad := w
		wrong := Compress(b, a)
		bad.Compress = wrong.String()
		require.Error(t, test.IsSolved(&twinCircuit{}, &bad, ecc.BN254.ScalarField()))
	}
}
