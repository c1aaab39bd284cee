package indexer

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/btcsuite/btcd/chainhash/v2"

	"github.com/bitai-l2/bitai/statemachine"
)

// Hash32 is a 32-byte value (a key, txid, id or digest) shown as plain hex, in the
// byte order it is stored in (Bitcoin block and tx hashes use chainhash.Hash instead,
// which prints reversed as Bitcoin does).
type Hash32 [32]byte

// MarshalText writes lowercase hex.
func (h Hash32) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(h[:])), nil }

// UnmarshalText reads 64 hex characters.
func (h *Hash32) UnmarshalText(b []byte) error {
	if len(b) != 64 {
		return fmt.Errorf("hash32: %d hex characters, want 64", len(b))
	}
	_, err := hex.Decode(h[:], b)
	return err
}

// String returns lowercase hex.
func (h Hash32) String() string { return hex.EncodeToString(h[:]) }

// ParseHash32 reads 64 hex characters.
func ParseHash32(s string) (Hash32, error) {
	var h Hash32
	return h, h.UnmarshalText([]byte(s))
}

// BlockSummary is what the indexer recorded about one connected block.
type BlockSummary struct {
	Height       uint32         `json:"height"`
	Hash         chainhash.Hash `json:"hash"`
	PrevHash     chainhash.Hash `json:"prev_hash"`
	Time         uint32         `json:"time"`
	BitcoinTxs   uint32         `json:"bitcoin_txs"`
	Events       uint32         `json:"events"`
	StateWrites  uint32         `json:"state_writes"`
	EventsHash   Hash32         `json:"events_hash"`
	WriteSetHash Hash32         `json:"write_set_hash"`
	StateHash    Hash32         `json:"state_hash"`
	// KindCounts counts the block's events by kind (index = statemachine.EventKind).
	KindCounts []uint32 `json:"kind_counts"`
}

// maxSummaryKinds caps the kind-count list of a stored summary.
const maxSummaryKinds = 255

