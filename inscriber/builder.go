package inscriber

import (
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/bitai-l2/bitai/bitai"
)

// The builder: pure functions from a plan to signed transactions (no storage, no
// node). Weights are exact before signing (BIP340 signatures with SIGHASH_DEFAULT are
// always 64 bytes), every transaction is checked against its computed weight and run
// through btcd's script engine with the standard verify flags before it is returned,
// so nothing unverified is ever stored or broadcast (DESIGN §3.5, STYLE §11).

// DustLimit is the smallest P2TR output Bitcoin Core and btcd relay (330 sat).
const DustLimit = 330

// ErrBuild is returned when a plan cannot be turned into valid transactions.
var ErrBuild = errors.New("inscriber: build")

// p2trOutLen is a P2TR output's serialized size: value u64 ‖ len ‖ OP_1 ‖ push32.
var p2trTemplate = wire.NewTxOut(0, make([]byte, 34))

// envelope is one part's tapscript and the commit output that commits to it.
type envelope struct {
	Script       []byte
	PkScript     []byte // P2TR output of the commit
	ControlBlock []byte
}

// makeEnvelope builds the BitAI envelope of body for the inscriber key.
func makeEnvelope(key *btcec.PrivateKey, encoding string, body []byte) (envelope, error) {
	script, err := bitai.EnvelopeScript(bitai.XOnly(key), encoding, body)
	if err != nil {
		return envelope{}, fmt.Errorf("envelope: %w", err)
	}
	pk, cb, err := bitai.CommitOutput(key.PubKey(), script)
	if err != nil {
		return envelope{}, fmt.Errorf("envelope: %w", err)
	}
	return envelope{Script: script, PkScript: pk, ControlBlock: cb}, nil
}

// maxWholeBody is the largest raw body one reveal (one P2TR output) carries.
func maxWholeBody(encoding string) int {
	return bitai.MaxRevealBody(encoding, p2trTemplate)
}

// chunkBodySize returns 0 when a payload of size bytes of E fits one reveal, and
// otherwise the chunk body size to split it with (DESIGN §3.1).
func chunkBodySize(encoding string, size int) int {
	max := maxWholeBody(encoding)
	if 1+size <= max {
		return 0
	}
	return max
}

// partBodies returns the raw bodies of a payload's parts: one whole body (kind byte
// 0x00 ‖ E) when chunkBody is 0, else the chunk bodies of bitai.SplitChunks.
func partBodies(encoding string, e []byte, chunkBody int) ([][]byte, error) {
	if chunkBody == 0 {
		body := make([]byte, 0, 1+len(e))
		body = append(body, bitai.BodyKindPayload)
		return [][]byte{append(body, e...)}, nil
	}
	bodies, err := bitai.SplitChunks(encoding, e, chunkBody)
	if err != nil {
		return nil, fmt.Errorf("chunks: %w", err)
	}
	return bodies, nil
}

// revealVSize is the exact vsize of a signed reveal whose script is scriptLen bytes,
// paying to one P2TR output.
func revealVSize(scriptLen int) int64 {
	return bitai.VSize(bitai.RevealWeight(scriptLen, p2trTemplate))
}

// coin is an output the builder spends by taproot key path: a BIP86 wallet output
// (Root nil) or a commit output (Root = its tapscript root, for sweeps).
type coin struct {
	OutPoint wire.OutPoint
	Value    int64
	PkScript []byte
	Key      *btcec.PrivateKey
	Root     []byte
}

// fetcherOf returns the prevout fetcher of coins.
func fetcherOf(coins []coin) *txscript.MultiPrevOutFetcher {
	f := txscript.NewMultiPrevOutFetcher(nil)
	for _, c := range coins {
		f.AddPrevOut(c.OutPoint, wire.NewTxOut(c.Value, c.PkScript))
	}
	return f
}

