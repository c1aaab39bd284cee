package inscriber

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/wire/v2"

	"github.com/bitai-l2/bitai/inscriber/fees"
	"github.com/bitai-l2/bitai/inscriber/wallet"
	"github.com/bitai-l2/bitai/store"
)

// Signing new versions. Every new transaction is stored (with the batch record that
// references it, in one synced batch) before anything can broadcast it, so no
// signed transaction can exist on the network that the database does not hold.

// errCoinGone: a planned input is no longer in the wallet (spent elsewhere).
var errCoinGone = errors.New("a planned input is no longer unspent")

// envelopes returns the envelope of every part of b (cached).
func (s *stepper) envelopes(b *batch) ([]envelope, error) {
	if envs := s.in.cache.envelopes(b.ID); envs != nil {
		return envs, nil
	}
	key := s.in.cfg.Keys.InscriberKey()
	envs := make([]envelope, len(b.Parts))
	var (
		bodies  [][]byte
		bodyOf  uint64
		payload *payload
	)
	for i, p := range b.Parts {
		if bodies == nil || bodyOf != p.Payload {
			var err error
			if payload, err = loadPayload(s.in.db.Pebble(), p.Payload); err != nil {
				return nil, err
			}
			e, ok, err := store.Get(s.in.db.Pebble(), bodyKey(p.Payload))
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, fmt.Errorf("payload %d: %w: body missing", p.Payload, ErrRecord)
			}
			if bodies, err = partBodies(payload.Encoding, e, int(p.ChunkBody)); err != nil {
				return nil, err
			}
			bodyOf = p.Payload
		}
		idx := int(p.Index)
		if idx >= len(bodies) {
			return nil, fmt.Errorf("batch %d part %d: %w: chunk %d of %d", b.ID, i, ErrRecord, idx, len(bodies))
		}
		env, err := makeEnvelope(key, payload.Encoding, bodies[idx])
		if err != nil {
			return nil, err
		}
		if len(env.Script) != int(p.ScriptLen) {
			return nil, fmt.Errorf("batch %d part %d: %w: script of %d bytes, planned %d", b.ID, i, ErrRecord, len(env.Script), p.ScriptLen)
		}
		envs[i] = env
	}
	s.in.cache.putEnvelopes(b.ID, envs)
	return envs, nil
}

// commitOutputs are the outputs a commit of b must create, funded so that every
// reveal can pay the cap rate and leave a non-dust output (DESIGN §3.5): one per part
// (ModePairs), or one for the whole chain (ModeChained).
func commitOutputs(b *batch, envs []envelope) []*wire.TxOut {
	if b.Mode == ModeChained {
		var v int64 = DustLimit
		for _, p := range b.Parts {
			v += revealVSize(int(p.ScriptLen)) * b.CapRate
		}
		return []*wire.TxOut{wire.NewTxOut(v, envs[0].PkScript)}
	}
	outs := make([]*wire.TxOut, len(b.Parts))
	for i, p := range b.Parts {
		outs[i] = wire.NewTxOut(revealVSize(int(p.ScriptLen))*b.CapRate+DustLimit, envs[i].PkScript)
	}
	return outs
}

// coinsOf returns the wallet coins behind ops with their keys.
func (s *stepper) coinsOf(ops []wire.OutPoint) ([]coin, error) {
	unspent, err := s.in.cfg.Wallet.Unspent(s.in.db.Pebble())
	if err != nil {
		return nil, fmt.Errorf("wallet: %w", err)
	}
	byOp := make(map[wire.OutPoint]wallet.UTXO, len(unspent))
	for _, u := range unspent {
		byOp[u.OutPoint] = u
	}
	coins := make([]coin, 0, len(ops))
	for _, op := range ops {
		u, ok := byOp[op]
		if !ok {
			return nil, fmt.Errorf("%w: %s", errCoinGone, op)
		}
		c, err := s.coinOf(u)
		if err != nil {
			return nil, err
		}
		coins = append(coins, c)
	}
	return coins, nil
}

// coinOf returns u with its key, checking that the key pays u's script.
func (s *stepper) coinOf(u wallet.UTXO) (coin, error) {
	priv, pk, err := s.in.cfg.Keys.Address(u.Branch, u.Index)
	if err != nil {
		return coin{}, fmt.Errorf("wallet key %d/%d: %w", u.Branch, u.Index, err)
	}
	if !bytes.Equal(pk, u.PkScript) {
		return coin{}, fmt.Errorf("wallet key %d/%d does not pay %x", u.Branch, u.Index, u.PkScript)
	}
	return coin{OutPoint: u.OutPoint, Value: u.Value, PkScript: u.PkScript, Key: priv}, nil
}

