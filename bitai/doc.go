// Package bitai is the BitAI protocol: network and deployment parameters, transaction
// kinds and their binary codec, txids, object ids and BIP340 signing, payload encoding
// (brotli), the ord envelope (build and parse exactly as ord does), the acceptance
// predicate for BitAI envelopes, chunk framing and reassembly, proof-of-burn outputs and
// the pure commit/reveal building blocks (envelope script, taproot output, control
// block, reveal skeleton, exact weights).
//
// Every consensus rule here is a numbered rule in docs/protocol.md with test vectors
// under testdata/. The package imports only the standard library, btcd's wire, chainhash,
// txscript and btcec (and what they pull in) and andybalholm/brotli; deps_test.go
// enforces that. It must never do I/O, read the wall clock, keep global mutable state or
// depend on storage, RPC or proving code.
package bitai
