package indexer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/cockroachdb/pebble/v2"

	"github.com/bitai-l2/bitai/btcnode"
	"github.com/bitai-l2/bitai/btcnode/follow"
	"github.com/bitai-l2/bitai/statemachine"
	"github.com/bitai-l2/bitai/store"
)

// handle applies one follower event inside one synced batch.
func (ix *Indexer) handle(ctx context.Context, ev follow.Event) error {
	if ev.Kind == follow.Disconnect {
		return ix.disconnect(ctx, ev)
	}
	return ix.connect(ctx, ev)
}

// connect applies a block: the state machine's writes, then the index records, the
// undo record and the cursor, committed together with pebble.Sync (DESIGN §3.3).
func (ix *Indexer) connect(ctx context.Context, ev follow.Event) error {
	h := uint32(ev.Height)
	ix.hook("connect-start", h)
	p, _ := ev.Prepared.(*statemachine.PreparedBlock)
	if p == nil || p.Height != h || p.Hash != ev.Hash {
		ix.hook("prepare-in-handler", h)
		var err error
		if p, err = ix.sm.Prepare(ctx, ev.Block, h); err != nil {
			return fmt.Errorf("prepare block %d: %w", h, err)
		}
	}
	rec := ix.db.NewRecorder()
	defer rec.Close()
	res, err := ix.sm.ApplyBlock(statemachine.NewPebbleState(rec), p)
	if err != nil {
		return fmt.Errorf("apply block %d %s: %w", h, ev.Hash, err)
	}
	// Only state keys are recorded so far; WriteSetHash keeps the state namespace anyway.
	writes := rec.WriteSet()
	wsHash := statemachine.WriteSetHash(writes)
	prev, err := ix.prevStateHash(rec, h)
	if err != nil {
		return err
	}
	sh := statemachine.StateHash(prev, ev.Hash, res.EventsHash, wsHash)

	sum := BlockSummary{
		Height: h, Hash: ev.Hash, PrevHash: ev.Block.Header.PrevBlock,
		Time: uint32(ev.Block.Header.Timestamp.Unix()), BitcoinTxs: uint32(len(ev.Block.Transactions)),
		Events: uint32(len(res.Events)), StateWrites: uint32(countState(writes)),
		EventsHash: res.EventsHash, WriteSetHash: wsHash, StateHash: sh, KindCounts: kindCounts(res.Events),
	}
	recs := []struct{ k, v []byte }{
		{blockHashKey(h), ev.Hash[:]},
		{stateHashKey(h), sh[:]},
		{eventsKey(h), encodeEvents(res.Events)},
		{summaryKey(h), sum.encode()},
	}
	for _, r := range recs {
		if err := rec.Set(r.k, r.v, nil); err != nil {
			return fmt.Errorf("block %d index records: %w", h, err)
		}
	}
	undo := rec.Undo()
	ub, err := undo.MarshalBinary()
	if err != nil {
		return fmt.Errorf("block %d undo record: %w", h, err)
	}
	un := rec.Unrecorded()
	// Inclusions are derived from the block's events (recorded above), so Disconnect
	// deletes them from there; keeping them out of the undo record saves a prior-value
	// read and an undo entry per BitAI tx.
	for i, e := range res.Events {
		if k, ok := inclusionOf(e, h, uint32(i)); ok {
			if err := un.Set(k, nil, nil); err != nil {
				return fmt.Errorf("block %d inclusion: %w", h, err)
			}
		}
	}
	if err := un.Set(undoKey(h), ub, nil); err != nil {
		return fmt.Errorf("block %d undo record: %w", h, err)
	}
	c := cursor{Height: h, Hash: ev.Hash}
	if err := un.Set(cursorKey(), c.encode(), nil); err != nil {
		return fmt.Errorf("block %d cursor: %w", h, err)
	}
	ix.hook("connect-before-commit", h)
	if err := rec.Commit(ctx); err != nil {
		return fmt.Errorf("block %d commit: %w", h, err)
	}
	ix.hook("connect-after-commit", h)
	ix.counter.connected(ev.Block)
	ix.status.Store(&Status{Height: h, Hash: ev.Hash, StateHash: sh, Running: true, NodeHeight: ix.nodeHeight()})
	ix.reportProgress(false)
	return nil
}

