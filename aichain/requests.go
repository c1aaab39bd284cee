package aichain

import (
	"math/bits"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// openRequest returns the open request an op names (rule L-20): the slot must
// hold a request with the op's id.
func (b *batchCtx) openRequest(o *Op) (Request, Reason) {
	r, ok := b.c.st.request(o.RequestSlot)
	if !ok || r.ID != o.RequestID {
		return r, ReasonNoRequest
	}
	return r, ReasonOK
}

// commitClosed reports whether a request's commit phase is closed at tau (rule
// L-15): all 3 slots committed, or tau > confirmHeight + commitTimeout.
func (b *batchCtx) commitClosed(r *Request, tau uint32) bool {
	return r.commits() == Assignees ||
		uint64(tau) > uint64(r.ConfirmHeight)+uint64(b.c.cfg.Params.CommitTimeout)
}

// revealClosed reports whether the reveal phase is closed at tau (rule L-15):
// the commit phase is closed and every committed slot is revealed or tau >
// confirmHeight + revealTimeout.
func (b *batchCtx) revealClosed(r *Request, tau uint32) bool {
	if !b.commitClosed(r, tau) {
		return false
	}
	if uint64(tau) > uint64(r.ConfirmHeight)+uint64(b.c.cfg.Params.RevealTimeout) {
		return true
	}
	for i := range r.Slots {
		if r.Slots[i].Committed && !r.Slots[i].Revealed {
			return false
		}
	}
	return true
}

// commit records a slot's commitment (rule L-15). The op is signed by the slot's
// miner; it is replay-protected by the slot, not by a nonce.
func (b *batchCtx) commit(o *Op, tau uint32) Reason {
	r, why := b.openRequest(o)
	if why != ReasonOK {
		return why
	}
	sl := &r.Slots[o.Slot]
	m, _ := b.c.st.account(sl.Miner)
	switch {
	case m.Key != o.Signer:
		return ReasonNotAssigned
	case sl.Committed:
		return ReasonAlreadyCommitted
	case r.anyRevealed():
		return ReasonAfterReveal
	case uint64(tau) > uint64(r.ConfirmHeight)+uint64(b.c.cfg.Params.CommitTimeout):
		return ReasonCommitClosed
	}
	sl.Committed, sl.Commitment = true, o.Commitment
	if r.First == NoCommitter {
		r.First = o.Slot
	}
	b.c.st.setRequest(o.RequestSlot, r)
	return ReasonOK
}

// reveal opens a slot's commitment (rule L-15): only once the commit phase is
// closed and while tau ≤ confirmHeight + revealTimeout. It is unsigned: only
// the miner knows the opening.
func (b *batchCtx) reveal(o *Op, tau uint32) Reason {
	r, why := b.openRequest(o)
	if why != ReasonOK {
		return why
	}
	sl := &r.Slots[o.Slot]
	switch {
	case !sl.Committed:
		return ReasonNotCommitted
	case sl.Revealed:
		return ReasonAlreadyRevealed
	case !b.commitClosed(&r, tau):
		return ReasonCommitOpen
	case uint64(tau) > uint64(r.ConfirmHeight)+uint64(b.c.cfg.Params.RevealTimeout):
		return ReasonRevealClosed
	}
	want := CommitmentOf(b.c.cfg.ChainID, r.ID, sl.Miner, o.Digest, o.Salt)
	if !want.Equal(&sl.Commitment) {
		return ReasonBadOpening
	}
	if b.outputs && !outputMatches(o, r.ID) {
		return ReasonNoOutput
	}
	sl.Revealed, sl.Digest = true, o.Digest
	b.c.st.setRequest(o.RequestSlot, r)
	return ReasonOK
}

// outputMatches is rule L-41's check of a full-rollup reveal: it carries its
// output and DigestOf(requestID, output) is the revealed digest.
func outputMatches(o *Op, requestID [32]byte) bool {
	if !o.HasOutput || len(o.Output) > MaxOutputLen {
		return false
	}
	d := DigestOf(requestID, o.Output)
	return d.Equal(&o.Digest)
}

// resolve closes a request (rules L-31, L-32): in a batch
// with l1Height > deadline it closes with no outcome and no slashing; otherwise
// only once the reveal phase is closed, answered with a 2-of-3 majority or
// refunded without one.
func (b *batchCtx) resolve(o *Op, tau uint32) Reason {
	r, why := b.openRequest(o)
	if why != ReasonOK {
		return why
	}
	s := b.c.st
	if b.l1 > r.Deadline {
		s.deleteRequest(o.RequestSlot)
		b.records = append(b.records, Record{Source: SourceBatch, Reason: ReasonClosedAtDeadline,
			Index: r.InboxIndex, RequestID: r.ID})
		return ReasonOK
	}
	if !b.revealClosed(&r, tau) {
		return ReasonRevealOpen
	}
	s.deleteRequest(o.RequestSlot)
	d, majority := tally(&r)
	if !majority {
		b.refund(r.ID)
		for i := range r.Slots {
			if !r.Slots[i].Revealed {
				b.slash(r.Slots[i].Miner, r.ID)
			}
		}
		return ReasonOK
	}
	b.outcomes = append(b.outcomes, Outcome{RequestID: r.ID, Status: OutcomeAnswered, Digest: d})
	s.setSupply(s.supply + r.ChainFee)
	b.pay(&r, d)
	for i := range r.Slots {
		sl := &r.Slots[i]
		if !sl.Revealed || !sl.Digest.Equal(&d) {
			b.slash(sl.Miner, r.ID)
		}
	}
	return ReasonOK
}

// tally returns the digest revealed by at least 2 slots, if any.
func tally(r *Request) (fr.Element, bool) {
	for i := range r.Slots {
		if !r.Slots[i].Revealed {
			continue
		}
		n := 0
		for j := range r.Slots {
			if r.Slots[j].Revealed && r.Slots[j].Digest.Equal(&r.Slots[i].Digest) {
				n++
			}
		}
		if n >= 2 {
			return r.Slots[i].Digest, true
		}
	}
	return fr.Element{}, false
}

// pay splits an answered request's chain fee F (rule L-32): if the first
// committer is in the majority M it gets ⌊F·feeSplitBps / 10000⌋ and the other
// members share the rest equally; otherwise all of M share F equally. Shares
// are floored; the remainder goes to the treasury. Credits are pending until
// the batch's end (rule L-28).
func (b *batchCtx) pay(r *Request, d fr.Element) {
	var members []int
	for i := range r.Slots {
		if r.Slots[i].Revealed && r.Slots[i].Digest.Equal(&d) {
			members = append(members, i)
		}
	}
	rest := r.ChainFee
	sharers := members
	if f := int(r.First); f < Assignees && r.Slots[f].Revealed && r.Slots[f].Digest.Equal(&d) {
		hi, lo := bits.Mul64(r.ChainFee, uint64(b.c.cfg.Params.FeeSplitBps))
		first, _ := bits.Div64(hi, lo, 10_000)
		b.credit(r.Slots[f].Miner, first)
		rest -= first
		sharers = sharers[:0:0]
		for _, i := range members {
			if i != f {
				sharers = append(sharers, i)
			}
		}
	}
	each := rest / uint64(len(sharers))
	for _, i := range sharers {
		b.credit(r.Slots[i].Miner, each)
	}
	b.credit(0, rest-each*uint64(len(sharers)))
}

// slash takes min(stake + locked, slash) from a miner, stake first, for the
// treasury (rule L-39): the miner leaves the live array and may not join again
// before l1Height + rejoinDelay.
func (b *batchCtx) slash(miner uint32, requestID [32]byte) {
	s := b.c.st
	p := b.c.cfg.Params
	a, ok := s.account(miner)
	if !ok {
		return
	}
	amt := min(a.Stake+a.Locked, p.Slash)
	fromStake := min(a.Stake, amt)
	a.Stake -= fromStake
	a.Locked -= amt - fromStake
	a.BannedUntil = max(a.BannedUntil, satAdd(b.l1, p.RejoinDelay))
	s.setAccount(miner, a)
	s.removeMember(miner)
	b.credit(0, amt)
	b.records = append(b.records, Record{Source: SourceBatch, Reason: ReasonSlashed,
		RequestID: requestID, Account: miner, Amount: amt})
}
