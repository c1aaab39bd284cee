package statemachine

import (
	"crypto/sha256"
	"fmt"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/btcsuite/btcd/chainhash/v2"
)

// execCtx executes one authenticated tx's effect (rules S-16, S-17) against an overlay
// that the caller flushes on success and drops on failure.
type execCtx struct {
	st        State
	dep       *bitai.Deployment
	depID     [32]byte
	batches   BatchVerifier // nil: SubmitBatch is unsupported
	height    uint32
	blockHash chainhash.Hash
	txid      [32]byte
	tx        *bitai.Tx
}

// execute runs the tx's kind. It returns the object the tx created or acted on, the
// failure reason (ReasonNone on success) and only storage errors as errors.
func (x *execCtx) execute() (bitai.ID, bitai.Reason, error) {
	switch b := x.tx.Body.(type) {
	case *bitai.Transfer:
		r, err := x.transfer(b)
		return bitai.ID{}, r, err
	case *bitai.ModelRegister:
		return x.modelRegister(b)
	case *bitai.EternalMint:
		return x.eternalMint(b)
	case *bitai.EternalUpdate:
		r, err := x.eternalUpdate(b)
		return b.ID, r, err
	case *bitai.EternalTransfer:
		r, err := x.eternalTransfer(b)
		return b.ID, r, err
	case *bitai.Infer:
		return x.infer(b)
	case *bitai.ChainRegister:
		return x.chainRegister(b)
	case *bitai.ChainUpdate:
		r, err := x.chainUpdate(b)
		return b.ChainID, r, err
	case *bitai.ChainDeposit:
		return x.chainDeposit(b)
	case *bitai.ChainMessage:
		return x.chainMessage(b)
	case *bitai.Reclaim:
		r, err := x.reclaim(b)
		return b.ID, r, err
	case *bitai.SubmitBatch:
		r, err := x.submitBatch(b)
		return b.ChainID, r, err
	case *bitai.Exit:
		r, err := x.exit(b)
		return b.ChainID, r, err
	}
	return bitai.ID{}, bitai.ReasonNone, fmt.Errorf("execute: body %T", x.tx.Body)
}

// newID is the id of the object the tx creates (rule N-9, i = 0), failing with
// ReasonObjectExists (and a zero id, like every failed creation) if key(id) is taken.
func (x *execCtx) newID(keys ...func(bitai.ID) []byte) (bitai.ID, bitai.Reason, error) {
	id := bitai.ObjectID(x.txid, 0)
	for _, key := range keys {
		_, ok, err := x.st.Get(key(id))
		if err != nil {
			return id, bitai.ReasonNone, err
		}
		if ok {
			return bitai.ID{}, ReasonObjectExists, nil
		}
	}
	return id, bitai.ReasonNone, nil
}

// transfer: `to` lifts; the sender pays amount; `to` is credited.
func (x *execCtx) transfer(b *bitai.Transfer) (bitai.Reason, error) {
	if !liftable(b.To) {
		return ReasonBadKey, nil
	}
	if r, err := debit(x.st, x.tx.Sender, b.Amount); err != nil || r != bitai.ReasonNone {
		return r, err
	}
	return credit(x.st, b.To, b.Amount)
}

// modelRegister: creatorFee ≤ MaxMoney; the model is stored under ObjectID(txid, 0)
// with the sender as creator.
func (x *execCtx) modelRegister(b *bitai.ModelRegister) (bitai.ID, bitai.Reason, error) {
	if b.CreatorFee > bitai.MaxMoney {
		return bitai.ID{}, ReasonAmountTooLarge, nil
	}
	id, r, err := x.newID(ModelKey)
	if err != nil || r != bitai.ReasonNone {
		return id, r, err
	}
	m := Model{Creator: x.tx.Sender, CreatorFee: b.CreatorFee, ContentHash: b.ContentHash,
		Height: x.height, Name: b.Name, URI: b.URI, Format: b.Format}
	return id, bitai.ReasonNone, putRecord(x.st, ModelKey(id), m)
}

