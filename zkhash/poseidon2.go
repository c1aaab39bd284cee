package zkhash

import (
	"encoding/binary"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/poseidon2"
)

// Poseidon2 parameters (rule Z-6). They are set explicitly: gnark-crypto's and
// gnark's defaults for BN254 are width 2, RF = 6, RP = 50, which BitAI does not
// use.
const (
	// Width is the permutation's state size in field elements.
	Width = 4
	// FullRounds is RF, the number of full rounds (half before, half after the
	// partial rounds).
	FullRounds = 8
	// PartialRounds is RP, the number of partial rounds.
	PartialRounds = 56
	// Rate is how many list elements one permutation of Hash absorbs (lanes 1
	// to 3; lane 0 is the capacity lane).
	Rate = Width - 1
)

// perm is read-only after init; Permutation only mutates the slice it is given,
// so it is safe for concurrent use.
var perm = poseidon2.NewPermutation(Width, FullRounds, PartialRounds)

// Permute applies the Poseidon2 permutation to a state and returns the new state
// (rule Z-6). The round keys and the internal matrix diagonal are gnark-crypto's
// built-in constants for width 4, the HorizenLabs/barretenberg instance.
func Permute(s [Width]fr.Element) [Width]fr.Element {
	// Permutation fails only for a slice of the wrong width.
	if err := perm.Permutation(s[:]); err != nil {
		panic("zkhash: " + err.Error())
	}
	return s
}

// Node4 is the 4-ary tree node (rule Z-7): the last lane of the permuted
// children plus the last child (feed-forward), children in index order,
//
//	Node4(c0, c1, c2, c3) = P(c0, c1, c2, c3)[3] + c3
//
// It is not domain separated from Hash; trees have a fixed depth and their
// leaves are tagged Hash outputs, so a node is never read as a leaf or a list.
func Node4(c0, c1, c2, c3 fr.Element) fr.Element {
	out := Permute([Width]fr.Element{c0, c1, c2, c3})
	out[3].Add(&out[3], &c3)
	return out[3]
}

// IV is the initial capacity lane of Hash for a tag and a list length (rule
// Z-8): IV = tag + n·2^184, where tag is TagElement(tag), i.e. the 32 bytes
// 0x00 ‖ BE64(n) ‖ tag right-aligned in 23 bytes, read big-endian. Tags are
// below 2^184 (rule Z-5) and lengths below 2^64, so IV < 2^248 < r and distinct
// (tag, n) give distinct IVs. Circuits use it as a constant. tag must satisfy
// rule Z-5; tags are constants, so a bad one panics.
func IV(tag string, n int) fr.Element {
	mustTag(tag)
	var b [32]byte
	binary.BigEndian.PutUint64(b[1:9], uint64(n))
	copy(b[32-len(tag):], tag)
	var iv fr.Element
	iv.SetBytes(b[:])
	return iv
}

// Hash is the domain-tagged, length-prefixed sponge hash of a list (rule Z-8):
// the state starts as (IV(tag, n), 0, 0, 0) with n = len(xs); the list is
// absorbed 3 elements at a time, each block added into lanes 1, 2, 3 and
// followed by one permutation (a short last block leaves the missing lanes as
// they are, i.e. adds 0); the hash is lane 1. The empty list permutes once:
// Hash(tag) = P(IV(tag, 0), 0, 0, 0)[1]. A list of n elements costs
// max(1, ⌈n/3⌉) permutations.
func Hash(tag string, xs ...fr.Element) fr.Element {
	st := [Width]fr.Element{IV(tag, len(xs))}
	if len(xs) == 0 {
		return Permute(st)[1]
	}
	for i := 0; i < len(xs); i += Rate {
		for j := 0; j < Rate && i+j < len(xs); j++ {
			st[1+j].Add(&st[1+j], &xs[i+j])
		}
		st = Permute(st)
	}
	return st[1]
}

// HashBytes hashes a byte string under a tag (rule Z-8): Hash(tag, Bytes(b)...).
func HashBytes(tag string, b []byte) fr.Element {
	return Hash(tag, Bytes(b)...)
}
