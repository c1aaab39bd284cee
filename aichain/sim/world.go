package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"

	"github.com/bitai-l2/bitai/aichain"
	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/statemachine"
	"github.com/bitai-l2/bitai/store"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Config configures a World.
type Config struct {
	// Actors names the participants; each is allocated Fund sats at activation.
	Actors []string
	// Fund is each actor's genesis allocation; 0 means 10^10.
	Fund uint64
	// ActivationHeight is the first Bitcoin height of the virtual chain; 0 means 1.
	ActivationHeight uint32
	// VerifyingKey is the (canonical, never checked) Groth16 key chains register.
	VerifyingKey []byte
	// Shape is the test circuit's slot schedule; zero means aichain.DefaultShape.
	Shape aichain.Shape
	// Logger receives debug lines; nil discards them.
	Logger *slog.Logger
}

// World is one simulated deployment: a virtual Bitcoin chain held in memory,
// the real BitAI state machine applying it to an in-memory pebble store (one
// store.Recorder batch per block, undo records for reorgs), and the simulator's
// own bookkeeping of what every actor is owed.
type World struct {
	cfg    Config
	dep    *bitai.Deployment
	depID  [32]byte
	m      *statemachine.Machine
	nv     *statemachine.NativeVerifier
	sm     *statemachine.Machine // the scratch machine of the no-brick check
	oracle *oracle
	wit    *statemachine.WitnessStore
	db     *store.DB
	log    *slog.Logger
	actors map[string]*Actor
	names  []string
	byKey  map[[32]byte]*Actor

	blocks  []*Block // applied blocks, blocks[i] at ActivationHeight + i
	mempool []*Tx    // queued txs, in arrival order
	fork    uint32   // counts reorgs, so re-mined blocks get new hashes

	chains map[bitai.ID]*ChainInfo
	order  []bitai.ID       // chains in registration order
	labels map[string]*Tx   // scenario label → the tx that creates the object
	txs    map[[32]byte]*Tx // by BitAI txid

	ledger  map[[32]byte]int64 // expected balance change per BitAI key (rule: nobody gets more than owed)
	paid    map[bitai.ID]string
	exits   map[exitKey]bool
	Stats   Stats
	found   []*Violation // violations seen while booking the last block
	corrupt []corruption // simulated bugs for the next block (harness tests)

	roots       map[*aichain.Chain][32]byte
	byL2        map[[32]byte]*Actor // by L2 key
	forcedByReq map[bitai.ID][]*Tx  // ChainMessages forcing an op on a request
}

type corruption struct {
	key    [32]byte
	amount uint64
}

type exitKey struct {
	chain bitai.ID
	index uint32
}

// Stats count what a run did.
type Stats struct {
	Blocks, Batches, Checks, Reorgs int
	// What the settled batches and BitAI did.
	Answered, Refunded, Expired, Slashed, Forced, Reclaimed, Exited, Failed int
}

// Add sums two counts.
func (s *Stats) Add(o Stats) {
	s.Blocks += o.Blocks
	s.Batches += o.Batches
	s.Checks += o.Checks
	s.Reorgs += o.Reorgs
	s.Answered += o.Answered
	s.Refunded += o.Refunded
	s.Expired += o.Expired
	s.Slashed += o.Slashed
	s.Forced += o.Forced
	s.Reclaimed += o.Reclaimed
	s.Exited += o.Exited
	s.Failed += o.Failed
}

// Block is one applied block with what the simulator derived from it.
type Block struct {
	Height  uint32
	Hash    chainhash.Hash
	Txs     []*Tx
	Events  []statemachine.Event
	undo    store.Undo
	settled map[bitai.ID]*aichain.Chain // settled L2 state per chain after the block
	delta   map[[32]byte]int64          // ledger changes of the block
	paid    []bitai.ID                  // escrows the block paid
	exits   []exitKey                   // exits the block paid
}

