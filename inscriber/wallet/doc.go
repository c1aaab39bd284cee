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
// Decisions (not consensus):
//   - Seed: <datadir>/seed, 64 hex digits and a newline, mode 0600, written to
//     seed.tmp, fsynced, linked into place and the directory fsynced before use;
//     an existing file that is too open or malformed is refused, never repaired.
//     No BIP39.
//   - Keys: BIP32 master from the seed; wallet addresses m/86'/coin'/0'/{0,1}/i,
//     the inscriber key m/86'/coin'/1'/0/0 (untweaked); coin 0 on mainnet and 1 on
//     every other network (simnet included).
//   - Outputs counted as the wallet's: value > 0 paying an address within the
//     lookahead (default 20) past the last used or handed-out index of its branch,
//     the inscriber key's BIP86 script, or a watched script.
//   - Own txs (AddUnconfirmed) spend their inputs at once and add their outputs at
//     height 0; a confirmed conflict, or a newer own tx spending the same input,
//     drops them with their descendants.
//   - Unspent hides coinbases until mature and outputs spent by own unconfirmed
//     txs; Balance sums Unspent.
//   - SelectCoins: unreserved, unwatched coins; the smallest single confirmed coin
//     that pays, else confirmed largest first, else confirmed then unconfirmed
//     largest first; change only if ≥ 330 sat (P2TR dust), else the excess is fee.
//
// The wallet must never sign or broadcast anything, never read the wall clock, and
// never iterate a map where order reaches the caller.
package wallet
