package inscriber

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/bitai-l2/bitai/btcnode"
	"github.com/bitai-l2/bitai/btcnode/follow"
	"github.com/bitai-l2/bitai/inscriber/fees"
	"github.com/bitai-l2/bitai/inscriber/policy"
	"github.com/bitai-l2/bitai/inscriber/wallet"
	"github.com/bitai-l2/bitai/store"
)

// Node is what the inscriber needs of a Bitcoin node: the follower's reads, sending
// transactions and the mempool's txids (to re-send what a node lost).
// *btcnode.Client implements it.
type Node interface {
	follow.Chain
	SendRawTransaction(ctx context.Context, tx *wire.MsgTx) (chainhash.Hash, error)
	RawMempool(ctx context.Context) ([]chainhash.Hash, error)
}

var _ Node = (*btcnode.Client)(nil)

// Wallet is what the inscriber needs of inscriber/wallet's UTXO set.
// *wallet.Wallet implements it.
type Wallet interface {
	ConnectBlock(rw wallet.ReadWriter, height int32, block *wire.MsgBlock) error
	Unspent(r wallet.Reader) ([]wallet.UTXO, error)
	Reserve(rw wallet.ReadWriter, ops []wire.OutPoint, owner []byte) error
	Release(rw wallet.ReadWriter, ops []wire.OutPoint) error
	NextAddress(rw wallet.ReadWriter, branch uint32) (*btcec.PrivateKey, []byte, error)
}

var _ Wallet = (*wallet.Wallet)(nil)

// KeyRing gives the private keys of wallet outputs and the inscriber key.
// *wallet.Keys implements it.
type KeyRing interface {
	Address(branch, index uint32) (*btcec.PrivateKey, []byte, error)
	InscriberKey() *btcec.PrivateKey
}

var _ KeyRing = (*wallet.Keys)(nil)

// PayloadStatus says whether a payload no longer needs inscribing (DECISIONS A7):
// its BitAI txs were applied elsewhere, or can no longer apply (expired). The node
// wiring plugs in the indexer's "tx by txid"; the default, ExpiryStatus, decides by
// expiry alone.
type PayloadStatus interface {
	Abandoned(ctx context.Context, p PayloadInfo, tip int32) (bool, error)
}

// ExpiryStatus abandons a payload once the next block is past its expiry (the least
// expiry of its BitAI txs, or the one given at Enqueue); payloads without one are
// never abandoned.
type ExpiryStatus struct{}

var _ PayloadStatus = ExpiryStatus{}

// Abandoned implements PayloadStatus.
func (ExpiryStatus) Abandoned(_ context.Context, p PayloadInfo, tip int32) (bool, error) {
	return p.Expiry > 0 && tip+1 > p.Expiry, nil
}

// Defaults of Config.
const (
	DefaultFeeCap           = 50 // sat/vB (DECISIONS C6)
	DefaultIncrementalRelay = 1  // sat/vB
	DefaultDeadlineBlocks   = 6
	DefaultMaxDeadline      = 144
	DefaultExpiryMargin     = 6 // deadline = least expiry − 6 (DECISIONS C6)
	DefaultChunkMargin      = 2 // chunk reveals' deadline = first reveal + ChunkWindowBlocks − 2 (C5)
	DefaultRetryMin         = 200 * time.Millisecond
	DefaultRetryMax         = 5 * time.Second
)

