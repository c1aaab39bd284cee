package statemachine

import (
	"fmt"
	"math"
	"slices"

	"github.com/bitai-l2/bitai/aichain"
	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/zkhash"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// batchCtx carries one SubmitBatch through its checks (rule S-25).
type batchCtx struct {
	*execCtx
	b       *bitai.SubmitBatch
	view    *ChainView
	inbox   uint64 // the chain's inbox length
	outs    []aichain.Outcome
	wds     []aichain.Withdrawal
	reqs    []Request // the requests the outcomes name, in outcome order
	newRoot fr.Element
	data    fr.Element // dataHash
}

// submitBatch verifies and settles a batch (rule S-25, DESIGN §3.2 "Settlement" as
// amended by docs/aichain-protocol.md). Every check runs before any write; the
// settlement then runs in the tx's overlay, so a failure anywhere rejects the whole
// batch atomically.
func (x *execCtx) submitBatch(b *bitai.SubmitBatch) (bitai.Reason, error) {
	c := &batchCtx{execCtx: x, b: b}
	for _, step := range []func() (bitai.Reason, error){
		c.load, c.checkSender, c.checkSequence, c.checkInbox, c.checkFields,
		c.checkOutcomes, c.checkData, c.checkProof,
	} {
		if r, err := step(); err != nil || r != bitai.ReasonNone {
			return r, err
		}
	}
	return c.settle()
}

// load reads the chain (158), needs a verifier (150) and refuses a frozen chain (175).
func (c *batchCtx) load() (bitai.Reason, error) {
	v, r, err := c.chainView(c.b.ChainID)
	if err != nil || r != bitai.ReasonNone {
		return r, err
	}
	c.view = v
	switch {
	case c.batches == nil:
		return ReasonUnsupported, nil
	case frozen(v.Settlement, c.height):
		return ReasonChainFrozen, nil
	}
	c.inbox, err = v.InboxLen()
	return bitai.ReasonNone, err
}

// chainView loads a chain's view for a tx at this height; ReasonUnknownChain if absent.
func (x *execCtx) chainView(id bitai.ID) (*ChainView, bitai.Reason, error) {
	ch, ok, err := GetChain(x.st, id)
	if err != nil || !ok {
		return nil, ReasonUnknownChain, err
	}
	p, err := bitai.ChainParamsFromRecord(ch.Params)
	if err != nil {
		return nil, bitai.ReasonNone, fmt.Errorf("chain %x params: %w", id, ErrRecord)
	}
	s, ok, err := GetSettlement(x.st, id)
	if err != nil {
		return nil, bitai.ReasonNone, err
	}
	if !ok {
		return nil, bitai.ReasonNone, fmt.Errorf("settlement of chain %x missing: %w", id, ErrRecord)
	}
	return &ChainView{DeploymentID: x.depID, ID: id, Chain: ch, Params: p, Settlement: s,
		Height: x.height, st: x.st}, bitai.ReasonNone, nil
}

// frozen reports whether a chain has had no batch for FreezeBlocks at height h.
func frozen(s Settlement, h uint32) bool {
	return uint64(h) >= uint64(s.BatchHeight)+bitai.FreezeBlocks
}

// checkSender: a sequencer, or anyone once the chain has had no batch for
// EscapeBlocks or its oldest unconsumed entry is EscapeBlocks old (174).
func (c *batchCtx) checkSender() (bitai.Reason, error) {
	if slices.Contains(c.view.Chain.Sequencers, c.tx.Sender) {
		return bitai.ReasonNone, nil
	}
	h, s := uint64(c.height), c.view.Settlement
	if h >= uint64(s.BatchHeight)+bitai.EscapeBlocks {
		return bitai.ReasonNone, nil
	}
	if s.InboxTo < c.inbox {
		first, err := c.view.NextConfirm(s.InboxTo)
		if err != nil {
			return bitai.ReasonNone, err
		}
		if h >= uint64(first)+bitai.EscapeBlocks {
			return bitai.ReasonNone, nil
		}
	}
	return ReasonNotSequencer, nil
}

// checkSequence: number (176), prevRoot (177) and l1Height (178) follow the last batch.
func (c *batchCtx) checkSequence() (bitai.Reason, error) {
	s := c.view.Settlement
	switch {
	case c.b.Number != s.Number+1:
		return ReasonBadBatchNumber, nil
	case c.b.PrevRoot != s.Root:
		return ReasonBadPrevRoot, nil
	case c.b.L1Height < s.L1Height || c.b.L1Height > c.height ||
		uint64(c.height-c.b.L1Height) > bitai.SubmitWindow:
		return ReasonBadL1Height, nil
	}
	return bitai.ReasonNone, nil
}

// checkInbox: prev.inboxTo ≤ inboxTo ≤ len, the last consumed entry confirmed by
// l1Height (179); forced inclusion (180).
func (c *batchCtx) checkInbox() (bitai.Reason, error) {
	from, to := c.view.Settlement.InboxTo, c.b.InboxTo
	if to < from || to > c.inbox {
		return ReasonBadInboxTo, nil
	}
	if to > from {
		last, err := c.view.NextConfirm(to - 1)
		if err != nil {
			return bitai.ReasonNone, err
		}
		if last > c.b.L1Height {
			return ReasonBadInboxTo, nil
		}
	}
	next, err := c.view.NextConfirm(to)
	if err != nil {
		return bitai.ReasonNone, err
	}
	if to == c.inbox || uint64(next)+uint64(c.view.Params.ForceDelay) > uint64(c.b.L1Height) {
		return bitai.ReasonNone, nil
	}
	shape, ok := c.batches.Shape(c.view.Chain.CircuitID)
	if !ok {
		return ReasonBadProof, nil
	}
	if to-from < uint64(shape.InboxSlots) {
		return ReasonForcedEntrySkipped, nil
	}
	return bitai.ReasonNone, nil
}

// checkFields: newRoot and dataHash are canonical field elements (181); the lists
// decode, version 1 (150) and strictly (182, 183).
func (c *batchCtx) checkFields() (bitai.Reason, error) {
	if c.newRoot.SetBytesCanonical(c.b.NewRoot[:]) != nil || c.data.SetBytesCanonical(c.b.DataHash[:]) != nil {
		return ReasonBadFieldElement, nil
	}
	if c.b.Outcomes.Version != aichain.OutcomesVersion || c.b.Withdrawals.Version != aichain.WithdrawalsVersion {
		return ReasonUnsupported, nil
	}
	var err error
	if c.outs, err = aichain.DecodeOutcomes(c.b.Outcomes); err != nil {
		return ReasonBadOutcomes, nil
	}
	if c.wds, err = aichain.DecodeWithdrawals(c.b.Withdrawals); err != nil {
		return ReasonBadWithdrawals, nil
	}
	return bitai.ReasonNone, nil
}

// checkOutcomes: every outcome names a request of this chain with index < inboxTo
// (184), no request twice (185), still open (170), and l1Height ≤ its deadline (186).
func (c *batchCtx) checkOutcomes() (bitai.Reason, error) {
	seen := make(map[bitai.ID]bool, len(c.outs))
	c.reqs = make([]Request, 0, len(c.outs))
	for _, o := range c.outs {
		q, ok, err := GetRequest(c.st, o.RequestID)
		switch {
		case err != nil:
			return bitai.ReasonNone, err
		case !ok || q.ChainID != c.b.ChainID || q.InboxIndex >= c.b.InboxTo:
			return ReasonUnknownRequest, nil
		case seen[o.RequestID]:
			return ReasonDuplicateOutcome, nil
		case q.Status != StatusOpen:
			return ReasonNotOpen, nil
		case c.b.L1Height > q.Deadline:
			return ReasonOutcomeLate, nil
		}
		seen[o.RequestID] = true
		c.reqs = append(c.reqs, q)
	}
	return bitai.ReasonNone, nil
}

// checkData: on a full-rollup chain the inline data is present and is data v2 whose
// outputs match its reveals (195, rule L-41); elsewhere it is absent or a version-1
// DA record (150). Either way the DA record decodes and hashes to dataHash (187).
func (c *batchCtx) checkData() (bitai.Reason, error) {
	if c.view.Params.FullRollup {
		if c.b.Data == nil || c.b.Data.Version != aichain.DataV2 {
			return ReasonOutputsMismatch, nil
		}
		d, err := aichain.DecodeBatchData(c.b.Data.Data)
		if err != nil {
			return ReasonOutputsMismatch, nil
		}
		if h := d.DataHash(); !h.Equal(&c.data) {
			return ReasonDataMismatch, nil
		}
		if d.CheckOutputs() != nil {
			return ReasonOutputsMismatch, nil
		}
		return bitai.ReasonNone, nil
	}
	if c.b.Data == nil {
		return bitai.ReasonNone, nil
	}
	if c.b.Data.Version != aichain.DAVersion {
		return ReasonUnsupported, nil
	}
	h, err := aichain.DataHashOf(c.b.Data.Data)
	if err != nil || !h.Equal(&c.data) {
		return ReasonDataMismatch, nil
	}
	return bitai.ReasonNone, nil
}

// PublicInputs recomputes a batch's public input natively (rule L-38) from the
// SubmitBatch fields, the chain's inbox and its params hash. It fails for a batch
// whose inboxTo, roots, dataHash or lists the checks of rule S-25 refuse.
func PublicInputs(v *ChainView, b *bitai.SubmitBatch) (*aichain.PublicInputs, error) {
	pi := &aichain.PublicInputs{DeploymentID: v.DeploymentID, ChainID: v.ID, Number: b.Number,
		L1Height: b.L1Height, L2Supply: b.L2Supply}
	for _, f := range []struct {
		dst *fr.Element
		src [32]byte
	}{
		{&pi.ParamsHash, v.Chain.ParamsHash}, {&pi.PrevRoot, b.PrevRoot},
		{&pi.NewRoot, b.NewRoot}, {&pi.DataHash, b.DataHash},
	} {
		if err := f.dst.SetBytesCanonical(f.src[:]); err != nil {
			return nil, fmt.Errorf("public input: %w", err)
		}
	}
	accs := []*fr.Element{&pi.InboxAccFrom, &pi.InboxAccTo}
	for i, idx := range []uint64{v.Settlement.InboxTo, b.InboxTo} {
		a, ok, err := InboxAcc(v.st, v.ID, idx)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("public input: inbox acc %d of chain %x missing", idx, v.ID)
		}
		if err := accs[i].SetBytesCanonical(a[:]); err != nil {
			return nil, fmt.Errorf("inbox acc %d of chain %x: %w", idx, v.ID, ErrRecord)
		}
	}
	next, err := v.NextConfirm(b.InboxTo)
	if err != nil {
		return nil, err
	}
	pi.InboxClock = aichain.InboxClock(b.L1Height, next)
	outs, err := aichain.DecodeOutcomes(b.Outcomes)
	if err != nil {
		return nil, fmt.Errorf("public input: %w", err)
	}
	wds, err := aichain.DecodeWithdrawals(b.Withdrawals)
	if err != nil {
		return nil, fmt.Errorf("public input: %w", err)
	}
	pi.OutcomesHash = aichain.OutcomesHash(outs)
	pi.WithdrawalsHash = aichain.WithdrawalsHash(wds)
	return pi, nil
}

