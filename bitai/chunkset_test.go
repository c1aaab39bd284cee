package bitai

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// chkModel is a minimal state machine around ApplyChunk: the sets by key and each
// key's pending bytes, kept from the results alone.
type chkModel struct {
	sets    map[[64]byte]*PendingSet
	pending map[[32]byte]uint64
}

func newChkModel() *chkModel {
	return &chkModel{sets: map[[64]byte]*PendingSet{}, pending: map[[32]byte]uint64{}}
}

func chkKey(ins [32]byte, hash [32]byte) (k [64]byte) {
	copy(k[:32], ins[:])
	copy(k[32:], hash[:])
	return k
}

// startBlock drops the sets that expired at height h (rule P-9) and returns how many.
func (m *chkModel) startBlock(h uint32) int {
	n := 0
	for k, s := range m.sets {
		if Expired(s, h) {
			m.pending[s.Inscriber] -= s.PendingBytes()
			delete(m.sets, k)
			n++
		}
	}
	return n
}

// apply feeds one chunk through ApplyChunk, stores the result, and checks that the
// pending totals still equal the sum over the stored sets.
func (m *chkModel) apply(t *testing.T, ins [32]byte, c Chunk, enc string, h uint32) (ChunkResult, Reason) {
	t.Helper()
	k := chkKey(ins, c.PayloadHash)
	before := m.sets[k]
	var snapshot []byte
	if before != nil {
		var err error
		snapshot, err = before.MarshalBinary()
		require.NoError(t, err)
	}
	res, reason := ApplyChunk(before, c, enc, ins, h, m.pending[ins])
	if before != nil { // ApplyChunk never modifies its input
		after, err := before.MarshalBinary()
		require.NoError(t, err)
		require.Equal(t, snapshot, after)
	}
	if res.Set == nil {
		delete(m.sets, k)
	} else {
		m.sets[k] = res.Set
	}
	m.pending[ins] = uint64(int64(m.pending[ins]) + res.PendingDelta)
	var sum uint64
	for _, s := range m.sets {
		if s.Inscriber == ins {
			sum += s.PendingBytes()
		}
	}
	require.Equal(t, sum, m.pending[ins], "pending bytes drifted from the sets")
	require.LessOrEqual(t, m.pending[ins], uint64(MaxPendingChunkBytesPerKey))
	return res, reason
}

// chkChunks splits e into count chunks of equal size (the last takes the rest).
func chkChunks(e []byte, count int) []Chunk {
	hash := sha256.Sum256(e)
	per := len(e) / count
	out := make([]Chunk, count)
	for i := range out {
		end := (i + 1) * per
		if i == count-1 {
			end = len(e)
		}
		out[i] = Chunk{PayloadHash: hash, Index: uint16(i), Count: uint16(count), Bytes: e[i*per : end]}
	}
	return out
}

var (
	chkAlice = [32]byte(bytes.Repeat([]byte{0xa1}, 32))
	chkBob   = [32]byte(bytes.Repeat([]byte{0xb0}, 32))
)

func TestApplyChunkCompletes(t *testing.T) {
	e := payRandom(3000, 1)
	for _, order := range [][]int{{0, 1, 2}, {2, 0, 1}, {1, 2, 0}} {
		m := newChkModel()
		cs := chkChunks(e, 3)
		for i, idx := range order {
			res, reason := m.apply(t, chkAlice, cs[idx], "br", 100+uint32(i))
			require.Equal(t, ReasonNone, reason)
			if i < 2 {
				require.False(t, res.Complete)
				require.NotNil(t, res.Set)
				require.Equal(t, uint32(100), res.Set.FirstHeight)
				continue
			}
			require.True(t, res.Complete)
			require.Equal(t, e, res.Payload)
			require.Equal(t, "br", res.Encoding)
			require.Nil(t, res.Set)
		}
		require.Empty(t, m.sets)
		require.Zero(t, m.pending[chkAlice])
	}
}

