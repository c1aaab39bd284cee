// Package inscriber writes BitAI payloads into Bitcoin as ord-compatible commit/reveal
// pairs (DESIGN.md §3.1, §3.5), with its own BIP86 wallet (inscriber/wallet), a
// persisted per-batch state machine, deadline-driven fee bumping (inscriber/fees) and
// a broadcast schedule held to Bitcoin Core's mempool policy (inscriber/policy).
//
// It owns <datadir>/inscriber (one pebble database: keys.go) and is its database's
// one consumer of btcnode/follow: every block is applied in one synced batch carrying
// the wallet's UTXO changes, which of our transactions confirmed and which of our
// inputs someone else spent, the block's undo record and the cursor. The state
// machine (state.go) runs after every block and every Enqueue: planned → signed →
// commit sent → reveal sent → confirmed(depth), with replan, stuck → sweeping → swept
// and abandoned; each transition is persisted with pebble.Sync before it counts.
//
// It must never broadcast a transaction whose raw bytes are not durably stored first,
// never let two versions of one payload both confirm where Bitcoin can prevent it
// (every replacement spends an input of every earlier version), never judge
// confirmation from a node's mempool (only from blocks), and never log through a
// global logger.
//
// Decisions the spec left open (not consensus):
//
//   - The unit of the state machine is a batch: one commit transaction and one reveal
//     slot per part. A payload that fits one reveal is one part (ModePairs); a larger
//     one is chunked with bitai.SplitChunks at the largest standard body, and its
//     commit has one output per chunk, so the commit is the fan-out: its reveals wait
//     until it confirms, then each spends its own confirmed output and all go out in
//     one block, well inside ChunkWindowBlocks (DECISIONS C5). Until then the commit
//     alone is replaced by RBF. Config.Chain > 1 puts whole payloads enqueued together
//     (EnqueueMany) into one ModeChained stream (DECISIONS C3): reveal i's only output
//     is part i+1's commit output; a bump replaces the first unconfirmed reveal and
//     signs the chain after it again.
//   - Commit outputs are funded for their reveals at the fee cap (plus 330 sat of
//     change), so reveals are bumped without touching the commit. Every signed
//     version is checked against its precomputed weight and by btcd's script engine
//     with the standard flags before it is stored.
//   - Block facts (keyConf, keySpent) are keys only block processing writes, and the
//     state machine derives its transitions from them, so a disconnect, which applies
//     the block's undo record, can never roll back a transaction the state machine
//     signed since. A disconnect at any depth sends a confirmed batch back to reveal
//     sent; what the node lost is sent again; a commit input spent by someone else's
//     confirmed transaction starts a new epoch (re-plan) with other coins, including
//     an input of the dead epoch where one survives.
//   - DECISIONS C1: a re-plan spends, as an anchor, an input of the dead epoch that
//     survived (a multi-input commit whose other input was double-spent), so the
//     versions conflict. When a reorg double-spent every input of the old version the
//     new one cannot conflict with it, and if the chain goes back both can confirm:
//     the inscriber then makes the confirmed earlier epoch current again, and records
//     confirmations of other epochs (PayloadInfo.Duplicates, a Warn log); the
//     protocol makes the copy a no-op.
//   - The broadcast schedule: our unconfirmed transactions are loaded into a model of
//     Core's mempool (25 txs / 101 kvB ancestors and descendants, 64 txs / 101 kvB
//     clusters, BIP125 and Core's feerate rule); a transaction the model refuses waits
//     for the next block. btcd enforces none of this (DESIGN §8).
//   - Deadlines (DECISIONS C6): least tx expiry − 6, at most Config.MaxDeadline
//     blocks after enqueue; payloads without expiry get Config.DeadlineBlocks. The fee
//     function is lnd's linear one from the FeeSource's rate to the cap; a chunk set's
//     reveals run from their first broadcast to ChunkWindowBlocks − 2 later. A re-plan
//     keeps the payload's deadline.
//   - Ordering: a payload waits for the latest earlier unconfirmed payload sharing a
//     BitAI sender, unless both ride one chained stream (Bitcoin orders those).
//   - Abandonment is the PayloadStatus's call (ExpiryStatus by default, DECISIONS A7).
//     A stuck batch sweeps the commit outputs whose reveal is neither confirmed nor in
//     the node's mempool; a reveal in flight is left to confirm (a no-op for an
//     abandoned payload) rather than outbid at the cost of its own fee.
//   - Enqueue deduplicates by sha256(encoding ‖ 0x00 ‖ E), so re-running a command
//     resumes. It refuses a payload the wallet can never fund at the cap (all its
//     coins plus commit outputs in flight, less what queued payloads need); one that
//     passes may still wait in the queue for coins to confirm.
//   - Commands beside a running inscriber use its unix socket (socket.go): pebble
//     locks its directory even read-only (DECISIONS A6).
//
// Known limits: undo records are kept for every block (no pruning); confirmed
// commits of superseded epochs are reported but not swept; a chained stream's
// upstream reveal is bumped by replacing it (BIP125 makes it pay for its evicted
// descendants) rather than by CPFP.
package inscriber
