package inscriber

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/cockroachdb/pebble/v2"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/btcnode/follow"
	"github.com/bitai-l2/bitai/inscriber/policy"
	"github.com/bitai-l2/bitai/inscriber/wallet"
	"github.com/bitai-l2/bitai/store"
)

// stepper runs one pass of every batch's state machine at one tip.
type stepper struct {
	in    *Inscriber
	ctx   context.Context
	tip   follow.BlockID
	pool  map[chainhash.Hash]bool     // the node's mempool at the start of the pass
	model *policy.Mempool             // Bitcoin Core's policy over our unconfirmed txs
	spend map[[36]byte]chainhash.Hash // outpoint → model tx spending it
}

// maxStepsPerPass bounds the transitions of one batch in one pass (a loop guard).
const maxStepsPerPass = 16

// stepAll plans queued payloads and steps every live batch until it rests. A node
// error worth retrying ends the pass (the driver backs off); any other error is
// logged against its batch and the pass goes on.
func (in *Inscriber) stepAll(ctx context.Context) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	defer in.notifyChanged()
	tip, ok, err := readCursor(in.db.Pebble())
	if err != nil || !ok {
		return err
	}
	s := &stepper{in: in, ctx: ctx, tip: tip}
	ids, err := in.liveBatches()
	if err != nil {
		return err
	}
	if err := s.snapshotMempool(); err != nil {
		return err
	}
	if err := s.buildModel(ids); err != nil {
		return err
	}
	if err := s.plan(); err != nil {
		return err
	}
	if ids, err = in.liveBatches(); err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.run(id); err != nil {
			if isTemporary(err) || ctx.Err() != nil {
				return err
			}
			in.log.Error("batch step failed", "batch", id, "err", err)
		}
	}
	in.passTip.Store(tip.Height)
	in.passes.Add(1)
	return nil
}

// run steps one batch until its state stops changing.
func (s *stepper) run(id uint64) error {
	b, err := loadBatch(s.in.db.Pebble(), id)
	if err != nil {
		return err
	}
	for range maxStepsPerPass {
		cur := b.State
		next, err := s.stateStep(b)
		if err != nil {
			return fmt.Errorf("batch %d (%s): %w", id, cur, err)
		}
		if next == cur {
			return nil
		}
		s.in.log.Info("batch state", "batch", id, "from", cur.String(), "to", next.String(), "tip", s.tip.Height)
	}
	return nil
}

// stateStep performs the work of b's state and returns the next state, persisted
// (with pebble.Sync) before it returns. It returns b.State when there is nothing
// more to do at this tip.
func (s *stepper) stateStep(b *batch) (State, error) {
	switch b.State {
	case StatePlanned:
		return s.signPlanned(b)
	case StateSigned, StateCommitSent, StateRevealSent, StateConfirmed:
		return s.advance(b)
	case StateReplan:
		return s.replan(b)
	case StateStuck, StateSweeping:
		return s.sweep(b)
	}
	return b.State, nil
}

// signPlanned signs the commit and every reveal of a planned batch and stores them.
func (s *stepper) signPlanned(b *batch) (State, error) {
	if ab, err := s.abandoned(b); err != nil || ab {
		if err != nil {
			return b.State, err
		}
		return s.abandon(b)
	}
	v, err := s.in.viewOf(s.in.db.Pebble(), b)
	if err != nil {
		return b.State, err
	}
	if v.commit < 0 {
		coins, err := s.coinsOf(b.Inputs)
		if errors.Is(err, errCoinGone) {
			b.Note = err.Error()
			return s.transition(b, StateReplan, "replan")
		}
		if err != nil {
			return b.State, err
		}
		if err := s.newCommit(b, coins, 0); err != nil {
			return b.State, err
		}
		if v, err = s.in.viewOf(s.in.db.Pebble(), b); err != nil {
			return b.State, err
		}
	}
	if err := s.ensureReveals(b, v); err != nil {
		return b.State, err
	}
	return s.transition(b, StateSigned, "signed")
}

