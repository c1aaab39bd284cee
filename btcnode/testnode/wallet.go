package testnode

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

const (
	// FundFeeRate is the fee rate of Fund's txs, in sat/vB (btcd's minimum relay
	// fee is 1 sat/vB, and --norelaypriority admits nothing below it).
	FundFeeRate = 2
	// DustLimit is btcd's dust threshold for a P2TR output at the default relay fee
	// (mempool/policy.go GetDustThreshold: 3·(43+41+26) sat).
	DustLimit = 330
	// matureBlocks is how many blocks the first Fund mines on an empty chain: 100
	// for coinbase maturity, and the rest give that many spendable coinbases.
	matureBlocks = 110
)

// wallet tracks the node's own outputs: coinbases found by scanning the best chain,
// and Fund's change. gettxout confirms a coin before use; the spent set covers what
// gettxout misses (btcd does not count spends by mempool txs).
type wallet struct {
	mu      sync.Mutex
	scanned int32 // highest height whose coinbase was examined
	coins   []coin
	spent   map[wire.OutPoint]bool
}

// coin is an output paying the node's key.
type coin struct {
	op       wire.OutPoint
	value    int64
	coinbase bool
	height   int32 // block height for coinbases
}

// Fund pays amount satoshis to pkScript in output 0 of a new tx (change back to the
// node's key in output 1, unless it would be dust), signed by key path at FundFeeRate
// and broadcast. It spends one confirmed, mature output of the node's own (on an
// empty chain it first mines 110 blocks; when it runs out it mines one more), so the
// returned tx is unconfirmed and depends on no mempool tx: MineBlockOn can include
// it alone. Mining to fund also confirms whatever sits in the mempool, so call Fund
// before staging mempool state. amount must leave room for the fee in one coinbase
// (50 BTC on a young regtest chain).
func (n *Node) Fund(t testing.TB, pkScript []byte, amount int64) (*wire.MsgTx, wire.OutPoint) {
	t.Helper()
	n.wallet.mu.Lock()
	defer n.wallet.mu.Unlock()
	c := n.pickCoin(t, amount)
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(&wire.TxIn{PreviousOutPoint: c.op, Sequence: wire.MaxTxInSequenceNum - 2})
	tx.AddTxOut(wire.NewTxOut(amount, pkScript))
	tx.AddTxOut(wire.NewTxOut(0, n.pkScript))
	prev := []*wire.TxOut{wire.NewTxOut(c.value, n.pkScript)}
	keys := []*btcec.PrivateKey{n.key}
	require.NoError(t, SignKeyPath(tx, prev, keys)) // sized with a real signature
	fee := VSize(tx) * FundFeeRate
	change := c.value - amount - fee
	if change < DustLimit {
		tx.TxOut = tx.TxOut[:1]
		fee = VSize(tx) * FundFeeRate
		change = 0
	} else {
		tx.TxOut[1].Value = change
	}
	require.GreaterOrEqual(t, c.value-amount, fee, "coin of %d sat cannot pay %d + fee %d", c.value, amount, fee)
	require.NoError(t, SignKeyPath(tx, prev, keys))

	ctx, cancel := n.ctx()
	defer cancel()
	txid, err := n.client.SendRawTransaction(ctx, tx)
	require.NoError(t, err, "fund: sendrawtransaction")
	n.wallet.spent[c.op] = true
	if change > 0 {
		n.wallet.coins = append(n.wallet.coins, coin{op: wire.OutPoint{Hash: txid, Index: 1}, value: change})
	}
	return tx, wire.OutPoint{Hash: txid, Index: 0}
}

