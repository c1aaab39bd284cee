package inscriber

import (
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/wire/v2"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/inscriber/fees"
	"github.com/bitai-l2/bitai/inscriber/wallet"
)

// Sweeping a stuck batch: its payloads were abandoned after its commit confirmed.
// The commit outputs whose reveal neither confirmed nor sits in the node's mempool
// are spent back to the wallet by taproot key path (the inscriber key is the
// commit's internal key, DECISIONS C4). A sent reveal the node lost may still be in
// other mempools, so the sweep pays what replacing it would take (BIP125).

// sweep handles StateStuck and StateSweeping.
func (s *stepper) sweep(b *batch) (State, error) {
	v, err := s.in.viewOf(s.in.db.Pebble(), b)
	if err != nil {
		return b.State, err
	}
	coins, evicted, err := s.sweepable(b, v)
	if err != nil {
		return b.State, err
	}
	if b.State == StateSweeping {
		last := b.Sweeps[len(b.Sweeps)-1]
		cf, err := confOf(s.in.db.Pebble(), last.TxID)
		if err != nil {
			return b.State, err
		}
		switch {
		case cf != nil:
			s.in.log.Info("stuck commit swept", "batch", b.ID, "txid", last.TxID, "height", cf.Height)
			return s.transition(b, StateSwept, "swept")
		case !sameInputs(mustTx(s.in.loadTx(s.in.db.Pebble(), last.TxID)), coins):
			// A reveal confirmed instead of the sweep (or a disconnect moved things): rebuild.
			return s.transition(b, StateStuck, "")
		}
		if !s.pool[last.TxID] {
			if _, err := s.send(&b.Sweeps[len(b.Sweeps)-1], "sweep"); err != nil {
				return b.State, err
			}
		}
		return b.State, nil
	}
	if v.commitConf == nil {
		return s.transition(b, StateCommitSent, "")
	}
	if len(coins) == 0 {
		if s.revealsInFlight(b, v) {
			return b.State, nil // an abandoned payload's reveal confirming is harmless; wait
		}
		s.in.log.Info("nothing left to sweep", "batch", b.ID)
		return s.transition(b, StateSwept, "swept")
	}
	ref, ok, err := s.newSweep(b, coins, evicted)
	if err != nil || !ok {
		return b.State, err
	}
	b.Sweeps = append(b.Sweeps, ref)
	if err := s.store(b, &txRecord{Batch: b.ID, Role: roleSweep, Fee: ref.Fee, Tx: s.in.cache.tx(ref.TxID)}); err != nil {
		return b.State, err
	}
	sent, err := s.send(&b.Sweeps[len(b.Sweeps)-1], "sweep")
	if err != nil {
		return b.State, err
	}
	b.Sweeps[len(b.Sweeps)-1].Sent = sent
	return s.transitionWith(b, StateSweeping, "sweeping", func(rw wallet.ReadWriter) error {
		return s.markPayloads(rw, b, func(p *payload) { p.Abandoned = true })
	})
}

// sweepable returns the confirmed outputs of b's current epoch that wait for a
// reveal that will not come, and the fees and vsizes of sent reveals a sweep evicts.
func (s *stepper) sweepable(b *batch, v *view) ([]coin, txRef, error) {
	var evicted txRef
	if v.commitConf == nil {
		return nil, evicted, nil
	}
	envs, err := s.envelopes(b)
	if err != nil {
		return nil, evicted, err
	}
	key := s.in.cfg.Keys.InscriberKey()
	var coins []coin
	for i, sv := range v.slots {
		if sv.conf != nil || !sv.known {
			continue
		}
		if b.Mode == ModeChained && i > 0 && v.slots[i-1].conf == nil {
			break // its parent is not confirmed: nothing to sweep beyond it
		}
		if sv.cur >= 0 && b.Reveals[i][sv.cur].Sent && s.pool[b.Reveals[i][sv.cur].TxID] {
			// Its reveal is in flight: replacing it would cost at least its fee, and
			// its confirmation is harmless for an abandoned payload. Leave it.
			if b.Mode == ModeChained {
				break
			}
			continue
		}
		root := bitai.TapscriptRoot(envs[i].Script)
		coins = append(coins, coin{OutPoint: sv.parent, Value: sv.value, PkScript: envs[i].PkScript, Key: key, Root: root[:]})
		for j := i; j < len(v.slots); j++ {
			if d := v.slots[j]; d.cur >= 0 && d.conf == nil && b.Reveals[j][d.cur].Sent {
				evicted.Fee += b.Reveals[j][d.cur].Fee
				evicted.VSize += b.Reveals[j][d.cur].VSize
			}
			if b.Mode != ModeChained {
				break
			}
		}
		if b.Mode == ModeChained {
			break
		}
	}
	return coins, evicted, nil
}

// newSweep signs a sweep of coins to the batch's change script at the commit fee
// function's rate, paying enough to replace the evicted reveals. ok is false when
// that would leave less than dust (the reveals may still confirm; try later).
func (s *stepper) newSweep(b *batch, coins []coin, evicted txRef) (txRef, bool, error) {
	var in int64
	for _, c := range coins {
		in += c.Value
	}
	rate := commitFn(b).RateAt(s.tip.Height)
	vs := bitai.VSize(bitai.CommitWeight(len(coins), wire.NewTxOut(0, b.Change)))
	fee := rate * vs
	if evicted.Fee > 0 {
		fee = max(fee, fees.MinReplacementFee(evicted.Fee, evicted.VSize, vs, s.in.cfg.IncrementalRelay))
	}
	if in-fee < DustLimit {
		s.in.log.Warn("sweep cannot yet replace the reveals in flight", "batch", b.ID, "value", in, "fee", fee)
		return txRef{}, false, nil
	}
	tx, gotFee, err := buildKeyPathTx(coins, nil, b.Change, ceilDiv(fee, vs))
	if errors.Is(err, ErrBuild) {
		s.in.log.Warn("sweep not built", "batch", b.ID, "err", err)
		return txRef{}, false, nil
	}
	if err != nil {
		return txRef{}, false, err
	}
	if len(tx.TxOut) == 0 {
		return txRef{}, false, fmt.Errorf("%w: sweep without an output", ErrBuild)
	}
	s.in.cache.putTx(tx)
	ref := txRef{TxID: tx.TxHash(), Epoch: b.Epoch, Fee: gotFee, VSize: txVSize(tx), Rate: ceilDiv(gotFee, txVSize(tx)), Height: s.tip.Height}
	s.in.log.Info("sweep signed", "batch", b.ID, "txid", ref.TxID, "inputs", len(coins), "fee", gotFee)
	return ref, true, nil
}

// sameInputs reports whether tx spends exactly coins.
func sameInputs(tx *wire.MsgTx, coins []coin) bool {
	if tx == nil || len(tx.TxIn) != len(coins) {
		return false
	}
	for i, in := range tx.TxIn {
		if in.PreviousOutPoint != coins[i].OutPoint {
			return false
		}
	}
	return true
}

// mustTx drops a load error: a missing record reads as "no such tx".
func mustTx(tx *wire.MsgTx, err error) *wire.MsgTx {
	if err != nil {
		return nil
	}
	return tx
}

// revealsInFlight reports unconfirmed sent reveals of b that the node holds.
func (s *stepper) revealsInFlight(b *batch, v *view) bool {
	for i, sv := range v.slots {
		if sv.conf == nil && sv.cur >= 0 && b.Reveals[i][sv.cur].Sent && s.pool[b.Reveals[i][sv.cur].TxID] {
			return true
		}
	}
	return false
}
