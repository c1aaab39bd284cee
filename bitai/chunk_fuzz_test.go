package bitai

import (
	"crypto/sha256"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzParseChunk: ParseChunk never panics, and a chunk it accepts encodes back to the
// same body.
func FuzzParseChunk(f *testing.F) {
	e := payRandom(300, 1)
	bodies, err := SplitChunks("", e, ChunkHeaderLen+100)
	require.NoError(f, err)
	for _, b := range bodies {
		f.Add(b)
	}
	f.Add([]byte{0x01})
	f.Add([]byte{0x00, 0x01})
	f.Fuzz(func(t *testing.T, body []byte) {
		c, reason := ParseChunk(body)
		if reason != ReasonNone {
			return
		}
		require.Equal(t, body, c.Body())
		require.GreaterOrEqual(t, c.Count, uint16(2))
		require.Less(t, c.Index, c.Count)
		require.NotEmpty(t, c.Bytes)
	})
}

// FuzzPendingSetUnmarshal: UnmarshalBinary never panics, leaves the set untouched on
// failure, and a set it accepts marshals back to the same bytes.
func FuzzPendingSetUnmarshal(f *testing.F) {
	cs := chkChunks(payRandom(300, 2), 3)
	res, _ := ApplyChunk(nil, cs[2], "br", chkAlice, 7, 0)
	res, _ = ApplyChunk(res.Set, cs[0], "br", chkAlice, 8, 100)
	b, err := res.Set.MarshalBinary()
	require.NoError(f, err)
	f.Add(b)
	f.Add(b[:len(b)-1])
	f.Fuzz(func(t *testing.T, data []byte) {
		var s PendingSet
		if err := s.UnmarshalBinary(data); err != nil {
			require.ErrorIs(t, err, ErrChunk)
			require.Equal(t, PendingSet{}, s)
			return
		}
		back, err := s.MarshalBinary()
		require.NoError(t, err)
		require.Equal(t, data, back)
	})
}

// FuzzApplyChunk drives ApplyChunk with a chunk sequence read from the input (2 keys,
// 2 payloads, small counts) through chkModel, which checks after every step that the
// pending totals match the stored sets and stay under the cap; a completed set must
// hash to its key.
func FuzzApplyChunk(f *testing.F) {
	f.Add([]byte{0, 0, 3, 0, 0, 1, 3, 0, 0, 2, 3, 1})
	f.Add([]byte{0, 0, 2, 0, 1, 1, 2, 9, 0, 1, 2, 0})
	f.Fuzz(fuzzApplyOps)
}

// fuzzApplyOps is FuzzApplyChunk's body.
func fuzzApplyOps(t *testing.T, ops []byte) {
	{
		if len(ops) > 1024 {
			ops = ops[:1024] // at most 256 chunks: keeps each run short
		}
		payloads := [2][]byte{payRandom(60, 1), payRandom(90, 2)}
		m := newChkModel()
		h := uint32(100)
		for len(ops) >= 4 && len(m.sets) < 64 {
			op := binary.BigEndian.Uint32(ops)
			ops = ops[4:]
			ins := chkAlice
			if op&1 != 0 {
				ins = chkBob
			}
			e := payloads[op>>1&1]
			count := uint16(op>>2&7) + 1
			index := uint16(op >> 5 & 7)
			h += op >> 8 & 7
			m.startBlock(h)
			c := Chunk{PayloadHash: sha256.Sum256(e), Index: index, Count: count}
			if op>>11&1 != 0 { // a corrupt chunk
				c.Bytes = []byte{byte(op >> 12)}
			} else if count > 0 && index < count {
				per := (len(e) + int(count) - 1) / int(count)
				lo, hi := min(int(index)*per, len(e)), min(int(index+1)*per, len(e))
				c.Bytes = e[lo:hi]
			}
			enc := ""
			if op>>20&1 != 0 {
				enc = EncodingBrotli
			}
			res, reason := m.apply(t, ins, c, enc, h)
			if res.Complete {
				require.Equal(t, ReasonNone, reason)
				require.Equal(t, c.PayloadHash, sha256.Sum256(res.Payload))
			}
		}
	}
}
