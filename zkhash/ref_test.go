package zkhash

import (
	"math/big"
)

// refModulus is r, the BN254 scalar field modulus, written out independently of
// gnark-crypto.
var refModulus, _ = new(big.Int).SetString(
	"21888242871839275222246405745257275088548364400416034343698204186575808495617", 10)

// refDiag is μ_i − 1 for the width-4 internal matrix M_I = J + diag(refDiag)
// (J all ones), copied from the published instance rather than from
// gnark-crypto: HorizenLabs poseidon2 plain_implementations
// poseidon2_instance_bn256.rs (MAT_DIAG4_M_1) and Aztec barretenberg
// crypto/poseidon2/poseidon2_params.hpp (internal_matrix_diagonal).
var refDiag = [4]string{
	"10dc6e9c006ea38b04b1e03b4bd9490c0d03f98929ca1d7fb56821fd19d3b6e7",
	"0c28145b6a44df3e0149b3d0a30b3bb599df9756d4dd9b84a86b38cfb45a740b",
	"00544b8338791518b2c7645a50392798b21f75bb60e3596170067d00141cac15",
	"222c01175718386f2e2e82eb122789e352e105a3b8fa852613bc534433ee428b",
}

// refM4 is the Poseidon2 external matrix for t = 4 (eprint 2023/323, §5.1,
// the matrix M4 of [DL18]).
var refM4 = [4][4]int64{
	{5, 7, 1, 3},
	{4, 6, 1, 1},
	{1, 3, 5, 7},
	{1, 1, 4, 6},
}

// grain is the Grain LFSR of the Poseidon papers (eprint 2019/458, appendix F;
// HorizenLabs poseidon2_rust_params.sage), which generates the round constants.
type grain struct{ bits []byte }

// newGrain seeds the 80-bit state with field = 1 (prime field, 2 bits), sbox = 0
// (x^α, 4 bits), n = 254 (12 bits), t (12 bits), R_F (10 bits), R_P (10 bits)
// and 30 one bits, then discards 160 output bits.
func newGrain(t, rf, rp int) *grain {
	g := &grain{}
	put := func(v, width int) {
		for i := width - 1; i >= 0; i-- {
			g.bits = append(g.bits, byte(v>>i)&1)
		}
	}
	put(1, 2)
	put(0, 4)
	put(254, 12)
	put(t, 12)
	put(rf, 10)
	put(rp, 10)
	put(1<<30-1, 30)
	for range 160 {
		g.step()
	}
	return g
}

func (g *grain) step() byte {
	b := g.bits
	nb := b[62] ^ b[51] ^ b[38] ^ b[23] ^ b[13] ^ b[0]
	g.bits = append(b[1:], nb)
	return nb
}

// bit is the self-shrinking output: bits come in pairs; a pair starting with 1
// outputs its second bit, a pair starting with 0 is discarded.
func (g *grain) bit() byte {
	for {
		first := g.step()
		second := g.step()
		if first == 1 {
			return second
		}
	}
}

// element draws 254 bits, most significant first, until the value is below r.
func (g *grain) element() *big.Int {
	for {
		v := new(big.Int)
		for range 254 {
			v.Lsh(v, 1)
			v.SetBit(v, 0, uint(g.bit()))
		}
		if v.Cmp(refModulus) < 0 {
			return v
		}
	}
}

// refRoundKeys derives the width-4 round keys with the Grain LFSR, in the
// Poseidon2 order of poseidon2_rust_params.sage: t constants for each of the
// RF/2 first full rounds, one for each of the RP partial rounds (added to lane
// 0), t for each of the RF/2 last full rounds. Partial rounds' rows are padded
// with zeros to width 4, as gnark-crypto stores them.
func refRoundKeys(rf, rp int) [][]*big.Int {
	g := newGrain(4, rf, rp)
	full := func() []*big.Int {
		return []*big.Int{g.element(), g.element(), g.element(), g.element()}
	}
	keys := make([][]*big.Int, 0, rf+rp)
	for range rf / 2 {
		keys = append(keys, full())
	}
	for range rp {
		keys = append(keys, []*big.Int{g.element(), new(big.Int), new(big.Int), new(big.Int)})
	}
	for range rf / 2 {
		keys = append(keys, full())
	}
	return keys
}

// refKeys8x56 is refRoundKeys(8, 56), computed once (the LFSR is slow).
var refKeys8x56 = refRoundKeys(8, 56)

// refPermute is a from-the-paper Poseidon2 permutation for width 4 over r, on
// math/big, sharing no code with gnark-crypto (eprint 2023/323, §5): S-box x^5;
// M_E = refM4 first, then RF/2 full rounds (add keys to all lanes, S-box all,
// M_E), RP partial rounds (add the key to lane 0, S-box lane 0, M_I), RF/2 full
// rounds; RF = 8, RP = 56.
func refPermute(in [4]*big.Int) [4]*big.Int {
	const rf, rp = 8, 56
	keys := refKeys8x56
	var s [4]*big.Int
	for i := range s {
		s[i] = new(big.Int).Mod(in[i], refModulus)
	}
	external := func() {
		var out [4]*big.Int
		for i := range 4 {
			out[i] = new(big.Int)
			for j := range 4 {
				out[i].Add(out[i], new(big.Int).Mul(big.NewInt(refM4[i][j]), s[j]))
			}
			out[i].Mod(out[i], refModulus)
		}
		s = out
	}
	internal := func() {
		sum := new(big.Int)
		for i := range 4 {
			sum.Add(sum, s[i])
		}
		for i := range 4 {
			d, _ := new(big.Int).SetString(refDiag[i], 16)
			s[i].Mul(s[i], d).Add(s[i], sum).Mod(s[i], refModulus)
		}
	}
	five := big.NewInt(5)
	sbox := func(i int) { s[i].Exp(s[i], five, refModulus) }
	full := func(r int) {
		for i := range 4 {
			s[i].Add(s[i], keys[r][i]).Mod(s[i], refModulus)
			sbox(i)
		}
		external()
	}
	external()
	for r := range rf / 2 {
		full(r)
	}
	for r := rf / 2; r < rf/2+rp; r++ {
		s[0].Add(s[0], keys[r][0]).Mod(s[0], refModulus)
		sbox(0)
		internal()
	}
	for r := rf/2 + rp; r < rf+rp; r++ {
		full(r)
	}
	return s
}

// refNode4 is rule Z-7 on the reference permutation: P(x)[3] + x[3].
func refNode4(x [4]*big.Int) *big.Int {
	out := refPermute(x)
	return out[3].Add(out[3], x[3]).Mod(out[3], refModulus)
}

// refHash is rule Z-8 on the reference permutation, written from the rule's
// text: IV = BE(tag) + n·2^184, absorb 3 at a time into lanes 1-3 (missing
// lanes of the last block stay as they are, i.e. add 0), permute after each
// block, one permutation for the empty list, output lane 1.
func refHash(tag string, xs []*big.Int) *big.Int {
	iv := new(big.Int).Lsh(big.NewInt(int64(len(xs))), 184)
	iv.Add(iv, new(big.Int).SetBytes([]byte(tag)))
	s := [4]*big.Int{iv, new(big.Int), new(big.Int), new(big.Int)}
	if len(xs) == 0 {
		return refPermute(s)[1]
	}
	for i := 0; i < len(xs); i += 3 {
		for j := 0; j < 3 && i+j < len(xs); j++ {
			s[1+j] = new(big.Int).Add(s[1+j], xs[i+j])
		}
		s = refPermute(s)
	}
	return s[1]
}
