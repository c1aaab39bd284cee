package sim

import (
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/bitai-l2/bitai/aichain"
	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/statemachine"
)

var opKinds = map[string]aichain.OpKind{"transfer": aichain.OpTransfer, "withdraw": aichain.OpWithdraw,
	"stake": aichain.OpStake, "unstake": aichain.OpUnstake, "unlock": aichain.OpUnlock, "join": aichain.OpJoin,
	"commit": aichain.OpCommit, "reveal": aichain.OpReveal, "resolve": aichain.OpResolve}

// op sends an L2 op to the sequencer (via=seq, the default) or forces it by
// ChainMessage (via=force):
//
//	op by=A kind=transfer|withdraw|stake|unstake|unlock|join [to=B] [amount=N]
//	op by=A kind=commit|reveal|resolve req=L [output=honest|lazy|collude] [withhold]
//
// Attacks: slot=J (another assignment slot), reqslot=K (another request slot),
// nonce=+K, signer=B (signed by B), sigof=B (B's signature under the signer's
// key), replay=L (the bytes of labelled op L again),
// kind=raw hex=… (any bytes), pad=N (N extra bytes), version=V (sub-record version).
func (r *Runner) op(a Action) ([]string, error) {
	by, err := r.actor(a, "by")
	if err != nil {
		return nil, err
	}
	ci, err := r.chain(a)
	if err != nil {
		return nil, err
	}
	rec, fo, out, err := r.buildOp(a, by, ci)
	if err != nil || out != "" {
		return []string{out}, err
	}
	if a.Get("via") != "force" {
		if fo == nil {
			return []string{"op: raw bytes can only be forced"}, nil
		}
		ci.pool = append(ci.pool, &PoolOp{By: by, Op: fo.Op, Sent: r.W.Tip()})
		return nil, nil
	}
	body := &bitai.ChainMessage{ChainID: ci.ID, L2Op: rec}
	if err := (&bitai.Tx{Version: bitai.TxVersion, Sender: by.Key, Body: body}).Validate(); err != nil {
		return []string{fmt.Sprintf("op %s by %s cannot be sent: %v", a.Get("kind"), by.Name, err)}, nil
	}
	t := &Tx{Label: r.label(a, "f"), From: by, Body: body, Force: fo}
	if fo != nil {
		r.forced = append(r.forced, t)
		if fo.Op.RequestID != (bitai.ID{}) {
			r.W.forcedByReq[fo.Op.RequestID] = append(r.W.forcedByReq[fo.Op.RequestID], t)
		}
	}
	r.W.Queue(t)
	return nil, nil
}

// buildOp builds the op's sub-record and, when it is a well-formed op, its
// ForcedOp description. A non-empty string explains an op that cannot be built.
func (r *Runner) buildOp(a Action, by *Actor, ci *ChainInfo) (bitai.SubRecord, *ForcedOp, string, error) {
	ver, err := a.Uint("version", uint64(aichain.OpVersion))
	if err != nil {
		return bitai.SubRecord{}, nil, "", err
	}
	if l := a.Get("replay"); l != "" {
		o, ok := r.sentOps[l]
		if !ok {
			return bitai.SubRecord{}, nil, "op: replay of unknown " + l, nil
		}
		return o.Record(), &ForcedOp{Chain: ci.ID, By: by, Op: o, Sent: r.W.Tip()}, "", nil
	}
	if a.Get("kind") == "raw" {
		b, err := hex.DecodeString(a.Get("hex"))
		if err != nil {
			return bitai.SubRecord{}, nil, "", fmt.Errorf("sim: op hex: %w", err)
		}
		return bitai.SubRecord{Version: uint8(ver), Data: b}, nil, "", nil
	}
	o, why, err := r.makeOp(a, by, ci)
	if err != nil || why != "" {
		return bitai.SubRecord{}, nil, why, err
	}
	if l := a.Get("as"); l != "" {
		r.sentOps[l] = o
	}
	fo := &ForcedOp{Chain: ci.ID, By: by, Op: o, Sent: r.W.Tip()}
	if o.Kind == aichain.OpReveal {
		fo.C2 = r.c2(ci, o.RequestID)
	}
	rec := bitai.SubRecord{Version: uint8(ver), Data: o.Encode()}
	if pad, err := a.Int("pad", 0); err != nil {
		return rec, nil, "", err
	} else if pad > 0 {
		rec.Data = append(rec.Data, make([]byte, pad)...)
		return rec, nil, "", nil
	}
	if rec.Version != aichain.OpVersion {
		return rec, nil, "", nil
	}
	return rec, fo, "", nil
}

