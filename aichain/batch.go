package aichain

import (
	"crypto/sha256"
	"fmt"
	"slices"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/zkhash"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// DepositEntry is a consumed deposit entry (rule Z-12) with the key's bytes.
type DepositEntry struct {
	ID            [32]byte
	L2Account     [32]byte // compressed BabyJubJub key, validated by BitAI
	Amount        uint64
	ConfirmHeight uint32
}

// MessageEntry is a consumed message entry (rule Z-13) with the op's bytes.
type MessageEntry struct {
	ID            [32]byte
	L2Op          bitai.SubRecord
	ConfirmHeight uint32
}

// InboxEntry is one consumed inbox entry: exactly one of Request, Deposit and
// Message is set.
type InboxEntry struct {
	Index   uint64
	Request *zkhash.RequestEntry
	Deposit *DepositEntry
	Message *MessageEntry
}

// ConfirmHeight returns the entry's confirm height.
func (e *InboxEntry) ConfirmHeight() uint32 {
	switch {
	case e.Request != nil:
		return e.Request.ConfirmHeight
	case e.Deposit != nil:
		return e.Deposit.ConfirmHeight
	case e.Message != nil:
		return e.Message.ConfirmHeight
	}
	return 0
}

// Hash returns the entry hash folded into the inbox accumulator (rules Z-11 to Z-13).
func (e *InboxEntry) Hash() (fr.Element, error) {
	switch {
	case e.Request != nil && e.Deposit == nil && e.Message == nil:
		return e.Request.Hash()
	case e.Deposit != nil && e.Request == nil && e.Message == nil:
		p, err := zkhash.ParseL2Account(e.Deposit.L2Account)
		if err != nil {
			return fr.Element{}, fmt.Errorf("deposit entry %d: %w", e.Index, err)
		}
		d := zkhash.DepositEntry{ID: e.Deposit.ID, L2Account: p, Amount: e.Deposit.Amount,
			ConfirmHeight: e.Deposit.ConfirmHeight}
		return d.Hash()
	case e.Message != nil && e.Request == nil && e.Deposit == nil:
		op := append([]byte{e.Message.L2Op.Version}, e.Message.L2Op.Data...)
		m := zkhash.MessageEntry{ID: e.Message.ID, L2OpHash: zkhash.HashL2Op(op),
			ConfirmHeight: e.Message.ConfirmHeight}
		return m.Hash()
	}
	return fr.Element{}, fmt.Errorf("inbox entry %d: not exactly one kind", e.Index)
}

// BatchInput is one batch as the sequencer builds it (rule L-10).
type BatchInput struct {
	Number   uint64 // Chain.Number() + 1
	L1Height uint32 // ≥ the previous batch's
	// Entries are the consumed inbox entries, indices InboxNext() onwards.
	Entries []InboxEntry
	// NextConfirm is the confirm height of the first unconsumed inbox entry, or 0
	// if the inbox has no further entry (rule L-10's clock).
	NextConfirm uint32
	// Ops are the sequencer's ops, in slot order: commits, reveals, resolves,
	// others (rule L-29).
	Ops []Op
}

// InboxClock is a batch's L2 clock (rule L-10): min(l1Height, nextConfirm − 1),
// or l1Height when no unconsumed entry exists (nextConfirm = 0).
func InboxClock(l1Height, nextConfirm uint32) uint32 {
	if nextConfirm == 0 || nextConfirm > l1Height {
		return l1Height
	}
	return nextConfirm - 1
}

// BatchOutput is what a batch produces: the SubmitBatch fields and the public
// input (rules L-31 to L-38).
type BatchOutput struct {
	Number       uint64
	PrevRoot     fr.Element
	NewRoot      fr.Element
	L1Height     uint32
	InboxClock   uint32
	InboxFrom    uint64
	InboxTo      uint64
	InboxAccFrom fr.Element
	InboxAccTo   fr.Element
	Outcomes     []Outcome
	Withdrawals  []Withdrawal
	L2Supply     uint64
	DARecord     []byte // the canonical DA record (rule L-37)
	// Outputs are the outputs of the batch's sequencer Reveal ops, in op order,
	// on a full-rollup chain (rule L-41); nil otherwise.
	Outputs [][]byte
	// Inline is SubmitBatch.data for the batch: data v2 (the DA record and
	// Outputs, rule L-41) on a full-rollup chain, else the DA record as v1.
	Inline          bitai.SubRecord
	DataHash        fr.Element
	OutcomesHash    fr.Element
	WithdrawalsHash fr.Element
	PublicInput     fr.Element
	Records         []Record
}

// batchCtx is one batch in progress.
type batchCtx struct {
	c           *Chain
	l1, clock   uint32
	outcomes    []Outcome
	withdrawals []Withdrawal
	credits     map[uint32]uint64 // pending credits, applied at the batch's end (rule L-28)
	records     []Record
	verify      bool // check sequencer signatures (false for Replay)
	outputs     bool // the op being applied must carry its output (rule L-41)
}

// ApplyBatch applies one batch (rule L-10 and the rules it lists) and returns its
// outputs. On error the state is unchanged: ErrBatch for an input no circuit
// can prove, *OpError (wrapping ErrOp) for an invalid sequencer op.
func (c *Chain) ApplyBatch(in *BatchInput) (*BatchOutput, error) { return c.apply(in, true) }

// Replay applies a batch that BitAI already settled, as a follower rebuilding
// the state from BitAI's inbox and the batch's DA record does: exactly as
// ApplyBatch, except that sequencer ops' signatures, which the DA record omits,
// are not checked (the settled proof vouched for them, rule L-37).
func (c *Chain) Replay(in *BatchInput) (*BatchOutput, error) { return c.apply(in, false) }

func (c *Chain) apply(in *BatchInput, verify bool) (*BatchOutput, error) {
	if err := c.checkInput(in); err != nil {
		return nil, err
	}
	prevRoot, accFrom := c.Root(), c.acc
	acc := c.acc
	for i := range in.Entries {
		h, err := in.Entries[i].Hash()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBatch, err)
		}
		acc = zkhash.InboxAccNext(acc, h)
	}
	b := &batchCtx{c: c, l1: in.L1Height, clock: InboxClock(in.L1Height, in.NextConfirm),
		credits: map[uint32]uint64{}, verify: verify}
	if err := b.run(in); err != nil {
		c.st.rollback()
		return nil, err
	}
	c.st.commit()
	c.number, c.acc = in.Number, acc
	out := &BatchOutput{Number: in.Number, PrevRoot: prevRoot, NewRoot: c.Root(),
		L1Height: in.L1Height, InboxClock: b.clock, InboxFrom: c.st.inboxNext - uint64(len(in.Entries)),
		InboxTo: c.st.inboxNext, InboxAccFrom: accFrom, InboxAccTo: acc,
		Outcomes: b.outcomes, Withdrawals: b.withdrawals, L2Supply: c.st.supply, Records: b.records}
	out.OutcomesHash = OutcomesHash(out.Outcomes)
	out.WithdrawalsHash = WithdrawalsHash(out.Withdrawals)
	out.DARecord = EncodeDARecord(&DARecord{Number: in.Number, L1Height: in.L1Height,
		InboxFrom: out.InboxFrom, InboxTo: out.InboxTo, Ops: in.Ops})
	out.DataHash = dataHash(in.Number, in.L1Height, out.InboxFrom, out.InboxTo, in.Ops)
	out.Inline = bitai.SubRecord{Version: DAVersion, Data: out.DARecord}
	if c.cfg.Params.FullRollup {
		out.Outputs = revealOutputs(in.Ops)
		out.Inline = bitai.SubRecord{Version: DataV2, Data: EncodeBatchData(out.DARecord, out.Outputs)}
	}
	out.PublicInput = c.publicInputs(out).Hash()
	return out, nil
}

