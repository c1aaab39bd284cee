package statemachine

import (
	"bytes"
	"encoding/binary"
	"slices"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/store"
	"github.com/btcsuite/btcd/chainhash/v2"
)

// Tags of the state machine's tagged hashes (rules S-19 to S-21).
const (
	TagEvents   = "BitAI/events"
	TagWriteSet = "BitAI/writeset"
	TagState    = "BitAI/state"
	TagState0   = "BitAI/state0"
)

// Write-set ops (rule S-20).
const (
	writeOpDelete byte = 0x00
	writeOpSet    byte = 0x01
)

// WriteSetHash is the hash of a block's state-namespace write set (rule S-20,
// DECISIONS B15). Writes outside the state namespace (first byte not in 0x01–0x7f) are
// left out; the rest are taken in ascending key order (store.Recorder's WriteSet is
// already sorted and holds one final write per key, last write wins):
//
//	write        = len u32 ‖ key ‖ 0x01 ‖ len u32 ‖ value    (set)
//	             | len u32 ‖ key ‖ 0x00                      (delete)
//	writeSetHash = TaggedHash("BitAI/writeset", count u32 ‖ write_0 ‖ … ‖ write_{count−1})
//
// count is the number of state-namespace writes. Keys must be distinct.
func WriteSetHash(writes []store.Write) [32]byte {
	sel := make([]store.Write, 0, len(writes))
	for _, w := range writes {
		if InStateNamespace(w.Key) {
			sel = append(sel, w)
		}
	}
	if !slices.IsSortedFunc(sel, cmpWrite) {
		slices.SortStableFunc(sel, cmpWrite)
	}
	n := 4
	for _, w := range sel {
		n += 4 + len(w.Key) + 1 + 4 + len(w.Value)
	}
	b := make([]byte, 4, n)
	binary.BigEndian.PutUint32(b, uint32(len(sel)))
	for _, w := range sel {
		b = binary.BigEndian.AppendUint32(b, uint32(len(w.Key)))
		b = append(b, w.Key...)
		if w.Delete {
			b = append(b, writeOpDelete)
			continue
		}
		b = append(b, writeOpSet)
		b = binary.BigEndian.AppendUint32(b, uint32(len(w.Value)))
		b = append(b, w.Value...)
	}
	return *chainhash.TaggedHash([]byte(TagWriteSet), b)
}

func cmpWrite(a, b store.Write) int { return bytes.Compare(a.Key, b.Key) }

// StateHash chains one block into the state hash (rule S-21, DESIGN §3.3):
//
//	stateHash_n = TaggedHash("BitAI/state", stateHash_{n−1} [32] ‖ blockHash [32] ‖
//	                          eventsHash [32] ‖ writeSetHash [32])
//
// blockHash is in internal (wire) byte order.
func StateHash(prev [32]byte, blockHash chainhash.Hash, eventsHash, writeSetHash [32]byte) [32]byte {
	return *chainhash.TaggedHash([]byte(TagState), prev[:], blockHash[:], eventsHash[:], writeSetHash[:])
}

// InitialStateHash is the state hash before the activation block (rule S-21):
//
//	stateHash_{activation−1} = TaggedHash("BitAI/state0", deploymentID [32])
func InitialStateHash(dep *bitai.Deployment) [32]byte {
	id := dep.ID()
	return *chainhash.TaggedHash([]byte(TagState0), id[:])
}
