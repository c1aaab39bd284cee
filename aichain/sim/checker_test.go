package sim

import (
	"context"
	"testing"

	"github.com/bitai-l2/bitai/aichain"
	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/statemachine"
	"github.com/cockroachdb/pebble/v2"
	"github.com/stretchr/testify/require"
)

// run executes scenario lines and fails on any error.
func run(t *testing.T, r *Runner, lines ...string) {
	t.Helper()
	for _, l := range lines {
		a, err := ParseAction(l)
		require.NoError(t, err)
		_, err = r.Exec(a)
		require.NoError(t, err, l)
	}
}

// answered returns a runner whose request r1 was answered by m2, m4, m5 (the
// prefix of scenario 03), stopped just before the resolving batch lands.
func answered(t *testing.T) *Runner {
	r := NewRunner(loadVK(t), 1)
	t.Cleanup(func() { _ = r.Close() })
	run(t, r, "setup", "bootstrap", "mine to=epoch:3-1", "infer by=u1 as=r1", "auto n=12")
	return r
}

// requireViolation requires the checkers to report invariant inv now.
func requireViolation(t *testing.T, r *Runner, inv string) {
	t.Helper()
	v, ok := IsViolation(r.W.Check())
	require.True(t, ok, "no violation reported")
	require.Equal(t, inv, v.Invariant)
}

// The invariant checkers must catch the faults they exist for: each subtest
// injects one into an otherwise valid run.
func TestCheckersCatchFaults(t *testing.T) {
	t.Run("theft from the state", func(t *testing.T) {
		r := answered(t)
		u1 := r.W.Actor("u1")
		a, err := statemachine.GetAccount(r.W.state(), u1.Key)
		require.NoError(t, err)
		a.Balance += 5
		v, _ := a.MarshalBinary()
		require.NoError(t, r.W.db.Update(context.Background(), func(w pebble.Writer) error {
			return w.Set(statemachine.AccountKey(u1.Key), v, nil)
		}))
		requireViolation(t, r, InvNoTheft)
	})
	t.Run("payment the rules do not owe", func(t *testing.T) {
		r := answered(t)
		r.W.ledger[r.W.Actor("u2").Key]--
		requireViolation(t, r, InvNoTheft)
	})
	t.Run("escrow paid twice", func(t *testing.T) {
		r := answered(t)
		id, ok := r.object("r1")
		require.True(t, ok)
		r.W.markPaid(r.W.tipBlock(), id, "refunded")
		r.W.markPaid(r.W.tipBlock(), id, "reclaimed")
		requireViolation(t, r, InvPaidOnce)
	})
	t.Run("settled state differs from BitAI's", func(t *testing.T) {
		r := answered(t)
		r.W.tipBlock().settled[r.Main.ID] = r.Main.genesis
		requireViolation(t, r, InvSettled)
	})
	t.Run("chain the L2 cannot start", func(t *testing.T) {
		r := answered(t)
		r.Main.genesis = nil
		r.W.tipBlock().settled = map[bitai.ID]*aichain.Chain{}
		requireViolation(t, r, InvNoBrick)
	})
	t.Run("honest miner slashed", func(t *testing.T) {
		r := answered(t)
		info, ok := r.request("r1")
		require.True(t, ok)
		require.NotNil(t, info.L2, "r1 open on the L2")
		for _, s := range info.L2.Slots {
			require.True(t, s.Revealed, "every slot revealed the honest output")
		}
		fake := &Batch{Chain: r.Main.ID, In: &aichain.BatchInput{}, Out: &aichain.BatchOutput{Records: []aichain.Record{{
			Source: aichain.SourceBatch, Reason: aichain.ReasonSlashed, RequestID: info.ID, Account: info.L2.Slots[1].Miner}}}}
		r.W.checkSlashes(r.W.tipBlock(), r.Main, fake)
		requireViolation(t, r, InvHonestMiner)
	})
}

// A failing run shrinks to the actions the failure needs, and the saved scenario
// replays to the same violation.
func TestShrinkToMinimalTrace(t *testing.T) {
	vk := loadVK(t)
	var trace []Action
	for _, l := range []string{"setup", "deposit by=u1 amount=100", "mine", "batch by=seq", "mine",
		"infer by=u2", "mine n=3", "deposit by=u3 amount=5", "corrupt by=u2 amount=7", "mine",
		"infer by=u1", "mine n=2"} {
		a, err := ParseAction(l)
		require.NoError(t, err)
		trace = append(trace, a)
	}
	_, v, err := Replay(vk, trace)
	require.NoError(t, err)
	require.NotNil(t, v)
	require.Equal(t, InvNoTheft, v.Invariant)
	small := Shrink(vk, trace, v.Invariant, 100)
	var got []string
	for _, a := range small {
		got = append(got, a.String())
	}
	require.Equal(t, []string{"setup", "corrupt by=u2 amount=7", "mine"}, got)
	steps, v2, err := Replay(vk, small)
	require.NoError(t, err)
	require.NotNil(t, v2)
	path := t.TempDir() + "/regress"
	require.NoError(t, WriteScenario(path, "test", steps, v2))
}
