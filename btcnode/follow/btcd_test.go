package follow

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bitai-l2/bitai/btcnode/testnode"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

// step is an event as the real-btcd tests compare it.
type step struct {
	Kind   EventKind
	Height int32
	Hash   chainhash.Hash
}

func (s step) String() string { return fmt.Sprintf("%s %d %s", s.Kind, s.Height, s.Hash) }

// recorder is a minimal consumer of a real node: a tip, stored hashes, the events.
type recorder struct {
	t      *testing.T
	mu     sync.Mutex
	tip    BlockID
	hashes map[int32]chainhash.Hash
	steps  []step
}

func (r *recorder) hashAt(h int32) (chainhash.Hash, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.hashes[h]
	return v, ok && h <= r.tip.Height, nil
}

func (r *recorder) handle(_ context.Context, ev Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch ev.Kind {
	case Connect:
		if err := invariant(r.t, ev.Block.Header.PrevBlock == r.tip.Hash, "connect %d: parent is not the tip", ev.Height); err != nil {
			return err
		}
		r.tip = BlockID{Hash: ev.Hash, Height: ev.Height}
		r.hashes[ev.Height] = ev.Hash
	case Disconnect:
		if err := invariant(r.t, r.tip == BlockID{Hash: ev.Hash, Height: ev.Height}, "disconnect %d: not the tip", ev.Height); err != nil {
			return err
		}
		delete(r.hashes, ev.Height)
		r.tip = BlockID{Hash: ev.Block.Header.PrevBlock, Height: ev.Height - 1}
	}
	r.steps = append(r.steps, step{ev.Kind, ev.Height, ev.Hash})
	return nil
}

func (r *recorder) tipNow() BlockID {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tip
}

// since returns the events after the first n.
func (r *recorder) since(n int) []step {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]step(nil), r.steps[n:]...)
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.steps)
}

// TestBtcd follows a real btcd: generated blocks, a longer competing branch
// built with MineBlockOn, and a hung node (SIGSTOP) mid-follow.
//
//	g - 1 - 2 - 3 - a4 - a5            generated
//	             \
//	              b4 - b5 - b6          MineBlockOn: the node reorgs to b6
func TestBtcd(t *testing.T) {
	n := testnode.Start(t, testnode.WithTimeout(time.Second))
	c := n.Client()
	gen := n.Generate(t, 5)

	g, err := c.BlockHash(t.Context(), 0)
	require.NoError(t, err)
	genesis := BlockID{Hash: g, Height: 0}
	r := &recorder{t: t, tip: genesis, hashes: map[int32]chainhash.Hash{0: genesis.Hash}}
	var logs syncBuffer
	f, err := New(Config{
		Chain:        c,
		Notifier:     c,
		Logger:       slog.New(slog.NewTextHandler(&logs, nil)),
		Start:        genesis,
		HashAt:       r.hashAt,
		Prefetch:     3,
		PollInterval: 50 * time.Millisecond,
		RetryMin:     20 * time.Millisecond,
		RetryMax:     200 * time.Millisecond,
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx, r.handle) }()
	t.Cleanup(func() {
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
	})
	synced := func(want BlockID) func() bool {
		return func() bool { return r.tipNow() == want && f.Status().Cursor == want }
	}

	// Generated blocks arrive in order.
	require.Eventually(t, synced(BlockID{Hash: gen[4], Height: 5}), eventually, 5*time.Millisecond)
	var want []step
	for i, h := range gen {
		want = append(want, step{Connect, int32(i + 1), h})
	}
	require.Equal(t, want, r.since(0))
	require.Eventually(t, func() bool { return f.Status().Notifications }, eventually, 5*time.Millisecond)

	// A longer competing branch from height 3: exactly two Disconnects, then three Connects.
	mark := r.count()
	b4 := n.MineBlockOn(t, gen[2])
	b5 := mineOnSide(t, n, b4, 5)
	b6 := mineOnSide(t, n, b5, 6)
	require.Eventually(t, synced(BlockID{Hash: b6.BlockHash(), Height: 6}), eventually, 5*time.Millisecond)
	require.Equal(t, []step{
		{Disconnect, 5, gen[4]},
		{Disconnect, 4, gen[3]},
		{Connect, 4, b4.BlockHash()},
		{Connect, 5, b5.BlockHash()},
		{Connect, 6, b6.BlockHash()},
	}, r.since(mark))
	require.Equal(t, Status{Cursor: n.Tip(t), NodeHeight: 6, Notifications: true}, f.Status())

	// A hung node: calls time out, the follower retries, and catches up on resume.
	mark = r.count()
	n.Pause(t)
	require.Eventually(t, func() bool {
		return strings.Contains(logs.String(), "node error, retrying")
	}, eventually, 10*time.Millisecond)
	n.Resume(t)
	more := n.Generate(t, 3)
	require.Eventually(t, synced(BlockID{Hash: more[2], Height: 9}), eventually, 5*time.Millisecond)
	want = nil
	for i, h := range more {
		want = append(want, step{Connect, int32(7 + i), h})
	}
	require.Equal(t, want, r.since(mark))
}

// mineOnSide mines an empty block on parent, which may be on a side chain.
// testnode.MineBlockOn reads its parent with getblockheader, which btcd v0.26.2
// answers only for main-chain blocks ("is not in the main chain"), so this builds
// the block with testnode.BuildBlock from the parent we hold: one second after it
// is past the median time of its ancestors.
func mineOnSide(t *testing.T, n *testnode.Node, parent *wire.MsgBlock, height int32) *wire.MsgBlock {
	t.Helper()
	b, err := testnode.BuildBlock(parent.BlockHash(), height, parent.Header.Timestamp.Add(time.Second),
		n.PkScript(), 1<<40+uint64(height), nil)
	require.NoError(t, err)
	require.NoError(t, n.Client().SubmitBlock(t.Context(), b))
	return b
}
