package aichain

import (
	"fmt"
	"slices"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/zkhash"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// Config describes one AI chain.
type Config struct {
	// DeploymentID is the BitAI deployment's id (rule N-*), hashed into the
	// public input.
	DeploymentID [32]byte
	// ChainID is the chain's BitAI object id.
	ChainID [32]byte
	// Params are the chain's params; they must pass ValidateParams.
	Params bitai.ChainParams
	// CircuitID is the chain's circuit id (248 bits, DECISIONS B11).
	CircuitID [32]byte
	// Shape is the circuit's slot schedule; zero means DefaultShape.
	Shape Shape
}

// Chain is an AI chain's native L2 state and its transition: the reference the
// circuits prove. It is not safe for concurrent use.
type Chain struct {
	cfg        Config
	paramsHash fr.Element
	circuitID  fr.Element
	chainID    fr.Element
	number     uint64     // last applied batch number (0 at genesis)
	acc        fr.Element // inbox accumulator after inboxNext entries
	st         *state
	sigCache   map[[32]byte]bool // sha256(op encoding) → signature verifies
}

// New returns the chain in its genesis state (rule L-8).
func New(cfg Config) (*Chain, error) {
	if cfg.Shape == (Shape{}) {
		cfg.Shape = DefaultShape()
	}
	if err := cfg.Shape.Validate(); err != nil {
		return nil, err
	}
	st, err := genesisState(cfg.Params)
	if err != nil {
		return nil, err
	}
	circuit, err := zkhash.FromID(cfg.CircuitID)
	if err != nil {
		return nil, fmt.Errorf("aichain: circuit id: %w", err)
	}
	chain, err := zkhash.FromID(cfg.ChainID)
	if err != nil {
		return nil, fmt.Errorf("aichain: chain id: %w", err)
	}
	acc0, err := zkhash.InboxAcc0(cfg.ChainID)
	if err != nil {
		return nil, fmt.Errorf("aichain: %w", err)
	}
	return &Chain{cfg: cfg, paramsHash: ParamsHash(cfg.Params), circuitID: circuit, chainID: chain,
		acc: acc0, st: st, sigCache: map[[32]byte]bool{}}, nil
}

// genesisState is rule L-8's state: the treasury as account 0 with nothing in
// it, no requests, one epoch leaf (0, empty array root, 0), supply 0.
func genesisState(p bitai.ChainParams) (*state, error) {
	if err := ValidateParams(p); err != nil {
		return nil, err
	}
	pt, err := zkhash.ParseL2Account(p.Treasury)
	if err != nil {
		return nil, fmt.Errorf("%w: treasury: %w", ErrParams, err)
	}
	st := newState()
	st.createAccount(p.Treasury, pt)
	st.appendEpoch(epochEntry{leaf: EpochLeaf{FromEpoch: 0, ArrayRoot: EmptyRoot(MinerLevels)}})
	st.commit()
	return st, nil
}

// GenesisRoot is the state root of a new chain (rule L-8), which BitAI computes
// itself at ChainRegister. It fails for params that break ValidateParams.
//
// DESIGN names it zkhash.GenesisRoot; it lives here because it depends on the
// L2 state layout (trees, leaves, treasury account), which zkhash must not know.
// The layout-independent parts (Hash, Node, the empty-subtree roots) are zkhash's.
func GenesisRoot(p bitai.ChainParams, circuitID [32]byte) (fr.Element, error) {
	st, err := genesisState(p)
	if err != nil {
		return fr.Element{}, err
	}
	c, err := zkhash.FromID(circuitID)
	if err != nil {
		return fr.Element{}, fmt.Errorf("aichain: circuit id: %w", err)
	}
	return StateRoot(st.fields(ParamsHash(p), c)), nil
}

// Clone returns an independent copy of the chain (for simulators and
// sequencers that try batches).
func (c *Chain) Clone() *Chain {
	cp := *c
	cp.st = c.st.clone()
	cp.sigCache = map[[32]byte]bool{}
	return &cp
}

// Config returns the chain's config.
func (c *Chain) Config() Config { return c.cfg }

// Root returns the current state root.
func (c *Chain) Root() fr.Element { return StateRoot(c.st.fields(c.paramsHash, c.circuitID)) }

// Number returns the last applied batch number (0 at genesis).
func (c *Chain) Number() uint64 { return c.number }

// InboxNext returns the index of the next inbox entry to consume.
func (c *Chain) InboxNext() uint64 { return c.st.inboxNext }

// InboxAcc returns the inbox accumulator acc[InboxNext()].
func (c *Chain) InboxAcc() fr.Element { return c.acc }

// LastL1Height returns the l1Height of the last batch (0 at genesis).
func (c *Chain) LastL1Height() uint32 { return c.st.lastL1 }

// Supply returns l2Supply.
func (c *Chain) Supply() uint64 { return c.st.supply }

// NumAccounts returns the number of accounts.
func (c *Chain) NumAccounts() uint32 { return uint32(len(c.st.accounts)) }

// Account returns account i.
func (c *Chain) Account(i uint32) (Account, bool) { return c.st.account(i) }

// AccountByKey returns the index of the account with the compressed key.
func (c *Chain) AccountByKey(key [32]byte) (uint32, bool) {
	i, ok := c.st.byKey[key]
	return i, ok
}

// Request returns the open request in a slot.
func (c *Chain) Request(slot uint16) (Request, bool) { return c.st.request(slot) }

// OpenRequests returns the open requests in ascending slot order.
func (c *Chain) OpenRequests() []Request {
	slots := make([]int, 0, len(c.st.requests))
	for s := range c.st.requests {
		slots = append(slots, int(s))
	}
	slices.Sort(slots)
	out := make([]Request, len(slots))
	for i, s := range slots {
		out[i] = c.st.requests[uint16(s)]
	}
	return out
}

// LiveMiners returns the live miner array (rule L-5).
func (c *Chain) LiveMiners() []uint32 { return slices.Clone(c.st.live) }

// EpochLeaves returns the epoch tree's leaves.
func (c *Chain) EpochLeaves() []EpochLeaf {
	out := make([]EpochLeaf, len(c.st.epochs))
	for i, e := range c.st.epochs {
		out[i] = e.leaf
	}
	return out
}

// MinerSet returns the miner set in force at an epoch (rule L-12): the live
// array as the last batch with l1Height < epoch·epochBlocks left it. If no
// applied batch has reached that epoch yet, that is the current live array
// (final once every batch with l1Height below epoch·epochBlocks is applied,
// which is so for any settled state at a height ≥ (epoch+1)·epochBlocks);
// otherwise it is the members of the last epoch leaf with fromEpoch ≤ epoch.
func (c *Chain) MinerSet(epoch uint32) []uint32 {
	if epoch != noEpoch && c.st.lastL1/c.cfg.Params.EpochBlocks < epoch {
		return slices.Clone(c.st.live)
	}
	return slices.Clone(c.st.setAt(epoch))
}

// Assignment returns the miners a request confirmed at confirmHeight with the
// given block hash and id draws (rule L-13), or ok = false if fewer than 3
// miners are eligible. Miners call it on the settled state as soon as the
// request confirms, before any batch consumes it.
func (c *Chain) Assignment(confirmHeight uint32, blockHash, requestID [32]byte) ([Assignees]uint32, bool) {
	return Draw(Seed(blockHash, requestID), c.MinerSet(c.requestEpoch(confirmHeight)))
}

// Totals returns Σ balances + Σ stakes + Σ locked over all accounts (what
// l2Supply must equal after every batch, rule L-9).
func (c *Chain) Totals() uint64 {
	var t uint64
	for i := range c.st.accounts {
		t += c.st.accounts[i].Total()
	}
	return t
}
