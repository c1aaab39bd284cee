package inscriber

import (
	"errors"
	"fmt"
	"slices"

	"github.com/btcsuite/btcd/wire/v2"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/inscriber/fees"
	"github.com/bitai-l2/bitai/inscriber/wallet"
	"github.com/bitai-l2/bitai/store"
)

// Planning turns queued payloads into batches: a chunk set or a lone payload in
// ModePairs, or up to Config.Chain whole payloads in one ModeChained stream. A
// payload whose BitAI txs share a sender with an earlier payload that has not
// confirmed waits for it, unless both ride the same chain, where Bitcoin orders them
// (DESIGN §3.5).

// ErrInsufficientFunds is returned when the wallet cannot fund a payload at the fee
// cap; it wraps wallet.ErrInsufficientFunds.
var ErrInsufficientFunds = fmt.Errorf("inscriber: %w", wallet.ErrInsufficientFunds)

// plan creates batches for queued payloads, oldest first, as long as funds last.
func (s *stepper) plan() error {
	queued, err := s.in.queued()
	if err != nil || len(queued) == 0 {
		return err
	}
	coins, err := s.eligibleCoins()
	if err != nil {
		return err
	}
	inGroup := map[uint64]bool{}
	for i := 0; i < len(queued); i++ {
		p := queued[i]
		if inGroup[p.ID] {
			continue
		}
		if ab, err := s.in.cfg.Status.Abandoned(s.ctx, p.info(), s.tip.Height); err != nil {
			return fmt.Errorf("payload status: %w", err)
		} else if ab {
			if err := s.abandonQueued(p); err != nil {
				return err
			}
			continue
		}
		ready, err := s.ready(p, nil)
		if err != nil {
			return err
		}
		if !ready {
			continue
		}
		group := s.group(queued[i:], inGroup)
		b, used, err := s.newBatch(group, coins)
		if errors.Is(err, ErrInsufficientFunds) {
			s.in.log.Warn("payload waits for funds", "payload", p.ID, "err", err)
			return nil
		}
		if err != nil {
			return err
		}
		for _, q := range group {
			inGroup[q.ID] = true
		}
		coins = slices.DeleteFunc(coins, func(c coin) bool { return slices.Contains(used, c.OutPoint) })
		s.in.log.Info("batch planned", "batch", b.ID, "mode", b.Mode.String(), "payloads", len(group),
			"parts", len(b.Parts), "start_rate", b.StartRate, "cap", b.CapRate, "deadline", b.Deadline)
		s.in.point("planned")
	}
	return nil
}

// ready reports whether p's ordering predecessor is done (confirmed or abandoned) or
// rides in group (a chain, which Bitcoin orders).
func (s *stepper) ready(p *payload, group []*payload) (bool, error) {
	if p.After == 0 {
		return true, nil
	}
	for _, q := range group {
		if q.ID == p.After {
			return true, nil
		}
	}
	q, err := loadPayload(s.in.db.Pebble(), p.After)
	if err != nil {
		return false, err
	}
	if q.Abandoned {
		return true, nil
	}
	if q.Batch == 0 {
		return false, nil
	}
	b, err := loadBatch(s.in.db.Pebble(), q.Batch)
	if err != nil {
		return false, err
	}
	return b.State == StateConfirmed || b.State.terminal(), nil
}

// group returns the payloads of one batch starting at queued[0]: alone when chunked
// or when chains are off, else followed by the next whole payloads that are ready.
func (s *stepper) group(queued []*payload, taken map[uint64]bool) []*payload {
	first := queued[0]
	group := []*payload{first}
	if s.in.cfg.Chain <= 1 || chunkBodySize(first.Encoding, first.Size) > 0 {
		return group
	}
	for _, q := range queued[1:] {
		if len(group) >= s.in.cfg.Chain {
			break
		}
		if taken[q.ID] || q.Abandoned || chunkBodySize(q.Encoding, q.Size) > 0 {
			continue
		}
		if ok, err := s.ready(q, group); err != nil || !ok {
			continue
		}
		group = append(group, q)
	}
	return group
}

