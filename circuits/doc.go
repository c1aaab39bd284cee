// Package circuits will hold the gnark circuits that prove AI-chain state transitions,
// each gadget with a native twin in zkhash or aichain.
//
// It must never use SHA-256, Keccak or secp256k1 in-circuit, and never assert on data an
// inbox op supplies (only boolean checks), so a bad op can never make a batch unprovable.
//
// Status: filled by a later issue; nothing here works yet.
package circuits
