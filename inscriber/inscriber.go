package inscriber

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/bitai-l2/bitai/btcnode"
	"github.com/bitai-l2/bitai/btcnode/follow"
	"github.com/bitai-l2/bitai/store"
)

// Inscriber writes payloads into Bitcoin. It runs two goroutines: the follower's
// consumer, which applies each block (wallet and confirmations) in one synced batch,
// and the driver, which runs every batch's state machine after each block, each
// Enqueue, and on a backoff timer after node errors. Both hold mu while they write,
// so the state machine never reads a half-applied block. Reads (Status, Payload)
// take no lock: pebble gives them committed state.
type Inscriber struct {
	cfg Config
	db  *store.DB
	log *slog.Logger

	mu    sync.Mutex // serialises block processing and state steps
	cache txCache    // signed txs and envelopes, rebuilt from the database on demand

	wake    chan struct{}
	changed chan struct{} // closed and replaced after every committed change (Wait)
	chMu    sync.Mutex

	passTip atomic.Int32 // tip of the last complete pass (tests)
	passes  atomic.Int64

	runMu   sync.Mutex
	cancel  context.CancelFunc
	done    chan struct{}
	fatal   error
	started bool
}

// New checks cfg and returns an Inscriber. It does not contact the node.
func New(cfg Config) (*Inscriber, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	return &Inscriber{
		cfg:     cfg,
		db:      cfg.DB,
		log:     cfg.Logger.With("subsystem", "inscriber"),
		cache:   newTxCache(),
		wake:    make(chan struct{}, 1),
		changed: make(chan struct{}),
	}, nil
}

// Start runs the follower and the driver until Stop. It is idempotent; a stopped
// Inscriber cannot be started again.
func (in *Inscriber) Start(ctx context.Context) error {
	in.runMu.Lock()
	defer in.runMu.Unlock()
	if in.started {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	in.started = true
	runCtx, cancel := context.WithCancel(context.Background())
	in.cancel = cancel
	in.done = make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { in.followLoop(runCtx) })
	wg.Go(func() { in.driveLoop(runCtx) })
	go func() {
		wg.Wait()
		close(in.done)
	}()
	in.kick()
	return nil
}

// Stop ends both goroutines and waits for them, or until ctx ends. Everything is
// durable at every instant, so stopping loses nothing.
func (in *Inscriber) Stop(ctx context.Context) error {
	in.runMu.Lock()
	cancel, done := in.cancel, in.done
	in.runMu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("inscriber stop: %w", ctx.Err())
	}
}

// Err returns the error that stopped the follower for good (a reorg deeper than the
// stored history, or history that does not link), or nil.
func (in *Inscriber) Err() error {
	in.runMu.Lock()
	defer in.runMu.Unlock()
	return in.fatal
}

// kick wakes the driver.
func (in *Inscriber) kick() {
	select {
	case in.wake <- struct{}{}:
	default:
	}
}

// notifyChanged wakes everyone waiting in Wait.
func (in *Inscriber) notifyChanged() {
	in.chMu.Lock()
	close(in.changed)
	in.changed = make(chan struct{})
	in.chMu.Unlock()
}

// changedCh returns the channel closed at the next committed change.
func (in *Inscriber) changedCh() <-chan struct{} {
	in.chMu.Lock()
	defer in.chMu.Unlock()
	return in.changed
}

// point calls the test hook for a named point.
func (in *Inscriber) point(name string) {
	if in.cfg.Hooks.Point != nil {
		in.cfg.Hooks.Point(name)
	}
}