// eternalMint: `to` lifts; the model is registered; fee ≤ MaxMoney.
func (x *execCtx) eternalMint(b *bitai.EternalMint) (bitai.ID, bitai.Reason, error) {
	if !liftable(b.To) {
		return bitai.ID{}, ReasonBadKey, nil
	}
	if _, ok, err := GetModel(x.st, b.FoundationModel); err != nil || !ok {
		return bitai.ID{}, ReasonUnknownModel, err
	}
	if b.Fee > bitai.MaxMoney {
		return bitai.ID{}, ReasonAmountTooLarge, nil
	}
	id, r, err := x.newID(EternalKey)
	if err != nil || r != bitai.ReasonNone {
		return id, r, err
	}
	e := Eternal{Owner: b.To, Model: b.FoundationModel, Fee: b.Fee,
		PromptHash: sha256.Sum256([]byte(b.SystemPrompt)), Height: x.height,
		URI: b.URI, SystemPrompt: b.SystemPrompt}
	return id, bitai.ReasonNone, putRecord(x.st, EternalKey(id), e)
}

// ownedEternal loads an Eternal the sender owns.
func (x *execCtx) ownedEternal(id bitai.ID) (Eternal, bitai.Reason, error) {
	e, ok, err := GetEternal(x.st, id)
	switch {
	case err != nil:
		return e, bitai.ReasonNone, err
	case !ok:
		return e, ReasonUnknownEternal, nil
	case e.Owner != x.tx.Sender:
		return e, ReasonNotOwner, nil
	}
	return e, bitai.ReasonNone, nil
}

// eternalUpdate: the Eternal exists; the sender owns it; a new fee ≤ MaxMoney.
func (x *execCtx) eternalUpdate(b *bitai.EternalUpdate) (bitai.Reason, error) {
	e, r, err := x.ownedEternal(b.ID)
	if err != nil || r != bitai.ReasonNone {
		return r, err
	}
	if b.Fee != nil {
		if *b.Fee > bitai.MaxMoney {
			return ReasonAmountTooLarge, nil
		}
		e.Fee = *b.Fee
	}
	if b.SystemPrompt != nil {
		e.SystemPrompt = *b.SystemPrompt
		e.PromptHash = sha256.Sum256([]byte(e.SystemPrompt))
	}
	return bitai.ReasonNone, putRecord(x.st, EternalKey(b.ID), e)
}

// eternalTransfer: the Eternal exists; the sender owns it; `to` lifts.
func (x *execCtx) eternalTransfer(b *bitai.EternalTransfer) (bitai.Reason, error) {
	e, r, err := x.ownedEternal(b.ID)
	if err != nil || r != bitai.ReasonNone {
		return r, err
	}
	if !liftable(b.To) {
		return ReasonBadKey, nil
	}
	e.Owner = b.To
	return bitai.ReasonNone, putRecord(x.st, EternalKey(b.ID), e)
}

// reclaim returns the escrow of an open request or pending deposit after its window
// (rule S-17, DESIGN §3.2 "Reclaim", DECISIONS D8). Anyone may send it; the funds go
// to the requester or depositor.
func (x *execCtx) reclaim(b *bitai.Reclaim) (bitai.Reason, error) {
	h := uint64(x.height)
	if q, ok, err := GetRequest(x.st, b.ID); err != nil || ok {
		if err != nil {
			return bitai.ReasonNone, err
		}
		switch {
		case q.Status != StatusOpen:
			return ReasonNotOpen, nil
		case h <= uint64(q.Deadline)+bitai.SubmitWindow:
			return ReasonReclaimTooEarly, nil
		}
		q.Status = StatusReclaimed
		if err := putRecord(x.st, RequestKey(b.ID), q); err != nil {
			return bitai.ReasonNone, err
		}
		return credit(x.st, q.Requester, q.Escrow())
	}
	d, ok, err := GetDeposit(x.st, b.ID)
	switch {
	case err != nil:
		return bitai.ReasonNone, err
	case !ok:
		return ReasonUnknownID, nil
	case d.Status != StatusOpen:
		return ReasonNotOpen, nil
	}
	p, err := x.chainParams(d.ChainID)
	if err != nil {
		return bitai.ReasonNone, err
	}
	if h <= uint64(d.ConfirmHeight)+uint64(p.ForceDelay)+bitai.SubmitWindow {
		return ReasonReclaimTooEarly, nil
	}
	d.Status = StatusReclaimed
	if err := putRecord(x.st, DepositKey(b.ID), d); err != nil {
		return bitai.ReasonNone, err
	}
	return credit(x.st, d.Depositor, d.Amount)
}
