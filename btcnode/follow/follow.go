package follow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bitai-l2/bitai/btcnode"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// Defaults for the zero values of Config.
const (
	DefaultPrefetch     = 8
	MaxPrefetch         = 256
	DefaultPollInterval = time.Second
	DefaultRetryMin     = 100 * time.Millisecond
	DefaultRetryMax     = 5 * time.Second

	// While notifications are live the follower still polls, this many times
	// more slowly than PollInterval, in case a notification was lost.
	livePollFactor = 30
)

// HashAtFunc reports the hash of the block the consumer holds at height, from its
// own committed store. ok is false for heights the consumer holds no block at
// (above its tip, or below the oldest block it keeps).
type HashAtFunc func(height int32) (hash chainhash.Hash, ok bool, err error)

// PrepareFunc does state-independent work on a block before it is delivered
// (signature checks: DECISIONS D3). It runs in the prefetch stage, for up to
// Config.Prefetch blocks concurrently, possibly on blocks that are later discarded;
// it must honour ctx and must not depend on or change consumer state.
type PrepareFunc func(ctx context.Context, block *wire.MsgBlock) (any, error)

// Config configures a Follower.
type Config struct {
	// Chain is the node. Required.
	Chain Chain
	// Notifier, optional, wakes the follower when the node's tip changes. Without
	// one, or while its subscription is down, the follower polls.
	Notifier Notifier
	// Logger receives Warn for node trouble and Info for reorgs. Nil discards.
	Logger *slog.Logger

	// Start is the consumer's committed tip. A consumer with no blocks yet passes
	// the block before its first one (activation height − 1, with the node's hash
	// there), or {Height: -1, zero hash} to start at genesis.
	Start BlockID
	// HashAt looks up the consumer's stored block hashes, to find a fork point of
	// any depth (also after a restart mid-reorg). Required.
	HashAt HashAtFunc

	// Prefetch is how many blocks are fetched (and prepared) ahead of delivery.
	// 0 means DefaultPrefetch; at most MaxPrefetch.
	Prefetch int
	// Prepare, optional, runs on each block in the prefetch stage; its result is
	// delivered as Event.Prepared with the block's Connect.
	Prepare PrepareFunc

	// PollInterval is how often the node is polled without live notifications.
	// 0 means DefaultPollInterval.
	PollInterval time.Duration
	// RetryMin and RetryMax bound the exponential backoff after node errors
	// (0 means DefaultRetryMin and DefaultRetryMax).
	RetryMin, RetryMax time.Duration
}

// EventKind says whether a block joins or leaves the consumer's chain.
type EventKind uint8

const (
	// Connect: apply Block on top of the consumer's tip (its parent).
	Connect EventKind = iota + 1
	// Disconnect: undo Block, which is the consumer's tip.
	Disconnect
)

func (k EventKind) String() string {
	switch k {
	case Connect:
		return "connect"
	case Disconnect:
		return "disconnect"
	default:
		return fmt.Sprintf("EventKind(%d)", uint8(k))
	}
}

// Event is one step of the consumer's chain. After the handler returns nil for it,
// the consumer's tip is Block (Connect) or Block's parent at Height−1 (Disconnect).
type Event struct {
	Kind   EventKind
	Block  *wire.MsgBlock
	Height int32
	Hash   chainhash.Hash
	// Prepared is Config.Prepare's result for Block (Connect only; nil without Prepare).
	Prepared any
}

// Handler applies one event and commits the consumer's cursor with its state. A
// non-nil error ends Run.
type Handler func(ctx context.Context, ev Event) error

// Status is a snapshot for progress reporting.
type Status struct {
	// Cursor is the consumer's tip as of the last event the handler accepted.
	Cursor BlockID
	// NodeHeight is the node's tip height as last seen (0 before the first query).
	NodeHeight int32
	// Lag is NodeHeight − Cursor.Height, or 0 when the cursor is not behind.
	Lag int32
	// Notifications is true while the notification subscription is live.
	Notifications bool
}

// Follower delivers the node's active chain to one consumer as Connect and
// Disconnect events. It keeps only an in-memory cursor.
type Follower struct {
	cfg      Config
	log      *slog.Logger
	prefetch int

	running atomic.Bool
	live    atomic.Bool

	mu         sync.Mutex // guards cursor and nodeHeight
	cursor     BlockID
	nodeHeight int32
}

