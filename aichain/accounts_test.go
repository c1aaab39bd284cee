package aichain

import (
	"slices"
	"testing"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/zkhash"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/stretchr/testify/require"
)

func TestDeposits(t *testing.T) {
	h := newHarness(t, nil)
	a, b := testKey(t, 1), testKey(t, 2)
	fd := h.c.cfg.Params.ForceDelay
	h.deposit(a, 100, 10)
	h.deposit(b, 50, 10)
	h.deposit(a, 7, 11)
	h.batch(11)
	require.Equal(t, uint32(3), h.c.NumAccounts(), "treasury, a, b")
	require.Equal(t, uint64(107), h.account(a).Balance, "second deposit credits the same account")
	require.Equal(t, uint32(1), h.index(a))
	require.Equal(t, uint32(2), h.index(b))
	require.Equal(t, uint64(157), h.c.Supply())

	// Consumed exactly at confirmHeight + forceDelay: credited; one later: a no-op.
	h.deposit(b, 5, 20)
	h.batch(20 + fd)
	require.Equal(t, uint64(55), h.account(b).Balance)
	h.deposit(b, 5, 21)
	h.deposit(testKey(t, 9), 5, 21)
	out := h.batch(22 + fd)
	require.Equal(t, uint64(55), h.account(b).Balance)
	require.Equal(t, uint64(162), h.c.Supply())
	_, ok := h.c.AccountByKey(PublicKey(testKey(t, 9)))
	require.False(t, ok, "a late deposit creates no account")
	require.Equal(t, ReasonDepositLate, out.Records[0].Reason)
	require.Equal(t, ReasonDepositLate, out.Records[1].Reason)
}

// TestKeyList checks rule L-3's sorted key list against an independent sort.
func TestKeyList(t *testing.T) {
	h := newHarness(t, nil)
	for n := byte(1); n <= 12; n++ {
		h.deposit(testKey(t, n), 1, 5)
	}
	h.batch(5)
	type kv struct {
		kh  fr.Element
		idx uint32
	}
	var all []kv
	for i := range h.c.NumAccounts() {
		a, _ := h.c.Account(i)
		all = append(all, kv{KeyHash(&a.Point), i})
	}
	slices.SortFunc(all, func(x, y kv) int { return x.kh.Cmp(&y.kh) })
	require.True(t, h.c.st.keyHead.Equal(&all[0].kh))
	for i, e := range all {
		a, _ := h.c.Account(e.idx)
		if i+1 < len(all) {
			require.True(t, a.Next.Equal(&all[i+1].kh), "account %d", e.idx)
		} else {
			require.True(t, a.Next.IsZero(), "the largest key ends the list")
		}
	}
}