// Config configures an Inscriber.
type Config struct {
	// DB is the inscriber's database (<datadir>/inscriber). Required.
	DB *store.DB
	// Keys and Wallet are the inscriber's BIP86 wallet over DB. Required.
	Keys   KeyRing
	Wallet Wallet
	// Node is the Bitcoin node. Required.
	Node Node
	// Notifier, optional, wakes the follower on new blocks (btcd's notifyblocks).
	Notifier follow.Notifier
	// Fees is where a payload's start rate comes from. Required.
	Fees fees.FeeSource
	// FeeCap is the highest rate (sat/vB) any payload pays; commit outputs are funded
	// for their reveals at this rate. 0 means DefaultFeeCap.
	FeeCap int64
	// IncrementalRelay is the nodes' incremental relay fee (sat/vB) for BIP125
	// replacements. 0 means DefaultIncrementalRelay.
	IncrementalRelay int64
	// Limits is the mempool policy the broadcast schedule must respect (Bitcoin
	// Core's, which btcd does not enforce). Zero means policy.CoreLimits().
	Limits policy.Limits
	// StartHeight is the wallet birthday (DECISIONS C4) of a new database: the
	// block it starts from, so blocks above it are scanned for coins. 0 means the
	// node's tip at first start. Ignored once the database has a cursor.
	StartHeight int32
	// DeadlineBlocks is a payload's deadline (blocks after enqueue) when neither its
	// txs nor Enqueue give an expiry. 0 means DefaultDeadlineBlocks.
	DeadlineBlocks int32
	// MaxDeadline caps any deadline (blocks after enqueue). 0 means DefaultMaxDeadline.
	MaxDeadline int32
	// Chain is how many whole payloads one chained stream may carry (DECISIONS C3);
	// 0 or 1 inscribes every payload in its own commit/reveal pair.
	Chain int
	// Status decides abandonment; nil means ExpiryStatus.
	Status PayloadStatus
	// Logger receives the inscriber's logs; nil discards them.
	Logger *slog.Logger
	// RetryMin and RetryMax bound the backoff after node errors (0: defaults).
	RetryMin, RetryMax time.Duration
	// PollInterval is the follower's polling interval (0: follow's default).
	PollInterval time.Duration
	// Hooks are test seams; nil in production.
	Hooks *Hooks
}

// Hooks let tests observe and crash the inscriber at named points.
type Hooks struct {
	// Point is called at each named point of the state machine (after a transition
	// is persisted, before and after broadcasts, after a block is committed).
	Point func(name string)
	// Broadcast is called just before a transaction is sent, with its fee.
	Broadcast func(tx *wire.MsgTx, fee int64, tip int32)
}

// ErrConfig is returned by New for an unusable Config.
var ErrConfig = errors.New("inscriber: invalid config")

// setDefaults fills zero fields and checks required ones.
func (c *Config) setDefaults() error {
	switch {
	case c.DB == nil:
		return fmt.Errorf("%w: nil DB", ErrConfig)
	case c.Keys == nil || c.Wallet == nil:
		return fmt.Errorf("%w: nil Keys or Wallet", ErrConfig)
	case c.Node == nil:
		return fmt.Errorf("%w: nil Node", ErrConfig)
	case c.Fees == nil:
		return fmt.Errorf("%w: nil Fees", ErrConfig)
	case c.Chain < 0:
		return fmt.Errorf("%w: Chain %d", ErrConfig, c.Chain)
	}
	if c.FeeCap == 0 {
		c.FeeCap = DefaultFeeCap
	}
	if c.FeeCap < 1 {
		return fmt.Errorf("%w: FeeCap %d sat/vB", ErrConfig, c.FeeCap)
	}
	if c.IncrementalRelay == 0 {
		c.IncrementalRelay = DefaultIncrementalRelay
	}
	if c.Limits == (policy.Limits{}) {
		c.Limits = policy.CoreLimits()
	}
	if c.DeadlineBlocks == 0 {
		c.DeadlineBlocks = DefaultDeadlineBlocks
	}
	if c.MaxDeadline == 0 {
		c.MaxDeadline = DefaultMaxDeadline
	}
	if c.DeadlineBlocks < 1 || c.MaxDeadline < c.DeadlineBlocks {
		return fmt.Errorf("%w: DeadlineBlocks %d, MaxDeadline %d", ErrConfig, c.DeadlineBlocks, c.MaxDeadline)
	}
	if c.Status == nil {
		c.Status = ExpiryStatus{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.RetryMin == 0 {
		c.RetryMin = DefaultRetryMin
	}
	if c.RetryMax == 0 {
		c.RetryMax = DefaultRetryMax
	}
	if c.Hooks == nil {
		c.Hooks = &Hooks{}
	}
	return nil
}
