package costmodel

import (
	"fmt"

	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/math/bits"
	"github.com/consensys/gnark/std/math/cmp"
	"github.com/consensys/gnark/std/rangecheck"
	"github.com/consensys/gnark/std/selector"
)

// lookupReps amortises the lookup table of std/rangecheck: its marginal cost
// per check only shows over many checks.
var lookupReps = [2]int{64, 128}

func arithGadgets() []Gadget {
	simple := func(id, desc string, inputs int, f func(api frontend.API, in []frontend.Variable) frontend.Variable) Gadget {
		return Gadget{ID: id, Desc: desc, Inputs: inputs, Reps: defaultReps,
			build: func(api frontend.API) (body, error) {
				return func(in []frontend.Variable) (frontend.Variable, error) { return f(api, in), nil }, nil
			}}
	}
	lookup := func(id, desc string, inputs, nbBits int) Gadget {
		return Gadget{ID: id, Desc: desc, Inputs: inputs, Reps: lookupReps,
			build: func(api frontend.API) (body, error) {
				rc := rangecheck.New(api)
				return func(in []frontend.Variable) (frontend.Variable, error) {
					for _, x := range in {
						rc.Check(x, nbBits)
					}
					return nil, nil
				}, nil
			}}
	}
	return []Gadget{
		simple("range.bits64", "x < 2^64 by binary decomposition (64 booleans)", 1,
			func(api frontend.API, in []frontend.Variable) frontend.Variable {
				bits.ToBinary(api, in[0], bits.WithNbDigits(64))
				return nil
			}),
		lookup("range.lookup64", "x < 2^64 by std/rangecheck (log-derivative lookup, adds a BSB22 commitment)", 1, 64),
		simple("cmp.lt64.assert", "assert a < b for 64-bit a, b (bounded comparator)", 2,
			func(api frontend.API, in []frontend.Variable) frontend.Variable {
				cmp.NewBoundedComparator(api, pow2(64), false).AssertIsLess(in[0], in[1])
				return nil
			}),
		Gadget{ID: "cmp.lt64.lookup", Desc: "assert a < b for 64-bit a, b by std/rangecheck on b - a - 1",
			Inputs: 2, Reps: lookupReps,
			build: func(api frontend.API) (body, error) {
				rc := rangecheck.New(api)
				return func(in []frontend.Variable) (frontend.Variable, error) {
					rc.Check(api.Sub(in[1], in[0], 1), 64)
					return nil, nil
				}, nil
			}},
		simple("cmp.lt64.bool", "a < b as a boolean for 64-bit a, b (bounded comparator)", 2,
			func(api frontend.API, in []frontend.Variable) frontend.Variable {
				return cmp.NewBoundedComparator(api, pow2(64), false).IsLess(in[0], in[1])
			}),
		simple("cmp.lt.full", "a < b as a boolean for any field elements (std/math/cmp, reference only)", 2,
			func(api frontend.API, in []frontend.Variable) frontend.Variable {
				return cmp.IsLess(api, in[0], in[1])
			}),
		simple("bits.canon254", "canonical 254-bit decomposition of a field element (strict, < p)", 1,
			func(api frontend.API, in []frontend.Variable) frontend.Variable {
				return bits.ToBinary(api, in[0])[0]
			}),
		Gadget{ID: "divmod.64by32", Desc: "x = q*d + r by hint, q < 2^64, r < d < 2^32 (range and no-wrap checks)",
			Inputs: 2, Reps: defaultReps,
			build: func(api frontend.API) (body, error) {
				return func(in []frontend.Variable) (frontend.Variable, error) {
					_, r, err := divMod(api, in[0], in[1], 64, 32)
					return r, err
				}, nil
			}},
		Gadget{ID: "draw3", Desc: "3 draws without replacement from a seed: canonical seed bits, low 64 bits mod n, n-1, n-2, each shifted past earlier picks",
			Inputs: 2, Reps: defaultReps, build: buildDraw3},
		simple("pack31.bits", "31 bytes -> one field element, each byte range-checked by 8 booleans", 31,
			func(api frontend.API, in []frontend.Variable) frontend.Variable {
				var chunk frontend.Variable = 0
				for _, b := range in {
					bits.ToBinary(api, b, bits.WithNbDigits(8))
					chunk = api.Add(api.Mul(chunk, 256), b)
				}
				return chunk
			}),
		lookup("pack31.lookup", "31 bytes -> one field element, each byte range-checked by std/rangecheck", 31, 8),
	}
}

