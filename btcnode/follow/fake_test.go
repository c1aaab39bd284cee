package follow

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/bitai-l2/bitai/btcnode"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

// fakeChain is an in-memory node: named blocks on any number of branches, an
// active chain chosen with setTip, injectable outages and a notifier.
type fakeChain struct {
	mu      sync.Mutex
	blocks  map[chainhash.Hash]*wire.MsgBlock
	height  map[chainhash.Hash]int32
	name    map[chainhash.Hash]string
	byName  map[string]chainhash.Hash
	active  []chainhash.Hash // active[h] = hash at height h; active[0] = "g"
	failing error            // when set, every Chain call fails with it
	fails   int              // calls failed so far
	calls   map[string]int

	beforeBlockHash func(h int32)                                  // test hook, called without mu
	afterBlockHash  func(h int32)                                  // test hook, called without mu
	beforeBlock     func(ctx context.Context, hash chainhash.Hash) // test hook, called without mu
	notifyErr       error                                          // NotifyBlocks fails with it when set
	subs            []chan BlockNotification                       // open subscriptions
	subscribed      chan chan BlockNotification                    // each new subscription, if non-nil
	forget          map[chainhash.Hash]bool                        // blocks Block() pretends not to know
}

func newFakeChain() *fakeChain {
	c := &fakeChain{
		blocks: map[chainhash.Hash]*wire.MsgBlock{},
		height: map[chainhash.Hash]int32{},
		name:   map[chainhash.Hash]string{},
		byName: map[string]chainhash.Hash{},
		calls:  map[string]int{},
		forget: map[chainhash.Hash]bool{},
	}
	c.add("g", "")
	c.setTip("g")
	return c
}

// add makes block name on parent ("" for genesis). Names make hashes unique.
func (c *fakeChain) add(name, parent string) chainhash.Hash {
	c.mu.Lock()
	defer c.mu.Unlock()
	var prev chainhash.Hash
	h := int32(0)
	if parent != "" {
		var ok bool
		prev, ok = c.byName[parent]
		if !ok {
			panic("unknown parent " + parent)
		}
		h = c.height[prev] + 1
	}
	hdr := wire.NewBlockHeader(1, &prev, (*chainhash.Hash)(ptr(sha256.Sum256([]byte(name)))), 0x207fffff, 0)
	hdr.Timestamp = time.Unix(1_600_000_000+int64(h)*600, 0)
	b := wire.NewMsgBlock(hdr)
	hash := b.BlockHash()
	if _, dup := c.byName[name]; dup {
		panic("duplicate block " + name)
	}
	c.blocks[hash], c.height[hash], c.name[hash], c.byName[name] = b, h, name, hash
	return hash
}

func ptr[T any](v T) *T { return &v }

// branch adds blocks prefix+from … prefix+to on parent and returns the last name.
func (c *fakeChain) branch(parent, prefix string, from, to int) string {
	for i := from; i <= to; i++ {
		name := fmt.Sprintf("%s%d", prefix, i)
		c.add(name, parent)
		parent = name
	}
	return parent
}

// setTip makes name's chain active and notifies subscribers.
func (c *fakeChain) setTip(name string) {
	c.mu.Lock()
	hash := c.byName[name]
	h := c.height[hash]
	active := make([]chainhash.Hash, h+1)
	for cur := hash; ; {
		active[c.height[cur]] = cur
		if c.height[cur] == 0 {
			break
		}
		cur = c.blocks[cur].Header.PrevBlock
	}
	c.active = active
	subs := c.subs
	c.mu.Unlock()
	for _, s := range subs {
		select {
		case s <- BlockNotification{Connected: true, Hash: hash, Height: h}:
		default:
		}
	}
}

func (c *fakeChain) id(name string) BlockID {
	c.mu.Lock()
	defer c.mu.Unlock()
	hash, ok := c.byName[name]
	if !ok {
		panic("unknown block " + name)
	}
	return BlockID{Hash: hash, Height: c.height[hash]}
}

func (c *fakeChain) parent(hash chainhash.Hash) chainhash.Hash {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.blocks[hash].Header.PrevBlock
}

func (c *fakeChain) nameOf(hash chainhash.Hash) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, ok := c.name[hash]; ok {
		return n
	}
	return hash.String()
}

func (c *fakeChain) setFailing(err error) {
	c.mu.Lock()
	c.failing = err
	c.mu.Unlock()
}

func (c *fakeChain) failCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fails
}

func (c *fakeChain) callCount(m string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[m]
}

