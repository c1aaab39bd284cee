package follow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

const eventually = 10 * time.Second

func TestFollowFromStart(t *testing.T) {
	t.Run("from a block", func(t *testing.T) {
		c := newFakeChain()
		c.setTip(c.branch("g", "a", 1, 20))
		k := newConsumer(t, c, "g", "g")
		require.Equal(t, seq("+a", 1, 20), runToTip(t, c, k, nil))
	})
	t.Run("from before genesis", func(t *testing.T) {
		c := newFakeChain()
		c.setTip(c.branch("g", "a", 1, 3))
		k := &consumer{t: t, c: c, tip: BlockID{Height: -1}, hash: map[int32]chainhash.Hash{}}
		require.Equal(t, []string{"+g", "+a1", "+a2", "+a3"}, runToTip(t, c, k, nil))
	})
	t.Run("prefetch 1", func(t *testing.T) {
		c := newFakeChain()
		c.setTip(c.branch("g", "a", 1, 5))
		k := newConsumer(t, c, "g", "a2")
		got := runToTip(t, c, k, func(cfg *Config) { cfg.Prefetch = 1 })
		require.Equal(t, seq("+a", 3, 5), got)
	})
}

// TestReorgDepths: the consumer is at a's tip and the node switched to b.
//
//	g - a1 - a2 - a3 - a4 - a5 - … - a(4+depth)      consumer's tip
//	                        \
//	                         b5 - … - b(4+branch)     node's tip
func TestReorgDepths(t *testing.T) {
	tests := []struct {
		name          string
		depth, branch int
	}{
		{name: "depth 1", depth: 1, branch: 2},
		{name: "depth 2", depth: 2, branch: 3},
		{name: "depth 6", depth: 6, branch: 7},
		{name: "depth 20", depth: 20, branch: 21},
		{name: "shorter branch", depth: 4, branch: 1},
		{name: "tip invalidated", depth: 3, branch: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newFakeChain()
			aTip := c.branch("g", "a", 1, 4+tt.depth)
			nodeTip := "a4"
			if tt.branch > 0 {
				nodeTip = c.branch("a4", "b", 5, 4+tt.branch)
			}
			c.setTip(nodeTip)
			k := newConsumer(t, c, "g", aTip)

			want := seq("-a", 4+tt.depth, 5)
			if tt.branch > 0 {
				want = append(want, seq("+b", 5, 4+tt.branch)...)
			}
			require.Equal(t, want, runToTip(t, c, k, nil))
		})
	}
}

// TestReorgDuringPrefetch: the node switches branches after the follower read the
// hashes at heights 1-4 (on a) and before it reads heights 5-6 (now on b), so the
// window holds a1 … a4, b5, b6. The follower delivers a1 … a4, finds b5's parent is
// not a4, discards the window and reorgs.
//
//	g - a1 - a2 - a3 - a4 - a5 - a6        node's tip when the round starts
//	          \
//	           b3 - b4 - b5 - b6 - b7 - b8 node's tip from then on
func TestReorgDuringPrefetch(t *testing.T) {
	c := newFakeChain()
	c.setTip(c.branch("g", "a", 1, 6))
	c.branch("a2", "b", 3, 8)

	var answered atomic.Int32
	lowDone := make(chan struct{})
	var switchOnce sync.Once
	c.afterBlockHash = func(h int32) {
		if h >= 1 && h <= 4 && answered.Add(1) == 4 {
			close(lowDone)
		}
	}
	c.beforeBlockHash = func(h int32) {
		if h < 5 {
			return
		}
		select {
		case <-lowDone:
		case <-time.After(eventually):
			panic("heights 1-4 never asked")
		}
		switchOnce.Do(func() { c.setTip("b8") })
	}

	k := newConsumer(t, c, "g", "g")
	k.stop = atBlock("b8")
	f, err := New(withPrepare(testConfig(c, k), 8))
	require.NoError(t, err)
	require.ErrorIs(t, start(t, f, k)(), context.Canceled)

	want := cat(seq("+a", 1, 4), seq("-a", 4, 3), seq("+b", 3, 8))
	require.Equal(t, want, k.events())
}

