package statemachine

import (
	"errors"
	"fmt"
	"sync"

	"github.com/bitai-l2/bitai/aichain"
	"github.com/bitai-l2/bitai/bitai"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// ErrNativeProof is wrapped by every NativeVerifier rejection.
var ErrNativeProof = errors.New("native proof check failed")

// WitnessSource hands NativeVerifier a batch's sequencer ops with their signatures:
// what a prover holds as its private witness (the DA record omits signatures, rule
// L-37). The simulator's sequencers put their ops into a WitnessStore before they
// submit.
type WitnessSource interface {
	// BatchOps returns the signed sequencer ops of the chain's batch with the given
	// dataHash (32-byte big-endian field element), or ok = false.
	BatchOps(chainID bitai.ID, dataHash [32]byte) (ops []aichain.Op, ok bool)
}

// DASource hands NativeVerifier a pointer chain's DA record (rule L-37) by the
// SubmitBatch's daPointer: the data a full-rollup chain carries inline.
type DASource interface {
	DARecord(chainID bitai.ID, pointer bitai.SubRecord) (record []byte, ok bool)
}

// NativeVerifierConfig configures a NativeVerifier.
type NativeVerifierConfig struct {
	// Shapes gives each circuit id's slot schedule; a circuit not listed has
	// aichain.DefaultShape().
	Shapes map[bitai.ID]aichain.Shape
	// Witnesses supplies signed sequencer ops; nil means none.
	Witnesses WitnessSource
	// DA supplies pointer chains' DA records; nil means none.
	DA DASource
	// Keep is how many batches of L2 state per chain the verifier keeps below the
	// highest it has seen (for reorgs and replays); 0 means 64.
	Keep uint64
}

// NativeVerifier is the BatchVerifier of the tests and the simulator until Groth16
// proofs exist: it accepts a SubmitBatch iff applying it natively with
// aichain.Chain.ApplyBatch to the chain's L2 state at (number − 1, prevRoot) gives
// exactly the public input BitAI recomputed (rule L-38). So a batch passes iff it is
// the native transition, which is what a sound proof would attest.
//
// Where the ops come from: the witness source's signed ops for the batch's dataHash
// if it has them; else the DA record, inline (SubmitBatch.data) or from the DA
// source by daPointer, whose ops lack signatures, so only a batch without signed
// sequencer ops verifies that way. A withheld witness or DA record is a failed
// proof.
//
// The verifier is stateful and not consensus: it keeps the L2 states it derived,
// keyed by (number, root), and must see every batch of a chain from genesis on. It
// is safe for concurrent use.
type NativeVerifier struct {
	cfg NativeVerifierConfig

	mu     sync.Mutex
	chains map[bitai.ID]*nativeChain
}

// nativeChain holds one chain's derived L2 states.
type nativeChain struct {
	states map[stateKey]*aichain.Chain
	top    uint64 // highest batch number held
}

type stateKey struct {
	number uint64
	root   [32]byte
}

var _ BatchVerifier = (*NativeVerifier)(nil)

// NewNativeVerifier returns a NativeVerifier for cfg.
func NewNativeVerifier(cfg NativeVerifierConfig) *NativeVerifier {
	if cfg.Keep == 0 {
		cfg.Keep = 64
	}
	return &NativeVerifier{cfg: cfg, chains: map[bitai.ID]*nativeChain{}}
}

// Shape returns the circuit's configured shape, aichain.DefaultShape() by default.
func (n *NativeVerifier) Shape(circuitID bitai.ID) (aichain.Shape, bool) {
	if s, ok := n.cfg.Shapes[circuitID]; ok {
		return s, true
	}
	return aichain.DefaultShape(), true
}

// State returns a copy of the L2 state the verifier derived for a chain at batch
// number with the given root (number 0: genesis, once the chain's first batch was
// checked), for tests and clients that need the settled L2 state (exit proofs).
func (n *NativeVerifier) State(chainID bitai.ID, number uint64, root [32]byte) (*aichain.Chain, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	nc, ok := n.chains[chainID]
	if !ok {
		return nil, false
	}
	c, ok := nc.states[stateKey{number, root}]
	if !ok {
		return nil, false
	}
	return c.Clone(), true
}

// VerifyBatch replays the batch natively and compares public inputs.
func (n *NativeVerifier) VerifyBatch(v *ChainView, b *bitai.SubmitBatch, pi *aichain.PublicInputs) error {
	prev, err := n.prevState(v, b)
	if err != nil {
		return err
	}
	ops, err := n.ops(v, b)
	if err != nil {
		return err
	}
	entries, err := v.Entries(v.Settlement.InboxTo, b.InboxTo)
	if err != nil {
		return err
	}
	next, err := v.NextConfirm(b.InboxTo)
	if err != nil {
		return err
	}
	c := prev.Clone()
	out, err := c.ApplyBatch(&aichain.BatchInput{Number: b.Number, L1Height: b.L1Height,
		Entries: entries, NextConfirm: next, Ops: ops})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNativeProof, err)
	}
	if want := pi.Hash(); !out.PublicInput.Equal(&want) {
		return fmt.Errorf("%w: public input differs from the native transition's", ErrNativeProof)
	}
	n.put(v.ID, b.Number, out.NewRoot.Bytes(), c)
	return nil
}

