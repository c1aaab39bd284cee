package statemachine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ErrRecord is returned for a stored state value that breaks its layout (rules S-3 to
// S-12). State written by this package never does; seeing it means a corrupt or foreign
// database.
var ErrRecord = errors.New("malformed state record")

// writer appends the fixed-width big-endian fields of a state value (rule S-2).
type writer struct{ b []byte }

func (w *writer) u8(v uint8)     { w.b = append(w.b, v) }
func (w *writer) u32(v uint32)   { w.b = binary.BigEndian.AppendUint32(w.b, v) }
func (w *writer) u64(v uint64)   { w.b = binary.BigEndian.AppendUint64(w.b, v) }
func (w *writer) b32(v [32]byte) { w.b = append(w.b, v[:]...) }
func (w *writer) bytes(v []byte) { w.u32(uint32(len(v))); w.b = append(w.b, v...) }
func (w *writer) str(v string)   { w.u32(uint32(len(v))); w.b = append(w.b, v...) }
func (w *writer) keys(ks [][32]byte) {
	w.u32(uint32(len(ks)))
	for _, k := range ks {
		w.b32(k)
	}
}

// reader reads a state value strictly; the first error sticks. A value cut short is
// io.ErrUnexpectedEOF; everything else is ErrRecord.
type reader struct {
	b    []byte
	what string
	err  error
}

func (r *reader) need(n int) []byte {
	if r.err != nil {
		return nil
	}
	if len(r.b) < n {
		r.err = fmt.Errorf("%s: %w", r.what, io.ErrUnexpectedEOF)
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) u8() uint8 {
	if v := r.need(1); v != nil {
		return v[0]
	}
	return 0
}

func (r *reader) u32() uint32 {
	if v := r.need(4); v != nil {
		return binary.BigEndian.Uint32(v)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if v := r.need(8); v != nil {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func (r *reader) b32() (out [32]byte) {
	if v := r.need(32); v != nil {
		copy(out[:], v)
	}
	return out
}

// bytes reads len u32 ‖ bytes, with len checked against limit before anything is
// allocated.
func (r *reader) bytes(limit int) []byte {
	n := r.u32()
	if r.err != nil {
		return nil
	}
	if uint64(n) > uint64(limit) {
		r.err = fmt.Errorf("%s: length %d over %d: %w", r.what, n, limit, ErrRecord)
		return nil
	}
	v := r.need(int(n))
	if v == nil {
		return nil
	}
	return append([]byte{}, v...)
}

func (r *reader) str(limit int) string { return string(r.bytes(limit)) }

func (r *reader) keys(limit int) [][32]byte {
	n := r.u32()
	if r.err != nil {
		return nil
	}
	if uint64(n) > uint64(limit) {
		r.err = fmt.Errorf("%s: %d keys over %d: %w", r.what, n, limit, ErrRecord)
		return nil
	}
	ks := make([][32]byte, 0, n)
	for range n {
		ks = append(ks, r.b32())
	}
	return ks
}

// flag reads a one-byte value that must be at most limit.
func (r *reader) enum(limit uint8) uint8 {
	v := r.u8()
	if r.err == nil && v > limit {
		r.err = fmt.Errorf("%s: value %d over %d: %w", r.what, v, limit, ErrRecord)
	}
	return v
}

// done returns the first error, or ErrRecord if bytes are left.
func (r *reader) done() error {
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%s: %d trailing bytes: %w", r.what, len(r.b), ErrRecord)
	}
	return r.err
}