// advance drives a signed batch: duplicates, double-spent inputs, confirmations and
// disconnects, abandonment, fee bumps, signing what is missing and broadcasting
// what the policy allows.
func (s *stepper) advance(b *batch) (State, error) {
	r := s.in.db.Pebble()
	v, err := s.in.viewOf(r, b)
	if err != nil {
		return b.State, err
	}
	if adopted, err := s.adoptConfirmedEpoch(b, v); err != nil || adopted {
		return b.State, err
	}
	if err := s.noteDups(b, v); err != nil {
		return b.State, err
	}
	if v.commitDead {
		b.Note = "a commit input was spent by another transaction; re-planning"
		s.in.log.Warn("commit input double-spent; re-planning", "batch", b.ID, "epoch", b.Epoch)
		return s.transition(b, StateReplan, "replan")
	}
	if b.isChunkSet() && !v.allConf && v.firstConf > 0 && s.tip.Height >= v.firstConf+bitai.ChunkWindowBlocks {
		b.Note = "chunk window missed; re-planning the whole set"
		s.in.log.Warn("chunk window missed; re-planning the set", "batch", b.ID, "first_chunk", v.firstConf)
		return s.transition(b, StateReplan, "replan")
	}
	if v.allConf {
		if b.State != StateConfirmed {
			s.in.log.Info("batch confirmed", "batch", b.ID, "height", v.lastConf())
			return s.transition(b, StateConfirmed, "confirmed")
		}
		return b.State, nil
	}
	if b.State == StateConfirmed {
		s.in.log.Warn("confirmed reveals left the best chain; sending them again", "batch", b.ID, "tip", s.tip.Height)
		return s.transition(b, StateRevealSent, "unconfirmed")
	}
	ab, err := s.abandoned(b)
	if err != nil {
		return b.State, err
	}
	if ab {
		return s.abandonSigned(b, v)
	}
	if err := s.bump(b, v); err != nil {
		return b.State, err
	}
	if v, err = s.in.viewOf(r, b); err != nil {
		return b.State, err
	}
	if err := s.ensureReveals(b, v); err != nil {
		return b.State, err
	}
	if v, err = s.in.viewOf(r, b); err != nil {
		return b.State, err
	}
	if err := s.sendAll(b, v); err != nil {
		return b.State, err
	}
	return s.transition(b, s.sentState(b, v), "")
}

// sentState is Signed, CommitSent or RevealSent by what was broadcast.
func (s *stepper) sentState(b *batch, v *view) State {
	if v.commit < 0 || !b.Commits[v.commit].Sent && v.commitConf == nil {
		if b.State == StateRevealSent || b.State == StateCommitSent {
			return b.State // an earlier version was sent (e.g. before a disconnect)
		}
		return StateSigned
	}
	for i, sv := range v.slots {
		if sv.conf == nil && (sv.cur < 0 || !b.Reveals[i][sv.cur].Sent) {
			return StateCommitSent
		}
	}
	return StateRevealSent
}

// abandonSigned handles a batch whose payloads were all abandoned after signing.
func (s *stepper) abandonSigned(b *batch, v *view) (State, error) {
	if v.commitConf != nil {
		s.in.log.Warn("payload abandoned after its commit confirmed; sweeping the commit", "batch", b.ID)
		return s.transition(b, StateStuck, "stuck")
	}
	anySent := false
	for _, c := range b.Commits {
		anySent = anySent || c.Sent
	}
	if !anySent {
		return s.abandon(b)
	}
	// The commit may still confirm: keep it in the mempool and sweep it then.
	return b.State, s.sendCommit(b, v)
}

// abandon releases the inputs of a batch nothing of which was sent.
func (s *stepper) abandon(b *batch) (State, error) {
	s.in.log.Info("payload abandoned before anything was sent", "batch", b.ID)
	return s.transitionWith(b, StateAbandoned, "abandoned", func(rw wallet.ReadWriter) error {
		if err := s.releaseInputs(rw, b.Inputs); err != nil {
			return err
		}
		return s.markPayloads(rw, b, func(p *payload) { p.Abandoned = true })
	})
}

// adoptConfirmedEpoch handles the chain going back to a branch where an earlier
// epoch's commit confirmed while the current epoch's did not: the earlier version
// won (with an anchor input the current one can no longer confirm at all), so the
// batch makes that epoch current again and drives it instead of inscribing the
// payload a second time.
func (s *stepper) adoptConfirmedEpoch(b *batch, v *view) (bool, error) {
	if v.commitConf != nil {
		return false, nil
	}
	for _, c := range b.Commits {
		if c.Epoch == b.Epoch {
			continue
		}
		cf, err := confOf(s.in.db.Pebble(), c.TxID)
		if err != nil || cf == nil {
			if err != nil {
				return false, err
			}
			continue
		}
		tx, err := s.in.loadTx(s.in.db.Pebble(), c.TxID)
		if err != nil {
			return false, err
		}
		s.in.log.Warn("an earlier version confirmed after the re-plan; making it current again",
			"batch", b.ID, "epoch", c.Epoch, "was", b.Epoch, "commit", c.TxID)
		b.Epoch = c.Epoch
		b.Inputs = b.Inputs[:0]
		for _, in := range tx.TxIn {
			b.Inputs = append(b.Inputs, in.PreviousOutPoint)
		}
		b.Note = fmt.Sprintf("epoch %d confirmed after the re-plan; adopted", c.Epoch)
		b.Dups = slices.DeleteFunc(b.Dups, func(d chainhash.Hash) bool { return inEpoch(b, d, c.Epoch) })
		return true, s.save(b)
	}
	return false, nil
}

