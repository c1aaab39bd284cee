package aichain

import (
	"math/big"
	"slices"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/stretchr/testify/require"
)

// drawRemaining is an independent form of rule L-13's draw: index the members
// still unpicked (in ascending position order) with the mixed-radix digits.
func drawRemaining(seed fr.Element, set []uint32) []uint32 {
	var x big.Int
	seed.BigInt(&x)
	remaining := slices.Clone(set)
	var out []uint32
	for i := range 3 {
		var m big.Int
		x.DivMod(&x, big.NewInt(int64(len(set)-i)), &m)
		p := int(m.Int64())
		out = append(out, remaining[p])
		remaining = slices.Delete(remaining, p, p+1)
	}
	return out
}

func TestDraw(t *testing.T) {
	for n := range 12 {
		set := make([]uint32, n)
		for i := range set {
			set[i] = uint32(100 + i)
		}
		for s := range 200 {
			seed := Seed([32]byte{byte(s), byte(s >> 8), 3}, id(uint64(s)))
			got, ok := Draw(seed, set)
			if n < 3 {
				require.False(t, ok)
				continue
			}
			require.True(t, ok)
			require.Equal(t, drawRemaining(seed, set), got[:], "n=%d seed %d", n, s)
		}
	}
}

// TestDrawSpread checks every member is drawn, and roughly evenly.
func TestDrawSpread(t *testing.T) {
	set := []uint32{0, 1, 2, 3, 4, 5, 6}
	count := make([]int, len(set))
	const runs = 2100
	for s := range runs {
		got, _ := Draw(Seed([32]byte{1, byte(s), byte(s >> 8)}, id(9)), set)
		for _, m := range got {
			count[m]++
		}
	}
	for i, c := range count {
		require.InDelta(t, runs*3/len(set), c, 150, "member %d", i)
	}
}

// TestEpochLeaves checks rule L-11: a leaf is appended at the first batch of a
// later l1 epoch, with fromEpoch = previous batch's epoch + 1, only if the array
// changed; and rule L-12's set in force.
func TestEpochLeaves(t *testing.T) {
	h := newHarness(t, nil)
	eb := h.c.cfg.Params.EpochBlocks
	ks := h.miners(3, 10) // epoch 0
	require.Len(t, h.c.EpochLeaves(), 1, "no boundary crossed yet")
	h.batch(eb + 5) // epoch 1
	leaves := h.c.EpochLeaves()
	require.Len(t, leaves, 2)
	require.Equal(t, uint32(1), leaves[1].FromEpoch)
	require.Equal(t, uint32(3), leaves[1].Size)
	want := arrayRoot(h.c.LiveMiners())
	require.True(t, want.Equal(&leaves[1].ArrayRoot))

	h.batch(2*eb + 1) // epoch 2, unchanged: no leaf
	require.Len(t, h.c.EpochLeaves(), 2)

	// A change in epoch 2, next batch in epoch 6: one leaf from epoch 3 covers the gap.
	k4 := testKey(t, 40)
	h.deposit(k4, 5000, 2*eb+2)
	h.batch(2*eb + 2)
	st := h.nonceOp(k4, Op{Kind: OpStake, Amount: 1000})
	join := sign(t, k4, Op{Kind: OpJoin, Account: st.Account, Nonce: st.Nonce + 1})
	h.batch(2*eb+3, st, join)
	// The same batch's join cannot reach a leaf appended at its own start.
	h.batch(6*eb + 1)
	leaves = h.c.EpochLeaves()
	require.Len(t, leaves, 3)
	require.Equal(t, uint32(3), leaves[2].FromEpoch)
	require.Equal(t, uint32(4), leaves[2].Size)

	require.Nil(t, h.c.MinerSet(noEpoch))
	require.Empty(t, h.c.MinerSet(0))
	require.Len(t, h.c.MinerSet(1), 3)
	require.Len(t, h.c.MinerSet(2), 3)
	require.Len(t, h.c.MinerSet(3), 4)
	require.Len(t, h.c.MinerSet(6), 4)
	h.batch(6*eb+2, h.nonceOp(k4, Op{Kind: OpUnstake}))
	require.Len(t, h.c.MinerSet(6), 4, "epoch 6 was fixed before this batch")
	require.Len(t, h.c.MinerSet(7), 3, "provisional: the live array")
	_ = ks
}

