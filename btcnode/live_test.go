package btcnode_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/btcnode"
	"github.com/bitai-l2/bitai/btcnode/testnode"
)

// TestClientLive runs every client method against real btcd and checks the answers
// against each other (hashes, heights, block contents).
func TestClientLive(t *testing.T) {
	n := testnode.Start(t)
	c := n.Client()
	ctx := context.Background()

	_, err := c.EstimateFee(ctx, 6)
	require.ErrorIs(t, err, btcnode.ErrNoFeeEstimate, "btcd before 3 blocks")
	hashes := n.Generate(t, 3)
	_, err = c.EstimateFee(ctx, 6)
	require.ErrorIs(t, err, btcnode.ErrNoFeeEstimate, "btcd without fee data answers 0")
	t.Run("best block and heights", func(t *testing.T) {
		tip, err := c.BestBlock(ctx)
		require.NoError(t, err)
		require.Equal(t, btcnode.BlockID{Hash: hashes[2], Height: 3}, tip)
		count, err := c.BlockCount(ctx)
		require.NoError(t, err)
		require.Equal(t, int32(3), count)
		for i, want := range hashes {
			h, err := c.BlockHash(ctx, int32(i+1))
			require.NoError(t, err)
			require.Equal(t, want, h)
		}
	})
	t.Run("header, raw block and block agree", func(t *testing.T) {
		hdr, height, err := c.BlockHeader(ctx, hashes[1])
		require.NoError(t, err)
		require.Equal(t, int32(2), height)
		require.Equal(t, hashes[0], hdr.PrevBlock)
		raw, err := c.RawBlock(ctx, hashes[1])
		require.NoError(t, err)
		b, err := c.Block(ctx, hashes[1])
		require.NoError(t, err)
		var buf bytes.Buffer
		require.NoError(t, b.Serialize(&buf))
		require.Equal(t, raw, buf.Bytes())
		require.Equal(t, *hdr, b.Header)
		require.True(t, bytes.Equal(b.Transactions[0].TxOut[0].PkScript, n.PkScript()), "coinbase pays --miningaddr")
	})
	t.Run("send, mempool, txout", func(t *testing.T) {
		tx, op := n.Fund(t, testnode.P2TR(testnode.DefaultKey(1000).PubKey()), 50_000)
		pool, err := c.RawMempool(ctx)
		require.NoError(t, err)
		require.Contains(t, pool, tx.TxHash())
		out, err := c.GetTxOut(ctx, op, true)
		require.NoError(t, err)
		require.Equal(t, int64(50_000), out.Value)
		require.Equal(t, int64(0), out.Confirmations)
		out, err = c.GetTxOut(ctx, op, false)
		require.NoError(t, err)
		require.Nil(t, out, "unconfirmed output without mempool")
		n.Generate(t, 1)
		out, err = c.GetTxOut(ctx, op, false)
		require.NoError(t, err)
		require.Equal(t, int64(1), out.Confirmations)
		pool, err = c.RawMempool(ctx)
		require.NoError(t, err)
		require.NotContains(t, pool, tx.TxHash())
	})
	t.Run("fees", func(t *testing.T) {
		relay, err := c.RelayFee(ctx)
		require.NoError(t, err)
		require.Equal(t, int64(1000), relay, "btcd's default --minrelaytxfee 0.00001 BTC/kvB")
		// Fund's txs (FundFeeRate sat/vB) are now the only data btcd has.
		fee, err := c.EstimateFee(ctx, 6)
		require.NoError(t, err)
		t.Logf("estimatefee 6: %d sat/kvB", fee)
		require.Positive(t, fee)
		require.LessOrEqual(t, fee, int64(1000*testnode.FundFeeRate))
		fee100, err := c.EstimateFee(ctx, 100)
		require.NoError(t, err, "targets beyond btcd's 25 blocks ask for 25")
		require.Positive(t, fee100)
	})
	t.Run("invalidate and reconsider", func(t *testing.T) {
		before, err := c.BestBlock(ctx)
		require.NoError(t, err)
		require.NoError(t, c.InvalidateBlock(ctx, before.Hash))
		after, err := c.BestBlock(ctx)
		require.NoError(t, err)
		require.Equal(t, before.Height-1, after.Height)
		require.NoError(t, c.ReconsiderBlock(ctx, before.Hash))
		back, err := c.BestBlock(ctx)
		require.NoError(t, err)
		require.Equal(t, before, back)
	})
	t.Run("typed errors", func(t *testing.T) {
		var unknown chainhash.Hash
		unknown[0] = 1
		_, err := c.RawBlock(ctx, unknown)
		require.ErrorIs(t, err, btcnode.ErrBlockNotFound)
		_, _, err = c.BlockHeader(ctx, unknown)
		require.ErrorIs(t, err, btcnode.ErrBlockNotFound)
		_, err = c.BlockHash(ctx, 1_000_000)
		require.ErrorIs(t, err, btcnode.ErrBlockNotFound)
		require.ErrorIs(t, c.InvalidateBlock(ctx, unknown), btcnode.ErrBlockNotFound)
		require.ErrorIs(t, c.ReconsiderBlock(ctx, unknown), btcnode.ErrBlockNotFound)
		err = c.Call(ctx, "estimatesmartfee", []any{6}, nil)
		require.ErrorIs(t, err, btcnode.ErrMethodNotFound)
		err = c.Call(ctx, "getmempoolentry", []any{unknown.String()}, nil)
		require.ErrorIs(t, err, btcnode.ErrMethodNotFound, "btcd: Command unimplemented")
		require.False(t, btcnode.IsTemporary(err))

		bad, err := btcnode.New(btcnode.Config{Host: n.RPCAddr(), User: "testnode", Pass: "wrong"})
		require.NoError(t, err)
		_, err = bad.BlockCount(ctx)
		require.ErrorIs(t, err, btcnode.ErrUnauthorized)
	})
	t.Run("connection refused is temporary", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := l.Addr().String()
		l.Close()
		dead, err := btcnode.New(btcnode.Config{Host: addr, User: "u", Pass: "p"})
		require.NoError(t, err)
		_, err = dead.BlockCount(ctx)
		require.True(t, btcnode.IsTemporary(err), "%v", err)
	})
}

