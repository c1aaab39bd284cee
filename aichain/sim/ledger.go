package sim

import (
	"bytes"
	"fmt"

	"github.com/bitai-l2/bitai/aichain"
	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/statemachine"
	"github.com/bitai-l2/bitai/zkhash"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// interpret reads a block's tx events and updates the simulator's bookkeeping:
// registered chains, settled L2 states, and what every key is owed (the ledger
// the "no theft" invariant compares balances against). Anything the state
// machine did that no rule owes is a violation, reported by check.
func (w *World) interpret(b *Block) error {
	used := make([]bool, len(b.Events))
	for _, t := range b.Txs {
		e, ok := nextTxEvent(b.Events, used, t.TxID)
		if !ok {
			t.Event = &EventSummary{Height: b.Height, Reason: 0xffff}
			continue
		}
		t.Event = &EventSummary{Height: b.Height, Applied: e.Kind == statemachine.EventTxApplied, Reason: e.Reason}
		if !t.Event.Applied {
			w.Stats.Failed++
			continue
		}
		switch t.Body.(type) {
		case *bitai.ChainMessage:
			w.Stats.Forced++
		case *bitai.Reclaim:
			w.Stats.Reclaimed++
		case *bitai.Exit:
			w.Stats.Exited++
		}
		if err := w.applied(b, t); err != nil {
			return err
		}
	}
	return nil
}

// applied books one applied tx.
func (w *World) applied(b *Block, t *Tx) error {
	st := w.state()
	switch body := t.Body.(type) {
	case *bitai.ChainRegister:
		return w.registered(b, t, body)
	case *bitai.Infer:
		q, _, err := statemachine.GetRequest(st, t.Obj)
		if err != nil {
			return err
		}
		w.owe(b, t.From.Key, -int64(q.Escrow()))
	case *bitai.ChainDeposit:
		w.owe(b, t.From.Key, -int64(body.Amount))
	case *bitai.Reclaim:
		return w.reclaimed(b, body.ID)
	case *bitai.SubmitBatch:
		return w.settled(b, t, body)
	case *bitai.Exit:
		k := exitKey{body.ChainID, uint32(body.AccountIndex)}
		if t.Exit == nil || w.exits[k] {
			w.violate(b, "no-theft", fmt.Sprintf("exit of account %d paid twice or unowed", body.AccountIndex))
			return nil
		}
		w.exits[k] = true
		b.exits = append(b.exits, k)
		w.owe(b, t.Exit.Recipient, int64(t.Exit.Amount))
	}
	return nil
}

// owe adds to what a key is owed.
func (w *World) owe(b *Block, key [32]byte, amount int64) {
	w.ledger[key] += amount
	b.delta[key] += amount
}

// markPaid records that an escrow (request or deposit) was paid; twice is theft.
func (w *World) markPaid(b *Block, id bitai.ID, how string) {
	if prev, ok := w.paid[id]; ok {
		w.violate(b, "paid-once", fmt.Sprintf("escrow %x paid twice: %s then %s", id[:4], prev, how))
		return
	}
	w.paid[id] = how
	b.paid = append(b.paid, id)
}

// reclaimed books a Reclaim: the escrow goes back to its payer.
func (w *World) reclaimed(b *Block, id bitai.ID) error {
	st := w.state()
	if q, ok, err := statemachine.GetRequest(st, id); err != nil || ok {
		if err != nil {
			return err
		}
		w.owe(b, q.Requester, int64(q.Escrow()))
		w.markPaid(b, id, "reclaimed")
		return nil
	}
	d, ok, err := statemachine.GetDeposit(st, id)
	if err != nil || !ok {
		return err
	}
	w.owe(b, d.Depositor, int64(d.Amount))
	w.markPaid(b, id, "reclaimed")
	return nil
}

// registered books a ChainRegister: the chain's L2 genesis as aichain builds it.
func (w *World) registered(b *Block, t *Tx, body *bitai.ChainRegister) error {
	ci := t.reg
	if ci == nil {
		return nil
	}
	ci.ID, ci.RegHeight = t.Obj, b.Height
	ci.genesis, ci.genesisErr = aichain.New(aichain.Config{DeploymentID: w.depID, ChainID: ci.ID,
		Params: ci.Params, CircuitID: body.CircuitID, Shape: ci.Shape})
	if _, seen := w.chains[ci.ID]; !seen {
		w.order = append(w.order, ci.ID)
	}
	w.chains[ci.ID] = ci
	return nil
}

// settled books a settled batch: the L2 state advances, outcomes and withdrawals
// are owed to their payees, credited deposits are paid into the bridge.
func (w *World) settled(b *Block, t *Tx, body *bitai.SubmitBatch) error {
	w.Stats.Batches++
	ci := w.chains[body.ChainID]
	if t.Batch == nil || ci == nil {
		w.violate(b, "proof", "a batch the simulator did not prove settled")
		return nil
	}
	w.checkSlashes(b, ci, t.Batch)
	w.checkAssignments(b, ci, t.Batch)
	if err := w.checkUnlocks(b, ci, t.Batch, body.InboxTo); err != nil {
		return err
	}
	// The verifier derived the settled state from BitAI's own inbox entries; after
	// a reorg re-mined the batch they may differ from those it was built on
	// (other confirm block hashes) with the same roots and lists.
	post, ok := w.nv.State(ci.ID, body.Number, body.NewRoot)
	if !ok {
		return fmt.Errorf("sim: verifier has no state for batch %d", body.Number)
	}
	b.settled[ci.ID] = post
	st := w.state()
	for _, o := range t.Batch.Out.Outcomes {
		q, ok, err := statemachine.GetRequest(st, o.RequestID)
		if err != nil {
			return err
		}
		if !ok {
			w.violate(b, "paid-once", fmt.Sprintf("outcome for unknown request %x", o.RequestID[:4]))
			continue
		}
		if o.Status == aichain.OutcomeAnswered {
			e, _, err := statemachine.GetEternal(st, q.EternalID)
			if err != nil {
				return err
			}
			m, _, err := statemachine.GetModel(st, q.ModelID)
			if err != nil {
				return err
			}
			w.owe(b, e.Owner, int64(q.EternalFee))
			w.owe(b, m.Creator, int64(q.CreatorFee))
			w.markPaid(b, o.RequestID, "answered")
			w.checkOutput(b, ci, t, o)
		} else {
			w.owe(b, q.Requester, int64(q.Escrow()))
			w.markPaid(b, o.RequestID, "refunded")
		}
	}
	for _, o := range t.Batch.Out.Outcomes {
		if o.Status == aichain.OutcomeAnswered {
			w.Stats.Answered++
		} else {
			w.Stats.Refunded++
		}
	}
	for _, rec := range t.Batch.Out.Records {
		switch rec.Reason {
		case aichain.ReasonSlashed:
			w.Stats.Slashed++
		case aichain.ReasonClosedAtDeadline, aichain.ReasonRequestExpired:
			w.Stats.Expired++
		}
	}
	for _, wd := range t.Batch.Out.Withdrawals {
		w.owe(b, wd.Recipient, int64(wd.Amount))
	}
	for _, r := range t.Batch.Out.Records {
		if r.Source == aichain.SourceInbox && r.EntryKind == zkhash.InboxKindDeposit && r.Reason == aichain.ReasonOK {
			e, err := w.inboxEntries(ci.ID, r.Index, r.Index+1)
			if err != nil || len(e) != 1 || e[0].Deposit == nil {
				return fmt.Errorf("sim: deposit entry %d: %w", r.Index, err)
			}
			w.markPaid(b, e[0].Deposit.ID, "credited")
		}
	}
	return nil
}

// violate records a violation found while booking a block; check reports it.
func (w *World) violate(b *Block, inv, detail string) {
	w.found = append(w.found, &Violation{Invariant: inv, Height: b.Height, Detail: detail})
}

// checkOutput: on a full-rollup chain an answered request's output must be on
// Bitcoin (finding O-1, fixed by rule L-41: outputs ride with their reveals).
func (w *World) checkOutput(b *Block, ci *ChainInfo, t *Tx, o aichain.Outcome) {
	if !ci.Inline {
		return
	}
	if _, ok := w.outputOnBitcoin(o.RequestID, o.Digest); !ok {
		w.violate(b, InvOutputs, fmt.Sprintf("answered request %x: no output with its digest on Bitcoin", o.RequestID[:4]))
	}
}

// outputOnBitcoin searches the BitAI txs of the current chain for an output of
// the request whose digest is d (the candidates are the outputs the simulated
// miners can produce).
func (w *World) outputOnBitcoin(id bitai.ID, d fr.Element) (uint32, bool) {
	var cands [][]byte
	for _, kind := range []string{"honest", "collude"} {
		out := outputFor(kind, nil, id)
		if dd := aichain.DigestOf(id, out); dd.Equal(&d) {
			cands = append(cands, out)
		}
	}
	for _, n := range w.names {
		out := outputFor("lazy", w.actors[n], id)
		if dd := aichain.DigestOf(id, out); dd.Equal(&d) {
			cands = append(cands, out)
		}
	}
	for _, b := range w.blocks {
		for _, t := range b.Txs {
			if t.Event == nil || !t.Event.Applied {
				continue
			}
			for _, c := range cands {
				if bytes.Contains(t.Raw, c) {
					return b.Height, true
				}
			}
		}
	}
	return 0, false
}
