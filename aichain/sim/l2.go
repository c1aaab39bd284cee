package sim

import (
	"errors"
	"fmt"
	"slices"

	"github.com/bitai-l2/bitai/aichain"
	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/statemachine"
	"github.com/bitai-l2/bitai/zkhash"
)

// ChainInfo is what the simulator knows of one registered AI chain.
type ChainInfo struct {
	ID         bitai.ID
	Name       string
	Params     bitai.ChainParams
	Circuit    bitai.ID
	Shape      aichain.Shape
	Inline     bool // full rollup: every batch carries its DA record inline
	Sequencers []*Actor
	Eternal    bitai.ID // the Eternal infers name
	RegHeight  uint32
	genesis    *aichain.Chain // nil if aichain refuses the params
	genesisErr error
	pool       []*PoolOp // L2 ops sent to the sequencer off-chain
	published  []uint64  // batch numbers whose DA record was published
	idleOK     string    // the idle state the no-brick check last passed in
}

// PoolOp is an L2 op a participant handed the sequencer.
type PoolOp struct {
	By   *Actor
	Op   aichain.Op
	Sent uint32 // tip height when sent
	Out  []byte // Reveal: the output it opens (full-rollup chains publish it)

	in      []*Tx // batches that included it
	refused int   // batches that dropped it
}

// done reports whether a batch that included the op is settled in the current chain.
func (p *PoolOp) done() bool {
	for _, t := range p.in {
		if t.Event != nil && t.Event.Applied {
			return true
		}
	}
	return false
}

// Batch is a SubmitBatch the simulator built: the native transition it proves.
type Batch struct {
	Chain bitai.ID
	In    *aichain.BatchInput
	Out   *aichain.BatchOutput
	Post  *aichain.Chain // the L2 state after it (never mutated)
	// Dropped are the planned ops the chain refused (rule L-30: an invalid
	// sequencer op would make the batch invalid, so an honest sequencer leaves
	// it out).
	Dropped []aichain.Op
	Why     []aichain.Reason // why each dropped op was refused
}

// settledL2 returns a chain's L2 state as of the last settled batch at the tip
// (its genesis before any); nil if the chain has none.
func (w *World) settledL2(ci *ChainInfo) *aichain.Chain {
	if b := w.tipBlock(); b != nil {
		if c, ok := b.settled[ci.ID]; ok {
			return c
		}
	}
	return ci.genesis
}

// Settlement returns a chain's BitAI settlement state.
func (w *World) Settlement(id bitai.ID) (statemachine.Settlement, bool) {
	s, ok, err := statemachine.GetSettlement(w.state(), id)
	if err != nil {
		return s, false
	}
	return s, ok
}

// inboxEntries returns the L2 view of a chain's inbox entries [from, to).
func (w *World) inboxEntries(id bitai.ID, from, to uint64) ([]aichain.InboxEntry, error) {
	st := w.state()
	es, err := statemachine.InboxEntries(st, id, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]aichain.InboxEntry, len(es))
	for i, e := range es {
		out[i] = aichain.InboxEntry{Index: from + uint64(i)}
		switch e.Kind {
		case 0:
			q, _, err := statemachine.GetRequest(st, e.ID)
			if err != nil {
				return nil, err
			}
			out[i].Request = requestEntry(e.ID, &q)
		case 1:
			d, _, err := statemachine.GetDeposit(st, e.ID)
			if err != nil {
				return nil, err
			}
			out[i].Deposit = &aichain.DepositEntry{ID: e.ID, L2Account: d.L2Account, Amount: d.Amount,
				ConfirmHeight: d.ConfirmHeight}
		default:
			m, _, err := statemachine.GetMessage(st, e.ID)
			if err != nil {
				return nil, err
			}
			out[i].Message = &aichain.MessageEntry{ID: e.ID, L2Op: m.L2Op, ConfirmHeight: m.ConfirmHeight}
		}
	}
	return out, nil
}

// piBytes is the simulator's "proof": the public input its prover computed.
func piBytes(o *aichain.BatchOutput) []byte {
	b := o.PublicInput.Bytes()
	return b[:]
}

// requestEntry is the L2's view of a BitAI request record (rule Z-11).
func requestEntry(id bitai.ID, q *statemachine.Request) *zkhash.RequestEntry {
	return &zkhash.RequestEntry{ID: id, Requester: q.Requester, EternalID: q.EternalID, ModelID: q.ModelID,
		SystemPromptHash: q.SystemPromptHash, CalldataHash: q.CalldataHash, EternalFee: q.EternalFee,
		ChainFee: q.ChainFee, ConfirmHeight: q.ConfirmHeight, ConfirmBlockHash: q.ConfirmBlockHash,
		Deadline: q.Deadline}
}

// BatchPlan is how a sequencer shapes one batch.
type BatchPlan struct {
	By       *Actor
	L1       uint32 // l1Height
	Entries  int    // how many confirmed entries at most (−1: as many as fit)
	Ops      []*PoolOp
	Resolve  bool // add a Resolve for every request whose reveal phase is closed
	Withhold bool // pointer chain: do not publish the DA record
	NoData   bool // full-rollup chain: leave the inline data out
	Number   uint64
}

// ErrNoBatch: the planned batch is not a valid L2 transition.
var ErrNoBatch = errors.New("sim: no valid batch")

