package testnode

import (
	"bytes"
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/btcnode"
)

// TestFund: Fund pays the amount to the script in output 0, never reuses a coin,
// depends on no mempool tx (so it can be mined alone), and the output is spendable
// by key path with Spend.
func TestFund(t *testing.T) {
	n := Start(t)
	c := n.Client()
	ctx := context.Background()
	key := DefaultKey(500)
	pk := P2TR(key.PubKey())

	tx1, op1 := n.Fund(t, pk, 123_456)
	tx2, op2 := n.Fund(t, pk, 7_000)
	require.Equal(t, wire.OutPoint{Hash: tx1.TxHash(), Index: 0}, op1)
	require.Equal(t, int64(123_456), tx1.TxOut[0].Value)
	require.Equal(t, pk, tx1.TxOut[0].PkScript)
	require.NotEqual(t, tx1.TxIn[0].PreviousOutPoint, tx2.TxIn[0].PreviousOutPoint, "a coin is used once")
	for _, tx := range []*wire.MsgTx{tx1, tx2} {
		in, err := c.GetTxOut(ctx, tx.TxIn[0].PreviousOutPoint, false)
		require.NoError(t, err)
		require.NotNil(t, in, "Fund spends confirmed outputs only")
		require.GreaterOrEqual(t, in.Confirmations, int64(100), "mature coinbase")
		fee := in.Value
		for _, o := range tx.TxOut {
			fee -= o.Value
		}
		require.Equal(t, VSize(tx)*FundFeeRate, fee)
	}

	// tx2 alone in a block: it does not need tx1.
	tip := n.Tip(t)
	b := n.MineBlockOn(t, tip.Hash, tx2)
	n.WaitForTip(t, b.BlockHash())
	out, err := c.GetTxOut(ctx, op2, false)
	require.NoError(t, err)
	require.Equal(t, int64(7_000), out.Value)
	pool, err := c.RawMempool(ctx)
	require.NoError(t, err)
	require.Equal(t, []chainhash.Hash{tx1.TxHash()}, pool, "tx1 was left out of the block")

	// The funded output is ours to spend by key path.
	spend := Spend(t, key, op1, tx1.TxOut[0], wire.NewTxOut(123_456-500, n.PkScript()))
	_, err = c.SendRawTransaction(ctx, spend)
	require.NoError(t, err, "spends tx1's output while tx1 is in the mempool")
}