func TestApplyChunkIgnored(t *testing.T) {
	e := payRandom(3000, 2)
	cs := chkChunks(e, 3)
	tests := []struct {
		name  string
		first Chunk
		enc   string
		next  Chunk
		nextE string
		want  Reason
	}{
		{"repeat index", cs[0], "", cs[0], "", ReasonChunkRepeat},
		{"repeat index, other bytes", cs[0], "", Chunk{cs[0].PayloadHash, 0, 3, []byte{1}}, "", ReasonChunkRepeat},
		{"count mismatch", cs[0], "", Chunk{cs[1].PayloadHash, 1, 4, cs[1].Bytes}, "", ReasonChunkCountMismatch},
		{"encoding mismatch", cs[0], "", cs[1], "br", ReasonChunkEncodingMismatch},
		{"encoding mismatch the other way", cs[0], "br", cs[1], "", ReasonChunkEncodingMismatch},
		{"unknown encoding", cs[0], "", cs[1], "gzip", ReasonEncodingUnsupported},
		{"count 1", cs[0], "", Chunk{cs[1].PayloadHash, 0, 1, []byte{1}}, "", ReasonChunkCount},
		{"index past count", cs[0], "", Chunk{cs[1].PayloadHash, 3, 3, []byte{1}}, "", ReasonChunkIndex},
		{"no bytes", cs[0], "", Chunk{cs[1].PayloadHash, 1, 3, nil}, "", ReasonChunkEmpty},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newChkModel()
			_, reason := m.apply(t, chkAlice, tc.first, tc.enc, 10)
			require.Equal(t, ReasonNone, reason)
			before := m.pending[chkAlice]
			res, reason := m.apply(t, chkAlice, tc.next, tc.nextE, 11)
			require.Equal(t, tc.want, reason, "got %v", reason)
			require.False(t, res.Complete)
			require.Zero(t, res.PendingDelta)
			require.Equal(t, before, m.pending[chkAlice])
			require.Len(t, m.sets[chkKey(chkAlice, tc.first.PayloadHash)].Parts, 1)
		})
	}
}

func TestApplyChunkWindow(t *testing.T) {
	e := payRandom(3000, 3)
	cs := chkChunks(e, 3)
	m := newChkModel()
	_, reason := m.apply(t, chkAlice, cs[0], "", 10)
	require.Equal(t, ReasonNone, reason)
	require.Zero(t, m.startBlock(10+ChunkWindowBlocks))
	_, reason = m.apply(t, chkAlice, cs[1], "", 10+ChunkWindowBlocks) // h − first = 6: joins
	require.Equal(t, ReasonNone, reason)
	require.Len(t, m.sets[chkKey(chkAlice, cs[0].PayloadHash)].Parts, 2)

	require.Equal(t, 1, m.startBlock(10+ChunkWindowBlocks+1)) // the set expires, its hash is free
	require.Zero(t, m.pending[chkAlice])
	res, reason := m.apply(t, chkAlice, cs[2], "", 10+ChunkWindowBlocks+1) // a late chunk starts a new set
	require.Equal(t, ReasonNone, reason)
	require.False(t, res.Complete)
	require.Equal(t, uint32(17), res.Set.FirstHeight)
	require.Len(t, res.Set.Parts, 1)
	// The resent chunks complete the new set within its own window.
	_, reason = m.apply(t, chkAlice, cs[0], "", 20)
	require.Equal(t, ReasonNone, reason)
	res, reason = m.apply(t, chkAlice, cs[1], "", 23)
	require.Equal(t, ReasonNone, reason)
	require.True(t, res.Complete)
	require.Equal(t, e, res.Payload)
}

// TestApplyChunkExpiredSetPassedIn: a caller that has not dropped an expired set yet
// gets the same answer, with the old set's bytes freed in the delta.
func TestApplyChunkExpiredSetPassedIn(t *testing.T) {
	cs := chkChunks(payRandom(300, 4), 3)
	res, reason := ApplyChunk(nil, cs[0], "", chkAlice, 10, 0)
	require.Equal(t, ReasonNone, reason)
	old := res.Set
	require.False(t, Expired(old, 16))
	require.True(t, Expired(old, 17))
	require.False(t, Expired(nil, 17))

	res, reason = ApplyChunk(old, cs[1], "", chkAlice, 17, 100)
	require.Equal(t, ReasonNone, reason)
	require.Equal(t, uint32(17), res.Set.FirstHeight)
	require.Equal(t, []ChunkPart{{Index: 1, Bytes: cs[1].Bytes}}, res.Set.Parts)
	require.Equal(t, int64(len(cs[1].Bytes))-100, res.PendingDelta)

	// Ignored after expiry: the old set is gone all the same.
	res, reason = ApplyChunk(old, Chunk{cs[0].PayloadHash, 0, 3, nil}, "", chkAlice, 17, 100)
	require.Equal(t, ReasonChunkEmpty, reason)
	require.Nil(t, res.Set)
	require.Equal(t, int64(-100), res.PendingDelta)
}