// newBatch plans group: parts, deadline, start rate, inputs; it stores the batch in
// StatePlanned with the payloads pointing at it and the inputs reserved.
func (s *stepper) newBatch(group []*payload, coins []coin) (*batch, []wire.OutPoint, error) {
	b := &batch{State: StatePlanned, Mode: ModePairs, PlanHeight: s.tip.Height, CapRate: s.in.cfg.FeeCap,
		Deadline: group[0].Deadline}
	if len(group) > 1 {
		b.Mode = ModeChained
	}
	for _, p := range group {
		b.Deadline = min(b.Deadline, p.Deadline)
		parts, err := s.partsOf(p)
		if err != nil {
			return nil, nil, err
		}
		b.Parts = append(b.Parts, parts...)
	}
	b.Deadline = max(b.Deadline, s.tip.Height+2)
	b.Reveals = make([][]txRef, len(b.Parts))
	rate, err := s.startRate(b)
	if err != nil {
		return nil, nil, err
	}
	b.StartRate = rate
	sel, err := selectCoins(coins, commitOutputsShape(b), 0, 0, rate)
	if err != nil {
		return nil, nil, err
	}
	b.Inputs = outpointsOf(sel)
	err = s.in.write(s.ctx, func(rw wallet.ReadWriter) error {
		id, err := nextID(rw, counterBatch)
		if err != nil {
			return err
		}
		b.ID = id
		if _, b.Change, err = s.in.cfg.Wallet.NextAddress(rw, 1); err != nil {
			return fmt.Errorf("change address: %w", err)
		}
		if err := s.reserveInputs(rw, b, b.Inputs); err != nil {
			return err
		}
		for _, p := range group {
			p.Batch = b.ID
			if err := rw.Set(payloadKey(p.ID), p.marshal(), nil); err != nil {
				return err
			}
		}
		return rw.Set(batchKey(b.ID), b.marshal(), nil)
	})
	if err != nil {
		return nil, nil, err
	}
	return b, b.Inputs, nil
}

// startRate asks the fee source for the batch's deadline and clamps to [1, cap].
func (s *stepper) startRate(b *batch) (int64, error) {
	rate, err := s.in.cfg.Fees.FeeRate(s.ctx, int(max(1, b.Deadline-s.tip.Height)))
	if err != nil {
		return 0, fmt.Errorf("fee rate: %w", err)
	}
	return fees.Clamp(rate, 1, b.CapRate), nil
}

// partsOf splits payload p into parts (a whole body, or its chunks).
func (s *stepper) partsOf(p *payload) ([]part, error) {
	chunkBody := chunkBodySize(p.Encoding, p.Size)
	if chunkBody == 0 {
		return []part{{Payload: p.ID, ScriptLen: uint32(bitai.EnvelopeScriptLen(p.Encoding, 1+p.Size))}}, nil
	}
	e, ok, err := store.Get(s.in.db.Pebble(), bodyKey(p.ID))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("payload %d: %w: body missing", p.ID, ErrRecord)
	}
	bodies, err := partBodies(p.Encoding, e, chunkBody)
	if err != nil {
		return nil, err
	}
	parts := make([]part, len(bodies))
	for i, body := range bodies {
		parts[i] = part{Payload: p.ID, Index: uint16(i), Count: uint16(len(bodies)), ChunkBody: uint32(chunkBody),
			ScriptLen: uint32(bitai.EnvelopeScriptLen(p.Encoding, len(body)))}
	}
	return parts, nil
}

// outputsValue is what b's commit outputs hold in all.
func outputsValue(b *batch) int64 {
	var v int64
	for _, o := range commitOutputsShape(b) {
		v += o.Value
	}
	return v
}

// commitOutputsShape is commitOutputs with placeholder scripts of the right size.
func commitOutputsShape(b *batch) []*wire.TxOut {
	envs := make([]envelope, len(b.Parts))
	for i := range envs {
		envs[i].PkScript = make([]byte, 34)
	}
	return commitOutputs(b, envs)
}

