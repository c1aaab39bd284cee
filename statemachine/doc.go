// Package statemachine executes BitAI transactions deterministically: accounts,
// genesis allocations and proof-of-burn credits, chunk sets, models, Eternals,
// inference requests, the AI-chain registry with its inboxes and accumulators,
// deposits, forced ops, reclaims, batch settlement with its bridge, and exits
// (docs/protocol.md rules S-*, T-12).
//
// Settlement (rules S-23 to S-26) checks a SubmitBatch natively against the chain's
// settlement state and inbox, recomputes the public input (PublicInputs) and hands
// the proof to a BatchVerifier (Config.BatchVerifier). Until Groth16 proofs exist,
// NativeVerifier replays the batch with package aichain and compares public inputs;
// it is stateful (it keeps the L2 states it derived) and needs the sequencers'
// signed ops, which a WitnessSource supplies. A simulator or test drives settlement
// like a sequencer: NewChainView for the inbox, aichain.Chain.ApplyBatch for the
// batch, WitnessStore.PutOps for the witness, SubmitBatchFor for the tx body.
//
// It owns the consensus state namespace (keys 0x01–0x7f, keys.go) and its value
// encoding (records.go), the consensus events (events.go) and the hashes chained into
// stateHash (hash.go). It must never read the wall clock, iterate maps in consensus
// paths, use floats, or touch the network; everything it knows arrives as a Bitcoin
// block.
//
// Work is split in two (DECISIONS D3, A9). Machine.Prepare is pure: it extracts burns
// and BitAI candidates, decodes payloads and txs and verifies every signature on all
// cores, so the indexer can run it ahead for several blocks. Machine.ApplyBlock then
// applies the prepared block to a State (NewPebbleState over the indexer's
// store.Recorder; an Overlay for the mempool later). ApplyBlock buffers the whole
// block in an Overlay and writes only its net diff at the end, so the caller's write
// set is exactly what WriteSetHash covers (rule S-20); each tx's execution runs in a
// nested Overlay that an execution failure drops (rule S-15).
//
// Not consensus, decided here: events carry every field fixed-width so consumers
// (the indexer's tx-by-txid inclusions, block summaries) need no second decoder; a
// block below the activation height is refused with ErrBelowActivation rather than
// applied as a no-op; verifying keys are checked by a structural pre-scan before
// gnark's decoder, which allocates whatever counts it reads. Decided here and written
// into rules S-25/S-26: a node without a BatchVerifier fails every SubmitBatch as
// unsupported rather than settling unchecked; a chain without a batch for
// FreezeBlocks is frozen for good (no batch after an exit); outcomes, deposits and
// withdrawals settle in list order, with the supply check last; the forced-inclusion
// rule takes the inbox slot count from the verifier (BatchVerifier.Shape), since
// the deployment does not record circuit shapes.
package statemachine
