package wallet

import (
	"bytes"
	"context"
	"testing"

	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

// TestConnectAndUndo connects two blocks, checks the UTXO set after each, and
// disconnects them with the Recorder's undo records: the wallet's keys return to
// exactly their earlier bytes.
func TestConnectAndUndo(t *testing.T) {
	db := openDB(t)
	w := newWallet(t, 5)
	empty := dump(t, db)

	pay := payTx([]wire.OutPoint{ext(1)},
		wire.NewTxOut(1_000, script(t, w, BranchExternal, 1)),
		wire.NewTxOut(7_000, foreign),
		wire.NewTxOut(2_000, script(t, w, BranchChange, 0)),
		wire.NewTxOut(0, script(t, w, BranchExternal, 2)), // zero value: ignored
		wire.NewTxOut(3_000, w.Keys().InscriberScript()))
	u1 := connect(t, db, w, 101, pay)
	after1 := dump(t, db)
	got := unspent(t, db, w)
	require.Len(t, got, 3)
	require.Equal(t, UTXO{OutPoint: op(pay, 0), Value: 1_000, PkScript: script(t, w, 0, 1), Height: 101,
		Branch: BranchExternal, Index: 1}, got[op(pay, 0)])
	require.Equal(t, BranchChange, got[op(pay, 2)].Branch)
	require.Equal(t, BranchInscriber, got[op(pay, 4)].Branch)
	conf, unconf, err := w.Balance(db.Pebble())
	require.NoError(t, err)
	require.Equal(t, [2]int64{6_000, 0}, [2]int64{conf, unconf})
	n, err := w.next(db.Pebble(), BranchExternal)
	require.NoError(t, err)
	require.Equal(t, uint32(2), n, "cursor moves past the used address")

	spend := payTx([]wire.OutPoint{op(pay, 0), op(pay, 1)}, wire.NewTxOut(7_500, foreign))
	u2 := connect(t, db, w, 102, spend)
	got = unspent(t, db, w)
	require.Len(t, got, 2)
	require.NotContains(t, got, op(pay, 0))
	tip, ok, err := w.Tip(db.Pebble())
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, int32(102), tip)

	disconnect(t, db, u2)
	require.Equal(t, after1, dump(t, db))
	disconnect(t, db, u1)
	require.Equal(t, empty, dump(t, db))
	require.Empty(t, unspent(t, db, w))
}

func TestConnectHeight(t *testing.T) {
	db := openDB(t)
	w := newWallet(t, 5)
	connect(t, db, w, 10)
	for _, h := range []int32{10, 12, 9} {
		err := w.ConnectBlock(db.NewRecorder(), h, block(h))
		require.ErrorIs(t, err, ErrHeight, "height %d", h)
	}
	require.Error(t, w.ConnectBlock(db.NewRecorder(), 0, block(0)))
	connect(t, db, w, 11)
}

// TestLookahead: payments are found up to lookahead addresses past the last used
// one, also by a fresh Wallet over the same database (a restart).
func TestLookahead(t *testing.T) {
	db := openDB(t)
	w := newWallet(t, 5)
	pay := func(h int32, idx uint32) *wire.MsgTx {
		tx := payTx([]wire.OutPoint{ext(byte(h))}, wire.NewTxOut(1_000, script(t, w, BranchExternal, idx)))
		connect(t, db, w, h, tx)
		return tx
	}
	a := pay(1, 4)  // last of the first window [0, 5)
	b := pay(2, 9)  // cursor 5: window [0, 10)
	c := pay(3, 20) // cursor 10: window [0, 15): not found
	got := unspent(t, db, w)
	require.Contains(t, got, op(a, 0))
	require.Contains(t, got, op(b, 0))
	require.NotContains(t, got, op(c, 0))

	w2 := newWallet(t, 5) // restart: the cache is rebuilt from the cursor
	tx := payTx([]wire.OutPoint{ext(4)}, wire.NewTxOut(1_000, script(t, w2, BranchExternal, 14)))
	connect(t, db, w2, 4, tx)
	require.Contains(t, unspent(t, db, w2), op(tx, 0))
}

