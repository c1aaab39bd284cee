package indexer

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/btcsuite/btcd/chainhash/v2"

	"github.com/bitai-l2/bitai/store"
)

// The index namespace (DECISIONS D1): keys whose first byte is 0x80–0xff. Nothing
// here is consensus or hashed; the state namespace (0x01–0x7f) belongs to
// statemachine. "recorded" keys are written through the block's store.Recorder, so
// the block's undo record reverts them on Disconnect; "unrecorded" ones are written
// beside it (the undo record itself and the cursor).
//
//	prefix  key                                value                           written
//	0x80    (none)                             meta (below)                    once, first start
//	0x81    (none)                             cursor: height u32 ‖ hash[32]   every block, unrecorded
//	0x82    height u32                         block hash [32]                 recorded
//	0x83    height u32                         store.Undo encoding             unrecorded
//	0x84    height u32                         events: count u32 ‖ event*      recorded
//	0x85    height u32                         block summary (below)           recorded
//	0x86    height u32                         state hash [32]                 recorded
//	0x87    txid[32] ‖ height u32 ‖ event u32  empty: an inclusion             unrecorded*
//
// * An inclusion points at event number `event` of the block at `height`: the tx's
// status, reason and position are in that events record, and Disconnect deletes the
// inclusions by reading it, in the same batch that applies the undo record.
//
// Heights are Bitcoin heights, big-endian, so range scans run in height order; block
// hashes are in internal (wire) byte order.
const (
	prefixMeta      byte = 0x80
	prefixCursor    byte = 0x81
	prefixBlockHash byte = 0x82
	prefixUndo      byte = 0x83
	prefixEvents    byte = 0x84
	prefixSummary   byte = 0x85
	prefixStateHash byte = 0x86
	prefixInclusion byte = 0x87
)

func metaKey() []byte                      { return []byte{prefixMeta} }
func cursorKey() []byte                    { return []byte{prefixCursor} }
func blockHashKey(h uint32) []byte         { return store.Key(prefixBlockHash, store.U32(h)) }
func undoKey(h uint32) []byte              { return store.Key(prefixUndo, store.U32(h)) }
func eventsKey(h uint32) []byte            { return store.Key(prefixEvents, store.U32(h)) }
func summaryKey(h uint32) []byte           { return store.Key(prefixSummary, store.U32(h)) }
func stateHashKey(h uint32) []byte         { return store.Key(prefixStateHash, store.U32(h)) }
func inclusionPrefix(txid [32]byte) []byte { return store.Key(prefixInclusion, store.B32(txid)) }
func inclusionKey(txid [32]byte, h, event uint32) []byte {
	return store.Key(prefixInclusion, store.B32(txid), store.U32(h), store.U32(event))
}

// cursor is the indexer's committed tip: the last block whose batch committed.
//
//	cursor = height u32 ‖ hash [32]
type cursor struct {
	Height uint32
	Hash   chainhash.Hash
}

const cursorLen = 4 + 32

func (c cursor) encode() []byte {
	b := make([]byte, 0, cursorLen)
	b = binary.BigEndian.AppendUint32(b, c.Height)
	return append(b, c.Hash[:]...)
}

func decodeCursor(b []byte) (cursor, error) {
	var c cursor
	if err := exactLen("cursor", b, cursorLen); err != nil {
		return c, err
	}
	c.Height = binary.BigEndian.Uint32(b)
	copy(c.Hash[:], b[4:])
	return c, nil
}

// metaVersion is the layout version of this file's index namespace. A datadir written
// with another version is refused (re-index into a fresh --datadir).
const metaVersion = 1

// meta pins what a datadir was built for: the deployment (its id covers network magic,
// activation height and allocations; the protocol version is hashed into it too, rule
// N-3, but is kept apart for the message) and the node's chain at activation.
//
//	meta = version u8 ‖ protocolVersion u8 ‖ deploymentID [32] ‖ activationHeight u32 ‖
//	       baseHash [32] ‖ activationHash [32]
//
// baseHash is the hash of the block below the activation block (its parent): the
// indexer's tip before it has applied anything, and the deepest fork point it accepts.
type meta struct {
	Version          uint8
	ProtocolVersion  uint8
	DeploymentID     [32]byte
	ActivationHeight uint32
	BaseHash         chainhash.Hash
	ActivationHash   chainhash.Hash
}

const metaLen = 1 + 1 + 32 + 4 + 32 + 32

func (m meta) encode() []byte {
	b := make([]byte, 0, metaLen)
	b = append(b, m.Version, m.ProtocolVersion)
	b = append(b, m.DeploymentID[:]...)
	b = binary.BigEndian.AppendUint32(b, m.ActivationHeight)
	b = append(b, m.BaseHash[:]...)
	return append(b, m.ActivationHash[:]...)
}

func decodeMeta(b []byte) (meta, error) {
	var m meta
	if len(b) >= 1 && b[0] != metaVersion {
		return m, fmt.Errorf("index meta: layout version %d, this bitai writes %d", b[0], metaVersion)
	}
	if err := exactLen("index meta", b, metaLen); err != nil {
		return m, err
	}
	m.Version, m.ProtocolVersion = b[0], b[1]
	copy(m.DeploymentID[:], b[2:34])
	m.ActivationHeight = binary.BigEndian.Uint32(b[34:])
	copy(m.BaseHash[:], b[38:70])
	copy(m.ActivationHash[:], b[70:102])
	return m, nil
}

// exactLen checks a fixed-width value: short is io.ErrUnexpectedEOF, long an error.
func exactLen(what string, b []byte, n int) error {
	switch {
	case len(b) < n:
		return fmt.Errorf("%s: %w (%d of %d bytes)", what, io.ErrUnexpectedEOF, len(b), n)
	case len(b) > n:
		return fmt.Errorf("%s: %d trailing bytes", what, len(b)-n)
	}
	return nil
}
