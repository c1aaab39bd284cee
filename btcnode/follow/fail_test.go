package follow

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

// TestFatalErrors: what ends Run, and which events came before.
func TestFatalErrors(t *testing.T) {
	tests := []struct {
		name string
		// build returns the consumer; the node's tip is set by build.
		build     func(t *testing.T, c *fakeChain) *consumer
		want      error
		seen      []string
		hashAtErr error // HashAt fails with it when set
	}{
		{
			// g - a1 - a2 - a3 - a4 … a8   consumer holds a4 … a8 only
			//           \
			//            b3 … b9          node's tip: forks below a4
			name: "reorg below stored history",
			build: func(t *testing.T, c *fakeChain) *consumer {
				c.branch("g", "a", 1, 8)
				c.setTip(c.branch("a2", "b", 3, 9))
				k := newConsumer(t, c, "a4", "a8")
				delete(k.hash, 4) // a4 is its base: known only as the cursor's ancestor
				return k
			},
			want: ErrReorgTooDeep,
		},
		{
			// g - a1 … a4 - a5 - a6   consumer's tip; the node forgot a5
			//               \
			//                b5 - b6 - b7
			name: "stale block unavailable",
			build: func(t *testing.T, c *fakeChain) *consumer {
				c.branch("g", "a", 1, 6)
				c.setTip(c.branch("a4", "b", 5, 7))
				c.forget[c.id("a5").Hash] = true
				return newConsumer(t, c, "g", "a6")
			},
			want: ErrStaleBlockUnavailable,
			seen: []string{"-a6"},
		},
		{
			// The consumer claims x5 at height 5, but its a6 has parent a5.
			name: "consumer history does not link",
			build: func(t *testing.T, c *fakeChain) *consumer {
				c.branch("g", "a", 1, 6)
				c.add("x5", "a4")
				c.setTip(c.branch("a4", "b", 5, 7))
				k := newConsumer(t, c, "g", "a6")
				k.hash[5] = c.id("x5").Hash
				return k
			},
			want: ErrHistoryMismatch,
		},
		{
			name: "consumer store fails",
			build: func(t *testing.T, c *fakeChain) *consumer {
				c.branch("g", "a", 1, 6)
				c.setTip(c.branch("a4", "b", 5, 7))
				return newConsumer(t, c, "g", "a6")
			},
			hashAtErr: errStore,
			want:      errStore,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newFakeChain()
			k := tt.build(t, c)
			cfg := testConfig(c, k)
			if tt.hashAtErr != nil {
				cfg.HashAt = func(int32) (chainhash.Hash, bool, error) {
					return chainhash.Hash{}, false, tt.hashAtErr
				}
			}
			start0 := k.tip
			f, err := New(cfg)
			require.NoError(t, err)
			err = start(t, f, k)()
			require.ErrorIs(t, err, tt.want)
			require.Equal(t, tt.seen, k.events())
			if len(tt.seen) == 0 {
				require.Equal(t, start0, f.Status().Cursor)
			}
		})
	}
}

var errStore = errors.New("pebble: closed")

// TestPrepare: Prepare runs for up to Prefetch blocks at once (all four of the
// first window must be inside it together before any returns), never more, and
// each result arrives with its own block.
func TestPrepare(t *testing.T) {
	c := newFakeChain()
	c.setTip(c.branch("g", "a", 1, 12))
	k := newConsumer(t, c, "g", "g")

	const prefetch = 4
	var (
		mu           sync.Mutex
		active, most int
		full         = make(chan struct{})
	)
	cfg := testConfig(c, k)
	cfg.Prefetch = prefetch
	cfg.Prepare = func(ctx context.Context, b *wire.MsgBlock) (any, error) {
		mu.Lock()
		active++
		most = max(most, active)
		if active == prefetch && full != nil {
			close(full)
			full = nil
		}
		wait := full
		mu.Unlock()
		defer func() {
			mu.Lock()
			active--
			mu.Unlock()
		}()
		if wait != nil {
			select {
			case <-wait:
			case <-time.After(eventually):
				return nil, errors.New("prepare never ran 4 blocks concurrently")
			}
		}
		return b.BlockHash(), nil
	}
	f, err := New(cfg)
	require.NoError(t, err)
	k.stop = atTip
	require.ErrorIs(t, start(t, f, k)(), context.Canceled)
	require.Equal(t, seq("+a", 1, 12), k.events())
	require.Equal(t, prefetch, most)
}

