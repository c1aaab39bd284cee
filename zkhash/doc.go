// Package zkhash owns BitAI's field encoding and algebraic hashing over the BN254
// scalar field: how 256-bit values, ids, integers and byte strings become field
// elements, the Poseidon2 permutation with its parameters (width 2, RF = 8,
// RP = 56, set explicitly), domain-tagged length-prefixed list hashing, tree-node
// compression, the AI-chain inbox entry hashes and accumulator, and the validity
// rule for BabyJubJub L2 account keys. Every rule here is consensus
// (docs/protocol.md, rules Z-*) and is pinned by known-answer vectors in
// testdata/kat.json.
//
// It is shared by statemachine, aichain and the in-circuit twins in circuits, so
// that native and in-circuit hashing cannot drift: circuits must build the same
// permutation with gnark's poseidon2.NewPoseidon2FromParameters(api, 2, 8, 56),
// never with gnark's default parameters (6/50 for BN254).
//
// zkhash imports only the standard library and gnark-crypto (enforced by
// TestDeps). It must never import gnark's frontend outside tests, pebble, btcd or
// any other project package, hold state, log, or read the clock.
package zkhash
