package policy

import (
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// Replace admits tx, paying fee, in place of old (the mempool txs it conflicts
// with, listed exactly) and their descendants, under BIP125 as Core ≤ v30 applies
// it, plus the limits of Add:
//
//   - old is exactly the set of mempool txs spending an input of tx;
//   - rule 5: at most MaxEvicted txs are evicted (old and their descendants);
//   - tx spends no output of a tx it evicts;
//   - rule 2: tx adds no unconfirmed input: every input whose tx is in the mempool
//     spends an output of a tx that some tx in old also spends from;
//   - rule 3: fee ≥ the evicted txs' fees;
//   - rule 4: fee − their fees ≥ IncrementalRelay × vsize(tx);
//   - Core's rule 6: tx's feerate (sat/kvB, truncated) exceeds each tx in old's.
//
// On any error the mempool is unchanged.
func (m *Mempool) Replace(old []chainhash.Hash, tx *wire.MsgTx, fee int64) error {
	txid := tx.TxHash()
	if m.Has(txid) {
		return policyError(ErrDuplicate, "tx %s", txid)
	}
	conflicts := m.conflicts(tx)
	if len(old) == 0 {
		return policyError(ErrReplacement, "tx %s: no tx to replace listed", txid)
	}
	for _, id := range old {
		if _, ok := conflicts[id]; !ok {
			return policyError(ErrReplacement, "tx %s does not conflict with listed tx %s", txid, id)
		}
	}
	listed := set{}
	for _, id := range old {
		listed[id] = struct{}{}
	}
	for _, id := range sortedIDs(conflicts) {
		if _, ok := listed[id]; !ok {
			return policyError(ErrReplacement, "tx %s also conflicts with unlisted tx %s", txid, id)
		}
	}
	evicted := m.closure(conflicts, nil, func(x *entry) set { return x.children })
	if m.l.MaxEvicted > 0 && len(evicted) > m.l.MaxEvicted {
		return policyError(ErrReplacement, "tx %s would evict %d txs (rule 5 limit %d)", txid, len(evicted), m.l.MaxEvicted)
	}
	if err := m.checkInputs(tx, txid, conflicts, evicted); err != nil {
		return err
	}
	if err := m.checkFees(tx, txid, fee, conflicts, evicted); err != nil {
		return err
	}
	e, err := m.check(tx, txid, fee, evicted)
	if err != nil {
		return err
	}
	for _, id := range sortedIDs(evicted) {
		m.evict(id)
	}
	m.insert(e)
	return nil
}

// checkInputs applies "spends no evicted tx" and rule 2.
func (m *Mempool) checkInputs(tx *wire.MsgTx, txid chainhash.Hash, conflicts, evicted set) error {
	conflictParents := set{}
	for id := range conflicts {
		for _, in := range m.txs[id].tx.TxIn {
			conflictParents[in.PreviousOutPoint.Hash] = struct{}{}
		}
	}
	for _, in := range tx.TxIn {
		p := in.PreviousOutPoint.Hash
		if _, ok := evicted[p]; ok {
			return policyError(ErrReplacement, "tx %s spends tx %s, which it replaces", txid, p)
		}
		if _, ok := conflictParents[p]; m.Has(p) && !ok {
			return policyError(ErrReplacement, "tx %s adds unconfirmed input %s (rule 2)", txid, in.PreviousOutPoint)
		}
	}
	return nil
}

// checkFees applies rules 3, 4 and 6.
func (m *Mempool) checkFees(tx *wire.MsgTx, txid chainhash.Hash, fee int64, conflicts, evicted set) error {
	var oldFee int64
	for id := range evicted {
		oldFee += m.txs[id].fee
	}
	vsize := VSize(tx)
	if fee < oldFee {
		return policyError(ErrReplacement, "tx %s pays %d sat, less than the %d sat it evicts (rule 3)", txid, fee, oldFee)
	}
	if need := m.l.IncrementalRelay * vsize; fee-oldFee < need {
		return policyError(ErrReplacement, "tx %s adds %d sat over the evicted fees, needs %d for %d vB at %d sat/vB (rule 4)",
			txid, fee-oldFee, need, vsize, m.l.IncrementalRelay)
	}
	rate := fee * 1000 / vsize
	for _, id := range sortedIDs(conflicts) {
		c := m.txs[id]
		if oldRate := c.fee * 1000 / c.vsize; rate <= oldRate {
			return policyError(ErrReplacement, "tx %s feerate %d sat/kvB not above %s's %d sat/kvB (rule 6)",
				txid, rate, id, oldRate)
		}
	}
	return nil
}
