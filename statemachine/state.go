package statemachine

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"github.com/bitai-l2/bitai/store"
	"github.com/cockroachdb/pebble/v2"
)

// State is what the transition logic reads and writes (DECISIONS A9): the indexer
// passes a store.Recorder-backed adapter (NewPebbleState); the mempool later passes an
// overlay. Values returned by Get may be retained by the caller; values passed to Set
// may be retained by the State, so callers never modify a slice after passing it.
type State interface {
	Get(key []byte) (value []byte, ok bool, err error)
	Set(key, value []byte) error
	Delete(key []byte) error
	// Iterate visits keys with the prefix in ascending order until fn returns false.
	// fn must not write to the State.
	Iterate(prefix []byte, fn func(key, value []byte) (bool, error)) error
}

// ErrReadOnly is returned by the writes of a State made with NewReadState.
var ErrReadOnly = errors.New("state is read-only")

// ReadWriter is what NewPebbleState needs: a pebble.DB, an indexed batch or a
// store.Recorder.
type ReadWriter interface {
	pebble.Reader
	pebble.Writer
}

// pebbleState adapts a pebble reader (and writer, if any) to State.
type pebbleState struct {
	r pebble.Reader
	w pebble.Writer // nil: read-only
}

var _ State = (*pebbleState)(nil)

// NewPebbleState returns a State over rw; writes go to rw without options (a batch or a
// Recorder decides durability when it commits).
func NewPebbleState(rw ReadWriter) State { return &pebbleState{r: rw, w: rw} }

// NewReadState returns a read-only State over r, for queries; its writes fail with
// ErrReadOnly.
func NewReadState(r pebble.Reader) State { return &pebbleState{r: r} }

func (s *pebbleState) Get(key []byte) ([]byte, bool, error) {
	v, ok, err := store.Get(s.r, key)
	if err != nil {
		return nil, false, fmt.Errorf("state get: %w", err)
	}
	return v, ok, nil
}

func (s *pebbleState) Set(key, value []byte) error {
	if s.w == nil {
		return ErrReadOnly
	}
	if err := s.w.Set(key, value, nil); err != nil {
		return fmt.Errorf("state set: %w", err)
	}
	return nil
}

func (s *pebbleState) Delete(key []byte) error {
	if s.w == nil {
		return ErrReadOnly
	}
	if err := s.w.Delete(key, nil); err != nil {
		return fmt.Errorf("state delete: %w", err)
	}
	return nil
}

func (s *pebbleState) Iterate(prefix []byte, fn func(key, value []byte) (bool, error)) error {
	it, err := s.r.NewIter(store.PrefixIterOptions(prefix))
	if err != nil {
		return fmt.Errorf("state iterate: %w", err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			_ = it.Close()
			return fmt.Errorf("state iterate: %w", err)
		}
		more, err := fn(slices.Clone(it.Key()), slices.Clone(v))
		if err != nil || !more {
			_ = it.Close()
			return err
		}
	}
	if err := it.Close(); err != nil {
		return fmt.Errorf("state iterate: %w", err)
	}
	return nil
}

// Overlay is a State that buffers writes over a base State until Flush; dropping it
// discards them. The state machine runs each tx's effect in one (an execution failure
// drops it); the mempool can use one for its pending view.
type Overlay struct {
	base   State
	writes map[string]overlayWrite
}

type overlayWrite struct {
	value []byte
	del   bool
}

var _ State = (*Overlay)(nil)

// NewOverlay returns an empty overlay over base.
func NewOverlay(base State) *Overlay {
	return &Overlay{base: base, writes: make(map[string]overlayWrite)}
}

// Get reads the overlay's own writes, then the base.
func (o *Overlay) Get(key []byte) ([]byte, bool, error) {
	if w, ok := o.writes[string(key)]; ok {
		if w.del {
			return nil, false, nil
		}
		return w.value, true, nil
	}
	return o.base.Get(key)
}

// Set buffers a write.
func (o *Overlay) Set(key, value []byte) error {
	o.writes[string(key)] = overlayWrite{value: value}
	return nil
}

// Delete buffers a delete.
func (o *Overlay) Delete(key []byte) error {
	o.writes[string(key)] = overlayWrite{del: true}
	return nil
}

// Iterate merges the base's keys with the overlay's writes, in ascending key order.
func (o *Overlay) Iterate(prefix []byte, fn func(key, value []byte) (bool, error)) error {
	mine := o.sortedKeys(prefix)
	var stop bool
	i := 0
	emit := func(k string) (bool, error) {
		w := o.writes[k]
		if w.del {
			return true, nil
		}
		return fn([]byte(k), w.value)
	}
	err := o.base.Iterate(prefix, func(key, value []byte) (bool, error) {
		for ; i < len(mine) && mine[i] < string(key); i++ {
			if more, err := emit(mine[i]); err != nil || !more {
				stop = true
				return false, err
			}
		}
		if i < len(mine) && mine[i] == string(key) {
			i++
			more, err := emit(string(key))
			stop = !more
			return more, err
		}
		more, err := fn(key, value)
		stop = !more
		return more, err
	})
	if err != nil || stop {
		return err
	}
	for ; i < len(mine); i++ {
		if more, err := emit(mine[i]); err != nil || !more {
			return err
		}
	}
	return nil
}

// sortedKeys returns the overlay's written keys with prefix, sorted.
func (o *Overlay) sortedKeys(prefix []byte) []string {
	var ks []string
	for k := range o.writes {
		if bytes.HasPrefix([]byte(k), prefix) {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}

// Flush writes the buffered writes to the base in ascending key order and empties
// the overlay.
func (o *Overlay) Flush() error {
	for _, k := range o.sortedKeys(nil) {
		w := o.writes[k]
		var err error
		if w.del {
			err = o.base.Delete([]byte(k))
		} else {
			err = o.base.Set([]byte(k), w.value)
		}
		if err != nil {
			return err
		}
	}
	clear(o.writes)
	return nil
}

// FlushNet writes to the base, in ascending key order, only the buffered writes that
// change it: a set whose value differs from the base's (or whose key the base lacks)
// and a delete of a key the base has. It empties the overlay. Flushing a block's
// overlay this way makes the block's write set its net state diff (rule S-20).
func (o *Overlay) FlushNet() error {
	for _, k := range o.sortedKeys(nil) {
		w := o.writes[k]
		prior, ok, err := o.base.Get([]byte(k))
		if err != nil {
			return err
		}
		switch {
		case w.del && ok:
			err = o.base.Delete([]byte(k))
		case !w.del && (!ok || !bytes.Equal(prior, w.value)):
			err = o.base.Set([]byte(k), w.value)
		}
		if err != nil {
			return err
		}
	}
	clear(o.writes)
	return nil
}

// Discard drops the buffered writes.
func (o *Overlay) Discard() { clear(o.writes) }
