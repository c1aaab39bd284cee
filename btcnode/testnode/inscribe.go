package testnode

import (
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/bitai"
)

// InscribeOptions tune Inscribe. The zero value inscribes with a fresh throwaway key
// at FundFeeRate and broadcasts both transactions.
type InscribeOptions struct {
	// Key is the inscriber key (the leaf's OP_CHECKSIG key and the commit's internal
	// key); nil means a fresh throwaway key.
	Key *btcec.PrivateKey
	// FeeRate is the reveal's fee rate in sat/vB; 0 means FundFeeRate.
	FeeRate int64
	// NoBroadcast leaves the reveal unsent (the commit is always sent by Fund), so a
	// test can mine it with MineBlockOn or leave it out.
	NoBroadcast bool
}

// Inscription is a commit/reveal pair built by Inscribe.
type Inscription struct {
	Key          *btcec.PrivateKey
	Script       []byte // the BitAI envelope tapscript
	ControlBlock []byte
	Commit       *wire.MsgTx
	CommitOut    wire.OutPoint
	Reveal       *wire.MsgTx
}

// Inscribe writes body (a raw BitAI body, kind byte included) under encoding ("" or
// "br") in a commit/reveal pair built from bitai's pure building blocks (DECISIONS A2):
// the commit (from Fund) pays the exact reveal fee plus a dust-safe reveal output back
// to the inscriber key; the reveal is signed by script path and checked with btcd's
// script engine under the standard flags before it is sent.
func (n *Node) Inscribe(t testing.TB, encoding string, body []byte, opts InscribeOptions) *Inscription {
	t.Helper()
	key := opts.Key
	if key == nil {
		var err error
		key, err = btcec.NewPrivateKey()
		require.NoError(t, err)
	}
	rate := opts.FeeRate
	if rate == 0 {
		rate = FundFeeRate
	}
	script, err := bitai.EnvelopeScript(bitai.XOnly(key), encoding, body)
	require.NoError(t, err)
	pk, cb, err := bitai.CommitOutput(key.PubKey(), script)
	require.NoError(t, err)

	out := wire.NewTxOut(DustLimit, P2TR(key.PubKey()))
	fee := bitai.VSize(bitai.RevealWeight(len(script), out)) * rate
	commit, op := n.Fund(t, pk, fee+out.Value)

	reveal := bitai.RevealSkeleton(op, out)
	prev := commit.TxOut[op.Index]
	fetcher := txscript.NewCannedPrevOutputFetcher(prev.PkScript, prev.Value)
	require.NoError(t, bitai.SignReveal(reveal, 0, fetcher, script, cb, key))
	vm, err := txscript.NewEngine(prev.PkScript, reveal, 0, txscript.StandardVerifyFlags, nil,
		txscript.NewTxSigHashes(reveal, fetcher), prev.Value, fetcher)
	require.NoError(t, err)
	require.NoError(t, vm.Execute(), "reveal fails btcd's script engine")

	if !opts.NoBroadcast {
		ctx, cancel := n.ctx()
		defer cancel()
		_, err := n.client.SendRawTransaction(ctx, reveal)
		require.NoError(t, err, "inscribe: send reveal")
	}
	return &Inscription{Key: key, Script: script, ControlBlock: cb, Commit: commit, CommitOut: op, Reveal: reveal}
}
