package costmodel

import (
	"fmt"
	"math/big"

	tedwards "github.com/consensys/gnark-crypto/ecc/twistededwards"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/algebra/native/twistededwards"
	"github.com/consensys/gnark/std/hash/mimc"
	"github.com/consensys/gnark/std/math/bits"
	"github.com/consensys/gnark/std/math/cmp"
	"github.com/consensys/gnark/std/signature/eddsa"
)

// body computes one gadget instance from its flat inputs and returns an output
// (nil when the gadget only asserts). It is built once per Define, so state
// such as a range checker is shared by all instances of a circuit.
type body func(in []frontend.Variable) (frontend.Variable, error)

// Gadget is one measured building block. Its circuit holds Reps instances with
// independent inputs; the outputs are summed (free in R1CS) and the sum is
// asserted equal to one public input, so the cost of one more instance, the
// marginal cost the model uses, is exact: (count(Reps[1]) - count(Reps[0])) /
// (Reps[1] - Reps[0]).
type Gadget struct {
	ID     string // stable key, e.g. "merkle.update.w4a4.d32"
	Desc   string // what one instance computes
	Inputs int    // flat inputs per instance
	Reps   [2]int // instance counts compiled to get the marginal cost
	build  func(api frontend.API) (body, error)
}

// gadgetCircuit is the harness every gadget is compiled in. It names its
// gadget by id (not by a func value, which gnark's test engine cannot clone).
type gadgetCircuit struct {
	Inputs [][]frontend.Variable
	Out    frontend.Variable `gnark:",public"`
	gadget string
}

// Define runs every instance and asserts the sum of their outputs.
func (c *gadgetCircuit) Define(api frontend.API) error {
	g, ok := GadgetByID(c.gadget)
	if !ok {
		return fmt.Errorf("unknown gadget %q", c.gadget)
	}
	f, err := g.build(api)
	if err != nil {
		return err
	}
	var sum frontend.Variable = 0
	for _, in := range c.Inputs {
		out, err := f(in)
		if err != nil {
			return err
		}
		if out != nil {
			sum = api.Add(sum, out)
		}
	}
	api.AssertIsEqual(sum, c.Out)
	return nil
}

// Circuit returns the gadget's harness with reps instances, inputs unassigned.
func (g Gadget) Circuit(reps int) frontend.Circuit {
	c := &gadgetCircuit{Inputs: make([][]frontend.Variable, reps), gadget: g.ID}
	for i := range c.Inputs {
		c.Inputs[i] = make([]frontend.Variable, g.Inputs)
	}
	return c
}

var defaultReps = [2]int{1, 2}

// Gadgets lists every gadget measured, in table order.
func Gadgets() []Gadget {
	var gs []Gadget
	gs = append(gs, hashGadgets()...)
	gs = append(gs, merkleGadgets()...)
	gs = append(gs, eddsaGadgets()...)
	gs = append(gs, arithGadgets()...)
	gs = append(gs, selectGadgets()...)
	return gs
}

// GadgetByID returns the gadget with this id.
func GadgetByID(id string) (Gadget, bool) {
	for _, g := range Gadgets() {
		if g.ID == id {
			return g, true
		}
	}
	return Gadget{}, false
}

func hashGadgets() []Gadget {
	perm := func(width, rf, rp int) func(frontend.API) (body, error) {
		return func(api frontend.API) (body, error) {
			h, err := newHasherRounds(api, width, rf, rp)
			if err != nil {
				return nil, err
			}
			return func(in []frontend.Variable) (frontend.Variable, error) {
				return h.permute(in)[0], nil
			}, nil
		}
	}
	gs := []Gadget{{
		ID: "p2.perm.w2.rf6rp50", Desc: "Poseidon2 permutation, width 2, gnark's BN254 default RF=6 RP=50 (reference only)",
		Inputs: 2, Reps: defaultReps, build: perm(2, 6, 50),
	}}
	for _, w := range []int{2, 3, 4} {
		gs = append(gs, Gadget{
			ID:     fmt.Sprintf("p2.perm.w%d", w),
			Desc:   fmt.Sprintf("Poseidon2 permutation, width %d, RF=8 RP=56", w),
			Inputs: w, Reps: defaultReps, build: perm(w, fullRounds, partialRounds),
		})
	}
	for _, w := range []int{2, 3, 4} {
		for _, n := range []int{5, 16} {
			gs = append(gs, Gadget{
				ID:     fmt.Sprintf("p2.hash.w%d.n%d", w, n),
				Desc:   fmt.Sprintf("tagged list hash of %d variables, width %d", n, w),
				Inputs: n, Reps: defaultReps,
				build: func(api frontend.API) (body, error) {
					h, err := newHasher(api, w)
					if err != nil {
						return nil, err
					}
					return func(in []frontend.Variable) (frontend.Variable, error) {
						return h.hash(0x74616721, in...), nil
					}, nil
				},
			})
		}
	}
	gs = append(gs, Gadget{
		ID: "mimc.hash.n2", Desc: "MiMC Merkle-Damgard hash of 2 variables (std/hash/mimc, reference only)",
		Inputs: 2, Reps: defaultReps,
		build: func(api frontend.API) (body, error) {
			return func(in []frontend.Variable) (frontend.Variable, error) {
				m, err := mimc.New(api)
				if err != nil {
					return nil, err
				}
				m.Write(in...)
				return m.Sum(), nil
			}, nil
		},
	})
	return gs
}

