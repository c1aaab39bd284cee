package sim

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/bitai-l2/bitai/aichain"
	"github.com/bitai-l2/bitai/bitai"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// Actor is one participant: a BitAI key (BIP340, pays and signs BitAI txs) and an
// L2 key (BabyJubJub, owns an L2 account and signs L2 ops). Both derive from the
// name, so a scenario names actors and every run sees the same keys.
type Actor struct {
	Name  string
	BTC   *btcec.PrivateKey
	Key   [32]byte // x-only BitAI key
	L2    *aichain.PrivateKey
	L2Key [32]byte // compressed L2 key
}

// newActor derives an actor's keys from its name.
func newActor(name string) (*Actor, error) {
	k := sha256.Sum256([]byte("bitai sim btc " + name))
	priv, _ := btcec.PrivKeyFromBytes(k[:])
	l2, err := aichain.NewKey(sha256.Sum256([]byte("bitai sim l2 " + name)))
	if err != nil {
		return nil, fmt.Errorf("actor %s: %w", name, err)
	}
	return &Actor{Name: name, BTC: priv, Key: bitai.XOnly(priv), L2: l2, L2Key: aichain.PublicKey(l2)}, nil
}

// Tx is one BitAI transaction the simulation sends: queued by an action, signed
// when a block takes it (nonce from the state at that point), then mined.
type Tx struct {
	Label string // scenario label of the object it creates ("" if none)
	From  *Actor
	Body  bitai.Body
	Raw   []byte          // signed encoding (set when first mined; kept across reorgs)
	TxID  [32]byte        // BitAI txid
	Obj   bitai.ID        // ObjectID(txid, 0): the request, deposit, message, chain … it creates
	Batch *Batch          // SubmitBatch: what the simulator built
	Exit  *ExitIntent     // Exit: what it claims
	Force *ForcedOp       // ChainMessage: the op it forces (nil for junk)
	Event *EventSummary   // result of its last application (nil while unmined)
	reg   *ChainInfo      // ChainRegister: the chain it launches
	prev  *wire.OutPoint  // unique input outpoint of its Bitcoin tx
	btc   *wire.MsgTx     // its Bitcoin tx once built
	hash  *chainhash.Hash // Bitcoin txid
}

// EventSummary is what the state machine did with a tx.
type EventSummary struct {
	Height  uint32
	Applied bool
	Reason  bitai.Reason
}

// ExitIntent is an Exit the simulator built: which account it names, who signed,
// the recipient and the amount the settled state owes.
type ExitIntent struct {
	Chain     bitai.ID
	Index     uint32
	Recipient [32]byte
	Amount    uint64
	Owner     *Actor // the account's key holder
	Signer    *Actor // who signed the exit message
}

// ForcedOp is an L2 op sent by ChainMessage, for the honest-miner check.
type ForcedOp struct {
	Chain bitai.ID
	By    *Actor
	Op    aichain.Op
	Sent  uint32 // tip height when queued
	// C2 says client rule C-2 allowed the op when it was sent (reveals): the tip
	// was at least c + commitTimeout + SubmitWindow, or a settled batch deep enough
	// to survive reorgs showed all 3 slots committed.
	C2 bool
}

// sign fills the tx's nonce and expiry and signs it; ids follow.
func (t *Tx) sign(depID [32]byte, nonce uint64, height uint32) error {
	tx := &bitai.Tx{Version: bitai.TxVersion, Sender: t.From.Key, Nonce: nonce,
		Expiry: height + bitai.MaxExpiryDistance - 16, Body: t.Body}
	if err := tx.Sign(t.From.BTC, depID); err != nil {
		return fmt.Errorf("sign %s: %w", t.Body.Kind(), err)
	}
	raw, err := tx.Encode()
	if err != nil {
		return fmt.Errorf("encode %s: %w", t.Body.Kind(), err)
	}
	t.Raw, t.TxID = raw, tx.TxID()
	t.Obj = bitai.ObjectID(t.TxID, 0)
	return nil
}

// bitcoinTx wraps the signed tx in a Bitcoin tx with one envelope input, as an
// inscriber's reveal would (the script-path signature is not checked by BitAI).
func (t *Tx) bitcoinTx() (*wire.MsgTx, error) {
	if t.btc != nil {
		return t.btc, nil
	}
	body, enc, err := bitai.EncodePayload([][]byte{t.Raw}, false)
	if err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	script, err := bitai.EnvelopeScript(t.From.Key, enc, body)
	if err != nil {
		return nil, fmt.Errorf("envelope: %w", err)
	}
	cb := append([]byte{bitai.TapscriptLeafVersion}, bytes.Repeat([]byte{0x02}, 32)...)
	prev := wire.OutPoint{Hash: chainhash.Hash(sha256.Sum256(t.Raw))}
	tx := wire.NewMsgTx(bitai.RevealTxVersion)
	tx.AddTxIn(wire.NewTxIn(&prev, nil, wire.TxWitness{make([]byte, 64), script, cb}))
	tx.AddTxOut(wire.NewTxOut(330, append([]byte{0x51, 0x20}, t.TxID[:]...)))
	h := tx.TxHash()
	t.btc, t.hash = tx, &h
	return tx, nil
}

// coinbase returns a unique coinbase for a block.
func coinbase(height, fork uint32) *wire.MsgTx {
	tx := wire.NewMsgTx(1)
	sig := binary.BigEndian.AppendUint32([]byte{0x08}, height)
	sig = binary.BigEndian.AppendUint32(sig, fork)
	tx.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{}, wire.MaxPrevOutIndex), sig, nil))
	tx.AddTxOut(wire.NewTxOut(50, []byte{0x51}))
	return tx
}

// makeBlock builds a block at height over prev with the given txs. The header
// commits to the txs and the fork counter, so a block re-mined after a reorg has
// a new hash (and so new assignment seeds).
func makeBlock(prev chainhash.Hash, height, fork uint32, txs []*wire.MsgTx) *wire.MsgBlock {
	b := &wire.MsgBlock{Header: wire.BlockHeader{Version: 4, PrevBlock: prev, Nonce: height}}
	b.Transactions = append([]*wire.MsgTx{coinbase(height, fork)}, txs...)
	d := sha256.New()
	for _, tx := range b.Transactions {
		h := tx.TxHash()
		d.Write(h[:])
	}
	copy(b.Header.MerkleRoot[:], d.Sum(nil))
	return b
}
