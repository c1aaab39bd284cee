// Package aichain is the AI chain's (L2's) native state transition: the reference
// that the circuits will prove and that BitAI's settlement and the simulator
// (aichain/sim) replay. Its rules are docs/aichain-protocol.md's L-* rules.
//
// The state (rule L-2) is a set of fixed-height sparse 4-ary Merkle trees over
// zkhash.Node4 (rule L-6): accounts (one per BabyJubJub key, 2^32 leaves in 16
// levels), open requests (2^16 leaves in 8 levels,
// slot = inbox index mod 2^16, three assignment slots per leaf), the live miner
// array and the append-only epoch tree of miner-set snapshots. Chain applies one
// batch at a time (ApplyBatch): the epoch boundary, the consumed inbox entries
// (requests, deposits, forced ops judged at their confirm height), then the
// sequencer's ops in typed slots (commits, reveals, resolves, others), then the
// batch's pending credits. It returns the outcome and withdrawal lists, the DA
// record, l2Supply and the public input that SubmitBatch carries.
//
// Ops (rule L-34) have a versioned canonical byte encoding; signed ops carry a
// BabyJubJub EdDSA signature (gnark-crypto's ecc/bn254/twistededwards/eddsa) over
// a field element computed with zkhash, with a zkhash-based challenge hash.
// On a full-rollup chain (params FullRollup) a Reveal is valid only with its
// output (rule L-41): the op carries it, and the batch's inline data v2
// (EncodeBatchData, CheckBatchData) lists one output per reveal after the DA
// record; dataHash stays the DA record's.
//
// Everything is deterministic: no clock, no randomness, no floats, and no map
// iteration order reaches a result. The package imports bitai, zkhash and
// gnark-crypto only, so statemachine may import it.
package aichain
