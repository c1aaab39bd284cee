package bitai

import (
	"crypto/sha256"
	"encoding/binary"
)

// Chunk body layout (docs/protocol.md rules P-1 and P-5, DECISIONS B5/B6). A payload too
// large for one standard reveal is split into chunks, each revealed in its own BitAI
// envelope whose tag 9 describes the reassembled E:
//
//	chunk body  = 0x01 ‖ payloadHash[32] ‖ index u16 ‖ count u16 ‖ bytes
//	payloadHash = sha256(E), E = bytes of chunk 0 ‖ bytes of chunk 1 ‖ … ‖ bytes of chunk count−1
//
// with count ≥ 2, index < count and bytes non-empty. Integers are big-endian.

// Reasons 60–79: chunk framing and reassembly (rules P-6 to P-11).
const (
	// ReasonChunkTruncated: the chunk body is shorter than its 37-byte header.
	ReasonChunkTruncated Reason = 60
	// ReasonChunkCount: count < 2.
	ReasonChunkCount Reason = 61
	// ReasonChunkIndex: index ≥ count.
	ReasonChunkIndex Reason = 62
	// ReasonChunkEmpty: no bytes after the header.
	ReasonChunkEmpty Reason = 63
	// ReasonChunkCountMismatch: count differs from the open set's count.
	ReasonChunkCountMismatch Reason = 64
	// ReasonChunkEncodingMismatch: the envelope's encoding differs from the open set's.
	ReasonChunkEncodingMismatch Reason = 65
	// ReasonChunkRepeat: the open set already holds this index.
	ReasonChunkRepeat Reason = 66
	// ReasonChunkKeyCap: the inscriber key's pending bytes would exceed
	// MaxPendingChunkBytesPerKey.
	ReasonChunkKeyCap Reason = 67
	// ReasonChunkSetTooLarge: the set's bytes would exceed MaxPayloadBytes.
	ReasonChunkSetTooLarge Reason = 68
	// ReasonChunkHashMismatch: the set is complete but sha256 of its bytes is not its
	// payloadHash; the set is discarded.
	ReasonChunkHashMismatch Reason = 69
	// ReasonChunkSetExpired: an open set was dropped at the start of a block because
	// its window had passed (recorded by the state machine, rule P-9).
	ReasonChunkSetExpired Reason = 70
)

func init() {
	registerReasons(map[Reason]string{
		ReasonChunkTruncated:        "chunk_truncated",
		ReasonChunkCount:            "chunk_count",
		ReasonChunkIndex:            "chunk_index",
		ReasonChunkEmpty:            "chunk_empty",
		ReasonChunkCountMismatch:    "chunk_count_mismatch",
		ReasonChunkEncodingMismatch: "chunk_encoding_mismatch",
		ReasonChunkRepeat:           "chunk_repeat",
		ReasonChunkKeyCap:           "chunk_key_cap",
		ReasonChunkSetTooLarge:      "chunk_set_too_large",
		ReasonChunkHashMismatch:     "chunk_hash_mismatch",
		ReasonChunkSetExpired:       "chunk_set_expired",
	})
}

// ErrChunk is the kind of chunk-splitting and pending-set decoding errors.
const ErrChunk ErrorKind = "ErrChunk"

// ChunkHeaderLen is the size of a chunk body before its bytes.
const ChunkHeaderLen = 1 + 32 + 2 + 2

// Chunk is one parsed chunk body.
type Chunk struct {
	PayloadHash [32]byte
	Index       uint16
	Count       uint16
	Bytes       []byte
}

// Body returns the chunk's raw body (kind byte included).
func (c Chunk) Body() []byte {
	b := make([]byte, 0, ChunkHeaderLen+len(c.Bytes))
	b = append(b, BodyKindChunk)
	b = append(b, c.PayloadHash[:]...)
	b = binary.BigEndian.AppendUint16(b, c.Index)
	b = binary.BigEndian.AppendUint16(b, c.Count)
	return append(b, c.Bytes...)
}

// ParseChunk parses a chunk body (rules P-5, P-6). Bytes aliases body.
func ParseChunk(body []byte) (Chunk, Reason) {
	if len(body) == 0 || body[0] != BodyKindChunk {
		return Chunk{}, ReasonBodyKind
	}
	if len(body) < ChunkHeaderLen {
		return Chunk{}, ReasonChunkTruncated
	}
	var c Chunk
	copy(c.PayloadHash[:], body[1:33])
	c.Index = binary.BigEndian.Uint16(body[33:35])
	c.Count = binary.BigEndian.Uint16(body[35:37])
	c.Bytes = body[ChunkHeaderLen:]
	return c, c.check()
}

// check applies rule P-6 to a chunk's fields.
func (c Chunk) check() Reason {
	switch {
	case c.Count < 2:
		return ReasonChunkCount
	case c.Index >= c.Count:
		return ReasonChunkIndex
	case len(c.Bytes) == 0:
		return ReasonChunkEmpty
	}
	return ReasonNone
}

// SplitChunks splits E (a payload's encoded bytes, body[1:] of EncodePayload) into chunk
// bodies of at most maxChunkBody bytes each: every chunk full but the last. encoding is
// the E's encoding, which every chunk's envelope must carry as its tag 9. It fails when
// E fits in one body (reveal it whole), is larger than MaxPayloadBytes, or would need
// more than 65,535 chunks.
func SplitChunks(encoding string, e []byte, maxChunkBody int) ([][]byte, error) {
	if err := checkEncoding(encoding); err != nil {
		return nil, err
	}
	if maxChunkBody <= ChunkHeaderLen {
		return nil, ruleError(ErrChunk, "chunks: body size %d leaves no room after the header", maxChunkBody)
	}
	if len(e) > MaxPayloadBytes {
		return nil, ruleError(ErrChunk, "chunks: %d bytes, more than %d", len(e), MaxPayloadBytes)
	}
	per := maxChunkBody - ChunkHeaderLen
	count := (len(e) + per - 1) / per
	if count < 2 {
		return nil, ruleError(ErrChunk, "chunks: %d bytes fit in one body of %d", len(e), maxChunkBody)
	}
	if count > 1<<16-1 {
		return nil, ruleError(ErrChunk, "chunks: %d chunks, at most 65535", count)
	}
	hash := sha256.Sum256(e)
	bodies := make([][]byte, count)
	for i := range bodies {
		c := Chunk{PayloadHash: hash, Index: uint16(i), Count: uint16(count),
			Bytes: e[i*per : min((i+1)*per, len(e))]}
		bodies[i] = c.Body()
	}
	return bodies, nil
}
