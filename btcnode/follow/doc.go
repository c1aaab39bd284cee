// Package follow is the one reorg-aware Bitcoin block follower. The indexer and the
// inscriber both consume it (DESIGN.md §2, §3.3; STYLE.md §9, §10).
//
// A Follower is stateless: a consumer builds it from its own committed tip
// (Config.Start) and a lookup into its own stored block hashes (Config.HashAt), and
// Run delivers the node's active chain to it as events, strictly one at a time:
//
//   - Connect(block, height, hash, prepared): block's parent is the consumer's tip;
//   - Disconnect(block, height, hash): block is the consumer's tip and the node's
//     active chain no longer holds it.
//
// The consumer commits its cursor together with its state inside the handler. The
// follower moves its in-memory cursor only after the handler returns nil; a handler
// error ends Run, and the consumer restarts from its committed tip. Since every event
// is committed on its own, a restart from any cursor, also one half way through a
// reorg, converges to the node's chain.
//
// Reorgs are found by hash: when the node's hash at the cursor height differs from
// the cursor (or the node's chain is now shorter), or when a block about to be
// connected does not have the cursor as its parent. The follower then walks down
// comparing HashAt with the node's hashes to the fork point, of any depth, emits
// Disconnect for each consumer block from the tip down to the fork point + 1 (the
// stale blocks are read by hash; btcd and Bitcoin Core keep side-chain blocks), and
// connects forward. A fork below the consumer's stored history is ErrReorgTooDeep.
// The follower mirrors the node's active chain; it does not judge chain work.
//
// Blocks are fetched and prepared (Config.Prepare: signature checks, DECISIONS D3)
// up to Config.Prefetch ahead, concurrently, and delivered in height order; each is
// re-checked against the cursor when delivered and the window is discarded on a
// mismatch. The node's tip is watched through Config.Notifier when given (btcd's
// notifyblocks), with polling at Config.PollInterval when absent or while the
// subscription is down. Node errors are retried with exponential backoff (capped,
// 5 s by default) and logged at Warn with the attempt count; they never end Run.
//
// Decisions not fixed by the spec: the follower makes no finality judgement
// (finalized = tip − N is the consumer's reporting level); the fork search is linear
// (one BlockHash call per height walked); a Prepare error is fatal only once its block
// is due for delivery; while notifications are live the node is still polled, 30
// times less often, in case one is lost.
//
// The follower must never persist anything, never skip or reorder events,
// never deliver a block whose parent is not the consumer's tip, and never call the
// handler concurrently or after Run has returned.
package follow
