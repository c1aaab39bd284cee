package store

import (
	"context"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"
)

func TestRecorderWriteSetAndPriors(t *testing.T) {
	ctx := context.Background()
	db := openMem(t, vfs.NewMem())
	defer db.Close()
	require.NoError(t, db.Update(ctx, func(w pebble.Writer) error {
		for _, k := range []string{"b", "d", "e"} {
			if err := w.Set([]byte(k), []byte("old-"+k), nil); err != nil {
				return err
			}
		}
		return nil
	}))

	r := db.NewRecorder()
	defer r.Close()
	steps := []struct {
		op, key, val string
	}{
		{"set", "c", "c1"},    // new key
		{"set", "b", "b1"},    // existing key
		{"set", "b", "b2"},    // second write: prior stays "old-b", final "b2"
		{"del", "d", ""},      // existing key deleted
		{"set", "a", "a1"},    // new key, later deleted: tombstone, prior absent
		{"del", "a", ""},      //
		{"del", "z", ""},      // delete of a missing key still recorded
		{"set", "e", ""},      // set to an empty value
		{"set", "d", "d-new"}, // delete then set: final set, prior "old-d"
	}
	for _, s := range steps {
		if s.op == "set" {
			require.NoError(t, r.Set([]byte(s.key), []byte(s.val), nil))
		} else {
			require.NoError(t, r.Delete([]byte(s.key), nil))
		}
	}
	// Reads see the batch's own writes.
	v, ok := mustGet(t, r, "b")
	require.True(t, ok)
	require.Equal(t, "b2", v)
	_, ok = mustGet(t, r, "a")
	require.False(t, ok)

	require.Equal(t, []Write{
		{Key: []byte("a"), Delete: true},
		{Key: []byte("b"), Value: []byte("b2")},
		{Key: []byte("c"), Value: []byte("c1")},
		{Key: []byte("d"), Value: []byte("d-new")},
		{Key: []byte("e"), Value: []byte{}},
		{Key: []byte("z"), Delete: true},
	}, r.WriteSet())
	require.Equal(t, Undo{Entries: []UndoEntry{
		{Key: []byte("a")},
		{Key: []byte("b"), Existed: true, Value: []byte("old-b")},
		{Key: []byte("c")},
		{Key: []byte("d"), Existed: true, Value: []byte("old-d")},
		{Key: []byte("e"), Existed: true, Value: []byte("old-e")},
		{Key: []byte("z")},
	}}, r.Undo())

	// Unrecorded writes land in the batch but in neither list.
	require.NoError(t, r.Unrecorded().Set([]byte("tip"), []byte("7"), nil))
	require.Len(t, r.WriteSet(), 6)
	require.Len(t, r.Undo().Entries, 6)

	// Nothing is visible before Commit, everything after.
	_, ok = mustGet(t, db.Pebble(), "c")
	require.False(t, ok)
	require.NoError(t, r.Commit(ctx))
	v, ok = mustGet(t, db.Pebble(), "d")
	require.True(t, ok)
	require.Equal(t, "d-new", v)
	_, ok = mustGet(t, db.Pebble(), "tip")
	require.True(t, ok)
}

func TestRecorderUnsupported(t *testing.T) {
	db := openMem(t, vfs.NewMem())
	defer db.Close()
	r := db.NewRecorder()
	defer r.Close()
	k := []byte("k")
	for name, err := range map[string]error{
		"Apply":          r.Apply(db.Pebble().NewBatch(), nil),
		"SingleDelete":   r.SingleDelete(k, nil),
		"DeleteRange":    r.DeleteRange(k, []byte("l"), nil),
		"Merge":          r.Merge(k, k, nil),
		"RangeKeySet":    r.RangeKeySet(k, []byte("l"), nil, k, nil),
		"RangeKeyUnset":  r.RangeKeyUnset(k, []byte("l"), nil, nil),
		"RangeKeyDelete": r.RangeKeyDelete(k, []byte("l"), nil),
	} {
		require.ErrorIs(t, err, ErrUnsupported, name)
	}
	require.Empty(t, r.WriteSet())
	require.NoError(t, r.LogData([]byte("note"), nil))
	require.NoError(t, r.DeleteSized(k, 3, nil))
	require.Equal(t, []Write{{Key: k, Delete: true}}, r.WriteSet())
	require.Panics(t, func() { NewRecorder(db.Pebble().NewBatch()) })
}

func TestRecorderCommitCanceled(t *testing.T) {
	db := openMem(t, vfs.NewMem())
	defer db.Close()
	r := db.NewRecorder()
	defer r.Close()
	require.NoError(t, r.Set([]byte("k"), []byte("v"), nil))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, r.Commit(ctx), context.Canceled)
	_, ok := mustGet(t, db.Pebble(), "k")
	require.False(t, ok)
}
