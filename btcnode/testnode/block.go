package testnode

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/mining"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

// blockVersion is a BIP9 version (≥ 4, as BIP65 on regtest from height 1 demands).
const blockVersion = 0x20000000

// medianTimeBlocks is the median-time-past window (BIP113).
const medianTimeBlocks = 11

// MineBlockOn builds a block with exactly txs (in that order, after the coinbase) on
// parent, which may be any block the node knows, submits it with submitblock and
// returns it. The coinbase pays the subsidy (no fees) to the node's key and carries
// the BIP34 height and a per-node counter, so sibling blocks with the same txs differ;
// it gets a witness commitment when any tx has a witness. The timestamp is one second
// past the later of the parent's time and the median time past. Submitting fails the
// test if the node rejects the block; a block that loses on work is not an error.
func (n *Node) MineBlockOn(t testing.TB, parent chainhash.Hash, txs ...*wire.MsgTx) *wire.MsgBlock {
	t.Helper()
	ctx, cancel := n.ctx()
	defer cancel()
	hdr, height, err := n.client.BlockHeader(ctx, parent)
	require.NoError(t, err, "parent %v", parent)
	mtp, err := n.medianTimePast(t, hdr)
	require.NoError(t, err)
	ts := hdr.Timestamp
	if mtp.After(ts) {
		ts = mtp
	}
	b, err := BuildBlock(parent, height+1, ts.Add(time.Second), n.pkScript, n.nonce.Add(1), txs)
	require.NoError(t, err)
	require.NoError(t, n.client.SubmitBlock(ctx, b), "submitblock on %v", parent)
	return b
}

// medianTimePast returns the median timestamp of hdr and up to ten ancestors.
func (n *Node) medianTimePast(t testing.TB, hdr *wire.BlockHeader) (time.Time, error) {
	t.Helper()
	ctx, cancel := n.ctx()
	defer cancel()
	times := []int64{hdr.Timestamp.Unix()}
	for cur := hdr; len(times) < medianTimeBlocks && cur.PrevBlock != (chainhash.Hash{}); {
		prev, _, err := n.client.BlockHeader(ctx, cur.PrevBlock)
		if err != nil {
			return time.Time{}, fmt.Errorf("median time: %w", err)
		}
		times = append(times, prev.Timestamp.Unix())
		cur = prev
	}
	slices.Sort(times)
	return time.Unix(times[len(times)/2], 0), nil
}

// BuildBlock assembles and solves (regtest proof of work) a block at height on
// parent: a coinbase paying the regtest subsidy to payTo with script
// <height> <extraNonce> "testnode", then txs; a witness commitment when any tx has a
// witness; timestamp ts. It does not check the txs.
func BuildBlock(parent chainhash.Hash, height int32, ts time.Time, payTo []byte, extraNonce uint64, txs []*wire.MsgTx) (*wire.MsgBlock, error) {
	script, err := txscript.NewScriptBuilder().AddInt64(int64(height)).
		AddInt64(int64(extraNonce & 0x7fffffffffffffff)).AddData([]byte("testnode")).Script()
	if err != nil {
		return nil, fmt.Errorf("coinbase script: %w", err)
	}
	cb := wire.NewMsgTx(1)
	cb.AddTxIn(&wire.TxIn{
		PreviousOutPoint: wire.OutPoint{Index: wire.MaxPrevOutIndex},
		SignatureScript:  script,
		Sequence:         wire.MaxTxInSequenceNum,
	})
	cb.AddTxOut(wire.NewTxOut(blockchain.CalcBlockSubsidy(height, Params), payTo))

	utxs := []*btcutil.Tx{btcutil.NewTx(cb)}
	witness := false
	for _, tx := range txs {
		utxs = append(utxs, btcutil.NewTx(tx))
		witness = witness || tx.HasWitness()
	}
	if witness {
		mining.AddWitnessCommitment(utxs[0], utxs)
	}
	b := &wire.MsgBlock{Header: wire.BlockHeader{
		Version:    blockVersion,
		PrevBlock:  parent,
		MerkleRoot: blockchain.CalcMerkleRoot(utxs, false),
		Timestamp:  time.Unix(ts.Unix(), 0),
		Bits:       Params.PowLimitBits,
	}}
	for _, u := range utxs {
		b.AddTransaction(u.MsgTx())
	}
	if err := solve(&b.Header); err != nil {
		return nil, err
	}
	return b, nil
}

// solve finds a nonce meeting the header's target (about two tries on regtest).
func solve(h *wire.BlockHeader) error {
	target := blockchain.CompactToBig(h.Bits)
	for nonce := uint32(0); ; nonce++ {
		h.Nonce = nonce
		hash := h.BlockHash()
		if blockchain.HashToBig(&hash).Cmp(target) <= 0 {
			return nil
		}
		if nonce == ^uint32(0) {
			return errors.New("solve: nonce space exhausted")
		}
	}
}