// checkProof: the verifier accepts the proof with the natively recomputed public
// input (188).
func (c *batchCtx) checkProof() (bitai.Reason, error) {
	pi, err := PublicInputs(c.view, c.b)
	if err != nil {
		return bitai.ReasonNone, err
	}
	if err := c.batches.VerifyBatch(c.view, c.b, pi); err != nil {
		if c.view.err != nil {
			return bitai.ReasonNone, c.view.err // storage, not the proof
		}
		return ReasonBadProof, nil
	}
	return bitai.ReasonNone, nil
}

// settle applies a verified batch: credited deposits move into the bridge,
// outcomes pay, withdrawals leave the bridge (189), and then l2Supply must equal the
// bridge (190). Finally the settlement state advances.
func (c *batchCtx) settle() (bitai.Reason, error) {
	s := c.view.Settlement
	bridge, err := c.creditDeposits(s.InboxTo, c.b.InboxTo, s.Bridge)
	if err != nil {
		return bitai.ReasonNone, err
	}
	for i, o := range c.outs {
		r, err := c.payOutcome(o, c.reqs[i], &bridge)
		if err != nil || r != bitai.ReasonNone {
			return r, err
		}
	}
	for _, w := range c.wds {
		if w.Amount > bridge {
			return ReasonBridgeInsufficient, nil
		}
		bridge -= w.Amount
		if r, err := credit(c.st, w.Recipient, w.Amount); err != nil || r != bitai.ReasonNone {
			return r, err
		}
	}
	if c.b.L2Supply != bridge {
		return ReasonSupplyMismatch, nil
	}
	next := Settlement{Number: c.b.Number, Root: c.b.NewRoot, L1Height: c.b.L1Height,
		InboxTo: c.b.InboxTo, Bridge: bridge, BatchHeight: c.height}
	return bitai.ReasonNone, putRecord(c.st, SettlementKey(c.b.ChainID), next)
}