func TestApplyChunkHashMismatch(t *testing.T) {
	e := payRandom(3000, 5)
	cs := chkChunks(e, 3)
	bad := cs[1]
	bad.Bytes = bytes.Repeat([]byte{0xee}, len(bad.Bytes))
	m := newChkModel()
	for _, c := range []Chunk{cs[0], bad} {
		_, reason := m.apply(t, chkAlice, c, "", 50)
		require.Equal(t, ReasonNone, reason)
	}
	res, reason := m.apply(t, chkAlice, cs[2], "", 51)
	require.Equal(t, ReasonChunkHashMismatch, reason)
	require.False(t, res.Complete)
	require.Nil(t, res.Set)
	require.Nil(t, res.Payload)
	require.Empty(t, m.sets, "the set is discarded and its hash freed")
	require.Zero(t, m.pending[chkAlice])
	// The same hash starts over and completes.
	for i, c := range cs {
		res, reason = m.apply(t, chkAlice, c, "", 52)
		require.Equal(t, ReasonNone, reason)
		require.Equal(t, i == 2, res.Complete)
	}
	require.Equal(t, e, res.Payload)
}

func TestApplyChunkKeysAreSeparate(t *testing.T) {
	e := payRandom(2000, 6)
	cs := chkChunks(e, 2)
	m := newChkModel()
	_, reason := m.apply(t, chkAlice, cs[0], "", 5)
	require.Equal(t, ReasonNone, reason)
	res, reason := m.apply(t, chkBob, cs[1], "", 5) // same hash, other inscriber: another set
	require.Equal(t, ReasonNone, reason)
	require.False(t, res.Complete)
	require.Len(t, m.sets, 2)
	res, reason = m.apply(t, chkAlice, cs[1], "", 6)
	require.Equal(t, ReasonNone, reason)
	require.True(t, res.Complete)
}

func TestApplyChunkCaps(t *testing.T) {
	big := make([]byte, MaxPayloadBytes/2)
	hashA, hashB, hashC, hashD := [32]byte{1}, [32]byte{2}, [32]byte{3}, [32]byte{4}
	m := newChkModel()
	// Four half-cap chunks in four sets fill Alice's 8 MiB exactly.
	for _, h := range [][32]byte{hashA, hashB, hashC, hashD} {
		_, reason := m.apply(t, chkAlice, Chunk{h, 0, 3, big}, "", 1)
		require.Equal(t, ReasonNone, reason)
	}
	require.Equal(t, uint64(MaxPendingChunkBytesPerKey), m.pending[chkAlice])
	_, reason := m.apply(t, chkAlice, Chunk{[32]byte{5}, 0, 2, []byte{1}}, "", 2)
	require.Equal(t, ReasonChunkKeyCap, reason)
	require.Len(t, m.sets, 4)
	// Bob is not affected by Alice's cap (no global cap).
	_, reason = m.apply(t, chkBob, Chunk{[32]byte{5}, 0, 2, []byte{1}}, "", 2)
	require.Equal(t, ReasonNone, reason)
	// Expiry frees Alice's bytes.
	require.Equal(t, 4, m.startBlock(1+ChunkWindowBlocks+1))
	_, reason = m.apply(t, chkAlice, Chunk{[32]byte{5}, 0, 2, []byte{1}}, "", 8)
	require.Equal(t, ReasonNone, reason)

	// One set holds at most MaxPayloadBytes.
	m = newChkModel()
	_, reason = m.apply(t, chkAlice, Chunk{hashA, 0, 3, big}, "", 1)
	require.Equal(t, ReasonNone, reason)
	_, reason = m.apply(t, chkAlice, Chunk{hashA, 1, 3, big}, "", 1)
	require.Equal(t, ReasonNone, reason)
	_, reason = m.apply(t, chkAlice, Chunk{hashA, 2, 3, []byte{1}}, "", 1)
	require.Equal(t, ReasonChunkSetTooLarge, reason)
	_, reason = m.apply(t, chkBob, Chunk{hashB, 0, 2, make([]byte, MaxPayloadBytes+1)}, "", 1)
	require.Equal(t, ReasonChunkSetTooLarge, reason)
}

func TestApplyChunkCallerBugsPanic(t *testing.T) {
	cs := chkChunks(payRandom(300, 7), 3)
	res, _ := ApplyChunk(nil, cs[0], "", chkAlice, 10, 0)
	require.Panics(t, func() { ApplyChunk(res.Set, cs[1], "", chkBob, 10, 0) })
	other := cs[1]
	other.PayloadHash[0] ^= 1
	require.Panics(t, func() { ApplyChunk(res.Set, other, "", chkAlice, 10, 0) })
	require.Panics(t, func() { ApplyChunk(res.Set, cs[1], "", chkAlice, 9, 0) })
}