// TestRejectionsLive provokes each transaction refusal on real btcd and checks its
// typed error.
func TestRejectionsLive(t *testing.T) {
	n := testnode.Start(t)
	c := n.Client()
	ctx := context.Background()
	key := testnode.DefaultKey(2000)
	pk := testnode.P2TR(key.PubKey())
	const amount = 100_000
	// Confirmed coins of key to spend.
	var coins []wire.OutPoint
	for range 4 {
		_, op := n.Fund(t, pk, amount)
		coins = append(coins, op)
	}
	n.Generate(t, 1)
	prevOut := wire.NewTxOut(amount, pk)
	pay := func(v int64) *wire.TxOut { return wire.NewTxOut(v, n.PkScript()) }

	// A tx at 2 sat/vB and a same-fee-rate double spend.
	first := testnode.Spend(t, key, coins[0], prevOut, pay(amount-400))
	_, err := c.SendRawTransaction(ctx, first)
	require.NoError(t, err)
	_, err = c.SendRawTransaction(ctx, first)
	require.ErrorIs(t, err, btcnode.ErrTxAlreadyKnown)

	tests := []struct {
		name string
		tx   *wire.MsgTx
		want []error
	}{
		{"rbf same fee rate", testnode.Spend(t, key, coins[0], prevOut, wire.NewTxOut(amount-400, pk)),
			[]error{btcnode.ErrTxRejected, btcnode.ErrRBFRejected, btcnode.ErrInsufficientFee}},
		{"rbf absolute fee", testnode.Spend(t, key, coins[0], prevOut, pay(amount-401)),
			[]error{btcnode.ErrTxRejected, btcnode.ErrRBFRejected, btcnode.ErrInsufficientFee}},
		{"orphan", testnode.Spend(t, key, wire.OutPoint{Hash: chainhash.Hash{9}, Index: 0}, prevOut, pay(amount-400)),
			[]error{btcnode.ErrTxRejected, btcnode.ErrMissingInputs}},
		{"dust output", testnode.Spend(t, key, coins[1], prevOut, pay(amount-1000), pay(testnode.DustLimit-1)),
			[]error{btcnode.ErrTxRejected, btcnode.ErrNonStandard}},
		{"zero fee", testnode.Spend(t, key, coins[1], prevOut, pay(amount)),
			[]error{btcnode.ErrTxRejected, btcnode.ErrInsufficientFee}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			txid, err := c.SendRawTransaction(ctx, tc.tx)
			require.Equal(t, tc.tx.TxHash(), txid)
			for _, w := range tc.want {
				require.ErrorIs(t, err, w)
			}
			var e *btcnode.Error
			require.True(t, errors.As(err, &e))
			t.Logf("%s: %v", tc.name, err)
		})
	}

	t.Run("conflict without rbf signal", func(t *testing.T) {
		noRBF := testnode.Spend(t, key, coins[2], prevOut, pay(amount-400))
		noRBF.TxIn[0].Sequence = wire.MaxTxInSequenceNum
		require.NoError(t, testnode.SignKeyPath(noRBF, []*wire.TxOut{prevOut}, []*btcec.PrivateKey{key}))
		_, err := c.SendRawTransaction(ctx, noRBF)
		require.NoError(t, err)
		_, err = c.SendRawTransaction(ctx, testnode.Spend(t, key, coins[2], prevOut, pay(amount-4000)))
		require.ErrorIs(t, err, btcnode.ErrRBFRejected)
		require.NotErrorIs(t, err, btcnode.ErrInsufficientFee)
	})
	t.Run("already in chain", func(t *testing.T) {
		tx := testnode.Spend(t, key, coins[3], prevOut, pay(amount-400))
		_, err := c.SendRawTransaction(ctx, tx)
		require.NoError(t, err)
		n.Generate(t, 1)
		_, err = c.SendRawTransaction(ctx, tx)
		require.ErrorIs(t, err, btcnode.ErrTxAlreadyInChain)
	})
	t.Run("spent by a confirmed tx", func(t *testing.T) {
		// first confirmed in the previous subtest's block; spending coin 0 again
		// finds no output: btcd reports an orphan, Core missing inputs.
		_, err := c.SendRawTransaction(ctx, testnode.Spend(t, key, coins[0], prevOut, pay(amount-5000)))
		require.ErrorIs(t, err, btcnode.ErrMissingInputs)
	})
}

