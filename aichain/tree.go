package aichain

import (
	"maps"
	"slices"

	"github.com/bitai-l2/bitai/zkhash"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// Arity is the number of children of a tree node (rule L-6).
const Arity = 4

// Siblings is the number of siblings a path holds per level (rule L-6).
const Siblings = Arity - 1

// maxLevels is the tallest tree of the layout.
const maxLevels = AccountLevels

// zeroHashes[h] is the root of an empty subtree of height h (rule L-6): an empty
// leaf is 0 and zeroHashes[h+1] = Node4(zeroHashes[h], ×4).
var zeroHashes = func() [maxLevels + 1]fr.Element {
	var z [maxLevels + 1]fr.Element
	for h := range maxLevels {
		z[h+1] = zkhash.Node4(z[h], z[h], z[h], z[h])
	}
	return z
}()

// EmptyRoot is the root of an empty tree with the given number of levels (≤ 16).
func EmptyRoot(levels int) fr.Element { return zeroHashes[levels] }

// tree is a fixed-height sparse 4-ary Merkle tree with zkhash.Node4 nodes (rule
// L-6). Only non-empty nodes are stored; a leaf's position is its index, base-4
// digit h of the index (bits 2h and 2h+1) choosing the child at height h. Leaves
// are set in batches and the root is recomputed once per batch over the changed
// paths only.
type tree struct {
	levels int
	nodes  []map[uint64]fr.Element // nodes[h][i]: node i at height h (0 = leaves)
}

func newTree(levels int) *tree {
	t := &tree{levels: levels, nodes: make([]map[uint64]fr.Element, levels+1)}
	for h := range t.nodes {
		t.nodes[h] = map[uint64]fr.Element{}
	}
	return t
}

func (t *tree) clone() *tree {
	c := &tree{levels: t.levels, nodes: make([]map[uint64]fr.Element, len(t.nodes))}
	for h, m := range t.nodes {
		c.nodes[h] = maps.Clone(m)
	}
	return c
}

func (t *tree) node(h int, i uint64) fr.Element {
	if v, ok := t.nodes[h][i]; ok {
		return v
	}
	return zeroHashes[h]
}

func (t *tree) put(h int, i uint64, v fr.Element) {
	if v.Equal(&zeroHashes[h]) {
		delete(t.nodes[h], i)
		return
	}
	t.nodes[h][i] = v
}

// parent recomputes node p at height h+1 from its four children.
func (t *tree) parent(h int, p uint64) fr.Element {
	c := 4 * p
	return zkhash.Node4(t.node(h, c), t.node(h, c+1), t.node(h, c+2), t.node(h, c+3))
}

// update sets the leaves at idx (any order, duplicates allowed) to leaf(i) and
// recomputes their paths, level by level in ascending index order.
func (t *tree) update(idx []uint64, leaf func(uint64) fr.Element) {
	cur := slices.Clone(idx)
	slices.Sort(cur)
	cur = slices.Compact(cur)
	for _, i := range cur {
		t.put(0, i, leaf(i))
	}
	for h := 0; h < t.levels; h++ {
		next := cur[:0:0]
		for _, i := range cur {
			p := i / Arity
			if len(next) > 0 && next[len(next)-1] == p {
				continue
			}
			next = append(next, p)
			t.put(h+1, p, t.parent(h, p))
		}
		cur = next
	}
}

func (t *tree) root() fr.Element { return t.node(t.levels, 0) }

func (t *tree) leaf(i uint64) fr.Element { return t.node(0, i) }

// path returns the siblings of leaf i (rule L-40): 3 per level, leaf level
// first, each level's siblings in ascending child index (the node's own
// position left out).
func (t *tree) path(i uint64) []fr.Element {
	out := make([]fr.Element, 0, Siblings*t.levels)
	for h := range t.levels {
		first := i &^ (Arity - 1)
		for c := first; c < first+Arity; c++ {
			if c != i {
				out = append(out, t.node(h, c))
			}
		}
		i /= Arity
	}
	return out
}

// RootFromPath recomputes a root from a leaf, its index and its siblings (3 per
// level, leaf level first, in path's order), as Exit verification does (rule
// L-40). len(path) must be a multiple of 3; index digits above the path's
// levels are ignored.
func RootFromPath(leaf fr.Element, index uint64, path []fr.Element) fr.Element {
	cur := leaf
	for len(path) >= Siblings {
		pos := int(index % Arity)
		var c [Arity]fr.Element
		k := 0
		for j := range Arity {
			if j == pos {
				c[j] = cur
				continue
			}
			c[j] = path[k]
			k++
		}
		cur = zkhash.Node4(c[0], c[1], c[2], c[3])
		path = path[Siblings:]
		index /= Arity
	}
	return cur
}

// arrayRoot is the root of a miner array (rule L-5): leaf i = accountIndex + 1
// (a raw integer, 0 = empty), MinerLevels levels.
func arrayRoot(members []uint32) fr.Element {
	t := newTree(MinerLevels)
	idx := make([]uint64, len(members))
	for i := range members {
		idx[i] = uint64(i)
	}
	t.update(idx, func(i uint64) fr.Element { return zkhash.FromUint64(uint64(members[i]) + 1) })
	return t.root()
}