// TestPendingSetBytes pins the pending-set layout against bytes written by hand.
func TestPendingSetBytes(t *testing.T) {
	s := &PendingSet{Inscriber: chkAlice, PayloadHash: [32]byte(bytes.Repeat([]byte{0x44}, 32)), Count: 3,
		Encoding: "br", FirstHeight: 0x01020304,
		Parts: []ChunkPart{{Index: 0, Bytes: []byte{0xaa}}, {Index: 2, Bytes: []byte{0xbb, 0xcc}}}}
	want := "01" + strings.Repeat("a1", 32) + strings.Repeat("44", 32) + "0003" + "01" + "01020304" + "0002" +
		"0000" + "00000001" + "aa" + "0002" + "00000002" + "bbcc"
	got, err := s.MarshalBinary()
	require.NoError(t, err)
	require.Equal(t, want, hex.EncodeToString(got))
	var back PendingSet
	require.NoError(t, back.UnmarshalBinary(got))
	require.Equal(t, *s, back)
	require.Equal(t, uint64(3), back.PendingBytes())
}

func TestPendingSetUnmarshalStrict(t *testing.T) {
	head := func(count, enc string, n string) string {
		return "01" + strings.Repeat("a1", 32) + strings.Repeat("44", 32) + count + enc + "00000005" + n
	}
	part := func(idx, n, b string) string { return idx + n + b }
	tests := []struct {
		name string
		data string
		eof  bool
	}{
		{"empty", "", true},
		{"header cut", head("0003", "00", "00"), true},
		{"version 2", "02" + head("0003", "00", "0001")[2:] + part("0000", "00000001", "aa"), false},
		{"encoding byte 2", head("0003", "02", "0001") + part("0000", "00000001", "aa"), false},
		{"count 1", head("0001", "00", "0001") + part("0000", "00000001", "aa"), false},
		{"no parts", head("0003", "00", "0000"), false},
		{"parts = count", head("0002", "00", "0002") + part("0000", "00000001", "aa") + part("0001", "00000001", "bb"), false},
		{"index = count", head("0003", "00", "0001") + part("0003", "00000001", "aa"), false},
		{"indexes not increasing", head("0003", "00", "0002") + part("0001", "00000001", "aa") + part("0000", "00000001", "bb"), false},
		{"repeated index", head("0004", "00", "0002") + part("0001", "00000001", "aa") + part("0001", "00000001", "bb"), false},
		{"empty part", head("0003", "00", "0001") + part("0000", "00000000", ""), false},
		{"part header cut", head("0003", "00", "0001") + "000000", true},
		{"part bytes cut", head("0003", "00", "0001") + part("0000", "00000002", "aa"), true},
		{"huge part length", head("0003", "00", "0001") + part("0000", "ffffffff", "aa"), true},
		{"trailing byte", head("0003", "00", "0001") + part("0000", "00000001", "aa") + "00", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s PendingSet
			err := s.UnmarshalBinary(tplHex(t, tc.data))
			require.ErrorIs(t, err, ErrChunk)
			require.Equal(t, tc.eof, errors.Is(err, io.ErrUnexpectedEOF))
			require.Equal(t, PendingSet{}, s, "a failed decode leaves the set untouched")
		})
	}
	var s PendingSet
	require.NoError(t, s.UnmarshalBinary(tplHex(t, head("0003", "00", "0001")+part("0002", "00000001", "aa"))))
	require.Equal(t, "", s.Encoding)
	require.Equal(t, uint32(5), s.FirstHeight)
}

func TestPendingSetMarshalRejectsInvalid(t *testing.T) {
	for _, s := range []*PendingSet{
		{Count: 1, Parts: []ChunkPart{{0, []byte{1}}}},
		{Count: 3},
		{Count: 3, Encoding: "gzip", Parts: []ChunkPart{{0, []byte{1}}}},
		{Count: 3, Parts: []ChunkPart{{1, []byte{1}}, {0, []byte{1}}}},
		{Count: 2, Parts: []ChunkPart{{0, []byte{1}}, {1, []byte{1}}}},
		{Count: 3, Parts: []ChunkPart{{0, nil}}},
	} {
		_, err := s.MarshalBinary()
		require.ErrorIs(t, err, ErrChunk)
	}
}
