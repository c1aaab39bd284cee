package policy

import (
	"bytes"
	"slices"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// entry is one mempool tx with its in-mempool links.
type entry struct {
	tx       *wire.MsgTx
	txid     chainhash.Hash
	fee      int64
	vsize    int64
	weight   int64
	parents  map[chainhash.Hash]struct{}
	children map[chainhash.Hash]struct{}
}

// set is a set of txids.
type set = map[chainhash.Hash]struct{}

// Mempool models Core's mempool for a set of txs: each with its fee, vsize and
// in-mempool parents. It is not safe for concurrent use.
type Mempool struct {
	l      Limits
	txs    map[chainhash.Hash]*entry
	spends map[wire.OutPoint]chainhash.Hash // outpoint → mempool tx spending it
}

// NewMempool returns an empty mempool enforcing l.
func NewMempool(l Limits) *Mempool {
	return &Mempool{l: l, txs: map[chainhash.Hash]*entry{}, spends: map[wire.OutPoint]chainhash.Hash{}}
}

// Weight is tx's BIP141 weight: stripped size × 3 + total size.
func Weight(tx *wire.MsgTx) int64 {
	return int64(tx.SerializeSizeStripped())*3 + int64(tx.SerializeSize())
}

// VSize is tx's virtual size, ⌈weight/4⌉ (sigop-adjusted size is not modelled).
func VSize(tx *wire.MsgTx) int64 { return (Weight(tx) + 3) / 4 }

// Len returns the number of txs in the mempool.
func (m *Mempool) Len() int { return len(m.txs) }

// Has reports whether txid is in the mempool.
func (m *Mempool) Has(txid chainhash.Hash) bool { _, ok := m.txs[txid]; return ok }

// TxIDs returns the mempool's txids in byte order.
func (m *Mempool) TxIDs() []chainhash.Hash {
	ids := make([]chainhash.Hash, 0, len(m.txs))
	for id := range m.txs {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b chainhash.Hash) int { return bytes.Compare(a[:], b[:]) })
	return ids
}

// Add admits tx paying fee, or returns an error naming the limit it breaks. A tx
// spending an output a mempool tx already spends is ErrConflict: use Replace.
func (m *Mempool) Add(tx *wire.MsgTx, fee int64) error {
	txid := tx.TxHash()
	if m.Has(txid) {
		return policyError(ErrDuplicate, "tx %s", txid)
	}
	if c := m.conflicts(tx); len(c) > 0 {
		return policyError(ErrConflict, "tx %s spends outputs spent by %s", txid, sortedIDs(c)[0])
	}
	e, err := m.check(tx, txid, fee, nil)
	if err != nil {
		return err
	}
	m.insert(e)
	return nil
}

// Remove drops txid because it confirmed: its children stay, now with a confirmed
// parent. An unknown txid is ignored.
func (m *Mempool) Remove(txid chainhash.Hash) {
	e, ok := m.txs[txid]
	if !ok {
		return
	}
	for _, in := range e.tx.TxIn {
		delete(m.spends, in.PreviousOutPoint)
	}
	for p := range e.parents {
		delete(m.txs[p].children, txid)
	}
	for c := range e.children {
		delete(m.txs[c].parents, txid)
	}
	delete(m.txs, txid)
}

// evict drops txid and its links; the caller evicts descendants too.
func (m *Mempool) evict(txid chainhash.Hash) { m.Remove(txid) }

// insert links e into the mempool.
func (m *Mempool) insert(e *entry) {
	m.txs[e.txid] = e
	for _, in := range e.tx.TxIn {
		m.spends[in.PreviousOutPoint] = e.txid
	}
	for p := range e.parents {
		m.txs[p].children[e.txid] = struct{}{}
	}
}

// conflicts returns the mempool txs spending any of tx's inputs.
func (m *Mempool) conflicts(tx *wire.MsgTx) set {
	c := set{}
	for _, in := range tx.TxIn {
		if id, ok := m.spends[in.PreviousOutPoint]; ok {
			c[id] = struct{}{}
		}
	}
	return c
}