func TestPrepareError(t *testing.T) {
	c := newFakeChain()
	c.setTip(c.branch("g", "a", 1, 6))
	k := newConsumer(t, c, "g", "g")
	errBad := errors.New("bad block")
	bad := c.id("a3").Hash
	cfg := testConfig(c, k)
	cfg.Prepare = func(_ context.Context, b *wire.MsgBlock) (any, error) {
		if b.BlockHash() == bad {
			return nil, errBad
		}
		return b.BlockHash(), nil
	}
	f, err := New(cfg)
	require.NoError(t, err)
	err = start(t, f, k)()
	require.ErrorIs(t, err, errBad)
	require.ErrorIs(t, err, ErrPrepare)
	require.Equal(t, seq("+a", 1, 2), k.events())
}

func TestStatus(t *testing.T) {
	c := newFakeChain()
	c.setTip(c.branch("g", "a", 1, 5))
	k := newConsumer(t, c, "g", "g")
	release := make(chan struct{})
	k.fail = func(n int, _ Event) error {
		if n == 0 {
			<-release
		}
		return nil
	}
	k.stop = atTip
	f, err := New(testConfig(c, k))
	require.NoError(t, err)
	require.Equal(t, Status{Cursor: c.id("g")}, f.Status())

	wait := start(t, f, k)
	require.Eventually(t, func() bool {
		return f.Status() == Status{Cursor: c.id("g"), NodeHeight: 5, Lag: 5}
	}, eventually, time.Millisecond)
	require.ErrorIs(t, f.Run(t.Context(), k.handle), ErrRunning)
	close(release)
	require.ErrorIs(t, wait(), context.Canceled)
	require.Equal(t, Status{Cursor: c.id("a5"), NodeHeight: 5}, f.Status())
}

func TestNewValidation(t *testing.T) {
	c := newFakeChain()
	hashAt := func(int32) (chainhash.Hash, bool, error) { return chainhash.Hash{}, false, nil }
	ok := Config{Chain: c, HashAt: hashAt}
	tests := []struct {
		name    string
		edit    func(*Config)
		wantErr string
	}{
		{name: "minimal", edit: func(*Config) {}},
		{name: "no chain", edit: func(c *Config) { c.Chain = nil }, wantErr: "Chain is nil"},
		{name: "no hashAt", edit: func(c *Config) { c.HashAt = nil }, wantErr: "HashAt is nil"},
		{name: "start below -1", edit: func(c *Config) { c.Start.Height = -2 }, wantErr: "below -1"},
		{name: "start -1 with hash", edit: func(c *Config) { c.Start = BlockID{Height: -1, Hash: chainhash.Hash{1}} }, wantErr: "zero hash"},
		{name: "prefetch too big", edit: func(c *Config) { c.Prefetch = MaxPrefetch + 1 }, wantErr: "prefetch"},
		{name: "negative prefetch", edit: func(c *Config) { c.Prefetch = -1 }, wantErr: "prefetch"},
		{name: "negative poll", edit: func(c *Config) { c.PollInterval = -1 }, wantErr: "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.edit(&cfg)
			f, err := New(cfg)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				require.Nil(t, f)
				return
			}
			require.NoError(t, err)
			require.Equal(t, DefaultPrefetch, f.cfg.Prefetch)
			require.Equal(t, DefaultPollInterval, f.cfg.PollInterval)
			require.Equal(t, DefaultRetryMin, f.cfg.RetryMin)
			require.Equal(t, DefaultRetryMax, f.cfg.RetryMax)
		})
	}
	f, err := New(ok)
	require.NoError(t, err)
	require.ErrorContains(t, f.Run(t.Context(), nil), "nil handler")
}

func TestBackoff(t *testing.T) {
	b := backoff{min: 100 * time.Millisecond, max: 5 * time.Second}
	want := []time.Duration{100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000}
	for i, w := range want {
		b.attempt = i + 1
		require.Equal(t, w*time.Millisecond, b.delay(), "attempt %d", b.attempt)
	}
	b.attempt = 1 << 20 // no overflow far out
	require.Equal(t, 5*time.Second, b.delay())
}
