package store

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestKey(t *testing.T) {
	var h [32]byte
	for i := range h {
		h[i] = byte(i)
	}
	cases := []struct {
		name  string
		parts []Part
		want  []byte
	}{
		{"prefix only", nil, []byte{0x07}},
		{"u8", []Part{U8(0xab)}, []byte{0x07, 0xab}},
		{"u16", []Part{U16(0x0102)}, []byte{0x07, 0x01, 0x02}},
		{"u32", []Part{U32(0x01020304)}, []byte{0x07, 1, 2, 3, 4}},
		{"u64", []Part{U64(0x0102030405060708)}, []byte{0x07, 1, 2, 3, 4, 5, 6, 7, 8}},
		{"b32 then u64", []Part{B32(h), U64(1)}, append(append([]byte{0x07}, h[:]...), 0, 0, 0, 0, 0, 0, 0, 1)},
		{"raw", []Part{Raw("ab"), U8(1)}, []byte{0x07, 'a', 'b', 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Key(0x07, c.parts...)
			require.Equal(t, c.want, got)
			require.Equal(t, len(got), cap(got), "Key allocates exactly")
		})
	}
}

// TestKeyOrder checks that big-endian parts make byte order equal numeric order.
func TestKeyOrder(t *testing.T) {
	vals := []uint64{0, 1, 255, 256, 1 << 32, 1<<63 + 5, ^uint64(0)}
	var keys [][]byte
	for _, v := range slices.Backward(vals) {
		keys = append(keys, Key(1, U32(7), U64(v)))
	}
	slices.SortFunc(keys, bytes.Compare)
	for i, k := range keys {
		r := ReadKey(k, 1)
		require.Equal(t, uint32(7), r.U32())
		require.Equal(t, vals[i], r.U64())
		require.NoError(t, r.Done())
	}
}

func TestKeyReader(t *testing.T) {
	var h [32]byte
	h[0], h[31] = 0xaa, 0xbb
	k := Key(9, U8(1), U16(2), U32(3), U64(4), B32(h), Raw("tail"))
	r := ReadKey(k, 9)
	require.Equal(t, uint8(1), r.U8())
	require.Equal(t, uint16(2), r.U16())
	require.Equal(t, uint32(3), r.U32())
	require.Equal(t, uint64(4), r.U64())
	require.Equal(t, h, r.B32())
	require.Equal(t, []byte("tail"), r.Rest())
	require.NoError(t, r.Done())

	cases := []struct {
		name string
		read func(*KeyReader)
		key  []byte
	}{
		{"wrong prefix", func(r *KeyReader) { r.U8() }, []byte{8, 1}},
		{"empty key", func(r *KeyReader) {}, nil},
		{"short u64", func(r *KeyReader) { r.U64() }, Key(9, U32(1))},
		{"trailing bytes", func(r *KeyReader) { r.U8() }, Key(9, U16(1))},
		{"error sticks", func(r *KeyReader) { r.U64(); r.U8() }, Key(9, U32(1))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := ReadKey(c.key, 9)
			c.read(r)
			require.True(t, errors.Is(r.Done(), ErrKey), "got %v", r.Done())
		})
	}
}

func TestPrefixBounds(t *testing.T) {
	cases := []struct {
		name         string
		prefix       []byte
		lower, upper []byte
	}{
		{"one byte", []byte{0x05}, []byte{0x05}, []byte{0x06}},
		{"carry", []byte{0x05, 0xff}, []byte{0x05, 0xff}, []byte{0x06}},
		{"middle", []byte{0x01, 0x02, 0x03}, []byte{0x01, 0x02, 0x03}, []byte{0x01, 0x02, 0x04}},
		{"all ff", []byte{0xff, 0xff}, []byte{0xff, 0xff}, nil},
		{"empty (no bounds)", []byte{}, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lo, up := PrefixBounds(c.prefix)
			require.Equal(t, c.lower, lo)
			require.Equal(t, c.upper, up)
			if up != nil {
				// Every extension of prefix is below upper; upper itself is not a match.
				require.Negative(t, bytes.Compare(append(bytes.Clone(c.prefix), 0xff, 0xff), up))
				require.False(t, bytes.HasPrefix(up, c.prefix))
			}
		})
	}
}
