package bitai

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestChunkBodyBytes pins the chunk layout against bytes written by hand.
func TestChunkBodyBytes(t *testing.T) {
	c := Chunk{PayloadHash: [32]byte(bytes.Repeat([]byte{0x44}, 32)), Index: 1, Count: 0x0102, Bytes: []byte{0xde, 0xad}}
	want := "01" + strings.Repeat("44", 32) + "0001" + "0102" + "dead"
	require.Equal(t, want, hex.EncodeToString(c.Body()))
	got, reason := ParseChunk(c.Body())
	require.Equal(t, ReasonNone, reason)
	require.Equal(t, c, got)
}

func TestParseChunk(t *testing.T) {
	hash := strings.Repeat("44", 32)
	tests := []struct {
		name string
		body string
		want Reason
	}{
		{"ok", "01" + hash + "0000" + "0002" + "aa", ReasonNone},
		{"last index", "01" + hash + "ffef" + "fff0" + "aa", ReasonNone},
		{"payload kind", "00" + hash + "0000" + "0002" + "aa", ReasonBodyKind},
		{"empty", "", ReasonBodyKind},
		{"header cut", "01" + hash + "0000" + "00", ReasonChunkTruncated},
		{"kind only", "01", ReasonChunkTruncated},
		{"count 0", "01" + hash + "0000" + "0000" + "aa", ReasonChunkCount},
		{"count 1", "01" + hash + "0000" + "0001" + "aa", ReasonChunkCount},
		{"index = count", "01" + hash + "0002" + "0002" + "aa", ReasonChunkIndex},
		{"index > count", "01" + hash + "ffff" + "0002" + "aa", ReasonChunkIndex},
		{"no bytes", "01" + hash + "0000" + "0002", ReasonChunkEmpty},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := tplHex(t, tc.body)
			c, reason := ParseChunk(body)
			require.Equal(t, tc.want, reason, "got %v", reason)
			if reason == ReasonNone {
				require.Equal(t, body, c.Body())
			}
		})
	}
}

func TestSplitChunks(t *testing.T) {
	tests := []struct {
		name      string
		n, max    int
		wantCount int
	}{
		{"two exact", 200, ChunkHeaderLen + 100, 2},
		{"three, short last", 201, ChunkHeaderLen + 100, 3},
		{"one byte over", 101, ChunkHeaderLen + 100, 2},
		{"1.5 MB at the standard body size", 1_500_000, 397_000, 4},
		{"the cap", MaxPayloadBytes, 397_000, 11},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := payRandom(tc.n, 9)
			bodies, err := SplitChunks(EncodingBrotli, e, tc.max)
			require.NoError(t, err)
			require.Len(t, bodies, tc.wantCount)
			var joined []byte
			for i, b := range bodies {
				require.LessOrEqual(t, len(b), tc.max)
				if i < len(bodies)-1 {
					require.Len(t, b, tc.max, "every chunk but the last is full")
				}
				c, reason := ParseChunk(b)
				require.Equal(t, ReasonNone, reason)
				require.Equal(t, uint16(i), c.Index)
				require.Equal(t, uint16(tc.wantCount), c.Count)
				require.Equal(t, sha256.Sum256(e), c.PayloadHash)
				joined = append(joined, c.Bytes...)
			}
			require.Equal(t, e, joined)
		})
	}
}

func TestSplitChunksErrors(t *testing.T) {
	tests := []struct {
		name string
		enc  string
		n    int
		max  int
	}{
		{"fits in one body", "", 100, ChunkHeaderLen + 100},
		{"no room after the header", "", 100, ChunkHeaderLen},
		{"over the cap", "", MaxPayloadBytes + 1, 397_000},
		{"too many chunks", "", 70_000, ChunkHeaderLen + 1},
		{"unknown encoding", "gzip", 1000, 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := SplitChunks(tc.enc, make([]byte, tc.n), tc.max)
			require.Error(t, err)
		})
	}
}