// buildBatch builds the batch a sequencer following plan submits on top of the
// settled state: the longest prefix of entries confirmed by L1 that fits, the
// plan's ops in slot order, an op the chain refuses dropped and the batch
// retried. The returned tx is not queued.
func (w *World) buildBatch(ci *ChainInfo, plan BatchPlan) (*Tx, error) {
	base := w.settledL2(ci)
	if base == nil {
		return nil, fmt.Errorf("%w: chain %s has no L2 state: %w", ErrNoBatch, ci.Name, ci.genesisErr)
	}
	set, ok := w.Settlement(ci.ID)
	if !ok {
		return nil, fmt.Errorf("%w: chain %s not registered", ErrNoBatch, ci.Name)
	}
	in, err := w.batchEntries(ci, set, plan)
	if err != nil {
		return nil, err
	}
	var dropped []aichain.Op
	var why []aichain.Reason
	var ops []aichain.Op
	for _, o := range w.planOps(ci, base, plan, in) {
		// An op that fails the schema's static checks (L-34, L-41) would make the
		// batch no transition at all: leave it out (client rule C-4).
		if _, err := aichain.DecodeOp(o.Encode()); err != nil {
			dropped, why = append(dropped, o), append(why, aichain.ReasonMalformed)
			continue
		}
		ops = append(ops, o)
	}
	for {
		in.Ops = ops
		post := base.Clone()
		out, err := post.ApplyBatch(in)
		var oe *aichain.OpError
		if errors.As(err, &oe) {
			dropped, why = append(dropped, ops[oe.Index]), append(why, oe.Reason)
			ops = slices.Delete(slices.Clone(ops), oe.Index, oe.Index+1)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNoBatch, err)
		}
		b := &Batch{Chain: ci.ID, In: in, Out: out, Post: post, Dropped: dropped, Why: why}
		return &Tx{From: plan.By, Body: w.submitBody(ci, b, plan), Batch: b}, nil
	}
}

// batchEntries picks the consumed entries (rule L-10): from the settled inboxTo,
// every entry confirmed by L1, up to the inbox slots and the plan's limit.
func (w *World) batchEntries(ci *ChainInfo, set statemachine.Settlement, plan BatchPlan) (*aichain.BatchInput, error) {
	n, err := statemachine.InboxLen(w.state(), ci.ID)
	if err != nil {
		return nil, err
	}
	limit := ci.Shape.InboxSlots
	if plan.Entries >= 0 && plan.Entries < limit {
		limit = plan.Entries
	}
	all, err := w.inboxEntries(ci.ID, set.InboxTo, min(n, set.InboxTo+uint64(limit)+1))
	if err != nil {
		return nil, err
	}
	in := &aichain.BatchInput{Number: set.Number + 1, L1Height: plan.L1}
	if plan.Number != 0 {
		in.Number = plan.Number
	}
	for i := range all {
		if len(in.Entries) >= limit || all[i].ConfirmHeight() > plan.L1 {
			in.NextConfirm = all[i].ConfirmHeight()
			break
		}
		in.Entries = append(in.Entries, all[i])
	}
	return in, nil
}

// planOps orders the plan's ops into slot order and caps each slot type, adding
// resolves if the plan asks for them.
func (w *World) planOps(ci *ChainInfo, base *aichain.Chain, plan BatchPlan, in *aichain.BatchInput) []aichain.Op {
	var cls [4][]aichain.Op
	for _, p := range plan.Ops {
		cls[opClass(p.Op.Kind)] = append(cls[opClass(p.Op.Kind)], p.Op)
	}
	if plan.Resolve {
		clock := aichain.InboxClock(in.L1Height, in.NextConfirm)
		for _, r := range base.OpenRequests() {
			if resolvable(ci.Params, &r, clock, in.L1Height) {
				cls[2] = append(cls[2], aichain.Op{Kind: aichain.OpResolve,
					RequestSlot: aichain.Slot(r.InboxIndex), RequestID: r.ID})
			}
		}
	}
	caps := [4]int{ci.Shape.CommitSlots, ci.Shape.RevealSlots, ci.Shape.ResolveSlots, ci.Shape.OtherSlots}
	var ops []aichain.Op
	for i := range cls {
		ops = append(ops, cls[i][:min(len(cls[i]), caps[i])]...)
	}
	return ops
}

// resolvable reports whether an honest sequencer resolves a request at clock
// (rule L-31): its deadline passed, or its reveal phase closed by time or by
// every committed slot revealing after the commit phase closed.
func resolvable(p bitai.ChainParams, r *aichain.Request, clock, l1 uint32) bool {
	if l1 > r.Deadline {
		return true
	}
	c := uint64(r.ConfirmHeight)
	commits, open := 0, false
	for _, s := range r.Slots {
		if s.Committed {
			commits++
			open = open || !s.Revealed
		}
	}
	commitClosed := commits == aichain.Assignees || uint64(clock) > c+uint64(p.CommitTimeout)
	return commitClosed && (!open || uint64(clock) > c+uint64(p.RevealTimeout))
}

func opClass(k aichain.OpKind) int {
	switch k {
	case aichain.OpCommit:
		return 0
	case aichain.OpReveal:
		return 1
	case aichain.OpResolve:
		return 2
	}
	return 3
}

// submitBody is the SubmitBatch for a built batch: its proof is the public input
// the simulator computed (finding N-1), a pointer chain names the dataHash, and a
// nodata batch leaves out a full-rollup chain's inline data.
func (w *World) submitBody(ci *ChainInfo, b *Batch, plan BatchPlan) *bitai.SubmitBatch {
	o := b.Out
	var pointer *bitai.SubRecord
	if !ci.Inline {
		h := o.DataHash.Bytes()
		pointer = &bitai.SubRecord{Version: 1, Data: h[:]}
	}
	sb := statemachine.SubmitBatchFor(ci.ID, o, pointer, bitai.SubRecord{Version: 1, Data: piBytes(o)})
	if plan.NoData {
		sb.Data = nil
	}
	return sb
}