// enter counts a call and returns the injected outage, if any.
func (c *fakeChain) enter(ctx context.Context, method string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[method]++
	if c.failing != nil {
		c.fails++
		return c.failing
	}
	return nil
}

func (c *fakeChain) BestBlock(ctx context.Context) (BlockID, error) {
	if err := c.enter(ctx, "BestBlock"); err != nil {
		return BlockID{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	h := int32(len(c.active) - 1)
	return BlockID{Hash: c.active[h], Height: h}, nil
}

func (c *fakeChain) BlockHash(ctx context.Context, h int32) (chainhash.Hash, error) {
	if hook := c.beforeBlockHash; hook != nil {
		hook(h)
	}
	if err := c.enter(ctx, "BlockHash"); err != nil {
		return chainhash.Hash{}, err
	}
	c.mu.Lock()
	if h < 0 || int(h) >= len(c.active) {
		c.mu.Unlock()
		return chainhash.Hash{}, fmt.Errorf("height %d: %w", h, btcnode.ErrBlockNotFound)
	}
	hash := c.active[h]
	c.mu.Unlock()
	if hook := c.afterBlockHash; hook != nil {
		hook(h)
	}
	return hash, nil
}

func (c *fakeChain) Block(ctx context.Context, hash chainhash.Hash) (*wire.MsgBlock, error) {
	if hook := c.beforeBlock; hook != nil {
		hook(ctx, hash)
	}
	if err := c.enter(ctx, "Block"); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.blocks[hash]
	if !ok || c.forget[hash] {
		return nil, fmt.Errorf("block %s: %w", hash, btcnode.ErrBlockNotFound)
	}
	return b, nil
}

func (c *fakeChain) NotifyBlocks(ctx context.Context) (<-chan BlockNotification, error) {
	c.mu.Lock()
	c.calls["NotifyBlocks"]++
	if c.notifyErr != nil {
		defer c.mu.Unlock()
		return nil, c.notifyErr
	}
	ch := make(chan BlockNotification, 16)
	c.subs = append(c.subs, ch)
	c.mu.Unlock()
	if c.subscribed != nil {
		c.subscribed <- ch
	}
	return ch, nil
}

// killSubscriptions closes every open subscription; later ones fail with err.
func (c *fakeChain) killSubscriptions(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.notifyErr = err
	for _, s := range c.subs {
		close(s)
	}
	c.subs = nil
}

var _ Chain = (*fakeChain)(nil)
var _ Notifier = (*fakeChain)(nil)

// consumer is a model consumer: a committed tip and stored hashes, updated after
// each event exactly as a real one commits them, with the event log.
type consumer struct {
	t    *testing.T
	c    *fakeChain
	mu   sync.Mutex
	tip  BlockID
	hash map[int32]chainhash.Hash
	log  []string   // "+name" / "-name"
	snap []snapshot // state after each event

	stop   func(*consumer) bool // checked after each event; true cancels Run
	cancel context.CancelFunc
	fail   func(n int, ev Event) error // optional: handler error for event n (0-based)
}

type snapshot struct {
	tip  BlockID
	hash map[int32]chainhash.Hash
}

// newConsumer holds the blocks of the active chain (or of tip's chain) from
// height base+1 up to tip; base is its Start-style floor.
func newConsumer(t *testing.T, c *fakeChain, base, tip string) *consumer {
	k := &consumer{t: t, c: c, hash: map[int32]chainhash.Hash{}}
	b, tp := c.id(base), c.id(tip)
	k.tip = tp
	for cur := tp; cur.Height > b.Height; {
		k.hash[cur.Height] = cur.Hash
		cur = BlockID{Hash: c.parent(cur.Hash), Height: cur.Height - 1}
	}
	k.hash[b.Height] = b.Hash // the base itself is known (Start)
	return k
}

func (k *consumer) hashAt(h int32) (chainhash.Hash, bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if h > k.tip.Height {
		return chainhash.Hash{}, false, nil
	}
	v, ok := k.hash[h]
	return v, ok, nil
}

func (k *consumer) handle(_ context.Context, ev Event) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fail != nil {
		if err := k.fail(len(k.log), ev); err != nil {
			return err
		}
	}
	if err := k.check(ev); err != nil {
		return err
	}
	switch ev.Kind {
	case Connect:
		k.tip = BlockID{Hash: ev.Hash, Height: ev.Height}
		k.hash[ev.Height] = ev.Hash
		k.log = append(k.log, "+"+k.c.nameOf(ev.Hash))
	case Disconnect:
		delete(k.hash, ev.Height)
		k.tip = BlockID{Hash: ev.Block.Header.PrevBlock, Height: ev.Height - 1}
		k.log = append(k.log, "-"+k.c.nameOf(ev.Hash))
	}
	k.snap = append(k.snap, snapshot{tip: k.tip, hash: maps.Clone(k.hash)})
	if k.stop != nil && k.stop(k) {
		k.cancel()
	}
	return nil
}

// check verifies what every event must satisfy against the consumer's tip.
func (k *consumer) check(ev Event) error {
	if err := invariant(k.t, ev.Hash == ev.Block.BlockHash(), "event hash %s is not its block's", ev.Hash); err != nil {
		return err
	}
	if ev.Prepared != nil {
		if err := invariant(k.t, ev.Prepared == any(ev.Hash), "prepared result of %s belongs to another block", k.c.nameOf(ev.Hash)); err != nil {
			return err
		}
	}
	switch ev.Kind {
	case Connect:
		return invariant(k.t, ev.Block.Header.PrevBlock == k.tip.Hash && ev.Height == k.tip.Height+1,
			"connect %s at %d: parent is not the tip %s", k.c.nameOf(ev.Hash), ev.Height, k.c.nameOf(k.tip.Hash))
	case Disconnect:
		return invariant(k.t, k.tip == BlockID{Hash: ev.Hash, Height: ev.Height},
			"disconnect %s at %d: not the tip %s", k.c.nameOf(ev.Hash), ev.Height, k.c.nameOf(k.tip.Hash))
	}
	return invariant(k.t, false, "bad event kind %v", ev.Kind)
}

// invariant marks the test failed and returns an error when ok is false. Handlers
// run off the test goroutine, where require must not be used.
func invariant(t *testing.T, ok bool, format string, args ...any) error {
	if ok {
		return nil
	}
	t.Errorf(format, args...)
	return fmt.Errorf("invariant: "+format, args...)
}

func (k *consumer) events() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.log...)
}