// TestPauseLive: while btcd is stopped a call fails when its deadline passes (not a
// minute later) with a temporary error, and works again after Resume.
func TestPauseLive(t *testing.T) {
	n := testnode.Start(t)
	c := n.Client()
	n.Pause(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.BestBlock(ctx)
	took := time.Since(start)
	require.Error(t, err)
	require.True(t, btcnode.IsTemporary(err), "%v", err)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, took, 2*time.Second)

	_, err = c.NotifyBlocks(ctx) // the websocket dial obeys the deadline too
	require.True(t, btcnode.IsTemporary(err), "%v", err)

	n.Resume(t)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	tip, err := c.BestBlock(ctx2)
	require.NoError(t, err)
	require.Equal(t, int32(0), tip.Height)
}

// TestNotifyBlocksLive: connected notifications for new blocks, then a reorg by a
// longer competing branch arrives as disconnect (tip first) then connects in order;
// cancelling the context closes the channel.
func TestNotifyBlocksLive(t *testing.T) {
	n := testnode.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := n.Client().NotifyBlocks(ctx)
	require.NoError(t, err)

	base := n.Generate(t, 1)[0]
	old := n.Generate(t, 2)
	b1 := n.MineBlockOn(t, base)
	b2 := n.MineBlockOn(t, b1.BlockHash())
	b3 := n.MineBlockOn(t, b2.BlockHash())
	n.WaitForTip(t, b3.BlockHash())

	want := []btcnode.BlockNotification{
		{Connected: true, Hash: base, Height: 1},
		{Connected: true, Hash: old[0], Height: 2},
		{Connected: true, Hash: old[1], Height: 3},
		{Connected: false, Hash: old[1], Height: 3},
		{Connected: false, Hash: old[0], Height: 2},
		{Connected: true, Hash: b1.BlockHash(), Height: 2},
		{Connected: true, Hash: b2.BlockHash(), Height: 3},
		{Connected: true, Hash: b3.BlockHash(), Height: 4},
	}
	var got []btcnode.BlockNotification
	timeout := time.After(10 * time.Second)
	for len(got) < len(want) {
		select {
		case note, ok := <-ch:
			require.True(t, ok, "channel closed early after %v", got)
			got = append(got, note)
		case <-timeout:
			t.Fatalf("only got %v", got)
		}
	}
	require.Equal(t, want, got)

	cancel()
	require.Eventually(t, func() bool {
		select {
		case _, ok := <-ch:
			return !ok
		default:
			return false
		}
	}, 5*time.Second, 10*time.Millisecond, "channel must close when ctx ends")
}
