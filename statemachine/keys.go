package statemachine

import (
	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/store"
)

// The state namespace (docs/protocol.md rules S-*, DECISIONS D1): every key whose first
// byte lies in 0x01–0x7f. Its keys and values are consensus: the write set of every
// block is hashed into stateHash (rule S-20), so two implementations with equal hashes
// hold equal state. Keys are one prefix byte followed by fixed-width big-endian parts
// (store.Key), so prefix scans visit them in numeric order. Bytes 0x80–0xff belong to
// the indexer's own, unhashed namespace; 0x00 is unused.
//
//	prefix  key                                   value (rule)
//	0x01    account key[32]                       account (S-3)
//	0x02    model id[32]                          model (S-4)
//	0x03    eternal id[32]                        eternal (S-5)
//	0x04    chain id[32]                          chain (S-6)
//	0x05    chain id[32]                          pending sequencer rotation (S-7)
//	0x06    effectiveHeight u32 ‖ chain id[32]    empty: rotation schedule (S-7)
//	0x07    chain id[32]                          inbox length u64 (S-8)
//	0x08    chain id[32] ‖ index u64              inbox entry (S-8)
//	0x09    chain id[32] ‖ index u64              accumulator acc[index] [32] (S-8)
//	0x0a    request id[32]                        request (S-9)
//	0x0b    deposit id[32]                        deposit (S-10)
//	0x0c    message id[32]                        message (S-11)
//	0x0d    inscriber[32] ‖ payloadHash[32]       open chunk set (S-12)
//	0x0e    inscriber[32]                         pending chunk bytes u64 (S-12)
//	0x0f    expiryHeight u32 ‖ inscriber[32] ‖ payloadHash[32]  empty: expiry schedule (S-12)
//	0x10    chain id[32]                          settlement state (S-23)
//	0x11    chain id[32] ‖ accountIndex u64       paid exit (S-24)
const (
	PrefixAccount       byte = 0x01
	PrefixModel         byte = 0x02
	PrefixEternal       byte = 0x03
	PrefixChain         byte = 0x04
	PrefixRotation      byte = 0x05
	PrefixRotationDue   byte = 0x06
	PrefixInboxLen      byte = 0x07
	PrefixInboxEntry    byte = 0x08
	PrefixInboxAcc      byte = 0x09
	PrefixRequest       byte = 0x0a
	PrefixDeposit       byte = 0x0b
	PrefixMessage       byte = 0x0c
	PrefixChunkSet      byte = 0x0d
	PrefixChunkBytes    byte = 0x0e
	PrefixChunkSetDue   byte = 0x0f
	PrefixSettlement    byte = 0x10
	PrefixExit          byte = 0x11
	StateNamespaceFirst byte = 0x01 // first prefix byte of the state namespace
	StateNamespaceLast  byte = 0x7f // last prefix byte of the state namespace
)

// InStateNamespace reports whether key belongs to the hashed state namespace.
func InStateNamespace(key []byte) bool {
	return len(key) > 0 && key[0] >= StateNamespaceFirst && key[0] <= StateNamespaceLast
}

// AccountKey is 0x01 ‖ key[32].
func AccountKey(key [32]byte) []byte { return store.Key(PrefixAccount, store.B32(key)) }

// ModelKey is 0x02 ‖ id[32].
func ModelKey(id bitai.ID) []byte { return store.Key(PrefixModel, store.B32(id)) }

// EternalKey is 0x03 ‖ id[32].
func EternalKey(id bitai.ID) []byte { return store.Key(PrefixEternal, store.B32(id)) }

// ChainKey is 0x04 ‖ id[32].
func ChainKey(id bitai.ID) []byte { return store.Key(PrefixChain, store.B32(id)) }

// RotationKey is 0x05 ‖ chainID[32].
func RotationKey(chainID bitai.ID) []byte { return store.Key(PrefixRotation, store.B32(chainID)) }

// RotationDueKey is 0x06 ‖ effectiveHeight u32 ‖ chainID[32].
func RotationDueKey(h uint32, chainID bitai.ID) []byte {
	return store.Key(PrefixRotationDue, store.U32(h), store.B32(chainID))
}

// InboxLenKey is 0x07 ‖ chainID[32].
func InboxLenKey(chainID bitai.ID) []byte { return store.Key(PrefixInboxLen, store.B32(chainID)) }

// InboxEntryKey is 0x08 ‖ chainID[32] ‖ index u64.
func InboxEntryKey(chainID bitai.ID, i uint64) []byte {
	return store.Key(PrefixInboxEntry, store.B32(chainID), store.U64(i))
}

// InboxAccKey is 0x09 ‖ chainID[32] ‖ index u64: the accumulator acc[index].
func InboxAccKey(chainID bitai.ID, i uint64) []byte {
	return store.Key(PrefixInboxAcc, store.B32(chainID), store.U64(i))
}

// RequestKey is 0x0a ‖ id[32].
func RequestKey(id bitai.ID) []byte { return store.Key(PrefixRequest, store.B32(id)) }

// DepositKey is 0x0b ‖ id[32].
func DepositKey(id bitai.ID) []byte { return store.Key(PrefixDeposit, store.B32(id)) }

// MessageKey is 0x0c ‖ id[32].
func MessageKey(id bitai.ID) []byte { return store.Key(PrefixMessage, store.B32(id)) }

// ChunkSetKey is 0x0d ‖ inscriber[32] ‖ payloadHash[32].
func ChunkSetKey(inscriber, payloadHash [32]byte) []byte {
	return store.Key(PrefixChunkSet, store.B32(inscriber), store.B32(payloadHash))
}

// ChunkBytesKey is 0x0e ‖ inscriber[32].
func ChunkBytesKey(inscriber [32]byte) []byte {
	return store.Key(PrefixChunkBytes, store.B32(inscriber))
}

// ChunkSetDueKey is 0x0f ‖ expiryHeight u32 ‖ inscriber[32] ‖ payloadHash[32].
func ChunkSetDueKey(h uint32, inscriber, payloadHash [32]byte) []byte {
	return store.Key(PrefixChunkSetDue, store.U32(h), store.B32(inscriber), store.B32(payloadHash))
}

// SettlementKey is 0x10 ‖ chainID[32].
func SettlementKey(chainID bitai.ID) []byte {
	return store.Key(PrefixSettlement, store.B32(chainID))
}

// ExitKey is 0x11 ‖ chainID[32] ‖ accountIndex u64.
func ExitKey(chainID bitai.ID, accountIndex uint64) []byte {
	return store.Key(PrefixExit, store.B32(chainID), store.U64(accountIndex))
}
