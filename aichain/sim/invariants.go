package sim

import (
	"errors"
	"fmt"
	"slices"

	"github.com/bitai-l2/bitai/aichain"
	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/statemachine"
)

// Invariant names (issue 6): what a Violation's Invariant says.
const (
	InvNoBrick     = "no-brick"     // an honest sequencer can always produce a next batch BitAI accepts
	InvNoTheft     = "no-theft"     // value conserved; every key holds exactly what it is owed
	InvHonestMiner = "honest-miner" // a miner acting within its windows is never slashed
	InvPaidOnce    = "paid-once"    // every escrow paid exactly once
	InvOutputs     = "outputs"      // full rollup: an answered request's output is on Bitcoin
	InvSettled     = "settled"      // BitAI's settlement equals the L2 state the batches prove
)

// Check runs every invariant against the state after the last block and returns
// the first violation (a *Violation), or an error of the simulation itself.
func (w *World) Check() error {
	w.Stats.Checks++
	if len(w.found) > 0 {
		v := w.found[0]
		w.found = nil
		return v
	}
	for _, f := range []func() error{w.checkConservation, w.checkLedger, w.checkChains, w.checkNoBrick} {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

func (w *World) violation(inv, format string, args ...any) *Violation {
	return &Violation{Invariant: inv, Height: w.Tip(), Detail: fmt.Sprintf(format, args...)}
}

// checkConservation: balances + open request escrows + pending deposits + bridges
// equal the genesis allocations (nothing else creates BitAI value here).
func (w *World) checkConservation() error {
	var total uint64
	err := statemachine.DumpState(w.db.Pebble(), func(k, v []byte) error {
		switch k[0] {
		case statemachine.PrefixAccount:
			var a statemachine.Account
			if err := a.UnmarshalBinary(v); err != nil {
				return err
			}
			total += a.Balance
		case statemachine.PrefixRequest:
			var q statemachine.Request
			if err := q.UnmarshalBinary(v); err != nil {
				return err
			}
			if q.Status == statemachine.StatusOpen {
				total += q.Escrow()
			}
		case statemachine.PrefixDeposit:
			var d statemachine.Deposit
			if err := d.UnmarshalBinary(v); err != nil {
				return err
			}
			if d.Status == statemachine.StatusOpen {
				total += d.Amount
			}
		case statemachine.PrefixSettlement:
			var s statemachine.Settlement
			if err := s.UnmarshalBinary(v); err != nil {
				return err
			}
			total += s.Bridge
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sim: dump: %w", err)
	}
	if want := w.cfg.Fund * uint64(len(w.names)); total != want {
		return w.violation(InvNoTheft, "balances + escrows + bridges = %d, allocated %d", total, want)
	}
	return nil
}

// checkLedger: every key's BitAI balance is its allocation plus what the rules
// owe it minus what it paid (escrows, deposits).
func (w *World) checkLedger() error {
	keys := make([][32]byte, 0, len(w.ledger)+len(w.names))
	for _, n := range w.names {
		keys = append(keys, w.actors[n].Key)
	}
	for k := range w.ledger {
		if w.byKey[k] == nil {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, compareKeys)
	for _, k := range keys {
		a, err := statemachine.GetAccount(w.state(), k)
		if err != nil {
			return err
		}
		want := w.ledger[k]
		if w.byKey[k] != nil {
			want += int64(w.cfg.Fund)
		}
		if int64(a.Balance) != want {
			return w.violation(InvNoTheft, "key %x holds %d, is owed %d", k[:4], a.Balance, want)
		}
	}
	return nil
}

// checkChains: per chain, BitAI's settled root and number are the L2 state the
// simulator's batches prove, the bridge equals l2Supply less the exits paid, and
// the L2 supply equals its accounts' totals (rule L-9).
func (w *World) checkChains() error {
	for _, id := range w.order {
		ci := w.chains[id]
		s, ok := w.Settlement(id)
		if !ok {
			continue // registration reorged out
		}
		c := w.settledL2(ci)
		if c == nil {
			continue // checkNoBrick reports it
		}
		if s.Root != w.rootOf(c) || s.Number != c.Number() {
			return w.violation(InvSettled, "chain %s: BitAI settled batch %d, simulator %d", ci.Name, s.Number, c.Number())
		}
		var exited uint64
		for k := range w.exits {
			if k.chain == id {
				e, _, err := statemachine.GetExit(w.state(), id, uint64(k.index))
				if err != nil {
					return err
				}
				exited += e.Amount
			}
		}
		if s.Bridge+exited != c.Supply() {
			return w.violation(InvNoTheft, "chain %s: bridge %d + exits %d ≠ l2Supply %d", ci.Name, s.Bridge, exited, c.Supply())
		}
		if c.Totals() != c.Supply() {
			return w.violation(InvNoTheft, "chain %s: L2 totals %d ≠ l2Supply %d", ci.Name, c.Totals(), c.Supply())
		}
	}
	return nil
}

// rootOf returns a settled (never mutated) L2 state's root, cached.
func (w *World) rootOf(c *aichain.Chain) [32]byte {
	if w.roots == nil || len(w.roots) > 256 {
		w.roots = map[*aichain.Chain][32]byte{}
	}
	if r, ok := w.roots[c]; ok {
		return r
	}
	root := c.Root()
	w.roots[c] = root.Bytes()
	return w.roots[c]
}

// frozen reports whether a chain can take no more batches at the next height.
func (w *World) frozen(s statemachine.Settlement) bool {
	return uint64(w.Tip())+1 >= uint64(s.BatchHeight)+bitai.FreezeBlocks
}

// checkNoBrick: for every live chain, the batch an honest sequencer builds now
// (every confirmed entry that fits, every resolvable request resolved, l1Height =
// the tip) is a valid L2 transition and BitAI accepts it in the next block. It
// runs on a clone of the L2 state and a scratch overlay of the BitAI state.
func (w *World) checkNoBrick() error {
	for _, id := range w.order {
		ci := w.chains[id]
		s, ok := w.Settlement(id)
		if !ok || w.frozen(s) {
			continue
		}
		if ci.genesis == nil {
			return w.violation(InvNoBrick, "chain %s registered with params the L2 refuses: %v", ci.Name, ci.genesisErr)
		}
		key, idle := w.idleKey(ci, s)
		if idle && ci.idleOK == key {
			continue
		}
		if err := w.honestBatchAccepted(ci, true); err != nil {
			return err
		}
		if idle {
			ci.idleOK = key
		}
	}
	return nil
}

// idleKey says whether a chain is idle (nothing unconsumed, no open request, the
// live miner array equal to the last epoch leaf's) and identifies its state.
// An idle chain's honest batch is the empty batch whatever its l1Height: BitAI's
// l1Height checks (prev ≤ l1Height = tip < height, height − l1Height = 1) pass at
// every height below the freeze, and no L2 rule depends on the height. So once
// the check passed for an idle state, it passes until the state changes.
func (w *World) idleKey(ci *ChainInfo, s statemachine.Settlement) (string, bool) {
	n, err := statemachine.InboxLen(w.state(), ci.ID)
	if err != nil || n != s.InboxTo {
		return "", false
	}
	c := w.settledL2(ci)
	if len(c.OpenRequests()) > 0 {
		return "", false
	}
	leaves := c.EpochLeaves()
	if live := c.LiveMiners(); uint32(len(live)) != leaves[len(leaves)-1].Size ||
		!slices.Equal(live, c.MinerSet(leaves[len(leaves)-1].FromEpoch)) {
		return "", false
	}
	b, _ := s.MarshalBinary()
	return string(b), true
}

// honestBatchAccepted builds the honest batch and applies it on scratch state.
func (w *World) honestBatchAccepted(ci *ChainInfo, resolve bool) error {
	plan := BatchPlan{By: ci.Sequencers[0], L1: w.Tip(), Entries: -1, Resolve: resolve}
	tx, err := w.buildBatch(ci, plan)
	if err != nil {
		if errors.Is(err, ErrNoBatch) {
			return w.violation(InvNoBrick, "chain %s: no valid L2 batch at l1Height %d: %v", ci.Name, plan.L1, err)
		}
		return err
	}
	events, err := w.scratch([]*Tx{tx})
	if err != nil {
		return err
	}
	e, ok := txEvent(events, tx.TxID)
	if !ok || e.Kind != statemachine.EventTxApplied {
		return w.violation(InvNoBrick, "chain %s: BitAI refuses the honest batch %d at l1Height %d: %s",
			ci.Name, tx.Batch.Out.Number, plan.L1, statemachine.ReasonName(e.Reason))
	}
	return nil
}
