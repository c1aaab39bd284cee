package statemachine

import (
	"encoding/binary"
	"fmt"
	"io"
	"strconv"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/btcsuite/btcd/chainhash/v2"
)

// EventKind says what an event records (rule S-18).
type EventKind uint8

// Event kinds. Numbers are consensus (they are hashed); new kinds take new numbers.
const (
	EventInvalid          EventKind = 0
	EventAllocation       EventKind = 1  // a genesis allocation credited Account with Amount
	EventBurn             EventKind = 2  // a burn output: credited Account with Amount, or Reason
	EventCandidateIgnored EventKind = 3  // a BitAI envelope failed the acceptance predicate
	EventPayload          EventKind = 4  // a whole payload (or completed set) decoded to Amount txs
	EventPayloadIgnored   EventKind = 5  // a whole payload (or completed set) failed to decode
	EventChunkAccepted    EventKind = 6  // a chunk joined (or opened) its set
	EventChunkIgnored     EventKind = 7  // a chunk was ignored
	EventSetCompleted     EventKind = 8  // a chunk completed its set with a matching hash
	EventSetDiscarded     EventKind = 9  // a chunk completed its set but the hash did not match
	EventSetExpired       EventKind = 10 // an open set's window passed at block start
	EventTxApplied        EventKind = 11 // a tx was executed
	EventTxSkipped        EventKind = 12 // a tx failed decoding or authentication
	EventTxFailed         EventKind = 13 // a tx failed execution: fee paid, nonce used, effect reverted
	EventRotation         EventKind = 14 // a chain's pending sequencer rotation took effect
)

var eventKindNames = [...]string{
	EventInvalid:          "invalid",
	EventAllocation:       "allocation",
	EventBurn:             "burn",
	EventCandidateIgnored: "candidate_ignored",
	EventPayload:          "payload",
	EventPayloadIgnored:   "payload_ignored",
	EventChunkAccepted:    "chunk_accepted",
	EventChunkIgnored:     "chunk_ignored",
	EventSetCompleted:     "set_completed",
	EventSetDiscarded:     "set_discarded",
	EventSetExpired:       "set_expired",
	EventTxApplied:        "tx_applied",
	EventTxSkipped:        "tx_skipped",
	EventTxFailed:         "tx_failed",
	EventRotation:         "rotation",
}

// String returns the kind's stable snake_case name.
func (k EventKind) String() string {
	if int(k) < len(eventKindNames) {
		return eventKindNames[k]
	}
	return "event_" + strconv.Itoa(int(k))
}

// Event is one consensus event of a block (rule S-18). Fields that do not apply to a
// kind are zero.
type Event struct {
	Kind EventKind
	// TxIndex, Input and Output locate the Bitcoin input (envelope events) or output
	// (burn events) in the block; BitcoinTxID is that Bitcoin tx's id.
	TxIndex     uint32
	Input       uint32
	Output      uint32
	BitcoinTxID chainhash.Hash
	// Index is the BitAI tx's position in its payload (tx events) or the chunk index
	// (chunk events).
	Index uint32
	// TxKind and TxID identify the BitAI tx of a tx event (zero when it did not decode).
	TxKind bitai.Kind
	TxID   [32]byte
	// Reason is ReasonNone for success, otherwise why it was ignored, skipped or failed.
	Reason bitai.Reason
	// Account is the key concerned: the credited key (allocation, burn), the sender
	// (tx events), the inscriber (payload and chunk events).
	Account [32]byte
	// Amount is the credit (allocation, burn), the fee charged (tx applied or failed),
	// the tx count (payload) or the chunk's byte count (chunk events).
	Amount uint64
	// ID is the object the event is about: the id a tx created or acted on, the
	// payloadHash (chunk and set events, a completed set's payload), the chain
	// (rotation).
	ID [32]byte
}

// EventLen is the size of an encoded event.
const EventLen = 1 + 4 + 4 + 4 + 32 + 4 + 1 + 32 + 2 + 32 + 8 + 32

// Encode returns the event's consensus encoding (rule S-18), EventLen bytes:
//
//	event = kind u8 ‖ txIndex u32 ‖ input u32 ‖ output u32 ‖ bitcoinTxID [32] ‖
//	        index u32 ‖ txKind u8 ‖ txid [32] ‖ reason u16 ‖ account [32] ‖
//	        amount u64 ‖ id [32]
//
// bitcoinTxID is in internal (wire) byte order.
func (e Event) Encode() []byte {
	b := make([]byte, 0, EventLen)
	b = append(b, byte(e.Kind))
	b = binary.BigEndian.AppendUint32(b, e.TxIndex)
	b = binary.BigEndian.AppendUint32(b, e.Input)
	b = binary.BigEndian.AppendUint32(b, e.Output)
	b = append(b, e.BitcoinTxID[:]...)
	b = binary.BigEndian.AppendUint32(b, e.Index)
	b = append(b, byte(e.TxKind))
	b = append(b, e.TxID[:]...)
	b = binary.BigEndian.AppendUint16(b, uint16(e.Reason))
	b = append(b, e.Account[:]...)
	b = binary.BigEndian.AppendUint64(b, e.Amount)
	b = append(b, e.ID[:]...)
	return b
}

// DecodeEvent decodes an event written by Encode. A short input is
// io.ErrUnexpectedEOF; a longer one is an error.
func DecodeEvent(b []byte) (Event, error) {
	var e Event
	if len(b) < EventLen {
		return e, fmt.Errorf("event: %w", io.ErrUnexpectedEOF)
	}
	if len(b) > EventLen {
		return e, fmt.Errorf("event: %d trailing bytes", len(b)-EventLen)
	}
	e.Kind = EventKind(b[0])
	e.TxIndex = binary.BigEndian.Uint32(b[1:])
	e.Input = binary.BigEndian.Uint32(b[5:])
	e.Output = binary.BigEndian.Uint32(b[9:])
	copy(e.BitcoinTxID[:], b[13:45])
	e.Index = binary.BigEndian.Uint32(b[45:])
	e.TxKind = bitai.Kind(b[49])
	copy(e.TxID[:], b[50:82])
	e.Reason = bitai.Reason(binary.BigEndian.Uint16(b[82:]))
	copy(e.Account[:], b[84:116])
	e.Amount = binary.BigEndian.Uint64(b[116:])
	copy(e.ID[:], b[124:156])
	return e, nil
}

// EventsHash is the hash of a block's ordered events (rule S-19):
//
//	eventsHash = TaggedHash("BitAI/events", count u32 ‖ event_0 ‖ … ‖ event_{count−1})
func EventsHash(events []Event) [32]byte {
	b := make([]byte, 4, 4+len(events)*EventLen)
	binary.BigEndian.PutUint32(b, uint32(len(events)))
	for _, e := range events {
		b = append(b, e.Encode()...)
	}
	return *chainhash.TaggedHash([]byte(TagEvents), b)
}
