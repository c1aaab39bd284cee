// Package wallet is the inscriber's own BIP86 wallet (DESIGN.md §3.5, DECISIONS C4):
// a 32-byte seed in the data directory, taproot keys derived from it, and a UTXO set
// kept in the inscriber's pebble database under the key prefixes 0x10–0x1f
// (keys.go).
//
// The UTXO set is maintained from blocks: the inscriber's one follower calls
// ConnectBlock inside the block's batch (a store.Recorder), so the wallet's changes,
// the payload state and the cursor commit together, and a disconnect is undone by
// the batch's recorded undo record. The wallet therefore writes only through the
// Writer it is given, never directly to the database, and keeps no state of its own
// beyond a cache of derived scripts (a superset of what the database implies).
//
// The wallet must never sign or broadcast anything, never read the wall clock, and
// never iterate a map where order reaches the caller.
package wallet
