package aichain

import (
	"math/big"
	"slices"
	"sort"

	"github.com/bitai-l2/bitai/zkhash"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// noEpoch is returned by requestEpoch for requests confirmed in epoch 0, which
// have no previous epoch and so no miner set (rule L-12).
const noEpoch = ^uint32(0)

// requestEpoch is the epoch whose miner set a request confirmed at height c uses
// (rule L-12): ⌊c / epochBlocks⌋ − 1.
func (c *Chain) requestEpoch(confirm uint32) uint32 {
	e := confirm / c.cfg.Params.EpochBlocks
	if e == 0 {
		return noEpoch
	}
	return e - 1
}

// setAt returns the members of the last epoch leaf with fromEpoch ≤ epoch (nil
// for noEpoch).
func (s *state) setAt(epoch uint32) []uint32 {
	if epoch == noEpoch {
		return nil
	}
	i := sort.Search(len(s.epochs), func(i int) bool { return s.epochs[i].leaf.FromEpoch > epoch })
	if i == 0 {
		return nil
	}
	return s.epochs[i-1].members
}

// epochBoundary is the first step of every batch (rule L-11). With ε_prev the
// l1 epoch ⌊lastL1Height / epochBlocks⌋ of the previous batch and ε that of this
// batch: if ε > ε_prev and the live array differs from the last epoch leaf's
// (root or size), append the leaf (ε_prev + 1, root(live), len(live)).
//
// The leaf holds the live array as the previous batch left it, so the set in
// force at any epoch e is the array at the end of the last batch with
// l1Height < e·epochBlocks: the batch's own ops (and the sequencer's choice of
// l1Height within ε) cannot change it.
func (c *Chain) epochBoundary(l1Height uint32) *Record {
	s := c.st
	eb := c.cfg.Params.EpochBlocks
	prev, cur := s.lastL1/eb, l1Height/eb
	if cur <= prev {
		return nil
	}
	if slices.Equal(s.live, s.epochs[len(s.epochs)-1].members) {
		return nil
	}
	s.flushLive()
	size := uint32(len(s.live))
	leaf := EpochLeaf{FromEpoch: prev + 1, ArrayRoot: s.liveTree.root(), Size: size}
	s.appendEpoch(epochEntry{leaf: leaf, members: slices.Clone(s.live)})
	return &Record{Source: SourceBatch, Reason: ReasonEpochLeaf, Index: uint64(leaf.FromEpoch),
		Amount: uint64(size)}
}

// Seed is a request's assignment seed (rule L-13):
//
//	Hash("bitai/l2/seed"; blockHash.hi, blockHash.lo, requestID)
//
// with the confirm block's hash in internal byte order (rule Z-2).
func Seed(blockHash, requestID [32]byte) fr.Element {
	hi, lo := zkhash.Limbs(blockHash)
	return zkhash.Hash(TagSeed, hi, lo, idElem(requestID))
}

// Draw picks 3 distinct positions of the set from the seed (rule L-13) and
// returns the members there, or ok = false if the set has fewer than 3 members.
// With x the seed as an integer and n = len(set):
//
//	p0 = x mod n;        x1 = x div n
//	p1 = x1 mod (n−1);   x2 = x1 div (n−1)
//	p2 = x2 mod (n−2)
//
// then p1 is shifted past p0 (p1 += 1 if p1 ≥ p0), and p2 past the two earlier
// picks in ascending order (p2 += 1 if p2 ≥ lo, then p2 += 1 if p2 ≥ hi).
func Draw(seed fr.Element, set []uint32) ([Assignees]uint32, bool) {
	var out [Assignees]uint32
	n := len(set)
	if n < Assignees {
		return out, false
	}
	var x big.Int
	seed.BigInt(&x)
	var pos [Assignees]uint64
	var q, m big.Int
	for i := range Assignees {
		q.DivMod(&x, big.NewInt(int64(n-i)), &m)
		pos[i] = m.Uint64()
		x.Set(&q)
	}
	if pos[1] >= pos[0] {
		pos[1]++
	}
	lo, hi := min(pos[0], pos[1]), max(pos[0], pos[1])
	if pos[2] >= lo {
		pos[2]++
	}
	if pos[2] >= hi {
		pos[2]++
	}
	for i := range Assignees {
		out[i] = set[pos[i]]
	}
	return out, true
}
