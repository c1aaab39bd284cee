package aichain

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/bitai-l2/bitai/zkhash"
	"github.com/stretchr/testify/require"
)

// driver runs random but seeded batches against a chain: deposits, requests,
// forced ops (valid and not), miners that are honest, lazy or silent, and user
// ops of every kind, some of them invalid. An honest sequencer drops the ops
// the chain refuses and retries.
type driver struct {
	t       testing.TB
	h       *harness
	rng     *rand.Rand
	users   []*PrivateKey
	miners  []*PrivateKey
	lazy    map[uint32]bool // outputs a wrong answer
	silent  map[uint32]bool // never commits
	reveals map[[32]byte]map[uint8]Op
	fees    map[[32]byte]uint64
	closed  map[[32]byte]bool
	supply  uint64 // credited deposits + answered fees − withdrawals
	l1      uint32
	trace   []string
	lastIn  *BatchInput
	stats   struct{ batches, retries, outcomes, forced int }
}

func newDriver(t testing.TB, seed uint64) *driver {
	h := newHarness(t, nil)
	d := &driver{t: t, h: h, rng: rand.New(rand.NewPCG(seed, 0x5eed)), lazy: map[uint32]bool{},
		silent: map[uint32]bool{}, reveals: map[[32]byte]map[uint8]Op{}, fees: map[[32]byte]uint64{},
		closed: map[[32]byte]bool{}}
	for n := range 6 {
		d.users = append(d.users, testKey(t, byte(50+n)))
	}
	d.miners = h.miners(5, 10)
	d.supply = h.c.Supply()
	d.l1 = 10
	for _, k := range d.miners {
		switch i := h.index(k); d.rng.IntN(5) {
		case 0:
			d.lazy[i] = true
		case 1:
			d.silent[i] = true
		}
	}
	return d
}

func (d *driver) pick(ks []*PrivateKey) *PrivateKey { return ks[d.rng.IntN(len(ks))] }

// userOp returns a signed random nonce op by k, valid or not.
func (d *driver) userOp(k *PrivateKey) Op {
	h := d.h
	o := Op{Kind: OpKind(1 + d.rng.IntN(6))}
	if i, ok := h.c.AccountByKey(PublicKey(k)); ok {
		a, _ := h.c.Account(i)
		o.Account, o.Nonce = i, a.Nonce
	}
	if d.rng.IntN(8) == 0 {
		o.Nonce++
	}
	o.Amount = 1 + d.rng.Uint64N(3000)
	o.To = uint32(d.rng.IntN(int(h.c.NumAccounts()) + 1))
	o.Recipient = [32]byte{byte(d.rng.IntN(4))}
	return sign(d.t, k, o)
}

// minerOps returns the commits and reveals miners want in, and resolves.
func (d *driver) minerOps() (commits, reveals, resolves []Op) {
	h := d.h
	for _, r := range h.c.OpenRequests() {
		slot := Slot(r.InboxIndex)
		for j := range uint8(Assignees) {
			a := r.Slots[j]
			switch {
			case !a.Committed && !d.silent[a.Miner] && d.rng.IntN(3) > 0:
				out := "ok"
				if d.lazy[a.Miner] {
					out = "lazy"
				}
				dg := DigestOf(r.ID, []byte(out))
				salt := zkhash.FromUint64(d.rng.Uint64())
				k := d.keyFor(a.Miner)
				c := sign(d.t, k, Op{Kind: OpCommit, RequestSlot: slot, RequestID: r.ID, Slot: j,
					Commitment: CommitmentOf(testChainID, r.ID, a.Miner, dg, salt)})
				if d.reveals[r.ID] == nil {
					d.reveals[r.ID] = map[uint8]Op{}
				}
				d.reveals[r.ID][j] = Op{Kind: OpReveal, RequestSlot: slot, RequestID: r.ID, Slot: j, Digest: dg, Salt: salt}
				if d.rng.IntN(6) == 0 {
					h.message(c, d.l1)
					d.stats.forced++
				} else {
					commits = append(commits, c)
				}
			case a.Committed && !a.Revealed && d.rng.IntN(4) > 0:
				if rv, ok := d.reveals[r.ID][j]; ok {
					reveals = append(reveals, rv)
				}
			}
		}
		if d.rng.IntN(3) == 0 {
			resolves = append(resolves, resolveOp(slot, r.ID))
		}
	}
	return commits, reveals, resolves
}

func (d *driver) keyFor(i uint32) *PrivateKey {
	for _, k := range append(d.users, d.miners...) {
		if j, ok := d.h.c.AccountByKey(PublicKey(k)); ok && j == i {
			return k
		}
	}
	d.t.Fatalf("no miner key for %d", i)
	return nil
}