// makeOp builds and signs an op from the settled state's view.
func (r *Runner) makeOp(a Action, by *Actor, ci *ChainInfo) (aichain.Op, string, error) {
	kind, ok := opKinds[a.Get("kind")]
	if !ok {
		return aichain.Op{}, "", fmt.Errorf("sim: op kind=%q", a.Get("kind"))
	}
	s := r.W.settledL2(ci)
	o := aichain.Op{Kind: kind}
	signer := by
	if a.Get("signer") != "" {
		x, err := r.actor(a, "signer")
		if err != nil {
			return o, "", err
		}
		signer = x
	}
	switch kind {
	case aichain.OpCommit, aichain.OpReveal, aichain.OpResolve:
		why, err := r.requestOp(a, by, ci, &o)
		if err != nil || why != "" {
			return o, why, err
		}
	default:
		idx, _ := s.AccountByKey(by.L2Key)
		o.Account = idx
		o.Nonce = r.nextNonce(ci, by)
		if d, err := a.Uint("nonce", 0); err != nil {
			return o, "", err
		} else {
			o.Nonce += d
		}
		amount, err := a.Uint("amount", 1000)
		if err != nil {
			return o, "", err
		}
		switch kind {
		case aichain.OpTransfer, aichain.OpWithdraw, aichain.OpStake:
			o.Amount = amount
		}
		if to := a.Get("to"); to != "" {
			x := r.W.Actor(to)
			if x == nil {
				return o, "", fmt.Errorf("sim: op: unknown actor %q", to)
			}
			if kind == aichain.OpWithdraw {
				o.Recipient = x.Key
			} else {
				o.To, _ = s.AccountByKey(x.L2Key)
			}
		} else if kind == aichain.OpWithdraw {
			o.Recipient = by.Key
		}
	}
	if rs := a.Get("reqslot"); rs != "" {
		var v uint16
		if _, err := fmt.Sscan(rs, &v); err != nil {
			return o, "", fmt.Errorf("sim: reqslot=%q", rs)
		}
		o.RequestSlot = v
	}
	if kind.Signed() {
		if err := aichain.SignOp(signer.L2, ci.ID, &o); err != nil {
			return o, "", err
		}
		if f := a.Get("sigof"); f != "" {
			// A signature by f under the signer's key: it does not verify.
			x, err := r.actor(a, "sigof")
			if err != nil {
				return o, "", err
			}
			key := o.Signer
			if err := aichain.SignOp(x.L2, ci.ID, &o); err != nil {
				return o, "", err
			}
			o.Signer = key
		}
	}
	return o, "", nil
}