// withPrepare sets a Prepare that returns the block's hash (the consumer checks it
// against the event) and the prefetch depth.
func withPrepare(cfg Config, prefetch int) Config {
	cfg.Prefetch = prefetch
	cfg.Prepare = func(_ context.Context, b *wire.MsgBlock) (any, error) {
		return b.BlockHash(), nil
	}
	return cfg
}

// TestRestartMidReorg runs a depth-6 reorg once, then restarts a new follower from
// the consumer's committed state after every event of it (a crash after that
// commit) and expects exactly the rest of the reference sequence.
//
//	g - a1 - … - a4 - a5 - … - a10    consumer's tip
//	              \
//	               b5 - … - b12       node's tip
func TestRestartMidReorg(t *testing.T) {
	c := newFakeChain()
	c.branch("g", "a", 1, 10)
	c.setTip(c.branch("a4", "b", 5, 12))

	ref := newConsumer(t, c, "g", "a10")
	want := cat(seq("-a", 10, 5), seq("+b", 5, 12))
	require.Equal(t, want, runToTip(t, c, ref, nil))
	require.Len(t, ref.snap, len(want))

	for i, s := range ref.snap[:len(ref.snap)-1] {
		t.Run(fmt.Sprintf("after %s", want[i]), func(t *testing.T) {
			k := &consumer{t: t, c: c, tip: s.tip, hash: s.hash}
			require.Equal(t, want[i+1:], runToTip(t, c, k, nil))
		})
	}
}

func TestHandlerError(t *testing.T) {
	c := newFakeChain()
	c.setTip(c.branch("g", "a", 1, 6))
	k := newConsumer(t, c, "g", "g")
	errBoom := errors.New("boom")
	k.fail = func(n int, _ Event) error {
		if n == 2 {
			return errBoom
		}
		return nil
	}
	f, err := New(testConfig(c, k))
	require.NoError(t, err)

	err = start(t, f, k)()
	require.ErrorIs(t, err, errBoom)
	require.ErrorIs(t, err, ErrHandler)
	require.Contains(t, err.Error(), "connect height 3")
	require.Equal(t, seq("+a", 1, 2), k.events())
	require.Equal(t, c.id("a2"), f.Status().Cursor, "cursor must not pass the failed event")

	// The same follower resumes from the last accepted event.
	k.fail = nil
	k.stop = atTip
	require.ErrorIs(t, start(t, f, k)(), context.Canceled)
	require.Equal(t, seq("+a", 1, 6), k.events())
}

func TestNotifications(t *testing.T) {
	t.Run("wake and live reorg", func(t *testing.T) {
		// PollInterval is an hour: only notifications can wake the follower.
		//
		//	g - a1 - a2 - a3
		//	     \
		//	      b2 - b3 - b4
		c := newFakeChain()
		c.setTip(c.branch("g", "a", 1, 2))
		k := newConsumer(t, c, "g", "a2")
		k.stop = atBlock("b4")
		cfg := testConfig(c, k)
		cfg.Notifier, cfg.PollInterval = c, time.Hour
		f, err := New(cfg)
		require.NoError(t, err)
		wait := start(t, f, k)

		require.Eventually(t, func() bool { return f.Status().Notifications }, eventually, time.Millisecond)
		c.add("a3", "a2")
		c.setTip("a3")
		require.Eventually(t, func() bool { return k.tipNow() == c.id("a3") }, eventually, time.Millisecond)
		c.setTip(c.branch("a1", "b", 2, 4))
		require.ErrorIs(t, wait(), context.Canceled)
		require.Equal(t, []string{"+a3", "-a3", "-a2", "+b2", "+b3", "+b4"}, k.events())
	})

	t.Run("socket dies: polling, then resubscribe", func(t *testing.T) {
		c := newFakeChain()
		c.setTip(c.branch("g", "a", 1, 2))
		k := newConsumer(t, c, "g", "a2")
		k.stop = atBlock("a6")
		cfg := testConfig(c, k)
		cfg.Notifier, cfg.PollInterval = c, 20*time.Millisecond
		f, err := New(cfg)
		require.NoError(t, err)
		wait := start(t, f, k)

		require.Eventually(t, func() bool { return f.Status().Notifications }, eventually, time.Millisecond)
		c.killSubscriptions(errors.New("websocket: connection reset"))
		require.Eventually(t, func() bool {
			return !f.Status().Notifications && c.callCount("NotifyBlocks") >= 3
		}, eventually, time.Millisecond, "resubscribing with backoff")

		c.setTip(c.branch("a2", "a", 3, 5)) // no subscriber: only polling sees these
		require.Eventually(t, func() bool { return k.tipNow() == c.id("a5") }, eventually, time.Millisecond)

		c.mu.Lock()
		c.notifyErr = nil
		c.mu.Unlock()
		require.Eventually(t, func() bool { return f.Status().Notifications }, eventually, time.Millisecond)
		c.add("a6", "a5")
		c.setTip("a6")
		require.ErrorIs(t, wait(), context.Canceled)
		require.Equal(t, seq("+a", 3, 6), k.events())
	})
}

