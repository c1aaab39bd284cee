package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"
)

// dump returns every key and value of r in order.
func dump(t *testing.T, r pebble.Reader) map[string]string {
	t.Helper()
	it, err := r.NewIter(nil)
	require.NoError(t, err)
	out := map[string]string{}
	for it.First(); it.Valid(); it.Next() {
		out[string(it.Key())] = string(it.Value())
	}
	require.NoError(t, it.Close())
	return out
}

// randomBlock writes random sets and deletes over a small key space through a
// Recorder, updating model like a last-write-wins map, and returns the encoded
// undo record.
func randomBlock(t *testing.T, ctx context.Context, db *DB, rng *rand.Rand, model map[string]string) []byte {
	t.Helper()
	r := db.NewRecorder()
	defer r.Close()
	written := map[string]*string{}
	for range 1 + rng.IntN(40) {
		k := Key(byte(1+rng.IntN(3)), U32(uint32(rng.IntN(20))))
		if rng.IntN(3) == 0 {
			require.NoError(t, r.Delete(k, nil))
			delete(model, string(k))
			written[string(k)] = nil
			continue
		}
		v := fmt.Sprintf("v%d", rng.IntN(1000))
		if rng.IntN(10) == 0 {
			v = ""
		}
		require.NoError(t, r.Set(k, []byte(v), nil))
		model[string(k)] = v
		written[string(k)] = &v
	}
	// The write set is sorted, unique and matches the last write of each key.
	ws := r.WriteSet()
	require.Len(t, ws, len(written))
	for i, w := range ws {
		if i > 0 {
			require.Negative(t, bytes.Compare(ws[i-1].Key, w.Key))
		}
		last := written[string(w.Key)]
		require.Equal(t, last == nil, w.Delete)
		if last != nil {
			require.Equal(t, *last, string(w.Value))
		}
	}
	enc, err := r.Undo().MarshalBinary()
	require.NoError(t, err)
	// The undo record is stored in the same batch, unrecorded, as the indexer does.
	require.NoError(t, r.Unrecorded().Set(Key(0xee), enc, nil))
	require.NoError(t, r.Commit(ctx))
	return enc
}

// TestUndoRoundTrip applies random blocks, then undoes them newest first and
// checks the database equals its snapshot before each block.
func TestUndoRoundTrip(t *testing.T) {
	for _, fsCase := range []struct {
		name string
		open func(t *testing.T) *DB
	}{
		{"mem", func(t *testing.T) *DB { return openMem(t, vfs.NewMem()) }},
		{"disk", func(t *testing.T) *DB {
			db, err := Open(t.TempDir(), Options{})
			require.NoError(t, err)
			return db
		}},
	} {
		t.Run(fsCase.name, func(t *testing.T) {
			ctx := context.Background()
			db := fsCase.open(t)
			defer db.Close()
			rng := rand.New(rand.NewPCG(7, 11))
			model := map[string]string{}
			var snaps []map[string]string
			var undos [][]byte
			for range 30 {
				snaps = append(snaps, dump(t, db.Pebble()))
				undos = append(undos, randomBlock(t, ctx, db, rng, model))
				got := dump(t, db.Pebble())
				delete(got, string(Key(0xee)))
				require.Equal(t, model, got)
			}
			for i := len(undos) - 1; i >= 0; i-- {
				var u Undo
				require.NoError(t, u.UnmarshalBinary(undos[i]))
				require.NoError(t, db.Update(ctx, u.Apply))
				got := dump(t, db.Pebble())
				want := snaps[i]
				// The undo key is unrecorded: it holds the latest record written.
				delete(got, string(Key(0xee)))
				delete(want, string(Key(0xee)))
				require.Equal(t, want, got, "after undoing block %d", i)
			}
		})
	}
}

