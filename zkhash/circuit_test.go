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

const twinTag = "bitai/test"

// twinLen is the twin's list length: two full blocks and a partial one.
const twinLen = 7

// twinCircuit recomputes Node4 and a 7-element Hash in-circuit with gnark's
// std/permutation/poseidon2 built from the same explicit parameters; the
// sponge's IV is the constant zkhash.IV gives.
type twinCircuit struct {
	C    [Width]frontend.Variable
	Xs   [twinLen]frontend.Variable
	Node frontend.Variable `gnark:",public"`
	Hash frontend.Variable `gnark:",public"`
}

func (c *twinCircuit) Define(api frontend.API) error {
	p, err := stdposeidon2.NewPoseidon2FromParameters(api, Width, FullRounds, PartialRounds)
	if err != nil {
		return err
	}
	st := c.C
	if err := p.Permutation(st[:]); err != nil {
		return err
	}
	api.AssertIsEqual(c.Node, api.Add(st[3], c.C[3]))

	iv := IV(twinTag, twinLen)
	st = [Width]frontend.Variable{iv.String(), 0, 0, 0}
	for i := 0; i < twinLen; i += Rate {
		for j := 0; j < Rate && i+j < twinLen; j++ {
			st[1+j] = api.Add(st[1+j], c.Xs[i+j])
		}
		if err := p.Permutation(st[:]); err != nil {
			return err
		}
	}
	api.AssertIsEqual(c.Hash, st[1])
	return nil
}

// TestNativeMatchesCircuit checks native Node4 and Hash against gnark's
// in-circuit Poseidon2 with test.IsSolved (no setup, no proof).
func TestNativeMatchesCircuit(t *testing.T) {
	for i := range uint64(3) {
		var w twinCircuit
		var cs [Width]fr.Element
		for j := range cs {
			cs[j] = testElem("twin c", uint64(Width)*i+uint64(j))
			w.C[j] = cs[j].String()
		}
		xs := make([]fr.Element, twinLen)
		for j := range xs {
			xs[j] = testElem("twin x", twinLen*i+uint64(j))
			w.Xs[j] = xs[j].String()
		}
		node, h := Node4(cs[0], cs[1], cs[2], cs[3]), Hash(twinTag, xs...)
		w.Node, w.Hash = node.String(), h.String()
		require.NoError(t, test.IsSolved(&twinCircuit{}, &w, ecc.BN254.ScalarField()))

		// Wrong outputs are rejected, so the check above can fail.
		bad := w
		wrong := Node4(cs[3], cs[2], cs[1], cs[0])
		bad.Node = wrong.String()
		require.Error(t, test.IsSolved(&twinCircuit{}, &bad, ecc.BN254.ScalarField()))
		bad = w
		wrong = Hash(twinTag, xs[:twinLen-1]...)
		bad.Hash = wrong.String()
		require.Error(t, test.IsSolved(&twinCircuit{}, &bad, ecc.BN254.ScalarField()))
	}
}