func TestNonceOps(t *testing.T) {
	a, b := testKey(t, 1), testKey(t, 2)
	setup := func(t *testing.T) *harness {
		h := newHarness(t, nil)
		h.deposit(a, 1000, 5)
		h.deposit(b, 10, 5)
		h.batch(5)
		return h
	}
	tests := []struct {
		name   string
		op     func(h *harness) Op
		reason Reason
		check  func(t *testing.T, h *harness)
	}{
		{"transfer", func(h *harness) Op {
			return h.nonceOp(a, Op{Kind: OpTransfer, To: h.index(b), Amount: 300})
		}, ReasonOK, func(t *testing.T, h *harness) {
			require.Equal(t, uint64(700), h.account(a).Balance)
			require.Equal(t, uint64(310), h.account(b).Balance)
			require.Equal(t, uint64(1), h.account(a).Nonce)
		}},
		{"transfer to self", func(h *harness) Op {
			return h.nonceOp(a, Op{Kind: OpTransfer, To: h.index(a), Amount: 300})
		}, ReasonOK, func(t *testing.T, h *harness) {
			require.Equal(t, uint64(1000), h.account(a).Balance)
			require.Equal(t, uint64(1), h.account(a).Nonce)
		}},
		{"transfer too much", func(h *harness) Op {
			return h.nonceOp(a, Op{Kind: OpTransfer, To: h.index(b), Amount: 1001})
		}, ReasonInsufficient, nil},
		{"transfer to no account", func(h *harness) Op {
			return h.nonceOp(a, Op{Kind: OpTransfer, To: 99, Amount: 1})
		}, ReasonNoRecipient, nil},
		{"bad nonce", func(h *harness) Op {
			o := Op{Kind: OpTransfer, Account: h.index(a), Nonce: 1, To: 0, Amount: 1}
			return sign(t, a, o)
		}, ReasonBadNonce, nil},
		{"wrong signer", func(h *harness) Op {
			o := Op{Kind: OpTransfer, Account: h.index(a), To: 0, Amount: 1}
			return sign(t, b, o)
		}, ReasonWrongSigner, nil},
		{"no account", func(h *harness) Op {
			return sign(t, a, Op{Kind: OpTransfer, Account: 50, To: 0, Amount: 1})
		}, ReasonNoAccount, nil},
		{"withdraw", func(h *harness) Op {
			return h.nonceOp(a, Op{Kind: OpWithdraw, Recipient: [32]byte{7}, Amount: 400})
		}, ReasonOK, func(t *testing.T, h *harness) {
			require.Equal(t, uint64(600), h.account(a).Balance)
			require.Equal(t, []Withdrawal{{Recipient: [32]byte{7}, Amount: 400}}, h.last.Withdrawals)
			require.Equal(t, uint64(610), h.c.Supply())
		}},
		{"withdraw too much", func(h *harness) Op {
			return h.nonceOp(b, Op{Kind: OpWithdraw, Recipient: [32]byte{7}, Amount: 11})
		}, ReasonInsufficient, nil},
		{"stake", func(h *harness) Op {
			return h.nonceOp(a, Op{Kind: OpStake, Amount: 999})
		}, ReasonOK, func(t *testing.T, h *harness) {
			require.Equal(t, uint64(1), h.account(a).Balance)
			require.Equal(t, uint64(999), h.account(a).Stake)
		}},
		{"stake too much", func(h *harness) Op {
			return h.nonceOp(b, Op{Kind: OpStake, Amount: 11})
		}, ReasonInsufficient, nil},
		{"unstake nothing", func(h *harness) Op {
			return h.nonceOp(b, Op{Kind: OpUnstake})
		}, ReasonInsufficient, nil},
		{"unlock nothing", func(h *harness) Op {
			return h.nonceOp(b, Op{Kind: OpUnlock})
		}, ReasonNothingLocked, nil},
		{"join below minStake", func(h *harness) Op {
			return h.nonceOp(b, Op{Kind: OpJoin})
		}, ReasonStakeTooLow, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name+"/sequencer", func(t *testing.T) {
			h := setup(t)
			root := h.c.Root()
			o := tc.op(h)
			out, err := h.c.ApplyBatch(h.input(6, 64, o))
			if tc.reason != ReasonOK {
				var oe *OpError
				require.ErrorAs(t, err, &oe)
				require.ErrorIs(t, err, ErrOp)
				require.Equal(t, tc.reason, oe.Reason)
				got := h.c.Root()
				require.True(t, root.Equal(&got), "a failed batch changes nothing")
				return
			}
			require.NoError(t, err)
			h.last = out
			tc.check(t, h)
			require.Equal(t, h.c.Supply(), h.c.Totals())
		})
		t.Run(tc.name+"/forced", func(t *testing.T) {
			h := setup(t)
			before := h.c.Clone()
			h.message(tc.op(h), 6)
			out := h.batch(6)
			require.Equal(t, tc.reason, out.Records[0].Reason)
			if tc.reason != ReasonOK {
				a1, a2 := before.Account(h.index(a))
				b1, _ := h.c.Account(h.index(a))
				require.True(t, a2)
				require.Equal(t, a1, b1, "a forced no-op changes no account")
				return
			}
			tc.check(t, h)
		})
	}
}

func TestReplayedTransfer(t *testing.T) {
	h := newHarness(t, nil)
	a, b := testKey(t, 1), testKey(t, 2)
	h.deposit(a, 100, 5)
	h.deposit(b, 1, 5)
	h.batch(5)
	o := h.nonceOp(a, Op{Kind: OpTransfer, To: h.index(b), Amount: 60})
	h.batch(6, o)
	_, err := h.c.ApplyBatch(h.input(7, 64, o))
	require.ErrorIs(t, err, ErrOp, "a sequencer replay is invalid")
	h.message(o, 7)
	out := h.batch(7)
	require.Equal(t, ReasonBadNonce, out.Records[0].Reason, "a forced replay is a no-op")
	require.Equal(t, uint64(40), h.account(a).Balance)
}

func TestUnstakeUnlockJoin(t *testing.T) {
	h := newHarness(t, nil)
	p := h.c.cfg.Params
	ks := h.miners(1, 10)
	k := ks[0]
	require.Equal(t, []uint32{h.index(k)}, h.c.LiveMiners())
	out, err := h.c.ApplyBatch(h.input(11, 64, h.nonceOp(k, Op{Kind: OpJoin})))
	require.ErrorIs(t, err, ErrOp)
	require.Nil(t, out)

	h.batch(20, h.nonceOp(k, Op{Kind: OpUnstake}))
	a := h.account(k)
	require.Equal(t, uint64(0), a.Stake)
	require.Equal(t, uint64(2000), a.Locked)
	require.Equal(t, 20+p.UnstakeDelay, a.UnlockAt, "unlock counts from the batch's l1Height")
	require.Empty(t, h.c.LiveMiners())

	_, err = h.c.ApplyBatch(h.input(19+p.UnstakeDelay, 64, h.nonceOp(k, Op{Kind: OpUnlock})))
	var oe *OpError
	require.ErrorAs(t, err, &oe)
	require.Equal(t, ReasonTooEarly, oe.Reason)
	h.batch(20+p.UnstakeDelay, h.nonceOp(k, Op{Kind: OpUnlock}))
	require.Equal(t, uint64(5000), h.account(k).Balance)
	require.Equal(t, uint64(0), h.account(k).Locked)
}

