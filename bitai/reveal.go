package bitai

import (
	"bytes"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// The pure commit/reveal building blocks (DECISIONS A2; not consensus). A BitAI
// payload is written in two transactions:
//
//   - the commit pays to a taproot output whose internal key is the inscriber key and
//     whose script tree is the single leaf EnvelopeScript(inscriber, …), so the
//     control block is 33 bytes and the inscriber can also sweep the output by key
//     path (with the script-root tweak) if the reveal is never sent;
//   - the reveal spends that output by script path with the witness
//     [sig64, script, controlBlock]: one input, sequence 0xfffffffd (RBF), version 2.
//
// Weights are exact before signing because BIP340 signatures with SIGHASH_DEFAULT are
// always 64 bytes: weight = 4·stripped size + (full size − stripped size).

// Reveal transaction constants.
const (
	RevealTxVersion = 2
	RevealSequence  = wire.MaxTxInSequenceNum - 2 // 0xfffffffd: replaceable, no relative lock
	schnorrSigLen   = 64
)

// RevealLeaf returns the tapscript leaf (leaf version 0xc0) of a reveal script.
func RevealLeaf(script []byte) txscript.TapLeaf {
	return txscript.NewBaseTapLeaf(script)
}

// TapscriptRoot is the merkle root of the one-leaf script tree of script: the leaf's
// hash. It is the tweak input for a key-path sweep of the commit output.
func TapscriptRoot(script []byte) chainhash.Hash {
	return RevealLeaf(script).TapHash()
}

// CommitOutput returns the P2TR output script committing to script as the single leaf
// of a tree with internalKey (the inscriber key), and the 33-byte control block that
// reveals it.
func CommitOutput(internalKey *btcec.PublicKey, script []byte) (pkScript, controlBlock []byte, err error) {
	if internalKey == nil {
		return nil, nil, fmt.Errorf("commit output: nil internal key")
	}
	root := TapscriptRoot(script)
	outKey := txscript.ComputeTaprootOutputKey(internalKey, root[:])
	pkScript, err = txscript.PayToTaprootScript(outKey)
	if err != nil {
		return nil, nil, fmt.Errorf("commit output: %w", err)
	}
	cb := txscript.ControlBlock{
		InternalKey:     internalKey,
		OutputKeyYIsOdd: outKey.SerializeCompressed()[0] == 0x03, // odd y
		LeafVersion:     txscript.BaseLeafVersion,
	}
	controlBlock, err = cb.ToBytes()
	if err != nil {
		return nil, nil, fmt.Errorf("commit output: control block: %w", err)
	}
	return pkScript, controlBlock, nil
}

// RevealSkeleton returns the unsigned reveal: version 2, locktime 0, one input
// spending commit with sequence 0xfffffffd, and the given outputs.
func RevealSkeleton(commit wire.OutPoint, outputs ...*wire.TxOut) *wire.MsgTx {
	tx := wire.NewMsgTx(RevealTxVersion)
	in := wire.NewTxIn(&commit, nil, nil)
	in.Sequence = RevealSequence
	tx.AddTxIn(in)
	for _, out := range outputs {
		tx.AddTxOut(out)
	}
	return tx
}

// SignReveal signs input idx of tx, which spends the commit output committing to script,
// by script path with priv (the inscriber key: the key of script's OP_CHECKSIG), and
// sets its witness to [sig64, script, controlBlock]. prevOuts must return every
// input's spent output (BIP341 signs them all); txscript.NewCannedPrevOutputFetcher
// does for a one-input reveal.
func SignReveal(tx *wire.MsgTx, idx int, prevOuts txscript.PrevOutputFetcher, script, controlBlock []byte,
	priv *btcec.PrivateKey) error {
	prev, err := prevOutOf(tx, idx, prevOuts)
	if err != nil {
		return fmt.Errorf("sign reveal: %w", err)
	}
	if len(script) < tmplKeyPushLen || !bytes.Equal(script[1:33], schnorr.SerializePubKey(priv.PubKey())) {
		return fmt.Errorf("sign reveal: the key does not match the script's OP_CHECKSIG key")
	}
	cb, err := txscript.ParseControlBlock(controlBlock)
	if err != nil {
		return fmt.Errorf("sign reveal: %w", err)
	}
	if err := txscript.VerifyTaprootLeafCommitment(cb, prev.PkScript[2:], script); err != nil {
		return fmt.Errorf("sign reveal: control block does not open the spent output: %w", err)
	}
	sh := txscript.NewTxSigHashes(tx, prevOuts)
	sig, err := txscript.RawTxInTapscriptSignature(tx, sh, idx, prev.Value, prev.PkScript,
		RevealLeaf(script), txscript.SigHashDefault, priv)
	if err != nil {
		return fmt.Errorf("sign reveal: %w", err)
	}
	tx.TxIn[idx].Witness = wire.TxWitness{sig, script, controlBlock}
	return nil
}

// SignKeyPath signs input idx of tx by taproot key path with priv, tweaked by
// scriptRoot (nil or empty: a BIP86 output with no script tree), and sets its witness
// to [sig64].
func SignKeyPath(tx *wire.MsgTx, idx int, prevOuts txscript.PrevOutputFetcher, scriptRoot []byte,
	priv *btcec.PrivateKey) error {
	prev, err := prevOutOf(tx, idx, prevOuts)
	if err != nil {
		return fmt.Errorf("sign key path: %w", err)
	}
	sh := txscript.NewTxSigHashes(tx, prevOuts)
	sig, err := txscript.RawTxInTaprootSignature(tx, sh, idx, prev.Value, prev.PkScript,
		scriptRoot, txscript.SigHashDefault, priv)
	if err != nil {
		return fmt.Errorf("sign key path: %w", err)
	}
	tx.TxIn[idx].Witness = wire.TxWitness{sig}
	return nil
}

// SignCommitSweep signs input idx of tx, which spends a commit output committing to
// script, by key path (the stuck-commit sweep).
func SignCommitSweep(tx *wire.MsgTx, idx int, prevOuts txscript.PrevOutputFetcher, script []byte,
	priv *btcec.PrivateKey) error {
	root := TapscriptRoot(script)
	return SignKeyPath(tx, idx, prevOuts, root[:], priv)
}

// prevOutOf returns the P2TR output input idx of tx spends.
func prevOutOf(tx *wire.MsgTx, idx int, prevOuts txscript.PrevOutputFetcher) (*wire.TxOut, error) {
	if idx < 0 || idx >= len(tx.TxIn) {
		return nil, fmt.Errorf("input %d of %d", idx, len(tx.TxIn))
	}
	prev := prevOuts.FetchPrevOutput(tx.TxIn[idx].PreviousOutPoint)
	if prev == nil || !txscript.IsPayToTaproot(prev.PkScript) {
		return nil, fmt.Errorf("input %d does not spend a P2TR output", idx)
	}
	return prev, nil
}

// Serialized sizes of transaction parts.
const (
	txVersionLockLen = 4 + 4      // version ‖ locktime
	txInLen          = 36 + 1 + 4 // outpoint ‖ empty scriptSig ‖ sequence
	witnessMarkerLen = 2          // segwit marker and flag
	keyPathWitness   = 1 + 1 + 64 // item count ‖ len ‖ sig64
	controlBlockLen  = controlBlockBaseLen
)

// txWeight is the weight of a segwit tx with n inputs (all with empty scriptSigs),
// the given outputs, and witnesses of witnessBytes bytes in all.
func txWeight(n int, outputs []*wire.TxOut, witnessBytes int) int64 {
	base := txVersionLockLen + wire.VarIntSerializeSize(uint64(n)) + n*txInLen +
		wire.VarIntSerializeSize(uint64(len(outputs)))
	for _, out := range outputs {
		base += out.SerializeSize()
	}
	return int64(4*base + witnessMarkerLen + witnessBytes)
}

// RevealWeight is the exact weight of a signed reveal (one script-path input with a
// 33-byte control block) whose script is scriptLen bytes, paying to outputs.
func RevealWeight(scriptLen int, outputs ...*wire.TxOut) int64 {
	witness := 1 + // item count (3)
		1 + schnorrSigLen +
		wire.VarIntSerializeSize(uint64(scriptLen)) + scriptLen +
		1 + controlBlockLen
	return txWeight(1, outputs, witness)
}

// CommitWeight is the exact weight of a signed transaction spending keyPathInputs
// taproot outputs by key path (SIGHASH_DEFAULT) to outputs: a commit funded from P2TR
// wallet outputs, or a commit sweep (1 input).
func CommitWeight(keyPathInputs int, outputs ...*wire.TxOut) int64 {
	return txWeight(keyPathInputs, outputs, keyPathInputs*keyPathWitness)
}

// VSize is the virtual size of a weight: ⌈weight / 4⌉.
func VSize(weight int64) int64 { return (weight + 3) / 4 }

// MaxRevealBody is the largest raw body (kind byte included) whose reveal paying to
// outputs stays within MaxStandardTxWeight, or 0 if none does.
func MaxRevealBody(encoding string, outputs ...*wire.TxOut) int {
	fits := func(n int) bool {
		return RevealWeight(EnvelopeScriptLen(encoding, n), outputs...) <= MaxStandardTxWeight
	}
	lo, hi := 0, MaxStandardTxWeight // fits(lo) or lo == 0; !fits(hi)
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if fits(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}
