package inscriber

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/btcnode"
	"github.com/bitai-l2/bitai/btcnode/testnode"
	"github.com/bitai-l2/bitai/inscriber/fees"
	"github.com/bitai-l2/bitai/inscriber/wallet"
)

// TestInscribeSizes inscribes payloads of 1 B, 100 KB, 390 KB and 1.5 MB (chunked)
// through real btcd and reads them back from the chain with the protocol's own
// acceptance predicate and chunk reassembly: each is there exactly once, identical.
func TestInscribeSizes(t *testing.T) {
	node := startNode(t)
	h := newHarness(t, node, nil)
	h.fundWallet(50_000_000, 50_000_000, 50_000_000, 50_000_000)
	h.start()
	h.sync()

	sizes := []struct {
		name   string
		size   int
		chunks int
	}{
		{"1B", 1, 0},
		{"100KB", 100_000, 0},
		{"390KB", 390_000, 0},
		{"1.5MB", 1_500_000, 4},
	}
	ids := make([]uint64, len(sizes))
	bodies := make([][]byte, len(sizes))
	for i, sz := range sizes {
		bodies[i] = randomBytes(t, sz.size)
		info, err := h.in.Enqueue(context.Background(), bodies[i], "", EnqueueOptions{})
		require.NoError(t, err, sz.name)
		ids[i] = info.ID
	}
	h.mineUntilDepth(1, 8, ids...)

	oc := scanChain(t, node, 1)
	for i, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			info, err := h.in.Payload(ids[i])
			require.NoError(t, err)
			sum := payloadSum("", bodies[i])
			require.Equal(t, 1, oc.count[sum], "payload on chain exactly once")
			require.Equal(t, bodies[i], oc.body[sum])
			want := max(sz.chunks, 1)
			require.Len(t, info.Reveals, want)
			for _, r := range info.Reveals {
				require.NotZero(t, r.Confirmed)
			}
			require.NotNil(t, info.Commit)
			require.NotZero(t, info.Commit.Confirmed)
		})
	}
	// A payload fits one reveal up to MaxRevealBody; the 1.5 MB one needed chunks.
	require.Greater(t, 1_500_000, maxWholeBody(""))
	require.Less(t, 390_001, maxWholeBody(""))
}

// TestFeeBump mines blocks without the reveal while its deadline passes: the
// inscriber replaces it along the fee function up to the cap, the last replacement
// confirms, and a block carrying the first version afterwards is refused by btcd
// (asserted with submitblock, not assumed).
func TestFeeBump(t *testing.T) {
	node := startNode(t)
	h := newHarness(t, node, func(c *Config) {
		c.Fees, c.FeeCap, c.DeadlineBlocks = fees.Fixed(2), 20, 4
	})
	h.fundWallet(20_000_000)
	h.start()
	h.sync()
	ctx := context.Background()
	info, err := h.in.Enqueue(ctx, randomBytes(t, 20_000), "", EnqueueOptions{})
	require.NoError(t, err)
	h.sync()
	info, err = h.in.Payload(info.ID)
	require.NoError(t, err)
	require.Equal(t, StateRevealSent.String(), info.State)
	first := info.Reveals[0]
	commit := h.tx(info.Commit.TxID)

	// Blocks without our reveal (the first one confirms the commit) until the
	// deadline is past and the rate has reached the cap.
	var rates []int64
	parent := node.Tip(t).Hash
	for i := 0; i < 6; i++ {
		var txs []*wire.MsgTx
		if i == 0 {
			txs = append(txs, commit)
		}
		parent = node.MineBlockOn(t, parent, txs...).BlockHash()
		h.sync()
		info, err = h.in.Payload(info.ID)
		require.NoError(t, err)
		rates = append(rates, info.Reveals[0].Rate)
	}
	require.Greater(t, info.Deadline, int32(0))
	require.Less(t, info.Deadline, node.Tip(t).Height, "the deadline has passed")
	require.Equal(t, int64(20), rates[len(rates)-1], "the fee function reaches the cap by the deadline")
	for i := 1; i < len(rates); i++ {
		require.GreaterOrEqual(t, rates[i], rates[i-1])
	}
	last := info.Reveals[0]
	require.Greater(t, last.Version, 2, "the reveal was replaced more than once")

	// The replacement confirms.
	h.mineUntilDepth(1, 2, info.ID)
	info, err = h.in.Payload(info.ID)
	require.NoError(t, err)
	require.Equal(t, last.TxID, info.Reveals[0].TxID)
	t.Logf("fee bump: first reveal %s at %d sat/vB; confirmed reveal %s (version %d) at %d sat/vB; rates per block %v",
		first.TxID, first.Rate, last.TxID, last.Version, last.Rate, rates)

	// Mining the first version now is impossible: it spends the commit output the
	// replacement spent.
	old := h.tx(first.TxID)
	tip := node.Tip(t)
	hdr, _, err := node.Client().BlockHeader(ctx, tip.Hash)
	require.NoError(t, err)
	blk, err := testnode.BuildBlock(tip.Hash, tip.Height+1, hdr.Timestamp.Add(2*time.Second), node.PkScript(), 777, []*wire.MsgTx{old})
	require.NoError(t, err)
	err = node.Client().SubmitBlock(ctx, blk)
	require.ErrorIs(t, err, btcnode.ErrBlockRejected, "a block with the replaced reveal must be refused")
	require.Equal(t, tip.Hash, node.Tip(t).Hash)
}

