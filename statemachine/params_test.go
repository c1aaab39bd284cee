package statemachine

import (
	"testing"

	"github.com/bitai-l2/bitai/aichain"
	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/zkhash"
	"github.com/stretchr/testify/require"
)

// chainRegisterAccepts reports whether ChainRegister's params checks (rules T-16,
// T-17, then the treasury) accept p under the default bounds.
func chainRegisterAccepts(p bitai.ChainParams) bool {
	if p.Validate(bitai.DefaultChainBounds()) != nil {
		return false
	}
	_, err := zkhash.ParseL2Account(p.Treasury)
	return err == nil
}

// TestParamsAgreeWithAichain: within the deployment's bounds, ChainRegister's checks
// (bitai's T-16/T-17 plus the treasury) accept exactly the params
// aichain.ValidateParams (rule L-7) accepts, at every boundary of every inequality,
// so BitAI can never launch a chain whose genesis root does not exist, nor refuse
// one the L2 could run.
func TestParamsAgreeWithAichain(t *testing.T) {
	base := aichain.DefaultParams()
	base.Treasury = goodL2()
	require.Equal(t, bitai.DefaultChainParams().RevealTimeout, base.RevealTimeout)
	require.Equal(t, bitai.DefaultChainParams().RequestTTL, base.RequestTTL)
	// The least params with forceDelay 1 and with a forceDelay where rule T-16 3
	// (forceDelay + MinWindow) is the binding reveal window instead of rule 4.
	least := base
	least.ForceDelay, least.CommitTimeout, least.RevealTimeout, least.RequestTTL = 1, 13, 169, 182
	least.UnstakeDelay = 2*least.EpochBlocks + least.RequestTTL + 1
	wide := base
	wide.ForceDelay, wide.CommitTimeout, wide.RevealTimeout, wide.RequestTTL = 200, 212, 424, 636
	wide.UnstakeDelay = 2*wide.EpochBlocks + wide.RequestTTL + 1
	edits := []struct {
		name string
		edit func(p *bitai.ChainParams)
	}{
		{"as is", func(*bitai.ChainParams) {}},
		{"forceDelay − 1", func(p *bitai.ChainParams) { p.ForceDelay-- }},
		{"commitTimeout − 1", func(p *bitai.ChainParams) { p.CommitTimeout-- }},
		{"revealTimeout − 1", func(p *bitai.ChainParams) { p.RevealTimeout-- }},
		{"revealTimeout + 1", func(p *bitai.ChainParams) { p.RevealTimeout++ }},
		{"requestTTL − 1", func(p *bitai.ChainParams) { p.RequestTTL-- }},
		{"epochBlocks − 1", func(p *bitai.ChainParams) { p.EpochBlocks = bitai.SubmitWindow }},
		{"unstakeDelay at 2·E + TTL", func(p *bitai.ChainParams) { p.UnstakeDelay = 2*p.EpochBlocks + p.RequestTTL }},
		{"slash 0", func(p *bitai.ChainParams) { p.Slash = 0 }},
		{"slash > minStake", func(p *bitai.ChainParams) { p.Slash = p.MinStake + 1 }},
		{"feeSplit 10001", func(p *bitai.ChainParams) { p.FeeSplitBps = bitai.MaxBasisPoints + 1 }},
		{"feeSplit 10000", func(p *bitai.ChainParams) { p.FeeSplitBps = bitai.MaxBasisPoints }},
		{"full rollup", func(p *bitai.ChainParams) { p.FullRollup = true }},
		{"zero treasury", func(p *bitai.ChainParams) { p.Treasury = [32]byte{} }},
		{"treasury off the curve", func(p *bitai.ChainParams) { p.Treasury[0] ^= 1 }},
	}
	seen := map[bool]int{}
	for _, b := range []struct {
		name string
		p    bitai.ChainParams
	}{{"default", base}, {"least", least}, {"wide", wide}} {
		for _, e := range edits {
			t.Run(b.name+"/"+e.name, func(t *testing.T) {
				p := b.p
				e.edit(&p)
				want := aichain.ValidateParams(p) == nil
				require.Equal(t, want, chainRegisterAccepts(p))
				if want { // ChainRegister stores GenesisRoot, which must then exist
					_, err := aichain.GenesisRoot(p, bitai.CircuitID([]byte(bitai.TestCircuitDescriptor)))
					require.NoError(t, err)
				}
				seen[want]++
			})
		}
	}
	require.Positive(t, seen[true])
	require.Positive(t, seen[false])
}

// TestParamsHashAgrees: statemachine's params hash (stored in the chain record, rule
// S-13) equals aichain.ParamsHash, which the L2 puts into its root and public input.
func TestParamsHashAgrees(t *testing.T) {
	for _, p := range []bitai.ChainParams{bitai.DefaultChainParams(), aichain.DefaultParams(),
		{RequestTTL: 1, Treasury: goodL2(), RequestFee: 1 << 40}} {
		want := aichain.ParamsHash(p)
		require.Equal(t, want.Bytes(), ParamsHash(p.Record()))
	}
}

// TestNativeVerifierKeep: the verifier drops states more than Keep batches below the
// highest it holds, and keeps equal-numbered states with other roots (reorgs).
func TestNativeVerifierKeep(t *testing.T) {
	n := NewNativeVerifier(NativeVerifierConfig{Keep: 2})
	id := bitai.ID{0, 1}
	c, err := aichain.New(aichain.Config{ChainID: id, Params: func() bitai.ChainParams {
		p := aichain.DefaultParams()
		p.Treasury = goodL2()
		return p
	}()})
	require.NoError(t, err)
	for i := range uint64(6) {
		n.put(id, i, [32]byte{byte(i)}, c)
		n.put(id, i, [32]byte{byte(i), 1}, c)
	}
	for i := range uint64(6) {
		_, ok := n.State(id, i, [32]byte{byte(i)})
		_, ok2 := n.State(id, i, [32]byte{byte(i), 1})
		require.Equal(t, i >= 3, ok, "batch %d", i)
		require.Equal(t, ok, ok2, "batch %d other root", i)
	}
	_, ok := n.State(bitai.ID{0, 2}, 5, [32]byte{5})
	require.False(t, ok)
}
