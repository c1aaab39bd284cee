package statemachine

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/bitai-l2/bitai/aichain"
	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/zkhash"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// TagParams is the zkhash domain tag of a chain's params hash (rule S-13).
const TagParams = "bitai/params"

// ParamsHash is a chain's params hash (rule S-13, DECISIONS B13): Poseidon2 over the
// params sub-record's version byte followed by its data,
//
//	paramsHash = HashBytes("bitai/params", version u8 ‖ data)
//
// stored as a 32-byte big-endian field element.
func ParamsHash(params bitai.SubRecord) [32]byte {
	h := zkhash.HashBytes(TagParams, subRecordBytes(params))
	return h.Bytes()
}

// L2OpHash is a message's op hash (rules S-11, Z-13): HashL2Op over the l2Op
// sub-record's version byte followed by its data, as a 32-byte big-endian field
// element.
func L2OpHash(op bitai.SubRecord) fr.Element {
	return zkhash.HashL2Op(subRecordBytes(op))
}

func subRecordBytes(s bitai.SubRecord) []byte {
	return append([]byte{s.Version}, s.Data...)
}

// chainParams returns a registered chain's decoded params (validated at registration).
func (x *execCtx) chainParams(id bitai.ID) (bitai.ChainParams, error) {
	c, ok, err := GetChain(x.st, id)
	if err != nil {
		return bitai.ChainParams{}, err
	}
	if !ok {
		return bitai.ChainParams{}, fmt.Errorf("chain %x missing: %w", id, ErrRecord)
	}
	p, err := bitai.ChainParamsFromRecord(c.Params)
	if err != nil {
		return p, fmt.Errorf("chain %x params: %w", id, ErrRecord)
	}
	return p, nil
}

// escrowIDKeys are the namespaces that share object ids (DECISIONS D8).
var escrowIDKeys = []func(bitai.ID) []byte{RequestKey, DepositKey, MessageKey}

// infer escrows the three fees and appends a request to the chain's inbox (rule S-16).
// Checks, in order: the Eternal exists; the chain exists; the chain serves the
// Eternal's model; a pinned prompt hash equals the current prompt's; the fees'
// total ≤ maxFee; the sender's balance covers it.
func (x *execCtx) infer(b *bitai.Infer) (bitai.ID, bitai.Reason, error) {
	e, ok, err := GetEternal(x.st, b.EternalID)
	if err != nil || !ok {
		return bitai.ID{}, ReasonUnknownEternal, err
	}
	c, ok, err := GetChain(x.st, b.ChainID)
	if err != nil || !ok {
		return bitai.ID{}, ReasonUnknownChain, err
	}
	if !slices.Contains(c.Models, e.Model) {
		return bitai.ID{}, ReasonModelNotServed, nil
	}
	if b.SystemPromptHash != nil && *b.SystemPromptHash != e.PromptHash {
		return bitai.ID{}, ReasonPromptMismatch, nil
	}
	model, ok, err := GetModel(x.st, e.Model)
	if err != nil {
		return bitai.ID{}, bitai.ReasonNone, err
	}
	if !ok {
		return bitai.ID{}, bitai.ReasonNone, fmt.Errorf("model %x of eternal %x missing: %w", e.Model, b.EternalID, ErrRecord)
	}
	p, err := bitai.ChainParamsFromRecord(c.Params)
	if err != nil {
		return bitai.ID{}, bitai.ReasonNone, fmt.Errorf("chain %x params: %w", b.ChainID, ErrRecord)
	}
	// Each fee is ≤ MaxMoney (checked when set), so the sum cannot wrap.
	total := e.Fee + model.CreatorFee + p.RequestFee
	if total > b.MaxFee {
		return bitai.ID{}, ReasonMaxFeeExceeded, nil
	}
	if r, err := debit(x.st, x.tx.Sender, total); err != nil || r != bitai.ReasonNone {
		return bitai.ID{}, r, err
	}
	id, r, err := x.newID(escrowIDKeys...)
	if err != nil || r != bitai.ReasonNone {
		return id, r, err
	}
	q := Request{
		ChainID: b.ChainID, Requester: x.tx.Sender, EternalID: b.EternalID, ModelID: e.Model,
		SystemPromptHash: e.PromptHash, CalldataHash: sha256.Sum256(b.Calldata),
		EternalFee: e.Fee, CreatorFee: model.CreatorFee, ChainFee: p.RequestFee,
		ConfirmHeight: x.height, ConfirmBlockHash: x.blockHash, Deadline: addHeight(x.height, p.RequestTTL),
	}
	entry := zkhash.RequestEntry{
		ID: id, Requester: q.Requester, EternalID: q.EternalID, ModelID: q.ModelID,
		SystemPromptHash: q.SystemPromptHash, CalldataHash: q.CalldataHash,
		EternalFee: q.EternalFee, ChainFee: q.ChainFee, ConfirmHeight: q.ConfirmHeight,
		ConfirmBlockHash: q.ConfirmBlockHash, Deadline: q.Deadline,
	}
	h, err := entry.Hash()
	if err != nil {
		return id, bitai.ReasonNone, fmt.Errorf("request entry: %w", err)
	}
	if q.InboxIndex, err = x.appendInbox(b.ChainID, zkhash.InboxKindRequest, id, h); err != nil {
		return id, bitai.ReasonNone, err
	}
	return id, bitai.ReasonNone, putRecord(x.st, RequestKey(id), q)
}