// tx returns one of the inscriber's stored transactions by txid string.
func (h *harness) tx(id string) *wire.MsgTx {
	h.t.Helper()
	hash, err := chainhash.NewHashFromStr(id)
	require.NoError(h.t, err)
	tx, err := h.in.loadTx(h.db.Pebble(), *hash)
	require.NoError(h.t, err)
	return tx
}

// TestReorgDoubleSpend confirms a payload, then lets a competing branch win that
// double-spends the commit's funding input, so btcd cannot re-mine our txs: the
// inscriber re-plans with other coins and the payload ends up on the chain exactly
// once. The second case reorganises more blocks than the reporting depth.
func TestReorgDoubleSpend(t *testing.T) {
	node := startNode(t)
	for _, tc := range []struct {
		name        string
		reportDepth int32 // the payload is reported confirmed at this depth first
		extra       int   // blocks mined on top of the confirming block before the reorg
	}{
		{name: "one block", reportDepth: 1, extra: 0},
		{name: "deeper than the reporting depth", reportDepth: 2, extra: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, node, nil)
			h.fundWallet(10_000_000, 10_000_000)
			h.start()
			h.sync()
			ctx := context.Background()
			body := randomBytes(t, 5_000)
			info, err := h.in.Enqueue(ctx, body, "", EnqueueOptions{})
			require.NoError(t, err)
			h.sync()
			fork := node.Tip(t) // the competing branch starts here
			h.mineUntilDepth(tc.reportDepth, 3, info.ID)
			h.mine(tc.extra)
			info, err = h.in.Payload(info.ID)
			require.NoError(t, err)
			require.GreaterOrEqual(t, info.Depth, tc.reportDepth)
			depth := node.Tip(t).Height - fork.Height // blocks the reorg removes
			commit := h.tx(info.Commit.TxID)
			require.Len(t, commit.TxIn, 1, "one funding input: the double spend leaves nothing shared")

			// The competing branch: X spends the commit's only input, then enough blocks
			// to be longer than the branch it replaces.
			x := h.spendWalletCoin(commit.TxIn[0].PreviousOutPoint)
			parent := node.MineBlockOn(t, fork.Hash, x).BlockHash()
			for i := int32(0); i < depth; i++ {
				parent = node.MineBlockOn(t, parent).BlockHash()
			}
			node.WaitForTip(t, parent)
			h.sync()
			info, err = h.in.Payload(info.ID)
			require.NoError(t, err)
			require.NotEqual(t, StateConfirmed.String(), info.State, "the reorg sent the payload back")

			h.mineUntilDepth(1, 4, info.ID)
			info, err = h.in.Payload(info.ID)
			require.NoError(t, err)
			require.Equal(t, uint16(1), info.Epoch, "re-planned once")
			require.NotEqual(t, commit.TxHash().String(), info.Commit.TxID)
			oc := scanChain(t, node, 1)
			require.Equal(t, 1, oc.count[payloadSum("", body)], "the payload is on the chain exactly once")
			require.Empty(t, info.Duplicates)
			require.Contains(t, h.logs.String(), "commit input double-spent; re-planning")
		})
	}
}

// spendWalletCoin signs a transaction spending the wallet coin at op to the node's
// key (a double spend made with the wallet's own key, as a second wallet instance
// or a thief would).
func (h *harness) spendWalletCoin(op wire.OutPoint) *wire.MsgTx {
	h.t.Helper()
	c, ok := h.funded[op]
	require.True(h.t, ok, "%v is not a funded coin", op)
	priv, _, err := h.keys.Address(wallet.BranchExternal, c.Index)
	require.NoError(h.t, err)
	return testnode.Spend(h.t, priv, op, c.Out, wire.NewTxOut(c.Out.Value-1_000, h.node.PkScript()))
}

