package sim

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/bitai-l2/bitai/aichain"
	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/statemachine"
	"github.com/bitai-l2/bitai/zkhash"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// HonestOutput is the output every honest miner computes for a request (the
// simulation's deterministic model).
func HonestOutput(id bitai.ID) []byte { return []byte(fmt.Sprintf("answer %x", id[:8])) }

// outputFor is the output a miner of a given kind produces: honest, lazy (its
// own junk), colluding (a shared wrong answer), or big (above MaxOutputLen).
func outputFor(kind string, a *Actor, id bitai.ID) []byte {
	switch kind {
	case "lazy":
		name := ""
		if a != nil {
			name = a.Name
		}
		return []byte(fmt.Sprintf("lazy %s %x", name, id[:8]))
	case "collude":
		return []byte(fmt.Sprintf("collude %x", id[:8]))
	case "big": // longer than any full-rollup reveal may carry (rule L-41)
		return append(bytes.Repeat([]byte{'x'}, aichain.MaxOutputLen), id[:8]...)
	}
	return HonestOutput(id)
}

// salt is a miner's commitment salt for a request (clients draw it at random;
// the simulation derives it so runs replay).
func salt(a *Actor, id bitai.ID) fr.Element {
	h := sha256.Sum256(append([]byte("bitai sim salt "+a.Name), id[:]...))
	return zkhash.FromUint64(binary.BigEndian.Uint64(h[:8]))
}

// minerOps returns a miner's signed commit and its reveal for slot j of a request
// with the given output.
func minerOps(chainID bitai.ID, a *Actor, r *aichain.Request, j uint8, output []byte) (commit, reveal aichain.Op, err error) {
	d := aichain.DigestOf(r.ID, output)
	s := salt(a, r.ID)
	m := r.Slots[j].Miner
	commit = aichain.Op{Kind: aichain.OpCommit, RequestSlot: aichain.Slot(r.InboxIndex), RequestID: r.ID,
		Slot: j, Commitment: aichain.CommitmentOf(chainID, r.ID, m, d, s)}
	if err := aichain.SignOp(a.L2, chainID, &commit); err != nil {
		return commit, reveal, fmt.Errorf("sign commit: %w", err)
	}
	reveal = aichain.Op{Kind: aichain.OpReveal, RequestSlot: commit.RequestSlot, RequestID: r.ID, Slot: j,
		Digest: d, Salt: s}
	return commit, reveal, nil
}

// slotOf returns the assignment slot of an account in a request.
func slotOf(r *aichain.Request, account uint32) (uint8, bool) {
	for j := range r.Slots {
		if r.Slots[j].Miner == account {
			return uint8(j), true
		}
	}
	return 0, false
}

// findRequest returns the open request with an id in an L2 state.
func findRequest(c *aichain.Chain, id bitai.ID) (aichain.Request, bool) {
	for _, r := range c.OpenRequests() {
		if r.ID == id {
			return r, true
		}
	}
	return aichain.Request{}, false
}

// checkSlashes is the honest-miner invariant: a miner slashed by this batch must
// not have committed and revealed the honest output within its windows, directly
// (in the settled state or this batch) or by forced inclusion (a commit confirmed
// by c + commitTimeout; a reveal sent once client rule C-2 allowed it and
// confirmed by c + revealTimeout) — unless the two other slots revealed one and the
// same other digest (a colluding majority, which 2-of-3 cannot resist).
func (w *World) checkSlashes(b *Block, ci *ChainInfo, bt *Batch) {
	pre := w.settledL2(ci)
	for _, rec := range bt.Out.Records {
		if rec.Reason != aichain.ReasonSlashed {
			continue
		}
		r, ok := findRequest(pre, rec.RequestID)
		if !ok {
			// Placed and closed within this batch (a long inbox backlog): its slots
			// are the draw its miners computed at confirmation (C-1).
			if r, ok = w.placedRequest(ci, rec.RequestID); !ok {
				continue
			}
		}
		j, ok := slotOf(&r, rec.Account)
		if !ok {
			continue
		}
		acct, _ := pre.Account(rec.Account)
		a := w.byL2[acct.Key]
		if a == nil {
			continue
		}
		digest := aichain.DigestOf(r.ID, HonestOutput(r.ID))
		want, _, err := minerOps(ci.ID, a, &r, j, HonestOutput(r.ID))
		if err != nil {
			continue
		}
		if !w.committedInTime(ci, bt, &r, j, want.Commitment) || !w.revealedInTime(ci, bt, &r, j, digest) {
			continue
		}
		if w.collusion(ci, bt, &r, j, digest) {
			continue
		}
		w.violate(b, "honest-miner", fmt.Sprintf("%s slashed on request %x slot %d after acting in its windows",
			a.Name, r.ID[:4], j))
	}
}

