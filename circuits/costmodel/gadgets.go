package costmodel

import (
	"fmt"
	"math/big"

	"github.com/consensys/gnark/constraint/solver"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/permutation/poseidon2"
)

// Poseidon2 round numbers used for every width measured here (RF full rounds,
// RP partial rounds). Width 4 is zkhash's pinned instance (width 2 was, before
// this model's recommendation), the HorizenLabs instance that gnark-crypto
// v0.21.0 ships constants for (it
// panics on any other round numbers at t = 4); width 3 is the HorizenLabs
// reference round count for BN254 at t = 3, with gnark-crypto's seed-derived
// round keys (gnark-crypto has no published t = 3 constants).
const (
	fullRounds    = 8
	partialRounds = 56
)

func init() {
	solver.RegisterHint(base3DigitsHint, divModHint)
}

// hasher is an in-circuit Poseidon2 construction at one width:
//
//   - width 2: zkhash's former tagged list hash, s_0 = Compress(tag, n),
//     s_i = Compress(s_{i-1}, x_i); the first step has constant inputs and
//     costs nothing in-circuit, so a list of n variables costs n permutations;
//   - width t >= 3: a sponge of rate t-1 whose capacity lane (lane 0) starts
//     at the constant tagIV(tag, n); blocks of t-1 elements are added into
//     lanes 1..t-1, the last block zero-padded, with a permutation after each
//     block; the hash is lane 1 (the empty list: lane 1 of P(IV, 0, ..., 0)).
//     A list of n variables costs ceil(n / (t-1)) permutations.
//
// compress is the t-to-1 compression P(x)[t-1] + x[t-1] (for t = 2 gnark's
// Compress, for t = 4 zkhash's Node4).
type hasher struct {
	api   frontend.API
	perm  *poseidon2.Permutation
	width int
}

func newHasher(api frontend.API, width int) (*hasher, error) {
	return newHasherRounds(api, width, fullRounds, partialRounds)
}

func newHasherRounds(api frontend.API, width, rf, rp int) (*hasher, error) {
	p, err := poseidon2.NewPoseidon2FromParameters(api, width, rf, rp)
	if err != nil {
		return nil, fmt.Errorf("poseidon2 width %d: %w", width, err)
	}
	return &hasher{api: api, perm: p, width: width}, nil
}

// permute returns the permutation of in (len(in) == width), leaving in unchanged.
func (h *hasher) permute(in []frontend.Variable) []frontend.Variable {
	st := append([]frontend.Variable(nil), in...)
	if err := h.perm.Permutation(st); err != nil {
		panic(err) // only for a wrong width, a programming error
	}
	return st
}

// compress is the width-to-1 compression P(x)[t-1] + x[t-1].
func (h *hasher) compress(xs ...frontend.Variable) frontend.Variable {
	out := h.permute(xs)
	return h.api.Add(out[h.width-1], xs[h.width-1])
}

// rate is how many list elements one permutation absorbs.
func (h *hasher) rate() int {
	if h.width == 2 {
		return 1
	}
	return h.width - 1
}

// tagIV is the constant that starts a list hash: the tag's integer value with
// the list length above bit 184, zkhash.IV (rule Z-8: tags are at most 23
// bytes, so the IV stays below 2^248 < r and is distinct per (tag, n)). At
// width 4 the hash is zkhash.Hash (TestWidth4IsZkhash).
func tagIV(tag uint64, n int) *big.Int {
	iv := new(big.Int).Lsh(big.NewInt(int64(n)), 184)
	return iv.Add(iv, new(big.Int).SetUint64(tag))
}

// hash is the tagged, length-prefixed hash of a list (see hasher).
func (h *hasher) hash(tag uint64, xs ...frontend.Variable) frontend.Variable {
	if h.width == 2 {
		s := h.compress(tag, len(xs)) // constant: folded by the compiler
		for _, x := range xs {
			s = h.compress(s, x)
		}
		return s
	}
	st := make([]frontend.Variable, h.width)
	st[0] = tagIV(tag, len(xs))
	for i := 1; i < h.width; i++ {
		st[i] = 0
	}
	if len(xs) == 0 {
		return h.permute(st)[1]
	}
	r := h.rate()
	for i := 0; i < len(xs); i += r {
		for j := 0; j < r && i+j < len(xs); j++ {
			st[1+j] = h.api.Add(st[1+j], xs[i+j])
		}
		st = h.permute(st)
	}
	return st[1]
}

// fieldHasher adapts hasher.hash to gnark's hash.FieldHasher (for eddsa).
type fieldHasher struct {
	h   *hasher
	tag uint64
	buf []frontend.Variable
}

func (f *fieldHasher) Write(xs ...frontend.Variable) { f.buf = append(f.buf, xs...) }
func (f *fieldHasher) Sum() frontend.Variable        { return f.h.hash(f.tag, f.buf...) }
func (f *fieldHasher) Reset()                        { f.buf = f.buf[:0] }

// divModHint returns (q, r) with x = q*d + r, 0 <= r < d, for inputs (x, d).
func divModHint(_ *big.Int, in, out []*big.Int) error {
	if len(in) != 2 || len(out) != 2 {
		return fmt.Errorf("divmod hint: want 2 inputs and 2 outputs, have %d, %d", len(in), len(out))
	}
	if in[1].Sign() == 0 {
		return fmt.Errorf("divmod hint: division by zero")
	}
	out[0].DivMod(in[0], in[1], out[1])
	return nil
}

// base3DigitsHint writes the base-3 digits of in[0], least significant first,
// as pairs of bits (b0, b1) with digit = b0 + 2*b1 and never b0 = b1 = 1.
func base3DigitsHint(_ *big.Int, in, out []*big.Int) error {
	if len(in) != 1 || len(out)%2 != 0 {
		return fmt.Errorf("base3 hint: want 1 input and an even number of outputs")
	}
	v := new(big.Int).Set(in[0])
	three, d := big.NewInt(3), new(big.Int)
	for i := 0; i < len(out); i += 2 {
		v.DivMod(v, three, d)
		out[i].SetUint64(d.Uint64() & 1)
		out[i+1].SetUint64(d.Uint64() >> 1)
	}
	if v.Sign() != 0 {
		return fmt.Errorf("base3 hint: %s has more than %d digits", in[0], len(out)/2)
	}
	return nil
}