// addHeight is h + d, saturating at the largest height.
func addHeight(h, d uint32) uint32 {
	if h > math.MaxUint32-d {
		return math.MaxUint32
	}
	return h + d
}

// appendInbox appends an entry to a chain's inbox and advances its accumulator
// (rules S-8, Z-10), returning the entry's index.
func (x *execCtx) appendInbox(chainID bitai.ID, kind uint8, id bitai.ID, entryHash fr.Element) (uint64, error) {
	n, err := InboxLen(x.st, chainID)
	if err != nil {
		return 0, err
	}
	accBytes, ok, err := InboxAcc(x.st, chainID, n)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, fmt.Errorf("inbox acc %d of chain %x missing: %w", n, chainID, ErrRecord)
	}
	var acc fr.Element
	if err := acc.SetBytesCanonical(accBytes[:]); err != nil {
		return 0, fmt.Errorf("inbox acc %d of chain %x: %w", n, chainID, ErrRecord)
	}
	e := InboxEntry{Kind: kind, ID: id, ConfirmHeight: x.height, EntryHash: entryHash.Bytes()}
	if err := putRecord(x.st, InboxEntryKey(chainID, n), e); err != nil {
		return 0, err
	}
	nextAcc := zkhash.InboxAccNext(acc, entryHash)
	next := nextAcc.Bytes()
	if err := x.st.Set(InboxAccKey(chainID, n+1), next[:]); err != nil {
		return 0, err
	}
	return n, putU64(x.st, InboxLenKey(chainID), n+1)
}