func TestNodeOutage(t *testing.T) {
	c := newFakeChain()
	c.setTip(c.branch("g", "a", 1, 5))
	k := newConsumer(t, c, "g", "a5")
	k.stop = atBlock("a8")
	var logs syncBuffer
	cfg := testConfig(c, k)
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	f, err := New(cfg)
	require.NoError(t, err)

	errOutage := errors.New("dial tcp 127.0.0.1:18334: connection refused")
	c.setFailing(errOutage)
	wait := start(t, f, k)
	c.setTip(c.branch("a5", "a", 6, 8))
	require.Eventually(t, func() bool {
		return c.failCount() >= 4 && strings.Contains(logs.String(), "attempt=4")
	}, eventually, time.Millisecond)
	c.setFailing(nil)

	require.ErrorIs(t, wait(), context.Canceled)
	require.Equal(t, seq("+a", 6, 8), k.events())
	out := logs.String()
	for i := 1; i <= 4; i++ {
		require.Contains(t, out, fmt.Sprintf("level=WARN msg=\"node error, retrying\" attempt=%d", i))
	}
	require.Contains(t, out, "connection refused")
	require.Contains(t, out, "node reachable again")
}

func TestCancelIsPrompt(t *testing.T) {
	tests := []struct {
		name  string
		setup func(c *fakeChain, cfg *Config)
		ready func(c *fakeChain) bool
	}{
		{
			name: "during backoff",
			setup: func(c *fakeChain, cfg *Config) {
				c.setFailing(errors.New("node down"))
				cfg.RetryMin, cfg.RetryMax = time.Hour, time.Hour
			},
			ready: func(c *fakeChain) bool { return c.failCount() >= 1 },
		},
		{
			name:  "idle at the tip",
			setup: func(_ *fakeChain, cfg *Config) { cfg.PollInterval = time.Hour },
			ready: func(c *fakeChain) bool { return c.callCount("BestBlock") >= 1 },
		},
		{
			name: "fetch blocked in the node",
			setup: func(c *fakeChain, _ *Config) {
				c.setTip(c.branch("a1", "a", 2, 3))
				c.beforeBlock = func(ctx context.Context, _ chainhash.Hash) { <-ctx.Done() }
			},
			ready: func(c *fakeChain) bool { return c.callCount("BlockHash") >= 2 },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newFakeChain()
			c.setTip(c.branch("g", "a", 1, 1))
			k := newConsumer(t, c, "g", "a1")
			cfg := testConfig(c, k)
			cfg.Notifier = c
			tt.setup(c, &cfg)
			f, err := New(cfg)
			require.NoError(t, err)
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() { done <- f.Run(ctx, k.handle) }()
			require.Eventually(t, func() bool { return tt.ready(c) }, eventually, time.Millisecond)
			cancel()
			select {
			case err := <-done:
				require.ErrorIs(t, err, context.Canceled)
			case <-time.After(2 * time.Second):
				t.Fatal("Run did not return promptly after cancel")
			}
		})
	}
}
