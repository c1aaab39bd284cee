// Package policy is a small model of Bitcoin Core's mempool policy, which btcd does
// not implement (DESIGN.md §8, DECISIONS C7): ancestor and descendant limits, the
// cluster limits of Core v31, BIP125 replacement rules and the standard weight
// limit. The inscriber's tests and density benchmark check every broadcast schedule
// against it, so what works on btcd also relays through Core.
//
// It models policy only: it knows no UTXO set (an input whose tx is not in the
// model is taken as confirmed), checks no scripts and never talks to a node.
package policy