// selectCoins picks coins with the wallet's coin selection (wallet.SelectCoins:
// the smallest coin that pays everything, else the largest first) so that they pay
// outs plus the commit's fee at rate with a change output; extraInputs inputs worth
// credit are already chosen (re-plan anchors): their weight counts, their value pays.
func selectCoins(coins []coin, outs []*wire.TxOut, credit int64, extraInputs int, rate int64) ([]coin, error) {
	need := -credit
	for _, o := range outs {
		need += o.Value
	}
	utxos := make([]wallet.UTXO, len(coins))
	byOp := make(map[wire.OutPoint]coin, len(coins))
	for i, c := range coins {
		utxos[i] = wallet.UTXO{OutPoint: c.OutPoint, Value: c.Value, PkScript: c.PkScript, Height: 1}
		byOp[c.OutPoint] = c
	}
	base := bitai.CommitWeight(0, outs...) + int64(extraInputs)*wallet.InputWeightP2TR
	sel, _, _, err := wallet.SelectCoins(utxos, need, rate, base, p2trTemplate.PkScript)
	if err != nil {
		if errors.Is(err, wallet.ErrInsufficientFunds) {
			return nil, fmt.Errorf("%w: outputs funded at the fee cap: %w", ErrInsufficientFunds, err)
		}
		return nil, fmt.Errorf("coin selection: %w", err)
	}
	out := make([]coin, len(sel))
	for i, u := range sel {
		out[i] = byOp[u.OutPoint]
	}
	return out, nil
}

func outpointsOf(coins []coin) []wire.OutPoint {
	ops := make([]wire.OutPoint, len(coins))
	for i, c := range coins {
		ops[i] = c.OutPoint
	}
	return ops
}

// eligibleCoins are the wallet's confirmed coins on its two BIP86 branches that no
// live batch uses or reserves.
func (s *stepper) eligibleCoins() ([]coin, error) {
	unspent, err := s.in.cfg.Wallet.Unspent(s.in.db.Pebble())
	if err != nil {
		return nil, fmt.Errorf("wallet: %w", err)
	}
	inUse, err := s.in.inputsInUse()
	if err != nil {
		return nil, err
	}
	var coins []coin
	for _, u := range unspent {
		if u.Height <= 0 || u.Reserved != nil || u.Branch > 1 || inUse[u.OutPoint] {
			continue
		}
		c, err := s.coinOf(u)
		if err != nil {
			s.in.log.Warn("wallet coin without a usable key", "outpoint", u.OutPoint, "err", err)
			continue
		}
		coins = append(coins, c)
	}
	return coins, nil
}

// inputsInUse are the inputs of every live batch's current epoch.
func (in *Inscriber) inputsInUse() (map[wire.OutPoint]bool, error) {
	ids, err := in.liveBatches()
	if err != nil {
		return nil, err
	}
	use := map[wire.OutPoint]bool{}
	for _, id := range ids {
		b, err := loadBatch(in.db.Pebble(), id)
		if err != nil {
			return nil, err
		}
		for _, op := range b.Inputs {
			use[op] = true
		}
	}
	return use, nil
}

// reserveInputs reserves ops for b in the wallet and watches them for foreign spends.
func (s *stepper) reserveInputs(rw wallet.ReadWriter, b *batch, ops []wire.OutPoint) error {
	if err := s.in.cfg.Wallet.Reserve(rw, ops, batchOwner(b.ID)); err != nil {
		return fmt.Errorf("reserve: %w", err)
	}
	e := &enc{}
	e.u64(b.ID)
	for _, op := range ops {
		if err := rw.Set(inputKey(op), e.b, nil); err != nil {
			return err
		}
	}
	return nil
}

// releaseInputs gives back the reservation of the ops still unspent.
func (s *stepper) releaseInputs(rw wallet.ReadWriter, ops []wire.OutPoint) error {
	unspent, err := s.in.cfg.Wallet.Unspent(rw)
	if err != nil {
		return fmt.Errorf("wallet: %w", err)
	}
	var live []wire.OutPoint
	for _, u := range unspent {
		if slices.Contains(ops, u.OutPoint) {
			live = append(live, u.OutPoint)
		}
	}
	if len(live) == 0 {
		return nil
	}
	if err := s.in.cfg.Wallet.Release(rw, live); err != nil {
		return fmt.Errorf("release: %w", err)
	}
	return nil
}