// checkAssignments: every request a batch places draws the miners its assignees
// computed from the settled state when it confirmed (client rule C-1, rule
// L-12); otherwise an honest miner could not know its slot in time.
func (w *World) checkAssignments(b *Block, ci *ChainInfo, bt *Batch) {
	for _, rec := range bt.Out.Records {
		if rec.Source != aichain.SourceInbox || rec.EntryKind != zkhash.InboxKindRequest || rec.Reason != aichain.ReasonOK {
			continue
		}
		placed, ok := findRequest(bt.Post, rec.RequestID)
		if !ok {
			continue // placed and closed in the same batch
		}
		want, ok := w.placedRequest(ci, rec.RequestID)
		if !ok {
			w.violate(b, InvHonestMiner, fmt.Sprintf("request %x placed, but its miners saw no draw at confirmation",
				rec.RequestID[:4]))
			continue
		}
		for j := range want.Slots {
			if placed.Slots[j].Miner != want.Slots[j].Miner {
				w.violate(b, InvHonestMiner, fmt.Sprintf("request %x drew %d,%d,%d; its miners saw %d,%d,%d at confirmation",
					rec.RequestID[:4], placed.Slots[0].Miner, placed.Slots[1].Miner, placed.Slots[2].Miner,
					want.Slots[0].Miner, want.Slots[1].Miner, want.Slots[2].Miner))
				break
			}
		}
	}
}

// checkUnlocks: stake unlocked by this batch must not be slashable any more
// (rule L-25): no request that can still settle (deadline ≥ the batch's
// l1Height), open or waiting in the inbox, holds the account in a slot. Otherwise a miner could take back stake a later resolve
// would slash (and keep what the rules give the treasury).
func (w *World) checkUnlocks(b *Block, ci *ChainInfo, bt *Batch, inboxTo uint64) error {
	var unlocked []uint32
	for _, rec := range bt.Out.Records {
		if rec.Kind == aichain.OpUnlock && rec.Reason == aichain.ReasonOK && rec.Source != aichain.SourceBatch {
			unlocked = append(unlocked, rec.Account)
		}
	}
	if len(unlocked) == 0 {
		return nil
	}
	holds := func(ms [aichain.Assignees]uint32, what string, id bitai.ID) {
		for _, m := range ms {
			if slices.Contains(unlocked, m) {
				w.violate(b, InvNoTheft, fmt.Sprintf("account %d unlocked its stake while %s request %x can slash it",
					m, what, id[:4]))
			}
		}
	}
	for _, r := range bt.Post.OpenRequests() {
		if r.Deadline < bt.Out.L1Height {
			continue // closes at its deadline without slashing (rule L-31)
		}
		holds([aichain.Assignees]uint32{r.Slots[0].Miner, r.Slots[1].Miner, r.Slots[2].Miner}, "open", r.ID)
	}
	n, err := statemachine.InboxLen(w.state(), ci.ID)
	if err != nil {
		return err
	}
	es, err := w.inboxEntries(ci.ID, inboxTo, n)
	if err != nil {
		return err
	}
	for _, e := range es {
		if q := e.Request; q != nil && q.Deadline >= bt.Out.L1Height {
			if ms, ok := bt.Post.Assignment(q.ConfirmHeight, q.ConfirmBlockHash, q.ID); ok {
				holds(ms, "waiting", q.ID)
			}
		}
	}
	return nil
}

// placedRequest is a request as the L2 places it, before any commit: its slots
// are the draw from the settled state at its confirm block.
func (w *World) placedRequest(ci *ChainInfo, id bitai.ID) (aichain.Request, bool) {
	q, ok, err := statemachine.GetRequest(w.state(), id)
	if err != nil || !ok {
		return aichain.Request{}, false
	}
	at := int(q.ConfirmHeight) - int(w.cfg.ActivationHeight)
	if at < 0 || at >= len(w.blocks) {
		return aichain.Request{}, false
	}
	seen := w.blocks[at].settled[ci.ID]
	if seen == nil {
		seen = ci.genesis
	}
	ms, ok := seen.Assignment(q.ConfirmHeight, q.ConfirmBlockHash, id)
	if !ok {
		return aichain.Request{}, false
	}
	r := aichain.Request{ID: id, InboxIndex: q.InboxIndex, ChainFee: q.ChainFee, ConfirmHeight: q.ConfirmHeight,
		Deadline: q.Deadline, First: aichain.NoCommitter}
	for j, m := range ms {
		r.Slots[j].Miner = m
	}
	return r, true
}