func (k *consumer) tipNow() BlockID {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.tip
}

// tip is the active tip, read without counting a call or failing.
func (c *fakeChain) tip() BlockID {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := int32(len(c.active) - 1)
	return BlockID{Hash: c.active[h], Height: h}
}

// atTip stops Run once the consumer's tip is the node's tip.
func atTip(k *consumer) bool { return k.tip == k.c.tip() }

// atBlock stops Run once the consumer's tip is the named block.
func atBlock(name string) func(*consumer) bool {
	return func(k *consumer) bool {
		k.c.mu.Lock()
		hash, ok := k.c.byName[name]
		k.c.mu.Unlock()
		return ok && k.tip.Hash == hash
	}
}

// testConfig is a fast Config for the fake chain.
func testConfig(c *fakeChain, k *consumer) Config {
	return Config{
		Chain:        c,
		Logger:       slog.New(slog.DiscardHandler),
		Start:        k.tip,
		HashAt:       k.hashAt,
		Prefetch:     4,
		PollInterval: 5 * time.Millisecond,
		RetryMin:     time.Millisecond,
		RetryMax:     10 * time.Millisecond,
	}
}

// start runs f in the background until the consumer stops it; wait returns Run's error.
func start(t *testing.T, f *Follower, k *consumer) (wait func() error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	k.mu.Lock()
	k.cancel = cancel
	k.mu.Unlock()
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx, k.handle) }()
	return func() error {
		defer cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(25 * time.Second):
			t.Fatal("Run did not return")
			return nil
		}
	}
}

// runToTip runs a new follower until the consumer is at the node's tip and
// returns the events it saw.
func runToTip(t *testing.T, c *fakeChain, k *consumer, tweak func(*Config)) []string {
	t.Helper()
	cfg := testConfig(c, k)
	if tweak != nil {
		tweak(&cfg)
	}
	f, err := New(cfg)
	require.NoError(t, err)
	k.stop = atTip
	if atTip(k) {
		return nil
	}
	err = start(t, f, k)()
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, k.tipNow(), f.Status().Cursor, "follower cursor = consumer tip")
	return k.events()
}

// names lists prefix+from … prefix+to, with sign, e.g. seq("+a", 1, 3).
func seq(prefix string, from, to int) []string {
	var out []string
	step := 1
	if to < from {
		step = -1
	}
	for i := from; ; i += step {
		out = append(out, fmt.Sprintf("%s%d", prefix, i))
		if i == to {
			return out
		}
	}
}

func cat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
