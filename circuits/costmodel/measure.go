package costmodel

import (
	"fmt"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/frontend/cs/scs"
)

// Counts are the constraint counts of one compiled circuit: R1CS (Groth16)
// and SCS (PLONK, for reference).
type Counts struct {
	R1CS int
	SCS  int
}

// Measurement is what compiling a gadget at its two instance counts gave.
type Measurement struct {
	ID   string
	Reps [2]int
	At   [2]Counts
}

// Marginal is the cost of one more instance, the number the model uses.
func (m Measurement) Marginal() (r1cs, scs float64) {
	d := float64(m.Reps[1] - m.Reps[0])
	return float64(m.At[1].R1CS-m.At[0].R1CS) / d, float64(m.At[1].SCS-m.At[0].SCS) / d
}

// Compile compiles a circuit for BN254 and returns its constraint counts;
// withSCS also compiles it for PLONK.
func Compile(c frontend.Circuit, withSCS bool) (Counts, error) {
	var out Counts
	cs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, c)
	if err != nil {
		return out, fmt.Errorf("compile r1cs: %w", err)
	}
	out.R1CS = cs.GetNbConstraints()
	if withSCS {
		cs, err := frontend.Compile(ecc.BN254.ScalarField(), scs.NewBuilder, c)
		if err != nil {
			return out, fmt.Errorf("compile scs: %w", err)
		}
		out.SCS = cs.GetNbConstraints()
	}
	return out, nil
}

// Measure compiles the gadget at both instance counts.
func Measure(g Gadget, withSCS bool) (Measurement, error) {
	m := Measurement{ID: g.ID, Reps: g.Reps}
	for i, reps := range g.Reps {
		c, err := Compile(g.Circuit(reps), withSCS)
		if err != nil {
			return m, fmt.Errorf("gadget %s x%d: %w", g.ID, reps, err)
		}
		m.At[i] = c
	}
	return m, nil
}