// newCommit signs and stores a new commit version of b's current epoch paying at
// least minFee, at the commit fee function's rate for the tip.
func (s *stepper) newCommit(b *batch, coins []coin, minFee int64) error {
	envs, err := s.envelopes(b)
	if err != nil {
		return err
	}
	outs := commitOutputs(b, envs)
	rate := commitFn(b).RateAt(s.tip.Height)
	var (
		tx  *wire.MsgTx
		fee int64
	)
	for {
		if tx, fee, err = buildKeyPathTx(coins, outs, b.Change, rate); err != nil {
			return err
		}
		if fee >= minFee {
			break
		}
		rate = max(rate+1, ceilDiv(minFee, txVSize(tx)))
		if rate > b.CapRate {
			return fmt.Errorf("%w: a replacement commit would pay more than the cap", ErrBuild)
		}
	}
	ref := txRef{TxID: tx.TxHash(), Epoch: b.Epoch, Fee: fee, VSize: txVSize(tx), Rate: ceilDiv(fee, txVSize(tx)), Height: s.tip.Height}
	b.Commits = append(b.Commits, ref)
	s.in.log.Info("commit signed", "batch", b.ID, "epoch", b.Epoch, "txid", ref.TxID, "fee", fee, "rate", ref.Rate,
		"version", len(b.Commits))
	return s.store(b, &txRecord{Batch: b.ID, Role: roleCommit, Fee: fee, Tx: tx})
}

// ensureReveals signs, in slot order, a reveal for every unconfirmed slot that has
// none spending its current parent (a new commit version, a re-plan, a chained
// parent replaced, or a different version confirmed), and stores them together.
func (s *stepper) ensureReveals(b *batch, v *view) error {
	var recs []*txRecord
	for i := range v.slots {
		sv := &v.slots[i]
		if sv.conf != nil || sv.cur >= 0 {
			continue
		}
		if !sv.known {
			// A chained slot whose parent was just signed: recompute the view.
			if len(recs) == 0 {
				return nil
			}
			if err := s.store(b, recs...); err != nil {
				return err
			}
			recs = nil
			nv, err := s.in.viewOf(s.in.db.Pebble(), b)
			if err != nil {
				return err
			}
			*v = *nv
			if sv = &v.slots[i]; !sv.known || sv.cur >= 0 || sv.conf != nil {
				continue
			}
		}
		rec, ok, err := s.newReveal(b, v, i, -1)
		if err != nil {
			return err
		}
		if ok {
			recs = append(recs, rec)
			sv.cur = len(b.Reveals[i]) - 1
		}
	}
	if len(recs) == 0 {
		return nil
	}
	return s.store(b, recs...)
}