// checkInput enforces rule L-10's input conditions.
func (c *Chain) checkInput(in *BatchInput) error {
	s, sh := c.st, c.cfg.Shape
	switch {
	case in.Number != c.number+1:
		return fmt.Errorf("%w: number %d, want %d", ErrBatch, in.Number, c.number+1)
	case in.L1Height < s.lastL1:
		return fmt.Errorf("%w: l1Height %d below the previous %d", ErrBatch, in.L1Height, s.lastL1)
	case len(in.Entries) > sh.InboxSlots:
		return fmt.Errorf("%w: %d inbox entries, %d slots", ErrBatch, len(in.Entries), sh.InboxSlots)
	}
	prevConfirm := uint32(0)
	for i := range in.Entries {
		e := &in.Entries[i]
		h := e.ConfirmHeight()
		switch {
		case e.Index != s.inboxNext+uint64(i):
			return fmt.Errorf("%w: entry %d has index %d", ErrBatch, s.inboxNext+uint64(i), e.Index)
		case h < prevConfirm || h > in.L1Height:
			return fmt.Errorf("%w: entry %d confirmed at %d", ErrBatch, e.Index, h)
		}
		prevConfirm = h
	}
	if in.NextConfirm != 0 && in.NextConfirm < prevConfirm {
		return fmt.Errorf("%w: next entry confirmed at %d before the last consumed", ErrBatch, in.NextConfirm)
	}
	if in.NextConfirm != 0 && uint64(in.NextConfirm)+uint64(c.cfg.Params.ForceDelay) <= uint64(in.L1Height) &&
		len(in.Entries) < sh.InboxSlots {
		return fmt.Errorf("%w: entry confirmed at %d is overdue and inbox slots are free", ErrBatch, in.NextConfirm)
	}
	var count [classOther + 1]int
	last := classCommit
	for i := range in.Ops {
		k := in.Ops[i].Kind
		if err := in.Ops[i].validate(); err != nil {
			return fmt.Errorf("%w: op %d: %w", ErrBatch, i, err)
		}
		cl := k.class()
		if cl < last {
			return fmt.Errorf("%w: op %d (%s) out of slot order", ErrBatch, i, k)
		}
		last = cl
		if count[cl]++; count[cl] > sh.slotsOf(cl) {
			return fmt.Errorf("%w: more %s ops than slots", ErrBatch, k)
		}
	}
	return nil
}