// abandonQueued marks a queued payload abandoned.
func (s *stepper) abandonQueued(p *payload) error {
	p.Abandoned = true
	s.in.log.Info("queued payload abandoned", "payload", p.ID)
	return s.in.write(s.ctx, func(rw wallet.ReadWriter) error {
		return rw.Set(payloadKey(p.ID), p.marshal(), nil)
	})
}

// replan starts a new epoch for a batch whose commit can no longer confirm (an input
// spent by someone else) or whose chunk window passed: new inputs, including where
// possible an input of the dead epoch still unspent, so that the new version
// conflicts with the old one (DECISIONS C1); where a reorg double-spent every
// shared input no such input exists, and a later confirmation of the old version is
// detected and reported (noteDups).
func (s *stepper) replan(b *batch) (State, error) {
	coins, err := s.eligibleCoins()
	if err != nil {
		return b.State, err
	}
	old := b.Inputs
	var anchors []coin
	unspent, err := s.coinsOfAvailable(old)
	if err != nil {
		return b.State, err
	}
	if len(unspent) > 0 {
		anchors = unspent[:1]
	}
	rate := commitFn(b).RateAt(s.tip.Height)
	need := outputsValue(b)
	var anchorValue int64
	for _, a := range anchors {
		anchorValue += a.Value
	}
	var sel []coin
	shape := append(commitOutputsShape(b), p2trTemplate)
	if anchorValue < need+bitai.VSize(bitai.CommitWeight(len(anchors), shape...))*rate {
		rest, err := selectCoins(coins, commitOutputsShape(b), anchorValue, len(anchors), rate)
		if err != nil {
			b.Note = err.Error()
			s.in.log.Warn("re-plan waits for funds", "batch", b.ID, "err", err)
			return b.State, s.save(b)
		}
		sel = rest
	}
	inputs := append(outpointsOf(anchors), outpointsOf(sel)...)
	b.Epoch = nextEpoch(b)
	b.Inputs = inputs
	b.RevealStart = 0
	b.StartRate = rate
	b.PlanHeight = s.tip.Height
	b.Deadline = max(b.Deadline, s.tip.Height+2)
	b.Note = fmt.Sprintf("re-planned (epoch %d)", b.Epoch)
	s.in.log.Info("batch re-planned", "batch", b.ID, "epoch", b.Epoch, "inputs", len(inputs), "anchors", len(anchors))
	return s.transitionWith(b, StatePlanned, "replanned", func(rw wallet.ReadWriter) error {
		var drop []wire.OutPoint
		for _, op := range old {
			if !slices.Contains(inputs, op) {
				drop = append(drop, op)
			}
		}
		if err := s.releaseInputs(rw, drop); err != nil {
			return err
		}
		return s.reserveInputs(rw, b, outpointsOf(sel))
	})
}

// coinsOfAvailable returns the coins of ops that are still unspent in the wallet
// and not spent by someone else.
func (s *stepper) coinsOfAvailable(ops []wire.OutPoint) ([]coin, error) {
	var out []coin
	for _, op := range ops {
		sp, err := spentOf(s.in.db.Pebble(), op)
		if err != nil {
			return nil, err
		}
		if sp != nil {
			continue
		}
		c, err := s.coinsOf([]wire.OutPoint{op})
		if errors.Is(err, errCoinGone) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, c...)
	}
	return out, nil
}

// nextID returns and advances a counter (ids start at 1).
func nextID(rw wallet.ReadWriter, which byte) (uint64, error) {
	raw, ok, err := store.Get(rw, counterKey(which))
	if err != nil {
		return 0, err
	}
	id := uint64(1)
	if ok {
		d := &dec{b: raw}
		id = d.u64()
		if err := d.done("counter"); err != nil {
			return 0, err
		}
	}
	e := &enc{}
	e.u64(id + 1)
	return id, rw.Set(counterKey(which), e.b, nil)
}

// nextEpoch is one more than any epoch b has signed in (an adopted earlier epoch
// may be current, so b.Epoch+1 could already be taken).
func nextEpoch(b *batch) uint16 {
	e := b.Epoch
	for _, c := range b.Commits {
		e = max(e, c.Epoch)
	}
	return e + 1
}