// inclusionOf returns the inclusion key of event i of block h, if it is a tx event
// with a txid (a tx that did not decode has none).
func inclusionOf(e statemachine.Event, h, i uint32) ([]byte, bool) {
	if _, ok := txStatusOf(e.Kind); !ok || e.TxID == ([32]byte{}) {
		return nil, false
	}
	return inclusionKey(e.TxID, h, i), true
}

// prevStateHash is stateHash_{h−1}: the initial one below the activation block.
func (ix *Indexer) prevStateHash(r pebble.Reader, h uint32) ([32]byte, error) {
	if h == ix.meta.ActivationHeight {
		return statemachine.InitialStateHash(ix.cfg.Deployment), nil
	}
	b, ok, err := store.Get(r, stateHashKey(h-1))
	if err != nil || !ok || len(b) != 32 {
		return [32]byte{}, fmt.Errorf("block %d: state hash of height %d missing (ok %t, err %v)", h, h-1, ok, err)
	}
	return [32]byte(b), nil
}

func countState(ws []store.Write) int {
	n := 0
	for _, w := range ws {
		if statemachine.InStateNamespace(w.Key) {
			n++
		}
	}
	return n
}

// disconnect reverts the tip block with its undo record and moves the cursor to its
// parent, in one synced batch. It first re-checks the node's activation block, so a
// wiped or switched node is refused before anything is unwound.
func (ix *Indexer) disconnect(ctx context.Context, ev follow.Event) error {
	h := uint32(ev.Height)
	m := ix.meta
	if h <= m.ActivationHeight {
		return fmt.Errorf("%w: the node disconnects block %d %s at or below the activation height %d; "+
			"the indexer keeps history back to activation only (DECISIONS D2): re-index into a fresh --datadir",
			ErrActivationMismatch, h, ev.Hash, m.ActivationHeight)
	}
	if err := ix.checkActivation(ctx, m); err != nil {
		return err
	}
	r := NewReader(ix.db.Pebble())
	c, err := r.cursor()
	if err != nil {
		return err
	}
	if c.Height != h || c.Hash != ev.Hash {
		return fmt.Errorf("disconnect %d %s: the index tip is %d %s", h, ev.Hash, c.Height, c.Hash)
	}
	ub, ok, err := store.Get(ix.db.Pebble(), undoKey(h))
	if err != nil || !ok {
		return fmt.Errorf("disconnect %d: undo record missing (err %v)", h, err)
	}
	var undo store.Undo
	if err := undo.UnmarshalBinary(ub); err != nil {
		return fmt.Errorf("disconnect %d: %w", h, err)
	}
	evs, err := r.events(h)
	if err != nil {
		return fmt.Errorf("disconnect %d: %w", h, err)
	}
	b := ix.db.Pebble().NewBatch()
	defer b.Close()
	for i, e := range evs {
		if k, ok := inclusionOf(e, h, uint32(i)); ok {
			if err := b.Delete(k, nil); err != nil {
				return fmt.Errorf("disconnect %d: %w", h, err)
			}
		}
	}
	if err := undo.Apply(b); err != nil {
		return fmt.Errorf("disconnect %d: %w", h, err)
	}
	parent := cursor{Height: h - 1, Hash: ev.Block.Header.PrevBlock}
	if err := errors.Join(b.Delete(undoKey(h), nil), b.Set(cursorKey(), parent.encode(), nil)); err != nil {
		return fmt.Errorf("disconnect %d: %w", h, err)
	}
	ix.hook("disconnect-before-commit", h)
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("disconnect %d commit: %w", h, err)
	}
	ix.hook("disconnect-after-commit", h)
	ix.log.Info("block disconnected", "height", h, "hash", ev.Hash)
	sh, _ := r.StateHash(h - 1)
	if h-1 < m.ActivationHeight {
		sh.StateHash = initialStateHash(m)
	}
	ix.status.Store(&Status{Height: h - 1, Hash: parent.Hash, StateHash: sh.StateHash, Running: true, NodeHeight: ix.nodeHeight()})
	ix.reportProgress(true)
	return nil
}

