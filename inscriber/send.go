package inscriber

import (
	"errors"
	"fmt"
	"slices"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/bitai-l2/bitai/btcnode"
	"github.com/bitai-l2/bitai/inscriber/policy"
)

// Broadcasting. The schedule is gated by a model of Bitcoin Core's mempool policy
// (inscriber/policy) holding our own unconfirmed transactions: a transaction the
// model refuses (a chain or cluster limit, a replacement rule) waits for the next
// block, since btcd enforces none of it (DESIGN §8). Our transactions only spend
// confirmed wallet coins and each other, so our clusters hold only our own
// transactions and the model sees all of them.

// snapshotMempool reads the node's mempool, to re-send what it lost (after a reorg,
// a restart, or an eviction).
func (s *stepper) snapshotMempool() error {
	ids, err := s.in.cfg.Node.RawMempool(s.ctx)
	if err != nil {
		return fmt.Errorf("mempool: %w", err)
	}
	s.pool = make(map[chainhash.Hash]bool, len(ids))
	for _, id := range ids {
		s.pool[id] = true
	}
	return nil
}

// buildModel loads our sent, unconfirmed transactions into the policy model.
func (s *stepper) buildModel(ids []uint64) error {
	s.model = policy.NewMempool(s.in.cfg.Limits)
	s.spend = map[[36]byte]chainhash.Hash{}
	r := s.in.db.Pebble()
	for _, id := range ids {
		b, err := loadBatch(r, id)
		if err != nil {
			return err
		}
		v, err := s.in.viewOf(r, b)
		if err != nil {
			return err
		}
		if v.commit >= 0 && v.commitConf == nil && b.Commits[v.commit].Sent {
			if err := s.addModel(b.Commits[v.commit]); err != nil {
				return err
			}
		}
		for i, sv := range v.slots {
			if sv.conf == nil && sv.cur >= 0 && b.Reveals[i][sv.cur].Sent {
				if err := s.addModel(b.Reveals[i][sv.cur]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// addModel adds a sent transaction to the model; one the model refuses (our own
// schedule after a reorg can exceed the limits) is left out.
func (s *stepper) addModel(ref txRef) error {
	tx, err := s.in.loadTx(s.in.db.Pebble(), ref.TxID)
	if err != nil {
		return err
	}
	if err := s.model.Add(tx, ref.Fee); err != nil {
		s.in.log.Debug("sent transaction outside the policy model", "txid", ref.TxID, "err", err)
		return nil
	}
	s.track(tx)
	return nil
}

func (s *stepper) track(tx *wire.MsgTx) {
	id := tx.TxHash()
	for _, in := range tx.TxIn {
		s.spend[opKey(in.PreviousOutPoint)] = id
	}
}

func opKey(op wire.OutPoint) (k [36]byte) {
	copy(k[:32], op.Hash[:])
	k[32], k[33], k[34], k[35] = byte(op.Index>>24), byte(op.Index>>16), byte(op.Index>>8), byte(op.Index)
	return k
}

// sendAll broadcasts the commit (unless confirmed) and then every reveal the policy
// allows, in slot order.
func (s *stepper) sendAll(b *batch, v *view) error {
	if err := s.sendCommit(b, v); err != nil {
		return err
	}
	if v.commit < 0 || v.commitConf == nil && !s.pool[b.Commits[v.commit].TxID] {
		return nil // the reveals wait for their commit
	}
	if b.isChunkSet() && v.commitConf == nil {
		// A chunk set's reveals wait for the commit to confirm: each then spends its
		// own confirmed output (Core's chain limits allow no two ~100 kvB chunks on
		// one unconfirmed parent), they all go out in one block (well inside the chunk
		// window), and until then the commit alone can be replaced by RBF.
		return nil
	}
	for i, sv := range v.slots {
		if sv.conf != nil {
			continue
		}
		if sv.cur < 0 {
			if b.Mode == ModeChained {
				return nil
			}
			continue
		}
		if b.Mode == ModeChained && i > 0 {
			prev := v.slots[i-1]
			if prev.conf == nil && (prev.cur < 0 || !s.pool[b.Reveals[i-1][prev.cur].TxID]) {
				return nil
			}
		}
		ref := &b.Reveals[i][sv.cur]
		if ref.Sent && s.pool[ref.TxID] {
			continue
		}
		ok, err := s.send(ref, "reveal")
		if err != nil || !ok {
			return err
		}
		if !ref.Sent {
			ref.Sent, ref.Height = true, s.tip.Height
			if b.RevealStart == 0 {
				b.RevealStart = s.tip.Height
			}
			if err := s.save(b); err != nil {
				return err
			}
			s.in.point("reveal-sent")
		}
	}
	return nil
}

// sendCommit broadcasts the effective commit unless it is confirmed or in the node's
// mempool already.
func (s *stepper) sendCommit(b *batch, v *view) error {
	if v.commit < 0 || v.commitConf != nil {
		return nil
	}
	ref := &b.Commits[v.commit]
	if ref.Sent && s.pool[ref.TxID] {
		return nil
	}
	ok, err := s.send(ref, "commit")
	if err != nil || !ok {
		return err
	}
	if !ref.Sent {
		ref.Sent, ref.Height = true, s.tip.Height
		if err := s.save(b); err != nil {
			return err
		}
		s.in.point("commit-sent")
	}
	return nil
}

// send checks ref against the policy model and broadcasts it. ok is false when the
// transaction must wait (policy, a refusal worth retrying at the next block); err is
// set only for node errors worth a backoff.
func (s *stepper) send(ref *txRef, role string) (ok bool, err error) {
	r := s.in.db.Pebble()
	tx, err := s.in.loadTx(r, ref.TxID)
	if err != nil {
		return false, err
	}
	if !s.model.Has(ref.TxID) {
		var conflicts []chainhash.Hash
		for _, in := range tx.TxIn {
			if c, ok := s.spend[opKey(in.PreviousOutPoint)]; ok && c != ref.TxID && s.model.Has(c) &&
				!slices.Contains(conflicts, c) {
				conflicts = append(conflicts, c)
			}
		}
		if len(conflicts) > 0 {
			err = s.model.Replace(conflicts, tx, ref.Fee)
		} else {
			err = s.model.Add(tx, ref.Fee)
		}
		if err != nil {
			s.in.log.Debug("policy holds a transaction until the next block", "role", role, "txid", ref.TxID, "reason", err)
			return false, nil
		}
		s.track(tx)
	}
	if h := s.in.cfg.Hooks.Broadcast; h != nil {
		h(tx, ref.Fee, s.tip.Height)
	}
	s.in.point("broadcast-" + role)
	_, err = s.in.cfg.Node.SendRawTransaction(s.ctx, tx)
	switch {
	case err == nil, errors.Is(err, btcnode.ErrTxAlreadyKnown), errors.Is(err, btcnode.ErrTxAlreadyInChain):
		s.pool[ref.TxID] = true
		s.in.log.Info("transaction sent", "role", role, "txid", ref.TxID, "fee", ref.Fee, "rate", ref.Rate, "tip", s.tip.Height)
		s.in.point("sent-" + role)
		return true, nil
	case isTemporary(err):
		return false, fmt.Errorf("send %s %s: %w", role, ref.TxID, err)
	case s.ctx.Err() != nil:
		return false, s.ctx.Err()
	default:
		s.in.log.Warn("node refused a transaction; retrying at the next block", "role", role, "txid", ref.TxID, "err", err)
		return false, nil
	}
}