// TestLiveArrayRemoval checks swap-with-last removal (rule L-5) and the array root
// against an independent dense computation.
func TestLiveArrayRemoval(t *testing.T) {
	h := newHarness(t, nil)
	ks := h.miners(5, 10)
	h.batch(11, h.nonceOp(ks[1], Op{Kind: OpUnstake}))
	live := h.c.LiveMiners()
	want := []uint32{h.index(ks[0]), h.index(ks[4]), h.index(ks[2]), h.index(ks[3])}
	require.Equal(t, want, live)
	for pos, m := range live {
		a, _ := h.c.Account(m)
		require.Equal(t, uint32(pos+1), a.MinerPos)
	}
	require.Zero(t, h.account(ks[1]).MinerPos)
	h.c.st.flush()
	got := h.c.st.liveTree.root()
	dense := denseRoot(MinerLevels, func(i uint64) fr.Element {
		if i < uint64(len(live)) {
			return zkhash.FromUint64(uint64(live[i]) + 1)
		}
		return fr.Element{}
	}, uint64(len(live)))
	require.True(t, got.Equal(&dense))
}

// denseRoot computes the root of a 4-ary tree with the given levels naively:
// the first n leaves from leaf, the rest zero, every node hashed from its four
// children in index order (zero subtrees by recursion, not by the table).
func denseRoot(levels int, leaf func(uint64) fr.Element, n uint64) fr.Element {
	var rec func(h int, i uint64) fr.Element
	zero := map[int]fr.Element{}
	rec = func(h int, i uint64) fr.Element {
		if h == 0 {
			return leaf(i)
		}
		node := func() fr.Element {
			return zkhash.Node4(rec(h-1, 4*i), rec(h-1, 4*i+1), rec(h-1, 4*i+2), rec(h-1, 4*i+3))
		}
		if i<<(2*h) >= n {
			if z, ok := zero[h]; ok {
				return z
			}
			z := node()
			zero[h] = z
			return z
		}
		return node()
	}
	return rec(levels, 0)
}

// TestForcedJudgedAtConfirmHeight: a forced op's time checks use its confirm
// height, not the batch that consumes it (rule L-18).
func TestForcedJudgedAtConfirmHeight(t *testing.T) {
	h := newHarness(t, nil)
	p := h.c.cfg.Params
	ks := h.miners(2, 10)
	h.batch(20, h.nonceOp(ks[0], Op{Kind: OpUnstake}), h.nonceOp(ks[1], Op{Kind: OpUnstake}))
	unlockAt := 20 + p.UnstakeDelay
	h.message(h.nonceOp(ks[0], Op{Kind: OpUnlock}), unlockAt-1)
	h.message(h.nonceOp(ks[1], Op{Kind: OpUnlock}), unlockAt)
	out := h.batch(unlockAt + 5)
	require.Equal(t, ReasonTooEarly, out.Records[0].Reason, "confirmed before unlockAt")
	require.Equal(t, ReasonOK, out.Records[1].Reason)
	require.Equal(t, uint64(2000), h.account(ks[0]).Locked)
	require.Zero(t, h.account(ks[1]).Locked)
}

func TestMalformedForcedOp(t *testing.T) {
	h := newHarness(t, nil)
	h.inbox = append(h.inbox,
		InboxEntry{Index: 0, Message: &MessageEntry{ID: id(1), L2Op: bitai.SubRecord{Version: 1, Data: []byte{0xff}}, ConfirmHeight: 3}},
		InboxEntry{Index: 1, Message: &MessageEntry{ID: id(2), L2Op: bitai.SubRecord{Version: 9}, ConfirmHeight: 3}})
	root := h.c.Root()
	out := h.batch(3)
	require.Equal(t, ReasonMalformed, out.Records[0].Reason)
	require.Equal(t, ReasonMalformed, out.Records[1].Reason)
	require.Equal(t, uint64(2), h.c.InboxNext(), "consumed as no-ops")
	got := h.c.Root()
	require.False(t, root.Equal(&got), "inboxNext moved")
}