// committedInTime: the slot holds the honest commitment, this batch commits it, or
// the miner forced it by c + commitTimeout.
func (w *World) committedInTime(ci *ChainInfo, bt *Batch, r *aichain.Request, j uint8, cm fr.Element) bool {
	if s := r.Slots[j]; s.Committed && s.Commitment.Equal(&cm) {
		return true
	}
	for _, o := range bt.In.Ops {
		if o.Kind == aichain.OpCommit && o.RequestID == r.ID && o.Slot == j && o.Commitment.Equal(&cm) {
			return true
		}
	}
	deadline := uint64(r.ConfirmHeight) + uint64(ci.Params.CommitTimeout)
	return w.forced(ci, r.ID, func(f *ForcedOp, h uint32) bool {
		return f.Op.Kind == aichain.OpCommit && f.Op.Slot == j && f.Op.Commitment.Equal(&cm) && uint64(h) <= deadline &&
			f.Op.RequestSlot == aichain.Slot(r.InboxIndex)
	})
}

// revealedInTime: the slot revealed the honest digest, this batch reveals it, or
// the miner forced the reveal after C-2 allowed it and by c + revealTimeout.
func (w *World) revealedInTime(ci *ChainInfo, bt *Batch, r *aichain.Request, j uint8, d fr.Element) bool {
	if s := r.Slots[j]; s.Revealed && s.Digest.Equal(&d) {
		return true
	}
	for _, o := range bt.In.Ops {
		if o.Kind == aichain.OpReveal && o.RequestID == r.ID && o.Slot == j && o.Digest.Equal(&d) {
			return true
		}
	}
	deadline := uint64(r.ConfirmHeight) + uint64(ci.Params.RevealTimeout)
	return w.forced(ci, r.ID, func(f *ForcedOp, h uint32) bool {
		return f.Op.Kind == aichain.OpReveal && f.Op.Slot == j && f.Op.Digest.Equal(&d) && f.C2 &&
			f.Op.RequestSlot == aichain.Slot(r.InboxIndex) &&
			uint64(h) <= deadline
	})
}

// collusion reports whether the two other slots revealed (or tried to reveal)
// one and the same digest other than d.
func (w *World) collusion(ci *ChainInfo, bt *Batch, r *aichain.Request, j uint8, d fr.Element) bool {
	var got [aichain.Assignees][]fr.Element
	for k, s := range r.Slots {
		if s.Revealed {
			got[k] = append(got[k], s.Digest)
		}
	}
	for _, o := range bt.In.Ops {
		if o.Kind == aichain.OpReveal && o.RequestID == r.ID {
			got[o.Slot] = append(got[o.Slot], o.Digest)
		}
	}
	w.forced(ci, r.ID, func(f *ForcedOp, _ uint32) bool {
		if f.Op.Kind == aichain.OpReveal && f.Op.RequestSlot == aichain.Slot(r.InboxIndex) {
			got[f.Op.Slot] = append(got[f.Op.Slot], f.Op.Digest)
		}
		return false
	})
	var others []int
	for k := range got {
		if uint8(k) != j {
			others = append(others, k)
		}
	}
	for _, x := range got[others[0]] {
		for _, y := range got[others[1]] {
			if x.Equal(&y) && !x.Equal(&d) {
				return true
			}
		}
	}
	return false
}

// forced reports whether some forced op for the request, confirmed in the
// current chain, satisfies ok (called with its confirm height). An op aimed at
// another request slot is a no-op (rule L-20): the predicates check the slot.
func (w *World) forced(ci *ChainInfo, id bitai.ID, ok func(*ForcedOp, uint32) bool) bool {
	for _, t := range w.forcedByReq[id] {
		if t.Event == nil || !t.Event.Applied || t.Force.Chain != ci.ID {
			continue
		}
		if ok(t.Force, t.Event.Height) {
			return true
		}
	}
	return false
}