// chainRegister launches a chain (rule S-16). Checks, in order: the circuit id is
// active in the deployment at this height; params decode as version 1 (an unknown
// version is ReasonUnsupported, a wrong length ReasonParamsMalformed) and satisfy
// T-16/T-17; the verifying key is a canonical BN254 Groth16 key; every model is
// registered; every sequencer key and the admin key lift.
func (x *execCtx) chainRegister(b *bitai.ChainRegister) (bitai.ID, bitai.Reason, error) {
	if !x.dep.CircuitActive(b.CircuitID, x.height) {
		return bitai.ID{}, ReasonUnknownCircuit, nil
	}
	p, err := bitai.ChainParamsFromRecord(b.Params)
	switch {
	case errors.Is(err, bitai.ErrUnsupportedVersion):
		return bitai.ID{}, ReasonUnsupported, nil
	case err != nil:
		return bitai.ID{}, ReasonParamsMalformed, nil
	}
	if err := p.Validate(x.dep.Bounds); err != nil {
		return bitai.ID{}, ReasonParamsOutOfBounds, nil
	}
	if _, err := zkhash.ParseL2Account(p.Treasury); err != nil {
		return bitai.ID{}, ReasonBadL2Account, nil
	}
	if err := CheckVerifyingKey(b.VerifyingKey); err != nil {
		return bitai.ID{}, ReasonBadVerifyingKey, nil
	}
	for _, m := range b.Models {
		if _, ok, err := GetModel(x.st, m); err != nil || !ok {
			return bitai.ID{}, ReasonUnknownModel, err
		}
	}
	if !allLiftable(b.Sequencers) || !liftable(b.Admin) {
		return bitai.ID{}, ReasonBadKey, nil
	}
	id, r, err := x.newID(ChainKey)
	if err != nil || r != bitai.ReasonNone {
		return id, r, err
	}
	acc0, err := zkhash.InboxAcc0(id)
	if err != nil {
		return id, bitai.ReasonNone, fmt.Errorf("inbox acc0: %w", err)
	}
	// The params passed T-16, T-17 and the treasury check, which is all of
	// aichain.ValidateParams (rule L-7), so the genesis root exists.
	genesis, err := aichain.GenesisRoot(p, b.CircuitID)
	if err != nil {
		return id, bitai.ReasonNone, fmt.Errorf("genesis root: %w", err)
	}
	c := Chain{
		Admin: b.Admin, CircuitID: b.CircuitID, CeremonyHash: b.CeremonyHash,
		ParamsHash: ParamsHash(b.Params), Height: x.height, Name: b.Name,
		Models: slices.Clone(b.Models), Sequencers: slices.Clone(b.Sequencers),
		Params:       bitai.SubRecord{Version: b.Params.Version, Data: slices.Clone(b.Params.Data)},
		VerifyingKey: slices.Clone(b.VerifyingKey),
	}
	if err := putRecord(x.st, ChainKey(id), c); err != nil {
		return id, bitai.ReasonNone, err
	}
	settle := Settlement{Root: genesis.Bytes(), L1Height: x.height, BatchHeight: x.height}
	if err := putRecord(x.st, SettlementKey(id), settle); err != nil {
		return id, bitai.ReasonNone, err
	}
	a0 := acc0.Bytes()
	return id, bitai.ReasonNone, x.st.Set(InboxAccKey(id, 0), a0[:])
}

// chainUpdate schedules a sequencer rotation at height + UpdateDelay, replacing a
// pending one (rule S-7, DECISIONS D7). Checks, in order: the chain exists; the sender
// is its admin; every sequencer key lifts.
func (x *execCtx) chainUpdate(b *bitai.ChainUpdate) (bitai.Reason, error) {
	c, ok, err := GetChain(x.st, b.ChainID)
	switch {
	case err != nil:
		return bitai.ReasonNone, err
	case !ok:
		return ReasonUnknownChain, nil
	case c.Admin != x.tx.Sender:
		return ReasonNotAdmin, nil
	case !allLiftable(b.Sequencers):
		return ReasonBadKey, nil
	}
	old, ok, err := GetRotation(x.st, b.ChainID)
	if err != nil {
		return bitai.ReasonNone, err
	}
	if ok {
		if err := x.st.Delete(RotationDueKey(old.EffectiveHeight, b.ChainID)); err != nil {
			return bitai.ReasonNone, err
		}
	}
	rot := Rotation{EffectiveHeight: addHeight(x.height, bitai.UpdateDelay), Sequencers: slices.Clone(b.Sequencers)}
	if err := putRecord(x.st, RotationKey(b.ChainID), rot); err != nil {
		return bitai.ReasonNone, err
	}
	return bitai.ReasonNone, x.st.Set(RotationDueKey(rot.EffectiveHeight, b.ChainID), nil)
}

