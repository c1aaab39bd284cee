package inscriber

import (
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/bitai-l2/bitai/store"
)

// Keys of the inscriber's pebble database (<datadir>/inscriber). One database holds
// the inscriber core (0x01–0x0f), the wallet (0x10–0x1f, inscriber/wallet/keys.go)
// and payloads and their transactions (0x20–0x3f).
//
// Two writers share it, and never write the same key (a block's undo record restores
// the prior values of every key the block wrote, so a key a step had changed since
// would be rolled back with it):
//
//   - block processing (the follower's Connect/Disconnect, one store.Recorder batch
//     per block): the cursor, block hashes, undo records, the wallet's UTXO changes,
//     keyConf and keySpent;
//   - the state machine's steps (one synced batch per transition): payloads, bodies,
//     batches, transactions, watched inputs and the counters.
//
// So everything a block teaches (which of our transactions confirmed, which of our
// inputs someone else spent) is a separate key that a disconnect removes exactly,
// and the state machine derives its transitions from those facts.
const (
	keyCursor  byte = 0x01 // 0x01 → height u32 ‖ hash[32]: the last connected block
	keyHash    byte = 0x02 // 0x02 ‖ height u32 → hash[32]: blocks held, for HashAt
	keyUndo    byte = 0x03 // 0x03 ‖ height u32 → store.Undo of that block's batch
	keyCounter byte = 0x04 // 0x04 ‖ which u8 → next id u64 (counterPayload, counterBatch)

	keyPayload byte = 0x20 // 0x20 ‖ payload u64 → payload record
	keyBody    byte = 0x21 // 0x21 ‖ payload u64 → E (the encoded payload)
	keyBatch   byte = 0x22 // 0x22 ‖ batch u64 → batch record
	keyTx      byte = 0x23 // 0x23 ‖ txid[32] → tx record (raw tx, stored before broadcast)
	keyConf    byte = 0x24 // 0x24 ‖ txid[32] → height u32 ‖ hash[32] (block processing)
	keyInput   byte = 0x25 // 0x25 ‖ outpoint[36] → batch u64: inputs our txs spend
	keySpent   byte = 0x26 // 0x26 ‖ outpoint[36] → txid[32] ‖ height u32: a foreign spend (block processing)
	keyDedup   byte = 0x27 // 0x27 ‖ sha256(encoding ‖ E)[32] → payload u64
)

// Counters under keyCounter.
const (
	counterPayload byte = 1
	counterBatch   byte = 2
)

func cursorKey() []byte                { return store.Key(keyCursor) }
func hashKey(h int32) []byte           { return store.Key(keyHash, store.U32(uint32(h))) }
func undoKey(h int32) []byte           { return store.Key(keyUndo, store.U32(uint32(h))) }
func counterKey(which byte) []byte     { return store.Key(keyCounter, store.U8(which)) }
func payloadKey(id uint64) []byte      { return store.Key(keyPayload, store.U64(id)) }
func bodyKey(id uint64) []byte         { return store.Key(keyBody, store.U64(id)) }
func batchKey(id uint64) []byte        { return store.Key(keyBatch, store.U64(id)) }
func txKey(id chainhash.Hash) []byte   { return store.Key(keyTx, store.B32(id)) }
func confKey(id chainhash.Hash) []byte { return store.Key(keyConf, store.B32(id)) }
func inputKey(op wire.OutPoint) []byte { return store.Key(keyInput, outpointPart(op)...) }
func spentKey(op wire.OutPoint) []byte { return store.Key(keySpent, outpointPart(op)...) }
func dedupKey(sum [32]byte) []byte     { return store.Key(keyDedup, store.B32(sum)) }
func outpointPart(op wire.OutPoint) []store.Part {
	return []store.Part{store.B32(op.Hash), store.U32(op.Index)}
}