// TestMineBlockOn builds this tree (heights on the left):
//
//	h    tip ─ x1         (s2, s1 are siblings on parent p, with the same txs)
//	     /
//	p ──┬── s1 ── s3      s3 makes the s-branch longer: reorg to s3
//	    └── s2
func TestMineBlockOn(t *testing.T) {
	n := Start(t)
	c := n.Client()
	ctx := context.Background()
	hs := n.Generate(t, 3)
	p, tip := hs[1], hs[2]

	s1 := n.MineBlockOn(t, p)
	s2 := n.MineBlockOn(t, p)
	require.NotEqual(t, s1.BlockHash(), s2.BlockHash(), "siblings with the same txs differ")
	require.Len(t, s1.Transactions, 1)
	require.Len(t, s1.Transactions[0].TxOut, 1, "no witness commitment without witness txs")
	best, err := c.BestBlock(ctx)
	require.NoError(t, err)
	require.Equal(t, btcnode.BlockID{Hash: tip, Height: 3}, best, "equal work: first seen stays")

	_, h, err := c.BlockHeader(ctx, s2.BlockHash())
	require.NoError(t, err)
	require.Equal(t, int32(3), h, "height of a side-branch block")

	s3 := n.MineBlockOn(t, s1.BlockHash())
	best, err = c.BestBlock(ctx)
	require.NoError(t, err)
	require.Equal(t, btcnode.BlockID{Hash: s3.BlockHash(), Height: 4}, best, "longer branch wins")
	h2, err := c.BlockHash(ctx, 3)
	require.NoError(t, err)
	require.Equal(t, s1.BlockHash(), h2)

	// The coinbase carries the BIP34 height, as btcd reads it.
	cbHeight, err := blockchain.ExtractCoinbaseHeight(btcutil.NewTx(s3.Transactions[0]))
	require.NoError(t, err)
	require.Equal(t, int32(4), cbHeight)

	t.Run("witness commitment", func(t *testing.T) {
		tx, _ := n.Fund(t, P2TR(DefaultKey(501).PubKey()), 10_000)
		b := n.MineBlockOn(t, n.Tip(t).Hash, tx)
		require.Len(t, b.Transactions, 2)
		cb := b.Transactions[0]
		require.Len(t, cb.TxOut, 2)
		require.True(t, bytes.HasPrefix(cb.TxOut[1].PkScript, []byte{0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed}))
		require.Equal(t, b.BlockHash(), n.Tip(t).Hash)
	})
	t.Run("rejected and duplicate blocks", func(t *testing.T) {
		tip := n.Tip(t)
		hdr, _, err := c.BlockHeader(ctx, tip.Hash)
		require.NoError(t, err)
		bad := Spend(t, DefaultKey(502), wire.OutPoint{Hash: chainhash.Hash{7}}, wire.NewTxOut(1000, P2TR(DefaultKey(502).PubKey())),
			wire.NewTxOut(500, n.PkScript()))
		b, err := BuildBlock(tip.Hash, tip.Height+1, hdr.Timestamp.Add(time.Second), n.PkScript(), 1<<40, []*wire.MsgTx{bad})
		require.NoError(t, err)
		err = c.SubmitBlock(ctx, b)
		require.ErrorIs(t, err, btcnode.ErrBlockRejected)
		require.NotErrorIs(t, err, btcnode.ErrDuplicateBlock)

		good := n.MineBlockOn(t, tip.Hash)
		err = c.SubmitBlock(ctx, good)
		require.ErrorIs(t, err, btcnode.ErrDuplicateBlock)
	})
}

// TestTwoNodes joins two nodes, splits them, lets each mine, and rejoins: the shorter
// side reorganises to the longer chain, and its notifications show the reorg.
func TestTwoNodes(t *testing.T) {
	a, b := Start(t), Start(t)
	a.Generate(t, 5)
	b.ConnectTo(t, a)
	require.Equal(t, int32(5), b.Tip(t).Height)

	a.Disconnect(t, b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	notes, err := a.Client().NotifyBlocks(ctx)
	require.NoError(t, err)
	lost := a.Generate(t, 1)
	won := b.Generate(t, 2)
	require.Equal(t, lost, []chainhash.Hash{a.Tip(t).Hash}, "still split")

	a.ConnectTo(t, b)
	a.WaitForTip(t, won[1])
	want := []btcnode.BlockNotification{
		{Connected: true, Hash: lost[0], Height: 6},
		{Connected: false, Hash: lost[0], Height: 6},
		{Connected: true, Hash: won[0], Height: 6},
		{Connected: true, Hash: won[1], Height: 7},
	}
	var got []btcnode.BlockNotification
	for len(got) < len(want) {
		select {
		case nt := <-notes:
			got = append(got, nt)
		case <-time.After(10 * time.Second):
			t.Fatalf("notifications so far: %v", got)
		}
	}
	require.Equal(t, want, got)
	a.Disconnect(t, b)
}

// TestStopPaused: a node left paused at the end of a test is still killed and reaped.
func TestStopPaused(t *testing.T) {
	var pid int
	t.Run("paused at the end", func(t *testing.T) {
		n := Start(t)
		pid = n.PID()
		n.Pause(t)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		_, err := n.Client().BlockCount(ctx)
		require.True(t, btcnode.IsTemporary(err), "%v", err)
	})
	require.True(t, errors.Is(syscall.Kill(pid, 0), syscall.ESRCH), "btcd %d still exists", pid)
}