// inEpoch reports whether txid is a commit or reveal of b signed in epoch e.
func inEpoch(b *batch, txid chainhash.Hash, e uint16) bool {
	for _, c := range b.Commits {
		if c.TxID == txid {
			return c.Epoch == e
		}
	}
	for _, slot := range b.Reveals {
		for _, r := range slot {
			if r.TxID == txid {
				return r.Epoch == e
			}
		}
	}
	return false
}

// noteDups records versions of earlier epochs seen confirmed (DECISIONS C1): after a
// re-plan whose only shared input a reorg double-spent, the old version can confirm
// too. The protocol makes the copy a no-op (nonces, the chunk-repeat rule); the
// inscriber reports it.
func (s *stepper) noteDups(b *batch, v *view) error {
	added := false
	for _, d := range v.dups {
		found := false
		for _, have := range b.Dups {
			found = found || have == d
		}
		if !found {
			b.Dups = append(b.Dups, d)
			added = true
			s.in.log.Warn("an earlier version of a re-planned payload confirmed as well (harmless by protocol: nonces and chunk repeats)",
				"batch", b.ID, "txid", d)
		}
	}
	if !added {
		return nil
	}
	return s.save(b)
}

// transition persists b in state next (with any change made to b) and returns next.
func (s *stepper) transition(b *batch, next State, point string) (State, error) {
	return s.transitionWith(b, next, point, nil)
}

// transitionWith is transition with extra writes in the same synced batch.
func (s *stepper) transitionWith(b *batch, next State, point string, extra func(rw wallet.ReadWriter) error) (State, error) {
	old := b.State
	b.State = next
	if err := s.in.write(s.ctx, func(rw wallet.ReadWriter) error {
		if extra != nil {
			if err := extra(rw); err != nil {
				return err
			}
		}
		return rw.Set(batchKey(b.ID), b.marshal(), nil)
	}); err != nil {
		b.State = old
		return old, err
	}
	if next.terminal() {
		s.in.cache.forget(b)
	}
	if point != "" && old != next {
		s.in.point(point)
	}
	return next, nil
}

// save persists b without a state change.
func (s *stepper) save(b *batch) error {
	_, err := s.transition(b, b.State, "")
	return err
}

// write runs fn over an indexed batch (so the wallet can read its own writes) and
// commits it with pebble.Sync.
func (in *Inscriber) write(ctx context.Context, fn func(rw wallet.ReadWriter) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	wb := in.db.Pebble().NewIndexedBatch()
	defer wb.Close()
	if err := fn(wb); err != nil {
		return err
	}
	if err := wb.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("inscriber write: %w", err)
	}
	return nil
}

// loadBatch reads one batch record.
func loadBatch(r pebble.Reader, id uint64) (*batch, error) {
	raw, ok, err := store.Get(r, batchKey(id))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("batch %d: %w: missing", id, ErrRecord)
	}
	b := &batch{}
	return b, b.unmarshal(raw)
}

// liveBatches lists the batches not in a terminal state, oldest first.
func (in *Inscriber) liveBatches() ([]uint64, error) {
	it, err := in.db.Pebble().NewIter(store.PrefixIterOptions([]byte{keyBatch}))
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var ids []uint64
	for it.First(); it.Valid(); it.Next() {
		var b batch
		if err := b.unmarshal(it.Value()); err != nil {
			return nil, err
		}
		if !b.State.terminal() {
			ids = append(ids, b.ID)
		}
	}
	return ids, it.Error()
}

// abandoned asks the PayloadStatus about every payload of b: true when all are.
func (s *stepper) abandoned(b *batch) (bool, error) {
	for _, id := range b.payloadIDs() {
		p, err := loadPayload(s.in.db.Pebble(), id)
		if err != nil {
			return false, err
		}
		ab, err := s.in.cfg.Status.Abandoned(s.ctx, p.info(), s.tip.Height)
		if err != nil {
			return false, fmt.Errorf("payload status: %w", err)
		}
		if !ab {
			return false, nil
		}
	}
	return true, nil
}

// markPayloads applies fn to every payload record of b in rw.
func (s *stepper) markPayloads(rw wallet.ReadWriter, b *batch, fn func(p *payload)) error {
	for _, id := range b.payloadIDs() {
		p, err := loadPayload(rw, id)
		if err != nil {
			return err
		}
		fn(p)
		if err := rw.Set(payloadKey(id), p.marshal(), nil); err != nil {
			return err
		}
	}
	return nil
}

// batchOwner is the wallet reservation owner of a batch: "batch" ‖ id u64.
func batchOwner(id uint64) []byte {
	e := &enc{b: []byte("batch")}
	e.u64(id)
	return e.b
}
