package sim

import (
	"fmt"
	"strings"

	"github.com/bitai-l2/bitai/aichain"
	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/statemachine"
	"github.com/bitai-l2/bitai/zkhash"
)

// report renders what a block did: one line per tx (its effect on BitAI) and,
// for each settled batch, what the L2 did with its inbox entries and ops.
func (r *Runner) report(b *Block) []string {
	var out []string
	for i := 0; i < len(b.Txs); i++ {
		t := b.Txs[i]
		if j := r.junkRun(b.Txs, i); j > i+1 {
			out = append(out, fmt.Sprintf("h=%d force %s..%s by %s (junk): %s", b.Height, t.Label, b.Txs[j-1].Label,
				t.From.Name, outcome(t)))
			i = j - 1
			continue
		}
		s := fmt.Sprintf("h=%d %s: %s", b.Height, r.describe(t), outcome(t))
		out = append(out, s)
		if t.Batch != nil && t.Event != nil && t.Event.Applied {
			out = append(out, r.batchLines(t.Batch)...)
		}
	}
	return out
}

// junkRun returns the end of a run of junk messages with one outcome from i.
func (r *Runner) junkRun(txs []*Tx, i int) int {
	j := i
	for j < len(txs) && strings.HasPrefix(txs[j].Label, "j") && txs[j].Force == nil &&
		txs[j].From == txs[i].From && outcome(txs[j]) == outcome(txs[i]) {
		j++
	}
	return j
}

func outcome(t *Tx) string {
	switch {
	case t.Event == nil || t.Event.Reason == 0xffff:
		return "not included"
	case t.Event.Applied:
		return "ok"
	}
	return statemachine.ReasonName(t.Event.Reason)
}

// describe names a tx.
func (r *Runner) describe(t *Tx) string {
	by := t.From.Name
	switch b := t.Body.(type) {
	case *bitai.Infer:
		return fmt.Sprintf("infer %s by %s", t.Label, by)
	case *bitai.ChainDeposit:
		return fmt.Sprintf("deposit %s by %s amount=%d", t.Label, by, b.Amount)
	case *bitai.ChainMessage:
		if t.Force == nil {
			return fmt.Sprintf("force %s by %s (%d bytes)", t.Label, by, len(b.L2Op.Data))
		}
		return fmt.Sprintf("force %s by %s %s", t.Label, by, r.opText(&t.Force.Op))
	case *bitai.Reclaim:
		return fmt.Sprintf("reclaim %s by %s", r.labelOf(b.ID), by)
	case *bitai.Exit:
		if t.Exit != nil {
			return fmt.Sprintf("exit %s by %s (signed %s) amount=%d", t.Exit.Owner.Name, by, t.Exit.Signer.Name, t.Exit.Amount)
		}
		return fmt.Sprintf("exit by %s", by)
	case *bitai.SubmitBatch:
		return fmt.Sprintf("batch %s #%d by %s l1=%d inbox ..%d", t.Label, b.Number, by, b.L1Height, b.InboxTo)
	case *bitai.ChainRegister:
		return fmt.Sprintf("register %s", t.Label)
	}
	return fmt.Sprintf("%s by %s", t.Body.Kind(), by)
}

// labelOf returns the scenario label of an object id.
func (r *Runner) labelOf(id bitai.ID) string {
	for l, t := range r.W.labels {
		if t.Raw != nil && t.Obj == id {
			return l
		}
	}
	return fmt.Sprintf("%x", id[:4])
}

// opText renders an L2 op.
func (r *Runner) opText(o *aichain.Op) string {
	switch o.Kind {
	case aichain.OpCommit, aichain.OpReveal:
		return fmt.Sprintf("%s %s/%d", o.Kind, r.labelOf(o.RequestID), o.Slot)
	case aichain.OpResolve:
		return fmt.Sprintf("resolve %s", r.labelOf(o.RequestID))
	}
	return fmt.Sprintf("%s #%d nonce=%d", o.Kind, o.Account, o.Nonce)
}

// batchLines renders a settled batch's L2 effects.
func (r *Runner) batchLines(bt *Batch) []string {
	ci := r.W.chains[bt.Chain]
	c := bt.Post
	var inbox, ops, outs, slashed []string
	for _, rec := range bt.Out.Records {
		switch rec.Source {
		case aichain.SourceInbox:
			inbox = append(inbox, r.inboxText(ci, rec, c))
		case aichain.SourceBatch:
			if rec.Reason == aichain.ReasonSlashed {
				slashed = append(slashed, fmt.Sprintf("%s(%s)", r.accountName(c, rec.Account), r.labelOf(rec.RequestID)))
			} else if rec.Reason == aichain.ReasonClosedAtDeadline {
				outs = append(outs, r.labelOf(rec.RequestID)+"=closed-at-deadline")
			}
		}
	}
	for i := range bt.In.Ops {
		ops = append(ops, r.opText(&bt.In.Ops[i]))
	}
	for _, o := range bt.Out.Outcomes {
		outs = append(outs, fmt.Sprintf("%s=%s", r.labelOf(o.RequestID),
			map[aichain.OutcomeStatus]string{aichain.OutcomeAnswered: "answered", aichain.OutcomeRefunded: "refunded"}[o.Status]))
	}
	var out []string
	add := func(name string, xs []string) {
		if len(xs) > 0 {
			out = append(out, fmt.Sprintf("  %s: %s", name, strings.Join(xs, ", ")))
		}
	}
	add("inbox", inbox)
	add("ops", ops)
	add("closed", outs)
	for _, wd := range bt.Out.Withdrawals {
		out = append(out, fmt.Sprintf("  withdraw: %d to %s", wd.Amount, r.keyName(wd.Recipient)))
	}
	add("slashed", slashed)
	return out
}

// inboxText renders one consumed inbox entry.
func (r *Runner) inboxText(ci *ChainInfo, rec aichain.Record, c *aichain.Chain) string {
	es, err := r.W.inboxEntries(ci.ID, rec.Index, rec.Index+1)
	name := fmt.Sprintf("#%d", rec.Index)
	if err == nil && len(es) == 1 {
		var id bitai.ID
		switch {
		case es[0].Request != nil:
			id = es[0].Request.ID
		case es[0].Deposit != nil:
			id = es[0].Deposit.ID
		case es[0].Message != nil:
			id = es[0].Message.ID
		}
		name = r.labelOf(id)
	}
	if rec.Reason != aichain.ReasonOK {
		return fmt.Sprintf("%s %s", name, rec.Reason)
	}
	if rec.EntryKind == zkhash.InboxKindRequest {
		if q, ok := findRequest(c, rec.RequestID); ok {
			return fmt.Sprintf("%s→%s", name, r.names(c, []uint32{q.Slots[0].Miner, q.Slots[1].Miner, q.Slots[2].Miner}))
		}
	}
	return name + " ok"
}

// keyName renders a BitAI key as an actor name.
func (r *Runner) keyName(k [32]byte) string {
	if a := r.W.byKey[k]; a != nil {
		return a.Name
	}
	return fmt.Sprintf("%x", k[:4])
}
