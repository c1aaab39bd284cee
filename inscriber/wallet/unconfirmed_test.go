package wallet

import (
	"testing"

	"github.com/bitai-l2/bitai/store"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

// fundedWallet returns a wallet holding coin A (10,000 sat, height 1) and coin B
// (20,000 sat, height 1).
func fundedWallet(t *testing.T) (db *store.DB, w *Wallet, a, b wire.OutPoint) {
	db = openDB(t)
	w = newWallet(t, 5)
	f := payTx([]wire.OutPoint{ext(1)}, wire.NewTxOut(10_000, script(t, w, BranchExternal, 0)),
		wire.NewTxOut(20_000, script(t, w, BranchExternal, 1)))
	connect(t, db, w, 1, f)
	return db, w, op(f, 0), op(f, 1)
}

func addUnconf(t *testing.T, db *store.DB, w *Wallet, tx *wire.MsgTx) {
	t.Helper()
	apply(t, db, func(rw ReadWriter) error { return w.AddUnconfirmed(rw, tx) })
}

func unconfIDs(t *testing.T, db *store.DB, w *Wallet) []string {
	t.Helper()
	txs, err := w.Unconfirmed(db.Pebble())
	require.NoError(t, err)
	var ids []string
	for _, tx := range txs {
		ids = append(ids, tx.TxHash().String())
	}
	return ids
}

func balance(t *testing.T, db *store.DB, w *Wallet) [2]int64 {
	t.Helper()
	c, u, err := w.Balance(db.Pebble())
	require.NoError(t, err)
	return [2]int64{c, u}
}

func TestAddUnconfirmed(t *testing.T) {
	db, w, a, b := fundedWallet(t)
	chg := script(t, w, BranchChange, 0)
	tx1 := payTx([]wire.OutPoint{a}, wire.NewTxOut(3_000, foreign), wire.NewTxOut(6_000, chg))
	addUnconf(t, db, w, tx1)
	got := unspent(t, db, w)
	require.NotContains(t, got, a)
	require.Equal(t, int32(0), got[op(tx1, 1)].Height)
	require.Equal(t, [2]int64{20_000, 6_000}, balance(t, db, w))
	u, spent, ok, err := w.Lookup(db.Pebble(), a)
	require.NoError(t, err)
	require.True(t, ok && spent)
	require.Equal(t, int64(10_000), u.Value)

	before := dump(t, db)
	addUnconf(t, db, w, tx1) // again: no-op
	require.Equal(t, before, dump(t, db))

	// A chained child listed after its parent whatever the txids.
	tx2 := payTx([]wire.OutPoint{op(tx1, 1), b}, wire.NewTxOut(25_000, chg))
	addUnconf(t, db, w, tx2)
	require.Equal(t, []string{tx1.TxHash().String(), tx2.TxHash().String()}, unconfIDs(t, db, w))
	require.Equal(t, [2]int64{0, 25_000}, balance(t, db, w))

	// Dropping the parent drops the child and frees A and B.
	apply(t, db, func(rw ReadWriter) error { return w.DropUnconfirmed(rw, tx1.TxHash()) })
	require.Empty(t, unconfIDs(t, db, w))
	require.Equal(t, [2]int64{30_000, 0}, balance(t, db, w))

	// A tx touching nothing of the wallet is not recorded.
	before = dump(t, db)
	addUnconf(t, db, w, payTx([]wire.OutPoint{ext(9)}, wire.NewTxOut(1, foreign)))
	require.Equal(t, before, dump(t, db))
}

// TestReplacementDropsOld: recording a replacement drops the version it replaces.
func TestReplacementDropsOld(t *testing.T) {
	db, w, a, _ := fundedWallet(t)
	chg := script(t, w, BranchChange, 0)
	v1 := payTx([]wire.OutPoint{a}, wire.NewTxOut(3_000, foreign), wire.NewTxOut(6_000, chg))
	v2 := payTx([]wire.OutPoint{a}, wire.NewTxOut(3_000, foreign), wire.NewTxOut(5_000, chg))
	addUnconf(t, db, w, v1)
	addUnconf(t, db, w, v2)
	got := unspent(t, db, w)
	require.NotContains(t, got, op(v1, 1))
	require.Contains(t, got, op(v2, 1))
	require.Equal(t, []string{v2.TxHash().String()}, unconfIDs(t, db, w))
	require.Equal(t, [2]int64{20_000, 5_000}, balance(t, db, w))
}

// TestConfirmOwnTx: a block with the own tx confirms its outputs and keeps their
// reservation; undoing the block brings back the unconfirmed state exactly.
func TestConfirmOwnTx(t *testing.T) {
	db, w, a, _ := fundedWallet(t)
	chg := script(t, w, BranchChange, 0)
	tx1 := payTx([]wire.OutPoint{a}, wire.NewTxOut(3_000, foreign), wire.NewTxOut(6_000, chg))
	addUnconf(t, db, w, tx1)
	apply(t, db, func(rw ReadWriter) error { return w.Reserve(rw, []wire.OutPoint{op(tx1, 1)}, []byte("p1")) })
	before := dump(t, db)
	u := connect(t, db, w, 2, tx1)
	got := unspent(t, db, w)[op(tx1, 1)]
	require.Equal(t, int32(2), got.Height)
	require.Equal(t, []byte("p1"), got.Reserved)
	require.Empty(t, unconfIDs(t, db, w))
	require.Equal(t, [2]int64{26_000, 0}, balance(t, db, w))
	disconnect(t, db, u)
	require.Equal(t, before, dump(t, db))
}

// TestConflictConfirmed: a block double-spending an own unconfirmed tx's input
// drops that tx and its descendants; undo restores them.
func TestConflictConfirmed(t *testing.T) {
	db, w, a, _ := fundedWallet(t)
	chg := script(t, w, BranchChange, 0)
	tx1 := payTx([]wire.OutPoint{a}, wire.NewTxOut(3_000, foreign), wire.NewTxOut(6_000, chg))
	tx2 := payTx([]wire.OutPoint{op(tx1, 1)}, wire.NewTxOut(5_000, script(t, w, BranchChange, 1)))
	addUnconf(t, db, w, tx1)
	addUnconf(t, db, w, tx2)
	before := dump(t, db)
	thief := payTx([]wire.OutPoint{a}, wire.NewTxOut(9_500, foreign))
	u := connect(t, db, w, 2, thief)
	require.Empty(t, unconfIDs(t, db, w))
	got := unspent(t, db, w)
	require.Len(t, got, 1, "only B is left")
	require.Equal(t, [2]int64{20_000, 0}, balance(t, db, w))
	disconnect(t, db, u)
	require.Equal(t, before, dump(t, db))
	require.Len(t, unconfIDs(t, db, w), 2)
}

func TestReserve(t *testing.T) {
	db, w, a, b := fundedWallet(t)
	rw := db.NewRecorder()
	defer rw.Close()
	require.NoError(t, w.Reserve(rw, []wire.OutPoint{a}, []byte("p1")))
	require.NoError(t, w.Reserve(rw, []wire.OutPoint{a}, []byte("p1")), "same owner again")
	err := w.Reserve(rw, []wire.OutPoint{b, a}, []byte("p2"))
	require.ErrorIs(t, err, ErrReserved)
	u, _, _, err := w.Lookup(rw, b)
	require.NoError(t, err)
	require.Nil(t, u.Reserved, "all or none")
	require.ErrorIs(t, w.Reserve(rw, []wire.OutPoint{ext(7)}, []byte("p2")), ErrUnknownCoin)
	require.Error(t, w.Reserve(rw, []wire.OutPoint{b}, nil))

	require.NoError(t, w.Reserve(rw, []wire.OutPoint{b}, []byte("p2")))
	require.NoError(t, w.Release(rw, []wire.OutPoint{b, ext(7)}))
	u, _, _, err = w.Lookup(rw, b)
	require.NoError(t, err)
	require.Nil(t, u.Reserved)
	require.NoError(t, w.ReleaseOwner(rw, []byte("p1")))
	u, _, _, err = w.Lookup(rw, a)
	require.NoError(t, err)
	require.Nil(t, u.Reserved)

	// A coin spent by an own unconfirmed tx cannot be reserved.
	require.NoError(t, w.AddUnconfirmed(rw, payTx([]wire.OutPoint{a}, wire.NewTxOut(9_000, foreign))))
	require.ErrorIs(t, w.Reserve(rw, []wire.OutPoint{a}, []byte("p3")), ErrUnknownCoin)
}
