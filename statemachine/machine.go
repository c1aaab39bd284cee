package statemachine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// ErrBelowActivation is returned by ApplyBlock for a block below the deployment's
// activation height (or on a deployment that is not activated): the indexer starts at
// the activation block and never applies earlier ones.
var ErrBelowActivation = errors.New("block below the activation height")

// Config configures a Machine.
type Config struct {
	// Deployment is the consensus configuration; it must validate and be activated.
	Deployment *bitai.Deployment
	// Logger receives debug lines; nil discards them.
	Logger *slog.Logger
	// Workers is the number of signature-verification goroutines; 0 means GOMAXPROCS.
	Workers int
	// BatchVerifier checks SubmitBatch proofs (rule S-25). nil: every SubmitBatch
	// fails with ReasonUnsupported (a node that cannot check proofs must not settle).
	BatchVerifier BatchVerifier
}

// Machine is the BitAI state machine of one deployment. It holds no state between
// blocks (all state lives in the State passed to ApplyBlock) and is safe for
// concurrent use: Prepare may run for several blocks at once while ApplyBlock runs for
// one.
type Machine struct {
	dep      *bitai.Deployment
	depID    [32]byte
	log      *slog.Logger
	verifier *bitai.Verifier
	batches  BatchVerifier
}

// New returns a Machine for cfg.
func New(cfg Config) (*Machine, error) {
	if cfg.Deployment == nil {
		return nil, errors.New("statemachine: nil deployment")
	}
	if err := cfg.Deployment.RequireActivated(); err != nil {
		return nil, fmt.Errorf("statemachine: %w", err)
	}
	if err := cfg.Deployment.Validate(); err != nil {
		return nil, fmt.Errorf("statemachine: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	dep := cfg.Deployment.Clone()
	return &Machine{
		dep:      dep,
		depID:    dep.ID(),
		log:      log.With("subsystem", "statemachine"),
		verifier: bitai.NewVerifier(bitai.VerifierConfig{Workers: cfg.Workers}),
		batches:  cfg.BatchVerifier,
	}, nil
}

// Deployment returns a copy of the machine's deployment.
func (m *Machine) Deployment() *bitai.Deployment { return m.dep.Clone() }

// BlockResult is what ApplyBlock did.
type BlockResult struct {
	Height     uint32
	Hash       chainhash.Hash
	Events     []Event // ordered; consensus (rule S-18)
	EventsHash [32]byte
}

// PreparedBlock is a block after the state-free stage: its burns and BitAI
// candidates in (tx index, input index) order, whole payloads decoded, their txs
// decoded and their signatures verified. Build it with Prepare; it is read-only
// afterwards.
type PreparedBlock struct {
	Height uint32
	Hash   chainhash.Hash
	txs    []preparedTx
}

// Prepare is pure and state-free (it runs in the follower's prefetch stage,
// concurrently for several blocks): it extracts burns and BitAI candidates, decodes
// whole payloads and their txs, verifies all their signatures on all cores (DECISIONS
// D3) and caches the verdicts. Only ctx's cancellation makes it fail.
func (m *Machine) Prepare(ctx context.Context, block *wire.MsgBlock, height uint32) (*PreparedBlock, error) {
	return m.prepare(ctx, block, height)
}

// ApplyBlock applies one prepared block to st (rule S-14's order): genesis
// allocations at the activation height, due sequencer rotations and chunk-set expiry
// at block start, then per Bitcoin tx its burns and its BitAI candidates (whole
// payloads, chunks, and chunk sets completed here, whose txs it decodes and verifies
// itself), every tx under the two failure classes. It returns the ordered events and
// their hash. It never commits. It writes to st only at the end, and only the
// block's net state diff (rule S-20), so st's write set is exactly what WriteSetHash
// must cover; on an error (only from st, or ErrBelowActivation) st is untouched or,
// if st failed while being written, partly written, and the caller drops its batch.
func (m *Machine) ApplyBlock(st State, p *PreparedBlock) (*BlockResult, error) {
	return m.apply(st, p)
}
