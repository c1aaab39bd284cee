package wallet

import (
	"context"
	"testing"
	"time"

	"github.com/bitai-l2/bitai/btcnode/testnode"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

// TestWalletBtcd funds the wallet from real btcd, connects the real block, spends
// the coin with SelectCoins' choice signed by key path (btcd accepts it: the keys,
// the scripts and the fee are right), confirms that, and disconnects both blocks
// with their undo records, back to exactly the earlier bytes.
func TestWalletBtcd(t *testing.T) {
	n := testnode.Start(t)
	db := openDB(t)
	k, err := NewKeys(testSeed, &chaincfg.RegressionNetParams)
	require.NoError(t, err)
	w, err := New(k, DefaultLookahead)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	var recv []byte
	apply(t, db, func(rw ReadWriter) error { _, recv, err = w.NextAddress(rw, BranchExternal); return err })
	fund, fundOp := n.Fund(t, recv, 100_000)
	connectTip := func() (int32, *wire.MsgBlock) {
		hs := n.Generate(t, 1)
		b, err := n.Client().Block(ctx, hs[0])
		require.NoError(t, err)
		return n.Tip(t).Height, b
	}
	h1, b1 := connectTip()
	require.Contains(t, txids(b1), fund.TxHash())
	empty := dump(t, db)
	u1 := apply(t, db, func(rw ReadWriter) error { return w.ConnectBlock(rw, h1, b1) })
	got := unspent(t, db, w)
	require.Equal(t, UTXO{OutPoint: fundOp, Value: 100_000, PkScript: recv, Height: h1, Branch: BranchExternal},
		got[fundOp])

	// Spend 40,000 to the node, change to the wallet, at 3 sat/vB.
	pay := []*wire.TxOut{wire.NewTxOut(40_000, n.PkScript())}
	var chg []byte
	var spend *wire.MsgTx
	u := apply(t, db, func(rw ReadWriter) error {
		coins, err := w.Unspent(rw)
		require.NoError(t, err)
		_, chg, err = w.NextAddress(rw, BranchChange)
		require.NoError(t, err)
		sel, change, fee, err := SelectCoins(coins, 40_000, 3, baseWeightOf(pay), chg)
		require.NoError(t, err)
		require.Len(t, sel, 1)
		spend = wire.NewMsgTx(2)
		var prev []*wire.TxOut
		var keys []*btcec.PrivateKey
		for _, c := range sel {
			spend.AddTxIn(&wire.TxIn{PreviousOutPoint: c.OutPoint, Sequence: wire.MaxTxInSequenceNum - 2})
			prev = append(prev, wire.NewTxOut(c.Value, c.PkScript))
			priv, _, err := k.Address(c.Branch, c.Index)
			require.NoError(t, err)
			keys = append(keys, priv)
		}
		spend.AddTxOut(pay[0])
		spend.AddTxOut(wire.NewTxOut(change, chg))
		require.NoError(t, testnode.SignKeyPath(spend, prev, keys))
		require.Equal(t, testnode.VSize(spend)*3, fee, "SelectCoins' fee is the signed tx's vsize × rate")
		return w.AddUnconfirmed(rw, spend)
	})
	require.Equal(t, [2]int64{0, 100_000 - 40_000 - testnode.VSize(spend)*3}, balance(t, db, w))
	_, err = n.Client().SendRawTransaction(ctx, spend)
	require.NoError(t, err)
	afterSpend := dump(t, db)

	h2, b2 := connectTip()
	require.Contains(t, txids(b2), spend.TxHash())
	u2 := apply(t, db, func(rw ReadWriter) error { return w.ConnectBlock(rw, h2, b2) })
	got = unspent(t, db, w)
	require.Len(t, got, 1)
	require.Equal(t, h2, got[op(spend, 1)].Height)
	require.Equal(t, [2]int64{100_000 - 40_000 - testnode.VSize(spend)*3, 0}, balance(t, db, w))
	txs, err := w.Unconfirmed(db.Pebble())
	require.NoError(t, err)
	require.Empty(t, txs)

	disconnect(t, db, u2)
	require.Equal(t, afterSpend, dump(t, db))
	require.Equal(t, int64(0), balance(t, db, w)[0])
	// Undo the spend's batch and the first block: back to the bytes before block 1.
	disconnect(t, db, u)
	disconnect(t, db, u1)
	require.Equal(t, empty, dump(t, db))
}

func txids(b *wire.MsgBlock) []chainhash.Hash {
	var ids []chainhash.Hash
	for _, tx := range b.Transactions {
		ids = append(ids, tx.TxHash())
	}
	return ids
}