// buildDraw3 is the assignment draw of DESIGN §4.1: 3 picks without
// replacement among n miners from one seed.
func buildDraw3(api frontend.API) (body, error) {
	cmp32 := cmp.NewBoundedComparator(api, pow2(32), false)
	return func(in []frontend.Variable) (frontend.Variable, error) {
		seed, n := in[0], in[1]
		sb := bits.ToBinary(api, seed) // canonical: a non-canonical split would let the prover pick
		var lo frontend.Variable = 0
		for i := 63; i >= 0; i-- {
			lo = api.Add(api.Mul(lo, 2), sb[i])
		}
		var r [3]frontend.Variable
		for i := range r {
			var err error
			_, r[i], err = divMod(api, lo, api.Sub(n, i), 64, 32)
			if err != nil {
				return nil, fmt.Errorf("draw %d: %w", i, err)
			}
		}
		p0 := r[0]
		p1 := api.Add(r[1], cmp32.IsLessEq(p0, r[1]))
		lt := cmp32.IsLess(p0, p1)
		a, b := api.Select(lt, p0, p1), api.Select(lt, p1, p0)
		p2 := api.Add(r[2], cmp32.IsLessEq(a, r[2]))
		p2 = api.Add(p2, cmp32.IsLessEq(b, p2))
		return api.Add(p0, p1, p2), nil
	}, nil
}

// SelectSizes are the table sizes the selector gadgets are measured at; the
// model interpolates linearly between them for other sizes.
var SelectSizes = []int{4, 16, 64}

func selectGadgets() []Gadget {
	var gs []Gadget
	for _, n := range SelectSizes {
		gs = append(gs, Gadget{ID: fmt.Sprintf("mux.%d", n), Desc: fmt.Sprintf("select 1 of %d values by an index (std/selector.Mux)", n),
			Inputs: 1 + n, Reps: defaultReps,
			build: func(api frontend.API) (body, error) {
				return func(in []frontend.Variable) (frontend.Variable, error) {
					return selector.Mux(api, in[0], in[1:]...), nil
				}, nil
			}})
	}
	for _, n := range SelectSizes[1:] {
		gs = append(gs, Gadget{ID: fmt.Sprintf("table.write.%d", n), Desc: fmt.Sprintf("write one value into a %d-entry table at an index (decoder + %d selects)", n, n),
			Inputs: 2 + n, Reps: defaultReps,
			build: func(api frontend.API) (body, error) {
				return func(in []frontend.Variable) (frontend.Variable, error) {
					dec := selector.Decoder(api, n, in[0])
					var sum frontend.Variable = 0
					for i, old := range in[2:] {
						sum = api.Add(sum, api.Add(old, api.Mul(dec[i], api.Sub(in[1], old))))
					}
					return sum, nil
				}, nil
			}})
	}
	gs = append(gs,
		Gadget{ID: "maj3", Desc: "2-of-3 majority of three digests: (has majority, majority digest)",
			Inputs: 3, Reps: defaultReps,
			build: func(api frontend.API) (body, error) {
				return func(in []frontend.Variable) (frontend.Variable, error) {
					e01 := api.IsZero(api.Sub(in[0], in[1]))
					e02 := api.IsZero(api.Sub(in[0], in[2]))
					e12 := api.IsZero(api.Sub(in[1], in[2]))
					has := api.Or(api.Or(e01, e02), e12)
					return api.Add(has, api.Select(e12, in[1], in[0])), nil
				}, nil
			}},
		Gadget{ID: "iszero", Desc: "x == 0 as a boolean", Inputs: 1, Reps: defaultReps,
			build: func(api frontend.API) (body, error) {
				return func(in []frontend.Variable) (frontend.Variable, error) { return api.IsZero(in[0]), nil }, nil
			}},
	)
	return gs
}
