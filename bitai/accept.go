package bitai

import (
	"bytes"

	"github.com/btcsuite/btcd/wire/v2"
)

// The acceptance predicate (docs/protocol.md rule E-6, DESIGN §3.1, DECISIONS B7/B15).
//
// An input is a BitAI candidate when ord's parser (ParseEnvelopes) finds in its leaf
// script an envelope whose content type is ContentType or whose metaprotocol is
// Metaprotocol. Only candidates are recorded; every other input, inscription or not,
// is no concern of BitAI. A candidate is accepted when, in this order:
//
//  1. the control block (the witness's last element, or the one before an annex) is
//     33 + 32·m bytes with m ≤ 128 (ReasonControlBlock);
//  2. its leaf version, byte 0 & 0xfe, is 0xc0 (ReasonLeafVersion);
//  3. the leaf script matches the template byte for byte (MatchTemplate's reasons);
//  4. the body's first byte is 0x00 or 0x01 (ReasonBodyKind).
//
// Any control-block depth is allowed and the annex is tolerated, as ord does; an input
// of any index may carry a BitAI envelope, one per input (the template allows no
// second one). The template makes ord's flags (duplicate_field, incomplete_field,
// unrecognized_even_field, pushnum, stutter) false and puts the envelope at offset 0.

// Control block sizes (BIP341).
const (
	controlBlockBaseLen = 33
	controlBlockNodeLen = 32
	controlBlockMaxLen  = controlBlockBaseLen + 128*controlBlockNodeLen
	// TapscriptLeafVersion is the only leaf version BitAI accepts.
	TapscriptLeafVersion = 0xc0
)

// Candidate is one input of a transaction that carries a BitAI envelope. When Reason is
// ReasonNone the input is accepted and Inscriber, Encoding and Body are set; otherwise
// they are zero and the candidate is ignored with Reason.
type Candidate struct {
	Input     int
	Inscriber [32]byte
	Encoding  string // "" or "br"
	Body      []byte // the raw body, kind byte included
	Reason    Reason
}

// AcceptTx returns tx's BitAI candidates in input order, each accepted or with the
// reason it is not (rule E-6).
func AcceptTx(tx *wire.MsgTx) []Candidate {
	if tx == nil || !mayHoldBitAI(tx) {
		return nil
	}
	var out []Candidate
	last := -1
	for _, env := range ParseEnvelopes(tx) {
		if env.Input == last || !isBitAIEnvelope(&env.Inscription) {
			continue
		}
		last = env.Input
		out = append(out, acceptInput(env.Input, tx.TxIn[env.Input].Witness))
	}
	return out
}

// mayHoldBitAI is a sound pre-filter: a BitAI content type or metaprotocol value is
// pushed verbatim, and both contain "bitai", so a leaf script without those bytes
// cannot hold a candidate.
func mayHoldBitAI(tx *wire.MsgTx) bool {
	for _, in := range tx.TxIn {
		if script, ok := TapscriptOf(in.Witness); ok && bytes.Contains(script, []byte(Metaprotocol)) {
			return true
		}
	}
	return false
}

// isBitAIEnvelope reports whether ord's reading of an envelope names BitAI.
func isBitAIEnvelope(ins *Inscription) bool {
	return (ins.HasContentType && string(ins.ContentType) == ContentType) ||
		(ins.HasMetaprotocol && string(ins.Metaprotocol) == Metaprotocol)
}

// acceptInput applies rule E-6 to a candidate input's witness.
func acceptInput(input int, witness wire.TxWitness) Candidate {
	c := Candidate{Input: input}
	script, cb, ok := TapLeafOf(witness)
	if !ok || len(cb) < controlBlockBaseLen || len(cb) > controlBlockMaxLen ||
		(len(cb)-controlBlockBaseLen)%controlBlockNodeLen != 0 {
		c.Reason = ReasonControlBlock
		return c
	}
	if cb[0]&0xfe != TapscriptLeafVersion {
		c.Reason = ReasonLeafVersion
		return c
	}
	inscriber, encoding, body, reason := MatchTemplate(script)
	if reason != ReasonNone {
		c.Reason = reason
		return c
	}
	if body[0] != BodyKindPayload && body[0] != BodyKindChunk {
		c.Reason = ReasonBodyKind
		return c
	}
	c.Inscriber, c.Encoding, c.Body = inscriber, encoding, body
	return c
}
