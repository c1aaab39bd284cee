package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/cockroachdb/pebble/v2"
)

// UndoEntry is the value a key had before a batch first wrote it.
type UndoEntry struct {
	Key     []byte
	Existed bool
	Value   []byte // the prior value; nil when !Existed
}

// Undo reverts one batch: it restores every key the batch wrote to its prior
// value and deletes the keys that did not exist. Entries are sorted by key,
// strictly increasing.
type Undo struct {
	Entries []UndoEntry
}

// Caps of the Undo encoding, checked before anything is allocated.
const (
	undoVersion       = 1
	MaxUndoKeyBytes   = 4 << 10
	MaxUndoValueBytes = 64 << 20
)

// ErrUndoFormat is returned for an Undo encoding that breaks its layout.
var ErrUndoFormat = errors.New("malformed undo record")

// Apply writes the prior values to w: Set for keys that existed, Delete for
// keys that did not.
func (u *Undo) Apply(w pebble.Writer) error {
	for _, e := range u.Entries {
		var err error
		if e.Existed {
			err = w.Set(e.Key, e.Value, nil)
		} else {
			err = w.Delete(e.Key, nil)
		}
		if err != nil {
			return fmt.Errorf("undo apply %x: %w", e.Key, err)
		}
	}
	return nil
}

// Undo record layout (version 1), integers big-endian:
//
//	undo  = version u8 (0x01) ‖ count u32 ‖ entry × count
//	entry = keyLen u32 ‖ key ‖ existed u8 ‖ [valueLen u32 ‖ value]   (value part iff existed = 0x01)
//
// keyLen ≤ MaxUndoKeyBytes, valueLen ≤ MaxUndoValueBytes, existed is exactly
// 0x00 or 0x01, keys strictly increase, and nothing follows the last entry.

// MarshalBinary encodes u; it fails if u breaks the layout's rules.
func (u Undo) MarshalBinary() ([]byte, error) {
	n := 5
	for i, e := range u.Entries {
		if err := checkEntry(u.Entries, i); err != nil {
			return nil, err
		}
		n += 9 + len(e.Key) + len(e.Value)
	}
	b := make([]byte, 0, n)
	b = append(b, undoVersion)
	b = binary.BigEndian.AppendUint32(b, uint32(len(u.Entries)))
	for _, e := range u.Entries {
		b = binary.BigEndian.AppendUint32(b, uint32(len(e.Key)))
		b = append(b, e.Key...)
		if !e.Existed {
			b = append(b, 0)
			continue
		}
		b = append(b, 1)
		b = binary.BigEndian.AppendUint32(b, uint32(len(e.Value)))
		b = append(b, e.Value...)
	}
	return b, nil
}

func checkEntry(es []UndoEntry, i int) error {
	e := es[i]
	switch {
	case len(e.Key) > MaxUndoKeyBytes:
		return fmt.Errorf("%w: entry %d: key of %d bytes", ErrUndoFormat, i, len(e.Key))
	case len(e.Value) > MaxUndoValueBytes:
		return fmt.Errorf("%w: entry %d: value of %d bytes", ErrUndoFormat, i, len(e.Value))
	case !e.Existed && e.Value != nil:
		return fmt.Errorf("%w: entry %d: value for a key that did not exist", ErrUndoFormat, i)
	case i > 0 && bytes.Compare(es[i-1].Key, e.Key) >= 0:
		return fmt.Errorf("%w: entry %d: keys not strictly increasing", ErrUndoFormat, i)
	}
	return nil
}

// UnmarshalBinary decodes b into u (copying, so b may be reused). A record cut
// short is io.ErrUnexpectedEOF; any other violation is ErrUndoFormat.
func (u *Undo) UnmarshalBinary(b []byte) error {
	d := undoDecoder{b: b}
	if v := d.u8("version"); d.err == nil && v != undoVersion {
		return fmt.Errorf("%w: version %d", ErrUndoFormat, v)
	}
	count := d.u32("count")
	// Each entry takes at least 5 bytes, so count is bounded by the input.
	if d.err == nil && uint64(count)*5 > uint64(len(d.b)) {
		return fmt.Errorf("reading entries: %d entries in %d bytes: %w", count, len(d.b), io.ErrUnexpectedEOF)
	}
	var es []UndoEntry
	if d.err == nil {
		es = make([]UndoEntry, 0, count)
	}
	for i := uint32(0); d.err == nil && i < count; i++ {
		var e UndoEntry
		e.Key = d.bytes("key", MaxUndoKeyBytes)
		switch flag := d.u8("existed"); {
		case d.err != nil:
		case flag == 1:
			e.Existed = true
			e.Value = d.bytes("value", MaxUndoValueBytes)
		case flag != 0:
			d.err = fmt.Errorf("%w: entry %d: existed flag 0x%02x", ErrUndoFormat, i, flag)
		}
		if d.err == nil {
			es = append(es, e)
			d.err = checkEntry(es, len(es)-1)
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%w: %d trailing bytes", ErrUndoFormat, len(d.b))
	}
	if d.err != nil {
		return d.err
	}
	u.Entries = es
	return nil
}

// undoDecoder reads fields off b; the first error sticks.
type undoDecoder struct {
	b   []byte
	err error
}

func (d *undoDecoder) take(field string, n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.err = fmt.Errorf("reading %s: %w", field, io.ErrUnexpectedEOF)
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *undoDecoder) u8(field string) byte {
	if v := d.take(field, 1); v != nil {
		return v[0]
	}
	return 0
}

func (d *undoDecoder) u32(field string) uint32 {
	if v := d.take(field, 4); v != nil {
		return binary.BigEndian.Uint32(v)
	}
	return 0
}

// bytes reads len u32 ‖ bytes, checking len against limit before copying.
func (d *undoDecoder) bytes(field string, limit int) []byte {
	n := d.u32(field + " length")
	if d.err != nil {
		return nil
	}
	if uint64(n) > uint64(limit) {
		d.err = fmt.Errorf("%w: %s of %d bytes over %d", ErrUndoFormat, field, n, limit)
		return nil
	}
	v := d.take(field, int(n))
	if v == nil {
		return nil
	}
	return append([]byte{}, v...)
}
