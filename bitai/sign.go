package bitai

import (
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
)

// Error kinds of tx authentication (rule T-12).
const (
	// ErrBadSenderKey: the sender's x-only key does not lift to a curve point.
	ErrBadSenderKey = ErrorKind("ErrBadSenderKey")
	// ErrBadSignature: the BIP340 signature does not verify.
	ErrBadSignature = ErrorKind("ErrBadSignature")
)

// TxID returns the tx's id (rule T-10), which does not cover the signature:
//
//	txid = TaggedHash("BitAI/txid", unsigned)
func (tx *Tx) TxID() [32]byte { return taggedHash(TagTxID, tx.UnsignedBytes()) }

// SigHash returns the message the sender signs (rule T-11):
//
//	sighash = TaggedHash("BitAI/sig", deploymentID [32] ‖ unsigned)
func (tx *Tx) SigHash(deploymentID [32]byte) [32]byte {
	return taggedHash(TagSig, deploymentID[:], tx.UnsignedBytes())
}

// XOnly returns the BIP340 x-only public key of priv.
func XOnly(priv *btcec.PrivateKey) [32]byte {
	return [32]byte(schnorr.SerializePubKey(priv.PubKey()))
}

// Sign sets Sender to priv's x-only key and Sig to a BIP340 signature over
// SigHash(deploymentID), with auxiliary randomness zero (BIP340's nonce derivation,
// so the signature is deterministic and reproducible by any BIP340 signer). It
// fails if the tx breaks a codec rule (Validate).
func (tx *Tx) Sign(priv *btcec.PrivateKey, deploymentID [32]byte) error {
	return tx.SignWithAux(priv, deploymentID, [32]byte{})
}

// SignWithAux is Sign with caller-chosen BIP340 auxiliary randomness.
func (tx *Tx) SignWithAux(priv *btcec.PrivateKey, deploymentID [32]byte, aux [32]byte) error {
	tx.Sender = XOnly(priv)
	if err := tx.Validate(); err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	h := tx.SigHash(deploymentID)
	sig, err := schnorr.Sign(priv, h[:], schnorr.CustomNonce(aux))
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	copy(tx.Sig[:], sig.Serialize())
	return nil
}

// SigJob returns the signature check of the tx under deploymentID, for a Verifier.
func (tx *Tx) SigJob(deploymentID [32]byte) SigJob {
	return SigJob{PubKey: tx.Sender, Msg: tx.SigHash(deploymentID), Sig: tx.Sig}
}

// VerifySig checks the tx's signature under deploymentID (rule T-12): an error of
// kind ErrBadSenderKey if Sender does not lift, ErrBadSignature if the BIP340
// signature does not verify.
func (tx *Tx) VerifySig(deploymentID [32]byte) error {
	return tx.SigJob(deploymentID).Verify()
}

// SigJob is one BIP340 check: Sig over the 32-byte Msg by the x-only PubKey.
type SigJob struct {
	PubKey [32]byte
	Msg    [32]byte
	Sig    [64]byte
}

// Verify runs the check with btcec's BIP340 verification; nil means valid.
func (j SigJob) Verify() error {
	pub, err := schnorr.ParsePubKey(j.PubKey[:])
	if err != nil {
		return ruleError(ErrBadSenderKey, "sender key %x does not lift: %v", j.PubKey, err)
	}
	sig, err := schnorr.ParseSignature(j.Sig[:])
	if err != nil {
		return ruleError(ErrBadSignature, "signature: %v", err)
	}
	if !sig.Verify(j.Msg[:], pub) {
		return ruleError(ErrBadSignature, "signature does not verify")
	}
	return nil
}
