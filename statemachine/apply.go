package statemachine

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/store"
	"github.com/btcsuite/btcd/chainhash/v2"
)

// blockApplier applies one block (rule S-14).
type blockApplier struct {
	m      *Machine
	st     State
	height uint32
	hash   chainhash.Hash
	events []Event
}

// loc locates a candidate in the block for its events.
type loc struct {
	txIndex uint32
	input   uint32
	txid    chainhash.Hash
}

func (m *Machine) apply(st State, p *PreparedBlock) (*BlockResult, error) {
	if !m.dep.Activated || p.Height < m.dep.ActivationHeight {
		return nil, fmt.Errorf("apply block %d (activation %d): %w", p.Height, m.dep.ActivationHeight, ErrBelowActivation)
	}
	// The block runs in an overlay that is flushed as its net diff, so st sees only
	// real changes (rule S-20) and nothing at all if the block fails.
	ov := NewOverlay(st)
	a := &blockApplier{m: m, st: ov, height: p.Height, hash: p.Hash}
	if err := a.blockStart(); err != nil {
		return nil, fmt.Errorf("apply block %d: %w", p.Height, err)
	}
	for i := range p.txs {
		if err := a.tx(&p.txs[i]); err != nil {
			return nil, fmt.Errorf("apply block %d tx %d: %w", p.Height, p.txs[i].index, err)
		}
	}
	if err := ov.FlushNet(); err != nil {
		return nil, fmt.Errorf("apply block %d: %w", p.Height, err)
	}
	return &BlockResult{Height: p.Height, Hash: p.Hash, Events: a.events, EventsHash: EventsHash(a.events)}, nil
}

// blockStart runs the block-start steps of rule S-14: genesis allocations (activation
// block only), chunk-set expiry, then due sequencer rotations.
func (a *blockApplier) blockStart() error {
	if a.height == a.m.dep.ActivationHeight {
		allocs := slices.Clone(a.m.dep.Allocations)
		slices.SortStableFunc(allocs, func(x, y bitai.Allocation) int { return bytes.Compare(x.Key[:], y.Key[:]) })
		for _, al := range allocs {
			ev := Event{Kind: EventAllocation, Account: al.Key, Amount: al.Amount}
			r, err := credit(a.st, al.Key, al.Amount)
			if err != nil {
				return err
			}
			ev.Reason = r
			a.events = append(a.events, ev)
		}
	}
	if err := a.expireChunkSets(); err != nil {
		return err
	}
	return a.rotate()
}

// due collects the keys under prefix ‖ height u32 (the schedules of rule S-7 and S-12),
// so the caller can write while it handles them.
func (a *blockApplier) due(prefix byte) ([][]byte, error) {
	var keys [][]byte
	err := a.st.Iterate(store.Key(prefix, store.U32(a.height)), func(k, _ []byte) (bool, error) {
		keys = append(keys, k)
		return true, nil
	})
	return keys, err
}

// expireChunkSets drops every open set whose window has passed at this height (rules
// P-9, S-12), freeing its bytes.
func (a *blockApplier) expireChunkSets() error {
	keys, err := a.due(PrefixChunkSetDue)
	if err != nil {
		return err
	}
	for _, k := range keys {
		r := store.ReadKey(k, PrefixChunkSetDue)
		_ = r.U32()
		inscriber, hash := r.B32(), r.B32()
		if err := r.Done(); err != nil {
			return fmt.Errorf("chunk set schedule: %w", err)
		}
		set, err := GetChunkSet(a.st, inscriber, hash)
		if err != nil {
			return err
		}
		if set == nil || !bitai.Expired(set, a.height) {
			return fmt.Errorf("chunk set %x/%x scheduled to expire at %d: %w", inscriber, hash, a.height, ErrRecord)
		}
		if err := a.dropSet(set); err != nil {
			return err
		}
		a.events = append(a.events, Event{
			Kind: EventSetExpired, Reason: bitai.ReasonChunkSetExpired,
			Account: inscriber, ID: hash, Amount: set.PendingBytes(),
		})
	}
	return nil
}

// dropSet deletes an open set with its schedule entry and frees its bytes.
func (a *blockApplier) dropSet(set *bitai.PendingSet) error {
	if err := a.st.Delete(ChunkSetKey(set.Inscriber, set.PayloadHash)); err != nil {
		return err
	}
	if err := a.st.Delete(ChunkSetDueKey(setExpiry(set), set.Inscriber, set.PayloadHash)); err != nil {
		return err
	}
	return addPendingBytes(a.st, set.Inscriber, -int64(set.PendingBytes()))
}

// setExpiry is the first height at which set is expired (rule S-12).
func setExpiry(set *bitai.PendingSet) uint32 {
	return set.FirstHeight + bitai.ChunkWindowBlocks + 1
}