// prevState returns the L2 state the batch starts from: genesis for batch 1, else
// the state derived at (number − 1, prevRoot).
func (n *NativeVerifier) prevState(v *ChainView, b *bitai.SubmitBatch) (*aichain.Chain, error) {
	n.mu.Lock()
	nc, ok := n.chains[v.ID]
	var c *aichain.Chain
	if ok {
		c = nc.states[stateKey{b.Number - 1, b.PrevRoot}]
	}
	n.mu.Unlock()
	if c != nil {
		return c, nil
	}
	if b.Number != 1 {
		return nil, fmt.Errorf("%w: no L2 state at batch %d root %x", ErrNativeProof, b.Number-1, b.PrevRoot)
	}
	shape, _ := n.Shape(v.Chain.CircuitID)
	g, err := aichain.New(aichain.Config{DeploymentID: v.DeploymentID, ChainID: v.ID,
		Params: v.Params, CircuitID: v.Chain.CircuitID, Shape: shape})
	if err != nil {
		return nil, fmt.Errorf("%w: genesis: %w", ErrNativeProof, err)
	}
	r := g.Root()
	n.put(v.ID, 0, r.Bytes(), g)
	return g, nil
}

// ops returns the batch's sequencer ops: the witness's signed ops, else the DA
// record's.
func (n *NativeVerifier) ops(v *ChainView, b *bitai.SubmitBatch) ([]aichain.Op, error) {
	if n.cfg.Witnesses != nil {
		if ops, ok := n.cfg.Witnesses.BatchOps(v.ID, b.DataHash); ok {
			return ops, nil
		}
	}
	var rec []byte
	switch {
	case b.Data != nil && b.Data.Version == aichain.DataV2:
		d, err := aichain.DecodeBatchData(b.Data.Data) // reveals with their outputs
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNativeProof, err)
		}
		return d.Ops, nil
	case b.Data != nil:
		rec = b.Data.Data
	case n.cfg.DA != nil:
		r, ok := n.cfg.DA.DARecord(v.ID, b.DAPointer)
		if !ok {
			return nil, fmt.Errorf("%w: DA record withheld", ErrNativeProof)
		}
		rec = r
	default:
		return nil, fmt.Errorf("%w: no DA record", ErrNativeProof)
	}
	d, err := aichain.DecodeDARecord(rec)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNativeProof, err)
	}
	return d.Ops, nil
}

// put stores a derived state and drops states more than Keep batches below the top.
func (n *NativeVerifier) put(chainID bitai.ID, number uint64, root [32]byte, c *aichain.Chain) {
	n.mu.Lock()
	defer n.mu.Unlock()
	nc, ok := n.chains[chainID]
	if !ok {
		nc = &nativeChain{states: map[stateKey]*aichain.Chain{}}
		n.chains[chainID] = nc
	}
	nc.states[stateKey{number, root}] = c
	if number <= nc.top {
		return
	}
	nc.top = number
	if number < n.cfg.Keep {
		return
	}
	for k := range nc.states {
		// Deleting while ranging is safe; the order does not matter here.
		if k.number < number-n.cfg.Keep {
			delete(nc.states, k)
		}
	}
}

// WitnessStore is an in-memory WitnessSource and DASource: sequencers (the
// simulator's, the tests') put their batches' signed ops and DA records here.
type WitnessStore struct {
	mu      sync.Mutex
	ops     map[witnessKey][]aichain.Op
	records map[string][]byte
}

type witnessKey struct {
	chain    bitai.ID
	dataHash [32]byte
}

var (
	_ WitnessSource = (*WitnessStore)(nil)
	_ DASource      = (*WitnessStore)(nil)
)

// NewWitnessStore returns an empty store.
func NewWitnessStore() *WitnessStore {
	return &WitnessStore{ops: map[witnessKey][]aichain.Op{}, records: map[string][]byte{}}
}

// PutOps records a batch's signed ops under its dataHash.
func (w *WitnessStore) PutOps(chainID bitai.ID, dataHash fr.Element, ops []aichain.Op) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ops[witnessKey{chainID, dataHash.Bytes()}] = append([]aichain.Op(nil), ops...)
}

// PutRecord records a pointer chain's DA record under its daPointer.
func (w *WitnessStore) PutRecord(chainID bitai.ID, pointer bitai.SubRecord, record []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.records[daKey(chainID, pointer)] = append([]byte(nil), record...)
}

// BatchOps implements WitnessSource.
func (w *WitnessStore) BatchOps(chainID bitai.ID, dataHash [32]byte) ([]aichain.Op, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ops, ok := w.ops[witnessKey{chainID, dataHash}]
	return append([]aichain.Op(nil), ops...), ok
}

// DARecord implements DASource.
func (w *WitnessStore) DARecord(chainID bitai.ID, pointer bitai.SubRecord) ([]byte, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	r, ok := w.records[daKey(chainID, pointer)]
	return r, ok
}

func daKey(chainID bitai.ID, p bitai.SubRecord) string {
	return string(chainID[:]) + string([]byte{p.Version}) + string(p.Data)
}
