// Package indexer follows a Bitcoin node through btcnode/follow and feeds each
// block's BitAI content to the state machine inside that block's single pebble batch
// (DESIGN.md §3.3, STYLE.md §9–§10).
//
// Per Connect, one store.Recorder batch committed with pebble.Sync holds: the state
// machine's writes (statemachine.ApplyBlock through statemachine.NewPebbleState),
// the index records of keys.go (block hash, events, block summary, state hash and one
// inclusion record per BitAI tx event, all recorded so the undo record reverts them),
// the undo record and the cursor (both unrecorded). stateHash_h =
// statemachine.StateHash(stateHash_{h−1}, blockHash, eventsHash, writeSetHash) with
// the write set of the state namespace only. Per Disconnect, one synced batch applies
// the stored undo record, deletes it and moves the cursor to the parent. A kill or
// power loss at any instant therefore leaves the previous block's state or the next
// one, and a restart resumes from the committed cursor (the follower finds fork
// points of any depth through HashAt over the stored block hashes).
//
// Signatures are verified in the follower's prefetch stage on all cores
// (statemachine.Prepare as follow's Prepare hook, DECISIONS D3); the block loop only
// applies. Queries (Reader, API) read one pebble snapshot each; a running indexer
// serves the same API as JSON on a unix socket in the datadir (socket.go), since
// pebble locks its directory even read-only (DECISIONS A6). OpenAPI picks the database
// or the socket and never fails silently.
//
// Decisions the spec left open, taken here:
//   - The datadir records, on first start, the deployment id, protocol version and the
//     node's blocks at and below the activation height (meta in keys.go). A datadir
//     of another deployment or protocol version is refused at Start (ErrWrongDatadir);
//     a node with another genesis (ErrWrongNetwork) or another block at the activation
//     height (ErrActivationMismatch) is refused before anything is applied, and the
//     activation block is re-checked before every Disconnect, so a wiped regtest is
//     refused before any block is unwound. Reorgs reaching the activation block are
//     refused (DECISIONS D2 keeps undo records back to activation, not below).
//   - Until the node reaches the activation height the indexer waits (logging once),
//     as for a node still syncing.
//   - The follower does not pass heights to its Prepare hook; the indexer remembers
//     the height of every hash the follower looked up (heightChain) and prepares a
//     block in the handler when that misses.
//   - Node errors are retried with backoff (bad credentials are fatal); a handler
//     error (database, state machine) ends Run: the process restarts from the cursor.
//   - The block summary, events and inclusions are the index's own (non-consensus)
//     encodings, documented in keys.go and records.go; events reuse the state
//     machine's consensus event encoding.
//   - Progress: ProgressInfo after every event to Config.Progress (BarProgress on a
//     terminal, LogProgress otherwise); rates use the wall clock and never reach
//     consensus.
//
// The indexer must never apply a block partially, keep state outside the block
// batch, or decide consensus rules itself: those live in bitai and statemachine.
package indexer