// TestOutage pauses btcd (SIGSTOP) with payloads in flight and one enqueued during
// the outage: the inscriber logs clear warnings, backs off, and once btcd resumes
// everything confirms; nothing is lost.
func TestOutage(t *testing.T) {
	node := startNode(t)
	h := newHarness(t, node, nil)
	h.fundWallet(10_000_000, 10_000_000)
	h.start()
	h.sync()
	ctx := context.Background()
	a, err := h.in.Enqueue(ctx, randomBytes(t, 3_000), "", EnqueueOptions{})
	require.NoError(t, err)
	h.sync()

	node.Pause(t)
	paused := true
	t.Cleanup(func() {
		if paused {
			node.Resume(t)
		}
	})
	b, err := h.in.Enqueue(ctx, randomBytes(t, 3_000), "", EnqueueOptions{})
	require.NoError(t, err, "enqueueing needs no node once the inscriber has a tip")
	require.Eventually(t, func() bool {
		return strings.Count(h.logs.String(), "inscriber step failed; retrying") >= 2
	}, 20*time.Second, 50*time.Millisecond, "no backoff while the node is paused\n%s", h.tail())
	node.Resume(t)
	paused = false

	h.mineUntilDepth(1, 4, a.ID, b.ID)
	logs := h.logs.String()
	require.Contains(t, logs, "attempt=2", "retries are counted")
	require.Contains(t, logs, "node reachable again")
	require.Regexp(t, `level=WARN msg="inscriber step failed; retrying".*backoff=`, logs)
	oc := scanChain(t, node, 1)
	for _, id := range []uint64{a.ID, b.ID} {
		p, err := loadPayload(h.db.Pebble(), id)
		require.NoError(t, err)
		require.Equal(t, 1, oc.count[p.Sum], "payload %d confirmed exactly once", id)
	}
}

// TestBadInput: an empty payload, one over MaxPayloadBytes, an unknown encoding and
// one the wallet cannot fund each fail at once with one clear error.
func TestBadInput(t *testing.T) {
	node := startNode(t)
	h := newHarness(t, node, nil)
	h.fundWallet(100_000)
	h.start()
	h.sync()
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		e        []byte
		encoding string
		err      error
		msg      string
	}{
		{"empty", nil, "", ErrEmptyPayload, "empty payload"},
		{"over MaxPayloadBytes", make([]byte, bitai.MaxPayloadBytes+1), "", ErrPayloadTooLarge, "4194305 bytes, at most MaxPayloadBytes = 4194304"},
		{"unknown encoding", []byte{1}, "gzip", ErrEncoding, `unsupported encoding "gzip"`},
		{"insufficient funds", make([]byte, 390_000), "", ErrInsufficientFunds, "the wallet holds 100000 sat for it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.in.Enqueue(ctx, tc.e, tc.encoding, EnqueueOptions{})
			require.ErrorIs(t, err, tc.err)
			require.Contains(t, err.Error(), tc.msg)
			require.NotContains(t, err.Error(), "\n", "one line")
		})
	}
	require.ErrorIs(t, ErrInsufficientFunds, wallet.ErrInsufficientFunds)
	rep, err := h.in.Status()
	require.NoError(t, err)
	require.Empty(t, rep.Payloads, "nothing was enqueued")
}

// TestCommitBump: a chunk set's commit goes out alone (its reveals wait for it), so
// while it is unconfirmed it is replaced along the fee function (the commit is
// replaced only before any reveal is sent); the last version confirms, the reveals
// follow on its outputs, and the first version can no longer be mined.
func TestCommitBump(t *testing.T) {
	node := startNode(t)
	h := newHarness(t, node, func(c *Config) { c.DeadlineBlocks = 4 })
	h.fundWallet(20_000_000)
	h.start()
	h.sync()
	ctx := context.Background()
	body := randomBytes(t, 450_000)
	info, err := h.in.Enqueue(ctx, body, "", EnqueueOptions{})
	require.NoError(t, err)
	h.sync()
	info, err = h.in.Payload(info.ID)
	require.NoError(t, err)
	first := *info.Commit
	parent := node.Tip(t).Hash
	for range 2 {
		parent = node.MineBlockOn(t, parent).BlockHash() // without our commit
		h.sync()
	}
	info, err = h.in.Payload(info.ID)
	require.NoError(t, err)
	require.Equal(t, 3, info.Commit.Version, "replaced at each block")
	require.Greater(t, info.Commit.Rate, first.Rate)
	for _, r := range info.Reveals {
		require.False(t, r.Sent, "no reveal before the commit confirms")
	}
	h.mineUntilDepth(1, 3, info.ID)
	info, err = h.in.Payload(info.ID)
	require.NoError(t, err)
	require.Equal(t, 3, info.Commit.Version)
	oc := scanChain(t, node, 1)
	require.Equal(t, 1, oc.count[payloadSum("", body)])

	tip := node.Tip(t)
	hdr, _, err := node.Client().BlockHeader(ctx, tip.Hash)
	require.NoError(t, err)
	blk, err := testnode.BuildBlock(tip.Hash, tip.Height+1, hdr.Timestamp.Add(2*time.Second), node.PkScript(), 778,
		[]*wire.MsgTx{h.tx(first.TxID)})
	require.NoError(t, err)
	require.ErrorIs(t, node.Client().SubmitBlock(ctx, blk), btcnode.ErrBlockRejected, "the first commit conflicts with the last")
}
