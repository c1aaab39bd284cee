package wallet

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"

	"github.com/bitai-l2/bitai/store"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"
)

// testSeed is a fixed seed so failures reproduce.
var testSeed = [SeedLen]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}

// foreign is a script that is not the wallet's.
var foreign = append([]byte{0x51, 0x20}, bytes.Repeat([]byte{0xee}, 32)...)

func openDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open("db", store.Options{FS: vfs.NewMem()})
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

func newWallet(t *testing.T, lookahead uint32) *Wallet {
	t.Helper()
	k, err := NewKeys(testSeed, &chaincfg.RegressionNetParams)
	require.NoError(t, err)
	w, err := New(k, lookahead)
	require.NoError(t, err)
	return w
}

// script returns the pkScript of branch/index.
func script(t *testing.T, w *Wallet, branch, index uint32) []byte {
	t.Helper()
	_, s, err := w.Keys().Address(branch, index)
	require.NoError(t, err)
	return s
}

// apply runs fn in a Recorder over db, commits it and returns its undo record.
func apply(t *testing.T, db *store.DB, fn func(rw ReadWriter) error) store.Undo {
	t.Helper()
	r := db.NewRecorder()
	defer r.Close()
	require.NoError(t, fn(r))
	u := r.Undo()
	require.NoError(t, r.Commit(context.Background()))
	return u
}

// connect applies block at height in its own batch and returns the undo record.
func connect(t *testing.T, db *store.DB, w *Wallet, height int32, txs ...*wire.MsgTx) store.Undo {
	t.Helper()
	return apply(t, db, func(rw ReadWriter) error { return w.ConnectBlock(rw, height, block(height, txs...)) })
}

// disconnect applies an undo record.
func disconnect(t *testing.T, db *store.DB, u store.Undo) {
	t.Helper()
	require.NoError(t, db.Update(context.Background(), u.Apply))
}

// dump returns every wallet key and value (prefixes 0x10–0x1f).
func dump(t *testing.T, db *store.DB) [][2]string {
	t.Helper()
	it, err := db.Pebble().NewIter(nil)
	require.NoError(t, err)
	defer it.Close()
	var kv [][2]string
	for ok := it.SeekGE([]byte{0x10}); ok && it.Key()[0] <= 0x1f; ok = it.Next() {
		kv = append(kv, [2]string{string(it.Key()), string(it.Value())})
	}
	return kv
}

// block returns a block at height whose coinbase pays the subsidy to foreign,
// followed by txs.
func block(height int32, txs ...*wire.MsgTx) *wire.MsgBlock {
	b := &wire.MsgBlock{}
	b.AddTransaction(coinbase(height, wire.NewTxOut(50e8, foreign)))
	for _, tx := range txs {
		b.AddTransaction(tx)
	}
	return b
}

// coinbase returns a coinbase tx at height paying outs.
func coinbase(height int32, outs ...*wire.TxOut) *wire.MsgTx {
	tx := wire.NewMsgTx(2)
	sig := binary.LittleEndian.AppendUint32([]byte{4}, uint32(height))
	tx.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Index: wire.MaxPrevOutIndex}, SignatureScript: sig,
		Sequence: wire.MaxTxInSequenceNum})
	for _, o := range outs {
		tx.AddTxOut(o)
	}
	return tx
}

// payTx returns a tx spending ins (key path, dummy 64-byte witnesses) to outs.
func payTx(ins []wire.OutPoint, outs ...*wire.TxOut) *wire.MsgTx {
	tx := wire.NewMsgTx(2)
	for _, op := range ins {
		tx.AddTxIn(&wire.TxIn{PreviousOutPoint: op, Sequence: wire.MaxTxInSequenceNum - 2,
			Witness: wire.TxWitness{make([]byte, 64)}})
	}
	for _, o := range outs {
		tx.AddTxOut(o)
	}
	return tx
}

// ext is an outpoint not created by any test tx, distinct per n.
func ext(n byte) wire.OutPoint { return wire.OutPoint{Hash: chainhash.Hash{0xab, n}, Index: 0} }

func op(tx *wire.MsgTx, i uint32) wire.OutPoint { return wire.OutPoint{Hash: tx.TxHash(), Index: i} }

// unspent returns Unspent's outpoints → values.
func unspent(t *testing.T, db *store.DB, w *Wallet) map[wire.OutPoint]UTXO {
	t.Helper()
	us, err := w.Unspent(db.Pebble())
	require.NoError(t, err)
	m := map[wire.OutPoint]UTXO{}
	for _, u := range us {
		m[u.OutPoint] = u
	}
	return m
}
