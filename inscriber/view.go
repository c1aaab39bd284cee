package inscriber

import (
	"fmt"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/cockroachdb/pebble/v2"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/inscriber/fees"
	"github.com/bitai-l2/bitai/store"
)

// view is what the facts (block processing's keyConf and keySpent) say about a
// batch's current epoch: which commit version counts, which reveal version each slot
// holds and which confirmed.
type view struct {
	commit     int // index into b.Commits of the effective commit, −1 if none
	commitConf *conf
	commitDead bool // an input was spent by someone else's confirmed tx
	slots      []slotView
	firstConf  int32 // least confirmation height among the slots, 0 if none
	allConf    bool
	dups       []chainhash.Hash // versions of earlier epochs seen confirmed
}

// slotView is one reveal slot.
type slotView struct {
	known  bool          // the parent output exists (built)
	parent wire.OutPoint // the output this slot's reveal spends
	value  int64
	cur    int // index of the latest version spending parent in this epoch, −1 if none
	conf   *conf
	confAt int // index of the confirmed version, −1 if none
}

// lastConf is the highest confirmation height among the slots (0 unless all are).
func (v *view) lastConf() int32 {
	var h int32
	for _, s := range v.slots {
		if s.conf == nil {
			return 0
		}
		h = max(h, s.conf.Height)
	}
	return h
}

func confOf(r pebble.Reader, id chainhash.Hash) (*conf, error) {
	raw, ok, err := store.Get(r, confKey(id))
	if err != nil || !ok {
		return nil, err
	}
	c := &conf{}
	return c, c.unmarshal(raw)
}

func spentOf(r pebble.Reader, op wire.OutPoint) (*spent, error) {
	raw, ok, err := store.Get(r, spentKey(op))
	if err != nil || !ok {
		return nil, err
	}
	s := &spent{}
	return s, s.unmarshal(raw)
}

// viewOf computes b's view from the facts in r.
func (in *Inscriber) viewOf(r pebble.Reader, b *batch) (*view, error) {
	v := &view{commit: -1, slots: make([]slotView, len(b.Parts))}
	for i := range b.Commits {
		c := &b.Commits[i]
		cf, err := confOf(r, c.TxID)
		if err != nil {
			return nil, err
		}
		if c.Epoch != b.Epoch {
			if cf != nil {
				v.dups = append(v.dups, c.TxID)
			}
			continue
		}
		if cf != nil {
			v.commit, v.commitConf = i, cf
		} else if v.commitConf == nil {
			v.commit = i
		}
	}
	if v.commit >= 0 && v.commitConf == nil {
		for _, op := range b.Inputs {
			sp, err := spentOf(r, op)
			if err != nil {
				return nil, err
			}
			if sp != nil {
				v.commitDead = true
			}
		}
	}
	if err := in.viewSlots(r, b, v); err != nil {
		return nil, err
	}
	return v, nil
}

// viewSlots fills the slot views in order (a chained slot's parent is the previous
// slot's effective reveal).
func (in *Inscriber) viewSlots(r pebble.Reader, b *batch, v *view) error {
	var commitTx *wire.MsgTx
	if v.commit >= 0 {
		var err error
		if commitTx, err = in.loadTx(r, b.Commits[v.commit].TxID); err != nil {
			return err
		}
	}
	v.allConf = len(b.Parts) > 0
	for i := range v.slots {
		sv := &v.slots[i]
		sv.cur, sv.confAt = -1, -1
		switch {
		case commitTx == nil:
		case b.Mode == ModePairs:
			sv.known = true
			sv.parent = wire.OutPoint{Hash: b.Commits[v.commit].TxID, Index: uint32(i)}
			sv.value = commitTx.TxOut[i].Value
		case i == 0:
			sv.known = true
			sv.parent = wire.OutPoint{Hash: b.Commits[v.commit].TxID, Index: 0}
			sv.value = commitTx.TxOut[0].Value
		default:
			prev := &v.slots[i-1]
			at := prev.cur
			if prev.confAt >= 0 {
				at = prev.confAt
			}
			if at >= 0 {
				ref := b.Reveals[i-1][at]
				sv.known = true
				sv.parent = wire.OutPoint{Hash: ref.TxID, Index: 0}
				sv.value = ref.InValue - ref.Fee
			}
		}
		for j := range b.Reveals[i] {
			ref := &b.Reveals[i][j]
			cf, err := confOf(r, ref.TxID)
			if err != nil {
				return err
			}
			if ref.Epoch != b.Epoch {
				if cf != nil {
					v.dups = append(v.dups, ref.TxID)
				}
				continue
			}
			if !sv.known || ref.Parent != sv.parent {
				continue
			}
			sv.cur = j
			if cf != nil {
				sv.conf, sv.confAt = cf, j
			}
		}
		if sv.conf == nil {
			v.allConf = false
		} else if v.firstConf == 0 || sv.conf.Height < v.firstConf {
			v.firstConf = sv.conf.Height
		}
	}
	return nil
}

// loadTx returns one of our stored transactions.
func (in *Inscriber) loadTx(r pebble.Reader, id chainhash.Hash) (*wire.MsgTx, error) {
	if tx := in.cache.tx(id); tx != nil {
		return tx, nil
	}
	raw, ok, err := store.Get(r, txKey(id))
	if err != nil {
		return nil, fmt.Errorf("tx %s: %w", id, err)
	}
	if !ok {
		return nil, fmt.Errorf("tx %s: %w: not stored", id, ErrRecord)
	}
	var rec txRecord
	if err := rec.unmarshal(raw); err != nil {
		return nil, err
	}
	in.cache.putTx(rec.Tx)
	return rec.Tx, nil
}

// commitFn is the batch's fee function for its commit (and its reveals unless it is
// a chunk set): from the start rate at planning to the cap one block before the
// deadline (lnd's sweeper, DECISIONS C6).
func commitFn(b *batch) fees.FeeFunction {
	return fees.LinearFee(b.StartRate, b.CapRate, b.PlanHeight, b.Deadline)
}

// revealFn is the fee function of b's reveals. A chunk set's reveals run from the
// height their first reveal was sent to a deadline inside the chunk window
// (DECISIONS C5): all chunks must confirm within ChunkWindowBlocks of the first.
func revealFn(b *batch) fees.FeeFunction {
	if b.isChunkSet() && b.RevealStart > 0 {
		dl := min(b.Deadline, b.RevealStart+bitai.ChunkWindowBlocks-DefaultChunkMargin)
		return fees.LinearFee(b.StartRate, b.CapRate, b.RevealStart, dl)
	}
	return commitFn(b)
}

// isChunkSet reports a batch carrying the chunks of one payload.
func (b *batch) isChunkSet() bool { return len(b.Parts) > 0 && b.Parts[0].Count > 0 }

// payloadIDs lists the distinct payloads of b in part order.
func (b *batch) payloadIDs() []uint64 {
	var ids []uint64
	for _, p := range b.Parts {
		if len(ids) == 0 || ids[len(ids)-1] != p.Payload {
			ids = append(ids, p.Payload)
		}
	}
	return ids
}
