package indexer

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/store"
)

// crashPoint is a filesystem as it could be after a power loss at one instant, with
// the index cursors that may be on it.
type crashPoint struct {
	fs    *vfs.MemFS
	what  string
	allow []cursor // nil: any cursor the run committed
}

// TestDurabilityCrashableFS runs the indexer on pebble's crashable in-memory vfs
// through connects and a depth-3 reorg, and takes crash images (CrashClone, keeping a
// random share of unsynced data) just before and just after every commit and at random
// instants from another goroutine. Each image must open with the state of exactly the
// previous or the next block: its cursor is one the run committed (for the points
// around a commit, the one before or the one after it) and its state dump equals the
// dump the run had at that cursor.
func TestDurabilityCrashableFS(t *testing.T) {
	dep := regtest(t)
	chain := newFakeChain()
	f := newSender(t, dep, faucet())
	ins := newSender(t, dep, nil)
	users := []*sender{newSender(t, dep, nil), newSender(t, dep, nil), newSender(t, dep, nil)}
	mineTransfers := func(parent chainhash.Hash, n int) chainhash.Hash {
		for i := range n {
			u := users[i%len(users)]
			b := chain.mine(t, parent, fakeReveal(t, ins.key, "", payloadBody(t,
				f.transfer(t, u.pub(), uint64(1000+i)), f.transfer(t, users[(i+1)%3].pub(), 7))))
			parent = b.BlockHash()
		}
		return parent
	}
	chain.mineN(t, 1)
	fork := mineTransfers(chain.tip(), 8)
	mineTransfers(fork, 4)

	fs := vfs.NewCrashableMem()
	rng := rand.New(rand.NewPCG(1, 2))
	var (
		mu        sync.Mutex
		points    []crashPoint
		committed = map[cursor][32]byte{}
		last      cursor
		ix        *Indexer
	)
	clone := func(what string, allow ...cursor) {
		mu.Lock()
		pct := rng.IntN(101)
		seed := rng.Uint64()
		mu.Unlock()
		c := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: pct, RNG: rand.New(rand.NewPCG(seed, 7))})
		mu.Lock()
		points = append(points, crashPoint{fs: c, what: what, allow: allow})
		mu.Unlock()
	}
	hook := func(point string, h uint32) {
		mu.Lock()
		before := last
		mu.Unlock()
		switch point {
		case "connect-before-commit", "disconnect-before-commit":
			clone(fmt.Sprintf("%s %d", point, h), before)
		case "connect-after-commit", "disconnect-after-commit":
			c, err := NewReader(ix.db.Pebble()).cursor()
			var d []kv
			if err == nil {
				_, err = ix.API().Dump(context.Background(), func(k, v []byte) error {
					d = append(d, kv{append([]byte(nil), k...), append([]byte(nil), v...)})
					return nil
				})
			}
			if err != nil {
				t.Errorf("hook %s %d: %v", point, h, err)
				return
			}
			mu.Lock()
			committed[c], last = dumpDigest(d), c
			mu.Unlock()
			clone(fmt.Sprintf("%s %d", point, h), c)
		}
	}
	ix = startIndexer(t, chain, "/data", func(c *Config) { c.FS = fs; c.testHook = hook })
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
				clone("random")
			}
		}
	})
	waitFor(t, ix, chain.tip(), 30*time.Second)
	// Reorg: a longer branch from 3 blocks below the tip.
	mineTransfers(chain.hashAt(int32(ix.Status().Height)-3), 5)
	waitFor(t, ix, chain.tip(), 30*time.Second)
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	// The state before the first block (meta and base cursor only) counts as committed.
	require.GreaterOrEqual(t, len(committed), 18)
	require.Greater(t, len(points), 50)

	for i, p := range points {
		db, err := store.Open("/data/index", store.Options{FS: p.fs})
		require.NoError(t, err, "crash image %d (%s)", i, p.what)
		r := NewReader(db.Pebble())
		c, err := r.cursor()
		if err != nil {
			// Crashed before the indexer recorded its activation block: nothing else
			// may be there either.
			_, merr := r.meta()
			require.ErrorIs(t, merr, ErrNoIndex, "image %d (%s): cursor %v", i, p.what, err)
			require.NoError(t, db.Close())
			continue
		}
		var d []kv
		_, err = NewDBAPI(db.Pebble()).Dump(context.Background(), func(k, v []byte) error {
			d = append(d, kv{append([]byte(nil), k...), append([]byte(nil), v...)})
			return nil
		})
		require.NoError(t, err, "image %d (%s)", i, p.what)
		if p.allow != nil && p.allow[0] != (cursor{}) {
			require.Contains(t, p.allow, c, "image %d (%s)", i, p.what)
		}
		if want, ok := committed[c]; ok {
			require.Equal(t, want, dumpDigest(d), "image %d (%s) at cursor %d %s", i, p.what, c.Height, c.Hash)
		} else {
			// Only the base cursor (nothing applied yet) is never seen by the hooks.
			require.Empty(t, d, "image %d (%s): unknown cursor %d %s with state", i, p.what, c.Height, c.Hash)
		}
		require.NoError(t, db.Close())
	}
	t.Logf("%d crash images checked against %d committed states", len(points), len(committed))
}