// New checks cfg, fills defaults and returns a Follower positioned at cfg.Start.
func New(cfg Config) (*Follower, error) {
	switch {
	case cfg.Chain == nil:
		return nil, errors.New("follow: config: Chain is nil")
	case cfg.HashAt == nil:
		return nil, errors.New("follow: config: HashAt is nil")
	case cfg.Start.Height < -1:
		return nil, fmt.Errorf("follow: config: start height %d below -1", cfg.Start.Height)
	case cfg.Start.Height == -1 && cfg.Start.Hash != (chainhash.Hash{}):
		return nil, errors.New("follow: config: start height -1 needs the zero hash")
	case cfg.Prefetch < 0 || cfg.Prefetch > MaxPrefetch:
		return nil, fmt.Errorf("follow: config: prefetch %d outside [0, %d]", cfg.Prefetch, MaxPrefetch)
	case cfg.PollInterval < 0 || cfg.RetryMin < 0 || cfg.RetryMax < 0:
		return nil, errors.New("follow: config: negative interval")
	}
	if cfg.Prefetch == 0 {
		cfg.Prefetch = DefaultPrefetch
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.RetryMin == 0 {
		cfg.RetryMin = DefaultRetryMin
	}
	if cfg.RetryMax == 0 {
		cfg.RetryMax = DefaultRetryMax
	}
	if cfg.RetryMax < cfg.RetryMin {
		cfg.RetryMax = cfg.RetryMin
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Follower{
		cfg:      cfg,
		log:      log,
		prefetch: cfg.Prefetch,
		cursor:   cfg.Start,
	}, nil
}

// Status returns the cursor and the node's tip as last seen. Safe to call from
// any goroutine, also while Run is active.
func (f *Follower) Status() Status {
	f.mu.Lock()
	s := Status{Cursor: f.cursor, NodeHeight: f.nodeHeight}
	f.mu.Unlock()
	if s.NodeHeight > s.Cursor.Height {
		s.Lag = s.NodeHeight - s.Cursor.Height
	}
	s.Notifications = f.live.Load()
	return s
}

// Run follows the node until ctx ends or the handler fails, calling handler for
// each event, one at a time, in chain order. It returns ctx.Err() when ctx ends, an
// error wrapping ErrHandler or ErrPrepare (and the callback's own error) when a
// callback fails, or ErrReorgTooDeep, ErrStaleBlockUnavailable or
// ErrHistoryMismatch. Node errors are retried with backoff and logged, never
// returned. A later Run continues from the last accepted event; after a handler
// error, consumers normally build a new Follower from their committed tip instead.
func (f *Follower) Run(ctx context.Context, handler Handler) error {
	if handler == nil {
		return errors.New("follow: nil handler")
	}
	if !f.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer f.running.Store(false)

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()

	wake := make(chan struct{}, 1)
	if f.cfg.Notifier != nil {
		wg.Go(func() { f.watch(ctx, wake) })
	}

	retry := backoff{min: f.cfg.RetryMin, max: f.cfg.RetryMax}
	for {
		synced, err := f.step(ctx, handler)
		if err == nil && retry.attempt > 0 {
			f.log.Info("node reachable again", "attempts", retry.attempt)
			retry.attempt = 0
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var fe fatalError
		switch {
		case errors.As(err, &fe):
			return fe.err
		case err != nil:
			retry.attempt++
			d := retry.delay()
			f.log.Warn("node error, retrying", "attempt", retry.attempt,
				"retry_in", d, "temporary", btcnode.IsTemporary(err), "err", err)
			if err := sleep(ctx, d); err != nil {
				return err
			}
			continue
		}
		if synced {
			if err := f.idle(ctx, wake); err != nil {
				return err
			}
		}
	}
}

// idle waits at the tip for a notification or the poll interval.
func (f *Follower) idle(ctx context.Context, wake <-chan struct{}) error {
	d := f.cfg.PollInterval
	if f.live.Load() {
		d *= livePollFactor
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-wake:
	case <-t.C:
	}
	return nil
}

// emit hands ev to the handler and, if it accepts, moves the cursor to next.
func (f *Follower) emit(ctx context.Context, handler Handler, ev Event, next BlockID) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := handler(ctx, ev); err != nil {
		return fatal(fmt.Errorf("%w: %s height %d %s: %w", ErrHandler, ev.Kind, ev.Height, ev.Hash, err))
	}
	f.mu.Lock()
	f.cursor = next
	f.mu.Unlock()
	return nil
}

func (f *Follower) cursorNow() BlockID {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cursor
}

func (f *Follower) setNodeHeight(h int32) {
	f.mu.Lock()
	f.nodeHeight = h
	f.mu.Unlock()
}
