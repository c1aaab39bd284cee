package policy

import (
	"crypto/sha256"
	"encoding/binary"
	"testing"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

// p2tr is a P2TR-shaped output script.
var p2tr = append([]byte{0x51, 0x20}, make([]byte, 32)...)

// confirmed returns an outpoint of a tx that is not in any mempool (taken as
// confirmed), distinct per n.
func confirmed(n int) wire.OutPoint {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(n))
	return wire.OutPoint{Hash: chainhash.Hash(sha256.Sum256(b[:])), Index: 0}
}

// out returns output i of tx.
func out(tx *wire.MsgTx, i uint32) wire.OutPoint { return wire.OutPoint{Hash: tx.TxHash(), Index: i} }

// mkTx builds a segwit tx spending ins with nOut P2TR outputs, padded through the
// first input's witness to exactly vsize vbytes. tag makes txids distinct.
func mkTx(t testing.TB, vsize int64, tag uint32, nOut int, ins ...wire.OutPoint) *wire.MsgTx {
	t.Helper()
	tx := wire.NewMsgTx(2)
	tx.LockTime = tag
	for _, op := range ins {
		tx.AddTxIn(&wire.TxIn{PreviousOutPoint: op, Sequence: wire.MaxTxInSequenceNum - 2, Witness: wire.TxWitness{{0}}})
	}
	for range nOut {
		tx.AddTxOut(wire.NewTxOut(1_000, p2tr))
	}
	pad := int64(1)
	set := func() int64 { tx.TxIn[0].Witness = wire.TxWitness{make([]byte, pad)}; return VSize(tx) }
	for range 10 {
		got := set()
		if got == vsize {
			return tx
		}
		pad = max(1, pad+(vsize-got)*4)
	}
	for set() > vsize && pad > 1 {
		pad--
	}
	for set() < vsize {
		pad++
	}
	require.Equal(t, vsize, VSize(tx), "padding to %d vB", vsize)
	return tx
}

// chain builds n txs of vsize each, tx i spending output 0 of tx i−1 and tx 0
// spending a confirmed output.
func chain(t testing.TB, n int, vsize int64, tag uint32) []*wire.MsgTx {
	t.Helper()
	txs := make([]*wire.MsgTx, n)
	prev := confirmed(int(tag))
	for i := range txs {
		txs[i] = mkTx(t, vsize, tag+uint32(i), 1, prev)
		prev = out(txs[i], 0)
	}
	return txs
}

func TestMkTx(t *testing.T) {
	for _, vs := range []int64{200, 250, 1_000, 25_285, 98_203, 100_000} {
		tx := mkTx(t, vs, 1, 2, confirmed(1), confirmed(2))
		require.Equal(t, vs, VSize(tx))
		w := Weight(tx)
		require.Equal(t, vs, (w+3)/4)
	}
}