// TestBackdatedSetChange is the "back-dated miner-set change" attack: with the
// inbox clock held back by unconsumed entries, a join in a late batch still only
// reaches sets of epochs after the batch's l1 epoch (rule L-11 uses l1Height).
func TestBackdatedSetChange(t *testing.T) {
	sh := DefaultShape()
	sh.InboxSlots = 3
	h := newHarnessShape(t, nil, sh)
	eb := h.c.cfg.Params.EpochBlocks
	h.miners(3, 10)
	k4 := testKey(t, 40)
	h.deposit(k4, 5000, 11)
	h.batch(11)
	h.batch(12, h.nonceOp(k4, Op{Kind: OpStake, Amount: 1000}))
	// Junk fills every inbox slot; an entry confirmed at 20 stays unconsumed and
	// the clock is stuck at 19.
	for range 4 {
		h.deposit(testKey(t, 41), 1, 20)
	}
	in := h.input(eb+30, 3, h.nonceOp(k4, Op{Kind: OpJoin}))
	require.Equal(t, uint32(19), InboxClock(in.L1Height, in.NextConfirm))
	_, err := h.c.ApplyBatch(in)
	require.NoError(t, err)
	require.Len(t, h.c.MinerSet(1), 3, "epoch 1's set was fixed by batches before l1 epoch 1")
	h.batch(2*eb + 1)
	require.Len(t, h.c.MinerSet(2), 4)
}

func TestAssignmentUsesPreviousEpoch(t *testing.T) {
	h := newHarness(t, nil)
	eb := h.c.cfg.Params.EpochBlocks
	ks := h.miners(3, eb+10) // joined in epoch 1
	h.request(1000, 2*eb+5)
	out := h.batch(2*eb + 5)
	require.Equal(t, ReasonTooFewMiners, lastInbox(out).Reason, "epoch 2's requests use epoch 1's set: empty")
	rid, slot := h.request(1000, 3*eb)
	e := h.inbox[len(h.inbox)-1].Request
	before, ok := h.c.Assignment(3*eb, e.ConfirmBlockHash, rid)
	require.True(t, ok, "known before the batch that consumes it")
	h.batch(3 * eb)
	r, ok := h.c.Request(slot)
	require.True(t, ok)
	got, _ := h.c.Assignment(3*eb, h.inbox[len(h.inbox)-1].Request.ConfirmBlockHash, r.ID)
	for j := range 3 {
		require.Equal(t, got[j], r.Slots[j].Miner)
		require.Equal(t, before[j], r.Slots[j].Miner)
	}
	_ = ks
}

func lastInbox(out *BatchOutput) Record {
	var r Record
	for _, x := range out.Records {
		if x.Source == SourceInbox {
			r = x
		}
	}
	return r
}

func TestSlashBansAndRejoin(t *testing.T) {
	h, ks := reqHarness(t, 4)
	p := h.c.cfg.Params
	rid, slot := h.request(1000, c0)
	h.batch(c0)
	r, _ := h.c.Request(slot)
	var cs []Op
	for j := range uint8(2) {
		c, _ := h.commitOp(ks, slot, j, "a")
		cs = append(cs, c)
	}
	h.batch(c0+1, cs...)
	l1 := c0 + p.RevealTimeout + 1
	h.batch(l1, resolveOp(slot, rid))
	silent := h.keyOf(ks, r.Slots[2].Miner)
	a := h.account(silent)
	require.Zero(t, a.MinerPos)
	require.Equal(t, uint64(2000-p.Slash), a.Stake)
	require.Equal(t, l1+p.RejoinDelay, a.BannedUntil)
	_, err := h.c.ApplyBatch(h.input(l1+p.RejoinDelay-1, 64, h.nonceOp(silent, Op{Kind: OpJoin})))
	requireReason(t, err, ReasonBanned)
	h.batch(l1+p.RejoinDelay, h.nonceOp(silent, Op{Kind: OpJoin}))
	require.NotZero(t, h.account(silent).MinerPos)
}

// TestSlashLocked: an unstaked miner's locked stake is still slashed.
func TestSlashLocked(t *testing.T) {
	h, ks := reqHarness(t, 3)
	p := h.c.cfg.Params
	rid, slot := h.request(1000, c0)
	h.batch(c0)
	r, _ := h.c.Request(slot)
	k := h.keyOf(ks, r.Slots[0].Miner)
	h.batch(c0+1, h.nonceOp(k, Op{Kind: OpUnstake}))
	require.Equal(t, uint64(2000), h.account(k).Locked)
	h.batch(c0+p.RevealTimeout+1, resolveOp(slot, rid))
	require.Equal(t, uint64(2000-p.Slash), h.account(k).Locked)
}
