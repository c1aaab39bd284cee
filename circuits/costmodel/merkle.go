package costmodel

import (
	"fmt"
	"math/big"

	"github.com/consensys/gnark/frontend"
)

// TreeKind is a Merkle tree shape: the Poseidon2 width of its node hash and its
// arity. A node whose arity equals the width uses the width-to-1 compression
// (Compress at width 2); a node with fewer children than the width is
// "sponge-style": one permutation absorbs the children at rate width-1 with a
// constant capacity lane (w3a2, w4a2, w4a3).
type TreeKind struct {
	Width int
	Arity int
}

// TreeKinds are the tree shapes measured.
var TreeKinds = []TreeKind{{2, 2}, {3, 2}, {4, 2}, {3, 3}, {4, 3}, {4, 4}}

// String names the kind, e.g. "w4a4".
func (k TreeKind) String() string { return fmt.Sprintf("w%da%d", k.Width, k.Arity) }

// Levels is the number of levels a tree of this arity needs to hold 2^binDepth
// leaves: binDepth, ceil(binDepth/2), or the least L with 3^L >= 2^binDepth.
func (k TreeKind) Levels(binDepth int) int {
	switch k.Arity {
	case 2:
		return binDepth
	case 4:
		return (binDepth + 1) / 2
	case 3:
		need := new(big.Int).Lsh(big.NewInt(1), uint(binDepth))
		p, l := big.NewInt(1), 0
		for p.Cmp(need) < 0 {
			p.Mul(p, big.NewInt(3))
			l++
		}
		return l
	}
	panic(fmt.Sprintf("costmodel: arity %d", k.Arity))
}

const tagNode = 0x6e6f6465 // "node", the sponge-style binary node tag

// digits decomposes a leaf index into one digit per level, each digit given as
// its bits (1 bit for arity 2, 2 bits for arities 3 and 4), least significant
// level first, with every bit constrained boolean.
func digits(api frontend.API, k TreeKind, index frontend.Variable, levels int) [][]frontend.Variable {
	out := make([][]frontend.Variable, levels)
	switch k.Arity {
	case 2:
		bs := api.ToBinary(index, levels)
		for i := range out {
			out[i] = bs[i : i+1]
		}
	case 4:
		bs := api.ToBinary(index, 2*levels)
		for i := range out {
			out[i] = bs[2*i : 2*i+2]
		}
	case 3:
		bs, err := api.Compiler().NewHint(base3DigitsHint, 2*levels, index)
		if err != nil {
			panic(err)
		}
		var sum frontend.Variable = 0
		pow := big.NewInt(1)
		for i := range out {
			b0, b1 := bs[2*i], bs[2*i+1]
			api.AssertIsBoolean(b0)
			api.AssertIsBoolean(b1)
			api.AssertIsEqual(api.Mul(b0, b1), 0) // digit 3 is not a digit
			d := api.Add(b0, api.Mul(b1, 2))
			sum = api.Add(sum, api.Mul(d, new(big.Int).Set(pow)))
			pow.Mul(pow, big.NewInt(3))
			out[i] = []frontend.Variable{b0, b1}
		}
		api.AssertIsEqual(sum, index)
	}
	return out
}

// arrange places the current node among its siblings at the position the
// digit names, using the fact that the inputs are a permutation of
// (cur, sibs...) to get one input per level for free as a linear combination.
func arrange(api frontend.API, arity int, cur frontend.Variable, sibs, d []frontend.Variable) []frontend.Variable {
	switch arity {
	case 2:
		l := api.Add(cur, api.Mul(d[0], api.Sub(sibs[0], cur)))
		return []frontend.Variable{l, api.Sub(api.Add(cur, sibs[0]), l)}
	case 3:
		// position p = b0 + 2*b1: (c,s0,s1), (s0,c,s1), (s0,s1,c)
		is0 := api.Sub(1, api.Add(d[0], d[1]))
		in0 := api.Add(sibs[0], api.Mul(is0, api.Sub(cur, sibs[0])))
		in2 := api.Add(sibs[1], api.Mul(d[1], api.Sub(cur, sibs[1])))
		in1 := api.Sub(api.Add(cur, sibs[0], sibs[1]), in0, in2)
		return []frontend.Variable{in0, in1, in2}
	case 4:
		// (x0, x1) holds cur at position b0; the pair goes left or right by b1.
		x0 := api.Add(cur, api.Mul(d[0], api.Sub(sibs[0], cur)))
		x1 := api.Sub(api.Add(cur, sibs[0]), x0)
		in0 := api.Add(x0, api.Mul(d[1], api.Sub(sibs[1], x0)))
		in1 := api.Add(x1, api.Mul(d[1], api.Sub(sibs[2], x1)))
		in2 := api.Sub(api.Add(x0, sibs[1]), in0)
		in3 := api.Sub(api.Add(x1, sibs[2]), in1)
		return []frontend.Variable{in0, in1, in2, in3}
	}
	panic(fmt.Sprintf("costmodel: arity %d", arity))
}

// node hashes one level's inputs.
func node(h *hasher, k TreeKind, in []frontend.Variable) frontend.Variable {
	if k.Arity == k.Width {
		return h.compress(in...)
	}
	return h.hash(tagNode, in...)
}

// root climbs from leaf to the root along the given digits and siblings.
func root(h *hasher, k TreeKind, leaf frontend.Variable, ds [][]frontend.Variable, sibs [][]frontend.Variable) frontend.Variable {
	cur := leaf
	for i := range ds {
		cur = node(h, k, arrange(h.api, k.Arity, cur, sibs[i], ds[i]))
	}
	return cur
}

// pathVerify asserts that leaf sits at index under root.
func pathVerify(h *hasher, k TreeKind, leaf, index frontend.Variable, sibs [][]frontend.Variable, want frontend.Variable) {
	ds := digits(h.api, k, index, len(sibs))
	h.api.AssertIsEqual(root(h, k, leaf, ds, sibs), want)
}

// pathUpdate asserts that oldLeaf sits at index under oldRoot and returns the
// root after replacing it by newLeaf (same siblings, digits decomposed once).
func pathUpdate(h *hasher, k TreeKind, oldLeaf, newLeaf, index frontend.Variable, sibs [][]frontend.Variable, oldRoot frontend.Variable) frontend.Variable {
	ds := digits(h.api, k, index, len(sibs))
	h.api.AssertIsEqual(root(h, k, oldLeaf, ds, sibs), oldRoot)
	return root(h, k, newLeaf, ds, sibs)
}

// siblings allocates a levels x (arity-1) sibling array for a circuit shape.
func siblings(k TreeKind, levels int) [][]frontend.Variable {
	s := make([][]frontend.Variable, levels)
	for i := range s {
		s[i] = make([]frontend.Variable, k.Arity-1)
	}
	return s
}
