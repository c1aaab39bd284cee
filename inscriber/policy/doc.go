// Package policy is a small model of Bitcoin Core's mempool policy, which btcd does
// not implement (DESIGN.md §8, DECISIONS C7): ancestor and descendant limits, the
// cluster limits of Core v31, BIP125 replacement rules and the standard weight
// limit. The inscriber's tests and density benchmark check every broadcast schedule
// against it, so what works on btcd also relays through Core.
//
// Decisions (not consensus): CoreLimits enforces the stricter of v30 and v31 at
// once — 25 txs / 101,000 vB of ancestors and of descendants, clusters of 64 txs /
// 101,000 vB, no CPFP carve-out, 1 sat/vB minimum and incremental relay fee,
// 400,000 WU per tx, at most 100 evictions per replacement, 3,996,000 WU of txs per
// block; replacements follow BIP125 rules 2–5 plus Core's rule 6 (feerate above
// each direct conflict's). CheckSchedule mines every tx at the block after the
// interval it was sent in.
//
// It models policy only: it knows no UTXO set (an input whose tx is not in the
// model is taken as confirmed), counts no sigops, checks no scripts and never talks
// to a node.
package policy
