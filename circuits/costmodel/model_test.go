package costmodel

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHashFormulaMatchesMeasured checks the model's list-hash formula (n
// permutations at width 2, ceil(n/(w-1)) above) against the measured hash
// gadgets, which are compiled independently of the formula.
func TestHashFormulaMatchesMeasured(t *testing.T) {
	costs := CostsOf(Pinned)
	for _, w := range []int{2, 3, 4} {
		for _, n := range []int{5, 16} {
			t.Run(fmt.Sprintf("w%d.n%d", w, n), func(t *testing.T) {
				c := Config{Kind: TreeKind{w, w}}
				got, err := c.Cost(costs, Unit{ID: "hash", N: n})
				require.NoError(t, err)
				require.Equal(t, costs[fmt.Sprintf("p2.hash.w%d.n%d", w, n)], got)
			})
		}
	}
}

func TestLevels(t *testing.T) {
	tests := []struct {
		kind          TreeKind
		depth, levels int
	}{
		{TreeKind{2, 2}, 32, 32},
		{TreeKind{4, 4}, 32, 16},
		{TreeKind{4, 4}, 16, 8},
		{TreeKind{3, 3}, 16, 11}, // 3^10 = 59049 < 2^16 <= 3^11
		{TreeKind{3, 3}, 32, 21}, // 3^20 < 2^32 <= 3^21
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s.d%d", tc.kind, tc.depth), func(t *testing.T) {
			require.Equal(t, tc.levels, tc.kind.Levels(tc.depth))
		})
	}
}

func TestSizedCost(t *testing.T) {
	costs := Costs{"mux.4": 6, "mux.16": 20, "mux.64": 80}
	tests := []struct {
		name string
		n    int
		want float64
	}{
		{"measured", 16, 20},
		{"between", 10, 13},
		{"upper segment", 40, 50},
		{"beyond", 96, 120},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sizedCost(costs, "mux", tc.n)
			require.NoError(t, err)
			require.InDelta(t, tc.want, got, 1e-9)
		})
	}
	_, err := sizedCost(Costs{"mux.4": 6}, "mux", 8)
	require.Error(t, err)
}

func TestEvaluateNeedsMeasurements(t *testing.T) {
	c := Baseline()
	c.Kind = TreeKind{5, 5} // never measured
	_, err := c.Evaluate(CostsOf(Pinned))
	require.Error(t, err)
}

// TestStepsNeverAddCost: each idea in Steps must lower (or keep) the cost per
// settled inference for every tree kind and request depth.
func TestStepsNeverAddCost(t *testing.T) {
	costs := CostsOf(Pinned)
	for _, d := range MerkleDepths {
		for _, k := range TreeKinds {
			prev := 0.0
			for i, c := range StepConfigs(k, d) {
				r, err := c.Evaluate(costs)
				require.NoError(t, err)
				if i > 0 {
					require.LessOrEqual(t, r.PerInf, prev, "%s d%d step %d (%s)", k, d, i, Steps()[i].Name)
				}
				prev = r.PerInf
			}
		}
	}
}

// TestRecommendedMeetsBudget: the recommendation reaches DESIGN §4.2's goal of
// at most 150,000 constraints per settled inference, also when every miner of
// a batch is distinct, while the design as written does not.
func TestRecommendedMeetsBudget(t *testing.T) {
	const goal = 150_000
	costs := CostsOf(Pinned)
	rec := Recommended()
	r, err := rec.Evaluate(costs)
	require.NoError(t, err)
	require.LessOrEqual(t, r.PerInf, float64(goal))

	rec.CreditSlots = 3 * rec.Batch
	r, err = rec.Evaluate(costs)
	require.NoError(t, err)
	require.LessOrEqual(t, r.PerInf, float64(goal))

	base, err := Baseline().Evaluate(costs)
	require.NoError(t, err)
	require.Greater(t, base.PerInf, float64(goal))
}

// TestPerInferenceCounts checks Evaluate's bookkeeping on a hand-computed
// config: the total is the sum over ops of uses x cost per use.
func TestPerInferenceCounts(t *testing.T) {
	costs := CostsOf(Pinned)
	c := Recommended()
	r, err := c.Evaluate(costs)
	require.NoError(t, err)
	sum := 0.0
	for _, op := range r.Ops {
		each := 0.0
		for _, l := range op.Lines {
			u, err := c.Cost(costs, l.Unit)
			require.NoError(t, err)
			each += u * l.Count
		}
		require.InDelta(t, each, op.Each, 1e-6, op.Name)
		sum += each * op.PerInf
	}
	require.InDelta(t, sum, r.PerInf, 1e-6)
	// One settled inference: 1 inbox request slot, 3 commits, 3 reveals, 1 resolve.
	uses := map[string]float64{}
	for _, op := range r.Ops {
		uses[op.Name] = op.PerInf
	}
	require.Equal(t, 3.0, uses["commit (signed)"])
	require.Equal(t, 3.0, uses["reveal (unsigned)"])
	require.Equal(t, 1.0, uses["resolve (unsigned)"])
	require.Equal(t, 1.0, uses["inbox slot (request queue)"])
}