// run executes the batch's steps in rule L-29's order.
func (b *batchCtx) run(in *BatchInput) error {
	s := b.c.st
	if r := b.c.epochBoundary(b.l1); r != nil {
		b.records = append(b.records, *r)
	}
	for i := range in.Entries {
		b.records = append(b.records, b.inbox(&in.Entries[i]))
	}
	s.setInboxNext(s.inboxNext + uint64(len(in.Entries)))
	for i := range in.Ops {
		o := &in.Ops[i]
		rec := b.sequencer(o)
		rec.Index = uint64(i)
		if rec.Reason != ReasonOK {
			return &OpError{Index: i, Kind: o.Kind, Reason: rec.Reason}
		}
		b.records = append(b.records, rec)
	}
	b.applyCredits()
	s.setLastL1(b.l1)
	return nil
}

// sequencer runs one sequencer op (rule L-30): its signature must verify; commits
// are judged at l1Height, every other op at the inbox clock.
func (b *batchCtx) sequencer(o *Op) Record {
	rec := Record{Source: SourceSequencer, Kind: o.Kind, RequestID: o.RequestID, Account: o.Account}
	if b.verify {
		if !b.c.verified(o) {
			rec.Reason = ReasonBadSignature
			return rec
		}
	} else if o.Kind.Signed() {
		// The DA form has no signer: the op was signed by whoever it had to be.
		cp := *o
		cp.Signer = b.expectedSigner(o)
		o = &cp
	}
	tau := b.clock
	if o.Kind == OpCommit {
		tau = b.l1
	}
	// Replay's DA ops carry no outputs; BitAI checked them against data v2.
	b.outputs = b.c.cfg.Params.FullRollup && b.verify
	rec.Reason = b.exec(o, tau)
	return rec
}

