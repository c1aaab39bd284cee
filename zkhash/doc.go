// Package zkhash owns BitAI's field encoding and algebraic hashing over the BN254
// scalar field: how 256-bit values, ids, integers and byte strings become field
// elements, the Poseidon2 permutation with its parameters (width 4, RF = 8,
// RP = 56, set explicitly), the domain-tagged, length-prefixed rate-3 sponge
// for lists (Hash), the 4-to-1 tree node (Node4), the AI-chain inbox entry
// hashes and accumulator, and the validity rule for BabyJubJub L2 account keys.
// Every rule here is consensus (docs/protocol.md, rules Z-*) and is pinned by
// known-answer vectors in testdata/kat.json.
//
// It is shared by statemachine, aichain and the in-circuit twins in circuits, so
// that native and in-circuit hashing cannot drift: circuits must build the same
// permutation with gnark's poseidon2.NewPoseidon2FromParameters(api, 4, 8, 56),
// never with gnark's default parameters (width 2, 6/50 for BN254), and start a
// list hash's capacity lane at the constant IV(tag, n).
//
// Width 4 replaced width 2 (2-to-1 Compress, one element absorbed per
// permutation, binary trees) before any circuit was written, on the AI-chain
// cost model (issue 6, docs/aichain-costmodel.md): one width-4 permutation
// costs about 1.2 width-2 ones (264 vs 216 R1CS constraints) but absorbs 3
// list elements instead of 1 and replaces two binary tree levels, which brings
// a settled inference from about 117k to about 74k constraints. Binary
// Node/Compress are gone: nothing needs a 2-to-1 compression any more. The instance is gnark-crypto's built-in
// width-4 one, the same as Aztec barretenberg's (Noir's) Poseidon2; the
// sponge layout (capacity lane 0, tag and length in the IV, output lane 1) is
// BitAI's own, not barretenberg's.
//
// zkhash imports only the standard library and gnark-crypto (enforced by
// TestDeps). It must never import gnark's frontend outside tests, pebble, btcd or
// any other project package, hold state, log, or read the clock.
package zkhash