// requestOp fills a commit, reveal or resolve for req=L: the actor's slot in the
// request's assignment (client rule C-1) unless slot= overrides it.
func (r *Runner) requestOp(a Action, by *Actor, ci *ChainInfo, o *aichain.Op) (string, error) {
	info, ok := r.request(a.Get("req"))
	if !ok {
		return fmt.Sprintf("op %s by %s: request %s unknown", a.Get("kind"), by.Name, a.Get("req")), nil
	}
	o.RequestID, o.RequestSlot = info.ID, aichain.Slot(info.Q.InboxIndex)
	if o.Kind == aichain.OpResolve {
		return "", nil
	}
	s := r.W.settledL2(ci)
	idx, _ := s.AccountByKey(by.L2Key)
	j := uint8(0)
	for k, m := range info.Miner {
		if info.Drawn && m == idx {
			j = uint8(k)
		}
	}
	if v := a.Get("slot"); v != "" {
		if _, err := fmt.Sscan(v, &j); err != nil || j > 2 {
			return "", fmt.Errorf("sim: slot=%q", v)
		}
	}
	req := aichain.Request{ID: info.ID, InboxIndex: info.Q.InboxIndex}
	for k := range req.Slots {
		req.Slots[k].Miner = info.Miner[k]
	}
	kind := a.Get("output")
	if kind == "" {
		kind = r.Roles[by.Name]
	}
	commit, reveal, err := minerOps(ci.ID, by, &req, j, outputFor(kind, by, info.ID))
	if err != nil {
		return "", err
	}
	if o.Kind == aichain.OpCommit {
		*o = commit
		o.Signer, o.Sig = [32]byte{}, [64]byte{}
	} else {
		*o = reveal
		if ci.Inline && !a.Has("withhold") { // full rollup: the output rides with the reveal (L-41)
			o.HasOutput, o.Output = true, outputFor(kind, by, info.ID)
		}
	}
	return "", nil
}

// nextNonce is an actor's next L2 nonce: its settled nonce, past every nonce it
// still has in flight (pool ops not yet settled, forced ops not yet consumed).
func (r *Runner) nextNonce(ci *ChainInfo, by *Actor) uint64 {
	s := r.W.settledL2(ci)
	idx, ok := s.AccountByKey(by.L2Key)
	var base uint64
	if ok {
		a, _ := s.Account(idx)
		base = a.Nonce
	}
	var used []uint64
	for _, p := range ci.pool {
		if p.By == by && p.Op.Kind <= aichain.OpJoin && !p.done() && p.refused < 3 {
			used = append(used, p.Op.Nonce)
		}
	}
	set, _ := r.W.Settlement(ci.ID)
	for _, t := range r.W.mempool {
		if t.Force != nil && t.From == by && t.Force.Op.Kind <= aichain.OpJoin {
			used = append(used, t.Force.Op.Nonce)
		}
	}
	for _, t := range r.forced {
		if t.From != by || t.Force.Op.Kind > aichain.OpJoin || t.Event == nil || !t.Event.Applied {
			continue
		}
		if m, ok, _ := statemachine.GetMessage(r.W.state(), t.Obj); ok && m.InboxIndex >= set.InboxTo {
			used = append(used, t.Force.Op.Nonce)
		}
	}
	for slices.Contains(used, base) {
		base++
	}
	return base
}

// c2 reports whether client rule C-2 lets a miner reveal now: the tip is at
// least c + commitTimeout + SubmitWindow, or the settled state of a block deep
// enough to survive the simulation's reorgs shows all 3 slots committed.
func (r *Runner) c2(ci *ChainInfo, id bitai.ID) bool {
	q, ok, err := statemachine.GetRequest(r.W.state(), id)
	if err != nil || !ok {
		return false
	}
	tip := uint64(r.W.Tip())
	if tip >= uint64(q.ConfirmHeight)+uint64(ci.Params.CommitTimeout)+bitai.SubmitWindow {
		return true
	}
	deep := len(r.W.blocks) - 1 - ReorgSafety
	if deep < 0 {
		return false
	}
	s := r.W.blocks[deep].settled[ci.ID]
	if s == nil {
		return false
	}
	l2, ok := findRequest(s, id)
	if !ok {
		return false
	}
	for _, sl := range l2.Slots {
		if !sl.Committed {
			return false
		}
	}
	return true
}

// ReorgSafety is how deep a settled batch must be before miners act on it; the
// simulation's reorgs are shallower.
const ReorgSafety = 6