// followLoop runs the follower from the committed cursor, rebuilding it after a
// handler error. Node errors are retried inside the follower.
func (in *Inscriber) followLoop(ctx context.Context) {
	bo := newBackoff(in.cfg.RetryMin, in.cfg.RetryMax)
	for ctx.Err() == nil {
		start, err := in.initCursor(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			d := bo.next()
			in.log.Warn("cannot read the chain start from the node; retrying", "err", err, "attempt", bo.n, "backoff", d)
			sleepCtx(ctx, d)
			continue
		}
		f, err := follow.New(follow.Config{
			Chain: in.cfg.Node, Notifier: in.cfg.Notifier, Logger: in.cfg.Logger.With("subsystem", "inscriber-follow"),
			Start: start, HashAt: in.hashAt, PollInterval: in.cfg.PollInterval,
			RetryMin: in.cfg.RetryMin, RetryMax: in.cfg.RetryMax,
		})
		if err != nil {
			in.setFatal(err)
			return
		}
		err = f.Run(ctx, in.handle)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, follow.ErrReorgTooDeep) || errors.Is(err, follow.ErrHistoryMismatch) ||
			errors.Is(err, follow.ErrStaleBlockUnavailable) {
			in.log.Error("follower stopped for good", "err", err)
			in.setFatal(err)
			return
		}
		d := bo.next()
		in.log.Warn("follower stopped; restarting from the committed tip", "err", err, "attempt", bo.n, "backoff", d)
		sleepCtx(ctx, d)
	}
}

func (in *Inscriber) setFatal(err error) {
	in.runMu.Lock()
	in.fatal = err
	in.runMu.Unlock()
	in.notifyChanged()
}

// driveLoop runs the state machines after every wake-up, backing off after node
// errors. With nothing happening it still steps every retryMax (re-sending what a
// node may have lost).
func (in *Inscriber) driveLoop(ctx context.Context) {
	bo := newBackoff(in.cfg.RetryMin, in.cfg.RetryMax)
	timer := time.NewTimer(in.cfg.RetryMax)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-in.wake:
		case <-timer.C:
		}
		err := in.stepAll(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := in.cfg.RetryMax * 6
		if err != nil {
			wait = bo.next()
			in.log.Warn("inscriber step failed; retrying", "err", err, "attempt", bo.n, "backoff", wait)
		} else if bo.n > 0 {
			in.log.Info("node reachable again", "after_attempts", bo.n)
			bo.reset()
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(wait)
	}
}

// backoff is an exponential delay between RetryMin and RetryMax.
type backoff struct {
	min, max, cur time.Duration
	n             int
}

func newBackoff(min, max time.Duration) *backoff { return &backoff{min: min, max: max} }

func (b *backoff) next() time.Duration {
	b.n++
	if b.cur == 0 {
		b.cur = b.min
	} else {
		b.cur = min(2*b.cur, b.max)
	}
	return b.cur
}

func (b *backoff) reset() { b.n, b.cur = 0, 0 }

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// isTemporary reports node errors worth a backoff rather than a log line.
func isTemporary(err error) bool {
	return btcnode.IsTemporary(err) || errors.Is(err, context.DeadlineExceeded)
}

// txCache keeps signed transactions and envelopes in memory; the database is the
// truth and the cache is refilled from it.
type txCache struct {
	mu   sync.Mutex
	txs  map[chainhash.Hash]*wire.MsgTx
	envs map[uint64][]envelope
}

func newTxCache() txCache {
	return txCache{txs: map[chainhash.Hash]*wire.MsgTx{}, envs: map[uint64][]envelope{}}
}

func (c *txCache) tx(id chainhash.Hash) *wire.MsgTx {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.txs[id]
}

func (c *txCache) putTx(tx *wire.MsgTx) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.txs[tx.TxHash()] = tx
}

func (c *txCache) envelopes(batch uint64) []envelope {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.envs[batch]
}

func (c *txCache) putEnvelopes(batch uint64, e []envelope) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.envs[batch] = e
}

// forget drops a finished batch's entries.
func (c *txCache) forget(b *batch) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.envs, b.ID)
	for _, r := range b.Commits {
		delete(c.txs, r.TxID)
	}
	for _, slot := range b.Reveals {
		for _, r := range slot {
			delete(c.txs, r.TxID)
		}
	}
}