// addPendingBytes adds delta to inscriber's pending chunk bytes.
func addPendingBytes(st State, inscriber [32]byte, delta int64) error {
	if delta == 0 {
		return nil
	}
	n, err := GetPendingChunkBytes(st, inscriber)
	if err != nil {
		return err
	}
	v := int64(n) + delta
	if v < 0 {
		return fmt.Errorf("pending chunk bytes of %x below zero: %w", inscriber, ErrRecord)
	}
	return putU64(st, ChunkBytesKey(inscriber), uint64(v))
}

// rotate applies the sequencer rotations due at this height (rule S-7, DECISIONS D7).
func (a *blockApplier) rotate() error {
	keys, err := a.due(PrefixRotationDue)
	if err != nil {
		return err
	}
	for _, k := range keys {
		r := store.ReadKey(k, PrefixRotationDue)
		_ = r.U32()
		chainID := bitai.ID(r.B32())
		if err := r.Done(); err != nil {
			return fmt.Errorf("rotation schedule: %w", err)
		}
		rot, ok, err := GetRotation(a.st, chainID)
		if err != nil {
			return err
		}
		c, okc, err := GetChain(a.st, chainID)
		if err != nil {
			return err
		}
		if !ok || !okc || rot.EffectiveHeight != a.height {
			return fmt.Errorf("rotation of chain %x scheduled at %d: %w", chainID, a.height, ErrRecord)
		}
		c.Sequencers = rot.Sequencers
		if err := putRecord(a.st, ChainKey(chainID), c); err != nil {
			return err
		}
		if err := a.st.Delete(RotationKey(chainID)); err != nil {
			return err
		}
		if err := a.st.Delete(k); err != nil {
			return err
		}
		a.events = append(a.events, Event{Kind: EventRotation, ID: chainID, Amount: uint64(len(rot.Sequencers))})
	}
	return nil
}