// New returns a World with no blocks; Mine makes the activation block first.
func New(cfg Config) (*World, error) {
	if cfg.Fund == 0 {
		cfg.Fund = 10_000_000_000
	}
	if cfg.ActivationHeight == 0 {
		cfg.ActivationHeight = 1
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	w := &World{cfg: cfg, log: log, actors: map[string]*Actor{}, byKey: map[[32]byte]*Actor{},
		chains: map[bitai.ID]*ChainInfo{}, labels: map[string]*Tx{}, txs: map[[32]byte]*Tx{},
		ledger: map[[32]byte]int64{}, paid: map[bitai.ID]string{}, exits: map[exitKey]bool{},
		byL2: map[[32]byte]*Actor{}, forcedByReq: map[bitai.ID][]*Tx{}}
	if cfg.Shape == (aichain.Shape{}) {
		cfg.Shape = aichain.DefaultShape()
		w.cfg.Shape = cfg.Shape
	}
	dep, err := bitai.DeploymentFor("regtest")
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	dep.ActivationHeight, dep.Allocations = cfg.ActivationHeight, nil
	for i := range dep.KnownCircuits {
		dep.KnownCircuits[i].Height = cfg.ActivationHeight
	}
	for _, n := range cfg.Actors {
		if _, err := w.addActor(n); err != nil {
			return nil, err
		}
	}
	for _, n := range w.names {
		dep.Allocations = append(dep.Allocations, bitai.Allocation{Key: w.actors[n].Key, Amount: cfg.Fund})
	}
	slices.SortFunc(dep.Allocations, func(a, b bitai.Allocation) int { return compareKeys(a.Key, b.Key) })
	if err := dep.Validate(); err != nil {
		return nil, fmt.Errorf("sim: deployment: %w", err)
	}
	w.dep, w.depID = dep, dep.ID()
	w.wit = statemachine.NewWitnessStore()
	w.nv = statemachine.NewNativeVerifier(statemachine.NativeVerifierConfig{Witnesses: w.wit, Keep: 16,
		Shapes: map[bitai.ID]aichain.Shape{TestCircuit: cfg.Shape}})
	m, err := statemachine.New(statemachine.Config{Deployment: dep, Logger: log, Workers: 1,
		BatchVerifier: strict{w.nv}})
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	w.m = m
	w.oracle = &oracle{shape: cfg.Shape}
	if w.sm, err = statemachine.New(statemachine.Config{Deployment: dep, Logger: log, Workers: 1,
		BatchVerifier: w.oracle}); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	db, err := store.Open("sim", store.Options{FS: vfs.NewMem(), CacheSize: 1 << 20, MemTableSize: 4 << 20})
	if err != nil {
		return nil, fmt.Errorf("sim: store: %w", err)
	}
	w.db = db
	return w, nil
}

// Close releases the store.
func (w *World) Close() error { return w.db.Close() }

// TestCircuit is the circuit id every simulated chain registers.
var TestCircuit = bitai.CircuitID([]byte(bitai.TestCircuitDescriptor))

func compareKeys(a, b [32]byte) int { return slices.Compare(a[:], b[:]) }

// addActor creates (or returns) a named actor.
func (w *World) addActor(name string) (*Actor, error) {
	if a, ok := w.actors[name]; ok {
		return a, nil
	}
	a, err := newActor(name)
	if err != nil {
		return nil, err
	}
	w.actors[name], w.byKey[a.Key], w.byL2[a.L2Key] = a, a, a
	w.names = append(w.names, name)
	return a, nil
}

// Actor returns a named actor (nil if unknown).
func (w *World) Actor(name string) *Actor { return w.actors[name] }

// Tip returns the height of the last applied block (ActivationHeight − 1 before any).
func (w *World) Tip() uint32 { return w.cfg.ActivationHeight + uint32(len(w.blocks)) - 1 }

func (w *World) tipBlock() *Block {
	if len(w.blocks) == 0 {
		return nil
	}
	return w.blocks[len(w.blocks)-1]
}

// state is a read-only view of the committed BitAI state.
func (w *World) state() statemachine.State { return statemachine.NewReadState(w.db.Pebble()) }

// Queue adds a tx to the mempool.
func (w *World) Queue(t *Tx) { w.mempool = append(w.mempool, t) }

// Mine mines one block with the whole mempool, in the given order of mempool
// positions (nil: arrival order; an inscriber may reorder), and applies it.
func (w *World) Mine(order []int) (*Block, error) {
	txs := w.mempool
	if order != nil {
		txs = make([]*Tx, 0, len(w.mempool))
		for _, i := range order {
			txs = append(txs, w.mempool[i])
		}
	}
	w.mempool = nil
	h := w.Tip() + 1
	nonces := map[[32]byte]uint64{}
	var btxs []*wire.MsgTx
	for _, t := range txs {
		n, err := w.nextNonce(nonces, t.From.Key)
		if err != nil {
			return nil, err
		}
		if t.Raw != nil {
			// A tx re-mined after a reorg keeps its bytes and its nonce.
			if dec, err := bitai.DecodeTx(t.Raw); err == nil && dec.Nonce >= n {
				nonces[t.From.Key] = dec.Nonce + 1
			}
		} else {
			nonces[t.From.Key] = n + 1
			if err := t.sign(w.depID, n, h); err != nil {
				return nil, err
			}
			w.txs[t.TxID] = t
			if t.Label != "" {
				w.labels[t.Label] = t
			}
			if t.Batch != nil {
				w.wit.PutOps(t.Batch.Chain, t.Batch.Out.DataHash, t.Batch.In.Ops)
			}
		}
		btx, err := t.bitcoinTx()
		if err != nil {
			return nil, err
		}
		btxs = append(btxs, btx)
	}
	prev := chainhash.Hash{}
	if b := w.tipBlock(); b != nil {
		prev = b.Hash
	}
	msg := makeBlock(prev, h, w.fork, btxs)
	return w.apply(msg, h, txs)
}

// apply prepares and applies a block, commits it and derives the simulator's view.
func (w *World) apply(msg *wire.MsgBlock, h uint32, txs []*Tx) (*Block, error) {
	ctx := context.Background()
	p, err := w.m.Prepare(ctx, msg, h)
	if err != nil {
		return nil, fmt.Errorf("sim: prepare %d: %w", h, err)
	}
	rec := w.db.NewRecorder()
	defer rec.Close()
	st := statemachine.NewPebbleState(rec)
	res, err := w.m.ApplyBlock(st, p)
	if err != nil {
		return nil, fmt.Errorf("sim: apply %d: %w", h, err)
	}
	for _, c := range w.corrupt {
		a, err := statemachine.GetAccount(st, c.key)
		if err != nil {
			return nil, err
		}
		a.Balance += c.amount
		v, _ := a.MarshalBinary()
		if err := st.Set(statemachine.AccountKey(c.key), v); err != nil {
			return nil, err
		}
	}
	w.corrupt = nil
	b := &Block{Height: h, Hash: res.Hash, Txs: txs, Events: res.Events, undo: rec.Undo(),
		settled: map[bitai.ID]*aichain.Chain{}, delta: map[[32]byte]int64{}}
	if err := rec.Commit(ctx); err != nil {
		return nil, fmt.Errorf("sim: commit %d: %w", h, err)
	}
	if prev := w.tipBlock(); prev != nil {
		for id, c := range prev.settled {
			b.settled[id] = c
		}
	}
	w.blocks = append(w.blocks, b)
	w.Stats.Blocks++
	if err := w.interpret(b); err != nil {
		return nil, err
	}
	return b, nil
}

// Reorg disconnects the top depth blocks with their undo records. keep puts their
// txs back at the front of the mempool (to be re-mined as they were, with new
// block hashes); otherwise they are dropped.
func (w *World) Reorg(depth int, keep bool) error {
	if depth > len(w.blocks)-1 {
		depth = len(w.blocks) - 1 // the activation block stays
	}
	var back []*Tx
	for range depth {
		b := w.blocks[len(w.blocks)-1]
		if err := w.db.Update(context.Background(), func(pw pebble.Writer) error { return b.undo.Apply(pw) }); err != nil {
			return fmt.Errorf("sim: undo %d: %w", b.Height, err)
		}
		w.unwind(b)
		w.blocks = w.blocks[:len(w.blocks)-1]
		for _, t := range b.Txs {
			t.Event = nil
		}
		back = append(slices.Clone(b.Txs), back...)
	}
	if keep {
		w.mempool = append(back, w.mempool...)
	}
	w.fork++
	w.Stats.Reorgs++
	return nil
}

// unwind reverts the simulator's bookkeeping of a disconnected block.
func (w *World) unwind(b *Block) {
	for k, d := range b.delta {
		w.ledger[k] -= d
	}
	for _, id := range b.paid {
		delete(w.paid, id)
	}
	for _, e := range b.exits {
		delete(w.exits, e)
	}
}

// nextNonce is the nonce the next tx from key takes in the block being built:
// the one after the last this block gave it (nonces), else the account's.
func (w *World) nextNonce(nonces map[[32]byte]uint64, key [32]byte) (uint64, error) {
	if n, ok := nonces[key]; ok {
		return n, nil
	}
	a, err := statemachine.GetAccount(w.state(), key)
	if err != nil {
		return 0, err
	}
	return a.NextNonce, nil
}

// scratch applies a block at the next height to an overlay of the current state
// and returns its events; nothing is kept (the no-brick check).
func (w *World) scratch(txs []*Tx) ([]statemachine.Event, error) {
	h := w.Tip() + 1
	nonces := map[[32]byte]uint64{}
	var btxs []*wire.MsgTx
	for _, t := range txs {
		n, err := w.nextNonce(nonces, t.From.Key)
		if err != nil {
			return nil, err
		}
		nonces[t.From.Key] = n + 1
		if err := t.sign(w.depID, n, h); err != nil {
			return nil, err
		}
		if t.Batch != nil {
			w.wit.PutOps(t.Batch.Chain, t.Batch.Out.DataHash, t.Batch.In.Ops)
		}
		btx, err := t.bitcoinTx()
		if err != nil {
			return nil, err
		}
		btxs = append(btxs, btx)
	}
	prev := w.tipBlock().Hash
	msg := makeBlock(prev, h, w.fork+1<<31, btxs)
	p, err := w.sm.Prepare(context.Background(), msg, h)
	if err != nil {
		return nil, err
	}
	ov := statemachine.NewOverlay(w.state())
	defer ov.Discard()
	w.oracle.batches = txs
	res, err := w.sm.ApplyBlock(ov, p)
	if err != nil {
		return nil, err
	}
	return res.Events, nil
}

// txEvent returns the tx event of a BitAI txid among events.
func txEvent(events []statemachine.Event, txid [32]byte) (statemachine.Event, bool) {
	for _, e := range events {
		switch e.Kind {
		case statemachine.EventTxApplied, statemachine.EventTxFailed, statemachine.EventTxSkipped:
			if e.TxID == txid {
				return e, true
			}
		}
	}
	return statemachine.Event{}, false
}

// nextTxEvent returns the first tx event of a txid not used yet and marks it
// (a tx mined twice in a block is skipped the second time).
func nextTxEvent(events []statemachine.Event, used []bool, txid [32]byte) (statemachine.Event, bool) {
	for i, e := range events {
		switch e.Kind {
		case statemachine.EventTxApplied, statemachine.EventTxFailed, statemachine.EventTxSkipped:
			if e.TxID == txid && !used[i] {
				used[i] = true
				return e, true
			}
		}
	}
	return statemachine.Event{}, false
}

// errViolation marks an invariant violation.
var errViolation = errors.New("invariant violated")

// Violation is an invariant that failed after a block.
type Violation struct {
	Invariant string
	Height    uint32
	Detail    string
}

func (v *Violation) Error() string {
	return fmt.Sprintf("invariant %s violated after block %d: %s", v.Invariant, v.Height, v.Detail)
}

func (v *Violation) Unwrap() error { return errViolation }

// strict binds a proof to the public input its prover saw, as a SNARK does: the
// simulator's proof bytes are the public input it computed, which must equal the
// one BitAI recomputes; then NativeVerifier replays the transition. (Without the
// first check a batch would settle whenever a replay against BitAI's view gives
// the same roots, e.g. after an inscriber put an entry before it in its block.)
type strict struct{ *statemachine.NativeVerifier }

func (s strict) VerifyBatch(v *statemachine.ChainView, b *bitai.SubmitBatch, pi *aichain.PublicInputs) error {
	want := pi.Hash()
	if wb := want.Bytes(); b.Proof.Version != 1 || string(b.Proof.Data) != string(wb[:]) {
		return fmt.Errorf("sim: proof for another public input")
	}
	return s.NativeVerifier.VerifyBatch(v, b, pi)
}

// oracle is the no-brick check's proof check: it accepts exactly the public
// inputs of the batches the simulator built by running aichain's native
// transition on the settled state (what NativeVerifier would recompute), so the
// scratch block spends no second transition on each check.
type oracle struct {
	shape   aichain.Shape
	batches []*Tx
}

func (o *oracle) Shape(bitai.ID) (aichain.Shape, bool) { return o.shape, true }

func (o *oracle) VerifyBatch(_ *statemachine.ChainView, b *bitai.SubmitBatch, pi *aichain.PublicInputs) error {
	want := pi.Hash()
	if wb := want.Bytes(); b.Proof.Version != 1 || string(b.Proof.Data) != string(wb[:]) {
		return fmt.Errorf("sim: proof for another public input")
	}
	for _, t := range o.batches {
		if t.Batch != nil && t.Batch.Out.PublicInput.Equal(&want) {
			return nil
		}
	}
	return fmt.Errorf("sim: batch %d is not a native transition", b.Number)
}
