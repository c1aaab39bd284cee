package statemachine

import (
	"errors"
	"fmt"

	"github.com/bitai-l2/bitai/aichain"
	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/zkhash"
)

// ErrUnknownChain is returned by NewChainView for an id that is not a chain.
var ErrUnknownChain = errors.New("unknown chain")

// BatchVerifier is SubmitBatch's proof check (rule S-25 step 13), behind an
// interface so the prover issue can plug Groth16 in. Until then NativeVerifier
// stands in: it accepts a batch iff replaying it natively (package aichain) from the
// chain's settled state gives the same public input.
//
// Implementations must be deterministic and must not write to the state; the
// statemachine calls them from ApplyBlock, one block at a time.
type BatchVerifier interface {
	// Shape returns the slot schedule of a circuit id, which BitAI needs for the
	// forced-inclusion rule (a batch that consumes every inbox slot may leave forced
	// entries for the next batch). ok is false for a circuit the verifier cannot
	// check; a SubmitBatch of such a chain fails with ReasonBadProof.
	Shape(circuitID bitai.ID) (shape aichain.Shape, ok bool)
	// VerifyBatch checks the batch's proof against the chain's verifying key
	// (v.Chain.VerifyingKey) and the public input pi, which BitAI recomputed
	// natively (rule L-38). A non-nil error rejects the batch with ReasonBadProof.
	VerifyBatch(v *ChainView, b *bitai.SubmitBatch, pi *aichain.PublicInputs) error
}

// ChainView is a read-only view of one chain as a SubmitBatch sees it, before the
// batch's effects: its record, params, settlement state and inbox.
type ChainView struct {
	DeploymentID [32]byte
	ID           bitai.ID
	Chain        Chain
	Params       bitai.ChainParams
	Settlement   Settlement // the last settled batch (genesis before the first)
	Height       uint32     // the Bitcoin height the SubmitBatch is included at

	st  State
	err error // the first read error, which is a storage failure, not a bad proof
}

// fail remembers a read error and returns it.
func (v *ChainView) fail(err error) error {
	if err != nil && v.err == nil {
		v.err = err
	}
	return err
}

// NewChainView returns the view of a registered chain in st for a tx at height h:
// what a sequencer (the simulator's, a test's) reads to build the next batch with
// aichain (Settlement.InboxTo is the first entry to consume; Entries and NextConfirm
// give aichain.BatchInput's inbox fields).
func NewChainView(st State, dep *bitai.Deployment, chainID bitai.ID, h uint32) (*ChainView, error) {
	x := &execCtx{st: st, depID: dep.ID(), height: h}
	v, r, err := x.chainView(chainID)
	if err != nil {
		return nil, err
	}
	if r != bitai.ReasonNone {
		return nil, fmt.Errorf("chain %x: %w", chainID, ErrUnknownChain)
	}
	return v, nil
}

// SubmitBatchFor returns the SubmitBatch body that settles a batch aichain produced:
// its fields as rule L-38 puts them into the public input, its inline data
// (BatchOutput.Inline: data v2 with the reveals' outputs on a full-rollup chain,
// rule L-41) or, if pointer is not nil, the pointer instead, and proof as given
// (NativeVerifier ignores it).
func SubmitBatchFor(chainID bitai.ID, out *aichain.BatchOutput, pointer *bitai.SubRecord, proof bitai.SubRecord) *bitai.SubmitBatch {
	b := &bitai.SubmitBatch{ChainID: chainID, Number: out.Number, PrevRoot: out.PrevRoot.Bytes(),
		NewRoot: out.NewRoot.Bytes(), L1Height: out.L1Height, InboxTo: out.InboxTo,
		Outcomes: aichain.EncodeOutcomes(out.Outcomes), Withdrawals: aichain.EncodeWithdrawals(out.Withdrawals),
		L2Supply: out.L2Supply, DataHash: out.DataHash.Bytes(), Proof: proof}
	if pointer != nil {
		b.DAPointer = *pointer
	} else {
		inline := out.Inline
		b.Data = &inline
	}
	return b
}

// InboxLen returns the number of entries in the chain's inbox.
func (v *ChainView) InboxLen() (uint64, error) {
	n, err := InboxLen(v.st, v.ID)
	return n, v.fail(err)
}

// NextConfirm returns the confirm height of inbox entry i, or 0 if the inbox has no
// entry i (rule L-10's nextConfirm when i = inboxTo).
func (v *ChainView) NextConfirm(i uint64) (uint32, error) {
	es, err := InboxEntries(v.st, v.ID, i, i+1)
	if err != nil || len(es) == 0 {
		return 0, v.fail(err)
	}
	return es[0].ConfirmHeight, nil
}

// Entries returns inbox entries [from, to) as the L2 consumes them: each with the
// request, deposit or message record it points at (rules Z-11 to Z-13).
func (v *ChainView) Entries(from, to uint64) ([]aichain.InboxEntry, error) {
	es, err := InboxEntries(v.st, v.ID, from, to)
	if err != nil {
		return nil, v.fail(err)
	}
	out := make([]aichain.InboxEntry, len(es))
	for i, e := range es {
		out[i], err = v.l2Entry(from+uint64(i), e)
		if err != nil {
			return nil, v.fail(err)
		}
	}
	return out, nil
}

// l2Entry builds the L2's view of inbox entry i.
func (v *ChainView) l2Entry(i uint64, e InboxEntry) (aichain.InboxEntry, error) {
	out := aichain.InboxEntry{Index: i}
	missing := func(what string) error {
		return fmt.Errorf("inbox entry %d of chain %x: %s %x missing: %w", i, v.ID, what, e.ID, ErrRecord)
	}
	switch e.Kind {
	case zkhash.InboxKindRequest:
		q, ok, err := GetRequest(v.st, e.ID)
		if err != nil {
			return out, err
		}
		if !ok {
			return out, missing("request")
		}
		out.Request = &zkhash.RequestEntry{
			ID: e.ID, Requester: q.Requester, EternalID: q.EternalID, ModelID: q.ModelID,
			SystemPromptHash: q.SystemPromptHash, CalldataHash: q.CalldataHash,
			EternalFee: q.EternalFee, ChainFee: q.ChainFee, ConfirmHeight: q.ConfirmHeight,
			ConfirmBlockHash: q.ConfirmBlockHash, Deadline: q.Deadline,
		}
	case zkhash.InboxKindDeposit:
		d, ok, err := GetDeposit(v.st, e.ID)
		if err != nil {
			return out, err
		}
		if !ok {
			return out, missing("deposit")
		}
		out.Deposit = &aichain.DepositEntry{ID: e.ID, L2Account: d.L2Account, Amount: d.Amount,
			ConfirmHeight: d.ConfirmHeight}
	default:
		m, ok, err := GetMessage(v.st, e.ID)
		if err != nil {
			return out, err
		}
		if !ok {
			return out, missing("message")
		}
		out.Message = &aichain.MessageEntry{ID: e.ID, L2Op: m.L2Op, ConfirmHeight: m.ConfirmHeight}
	}
	return out, nil
}