// pickCoin returns a confirmed, mature, unspent coin worth more than amount plus a
// generous fee, scanning and mining as needed. Called with the wallet locked.
func (n *Node) pickCoin(t testing.TB, amount int64) coin {
	t.Helper()
	for attempt := 0; attempt < 3; attempt++ {
		tip := n.scanCoinbases(t)
		for i := 0; i < len(n.wallet.coins); i++ {
			c := n.wallet.coins[i]
			if n.wallet.spent[c.op] || c.value < amount+1000*FundFeeRate {
				continue
			}
			if c.coinbase && tip+1-c.height < int32(Params.CoinbaseMaturity) {
				continue
			}
			ctx, cancel := n.ctx()
			out, err := n.client.GetTxOut(ctx, c.op, false)
			cancel()
			require.NoError(t, err)
			if out == nil { // unconfirmed change, or reorged away: try later
				continue
			}
			return c
		}
		mine := 1
		if tip < matureBlocks {
			mine = matureBlocks - int(tip)
		}
		t.Logf("testnode %s: mining %d blocks to fund %d sat", n.rpcAddr, mine, amount)
		n.Generate(t, mine)
	}
	t.Fatalf("testnode %s: no coin for %d sat", n.rpcAddr, amount)
	return coin{}
}

// scanCoinbases adds the node's coinbase outputs of best-chain blocks above the scan
// cursor and returns the tip height.
func (n *Node) scanCoinbases(t testing.TB) int32 {
	t.Helper()
	ctx, cancel := n.ctx()
	defer cancel()
	tip, err := n.client.BlockCount(ctx)
	require.NoError(t, err)
	for h := n.wallet.scanned + 1; h <= tip; h++ {
		hash, err := n.client.BlockHash(ctx, h)
		require.NoError(t, err)
		b, err := n.client.Block(ctx, hash)
		require.NoError(t, err)
		cb := b.Transactions[0]
		for i, out := range cb.TxOut {
			if bytes.Equal(out.PkScript, n.pkScript) && out.Value > 0 {
				op := wire.OutPoint{Hash: cb.TxHash(), Index: uint32(i)}
				n.wallet.coins = append(n.wallet.coins, coin{op: op, value: out.Value, coinbase: true, height: h})
			}
		}
	}
	if tip > n.wallet.scanned {
		n.wallet.scanned = tip
	}
	return tip
}

// Spend returns a signed version-2 tx spending prev (output prevOut, a BIP86 key-path
// P2TR output of key) to outs, signalling RBF. The fee is prevOut.Value minus the
// outputs. It is not broadcast.
func Spend(t testing.TB, key *btcec.PrivateKey, prev wire.OutPoint, prevOut *wire.TxOut, outs ...*wire.TxOut) *wire.MsgTx {
	t.Helper()
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(&wire.TxIn{PreviousOutPoint: prev, Sequence: wire.MaxTxInSequenceNum - 2})
	for _, o := range outs {
		tx.AddTxOut(o)
	}
	require.NoError(t, SignKeyPath(tx, []*wire.TxOut{prevOut}, []*btcec.PrivateKey{key}))
	return tx
}

// SignKeyPath signs every input i of tx by BIP86 key path (SIGHASH_DEFAULT) with
// keys[i], where prevOuts[i] is the output it spends.
func SignKeyPath(tx *wire.MsgTx, prevOuts []*wire.TxOut, keys []*btcec.PrivateKey) error {
	if len(prevOuts) != len(tx.TxIn) || len(keys) != len(tx.TxIn) {
		return fmt.Errorf("sign: %d inputs, %d prevouts, %d keys", len(tx.TxIn), len(prevOuts), len(keys))
	}
	m := make(map[wire.OutPoint]*wire.TxOut, len(prevOuts))
	for i, in := range tx.TxIn {
		m[in.PreviousOutPoint] = prevOuts[i]
	}
	fetcher := txscript.NewMultiPrevOutFetcher(m)
	hashes := txscript.NewTxSigHashes(tx, fetcher)
	for i := range tx.TxIn {
		w, err := txscript.TaprootWitnessSignature(tx, hashes, i, prevOuts[i].Value,
			prevOuts[i].PkScript, txscript.SigHashDefault, keys[i])
		if err != nil {
			return fmt.Errorf("sign input %d: %w", i, err)
		}
		tx.TxIn[i].Witness = w
	}
	return nil
}

// VSize returns tx's virtual size: ceil((3·stripped + total) / 4).
func VSize(tx *wire.MsgTx) int64 {
	w := int64(tx.SerializeSizeStripped())*3 + int64(tx.SerializeSize())
	return (w + 3) / 4
}
