package indexer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/btcnode/follow"
	"github.com/bitai-l2/bitai/internal/unixsock"
	"github.com/bitai-l2/bitai/statemachine"
	"github.com/bitai-l2/bitai/store"
)

// Errors that stop the indexer; match them with errors.Is.
var (
	// ErrActivationMismatch: the node's block at the activation height is not the one
	// this datadir recorded (a wiped regtest, another network, or a reorg of the
	// activation block itself, which the indexer refuses: DECISIONS D2).
	ErrActivationMismatch = errors.New("node's block at the activation height differs from the datadir's")
	// ErrWrongDatadir: the datadir was built for another deployment or protocol
	// version (DECISIONS A11).
	ErrWrongDatadir = errors.New("datadir belongs to another deployment")
	// ErrWrongNetwork: the node's genesis block is not the deployment network's.
	ErrWrongNetwork = errors.New("node is on another network")
	// ErrStopped: Start after Stop.
	ErrStopped = errors.New("indexer stopped")
)

// Config configures an Indexer.
type Config struct {
	// Chain is the Bitcoin node (a *btcnode.Client). Required.
	Chain follow.Chain
	// Notifier, optional, wakes the follower on new blocks (btcd's notifyblocks).
	Notifier follow.Notifier
	// Deployment is the BitAI deployment to index. Required, and activated.
	Deployment *bitai.Deployment
	// DataDir holds the index database (DBDir) and the query socket (SocketPath).
	DataDir string
	// FS is the database's filesystem; nil means the operating system's. Tests pass
	// pebble's crashable in-memory vfs.
	FS vfs.FS
	// Socket serves the query API on SocketPath(DataDir) while running.
	Socket bool
	// Logger receives the indexer's records; nil discards them.
	Logger *slog.Logger
	// Progress, optional, receives the position after every committed event.
	Progress Progress
	// Workers verify signatures (per prepared block); 0 means GOMAXPROCS.
	Workers int
	// Prefetch is how many blocks are fetched and prepared ahead; 0 means
	// follow.DefaultPrefetch.
	Prefetch int
	// PollInterval and RetryMin/RetryMax tune the follower and the node calls of the
	// activation check (0: the follower's defaults).
	PollInterval       time.Duration
	RetryMin, RetryMax time.Duration

	// testHook, when set, is called at named points of the block loop (crash tests).
	testHook func(point string, height uint32)
}

// Status is a snapshot of the indexer for callers and tests.
type Status struct {
	Height     uint32 // committed tip
	Hash       chainhash.Hash
	StateHash  Hash32
	NodeHeight int32 // the node's tip as last seen by the follower
	Running    bool
}

// Indexer follows a Bitcoin node with btcnode/follow and applies every block's
// BitAI content through the state machine, one synced pebble batch per block.
type Indexer struct {
	cfg   Config
	log   *slog.Logger
	sm    *statemachine.Machine
	chain *heightChain

	mu      sync.Mutex
	state   int // 0 new, 1 started, 2 stopped
	db      *store.DB
	sock    *unixsock.Server
	cancel  context.CancelFunc
	done    chan struct{}
	runErr  error
	meta    meta
	follow  atomic.Pointer[follow.Follower]
	status  atomic.Pointer[Status]
	counter progressCounter
}

// New checks cfg and returns an Indexer; it opens nothing yet.
func New(cfg Config) (*Indexer, error) {
	if cfg.Chain == nil {
		return nil, errors.New("indexer config: nil Chain")
	}
	if cfg.Deployment == nil {
		return nil, errors.New("indexer config: nil Deployment")
	}
	if err := cfg.Deployment.RequireActivated(); err != nil {
		return nil, fmt.Errorf("indexer config: %w", err)
	}
	if cfg.DataDir == "" {
		return nil, errors.New("indexer config: empty DataDir")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	log = log.With("subsystem", "indexer")
	sm, err := statemachine.New(statemachine.Config{Deployment: cfg.Deployment, Logger: log, Workers: cfg.Workers})
	if err != nil {
		return nil, fmt.Errorf("indexer: %w", err)
	}
	if cfg.RetryMin == 0 {
		cfg.RetryMin = follow.DefaultRetryMin
	}
	if cfg.RetryMax == 0 {
		cfg.RetryMax = follow.DefaultRetryMax
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = follow.DefaultPollInterval
	}
	ix := &Indexer{cfg: cfg, log: log, sm: sm, chain: newHeightChain(cfg.Chain)}
	ix.status.Store(&Status{})
	return ix, nil
}

// Start opens the database (refusing a datadir of another deployment), starts the
// query socket if configured and starts following the node in the background. The
// first node-dependent check (the activation block) happens there; a refusal ends
// the run and is reported by Err and Run. A failed Start cleans up after itself.
func (ix *Indexer) Start(ctx context.Context) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	switch ix.state {
	case 1:
		return nil
	case 2:
		return ErrStopped
	}
	db, err := store.Open(DBDir(ix.cfg.DataDir), store.Options{FS: ix.cfg.FS, Logger: ix.log})
	if err != nil {
		return fmt.Errorf("indexer: %w", err)
	}
	if err := ix.checkDatadir(db.Pebble()); err != nil {
		_ = db.Close()
		return err
	}
	var sock *unixsock.Server
	if ix.cfg.Socket {
		if sock, err = serveSocket(SocketPath(ix.cfg.DataDir), NewDBAPI(db.Pebble()), ix.log); err != nil {
			_ = db.Close()
			return fmt.Errorf("indexer: %w", err)
		}
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	ix.db, ix.sock, ix.cancel, ix.done, ix.state = db, sock, cancel, make(chan struct{}), 1
	go func() {
		defer close(ix.done)
		err := ix.run(runCtx)
		if runCtx.Err() != nil && errors.Is(err, context.Canceled) {
			err = nil
		}
		ix.mu.Lock()
		ix.runErr = err
		ix.mu.Unlock()
		st := *ix.status.Load()
		st.Running = false
		ix.status.Store(&st)
		if err != nil {
			// Refusals of the node or datadir end here too: Warn, not Error (STYLE §7).
			ix.log.Warn("indexer stopped", "err", err)
		}
	}()
	return nil
}

// Stop ends following (the block in flight is either committed or dropped whole),
// closes the socket and the database. It waits for the block loop until ctx ends and
// then closes anyway. Stop is idempotent and returns the run's error, if any.
func (ix *Indexer) Stop(ctx context.Context) error {
	ix.mu.Lock()
	if ix.state != 1 {
		ix.state = 2
		err := ix.runErr
		ix.mu.Unlock()
		return err
	}
	ix.state = 2
	ix.cancel()
	done, db, sock := ix.done, ix.db, ix.sock
	ix.mu.Unlock()

	var errs []error
	select {
	case <-done:
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("indexer stop: block loop still running: %w", ctx.Err()))
	}
	if sock != nil {
		if err := sock.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("indexer stop: socket: %w", err))
		}
	}
	if len(errs) == 0 {
		if err := db.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	ix.mu.Lock()
	errs = append(errs, ix.runErr)
	ix.mu.Unlock()
	if ix.cfg.Progress != nil {
		ix.cfg.Progress.Close()
	}
	return errors.Join(errs...)
}