func TestNextAddress(t *testing.T) {
	db := openDB(t)
	w := newWallet(t, 3)
	for i := uint32(0); i < 6; i++ {
		var got []byte
		apply(t, db, func(rw ReadWriter) error {
			priv, s, err := w.NextAddress(rw, BranchChange)
			require.NoError(t, err)
			want, wantS, err := w.Keys().Address(BranchChange, i)
			require.NoError(t, err)
			require.True(t, priv.Key.Equals(&want.Key))
			require.Equal(t, wantS, s)
			got = s
			return nil
		})
		tx := payTx([]wire.OutPoint{ext(byte(i))}, wire.NewTxOut(500, got))
		connect(t, db, w, int32(i+1), tx)
		require.Contains(t, unspent(t, db, w), op(tx, 0), "address %d handed out is watched", i)
	}
	// An address handed out in a batch that is dropped is handed out again.
	r := db.NewRecorder()
	_, s1, err := w.NextAddress(r, BranchExternal)
	require.NoError(t, err)
	require.NoError(t, r.Close())
	r = db.NewRecorder()
	_, s2, err := w.NextAddress(r, BranchExternal)
	require.NoError(t, err)
	require.Equal(t, s1, s2)
	require.NoError(t, r.Commit(context.Background()))
	_, _, err = w.NextAddress(db.NewRecorder(), BranchWatched)
	require.ErrorIs(t, err, ErrBranch)
}

// TestCoinbaseMaturity: a coinbase paying the wallet is listed from the tip at
// which a tx in the next block could spend it (100 confirmations on regtest).
func TestCoinbaseMaturity(t *testing.T) {
	db := openDB(t)
	w := newWallet(t, 5)
	cb := coinbase(1, wire.NewTxOut(50e8, script(t, w, BranchExternal, 0)))
	apply(t, db, func(rw ReadWriter) error {
		b := &wire.MsgBlock{}
		b.AddTransaction(cb)
		return w.ConnectBlock(rw, 1, b)
	})
	for h := int32(2); h <= 100; h++ {
		require.Empty(t, unspent(t, db, w), "tip %d", h-1)
		connect(t, db, w, h)
	}
	got := unspent(t, db, w)
	require.Len(t, got, 1)
	require.True(t, got[op(cb, 0)].Coinbase)
}

func TestWatchScript(t *testing.T) {
	db := openDB(t)
	w := newWallet(t, 5)
	commit := append([]byte{0x51, 0x20}, make([]byte, 32)...)
	apply(t, db, func(rw ReadWriter) error { return w.WatchScript(rw, commit, []byte("payload-1")) })
	tx := payTx([]wire.OutPoint{ext(1)}, wire.NewTxOut(9_000, commit))
	connect(t, db, w, 1, tx)
	got := unspent(t, db, w)[op(tx, 0)]
	require.Equal(t, BranchWatched, got.Branch)
	require.Equal(t, []byte("payload-1"), got.Tag)

	apply(t, db, func(rw ReadWriter) error { return w.UnwatchScript(rw, commit) })
	tx2 := payTx([]wire.OutPoint{ext(2)}, wire.NewTxOut(9_000, commit))
	connect(t, db, w, 2, tx2)
	require.NotContains(t, unspent(t, db, w), op(tx2, 0))
	require.Contains(t, unspent(t, db, w), op(tx, 0), "recorded outputs stay")

	require.Error(t, w.WatchScript(db.NewRecorder(), nil, nil))
	require.Error(t, w.WatchScript(db.NewRecorder(), commit, make([]byte, MaxTagLen+1)))
}

// TestUnspentOrder: confirmed by height then txid bytes then index; unconfirmed last.
func TestUnspentOrder(t *testing.T) {
	db := openDB(t)
	w := newWallet(t, 5)
	s := script(t, w, BranchExternal, 0)
	a := payTx([]wire.OutPoint{ext(1)}, wire.NewTxOut(1, s), wire.NewTxOut(2, s))
	b := payTx([]wire.OutPoint{ext(2)}, wire.NewTxOut(3, s))
	c := payTx([]wire.OutPoint{ext(3)}, wire.NewTxOut(4, s))
	connect(t, db, w, 1, c)
	connect(t, db, w, 2, b, a)
	apply(t, db, func(rw ReadWriter) error {
		return w.AddUnconfirmed(rw, payTx([]wire.OutPoint{op(c, 0)}, wire.NewTxOut(5, s), wire.NewTxOut(6, s)))
	})
	us, err := w.Unspent(db.Pebble())
	require.NoError(t, err)
	var vals []int64
	for _, u := range us {
		vals = append(vals, u.Value)
	}
	first, second := []int64{1, 2}, []int64{3}
	ah, bh := a.TxHash(), b.TxHash()
	if bytes.Compare(bh[:], ah[:]) < 0 {
		first, second = second, first
	}
	want := append(append([]int64{}, first...), second...)
	require.Equal(t, append(want, 5, 6), vals, "c's output 0 is spent by the unconfirmed tx")
}
