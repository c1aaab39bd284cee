package policy

import (
	"fmt"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// CheckSchedule checks a broadcast schedule against l: blocks[i] holds the txs
// broadcast, in order, while the tip is at block i; every tx still in the mempool
// at the end of interval i (not replaced) is mined in block i+1. A tx that spends
// an input of a mempool tx is a replacement of all such txs (Replace); any other
// tx is added (Add). It fails, naming the interval and tx, where:
//
//   - a tx has no entry in fees, or appears twice;
//   - a tx spends an output of a tx broadcast later, or of a replaced tx, or
//     an output a mined tx of the schedule already spent;
//   - Add or Replace refuses a tx;
//   - the txs mined in one block weigh more than MaxBlockWeight.
//
// Txs whose inputs the schedule does not create are taken as spending confirmed
// outputs.
func CheckSchedule(l Limits, blocks [][]*wire.MsgTx, fees map[chainhash.Hash]int64) error {
	type pos struct{ block, i int }
	at := map[chainhash.Hash]pos{}
	for b, txs := range blocks {
		for i, tx := range txs {
			id := tx.TxHash()
			if p, dup := at[id]; dup {
				return policyError(ErrSchedule, "tx %s in interval %d and %d", id, p.block, b)
			}
			if _, ok := fees[id]; !ok {
				return policyError(ErrSchedule, "tx %s in interval %d has no fee", id, b)
			}
			at[id] = pos{b, i}
		}
	}
	m := NewMempool(l)
	replaced := set{}
	minedSpends := map[wire.OutPoint]chainhash.Hash{}
	for b, txs := range blocks {
		for i, tx := range txs {
			id := tx.TxHash()
			for _, in := range tx.TxIn {
				p := in.PreviousOutPoint.Hash
				if q, ok := at[p]; ok && (q.block > b || q.block == b && q.i > i) {
					return policyError(ErrSchedule, "interval %d: tx %s spends tx %s broadcast after it", b, id, p)
				}
				if _, ok := replaced[p]; ok {
					return policyError(ErrSchedule, "interval %d: tx %s spends replaced tx %s", b, id, p)
				}
				if by, ok := minedSpends[in.PreviousOutPoint]; ok {
					return policyError(ErrSchedule, "interval %d: tx %s double-spends %s, spent by mined tx %s",
						b, id, in.PreviousOutPoint, by)
				}
			}
			before := m.TxIDs()
			var err error
			if c := m.conflicts(tx); len(c) > 0 {
				err = m.Replace(sortedIDs(c), tx, fees[id])
			} else {
				err = m.Add(tx, fees[id])
			}
			if err != nil {
				return fmt.Errorf("interval %d: %w", b, err)
			}
			for _, old := range before {
				if !m.Has(old) {
					replaced[old] = struct{}{}
				}
			}
		}
		for op, by := range m.spends {
			minedSpends[op] = by
		}
		if err := m.mineAll(b); err != nil {
			return err
		}
	}
	return nil
}

// mineAll mines every mempool tx in the block after interval b.
func (m *Mempool) mineAll(b int) error {
	var w int64
	ids := m.TxIDs()
	for _, id := range ids {
		w += m.txs[id].weight
	}
	if m.l.MaxBlockWeight > 0 && w > m.l.MaxBlockWeight {
		return policyError(ErrBlockWeight, "block %d would hold %d WU of txs (limit %d)", b+1, w, m.l.MaxBlockWeight)
	}
	m.txs = map[chainhash.Hash]*entry{}
	m.spends = map[wire.OutPoint]chainhash.Hash{}
	return nil
}