// buildKeyPathTx spends coins (in order) to outs plus, when it is not dust, a change
// output paying change, at rate sat/vB, all inputs signed by key path. It returns the
// signed tx and its fee. A fee above the inputs minus outs is ErrBuild.
func buildKeyPathTx(coins []coin, outs []*wire.TxOut, change []byte, rate int64) (*wire.MsgTx, int64, error) {
	var in, out int64
	for _, c := range coins {
		in += c.Value
	}
	for _, o := range outs {
		out += o.Value
	}
	all := outs
	var changeOut *wire.TxOut
	if change != nil {
		changeOut = wire.NewTxOut(0, change)
		all = append(append([]*wire.TxOut(nil), outs...), changeOut)
	}
	fee := bitai.VSize(bitai.CommitWeight(len(coins), all...)) * rate
	if changeOut != nil {
		if v := in - out - fee; v >= DustLimit {
			changeOut.Value = v
		} else {
			all = outs
			fee = bitai.VSize(bitai.CommitWeight(len(coins), all...)) * rate
		}
	}
	if in-out < fee {
		return nil, 0, fmt.Errorf("%w: inputs of %d sat cannot pay %d sat and a fee of %d sat", ErrBuild, in, out, fee)
	}
	fee = in - out - valueOf(changeOut, all)
	tx := wire.NewMsgTx(2)
	for _, c := range coins {
		op := c.OutPoint
		txin := wire.NewTxIn(&op, nil, nil)
		txin.Sequence = bitai.RevealSequence // replaceable (BIP125)
		tx.AddTxIn(txin)
	}
	for _, o := range all {
		tx.AddTxOut(o)
	}
	fetch := fetcherOf(coins)
	for i, c := range coins {
		if err := bitai.SignKeyPath(tx, i, fetch, c.Root, c.Key); err != nil {
			return nil, 0, fmt.Errorf("%w: %w", ErrBuild, err)
		}
	}
	if err := verifyTx(tx, fetch, bitai.CommitWeight(len(coins), all...)); err != nil {
		return nil, 0, err
	}
	return tx, fee, nil
}

// valueOf is change's value when it is among all, else 0.
func valueOf(change *wire.TxOut, all []*wire.TxOut) int64 {
	for _, o := range all {
		if o == change {
			return o.Value
		}
	}
	return 0
}

// buildReveal spends parent (worth inValue, committing to env) by script path to one
// output paying outScript the rest after fee. The output must not be dust.
func buildReveal(key *btcec.PrivateKey, env envelope, parent wire.OutPoint, inValue, fee int64,
	outScript []byte) (*wire.MsgTx, error) {
	if inValue-fee < DustLimit {
		return nil, fmt.Errorf("%w: reveal input of %d sat cannot pay a fee of %d sat and dust", ErrBuild, inValue, fee)
	}
	out := wire.NewTxOut(inValue-fee, outScript)
	tx := bitai.RevealSkeleton(parent, out)
	fetch := txscript.NewCannedPrevOutputFetcher(env.PkScript, inValue)
	if err := bitai.SignReveal(tx, 0, fetch, env.Script, env.ControlBlock, key); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBuild, err)
	}
	if err := verifyTx(tx, fetch, bitai.RevealWeight(len(env.Script), out)); err != nil {
		return nil, err
	}
	return tx, nil
}

// verifyTx checks tx's weight against the weight computed before signing and the
// standard limit, and runs every input through btcd's script engine with the
// standard verify flags.
func verifyTx(tx *wire.MsgTx, fetch txscript.PrevOutputFetcher, wantWeight int64) error {
	weight := int64(tx.SerializeSizeStripped()*3 + tx.SerializeSize())
	if weight != wantWeight {
		return fmt.Errorf("%w: %s weighs %d WU, computed %d", ErrBuild, tx.TxHash(), weight, wantWeight)
	}
	if weight > bitai.MaxStandardTxWeight {
		return fmt.Errorf("%w: %s weighs %d WU, over the standard %d", ErrBuild, tx.TxHash(), weight, bitai.MaxStandardTxWeight)
	}
	hashes := txscript.NewTxSigHashes(tx, fetch)
	for i, in := range tx.TxIn {
		prev := fetch.FetchPrevOutput(in.PreviousOutPoint)
		if prev == nil {
			return fmt.Errorf("%w: %s input %d: unknown prevout", ErrBuild, tx.TxHash(), i)
		}
		vm, err := txscript.NewEngine(prev.PkScript, tx, i, txscript.StandardVerifyFlags, nil, hashes, prev.Value, fetch)
		if err != nil {
			return fmt.Errorf("%w: %s input %d: %w", ErrBuild, tx.TxHash(), i, err)
		}
		if err := vm.Execute(); err != nil {
			return fmt.Errorf("%w: %s input %d fails btcd's script engine: %w", ErrBuild, tx.TxHash(), i, err)
		}
	}
	return nil
}

// txVSize is a signed transaction's virtual size.
func txVSize(tx *wire.MsgTx) int64 {
	return bitai.VSize(int64(tx.SerializeSizeStripped()*3 + tx.SerializeSize()))
}