// creditDeposits moves the consumed deposits the L2 credited (rule L-17: pending and
// l1Height ≤ confirmHeight + forceDelay) from pending into the bridge.
func (c *batchCtx) creditDeposits(from, to, bridge uint64) (uint64, error) {
	es, err := InboxEntries(c.st, c.b.ChainID, from, to)
	if err != nil {
		return 0, err
	}
	fd := uint64(c.view.Params.ForceDelay)
	for _, e := range es {
		if e.Kind != zkhash.InboxKindDeposit {
			continue
		}
		d, ok, err := GetDeposit(c.st, e.ID)
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, fmt.Errorf("deposit %x missing: %w", e.ID, ErrRecord)
		}
		if d.Status != StatusOpen || uint64(c.b.L1Height) > uint64(d.ConfirmHeight)+fd {
			continue
		}
		if bridge > math.MaxUint64-d.Amount {
			return 0, errSupply
		}
		bridge += d.Amount
		d.Status = StatusSettled
		if err := putRecord(c.st, DepositKey(e.ID), d); err != nil {
			return 0, err
		}
	}
	return bridge, nil
}

// payOutcome pays one outcome's escrow: answered → the Eternal fee to the Eternal's
// current owner, the creator fee to the model's creator, the chain fee into the
// bridge; refunded → the whole escrow to the requester.
func (c *batchCtx) payOutcome(o aichain.Outcome, q Request, bridge *uint64) (bitai.Reason, error) {
	q.Status = StatusSettled
	if err := putRecord(c.st, RequestKey(o.RequestID), q); err != nil {
		return bitai.ReasonNone, err
	}
	if o.Status != aichain.OutcomeAnswered {
		return credit(c.st, q.Requester, q.Escrow())
	}
	e, ok, err := GetEternal(c.st, q.EternalID)
	if err != nil {
		return bitai.ReasonNone, err
	}
	m, okm, err := GetModel(c.st, q.ModelID)
	if err != nil {
		return bitai.ReasonNone, err
	}
	if !ok || !okm {
		return bitai.ReasonNone, fmt.Errorf("request %x: eternal or model missing: %w", o.RequestID, ErrRecord)
	}
	if r, err := credit(c.st, e.Owner, q.EternalFee); err != nil || r != bitai.ReasonNone {
		return r, err
	}
	if r, err := credit(c.st, m.Creator, q.CreatorFee); err != nil || r != bitai.ReasonNone {
		return r, err
	}
	if *bridge > math.MaxUint64-q.ChainFee {
		return bitai.ReasonNone, errSupply
	}
	*bridge += q.ChainFee
	return bitai.ReasonNone, nil
}
