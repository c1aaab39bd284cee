// Package inscriber writes BitAI payloads into Bitcoin as ord-compatible commit/reveal
// pairs, with its own BIP86 wallet, a persisted per-payload state machine and deadline
// driven fee bumping.
//
// It must never broadcast a transaction whose raw bytes are not durably stored first,
// and never let two versions of one payload both confirm.
//
// Status: filled by the inscriber issue; nothing here works yet.
package inscriber
