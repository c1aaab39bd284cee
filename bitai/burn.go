package bitai

import (
	"bytes"

	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// Proof of burn (docs/protocol.md rules B-1 to B-3, DECISIONS B8). A burn output's
// script is exactly
//
//	burnScript = 0x6a ‖ 0x25 ‖ "bitai" ‖ key[32]      OP_RETURN <one 37-byte push>
//
// (39 bytes). One push keeps it a standard null-data output for btcd and Bitcoin Core.
// Any other script, including the same data in two pushes or under another push
// opcode, is not a burn and is not recorded.

// Reasons 80–99: proof of burn.
const (
	// ReasonBurnZero: a burn output of value 0 (or, impossibly, below 0).
	ReasonBurnZero Reason = 80
	// ReasonBurnKey: the key is not the x coordinate of a secp256k1 point; the sats
	// stay burned and nobody is credited.
	ReasonBurnKey Reason = 81
)

func init() {
	registerReasons(map[Reason]string{
		ReasonBurnZero: "burn_zero_value",
		ReasonBurnKey:  "burn_key_invalid",
	})
}

// burnTag is the 5 bytes before the key in a burn push.
const burnTag = "bitai"

// BurnScriptLen is the length of a burn output's script.
const BurnScriptLen = 2 + len(burnTag) + 32

// burnPrefix is the burn script up to the key.
var burnPrefix = append([]byte{txscript.OP_RETURN, byte(len(burnTag) + 32)}, burnTag...)

// BurnScript returns the output script that burns its value to the account key.
func BurnScript(key [32]byte) []byte {
	s := make([]byte, 0, BurnScriptLen)
	s = append(s, burnPrefix...)
	return append(s, key[:]...)
}

// Burn is one burn output of a transaction. Reason is ReasonNone when it credits Key
// with Amount satoshis.
type Burn struct {
	Output int
	Key    [32]byte
	Amount uint64
	Reason Reason
}

// ParseBurns returns tx's burn outputs in output order (rules B-1 to B-3): every output
// whose script is exactly a burn script, each with ReasonNone (credit) or the reason
// it credits nothing.
func ParseBurns(tx *wire.MsgTx) []Burn {
	var burns []Burn
	for i, out := range tx.TxOut {
		if len(out.PkScript) != BurnScriptLen || !bytes.HasPrefix(out.PkScript, burnPrefix) {
			continue
		}
		b := Burn{Output: i}
		copy(b.Key[:], out.PkScript[len(burnPrefix):])
		switch {
		case out.Value <= 0:
			b.Reason = ReasonBurnZero
		case !burnKeyLifts(b.Key):
			b.Reason = ReasonBurnKey
		default:
			b.Amount = uint64(out.Value)
		}
		burns = append(burns, b)
	}
	return burns
}

// burnKeyLifts reports whether an x-only key is the x coordinate of a curve point
// (BIP340 lift_x).
func burnKeyLifts(key [32]byte) bool {
	_, err := schnorr.ParsePubKey(key[:])
	return err == nil
}
