package aichain

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// reqHarness has 3 miners that joined at l1 10 (epoch 0), so requests confirmed
// from 290 on (epoch 2) draw all three.
func reqHarness(t *testing.T, n int) (*harness, []*PrivateKey) {
	h := newHarness(t, nil)
	return h, h.miners(n, 10)
}

const c0 = 300 // a request's confirm height in the tests below

func TestRequestLifecycle(t *testing.T) {
	type plan struct {
		outputs  [3]string // "" = never commits; "-" suffix = commits but never reveals
		fee      uint64
		firstIs  uint8 // slot committing first
		answered bool
		digestOf string
		slashed  []uint8 // slots slashed
		pay      [3]uint64
		treasury uint64
	}
	tests := []struct {
		name string
		p    plan
	}{
		{"unanimous", plan{[3]string{"a", "a", "a"}, 1001, 0, true, "a", nil, [3]uint64{500, 250, 250}, 1}},
		{"unanimous, slot 2 first", plan{[3]string{"a", "a", "a"}, 1000, 2, true, "a", nil, [3]uint64{250, 250, 500}, 0}},
		{"one wrong", plan{[3]string{"a", "a", "b"}, 1000, 0, true, "a", []uint8{2}, [3]uint64{500, 500, 0}, 300}},
		{"first committer wrong", plan{[3]string{"a", "a", "b"}, 1001, 2, true, "a", []uint8{2}, [3]uint64{500, 500, 0}, 301}},
		{"no majority", plan{[3]string{"a", "b", "c"}, 1000, 0, false, "", nil, [3]uint64{}, 0}},
		{"silent miner", plan{[3]string{"a", "a", ""}, 1000, 1, true, "a", []uint8{2}, [3]uint64{500, 500, 0}, 300}},
		{"committed, never revealed", plan{[3]string{"a", "a", "a-"}, 1000, 0, true, "a", []uint8{2}, [3]uint64{500, 500, 0}, 300}},
		{"two silent", plan{[3]string{"a", "", ""}, 1000, 0, false, "", []uint8{1, 2}, [3]uint64{}, 600}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, ks := reqHarness(t, 3)
			p := h.c.cfg.Params
			rid, slot := h.request(tc.p.fee, c0)
			h.batch(c0)
			r, ok := h.c.Request(slot)
			require.True(t, ok)
			before := [3]Account{}
			for j := range 3 {
				before[j], _ = h.c.Account(r.Slots[j].Miner)
			}
			tBefore, _ := h.c.Account(0)
			supply := h.c.Supply()

			var commits, reveals []Op
			order := []uint8{tc.p.firstIs}
			for j := uint8(0); j < 3; j++ {
				if j != tc.p.firstIs {
					order = append(order, j)
				}
			}
			for _, j := range order {
				out := tc.p.outputs[j]
				if out == "" {
					continue
				}
				c, rv := h.commitOp(ks, slot, j, out[:1])
				commits = append(commits, c)
				if len(out) == 1 {
					reveals = append(reveals, rv)
				}
			}
			h.batch(c0+1, commits...)
			l1 := uint32(c0 + 2)
			if len(commits) < 3 {
				l1 = c0 + p.CommitTimeout + 1 // the commit phase closes by time
			}
			if len(reveals) < len(commits) {
				h.batch(l1, reveals...)
				l1 = c0 + p.RevealTimeout + 1 // the reveal phase closes by time
				reveals = nil
			}
			out := h.batch(l1, append(reveals, resolveOp(slot, rid))...)
			_, open := h.c.Request(slot)
			require.False(t, open, "resolved requests leave the tree")

			require.Len(t, out.Outcomes, 1)
			o := out.Outcomes[0]
			require.Equal(t, rid, o.RequestID)
			if tc.p.answered {
				require.Equal(t, OutcomeAnswered, o.Status)
				d := DigestOf(rid, []byte(tc.p.digestOf))
				require.True(t, o.Digest.Equal(&d))
				require.Equal(t, supply+tc.p.fee, h.c.Supply(), "the chain fee enters the L2")
			} else {
				require.Equal(t, OutcomeRefunded, o.Status)
				require.True(t, o.Digest.IsZero())
				require.Equal(t, supply, h.c.Supply())
			}
			for j := range uint8(3) {
				a, _ := h.c.Account(r.Slots[j].Miner)
				slashed := contains(tc.p.slashed, j)
				wantStake := before[j].Stake
				if slashed {
					wantStake -= p.Slash
					require.Zero(t, a.MinerPos, "slot %d leaves the set", j)
					require.Equal(t, l1+p.RejoinDelay, a.BannedUntil)
				} else {
					require.NotZero(t, a.MinerPos, "slot %d stays", j)
				}
				require.Equal(t, wantStake, a.Stake, "slot %d stake", j)
				require.Equal(t, before[j].Balance+tc.p.pay[j], a.Balance, "slot %d pay", j)
			}
			tr, _ := h.c.Account(0)
			require.Equal(t, tBefore.Balance+tc.p.treasury, tr.Balance, "treasury")
		})
	}
}