// MerkleDepths are the binary-equivalent depths measured (2^16 request slots,
// 2^32 accounts).
var MerkleDepths = []int{16, 32}

func merkleGadgets() []Gadget {
	var gs []Gadget
	for _, k := range TreeKinds {
		for _, d := range MerkleDepths {
			levels := k.Levels(d)
			nSib := levels * (k.Arity - 1)
			gs = append(gs, Gadget{
				ID:   fmt.Sprintf("merkle.verify.%s.d%d", k, d),
				Desc: fmt.Sprintf("membership of a leaf, %d levels of arity %d at width %d (2^%d leaves)", levels, k.Arity, k.Width, d),
				// leaf, index, siblings, root
				Inputs: 3 + nSib, Reps: defaultReps,
				build: func(api frontend.API) (body, error) {
					h, err := newHasher(api, k.Width)
					if err != nil {
						return nil, err
					}
					return func(in []frontend.Variable) (frontend.Variable, error) {
						pathVerify(h, k, in[0], in[1], unflatten(k, in[2:2+nSib]), in[2+nSib])
						return nil, nil
					}, nil
				},
			}, Gadget{
				ID:   fmt.Sprintf("merkle.update.%s.d%d", k, d),
				Desc: fmt.Sprintf("leaf update (old root checked, new root computed, shared siblings), %d levels of arity %d at width %d", levels, k.Arity, k.Width),
				// old leaf, new leaf, index, siblings, old root
				Inputs: 4 + nSib, Reps: defaultReps,
				build: func(api frontend.API) (body, error) {
					h, err := newHasher(api, k.Width)
					if err != nil {
						return nil, err
					}
					return func(in []frontend.Variable) (frontend.Variable, error) {
						return pathUpdate(h, k, in[0], in[1], in[2], unflatten(k, in[3:3+nSib]), in[3+nSib]), nil
					}, nil
				},
			})
		}
	}
	return gs
}

// unflatten splits flat siblings into levels of arity-1.
func unflatten(k TreeKind, flat []frontend.Variable) [][]frontend.Variable {
	s := make([][]frontend.Variable, len(flat)/(k.Arity-1))
	for i := range s {
		s[i] = flat[i*(k.Arity-1) : (i+1)*(k.Arity-1)]
	}
	return s
}

// tagEdDSA is the challenge-hash tag of the measured EdDSA gadgets.
const tagEdDSA = 0x65646473 // "edds"

func eddsaGadgets() []Gadget {
	var gs []Gadget
	for _, w := range []int{2, 3, 4} {
		gs = append(gs, Gadget{
			ID:   fmt.Sprintf("eddsa.w%d", w),
			Desc: fmt.Sprintf("EdDSA verify on BabyJubJub (std/signature/eddsa), challenge H(R, A, msg) at width %d", w),
			// A.x, A.y, R.x, R.y, S, msg
			Inputs: 6, Reps: defaultReps,
			build: func(api frontend.API) (body, error) {
				curve, err := twistededwards.NewEdCurve(api, tedwards.BN254)
				if err != nil {
					return nil, fmt.Errorf("babyjubjub: %w", err)
				}
				h, err := newHasher(api, w)
				if err != nil {
					return nil, err
				}
				return func(in []frontend.Variable) (frontend.Variable, error) {
					pk := eddsa.PublicKey{A: twistededwards.Point{X: in[0], Y: in[1]}}
					sig := eddsa.Signature{R: twistededwards.Point{X: in[2], Y: in[3]}, S: in[4]}
					return nil, eddsa.Verify(curve, sig, in[5], pk, &fieldHasher{h: h, tag: tagEdDSA})
				}, nil
			},
		})
	}
	return gs
}

func pow2(n uint) *big.Int { return new(big.Int).Lsh(big.NewInt(1), n) }

// divMod constrains x = q*d + r with q < 2^qBits, 0 <= r < d, d < 2^dBits,
// using a hint for (q, r); no wrap since qBits + dBits stays far below 253.
func divMod(api frontend.API, x, d frontend.Variable, qBits, dBits int) (q, r frontend.Variable, err error) {
	qr, err := api.Compiler().NewHint(divModHint, 2, x, d)
	if err != nil {
		return nil, nil, fmt.Errorf("divmod: %w", err)
	}
	q, r = qr[0], qr[1]
	bits.ToBinary(api, q, bits.WithNbDigits(qBits))
	bits.ToBinary(api, r, bits.WithNbDigits(dBits))
	cmp.NewBoundedComparator(api, pow2(uint(dBits)), false).AssertIsLess(r, d)
	api.AssertIsEqual(api.Add(api.Mul(q, d), r), x)
	return q, r, nil
}
