package aichain

import (
	"maps"
	"slices"

	"github.com/bitai-l2/bitai/zkhash"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// maxDepth is the deepest tree of the layout.
const maxDepth = 32

// zeroHashes[h] is the root of an empty subtree of height h (rule L-2): an empty
// leaf is 0 and zeroHashes[h+1] = Node(zeroHashes[h], zeroHashes[h]).
var zeroHashes = func() [maxDepth + 1]fr.Element {
	var z [maxDepth + 1]fr.Element
	for h := range maxDepth {
		z[h+1] = zkhash.Node(z[h], z[h])
	}
	return z
}()

// EmptyRoot is the root of an empty tree of the given depth (≤ 32).
func EmptyRoot(depth int) fr.Element { return zeroHashes[depth] }

// tree is a fixed-depth sparse binary Merkle tree with zkhash.Node nodes (rule
// L-2). Only non-empty nodes are stored; a leaf's position is its index, bit h of
// the index choosing the right child at height h. Leaves are set in batches and
// the root is recomputed once per batch over the changed paths only.
type tree struct {
	depth int
	nodes []map[uint64]fr.Element // nodes[h][i]: node i at height h (0 = leaves)
}

func newTree(depth int) *tree {
	t := &tree{depth: depth, nodes: make([]map[uint64]fr.Element, depth+1)}
	for h := range t.nodes {
		t.nodes[h] = map[uint64]fr.Element{}
	}
	return t
}

func (t *tree) clone() *tree {
	c := &tree{depth: t.depth, nodes: make([]map[uint64]fr.Element, len(t.nodes))}
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

// update sets the leaves at idx (any order, duplicates allowed) to leaf(i) and
// recomputes their paths, level by level in ascending index order.
func (t *tree) update(idx []uint64, leaf func(uint64) fr.Element) {
	cur := slices.Clone(idx)
	slices.Sort(cur)
	cur = slices.Compact(cur)
	for _, i := range cur {
		t.put(0, i, leaf(i))
	}
	for h := 0; h < t.depth; h++ {
		next := cur[:0:0]
		for _, i := range cur {
			p := i >> 1
			if len(next) > 0 && next[len(next)-1] == p {
				continue
			}
			next = append(next, p)
			t.put(h+1, p, zkhash.Node(t.node(h, 2*p), t.node(h, 2*p+1)))
		}
		cur = next
	}
}

func (t *tree) root() fr.Element { return t.node(t.depth, 0) }

func (t *tree) leaf(i uint64) fr.Element { return t.node(0, i) }

// path returns the siblings of leaf i from the leaf level up (rule L-40).
func (t *tree) path(i uint64) []fr.Element {
	out := make([]fr.Element, t.depth)
	for h := range t.depth {
		out[h] = t.node(h, i^1)
		i >>= 1
	}
	return out
}

// RootFromPath recomputes a root from a leaf, its index and its siblings (leaf
// level first), as Exit verification does (rule L-40).
func RootFromPath(leaf fr.Element, index uint64, path []fr.Element) fr.Element {
	cur := leaf
	for _, s := range path {
		if index&1 == 0 {
			cur = zkhash.Node(cur, s)
		} else {
			cur = zkhash.Node(s, cur)
		}
		index >>= 1
	}
	return cur
}

// arrayRoot is the root of a miner array (rule L-5): leaf i = accountIndex + 1
// (a raw integer, 0 = empty), depth MinerDepth.
func arrayRoot(members []uint32) fr.Element {
	t := newTree(MinerDepth)
	idx := make([]uint64, len(members))
	for i := range members {
		idx[i] = uint64(i)
	}
	t.update(idx, func(i uint64) fr.Element { return zkhash.FromUint64(uint64(members[i]) + 1) })
	return t.root()
}
