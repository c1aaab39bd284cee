package main

import (
	"crypto/sha256"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/bitai"
)

// exampleReveal builds the shipped example (docs/examples/reveal.hex): a reveal whose
// brotli payload holds three regtest txs signed by the faucet key (a Transfer, a
// ModelRegister and an EternalMint on that model). The commit outpoint is synthetic
// (sha256 of a label), so the example is deterministic; the reveal's script-path
// signature is real and checked against the commit output by btcd's engine.
func exampleReveal(t testing.TB) *wire.MsgTx {
	dep, err := bitai.DeploymentFor("regtest")
	require.NoError(t, err)
	faucet := bitai.FaucetKey(bitai.RegtestFaucetSeed)
	inscriber, _ := btcec.PrivKeyFromBytes(sha256Bytes("bitai example inscriber"))
	to := bitai.XOnly(inscriber)

	model := &bitai.ModelRegister{Name: "echo-1", URI: "ipfs://bafyexamplemodel", ContentHash: sha256.Sum256([]byte("echo-1 weights")), Format: "cog", CreatorFee: 100}
	txs := []*bitai.Tx{
		{Version: bitai.TxVersion, Nonce: 0, Fee: 500, Expiry: 1000, Body: &bitai.Transfer{To: to, Amount: 50_000}},
		{Version: bitai.TxVersion, Nonce: 1, Fee: 500, Expiry: 1000, Body: model},
	}
	require.NoError(t, txs[1].SignWithAux(faucet, dep.ID(), [32]byte{}))
	modelID := bitai.ObjectID(txs[1].TxID(), 0)
	txs = append(txs, &bitai.Tx{Version: bitai.TxVersion, Nonce: 2, Fee: 500, Expiry: 1000, Inscriber: &to,
		Body: &bitai.EternalMint{To: to, URI: "ipfs://bafyexampleeternal", SystemPrompt: "You are a helpful agent.", FoundationModel: modelID, Fee: 1000}})

	var raws [][]byte
	for _, tx := range txs {
		require.NoError(t, tx.SignWithAux(faucet, dep.ID(), [32]byte{}))
		raw, err := tx.Encode()
		require.NoError(t, err)
		raws = append(raws, raw)
	}
	body, enc, err := bitai.EncodePayload(raws, true)
	require.NoError(t, err)
	script, err := bitai.EnvelopeScript(to, enc, body)
	require.NoError(t, err)
	pk, cb, err := bitai.CommitOutput(inscriber.PubKey(), script)
	require.NoError(t, err)

	out := &wire.TxOut{Value: 330, PkScript: pk}
	commit := wire.OutPoint{Hash: chainhash.Hash(sha256.Sum256([]byte("bitai example commit"))), Index: 0}
	weight := bitai.RevealWeight(len(script), out)
	prev := &wire.TxOut{Value: 330 + 2*bitai.VSize(weight), PkScript: pk}
	reveal := bitai.RevealSkeleton(commit, out)
	fetcher := txscript.NewCannedPrevOutputFetcher(prev.PkScript, prev.Value)
	require.NoError(t, bitai.SignReveal(reveal, 0, fetcher, script, cb, inscriber))
	vm, err := txscript.NewEngine(prev.PkScript, reveal, 0, txscript.StandardVerifyFlags, nil,
		txscript.NewTxSigHashes(reveal, fetcher), prev.Value, fetcher)
	require.NoError(t, err)
	require.NoError(t, vm.Execute())
	return reveal
}

func sha256Bytes(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}