func undoEncoding(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func u32be(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func TestUndoCodec(t *testing.T) {
	u := Undo{Entries: []UndoEntry{
		{Key: []byte("a")},
		{Key: []byte("b"), Existed: true, Value: []byte("xyz")},
		{Key: []byte("c"), Existed: true, Value: []byte{}},
	}}
	enc, err := u.MarshalBinary()
	require.NoError(t, err)
	want := undoEncoding([]byte{1}, u32be(3),
		u32be(1), []byte("a"), []byte{0},
		u32be(1), []byte("b"), []byte{1}, u32be(3), []byte("xyz"),
		u32be(1), []byte("c"), []byte{1}, u32be(0))
	require.Equal(t, want, enc)
	var got Undo
	require.NoError(t, got.UnmarshalBinary(enc))
	require.Equal(t, u, got)

	// Every truncation is io.ErrUnexpectedEOF.
	for n := range len(enc) {
		var d Undo
		err := d.UnmarshalBinary(enc[:n])
		require.True(t, errors.Is(err, io.ErrUnexpectedEOF), "cut at %d: %v", n, err)
	}

	empty, err := Undo{}.MarshalBinary()
	require.NoError(t, err)
	require.Equal(t, []byte{1, 0, 0, 0, 0}, empty)

	cases := []struct {
		name string
		in   []byte
		err  error
	}{
		{"version 0", undoEncoding([]byte{0}, u32be(0)), ErrUndoFormat},
		{"version 2", undoEncoding([]byte{2}, u32be(0)), ErrUndoFormat},
		{"trailing byte", undoEncoding([]byte{1}, u32be(0), []byte{0}), ErrUndoFormat},
		{"existed flag 2", undoEncoding([]byte{1}, u32be(1), u32be(1), []byte("a"), []byte{2}), ErrUndoFormat},
		{"keys descending", undoEncoding([]byte{1}, u32be(2), u32be(1), []byte("b"), []byte{0},
			u32be(1), []byte("a"), []byte{0}), ErrUndoFormat},
		{"duplicate key", undoEncoding([]byte{1}, u32be(2), u32be(1), []byte("a"), []byte{0},
			u32be(1), []byte("a"), []byte{0}), ErrUndoFormat},
		{"key over cap", undoEncoding([]byte{1}, u32be(1), u32be(MaxUndoKeyBytes+1), []byte{0}), ErrUndoFormat},
		{"value over cap", undoEncoding([]byte{1}, u32be(1), u32be(1), []byte("a"), []byte{1},
			u32be(MaxUndoValueBytes+1)), ErrUndoFormat},
		{"huge count", undoEncoding([]byte{1}, u32be(0xffffffff)), io.ErrUnexpectedEOF},
		{"key length past end", undoEncoding([]byte{1}, u32be(1), u32be(100), []byte("a")), io.ErrUnexpectedEOF},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var d Undo
			err := d.UnmarshalBinary(c.in)
			require.True(t, errors.Is(err, c.err), "got %v, want %v", err, c.err)
		})
	}

	for _, bad := range []Undo{
		{Entries: []UndoEntry{{Key: []byte("b")}, {Key: []byte("a")}}},
		{Entries: []UndoEntry{{Key: []byte("a"), Value: []byte("v")}}},
		{Entries: []UndoEntry{{Key: make([]byte, MaxUndoKeyBytes+1)}}},
	} {
		_, err := bad.MarshalBinary()
		require.ErrorIs(t, err, ErrUndoFormat)
	}
}

func FuzzUndoDecode(f *testing.F) {
	seed, _ := Undo{Entries: []UndoEntry{{Key: []byte("a")}, {Key: []byte("b"), Existed: true,
		Value: []byte("xyz")}}}.MarshalBinary()
	f.Add(seed)
	f.Add([]byte{1, 0, 0, 0, 0})
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		var u Undo
		if err := u.UnmarshalBinary(in); err != nil {
			if !errors.Is(err, ErrUndoFormat) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		out, err := u.MarshalBinary()
		if err != nil {
			t.Fatalf("decoded record does not encode: %v", err)
		}
		if !bytes.Equal(in, out) {
			t.Fatalf("decode∘encode differs")
		}
	})
}