// Run starts the indexer, follows the node until ctx ends or a fatal error, and
// stops it. It returns nil when ctx ended it.
func (ix *Indexer) Run(ctx context.Context) error {
	if err := ix.Start(ctx); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case <-ix.Done():
	}
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	return ix.Stop(stopCtx)
}

// Done is closed when the block loop has ended (after Stop, or on a fatal error);
// nil before Start.
func (ix *Indexer) Done() <-chan struct{} {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.done
}

// Err returns the error that ended the block loop, if any.
func (ix *Indexer) Err() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.runErr
}

// Status returns the committed position and the node's tip as last seen.
func (ix *Indexer) Status() Status { return *ix.status.Load() }

// API returns the query API over the running indexer's database (valid until Stop).
func (ix *Indexer) API() API {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.db == nil {
		return nil
	}
	return NewDBAPI(ix.db.Pebble())
}

// checkDatadir refuses a datadir built for another deployment or protocol version.
func (ix *Indexer) checkDatadir(r pebble.Reader) error {
	m, err := NewReader(r).meta()
	if errors.Is(err, ErrNoIndex) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("indexer: %w", err)
	}
	dep := ix.cfg.Deployment
	if m.ProtocolVersion != dep.ProtocolVersion {
		return fmt.Errorf("%w: %s was indexed under BitAI protocol version %d, this bitai speaks %d; "+
			"re-index into a fresh --datadir", ErrWrongDatadir, ix.cfg.DataDir, m.ProtocolVersion, dep.ProtocolVersion)
	}
	if id := dep.ID(); m.DeploymentID != id {
		return fmt.Errorf("%w: %s was indexed for deployment %x (activation height %d), not %s's deployment %x "+
			"(activation height %d); use another --datadir or --network",
			ErrWrongDatadir, ix.cfg.DataDir, m.DeploymentID, m.ActivationHeight, dep.Network.Name, id, dep.ActivationHeight)
	}
	return nil
}

// run is the block loop: the activation check, then the follower until ctx ends or a
// fatal error (node errors are retried inside, never fatal).
func (ix *Indexer) run(ctx context.Context) error {
	m, err := ix.ensureMeta(ctx)
	if err != nil {
		return err
	}
	ix.meta = m
	c, err := NewReader(ix.db.Pebble()).cursor()
	if err != nil {
		return fmt.Errorf("indexer: %w", err)
	}
	ix.publish(c)
	f, err := follow.New(follow.Config{
		Chain:    ix.chain,
		Notifier: ix.cfg.Notifier,
		Logger:   ix.log,
		Start:    follow.BlockID{Hash: c.Hash, Height: int32(c.Height)},
		HashAt: func(h int32) (chainhash.Hash, bool, error) {
			return hashAt(ix.db.Pebble(), m, h)
		},
		Prefetch:     ix.cfg.Prefetch,
		Prepare:      ix.prepare,
		PollInterval: ix.cfg.PollInterval,
		RetryMin:     ix.cfg.RetryMin,
		RetryMax:     ix.cfg.RetryMax,
	})
	if err != nil {
		return fmt.Errorf("indexer: %w", err)
	}
	ix.follow.Store(f)
	err = f.Run(ctx, ix.handle)
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, follow.ErrReorgTooDeep):
		return fmt.Errorf("%w: the node's chain forks below the activation height %d (%v); "+
			"a wiped regtest or another network: re-index into a fresh --datadir", ErrActivationMismatch, m.ActivationHeight, err)
	}
	return err
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