// newReveal signs a reveal for slot i at the reveal fee function's rate for the tip.
// replacing ≥ 0 names the version it replaces (BIP125: it must pay for every
// transaction it evicts). ok is false when a replacement would exceed the budget.
func (s *stepper) newReveal(b *batch, v *view, i, replacing int) (*txRecord, bool, error) {
	envs, err := s.envelopes(b)
	if err != nil {
		return nil, false, err
	}
	sv := v.slots[i]
	vs := revealVSize(len(envs[i].Script))
	fee := revealFn(b).RateAt(s.tip.Height) * vs
	if replacing >= 0 {
		var evicted []txRef
		if b.Mode == ModeChained { // its sent descendants are evicted with it
			for j := i + 1; j < len(v.slots); j++ {
				if d := v.slots[j]; d.cur >= 0 && d.conf == nil && b.Reveals[j][d.cur].Sent {
					evicted = append(evicted, b.Reveals[j][d.cur])
				}
			}
		}
		fee = replacementFee(fee, vs, b.Reveals[i][replacing], evicted, s.in.cfg.IncrementalRelay)
	}
	// What the output must keep: dust, or (chained) the rest of the chain at the cap.
	keep := int64(DustLimit)
	if b.Mode == ModeChained {
		for j := i + 1; j < len(b.Parts); j++ {
			keep += revealVSize(int(b.Parts[j].ScriptLen)) * b.CapRate
		}
	}
	if fee > sv.value-keep {
		if replacing >= 0 {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("%w: slot %d: input of %d sat cannot pay %d sat and keep %d", ErrBuild, i, sv.value, fee, keep)
	}
	out := b.Change
	if b.Mode == ModeChained && i+1 < len(b.Parts) {
		out = envs[i+1].PkScript
	}
	tx, err := buildReveal(s.in.cfg.Keys.InscriberKey(), envs[i], sv.parent, sv.value, fee, out)
	if err != nil {
		return nil, false, err
	}
	ref := txRef{TxID: tx.TxHash(), Epoch: b.Epoch, Fee: fee, VSize: vs, Rate: ceilDiv(fee, vs), Height: s.tip.Height,
		Parent: sv.parent, InValue: sv.value}
	b.Reveals[i] = append(b.Reveals[i], ref)
	s.in.log.Info("reveal signed", "batch", b.ID, "slot", i, "txid", ref.TxID, "fee", fee, "rate", ref.Rate,
		"vsize", vs, "version", len(b.Reveals[i]))
	return &txRecord{Batch: b.ID, Role: roleReveal, Slot: uint16(i), Fee: fee, Tx: tx}, true, nil
}

// bump replaces, at a new block, what the fee function says is now underpaid: the
// commit while none of its reveals was sent (DESIGN §3.5), and each unconfirmed sent
// reveal (in a chain only the first unconfirmed one; the chain after it is signed
// again on top of the replacement). Every replacement spends the input every
// earlier version spent (the commit's inputs, the reveal's parent output), so no two
// versions can both confirm.
func (s *stepper) bump(b *batch, v *view) error {
	if v.commit < 0 {
		return nil
	}
	c := b.Commits[v.commit]
	if v.commitConf == nil && c.Sent && s.tip.Height > c.Height && commitFn(b).RateAt(s.tip.Height) > c.Rate &&
		!anyRevealSent(b, v) {
		coins, err := s.coinsOf(b.Inputs)
		if err != nil {
			if errors.Is(err, errCoinGone) {
				return nil // a block will tell whether it was double-spent
			}
			return err
		}
		minFee := fees.MinReplacementFee(c.Fee, c.VSize, c.VSize, s.in.cfg.IncrementalRelay)
		if err := s.newCommit(b, coins, minFee); err != nil {
			if errors.Is(err, ErrBuild) {
				s.in.log.Warn("commit not bumped", "batch", b.ID, "err", err)
				return nil
			}
			return err
		}
		s.in.point("bumped")
		return nil
	}
	var recs []*txRecord
	for i, sv := range v.slots {
		if sv.conf != nil || sv.cur < 0 {
			continue
		}
		cur := b.Reveals[i][sv.cur]
		if !cur.Sent || s.tip.Height <= cur.Height || revealFn(b).RateAt(s.tip.Height) <= cur.Rate {
			if b.Mode == ModeChained {
				break
			}
			continue
		}
		rec, ok, err := s.newReveal(b, v, i, sv.cur)
		if err != nil {
			return err
		}
		if !ok {
			s.in.log.Warn("reveal at its fee cap; not bumped", "batch", b.ID, "slot", i, "rate", cur.Rate)
		} else {
			recs = append(recs, rec)
		}
		if b.Mode == ModeChained {
			break
		}
	}
	if len(recs) == 0 {
		return nil
	}
	if err := s.store(b, recs...); err != nil {
		return err
	}
	s.in.point("bumped")
	return nil
}

// anyRevealSent reports whether a reveal spending the effective commit was sent.
func anyRevealSent(b *batch, v *view) bool {
	for i, sv := range v.slots {
		for _, r := range b.Reveals[i] {
			if sv.known && r.Parent == sv.parent && r.Sent {
				return true
			}
		}
		if b.Mode == ModeChained {
			break
		}
	}
	return false
}

// store writes the transaction records and b in one synced batch, then caches them.
func (s *stepper) store(b *batch, recs ...*txRecord) error {
	err := s.in.write(s.ctx, func(rw wallet.ReadWriter) error {
		for _, r := range recs {
			raw, err := r.marshal()
			if err != nil {
				return err
			}
			if err := rw.Set(txKey(r.Tx.TxHash()), raw, nil); err != nil {
				return err
			}
		}
		return rw.Set(batchKey(b.ID), b.marshal(), nil)
	})
	if err != nil {
		return err
	}
	for _, r := range recs {
		s.in.cache.putTx(r.Tx)
	}
	s.in.point("stored")
	return nil
}

// ceilDiv is ⌈a/b⌉ for a ≥ 0, b > 0.
func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// replacementFee is the fee of a replacement of vsize vs for old, which evicts old
// and its descendants: at least want, BIP125 rules 3 and 4 over everything evicted,
// and a feerate above old's (Core's rule 6).
func replacementFee(want, vs int64, old txRef, descendants []txRef, incremental int64) int64 {
	allFee, allVS := old.Fee, old.VSize
	for _, d := range descendants {
		allFee += d.Fee
		allVS += d.VSize
	}
	return max(want, fees.MinReplacementFee(allFee, allVS, vs, incremental),
		fees.MinReplacementFee(old.Fee, old.VSize, vs, incremental))
}