// maxSigCache bounds the verified-signature cache.
const maxSigCache = 1 << 14

// verified reports whether a sequencer op's signature verifies, remembering
// the answer by the op's bytes: sequencers retry batches without refused ops,
// and every retry would otherwise verify every signature again.
func (c *Chain) verified(o *Op) bool {
	if !o.Kind.Signed() {
		return true
	}
	key := sha256.Sum256(o.Encode())
	if ok, hit := c.sigCache[key]; hit {
		return ok
	}
	ok := VerifyOp(c.cfg.ChainID, o) == nil
	if len(c.sigCache) >= maxSigCache {
		clear(c.sigCache)
	}
	c.sigCache[key] = ok
	return ok
}

// expectedSigner is the key a signed op must be signed by: its account's, or
// for a commit the key of the slot's miner (zero if there is none).
func (b *batchCtx) expectedSigner(o *Op) [32]byte {
	i := o.Account
	if o.Kind == OpCommit {
		r, ok := b.c.st.request(o.RequestSlot)
		if !ok {
			return [32]byte{}
		}
		i = r.Slots[o.Slot].Miner
	}
	a, _ := b.c.st.account(i)
	return a.Key
}

// applyCredits pays the batch's pending credits in ascending account order (rule L-28).
func (b *batchCtx) applyCredits() {
	idx := make([]uint32, 0, len(b.credits))
	for i := range b.credits {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	for _, i := range idx {
		a, _ := b.c.st.account(i)
		a.Balance += b.credits[i]
		b.c.st.setAccount(i, a)
	}
}

func (b *batchCtx) credit(i uint32, amount uint64) {
	if amount > 0 {
		b.credits[i] += amount
	}
}

// PublicInputs are the inputs of the public-input hash (rule L-38).
type PublicInputs struct {
	DeploymentID    [32]byte
	ChainID         [32]byte
	ParamsHash      fr.Element
	Number          uint64
	PrevRoot        fr.Element
	NewRoot         fr.Element
	L1Height        uint32
	InboxClock      uint32
	InboxAccFrom    fr.Element
	InboxAccTo      fr.Element
	OutcomesHash    fr.Element
	WithdrawalsHash fr.Element
	L2Supply        uint64
	DataHash        fr.Element
}

// Hash is the public input (rule L-38):
//
//	Hash("bitai/l2/pi"; deploymentID.hi, deploymentID.lo, chainID, paramsHash, number,
//	     prevRoot, newRoot, l1Height, inboxClock, inboxAccFrom, inboxAccTo,
//	     outcomesHash, withdrawalsHash, l2Supply, dataHash)
func (p *PublicInputs) Hash() fr.Element {
	u := zkhash.FromUint64
	hi, lo := zkhash.Limbs(p.DeploymentID)
	return zkhash.Hash(TagPublicInput, hi, lo, idElem(p.ChainID), p.ParamsHash, u(p.Number),
		p.PrevRoot, p.NewRoot, u(uint64(p.L1Height)), u(uint64(p.InboxClock)), p.InboxAccFrom,
		p.InboxAccTo, p.OutcomesHash, p.WithdrawalsHash, u(p.L2Supply), p.DataHash)
}

func (c *Chain) publicInputs(o *BatchOutput) *PublicInputs {
	return &PublicInputs{DeploymentID: c.cfg.DeploymentID, ChainID: c.cfg.ChainID,
		ParamsHash: c.paramsHash, Number: o.Number, PrevRoot: o.PrevRoot, NewRoot: o.NewRoot,
		L1Height: o.L1Height, InboxClock: o.InboxClock, InboxAccFrom: o.InboxAccFrom,
		InboxAccTo: o.InboxAccTo, OutcomesHash: o.OutcomesHash, WithdrawalsHash: o.WithdrawalsHash,
		L2Supply: o.L2Supply, DataHash: o.DataHash}
}
