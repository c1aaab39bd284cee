package bitai

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"sort"
)

// PendingSet is an open chunk set: the chunks received so far for one set key
// (inscriber, payloadHash). It is consensus state; statemachine persists it with
// MarshalBinary and feeds it to ApplyChunk (DECISIONS A3). A PendingSet is never
// complete: the chunk that completes a set removes it.
type PendingSet struct {
	Inscriber   [32]byte
	PayloadHash [32]byte
	Count       uint16
	Encoding    string // "" or "br": the encoding of the set's first chunk
	FirstHeight uint32 // height of the set's first chunk
	Parts       []ChunkPart
}

// ChunkPart is one received chunk of a pending set.
type ChunkPart struct {
	Index uint16
	Bytes []byte
}

// PendingBytes is the number of chunk bytes the set holds (what it counts against its
// key's MaxPendingChunkBytesPerKey).
func (s *PendingSet) PendingBytes() uint64 {
	var n uint64
	for _, p := range s.Parts {
		n += uint64(len(p.Bytes))
	}
	return n
}

// has reports whether the set holds index i.
func (s *PendingSet) has(i uint16) bool {
	k := sort.Search(len(s.Parts), func(j int) bool { return s.Parts[j].Index >= i })
	return k < len(s.Parts) && s.Parts[k].Index == i
}

// Expired reports whether set's window has passed at height h (rule P-9): chunks may
// join a set only while h − FirstHeight ≤ ChunkWindowBlocks, so at the start of block h
// the state machine drops every set for which Expired is true, freeing its hash and
// its bytes. A nil set is not expired.
func Expired(set *PendingSet, h uint32) bool {
	return set != nil && h > set.FirstHeight && h-set.FirstHeight > ChunkWindowBlocks
}

// ChunkResult is what ApplyChunk did to a set key's state. The caller stores it
// whatever the reason: Set replaces the key's set (nil: delete it), and PendingDelta is
// added to the inscriber's pending-bytes total.
type ChunkResult struct {
	// Set is the key's open set after the chunk, nil when none is left.
	Set *PendingSet
	// PendingDelta is the change in the inscriber key's pending bytes.
	PendingDelta int64
	// Complete is true when this chunk completed the set with a matching hash:
	// Payload is then E, to be decoded under Encoding at this chunk's position.
	Complete bool
	Payload  []byte
	Encoding string
}

// ApplyChunk applies chunk c, revealed at height h by inscriber in an envelope with the
// given encoding, to set: the open set of key (inscriber, c.PayloadHash), or nil when
// there is none. pendingBytesForKey is the inscriber's pending total before the chunk
// (including set's bytes). It implements rules P-6 to P-11 and never modifies set.
// The reason is ReasonNone when the chunk was taken (the result may be Complete); any
// other reason means the chunk was ignored, or (ReasonChunkHashMismatch) completed a
// set that is then discarded. An expired set passed in is treated as absent, its
// bytes freed in PendingDelta.
//
// It panics when set belongs to another key or h is below set's first height: both
// are bugs in the caller.
func ApplyChunk(set *PendingSet, c Chunk, encoding string, inscriber [32]byte, h uint32,
	pendingBytesForKey uint64) (ChunkResult, Reason) {
	if set != nil {
		if set.Inscriber != inscriber || set.PayloadHash != c.PayloadHash {
			panic("bitai: ApplyChunk: pending set of another key")
		}
		if h < set.FirstHeight {
			panic(fmt.Sprintf("bitai: ApplyChunk: height %d below the set's first height %d", h, set.FirstHeight))
		}
	}
	var freed uint64
	if Expired(set, h) {
		freed, set = set.PendingBytes(), nil
	}
	unchanged := ChunkResult{Set: set, PendingDelta: -int64(freed)}
	if r := c.check(); r != ReasonNone {
		return unchanged, r
	}
	if checkEncoding(encoding) != nil {
		return unchanged, ReasonEncodingUnsupported
	}
	if set != nil {
		switch {
		case c.Count != set.Count:
			return unchanged, ReasonChunkCountMismatch
		case encoding != set.Encoding:
			return unchanged, ReasonChunkEncodingMismatch
		case set.has(c.Index):
			return unchanged, ReasonChunkRepeat
		}
	}
	n := uint64(len(c.Bytes))
	if pendingSub(pendingBytesForKey, freed)+n > MaxPendingChunkBytesPerKey {
		return unchanged, ReasonChunkKeyCap
	}
	var held uint64
	if set != nil {
		held = set.PendingBytes()
	}
	if held+n > MaxPayloadBytes {
		return unchanged, ReasonChunkSetTooLarge
	}
	next := set.with(c, encoding, inscriber, h)
	if len(next.Parts) < int(next.Count) {
		return ChunkResult{Set: next, PendingDelta: int64(n) - int64(freed)}, ReasonNone
	}
	// The set is complete: it leaves the pending state either way (rule P-11).
	gone := -int64(held) - int64(freed)
	e := next.concat()
	if sha256.Sum256(e) != next.PayloadHash {
		return ChunkResult{PendingDelta: gone}, ReasonChunkHashMismatch
	}
	return ChunkResult{PendingDelta: gone, Complete: true, Payload: e, Encoding: next.Encoding}, ReasonNone
}