// prepare is the follower's Prepare hook: the state machine's state-free stage
// (decoding and signature checks on all cores, DECISIONS D3) in the prefetch window.
// The follower does not pass heights; heightChain remembers them from the BlockHash
// calls that found the block. Without one, the handler prepares the block itself.
func (ix *Indexer) prepare(ctx context.Context, block *wire.MsgBlock) (any, error) {
	h, ok := ix.chain.heightOf(block.BlockHash())
	if !ok || h < 0 || uint32(h) < ix.meta.ActivationHeight {
		return nil, nil
	}
	p, err := ix.sm.Prepare(ctx, block, uint32(h))
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (ix *Indexer) hook(point string, h uint32) {
	if ix.cfg.testHook != nil {
		ix.cfg.testHook(point, h)
	}
}

// nodeHeight is the node's tip as the follower last saw it.
func (ix *Indexer) nodeHeight() int32 {
	if f := ix.follow.Load(); f != nil {
		return f.Status().NodeHeight
	}
	return 0
}

// publish sets Status from a cursor read at (re)start.
func (ix *Indexer) publish(c cursor) {
	st := Status{Height: c.Height, Hash: c.Hash, Running: true, NodeHeight: ix.nodeHeight()}
	if t, err := NewReader(ix.db.Pebble()).Tip(); err == nil {
		st.StateHash = t.StateHash
	}
	ix.status.Store(&st)
}

// ensureMeta returns the datadir's meta record after checking the node's activation
// block against it; on first start it records them (with the cursor at the
// activation block's parent) once the node has reached the activation height.
func (ix *Indexer) ensureMeta(ctx context.Context) (meta, error) {
	if err := ix.checkNetwork(ctx); err != nil {
		return meta{}, err
	}
	m, err := NewReader(ix.db.Pebble()).meta()
	switch {
	case err == nil:
		return m, ix.checkActivation(ctx, m)
	case !errors.Is(err, ErrNoIndex):
		return meta{}, fmt.Errorf("indexer: %w", err)
	}
	dep := ix.cfg.Deployment
	a := dep.ActivationHeight
	if err := ix.waitForHeight(ctx, int32(a)); err != nil {
		return meta{}, err
	}
	var hash chainhash.Hash
	var block *wire.MsgBlock
	err = ix.retryNode(ctx, "activation block", func() (err error) {
		if hash, err = ix.cfg.Chain.BlockHash(ctx, int32(a)); err != nil {
			return err
		}
		block, err = ix.cfg.Chain.Block(ctx, hash)
		return err
	})
	if err != nil {
		return meta{}, err
	}
	m = meta{Version: metaVersion, ProtocolVersion: dep.ProtocolVersion, DeploymentID: dep.ID(),
		ActivationHeight: a, BaseHash: block.Header.PrevBlock, ActivationHash: hash}
	c := cursor{Height: a - 1, Hash: m.BaseHash}
	if a == 0 {
		// Genesis activation: the follower's start below genesis is height −1, which
		// the u32 cursor writes as 0xffffffff.
		c.Hash = chainhash.Hash{}
	}
	err = ix.db.Update(ctx, func(w pebble.Writer) error {
		return errors.Join(w.Set(metaKey(), m.encode(), nil), w.Set(cursorKey(), c.encode(), nil))
	})
	if err != nil {
		return meta{}, fmt.Errorf("indexer: recording the activation block: %w", err)
	}
	ix.log.Info("recorded the activation block", "height", a, "hash", hash, "deployment", fmt.Sprintf("%x", m.DeploymentID))
	return m, nil
}

// checkNetwork refuses a node on another network than the deployment's (its genesis
// block differs).
func (ix *Indexer) checkNetwork(ctx context.Context) error {
	var genesis chainhash.Hash
	err := ix.retryNode(ctx, "genesis block", func() (err error) {
		genesis, err = ix.cfg.Chain.BlockHash(ctx, 0)
		return err
	})
	if err != nil {
		return err
	}
	net := ix.cfg.Deployment.Network
	if want := *net.Params.GenesisHash; genesis != want {
		return fmt.Errorf("%w: the node's genesis block is %s, %s's is %s: point --rpc at a %s node or change --network",
			ErrWrongNetwork, genesis, net.Name, want, net.Name)
	}
	return nil
}

// checkActivation refuses a node whose block at the activation height is not the
// recorded one.
func (ix *Indexer) checkActivation(ctx context.Context, m meta) error {
	if err := ix.waitForHeight(ctx, int32(m.ActivationHeight)); err != nil {
		return err
	}
	var hash chainhash.Hash
	err := ix.retryNode(ctx, "activation block", func() (err error) {
		hash, err = ix.cfg.Chain.BlockHash(ctx, int32(m.ActivationHeight))
		if errors.Is(err, btcnode.ErrBlockNotFound) {
			return nil // shorter than activation by now: the hash stays zero and differs
		}
		return err
	})
	if err != nil {
		return err
	}
	if hash != m.ActivationHash {
		return fmt.Errorf("%w: this datadir was built on a chain whose block %d is %s, the node's is %s "+
			"(a wiped regtest or another network); point --rpc at the right node or use a fresh --datadir",
			ErrActivationMismatch, m.ActivationHeight, m.ActivationHash, hash)
	}
	return nil
}

// waitForHeight polls the node until its tip reaches h.
func (ix *Indexer) waitForHeight(ctx context.Context, h int32) error {
	logged := false
	for {
		var tip follow.BlockID
		err := ix.retryNode(ctx, "node tip", func() (err error) {
			tip, err = ix.cfg.Chain.BestBlock(ctx)
			return err
		})
		if err != nil {
			return err
		}
		if tip.Height >= h {
			return nil
		}
		if !logged {
			ix.log.Info("waiting for the node to reach the activation height", "activation", h, "node_height", tip.Height)
			logged = true
		}
		if err := sleepCtx(ctx, ix.cfg.PollInterval); err != nil {
			return err
		}
	}
}

// retryNode runs fn until it succeeds or ctx ends, backing off after node errors.
func (ix *Indexer) retryNode(ctx context.Context, what string, fn func() error) error {
	wait := ix.cfg.RetryMin
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, btcnode.ErrUnauthorized) {
			return fmt.Errorf("indexer: %s: %w", what, err)
		}
		ix.log.Warn("node call failed, retrying", "what", what, "attempt", attempt, "err", err, "retry_in", wait)
		if err := sleepCtx(ctx, wait); err != nil {
			return err
		}
		wait = min(2*wait, ix.cfg.RetryMax)
	}
}

