package aichain

import (
	"math"

	"github.com/bitai-l2/bitai/zkhash"
)

// inbox consumes one inbox entry (rules L-16 to L-19). Nothing here fails the
// batch: an entry that cannot apply is a recorded no-op.
func (b *batchCtx) inbox(e *InboxEntry) Record {
	rec := Record{Source: SourceInbox, Index: e.Index}
	switch {
	case e.Request != nil:
		rec.EntryKind, rec.RequestID = zkhash.InboxKindRequest, e.Request.ID
		rec.Reason = b.request(e.Index, e.Request)
	case e.Deposit != nil:
		rec.EntryKind, rec.Amount = zkhash.InboxKindDeposit, e.Deposit.Amount
		rec.Reason, rec.Account = b.deposit(e.Deposit)
	case e.Message != nil:
		rec.EntryKind = zkhash.InboxKindMessage
		o, err := DecodeOpRecord(e.Message.L2Op)
		if err != nil {
			rec.Reason = ReasonMalformed
			return rec
		}
		rec.Kind, rec.RequestID, rec.Account = o.Kind, o.RequestID, o.Account
		b.outputs = b.c.cfg.Params.FullRollup // BitAI checked it on arrival (rule L-41)
		rec.Reason = b.exec(&o, e.Message.ConfirmHeight)
	}
	return rec
}

// request places a request entry (rule L-16): expired on arrival → no-op; a
// busy slot whose request is past its deadline is freed, a busy live one refunds
// the new request; fewer than 3 miners refunds; otherwise 3 miners are drawn.
func (b *batchCtx) request(index uint64, e *zkhash.RequestEntry) Reason {
	s := b.c.st
	if b.l1 > e.Deadline {
		return ReasonRequestExpired
	}
	slot := Slot(index)
	if old, ok := s.request(slot); ok {
		if b.l1 <= old.Deadline {
			b.refund(e.ID)
			return ReasonSlotBusy
		}
		s.deleteRequest(slot)
		b.records = append(b.records, Record{Source: SourceBatch, Reason: ReasonClosedAtDeadline,
			Index: old.InboxIndex, RequestID: old.ID})
	}
	miners, ok := Draw(Seed(e.ConfirmBlockHash, e.ID), s.setAt(b.c.requestEpoch(e.ConfirmHeight)))
	if !ok {
		b.refund(e.ID)
		return ReasonTooFewMiners
	}
	r := Request{ID: e.ID, InboxIndex: index, ChainFee: e.ChainFee, ConfirmHeight: e.ConfirmHeight,
		Deadline: e.Deadline, First: NoCommitter}
	for i, m := range miners {
		r.Slots[i].Miner = m
	}
	s.setRequest(slot, r)
	return ReasonOK
}

func (b *batchCtx) refund(id [32]byte) {
	b.outcomes = append(b.outcomes, Outcome{RequestID: id, Status: OutcomeRefunded})
}

// deposit credits a deposit consumed with l1Height ≤ confirmHeight + forceDelay
// (rule L-17) to the key's account, creating it if the key is new.
func (b *batchCtx) deposit(d *DepositEntry) (Reason, uint32) {
	s := b.c.st
	if uint64(b.l1) > uint64(d.ConfirmHeight)+uint64(b.c.cfg.Params.ForceDelay) {
		return ReasonDepositLate, 0
	}
	idx, ok := s.byKey[d.L2Account]
	if !ok {
		p, err := zkhash.ParseL2Account(d.L2Account)
		if err != nil {
			return ReasonMalformed, 0
		}
		idx = s.createAccount(d.L2Account, p)
	}
	a := s.accounts[idx]
	a.Balance += d.Amount
	s.setAccount(idx, a)
	s.setSupply(s.supply + d.Amount)
	return ReasonOK, idx
}

