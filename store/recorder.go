package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/cockroachdb/pebble/v2"
)

// ErrUnsupported is returned by the Recorder's writes whose effect on keys it
// cannot record (range deletes, merges, range keys, single deletes, Apply).
var ErrUnsupported = errors.New("write not supported by store.Recorder")

// Write is one entry of a write set: the final value of a key written in a
// batch, or a tombstone.
type Write struct {
	Key    []byte
	Value  []byte // nil when Delete
	Delete bool
}

// Recorder is a pebble.Reader and pebble.Writer over an indexed batch that
// records, for every key written through it, the key's value before its first
// write in the batch (for Undo) and its final value (for WriteSet). Reads see the
// batch's own writes. It assumes it is the batch's only writer of recorded keys
// and that nothing else writes those keys to the database until it commits.
// Writes that must not be recorded (the undo record itself, a cursor) go to
// Unrecorded. A Recorder is not safe for concurrent use.
type Recorder struct {
	b     *pebble.Batch
	prior map[string]UndoEntry // first write wins
	final map[string]Write     // last write wins
}

var (
	_ pebble.Reader = (*Recorder)(nil)
	_ pebble.Writer = (*Recorder)(nil)
)

// NewRecorder wraps b, which must be an indexed batch (pebble.DB.NewIndexedBatch)
// so prior values can be read through it.
func NewRecorder(b *pebble.Batch) *Recorder {
	if !b.Indexed() {
		panic("store: NewRecorder needs an indexed batch")
	}
	return &Recorder{b: b, prior: map[string]UndoEntry{}, final: map[string]Write{}}
}

// recordPrior reads key's current value the first time key is written.
func (r *Recorder) recordPrior(key []byte) error {
	if _, ok := r.prior[string(key)]; ok {
		return nil
	}
	v, ok, err := Get(r.b, key)
	if err != nil {
		return fmt.Errorf("recorder: prior value: %w", err)
	}
	r.prior[string(key)] = UndoEntry{Key: bytes.Clone(key), Existed: ok, Value: v}
	return nil
}

// Set records key's prior value and sets it in the batch.
func (r *Recorder) Set(key, value []byte, _ *pebble.WriteOptions) error {
	if err := r.recordPrior(key); err != nil {
		return err
	}
	if err := r.b.Set(key, value, nil); err != nil {
		return fmt.Errorf("recorder: set: %w", err)
	}
	// A set's Value is never nil, even for an empty value.
	r.final[string(key)] = Write{Key: bytes.Clone(key), Value: append([]byte{}, value...)}
	return nil
}

// Delete records key's prior value and deletes it in the batch.
func (r *Recorder) Delete(key []byte, _ *pebble.WriteOptions) error {
	if err := r.recordPrior(key); err != nil {
		return err
	}
	if err := r.b.Delete(key, nil); err != nil {
		return fmt.Errorf("recorder: delete: %w", err)
	}
	r.final[string(key)] = Write{Key: bytes.Clone(key), Delete: true}
	return nil
}

// DeleteSized is Delete (the size hint is dropped).
func (r *Recorder) DeleteSized(key []byte, _ uint32, o *pebble.WriteOptions) error {
	return r.Delete(key, o)
}

// LogData passes data through to the batch's WAL record; it writes no key.
func (r *Recorder) LogData(data []byte, _ *pebble.WriteOptions) error {
	return r.b.LogData(data, nil)
}

// Apply is unsupported: the batch's keys would escape recording.
func (r *Recorder) Apply(*pebble.Batch, *pebble.WriteOptions) error { return ErrUnsupported }

// SingleDelete is unsupported.
func (r *Recorder) SingleDelete([]byte, *pebble.WriteOptions) error { return ErrUnsupported }

// DeleteRange is unsupported.
func (r *Recorder) DeleteRange(_, _ []byte, _ *pebble.WriteOptions) error { return ErrUnsupported }

// Merge is unsupported.
func (r *Recorder) Merge(_, _ []byte, _ *pebble.WriteOptions) error { return ErrUnsupported }

// RangeKeySet is unsupported.
func (r *Recorder) RangeKeySet(_, _, _, _ []byte, _ *pebble.WriteOptions) error {
	return ErrUnsupported
}

// RangeKeyUnset is unsupported.
func (r *Recorder) RangeKeyUnset(_, _, _ []byte, _ *pebble.WriteOptions) error {
	return ErrUnsupported
}

// RangeKeyDelete is unsupported.
func (r *Recorder) RangeKeyDelete(_, _ []byte, _ *pebble.WriteOptions) error { return ErrUnsupported }

// Get reads through the batch (its own writes, then the database).
func (r *Recorder) Get(key []byte) ([]byte, io.Closer, error) { return r.b.Get(key) }

// NewIter iterates over the batch merged with the database.
func (r *Recorder) NewIter(o *pebble.IterOptions) (*pebble.Iterator, error) { return r.b.NewIter(o) }

// NewIterWithContext is NewIter with a context for tracing.
func (r *Recorder) NewIterWithContext(ctx context.Context, o *pebble.IterOptions) (*pebble.Iterator, error) {
	return r.b.NewIterWithContext(ctx, o)
}

// Unrecorded returns the batch for writes that Undo and WriteSet must not see.
// A key written both ways is a bug: its recorded prior value would be wrong.
func (r *Recorder) Unrecorded() pebble.Writer { return r.b }

// Undo returns the prior values of every recorded key, sorted by key.
func (r *Recorder) Undo() Undo {
	u := Undo{Entries: make([]UndoEntry, 0, len(r.prior))}
	for _, e := range r.prior {
		u.Entries = append(u.Entries, e)
	}
	slices.SortFunc(u.Entries, func(a, b UndoEntry) int { return bytes.Compare(a.Key, b.Key) })
	return u
}

// WriteSet returns the final write of every recorded key, sorted by key: a set
// with its last value, or a tombstone (Delete) if the last write deleted it.
func (r *Recorder) WriteSet() []Write {
	ws := make([]Write, 0, len(r.final))
	for _, w := range r.final {
		ws = append(ws, w)
	}
	slices.SortFunc(ws, func(a, b Write) int { return bytes.Compare(a.Key, b.Key) })
	return ws
}

// Commit commits the batch with pebble.Sync unless ctx is already done.
func (r *Recorder) Commit(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("recorder commit: %w", err)
	}
	if err := r.b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("recorder commit: %w", err)
	}
	return nil
}

// Close releases the batch; uncommitted writes are dropped.
func (r *Recorder) Close() error { return r.b.Close() }
