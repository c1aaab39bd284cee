package zkhash

import (
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/poseidon2"
)

// Poseidon2 parameters (rule Z-6). They are set explicitly: gnark-crypto's and
// gnark's defaults for BN254 are RF = 6, RP = 50, which BitAI does not use.
const (
	// Width is the permutation's state size in field elements.
	Width = 2
	// FullRounds is RF, the number of full rounds (half before, half after the
	// partial rounds).
	FullRounds = 8
	// PartialRounds is RP, the number of partial rounds.
	PartialRounds = 56
)

// perm is read-only after init; Permutation only mutates the slice it is given,
// so it is safe for concurrent use.
var perm = poseidon2.NewPermutation(Width, FullRounds, PartialRounds)

// Permute applies the Poseidon2 permutation to the state (a, b) and returns the
// new state (rule Z-6). Round keys are gnark-crypto's for these parameters:
// derived from the seed "Poseidon2-BN254[t=2,rF=8,rP=56,d=5]" by a Keccak-256
// chain.
func Permute(a, b fr.Element) (fr.Element, fr.Element) {
	st := [Width]fr.Element{a, b}
	// Permutation fails only for a slice of the wrong width.
	if err := perm.Permutation(st[:]); err != nil {
		panic("zkhash: " + err.Error())
	}
	return st[0], st[1]
}

// Compress is gnark-crypto's Poseidon2 2-to-1 compression (rule Z-7): the right
// lane of the permuted state plus the right input (feed-forward),
//
//	Compress(a, b) = P(a, b)[1] + b
//
// exactly what poseidon2.Permutation.Compress computes natively and what gnark's
// std/permutation/poseidon2 Permutation.Compress computes in-circuit.
func Compress(a, b fr.Element) fr.Element {
	_, r := Permute(a, b)
	r.Add(&r, &b)
	return r
}

// Node is the tree-node compression: Node(l, r) = Compress(l, r) (rule Z-9). It is
// not domain separated from the steps of Hash; trees have a fixed depth and their
// leaves are tagged Hash outputs, so a node is never read as a leaf or a list.
func Node(l, r fr.Element) fr.Element { return Compress(l, r) }

// Hash is the domain-tagged, length-prefixed hash of a list (rule Z-8):
//
//	s_0 = Compress(tag, n),  s_i = Compress(s_{i-1}, x_i),  Hash = s_n
//
// where tag is TagElement(tag) and n = len(xs). tag must satisfy rule Z-5; tags
// are constants, so a bad one panics.
func Hash(tag string, xs ...fr.Element) fr.Element {
	s := Compress(mustTag(tag), FromUint64(uint64(len(xs))))
	for i := range xs {
		s = Compress(s, xs[i])
	}
	return s
}

// HashBytes hashes a byte string under a tag (rule Z-8): Hash(tag, Bytes(b)...).
func HashBytes(tag string, b []byte) fr.Element {
	return Hash(tag, Bytes(b)...)
}