// check builds tx's entry and applies the limits as if the txs in gone were
// already evicted.
func (m *Mempool) check(tx *wire.MsgTx, txid chainhash.Hash, fee int64, gone set) (*entry, error) {
	e := &entry{tx: tx, txid: txid, fee: fee, weight: Weight(tx), vsize: VSize(tx),
		parents: set{}, children: set{}}
	if m.l.MaxTxWeight > 0 && e.weight > m.l.MaxTxWeight {
		return nil, policyError(ErrTxWeight, "tx %s weighs %d WU (limit %d)", txid, e.weight, m.l.MaxTxWeight)
	}
	if fee < m.l.MinRelayFee*e.vsize {
		return nil, policyError(ErrMinRelayFee, "tx %s pays %d sat for %d vB (minimum %d sat/vB)",
			txid, fee, e.vsize, m.l.MinRelayFee)
	}
	for _, in := range tx.TxIn {
		p := in.PreviousOutPoint.Hash
		if _, out := gone[p]; !out && m.Has(p) {
			e.parents[p] = struct{}{}
		}
	}
	if err := m.checkAncestors(e, gone); err != nil {
		return nil, err
	}
	if err := m.checkCluster(e, gone); err != nil {
		return nil, err
	}
	return e, nil
}

// checkAncestors applies the ancestor and descendant limits to a new entry e.
func (m *Mempool) checkAncestors(e *entry, gone set) error {
	anc := m.closure(e.parents, gone, func(x *entry) set { return x.parents })
	n, vb := len(anc)+1, e.vsize+m.sumVSize(anc)
	if m.l.MaxAncestors > 0 && n > m.l.MaxAncestors {
		return policyError(ErrTooManyAncestors, "tx %s would have %d txs with its ancestors (limit %d)",
			e.txid, n, m.l.MaxAncestors)
	}
	if m.l.MaxAncestorVB > 0 && vb > m.l.MaxAncestorVB {
		return policyError(ErrAncestorSize, "tx %s would have %d vB with its ancestors (limit %d)",
			e.txid, vb, m.l.MaxAncestorVB)
	}
	for _, a := range sortedIDs(anc) {
		desc := m.closure(set{a: {}}, gone, func(x *entry) set { return x.children })
		n, vb := len(desc)+1, m.sumVSize(desc)+e.vsize // desc includes a itself
		if m.l.MaxDescendants > 0 && n > m.l.MaxDescendants {
			return policyError(ErrTooManyDescendants, "ancestor %s of tx %s would have %d txs with its descendants (limit %d)",
				a, e.txid, n, m.l.MaxDescendants)
		}
		if m.l.MaxDescendantVB > 0 && vb > m.l.MaxDescendantVB {
			return policyError(ErrDescendantSize, "ancestor %s of tx %s would have %d vB with its descendants (limit %d)",
				a, e.txid, vb, m.l.MaxDescendantVB)
		}
	}
	return nil
}

// checkCluster applies the cluster limits to the component e joins.
func (m *Mempool) checkCluster(e *entry, gone set) error {
	cl := m.closure(e.parents, gone, func(x *entry) set {
		nb := set{}
		for id := range x.parents {
			nb[id] = struct{}{}
		}
		for id := range x.children {
			nb[id] = struct{}{}
		}
		return nb
	})
	n, vb := len(cl)+1, m.sumVSize(cl)+e.vsize
	if m.l.MaxClusterTxs > 0 && n > m.l.MaxClusterTxs {
		return policyError(ErrClusterCount, "tx %s would join a cluster of %d txs (limit %d)", e.txid, n, m.l.MaxClusterTxs)
	}
	if m.l.MaxClusterVB > 0 && vb > m.l.MaxClusterVB {
		return policyError(ErrClusterSize, "tx %s would join a cluster of %d vB (limit %d)", e.txid, vb, m.l.MaxClusterVB)
	}
	return nil
}

// closure returns start and every mempool tx reachable from it through next,
// skipping txs in gone.
func (m *Mempool) closure(start set, gone set, next func(*entry) set) set {
	seen := set{}
	stack := make([]chainhash.Hash, 0, len(start))
	for id := range start {
		stack = append(stack, id)
	}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if _, ok := seen[id]; ok {
			continue
		}
		if _, out := gone[id]; out {
			continue
		}
		e, ok := m.txs[id]
		if !ok {
			continue
		}
		seen[id] = struct{}{}
		for n := range next(e) {
			stack = append(stack, n)
		}
	}
	return seen
}

// sumVSize adds the vsizes of ids.
func (m *Mempool) sumVSize(ids set) int64 {
	var s int64
	for id := range ids {
		s += m.txs[id].vsize
	}
	return s
}

// sortedIDs returns the ids of s in byte order, for deterministic messages.
func sortedIDs(s set) []chainhash.Hash {
	ids := make([]chainhash.Hash, 0, len(s))
	for id := range s {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b chainhash.Hash) int { return bytes.Compare(a[:], b[:]) })
	return ids
}