// step advances the clock and applies one batch.
func (d *driver) step() {
	h, sh := d.h, d.h.c.cfg.Shape
	d.l1 += uint32(1 + d.rng.IntN(12))
	for range d.rng.IntN(3) {
		h.deposit(d.pick(d.users), 1+d.rng.Uint64N(5000), d.l1)
	}
	for range d.rng.IntN(3) {
		rid, _ := h.request(d.rng.Uint64N(3000), d.l1)
		d.fees[rid] = h.inbox[len(h.inbox)-1].Request.ChainFee
	}
	if d.rng.IntN(3) == 0 {
		h.message(d.userOp(d.pick(d.users)), d.l1)
		d.stats.forced++
	}
	commits, reveals, resolves := d.minerOps()
	var others []Op
	for range d.rng.IntN(6) {
		if k := d.pick(append(d.users, d.miners...)); d.rng.IntN(2) == 0 {
			if _, ok := h.c.AccountByKey(PublicKey(k)); ok {
				others = append(others, d.userOp(k))
			}
		}
	}
	ops := append(append(append(trim(commits, sh.CommitSlots), trim(reveals, sh.RevealSlots)...),
		trim(resolves, sh.ResolveSlots)...), trim(others, sh.OtherSlots)...)
	limit := d.rng.IntN(sh.InboxSlots + 1)
	in := h.input(d.l1, limit)
	if in.NextConfirm != 0 && uint64(in.NextConfirm)+uint64(h.c.cfg.Params.ForceDelay) <= uint64(d.l1) {
		limit = sh.InboxSlots
	}
	d.apply(limit, ops)
}

func trim(ops []Op, n int) []Op { return ops[:min(len(ops), n)] }

// apply retries the batch without each op the chain refuses.
func (d *driver) apply(limit int, ops []Op) {
	h := d.h
	for {
		in := h.input(d.l1, limit, ops...)
		out, err := h.c.ApplyBatch(in)
		var oe *OpError
		if errors.As(err, &oe) {
			ops = append(ops[:oe.Index:oe.Index], ops[oe.Index+1:]...)
			d.stats.retries++
			continue
		}
		require.NoError(d.t, err)
		d.lastIn, d.h.last = in, out
		d.check(out)
		return
	}
}

// check asserts the invariants after a batch.
func (d *driver) check(out *BatchOutput) {
	t, c := d.t, d.h.c
	d.stats.batches++
	for _, r := range out.Records {
		if r.Source == SourceInbox && r.EntryKind == zkhash.InboxKindDeposit && r.Reason == ReasonOK {
			d.supply += r.Amount
		}
	}
	for _, o := range out.Outcomes {
		require.False(t, d.closed[o.RequestID], "one outcome per request")
		d.closed[o.RequestID] = true
		d.stats.outcomes++
		if o.Status == OutcomeAnswered {
			d.supply += d.fees[o.RequestID]
		}
	}
	for _, w := range out.Withdrawals {
		d.supply -= w.Amount
	}
	require.Equal(t, d.supply, c.Supply(), "l2Supply moves only by deposits, fees, withdrawals")
	require.Equal(t, c.Supply(), c.Totals(), "Σ balances + stakes + locked == l2Supply")
	require.Equal(t, out.L2Supply, c.Supply())
	require.LessOrEqual(t, len(out.Outcomes), c.cfg.Shape.OutcomeCap())
	require.LessOrEqual(t, len(out.Withdrawals), c.cfg.Shape.WithdrawalCap())
	for _, r := range c.OpenRequests() {
		require.False(t, d.closed[r.ID], "a request with an outcome is not open")
	}
	d.trace = append(d.trace, fmt.Sprintf("%d %s %s", out.Number, out.NewRoot.String(), out.PublicInput.String()))
}

func TestRandomSupplyConservation(t *testing.T) {
	for seed := range uint64(3) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			d := newDriver(t, seed)
			for range 120 {
				d.step()
			}
			require.Positive(t, d.stats.outcomes)
			require.Positive(t, d.stats.retries, "invalid sequencer ops were refused")
			t.Logf("batches %d, retries %d, outcomes %d, forced %d, accounts %d",
				d.stats.batches, d.stats.retries, d.stats.outcomes, d.stats.forced, d.h.c.NumAccounts())
		})
	}
}

// TestDeterminism: the same inputs give the same roots and public inputs, run
// after run (Go randomizes map order per run), and a clone continues identically.
func TestDeterminism(t *testing.T) {
	run := func() (*driver, []string) {
		d := newDriver(t, 42)
		for range 60 {
			d.step()
		}
		return d, d.trace
	}
	d1, a := run()
	_, b := run()
	require.Equal(t, a, b)

	// A follower replays a settled batch from BitAI's inbox and the DA record,
	// which carries no signatures, and reaches the same root.
	for range 5 {
		clone := d1.h.c.Clone()
		requireSameChain(t, d1.h.c, clone)
		d1.step()
		da, err := DecodeDARecord(d1.h.last.DARecord)
		require.NoError(t, err)
		in := *d1.lastIn
		in.Ops = da.Ops
		_, err = clone.ApplyBatch(&in)
		if len(da.Ops) > 0 && da.Ops[0].Kind.Signed() {
			require.ErrorIs(t, err, ErrOp, "unsigned DA ops fail ApplyBatch")
		}
		out, err := clone.Replay(&in)
		require.NoError(t, err)
		require.True(t, out.NewRoot.Equal(&d1.h.last.NewRoot))
		require.True(t, out.PublicInput.Equal(&d1.h.last.PublicInput))
		requireSameChain(t, d1.h.c, clone)
	}
}
