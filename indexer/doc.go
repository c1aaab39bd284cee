// Package indexer follows Bitcoin blocks through btcnode/follow and feeds each
// block's accepted BitAI payloads to the state machine inside that block's single
// pebble batch (state writes, undo record, cursor, events and state hash together).
//
// It owns block-level ordering, progress reporting and the activation-height check.
// It must never apply a block partially, never keep state outside the block batch, and
// never decide consensus rules itself: those live in bitai and statemachine.
//
// Status: filled by the indexer issue; nothing here works yet.
package indexer
