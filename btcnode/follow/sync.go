package follow

import (
	"context"
	"fmt"
	"sync"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// step makes one round towards the node's tip: it unwinds the consumer to the
// fork point if the node's active chain no longer holds the cursor, or else
// connects the blocks up to the tip seen at the start of the round. It reports
// synced when the cursor already is the node's tip.
func (f *Follower) step(ctx context.Context, handler Handler) (synced bool, err error) {
	best, err := f.cfg.Chain.BestBlock(ctx)
	if err != nil {
		return false, fmt.Errorf("best block: %w", err)
	}
	f.setNodeHeight(best.Height)
	cur := f.cursorNow()
	if best == cur {
		return true, nil
	}
	onChain, err := f.onNodeChain(ctx, cur, best)
	if err != nil {
		return false, err
	}
	if !onChain {
		return false, f.unwind(ctx, handler, best)
	}
	return false, f.forward(ctx, handler, best.Height)
}

// nodeHashAt returns the hash of the node's active chain at height h, or ok=false
// if the chain (whose tip is best) is shorter. Height −1 is "before genesis",
// whose hash is zero (genesis's PrevBlock).
func (f *Follower) nodeHashAt(ctx context.Context, h int32, best BlockID) (chainhash.Hash, bool, error) {
	switch {
	case h == -1:
		return chainhash.Hash{}, true, nil
	case h > best.Height:
		return chainhash.Hash{}, false, nil
	case h == best.Height:
		return best.Hash, true, nil
	}
	hash, err := f.cfg.Chain.BlockHash(ctx, h)
	if err != nil {
		return chainhash.Hash{}, false, fmt.Errorf("block hash at %d: %w", h, err)
	}
	return hash, true, nil
}

func (f *Follower) onNodeChain(ctx context.Context, b BlockID, best BlockID) (bool, error) {
	hash, ok, err := f.nodeHashAt(ctx, b.Height, best)
	return ok && hash == b.Hash, err
}

// hashAt returns the consumer's hash at height h, which must exist.
func (f *Follower) hashAt(h int32, tip BlockID) (chainhash.Hash, error) {
	if h == tip.Height {
		return tip.Hash, nil
	}
	if h == -1 {
		return chainhash.Hash{}, nil
	}
	hash, ok, err := f.cfg.HashAt(h)
	switch {
	case err != nil:
		return chainhash.Hash{}, fatal(fmt.Errorf("follow: consumer hash at %d: %w", h, err))
	case !ok:
		return chainhash.Hash{}, fatal(fmt.Errorf("%w: the node's chain differs from the "+
			"consumer's at every height from %d to %d, and the consumer holds no hash at %d",
			ErrReorgTooDeep, tip.Height, h+1, h))
	}
	return hash, nil
}

// findFork walks down from the cursor until the consumer's hash equals the node's
// (the fork point), and returns the consumer's hashes at fork.Height+1 … cursor.
func (f *Follower) findFork(ctx context.Context, cur, best BlockID) (fork BlockID, stale []chainhash.Hash, err error) {
	for h := cur.Height; ; h-- {
		want, err := f.hashAt(h, cur)
		if err != nil {
			return BlockID{}, nil, err
		}
		node, ok, err := f.nodeHashAt(ctx, h, best)
		if err != nil {
			return BlockID{}, nil, err
		}
		if ok && node == want {
			// stale was collected tip first; return it in height order.
			for i, j := 0, len(stale)-1; i < j; i, j = i+1, j-1 {
				stale[i], stale[j] = stale[j], stale[i]
			}
			return BlockID{Hash: want, Height: h}, stale, nil
		}
		stale = append(stale, want)
	}
}

// unwind emits Disconnect for each consumer block above the fork point, tip first.
// A node error part way leaves the cursor where it got to; the next round resumes.
func (f *Follower) unwind(ctx context.Context, handler Handler, best BlockID) error {
	cur := f.cursorNow()
	fork, stale, err := f.findFork(ctx, cur, best)
	if err != nil {
		return err
	}
	f.log.Info("reorg: unwinding to fork point", "fork_height", fork.Height,
		"fork_hash", fork.Hash, "depth", len(stale), "from_height", cur.Height,
		"node_height", best.Height, "node_hash", best.Hash)
	for i := len(stale) - 1; i >= 0; i-- {
		h, hash := fork.Height+1+int32(i), stale[i]
		parent := fork.Hash
		if i > 0 {
			parent = stale[i-1]
		}
		block, err := f.cfg.Chain.Block(ctx, hash)
		if err != nil {
			if isNotFound(err) {
				return fatal(fmt.Errorf("%w: block %s at height %d: %w",
					ErrStaleBlockUnavailable, hash, h, err))
			}
			return fmt.Errorf("stale block %s: %w", hash, err)
		}
		if got := block.BlockHash(); got != hash {
			return fmt.Errorf("node returned block %s for %s", got, hash)
		}
		if block.Header.PrevBlock != parent {
			return fatal(fmt.Errorf("%w: block %s at height %d has parent %s, the consumer "+
				"holds %s at %d", ErrHistoryMismatch, hash, h, block.Header.PrevBlock, parent, h-1))
		}
		ev := Event{Kind: Disconnect, Block: block, Height: h, Hash: hash}
		if err := f.emit(ctx, handler, ev, BlockID{Hash: parent, Height: h - 1}); err != nil {
			return err
		}
	}
	return nil
}

// fetchJob is one block of the prefetch window.
type fetchJob struct {
	height   int32
	done     chan struct{}
	block    *wire.MsgBlock
	hash     chainhash.Hash
	prepared any
	err      error // fetching failed: block is nil
	prepErr  error // Prepare failed on block
}

// forward connects the node's blocks above the cursor up to target. Up to
// Prefetch blocks are fetched and prepared concurrently; delivery is in height
// order, and each block must link to the cursor at delivery time. On a mismatch
// (the node reorganised meanwhile) the window is discarded and the round ends.
func (f *Follower) forward(ctx context.Context, handler Handler, target int32) error {
	pctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()

	cur := f.cursorNow()
	next := cur.Height + 1
	var window []*fetchJob
	for cur.Height < target {
		for len(window) < f.prefetch && next <= target {
			j := &fetchJob{height: next, done: make(chan struct{})}
			wg.Go(func() {
				defer close(j.done)
				f.fetch(pctx, j)
			})
			window = append(window, j)
			next++
		}
		j := window[0]
		window = window[1:]
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-j.done:
		}
		if j.err != nil {
			return j.err
		}
		// Linkage first: a Prepare failure on a block that turns out stale is moot.
		if j.block.Header.PrevBlock != cur.Hash {
			f.log.Info("parent mismatch: node reorganised, discarding prefetched blocks",
				"height", j.height, "hash", j.hash, "parent", j.block.Header.PrevBlock,
				"cursor", cur.Hash, "discarded", len(window)+1)
			return nil
		}
		if j.prepErr != nil {
			return j.prepErr
		}
		ev := Event{Kind: Connect, Block: j.block, Height: j.height, Hash: j.hash, Prepared: j.prepared}
		cur = BlockID{Hash: j.hash, Height: j.height}
		if err := f.emit(ctx, handler, ev, cur); err != nil {
			return err
		}
	}
	return nil
}

// fetch reads the active chain's block at j.height and runs Prepare on it.
func (f *Follower) fetch(ctx context.Context, j *fetchJob) {
	hash, err := f.cfg.Chain.BlockHash(ctx, j.height)
	if err != nil {
		j.err = fmt.Errorf("block hash at %d: %w", j.height, err)
		return
	}
	block, err := f.cfg.Chain.Block(ctx, hash)
	if err != nil {
		j.err = fmt.Errorf("block %s at %d: %w", hash, j.height, err)
		return
	}
	if got := block.BlockHash(); got != hash {
		j.err = fmt.Errorf("node returned block %s for %s", got, hash)
		return
	}
	j.block, j.hash = block, hash
	if f.cfg.Prepare != nil {
		p, err := f.cfg.Prepare(ctx, block)
		if err != nil {
			if ctx.Err() != nil {
				j.err = ctx.Err()
				return
			}
			j.prepErr = fatal(fmt.Errorf("%w: block %s at %d: %w", ErrPrepare, hash, j.height, err))
			return
		}
		j.prepared = p
	}
}
