package aichain

import (
	"testing"

	"github.com/bitai-l2/bitai/zkhash"
	"github.com/consensys/gnark-crypto/ecc"
	tedwards "github.com/consensys/gnark-crypto/ecc/twistededwards"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/algebra/native/twistededwards"
	stdposeidon2 "github.com/consensys/gnark/std/permutation/poseidon2"
	"github.com/consensys/gnark/std/signature/eddsa"
	"github.com/consensys/gnark/test"
	"github.com/stretchr/testify/require"
)

// tagHasher is rule L-35's challenge hash in-circuit: a gnark hash.FieldHasher
// that buffers its inputs and returns zkhash's Hash("bitai/l2/eddsa"; inputs),
// the width-4 rate-3 sponge of rule Z-8 with its IV as a constant.
type tagHasher struct {
	api frontend.API
	p   *stdposeidon2.Permutation
	buf []frontend.Variable
}

func (h *tagHasher) Write(xs ...frontend.Variable) { h.buf = append(h.buf, xs...) }
func (h *tagHasher) Reset()                        { h.buf = nil }
func (h *tagHasher) Sum() frontend.Variable {
	iv := zkhash.IV(TagEdDSA, len(h.buf))
	st := []frontend.Variable{iv.String(), 0, 0, 0}
	if len(h.buf) == 0 {
		h.permute(st)
	}
	for i := 0; i < len(h.buf); i += zkhash.Rate {
		for j := 0; j < zkhash.Rate && i+j < len(h.buf); j++ {
			st[1+j] = h.api.Add(st[1+j], h.buf[i+j])
		}
		h.permute(st)
	}
	return st[1]
}

func (h *tagHasher) permute(st []frontend.Variable) {
	if err := h.p.Permutation(st); err != nil {
		panic(err)
	}
}

// eddsaTwin verifies an L2 signature with gnark's std/signature/eddsa.
type eddsaTwin struct {
	PubKey eddsa.PublicKey
	Sig    eddsa.Signature
	Msg    frontend.Variable `gnark:",public"`
}

func (c *eddsaTwin) Define(api frontend.API) error {
	curve, err := twistededwards.NewEdCurve(api, tedwards.BN254)
	if err != nil {
		return err
	}
	p, err := stdposeidon2.NewPoseidon2FromParameters(api, zkhash.Width, zkhash.FullRounds, zkhash.PartialRounds)
	if err != nil {
		return err
	}
	return eddsa.Verify(curve, c.Sig, c.Msg, c.PubKey, &tagHasher{api: api, p: p})
}

// TestSignatureMatchesCircuit: a native L2 signature (rule L-35) verifies in
// gnark's EdDSA gadget with the zkhash challenge hash, and a wrong message does not.
func TestSignatureMatchesCircuit(t *testing.T) {
	o := sampleOps(t)[0]
	m := SigMessage(testChainID, &o)
	var w eddsaTwin
	w.PubKey.Assign(tedwards.BN254, o.Signer[:])
	w.Sig.Assign(tedwards.BN254, o.Sig[:])
	w.Msg = m.String()
	require.NoError(t, test.IsSolved(&eddsaTwin{}, &w, ecc.BN254.ScalarField()))
	one := elem(1)
	w.Msg = one.String()
	require.Error(t, test.IsSolved(&eddsaTwin{}, &w, ecc.BN254.ScalarField()))
}
