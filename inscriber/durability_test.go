package inscriber

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/store"
)

// TestDurabilityCrashImages runs the inscriber on pebble's crashable in-memory
// filesystem and, at every named point of the state machine and just before every
// broadcast, takes the image a power cut would leave (unsynced writes dropped, and
// once more with a random part of them kept) and opens it: every transaction ever
// handed to the node must be in the image, and every transaction a batch record
// names must be stored. So no signed transaction can be out there that a restart
// would not know.
func TestDurabilityCrashImages(t *testing.T) {
	node := startNode(t)
	fs := vfs.NewCrashableMem()
	dbOpts := store.Options{FS: fs}
	db, err := store.Open("/inscriber", dbOpts)
	require.NoError(t, err)

	var (
		mu        sync.Mutex
		broadcast []chainhash.Hash
		images    int
		rng       = rand.New(rand.NewPCG(1, 2))
	)
	check := func(where string, pending *wire.MsgTx) {
		mu.Lock()
		defer mu.Unlock()
		images++
		for _, keep := range []int{0, rng.IntN(100)} {
			cfg := vfs.CrashCloneCfg{}
			if keep > 0 {
				cfg = vfs.CrashCloneCfg{UnsyncedDataPercent: keep, RNG: rand.New(rand.NewPCG(uint64(images), uint64(keep)))}
			}
			img, err := store.Open("/inscriber", store.Options{FS: fs.CrashClone(cfg)})
			require.NoError(t, err, "crash image at %s", where)
			r := img.Pebble()
			want := broadcast
			if pending != nil {
				want = append(append([]chainhash.Hash(nil), broadcast...), pending.TxHash())
			}
			for _, id := range want {
				_, ok, err := store.Get(r, txKey(id))
				require.NoError(t, err)
				require.True(t, ok, "at %s (keep %d%%): tx %s was handed to the node but is not stored", where, keep, id)
			}
			checkRecordsComplete(t, r, where)
			require.NoError(t, img.Close())
		}
	}

	h := &harness{t: t, node: node, dir: t.TempDir(), db: db, logs: &logBuffer{}}
	h.keys, h.wal = newWallet(t, h.dir)
	t.Cleanup(h.closeDB)
	h.cfg = h.config(db, nil)
	h.cfg.Hooks = &Hooks{
		Point: func(name string) { check(name, nil) },
		Broadcast: func(tx *wire.MsgTx, fee int64, tip int32) {
			check("broadcast", tx)
			mu.Lock()
			broadcast = append(broadcast, tx.TxHash())
			mu.Unlock()
		},
	}
	h.cfg.DeadlineBlocks = 4
	h.in, err = New(h.cfg)
	require.NoError(t, err)
	h.fundWallet(20_000_000, 20_000_000)
	h.start()
	h.sync()

	ctx := context.Background()
	var ids []uint64
	for _, n := range []int{1_000, 100_000, 450_000} {
		info, err := h.in.Enqueue(ctx, randomBytes(t, n), "", EnqueueOptions{})
		require.NoError(t, err)
		ids = append(ids, info.ID)
	}
	h.sync()
	// Two blocks with nothing of ours: the reveals are bumped (new versions stored,
	// then sent).
	parent := node.Tip(t).Hash
	for range 2 {
		parent = node.MineBlockOn(t, parent).BlockHash()
		h.sync()
	}
	h.mineUntilDepth(1, 6, ids...)
	mu.Lock()
	defer mu.Unlock()
	require.Greater(t, images, 20)
	require.Greater(t, len(broadcast), 8)
	t.Logf("%d crash images checked, %d broadcasts", images, len(broadcast))
}

// checkRecordsComplete checks that every transaction a batch record names is stored.
func checkRecordsComplete(t *testing.T, r pebble.Reader, where string) {
	it, err := r.NewIter(store.PrefixIterOptions([]byte{keyBatch}))
	require.NoError(t, err)
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		var b batch
		require.NoError(t, b.unmarshal(it.Value()), "at %s", where)
		refs := append(append([]txRef(nil), b.Commits...), b.Sweeps...)
		for _, slot := range b.Reveals {
			refs = append(refs, slot...)
		}
		for _, ref := range refs {
			_, ok, err := store.Get(r, txKey(ref.TxID))
			require.NoError(t, err)
			require.True(t, ok, "at %s: batch %d names %s, which is not stored", where, b.ID, ref.TxID)
		}
	}
	require.NoError(t, it.Error())
}