// tx applies one Bitcoin tx's burns, then its candidates in input order (rule S-14).
func (a *blockApplier) tx(pt *preparedTx) error {
	for _, b := range pt.burns {
		ev := Event{Kind: EventBurn, TxIndex: pt.index, Output: uint32(b.Output), BitcoinTxID: pt.txid,
			Account: b.Key, Amount: b.Amount, Reason: b.Reason}
		if b.Reason == bitai.ReasonNone {
			r, err := credit(a.st, b.Key, b.Amount)
			if err != nil {
				return err
			}
			ev.Reason = r
		}
		a.events = append(a.events, ev)
	}
	for i := range pt.cands {
		c := &pt.cands[i]
		l := loc{txIndex: pt.index, input: c.input, txid: pt.txid}
		var err error
		switch {
		case c.reason != bitai.ReasonNone:
			a.events = append(a.events, a.ev(EventCandidateIgnored, l, c.reason))
		case c.payload != nil:
			err = a.payload(l, c.inscriber, c.payload, [32]byte{})
		default:
			err = a.chunk(l, c)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// ev starts an event at l.
func (a *blockApplier) ev(kind EventKind, l loc, reason bitai.Reason) Event {
	return Event{Kind: kind, TxIndex: l.txIndex, Input: l.input, BitcoinTxID: l.txid, Reason: reason}
}

// chunk applies one accepted chunk body (rules P-6 to P-12, S-12); a set it completes
// takes effect here, at the last chunk's position.
func (a *blockApplier) chunk(l loc, c *preparedCand) error {
	if c.chunk == nil {
		ev := a.ev(EventChunkIgnored, l, c.chunkErr)
		ev.Account = c.inscriber
		a.events = append(a.events, ev)
		return nil
	}
	ch := c.chunk
	old, err := GetChunkSet(a.st, c.inscriber, ch.PayloadHash)
	if err != nil {
		return err
	}
	pending, err := GetPendingChunkBytes(a.st, c.inscriber)
	if err != nil {
		return err
	}
	res, reason := bitai.ApplyChunk(old, *ch, c.encoding, c.inscriber, a.height, pending)
	if err := a.storeSet(c.inscriber, ch.PayloadHash, old, res); err != nil {
		return err
	}
	ev := a.ev(EventChunkAccepted, l, reason)
	ev.Account, ev.ID, ev.Index, ev.Amount = c.inscriber, ch.PayloadHash, uint32(ch.Index), uint64(len(ch.Bytes))
	switch reason {
	case bitai.ReasonNone:
	case bitai.ReasonChunkHashMismatch:
		ev.Kind = EventSetDiscarded
	default:
		ev.Kind = EventChunkIgnored
	}
	a.events = append(a.events, ev)
	if !res.Complete {
		return nil
	}
	done := a.ev(EventSetCompleted, l, bitai.ReasonNone)
	done.Account, done.ID, done.Amount = c.inscriber, ch.PayloadHash, uint64(len(res.Payload))
	a.events = append(a.events, done)
	pp := decodePayload(res.Encoding, res.Payload)
	a.m.verify([]*preparedPayload{pp})
	return a.payload(l, c.inscriber, pp, ch.PayloadHash)
}

// storeSet stores ApplyChunk's result for set key (inscriber, hash): the set (or its
// deletion), its expiry schedule entry and the key's pending bytes.
func (a *blockApplier) storeSet(inscriber, hash [32]byte, old *bitai.PendingSet, res bitai.ChunkResult) error {
	if old != nil && (res.Set == nil || setExpiry(res.Set) != setExpiry(old)) {
		if err := a.st.Delete(ChunkSetDueKey(setExpiry(old), inscriber, hash)); err != nil {
			return err
		}
	}
	if res.Set == nil {
		if old != nil {
			if err := a.st.Delete(ChunkSetKey(inscriber, hash)); err != nil {
				return err
			}
		}
	} else {
		b, err := res.Set.MarshalBinary()
		if err != nil {
			return fmt.Errorf("chunk set: %w", err)
		}
		if err := a.st.Set(ChunkSetKey(inscriber, hash), b); err != nil {
			return err
		}
		if old == nil || setExpiry(res.Set) != setExpiry(old) {
			if err := a.st.Set(ChunkSetDueKey(setExpiry(res.Set), inscriber, hash), nil); err != nil {
				return err
			}
		}
	}
	return addPendingBytes(a.st, inscriber, res.PendingDelta)
}

// payload applies a decoded whole payload or completed set: its txs in order, each
// under the two failure classes (rule S-15). payloadHash is zero for whole payloads.
func (a *blockApplier) payload(l loc, inscriber [32]byte, pp *preparedPayload, payloadHash [32]byte) error {
	if pp.reason != bitai.ReasonNone {
		ev := a.ev(EventPayloadIgnored, l, pp.reason)
		ev.Account, ev.ID = inscriber, payloadHash
		a.events = append(a.events, ev)
		return nil
	}
	ev := a.ev(EventPayload, l, bitai.ReasonNone)
	ev.Account, ev.ID, ev.Amount = inscriber, payloadHash, uint64(len(pp.txs))
	a.events = append(a.events, ev)
	for i := range pp.txs {
		if err := a.bitaiTx(l, uint32(i), inscriber, &pp.txs[i]); err != nil {
			return err
		}
	}
	return nil
}

// bitaiTx authenticates and executes one BitAI tx (rules T-12, S-15).
func (a *blockApplier) bitaiTx(l loc, index uint32, inscriber [32]byte, t *preparedBitAITx) error {
	ev := a.ev(EventTxSkipped, l, t.reason)
	ev.Index = index
	if t.tx == nil {
		a.events = append(a.events, ev)
		return nil
	}
	tx := t.tx
	ev.TxKind, ev.TxID, ev.Account = tx.Kind(), t.txid, tx.Sender
	if ev.Reason == bitai.ReasonNone {
		ev.Reason = bitai.CheckStateless(tx, a.m.dep, a.height, inscriber)
	}
	if ev.Reason != bitai.ReasonNone {
		a.events = append(a.events, ev)
		return nil
	}
	acct, err := GetAccount(a.st, tx.Sender)
	if err != nil {
		return err
	}
	if ev.Reason = bitai.CheckAccount(tx, acct.NextNonce, acct.Balance); ev.Reason != bitai.ReasonNone {
		a.events = append(a.events, ev)
		return nil
	}
	// Authenticated: the nonce is used and the fee paid whatever execution does.
	acct.NextNonce++
	acct.Balance -= tx.Fee
	if err := putAccount(a.st, tx.Sender, acct); err != nil {
		return err
	}
	if r, err := credit(a.st, inscriber, tx.Fee); err != nil || r != bitai.ReasonNone {
		return fmt.Errorf("fee credit of %x: %w", inscriber, errOr(err, errSupply))
	}
	ev.Amount = tx.Fee
	ov := NewOverlay(a.st)
	x := &execCtx{st: ov, dep: a.m.dep, depID: a.m.depID, batches: a.m.batches, height: a.height,
		blockHash: a.hash, txid: t.txid, tx: tx}
	id, reason, err := x.execute()
	if err != nil {
		return err
	}
	ev.ID, ev.Reason = id, reason
	if reason == bitai.ReasonNone {
		ev.Kind = EventTxApplied
		if err := ov.Flush(); err != nil {
			return err
		}
	} else {
		ev.Kind = EventTxFailed
		ov.Discard()
	}
	a.events = append(a.events, ev)
	return nil
}

func errOr(err, alt error) error {
	if err != nil {
		return err
	}
	return alt
}