// heightChain wraps the node and remembers the height of every hash BlockHash
// returned, so the Prepare hook (which gets only the block) knows its height.
type heightChain struct {
	follow.Chain
	mu      sync.Mutex
	heights map[chainhash.Hash]int32
}

// maxRemembered bounds heightChain's map; it is cleared when full (a miss only
// moves Prepare into the handler).
const maxRemembered = 1 << 14

func newHeightChain(c follow.Chain) *heightChain {
	return &heightChain{Chain: c, heights: make(map[chainhash.Hash]int32)}
}

// BlockHash implements follow.Chain.
func (c *heightChain) BlockHash(ctx context.Context, h int32) (chainhash.Hash, error) {
	hash, err := c.Chain.BlockHash(ctx, h)
	if err == nil {
		c.mu.Lock()
		if len(c.heights) >= maxRemembered {
			clear(c.heights)
		}
		c.heights[hash] = h
		c.mu.Unlock()
	}
	return hash, err
}

func (c *heightChain) heightOf(hash chainhash.Hash) (int32, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok := c.heights[hash]
	return h, ok
}

// progressCounter keeps the totals behind the progress rates.
type progressCounter struct {
	blocks, bytes int64
	meter         *rateMeter
}

func (p *progressCounter) connected(b *wire.MsgBlock) {
	p.blocks++
	p.bytes += int64(b.SerializeSize())
}

// reportProgress hands the current position to Config.Progress.
func (ix *Indexer) reportProgress(reorg bool) {
	if ix.cfg.Progress == nil {
		return
	}
	if ix.counter.meter == nil {
		ix.counter.meter = newRateMeter(10 * time.Second)
	}
	st := ix.Status()
	bps, bytesps := ix.counter.meter.add(time.Now(), ix.counter.blocks, ix.counter.bytes)
	lag := max(st.NodeHeight-int32(st.Height), 0)
	ix.cfg.Progress.Report(ProgressInfo{
		Height: int32(st.Height), Hash: st.Hash, NodeHeight: st.NodeHeight, Lag: lag,
		BlocksPerSec: bps, MBPerSec: bytesps / 1e6, ETA: eta(lag, bps), Reorg: reorg,
	})
}