// exec applies one decoded op judged at time tau (rules L-20 to L-27): a forced
// op's confirm height, or the sequencer's clock. Signatures are checked by the
// caller (BitAI for forced ops, rule L-18; sequencer for its own, rule L-30).
func (b *batchCtx) exec(o *Op, tau uint32) Reason {
	switch o.Kind {
	case OpCommit:
		return b.commit(o, tau)
	case OpReveal:
		return b.reveal(o, tau)
	case OpResolve:
		return b.resolve(o, tau)
	}
	a, r := b.signer(o)
	if r != ReasonOK {
		return r
	}
	switch o.Kind {
	case OpTransfer:
		r = b.transfer(o, &a)
	case OpWithdraw:
		r = b.withdraw(o, &a)
	case OpStake:
		r = stake(o, &a)
	case OpUnstake:
		r = b.unstake(&a)
	case OpUnlock:
		r = unlock(&a, tau)
	case OpJoin:
		r = b.join(&a, tau)
	default:
		return ReasonMalformed
	}
	if r != ReasonOK {
		return r
	}
	s := b.c.st
	// Re-read fields another step changed (transfer credits, membership moves).
	cur := s.accounts[o.Account]
	a.Nonce++
	a.MinerPos = cur.MinerPos
	if o.Kind == OpTransfer && o.To == o.Account {
		a.Balance = cur.Balance
	}
	s.setAccount(o.Account, a)
	if o.Kind == OpJoin {
		s.addMember(o.Account)
	}
	return ReasonOK
}

// signer checks a nonce op's account (rule L-21): it exists, its key is the
// op's signer and its nonce is the op's.
func (b *batchCtx) signer(o *Op) (Account, Reason) {
	a, ok := b.c.st.account(o.Account)
	switch {
	case !ok:
		return a, ReasonNoAccount
	case a.Key != o.Signer:
		return a, ReasonWrongSigner
	case a.Nonce != o.Nonce:
		return a, ReasonBadNonce
	}
	return a, ReasonOK
}

// transfer moves amount to an existing account (rule L-22).
func (b *batchCtx) transfer(o *Op, a *Account) Reason {
	s := b.c.st
	to, ok := s.account(o.To)
	switch {
	case !ok:
		return ReasonNoRecipient
	case a.Balance < o.Amount:
		return ReasonInsufficient
	}
	if o.To != o.Account {
		a.Balance -= o.Amount
		to.Balance += o.Amount
		s.setAccount(o.To, to)
	}
	return ReasonOK
}

// withdraw pays amount out through the batch's withdrawal list (rule L-23).
func (b *batchCtx) withdraw(o *Op, a *Account) Reason {
	switch {
	case a.Balance < o.Amount:
		return ReasonInsufficient
	case len(b.withdrawals) >= b.c.cfg.Shape.WithdrawalCap():
		return ReasonListFull
	}
	a.Balance -= o.Amount
	s := b.c.st
	s.setSupply(s.supply - o.Amount)
	b.withdrawals = append(b.withdrawals, Withdrawal{Recipient: o.Recipient, Amount: o.Amount})
	return ReasonOK
}

// stake bonds balance (rule L-24).
func stake(o *Op, a *Account) Reason {
	if a.Balance < o.Amount {
		return ReasonInsufficient
	}
	a.Balance -= o.Amount
	a.Stake += o.Amount
	return ReasonOK
}

// unstake unbonds the whole stake (rule L-25): the account leaves the live array
// now, and its stake stays slashable as Locked until l1Height + unstakeDelay.
func (b *batchCtx) unstake(a *Account) Reason {
	if a.Stake == 0 {
		return ReasonInsufficient
	}
	a.Locked += a.Stake
	a.Stake = 0
	a.UnlockAt = max(a.UnlockAt, satAdd(b.l1, b.c.cfg.Params.UnstakeDelay))
	if a.MinerPos != 0 {
		idx := b.c.st.byKey[a.Key]
		b.c.st.removeMember(idx)
	}
	return ReasonOK
}

// unlock returns Locked to the balance once tau ≥ unlockAt (rule L-26).
func unlock(a *Account, tau uint32) Reason {
	switch {
	case a.Locked == 0:
		return ReasonNothingLocked
	case tau < a.UnlockAt:
		return ReasonTooEarly
	}
	a.Balance += a.Locked
	a.Locked = 0
	return ReasonOK
}

// join checks that the account may enter the live array (rule L-27); exec adds it.
func (b *batchCtx) join(a *Account, tau uint32) Reason {
	switch {
	case a.MinerPos != 0:
		return ReasonAlreadyMember
	case a.Stake < b.c.cfg.Params.MinStake:
		return ReasonStakeTooLow
	case tau < a.BannedUntil:
		return ReasonBanned
	case len(b.c.st.live) >= 1<<MinerDepth:
		return ReasonSetFull
	}
	return ReasonOK
}

func satAdd(a, b uint32) uint32 {
	if s := uint64(a) + uint64(b); s <= math.MaxUint32 {
		return uint32(s)
	}
	return math.MaxUint32
}