// encode writes the summary:
//
//	summary = hash [32] ‖ prevHash [32] ‖ time u32 ‖ bitcoinTxs u32 ‖ events u32 ‖
//	          stateWrites u32 ‖ eventsHash [32] ‖ writeSetHash [32] ‖ stateHash [32] ‖
//	          nKinds u8 ‖ count u32 × nKinds
//
// The height is in the key.
func (s *BlockSummary) encode() []byte {
	n := min(len(s.KindCounts), maxSummaryKinds)
	b := make([]byte, 0, summaryFixedLen+4*n)
	b = append(b, s.Hash[:]...)
	b = append(b, s.PrevHash[:]...)
	for _, v := range []uint32{s.Time, s.BitcoinTxs, s.Events, s.StateWrites} {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	b = append(b, s.EventsHash[:]...)
	b = append(b, s.WriteSetHash[:]...)
	b = append(b, s.StateHash[:]...)
	b = append(b, byte(n))
	for _, c := range s.KindCounts[:n] {
		b = binary.BigEndian.AppendUint32(b, c)
	}
	return b
}

const summaryFixedLen = 32 + 32 + 4*4 + 32*3 + 1

func decodeSummary(height uint32, b []byte) (BlockSummary, error) {
	s := BlockSummary{Height: height}
	if len(b) < summaryFixedLen {
		return s, fmt.Errorf("block summary: %w", io.ErrUnexpectedEOF)
	}
	copy(s.Hash[:], b[0:32])
	copy(s.PrevHash[:], b[32:64])
	s.Time = binary.BigEndian.Uint32(b[64:])
	s.BitcoinTxs = binary.BigEndian.Uint32(b[68:])
	s.Events = binary.BigEndian.Uint32(b[72:])
	s.StateWrites = binary.BigEndian.Uint32(b[76:])
	copy(s.EventsHash[:], b[80:112])
	copy(s.WriteSetHash[:], b[112:144])
	copy(s.StateHash[:], b[144:176])
	n := int(b[176])
	if err := exactLen("block summary", b, summaryFixedLen+4*n); err != nil {
		return s, err
	}
	s.KindCounts = make([]uint32, n)
	for i := range n {
		s.KindCounts[i] = binary.BigEndian.Uint32(b[summaryFixedLen+4*i:])
	}
	return s, nil
}

// encodeEvents writes a block's ordered events:
//
//	events = count u32 ‖ event × count     (event: statemachine.Event.Encode, EventLen bytes)
func encodeEvents(evs []statemachine.Event) []byte {
	b := make([]byte, 4, 4+len(evs)*statemachine.EventLen)
	binary.BigEndian.PutUint32(b, uint32(len(evs)))
	for _, e := range evs {
		b = append(b, e.Encode()...)
	}
	return b
}

func decodeEvents(b []byte) ([]statemachine.Event, error) {
	if len(b) < 4 {
		return nil, fmt.Errorf("events: %w", io.ErrUnexpectedEOF)
	}
	n := binary.BigEndian.Uint32(b)
	if err := exactLen("events", b, 4+int(n)*statemachine.EventLen); err != nil {
		return nil, err
	}
	evs := make([]statemachine.Event, n)
	for i := range evs {
		off := 4 + i*statemachine.EventLen
		e, err := statemachine.DecodeEvent(b[off : off+statemachine.EventLen])
		if err != nil {
			return nil, fmt.Errorf("events[%d]: %w", i, err)
		}
		evs[i] = e
	}
	return evs, nil
}

// TxStatus is what became of one inclusion of a BitAI tx.
type TxStatus string

// Tx statuses: applied (executed), failed (execution failure: fee paid, nonce used,
// effect reverted), skipped (undecodable or authentication failure: nothing happened).
const (
	TxApplied TxStatus = "applied"
	TxFailed  TxStatus = "failed"
	TxSkipped TxStatus = "skipped"
)

// txStatusOf maps a tx event kind to its status; ok is false for other kinds.
func txStatusOf(k statemachine.EventKind) (TxStatus, bool) {
	switch k {
	case statemachine.EventTxApplied:
		return TxApplied, true
	case statemachine.EventTxFailed:
		return TxFailed, true
	case statemachine.EventTxSkipped:
		return TxSkipped, true
	}
	return "", false
}

// Inclusion is one appearance of a BitAI tx in a payload on the indexed chain. A tx
// can appear many times (re-inscribed, or in two payloads): at most one is applied or
// failed (the nonce stops the rest), the others are skipped with their reason.
type Inclusion struct {
	Height      uint32         `json:"height"`
	BlockHash   chainhash.Hash `json:"block_hash"`
	EventIndex  uint32         `json:"event_index"`
	BitcoinTxID chainhash.Hash `json:"bitcoin_txid"`
	TxIndex     uint32         `json:"tx_index"`
	Input       uint32         `json:"input"`
	PayloadPos  uint32         `json:"payload_position"`
	Kind        string         `json:"kind"`
	Status      TxStatus       `json:"status"`
	Reason      string         `json:"reason,omitempty"`
	ReasonCode  uint16         `json:"reason_code"`
	Sender      Hash32         `json:"sender"`
	Fee         uint64         `json:"fee"`
	ObjectID    Hash32         `json:"object_id"`
}

func fillInclusion(inc Inclusion, e statemachine.Event) Inclusion {
	inc.BitcoinTxID = chainhash.Hash(e.BitcoinTxID)
	inc.TxIndex, inc.Input, inc.PayloadPos = e.TxIndex, e.Input, e.Index
	inc.Kind = e.TxKind.String()
	inc.Status, _ = txStatusOf(e.Kind)
	inc.ReasonCode = uint16(e.Reason)
	if e.Reason != 0 {
		inc.Reason = statemachine.ReasonName(e.Reason)
	}
	inc.Sender, inc.Fee, inc.ObjectID = e.Account, e.Amount, e.ID
	return inc
}