func contains(xs []uint8, x uint8) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func TestRequestTiming(t *testing.T) {
	t.Run("sequencer commit judged at l1Height", func(t *testing.T) {
		h, ks := reqHarness(t, 3)
		p := h.c.cfg.Params
		_, slot := h.request(1000, c0)
		h.batch(c0)
		c, _ := h.commitOp(ks, slot, 0, "a")
		_, err := h.c.ApplyBatch(h.input(c0+p.CommitTimeout+1, 64, c))
		requireReason(t, err, ReasonCommitClosed)
		h.batch(c0+p.CommitTimeout, c)
	})
	t.Run("forced commit judged at its confirm height", func(t *testing.T) {
		h, ks := reqHarness(t, 3)
		p := h.c.cfg.Params
		_, slot := h.request(1000, c0)
		h.batch(c0)
		c, _ := h.commitOp(ks, slot, 0, "a")
		h.message(c, c0+p.CommitTimeout)
		c1, _ := h.commitOp(ks, slot, 1, "a")
		h.message(c1, c0+p.CommitTimeout+1)
		out := h.batch(c0 + p.CommitTimeout + 20)
		require.Equal(t, ReasonOK, out.Records[0].Reason)
		require.Equal(t, ReasonCommitClosed, out.Records[1].Reason)
	})
	t.Run("reveal before the commit phase closes", func(t *testing.T) {
		h, ks := reqHarness(t, 3)
		p := h.c.cfg.Params
		_, slot := h.request(1000, c0)
		h.batch(c0)
		c, rv := h.commitOp(ks, slot, 0, "a")
		h.batch(c0+1, c)
		_, err := h.c.ApplyBatch(h.input(c0+p.CommitTimeout, 64, rv))
		requireReason(t, err, ReasonCommitOpen)
		h.batch(c0+p.CommitTimeout+1, rv)
	})
	t.Run("commit after a reveal", func(t *testing.T) {
		h, ks := reqHarness(t, 3)
		p := h.c.cfg.Params
		_, slot := h.request(1000, c0)
		h.batch(c0)
		c0p, rv := h.commitOp(ks, slot, 0, "a")
		c1, _ := h.commitOp(ks, slot, 1, "a")
		h.batch(c0+1, c0p)
		h.batch(c0+p.CommitTimeout+1, rv)
		_, err := h.c.ApplyBatch(h.input(c0+p.CommitTimeout+1, 64, c1))
		requireReason(t, err, ReasonAfterReveal)
	})
	t.Run("bad opening", func(t *testing.T) {
		h, ks := reqHarness(t, 3)
		_, slot := h.request(1000, c0)
		h.batch(c0)
		cs, _ := h.commitAll(ks, slot, "a")
		h.batch(c0+1, cs...)
		_, rv := h.commitOp(ks, slot, 0, "b")
		_, err := h.c.ApplyBatch(h.input(c0+2, 64, rv))
		requireReason(t, err, ReasonBadOpening)
	})
	t.Run("commit by someone else", func(t *testing.T) {
		h, ks := reqHarness(t, 4)
		_, slot := h.request(1000, c0)
		h.batch(c0)
		r, _ := h.c.Request(slot)
		c, _ := h.commitOp(ks, slot, 0, "a")
		var other *PrivateKey
		for _, k := range ks {
			i := h.index(k)
			if i != r.Slots[0].Miner && i != r.Slots[1].Miner && i != r.Slots[2].Miner {
				other = k
			}
		}
		c = sign(t, other, c)
		_, err := h.c.ApplyBatch(h.input(c0+1, 64, c))
		requireReason(t, err, ReasonNotAssigned)
	})
	t.Run("op naming the wrong request", func(t *testing.T) {
		h, ks := reqHarness(t, 3)
		_, slot := h.request(1000, c0)
		h.batch(c0)
		c, _ := h.commitOp(ks, slot, 0, "a")
		c.RequestID = id(5)
		c = sign(t, ks[0], c)
		h.message(c, c0+1)
		h.message(resolveOp(slot+1, id(5)), c0+1)
		out := h.batch(c0 + 1)
		require.Equal(t, ReasonNoRequest, out.Records[0].Reason)
		require.Equal(t, ReasonNoRequest, out.Records[1].Reason)
	})
	t.Run("resolve too early", func(t *testing.T) {
		h, ks := reqHarness(t, 3)
		p := h.c.cfg.Params
		rid, slot := h.request(1000, c0)
		h.batch(c0)
		cs, _ := h.commitAll(ks, slot, "a")
		h.batch(c0+1, cs...)
		_, err := h.c.ApplyBatch(h.input(c0+p.RevealTimeout, 64, resolveOp(slot, rid)))
		requireReason(t, err, ReasonRevealOpen)
		h.batch(c0+p.RevealTimeout+1, resolveOp(slot, rid))
	})
	t.Run("closing at the deadline never slashes", func(t *testing.T) {
		h, _ := reqHarness(t, 3)
		p := h.c.cfg.Params
		rid, slot := h.request(1000, c0)
		h.batch(c0)
		tr, _ := h.c.Account(0)
		out := h.batch(c0+p.RequestTTL+1, resolveOp(slot, rid))
		require.Empty(t, out.Outcomes, "BitAI cannot settle after the deadline; Reclaim refunds")
		_, open := h.c.Request(slot)
		require.False(t, open)
		tr2, _ := h.c.Account(0)
		require.Equal(t, tr.Balance, tr2.Balance, "no slash reached the treasury")
		require.Len(t, h.c.LiveMiners(), 3)
	})
}

