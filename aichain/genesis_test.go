package aichain

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/zkhash"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/stretchr/testify/require"
)

// genesisVector is testdata/genesis.json: GenesisRoot's known answer (rule L-8).
type genesisVector struct {
	Params    string `json:"params"`    // params v1 record data, hex
	CircuitID string `json:"circuitID"` // hex
	Treasury  string `json:"treasury"`  // hex (also inside params)
	Root      string `json:"root"`      // 0x-prefixed big-endian field element
}

// kat inputs: DefaultParams with the treasury key derived from seed {1}.
func katInputs(t *testing.T) (bitai.ChainParams, [32]byte) {
	k, err := NewKey([32]byte{1})
	require.NoError(t, err)
	p := DefaultParams()
	p.Treasury = PublicKey(k)
	var c [32]byte
	for i := 1; i < 32; i++ {
		c[i] = byte(0xc0 + i)
	}
	return p, c
}

// independentGenesis recomputes rule L-8's root from the rule text, with its own
// empty-subtree recursion.
func independentGenesis(t *testing.T, p bitai.ChainParams, circuit [32]byte) fr.Element {
	// Trees are 4-ary (rule L-6): depth 32 is 16 levels, depth 16 is 8.
	zero := func(levels int) fr.Element {
		var z fr.Element
		for range levels {
			z = zkhash.Node4(z, z, z, z)
		}
		return z
	}
	leftmost := func(leaf fr.Element, levels int) fr.Element {
		for h := range levels {
			z := zero(h)
			leaf = zkhash.Node4(leaf, z, z, z)
		}
		return leaf
	}
	pt, err := zkhash.ParseL2Account(p.Treasury)
	require.NoError(t, err)
	var z fr.Element
	treasury := zkhash.Hash("bitai/l2/account", pt.X, pt.Y, z, z, z, z, z, z, z, z)
	epoch0 := zkhash.Hash("bitai/l2/epoch", z, zero(8), z)
	rec := p.Record()
	ph := zkhash.HashBytes("bitai/params", append([]byte{1}, rec.Data...))
	cid, err := zkhash.FromID(circuit)
	require.NoError(t, err)
	return zkhash.Hash("bitai/l2/state", ph, cid, leftmost(treasury, 16), elem(1),
		zkhash.Hash("bitai/l2/key", pt.X, pt.Y), zero(8), leftmost(epoch0, 16), elem(1),
		zero(8), z, z, z, z)
}

func TestGenesisRoot(t *testing.T) {
	p, circuit := katInputs(t)
	got, err := GenesisRoot(p, circuit)
	require.NoError(t, err)
	want := independentGenesis(t, p, circuit)
	require.True(t, want.Equal(&got), "code vs rule text")
	c, err := New(Config{ChainID: testChainID, Params: p, CircuitID: circuit})
	require.NoError(t, err)
	root := c.Root()
	require.True(t, root.Equal(&got), "New starts at the genesis root")

	raw, err := os.ReadFile("testdata/genesis.json")
	require.NoError(t, err)
	var v genesisVector
	require.NoError(t, json.Unmarshal(raw, &v))
	require.Equal(t, hex.EncodeToString(p.Record().Data), v.Params)
	require.Equal(t, hex.EncodeToString(circuit[:]), v.CircuitID)
	require.Equal(t, hex.EncodeToString(p.Treasury[:]), v.Treasury)
	b := got.Bytes()
	require.Equal(t, "0x"+hex.EncodeToString(b[:]), v.Root, "pinned vector")

	// Params and circuit id change the root; bad params are refused.
	p2 := p
	p2.RequestFee++
	r2, err := GenesisRoot(p2, circuit)
	require.NoError(t, err)
	require.False(t, r2.Equal(&got))
	circuit[31]++
	r3, err := GenesisRoot(p, circuit)
	require.NoError(t, err)
	require.False(t, r3.Equal(&got))
	circuit[0] = 1
	_, err = GenesisRoot(p, circuit)
	require.ErrorIs(t, err, zkhash.ErrIDRange)
}

func TestValidateParams(t *testing.T) {
	base, _ := katInputs(t)
	require.NoError(t, ValidateParams(base))
	tests := []struct {
		name string
		mod  func(*bitai.ChainParams)
	}{
		{"DESIGN's reveal window", func(p *bitai.ChainParams) { p.RevealTimeout, p.RequestTTL = 192, 288 }},
		{"reveal window one short", func(p *bitai.ChainParams) { p.RevealTimeout-- }},
		{"T-16: slash above minStake", func(p *bitai.ChainParams) { p.Slash = p.MinStake + 1 }},
		{"treasury not a key", func(p *bitai.ChainParams) { p.Treasury = [32]byte{2} }},
		{"treasury identity", func(p *bitai.ChainParams) { p.Treasury = [32]byte{1} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := base
			tc.mod(&p)
			require.ErrorIs(t, ValidateParams(p), ErrParams)
			_, err := GenesisRoot(p, id(1))
			require.ErrorIs(t, err, ErrParams)
		})
	}
}

func TestParamsHashMatchesRuleS13(t *testing.T) {
	p, _ := katInputs(t)
	r := p.Record()
	want := zkhash.HashBytes("bitai/params", append([]byte{r.Version}, r.Data...))
	got := ParamsHash(p)
	require.True(t, want.Equal(&got))
}

// TestEmptyRoot checks the zero-hash table against a dense computation.
func TestEmptyRoot(t *testing.T) {
	for _, l := range []int{0, 1, 3, 5} {
		got := EmptyRoot(l)
		want := denseRoot(l, func(uint64) fr.Element { return fr.Element{} }, 1<<(2*l))
		require.True(t, want.Equal(&got), "levels %d", l)
	}
	var z fr.Element
	one := zkhash.Node4(z, z, z, z)
	require.Equal(t, one, EmptyRoot(1))
}

// TestSparseTree checks the sparse tree against a dense computation.
func TestSparseTree(t *testing.T) {
	tr := newTree(4) // 4^4 = 256 leaves
	vals := map[uint64]uint64{0: 5, 1: 4, 3: 9, 200: 1, 255: 77, 17: 2}
	var idx []uint64
	for i := range vals {
		idx = append(idx, i)
	}
	tr.update(idx, func(i uint64) fr.Element { return elem(vals[i]) })
	dense := denseRoot(4, func(i uint64) fr.Element {
		if v, ok := vals[i]; ok {
			return elem(v)
		}
		return fr.Element{}
	}, 256)
	got := tr.root()
	require.True(t, dense.Equal(&got))
	for i := range vals {
		path := tr.path(i)
		require.Len(t, path, 3*4)
		p := RootFromPath(elem(vals[i]), i, path)
		require.True(t, p.Equal(&got), "path of %d", i)
		// The same path does not open the leaf at a neighbouring position.
		q := RootFromPath(elem(vals[i]), i^1, path)
		require.False(t, q.Equal(&got), "path of %d at %d", i, i^1)
	}
	// Clearing leaves returns to the empty root.
	tr.update(idx, func(uint64) fr.Element { return fr.Element{} })
	e := tr.root()
	z := EmptyRoot(4)
	require.True(t, e.Equal(&z))
	for h := range tr.nodes {
		require.Empty(t, tr.nodes[h], "height %d keeps no empty nodes", h)
	}
}
