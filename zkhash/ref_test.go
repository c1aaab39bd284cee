package zkhash

import (
	"math/big"

	"golang.org/x/crypto/sha3"
)

// refModulus is r, the BN254 scalar field modulus, written out independently of
// gnark-crypto.
var refModulus, _ = new(big.Int).SetString(
	"21888242871839275222246405745257275088548364400416034343698204186575808495617", 10)

// refRoundKeys derives the round keys the way gnark-crypto documents it for widths
// without published constants: seed "Poseidon2-BN254[t=2,rF=8,rP=56,d=5]",
// rnd_0 = Keccak256(seed), rnd_{k+1} = Keccak256(rnd_k), key_k = rnd_{k+1} mod r,
// taken in order: RF/2 full rounds (2 keys each), RP partial rounds (1 key
// each), RF/2 full rounds (2 keys each).
func refRoundKeys(rf, rp int) [][]*big.Int {
	seed := "Poseidon2-BN254[t=2,rF=8,rP=56,d=5]"
	if rf != 8 || rp != 56 {
		panic("refRoundKeys: only 8/56")
	}
	rnd := keccak(keccak([]byte(seed)))
	next := func() *big.Int {
		k := new(big.Int).SetBytes(rnd)
		rnd = keccak(rnd)
		return k.Mod(k, refModulus)
	}
	keys := make([][]*big.Int, 0, rf+rp)
	for range rf / 2 {
		keys = append(keys, []*big.Int{next(), next()})
	}
	for range rp {
		keys = append(keys, []*big.Int{next()})
	}
	for range rf / 2 {
		keys = append(keys, []*big.Int{next(), next()})
	}
	return keys
}

func keccak(b []byte) []byte {
	h := sha3.NewLegacyKeccak256()
	h.Write(b)
	return h.Sum(nil)
}

// refPermute is a from-the-paper Poseidon2 permutation for width 2 over r, on
// math/big, sharing no code with gnark-crypto (eprint 2023/323, §5 and page 15):
// external matrix M_E = [[2,1],[1,2]], internal matrix M_I = [[2,1],[1,3]],
// S-box x^5; M_E first, then RF/2 full rounds (add keys, S-box both, M_E), RP
// partial rounds (add key to lane 0, S-box lane 0, M_I), RF/2 full rounds.
func refPermute(a, b *big.Int) (*big.Int, *big.Int) {
	const rf, rp = 8, 56
	keys := refRoundKeys(rf, rp)
	s := [2]*big.Int{new(big.Int).Set(a), new(big.Int).Set(b)}
	mod := func(x *big.Int) *big.Int { return x.Mod(x, refModulus) }
	mat := func(c00, c01, c10, c11 int64) {
		x0 := new(big.Int).Mul(big.NewInt(c00), s[0])
		x0.Add(x0, new(big.Int).Mul(big.NewInt(c01), s[1]))
		x1 := new(big.Int).Mul(big.NewInt(c10), s[0])
		x1.Add(x1, new(big.Int).Mul(big.NewInt(c11), s[1]))
		s[0], s[1] = mod(x0), mod(x1)
	}
	five := big.NewInt(5)
	sbox := func(i int) { s[i].Exp(s[i], five, refModulus) }
	full := func(r int) {
		for i := range 2 {
			mod(s[i].Add(s[i], keys[r][i]))
			sbox(i)
		}
		mat(2, 1, 1, 2)
	}
	mat(2, 1, 1, 2)
	for r := range rf / 2 {
		full(r)
	}
	for r := rf / 2; r < rf/2+rp; r++ {
		mod(s[0].Add(s[0], keys[r][0]))
		sbox(0)
		mat(2, 1, 1, 3)
	}
	for r := rf/2 + rp; r < rf+rp; r++ {
		full(r)
	}
	return s[0], s[1]
}