// TestForcedRevealBeforeResolve is the "resolve before in-time forced reveals are
// consumed" attack: while a forced reveal confirmed in time sits unconsumed, the
// clock stays below it, so the sequencer cannot resolve (rule L-10).
func TestForcedRevealBeforeResolve(t *testing.T) {
	h, ks := reqHarness(t, 3)
	p := h.c.cfg.Params
	rid, slot := h.request(1000, c0)
	h.batch(c0)
	cs, rvs := h.commitAll(ks, slot, "a")
	h.batch(c0+1, cs...)
	h.batch(c0+2, rvs[0], rvs[1])
	h.message(rvs[2], c0+p.RevealTimeout) // forced, in time
	// A batch that leaves it unconsumed has clock c0+revealTimeout−1.
	in := h.input(c0+p.RevealTimeout+5, 0, resolveOp(slot, rid))
	require.Equal(t, c0+p.RevealTimeout-1, InboxClock(in.L1Height, in.NextConfirm))
	_, err := h.c.ApplyBatch(in)
	requireReason(t, err, ReasonRevealOpen)
	out := h.batch(c0+p.RevealTimeout+5, resolveOp(slot, rid))
	require.Equal(t, OutcomeAnswered, out.Outcomes[0].Status)
	r := out.Records
	require.Equal(t, ReasonOK, r[0].Reason, "the forced reveal")
	for _, k := range ks {
		require.Equal(t, uint64(2000), h.account(k).Stake, "nobody slashed")
	}
}

func TestRequestArrival(t *testing.T) {
	t.Run("fewer than 3 miners", func(t *testing.T) {
		h, _ := reqHarness(t, 2)
		rid, _ := h.request(1000, c0)
		out := h.batch(c0)
		require.Equal(t, []Outcome{{RequestID: rid, Status: OutcomeRefunded}}, out.Outcomes)
		require.Equal(t, ReasonTooFewMiners, out.Records[1].Reason)
	})
	t.Run("epoch 0 has no set", func(t *testing.T) {
		h, _ := reqHarness(t, 3)
		h.request(1000, 100)
		out := h.batch(100)
		require.Equal(t, ReasonTooFewMiners, out.Records[0].Reason)
	})
	t.Run("expired on arrival", func(t *testing.T) {
		h, _ := reqHarness(t, 3)
		h.request(1000, c0)
		out := h.batch(c0 + h.c.cfg.Params.RequestTTL + 1)
		require.Empty(t, out.Outcomes)
		require.Equal(t, ReasonRequestExpired, out.Records[1].Reason)
	})
	t.Run("busy slot", func(t *testing.T) {
		h, _ := reqHarness(t, 3)
		p := h.c.cfg.Params
		old, slot := h.request(1000, c0)
		h.batch(c0)
		h.skipTo(uint64(slot) + 1<<RequestDepth)
		rid, slot2 := h.request(1000, c0+1)
		require.Equal(t, slot, slot2)
		out := h.batch(c0 + 1)
		require.Equal(t, []Outcome{{RequestID: rid, Status: OutcomeRefunded}}, out.Outcomes)
		require.Equal(t, ReasonSlotBusy, out.Records[0].Reason)
		r, _ := h.c.Request(slot)
		require.Equal(t, old, r.ID)
		// Once the old request is past its deadline, the slot is reused.
		h.skipTo(uint64(slot) + 2<<RequestDepth)
		rid3, _ := h.request(1000, c0+p.RequestTTL)
		out = h.batch(c0 + p.RequestTTL + 1)
		require.Empty(t, out.Outcomes)
		r, _ = h.c.Request(slot)
		require.Equal(t, rid3, r.ID)
	})
}

func requireReason(t *testing.T, err error, r Reason) {
	t.Helper()
	var oe *OpError
	require.ErrorAs(t, err, &oe)
	require.Equal(t, r, oe.Reason)
}

// skipTo pretends the inbox already holds and the chain already consumed
// entries up to index (test-only: the accumulator is not advanced).
func (h *harness) skipTo(index uint64) {
	for uint64(len(h.inbox)) < index {
		h.inbox = append(h.inbox, InboxEntry{Index: uint64(len(h.inbox))})
	}
	h.c.st.inboxNext = index
}