// chainDeposit escrows a pending deposit and appends it to the inbox (rule S-16).
// Checks, in order: the chain exists; l2Account is a valid BabyJubJub key (Z-14);
// amount > 0; the sender's balance covers it.
func (x *execCtx) chainDeposit(b *bitai.ChainDeposit) (bitai.ID, bitai.Reason, error) {
	if _, ok, err := GetChain(x.st, b.ChainID); err != nil || !ok {
		return bitai.ID{}, ReasonUnknownChain, err
	}
	pt, err := zkhash.ParseL2Account(b.L2Account)
	if err != nil {
		return bitai.ID{}, ReasonBadL2Account, nil
	}
	if b.Amount == 0 {
		return bitai.ID{}, ReasonZeroAmount, nil
	}
	if r, err := debit(x.st, x.tx.Sender, b.Amount); err != nil || r != bitai.ReasonNone {
		return bitai.ID{}, r, err
	}
	id, r, err := x.newID(escrowIDKeys...)
	if err != nil || r != bitai.ReasonNone {
		return id, r, err
	}
	entry := zkhash.DepositEntry{ID: id, L2Account: pt, Amount: b.Amount, ConfirmHeight: x.height}
	h, err := entry.Hash()
	if err != nil {
		return id, bitai.ReasonNone, fmt.Errorf("deposit entry: %w", err)
	}
	d := Deposit{ChainID: b.ChainID, Depositor: x.tx.Sender, L2Account: b.L2Account,
		Amount: b.Amount, ConfirmHeight: x.height}
	if d.InboxIndex, err = x.appendInbox(b.ChainID, zkhash.InboxKindDeposit, id, h); err != nil {
		return id, bitai.ReasonNone, err
	}
	return id, bitai.ReasonNone, putRecord(x.st, DepositKey(id), d)
}

// chainMessage stores a forced L2 op and appends it to the inbox (rule S-16).
// Checks, in order: the chain exists; the op passes aichain.CheckForcedOp (rule
// L-18: a v1 op that decodes strictly and, if signed, whose signature verifies
// against the signer it carries); on a full-rollup chain a Reveal carries its
// output and the output hashes to its digest (rule L-41, ReasonBadRevealOutput).
func (x *execCtx) chainMessage(b *bitai.ChainMessage) (bitai.ID, bitai.Reason, error) {
	ch, ok, err := GetChain(x.st, b.ChainID)
	if err != nil || !ok {
		return bitai.ID{}, ReasonUnknownChain, err
	}
	op, err := aichain.CheckForcedOp(b.ChainID, b.L2Op.Data, b.L2Op.Version)
	if err != nil {
		return bitai.ID{}, ReasonBadL2Op, nil
	}
	p, err := bitai.ChainParamsFromRecord(ch.Params)
	if err != nil {
		return bitai.ID{}, bitai.ReasonNone, fmt.Errorf("chain %x params: %w", b.ChainID, ErrRecord)
	}
	if p.FullRollup && aichain.CheckForcedReveal(&op) != nil {
		return bitai.ID{}, ReasonBadRevealOutput, nil
	}
	id, r, err := x.newID(escrowIDKeys...)
	if err != nil || r != bitai.ReasonNone {
		return id, r, err
	}
	opHash := L2OpHash(b.L2Op)
	entry := zkhash.MessageEntry{ID: id, L2OpHash: opHash, ConfirmHeight: x.height}
	h, err := entry.Hash()
	if err != nil {
		return id, bitai.ReasonNone, fmt.Errorf("message entry: %w", err)
	}
	m := Message{ChainID: b.ChainID, Sender: x.tx.Sender, ConfirmHeight: x.height,
		L2OpHash: opHash.Bytes(), L2Op: bitai.SubRecord{Version: b.L2Op.Version, Data: slices.Clone(b.L2Op.Data)}}
	if m.InboxIndex, err = x.appendInbox(b.ChainID, zkhash.InboxKindMessage, id, h); err != nil {
		return id, bitai.ReasonNone, err
	}
	return id, bitai.ReasonNone, putRecord(x.st, MessageKey(id), m)
}