// pendingSub is a − b, or 0 when b > a.
func pendingSub(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

// with returns a copy of s (a new set when s is nil) holding c as well.
func (s *PendingSet) with(c Chunk, encoding string, inscriber [32]byte, h uint32) *PendingSet {
	if s == nil {
		return &PendingSet{Inscriber: inscriber, PayloadHash: c.PayloadHash, Count: c.Count,
			Encoding: encoding, FirstHeight: h, Parts: []ChunkPart{{Index: c.Index, Bytes: c.Bytes}}}
	}
	next := *s
	k := sort.Search(len(s.Parts), func(j int) bool { return s.Parts[j].Index >= c.Index })
	next.Parts = make([]ChunkPart, 0, len(s.Parts)+1)
	next.Parts = append(next.Parts, s.Parts[:k]...)
	next.Parts = append(next.Parts, ChunkPart{Index: c.Index, Bytes: c.Bytes})
	next.Parts = append(next.Parts, s.Parts[k:]...)
	return &next
}

// concat joins the parts in index order.
func (s *PendingSet) concat() []byte {
	out := make([]byte, 0, s.PendingBytes())
	for _, p := range s.Parts {
		out = append(out, p.Bytes...)
	}
	return out
}

// Pending set layout (rule P-12), as statemachine stores it:
//
//	set  = version u8 (0x01) ‖ inscriber[32] ‖ payloadHash[32] ‖ count u16 ‖ encoding u8
//	       ‖ firstHeight u32 ‖ n u16 ‖ part·n
//	part = index u16 ‖ len u32 ‖ bytes[len]
//
// encoding is 0x00 for "" and 0x01 for "br". Decoding is strict: count ≥ 2,
// 1 ≤ n < count, indexes strictly increasing and < count, every len ≥ 1, Σ len ≤
// MaxPayloadBytes, nothing after the last part.
const (
	pendingSetVersion   = 0x01
	pendingSetHeaderLen = 1 + 32 + 32 + 2 + 1 + 4 + 2
	pendingPartHeader   = 2 + 4
)

// MarshalBinary encodes the set in the layout above.
func (s *PendingSet) MarshalBinary() ([]byte, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	out := make([]byte, 0, pendingSetHeaderLen+len(s.Parts)*pendingPartHeader+int(s.PendingBytes()))
	out = append(out, pendingSetVersion)
	out = append(out, s.Inscriber[:]...)
	out = append(out, s.PayloadHash[:]...)
	out = binary.BigEndian.AppendUint16(out, s.Count)
	enc := byte(0)
	if s.Encoding == EncodingBrotli {
		enc = 1
	}
	out = append(out, enc)
	out = binary.BigEndian.AppendUint32(out, s.FirstHeight)
	out = binary.BigEndian.AppendUint16(out, uint16(len(s.Parts)))
	for _, p := range s.Parts {
		out = binary.BigEndian.AppendUint16(out, p.Index)
		out = binary.BigEndian.AppendUint32(out, uint32(len(p.Bytes)))
		out = append(out, p.Bytes...)
	}
	return out, nil
}

// validate checks the invariants the layout's strict decoding enforces.
func (s *PendingSet) validate() error {
	if s.Count < 2 {
		return ruleError(ErrChunk, "pending set: count %d < 2", s.Count)
	}
	if checkEncoding(s.Encoding) != nil {
		return ruleError(ErrChunk, "pending set: encoding %q", s.Encoding)
	}
	if len(s.Parts) == 0 || len(s.Parts) >= int(s.Count) {
		return ruleError(ErrChunk, "pending set: %d parts of %d", len(s.Parts), s.Count)
	}
	var total uint64
	for i, p := range s.Parts {
		if p.Index >= s.Count || (i > 0 && p.Index <= s.Parts[i-1].Index) || len(p.Bytes) == 0 {
			return ruleError(ErrChunk, "pending set: part %d (index %d, %d bytes) out of order or empty",
				i, p.Index, len(p.Bytes))
		}
		total += uint64(len(p.Bytes))
	}
	if total > MaxPayloadBytes {
		return ruleError(ErrChunk, "pending set: %d bytes, more than %d", total, MaxPayloadBytes)
	}
	return nil
}

// UnmarshalBinary decodes the layout above strictly. The parts alias one private copy
// of data.
func (s *PendingSet) UnmarshalBinary(data []byte) error {
	if len(data) < pendingSetHeaderLen {
		return fmt.Errorf("%w: pending set: reading header: %w", ErrChunk, io.ErrUnexpectedEOF)
	}
	if data[0] != pendingSetVersion {
		return ruleError(ErrChunk, "pending set: version %d", data[0])
	}
	d := bytes.Clone(data)
	var out PendingSet
	copy(out.Inscriber[:], d[1:33])
	copy(out.PayloadHash[:], d[33:65])
	out.Count = binary.BigEndian.Uint16(d[65:67])
	switch d[67] {
	case 0:
	case 1:
		out.Encoding = EncodingBrotli
	default:
		return ruleError(ErrChunk, "pending set: encoding byte %d", d[67])
	}
	out.FirstHeight = binary.BigEndian.Uint32(d[68:72])
	n := int(binary.BigEndian.Uint16(d[72:74]))
	rest := d[pendingSetHeaderLen:]
	out.Parts = make([]ChunkPart, 0, min(n, len(rest)/(pendingPartHeader+1)))
	for i := range n {
		if len(rest) < pendingPartHeader {
			return fmt.Errorf("%w: pending set: reading part %d header: %w", ErrChunk, i, io.ErrUnexpectedEOF)
		}
		idx := binary.BigEndian.Uint16(rest)
		size := binary.BigEndian.Uint32(rest[2:6])
		rest = rest[pendingPartHeader:]
		if uint64(size) > uint64(len(rest)) {
			return fmt.Errorf("%w: pending set: reading part %d (%d bytes): %w", ErrChunk, i, size, io.ErrUnexpectedEOF)
		}
		out.Parts = append(out.Parts, ChunkPart{Index: idx, Bytes: rest[:size:size]})
		rest = rest[size:]
	}
	if len(rest) != 0 {
		return ruleError(ErrChunk, "pending set: %d bytes after the last part", len(rest))
	}
	if err := out.validate(); err != nil {
		return err
	}
	*s = out
	return nil
}
