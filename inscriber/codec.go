package inscriber

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// ErrRecord is returned for a stored record that breaks its layout.
var ErrRecord = errors.New("malformed inscriber record")

// enc appends big-endian fixed-width fields to a record.
type enc struct{ b []byte }

func (e *enc) u8(v uint8)   { e.b = append(e.b, v) }
func (e *enc) u16(v uint16) { e.b = binary.BigEndian.AppendUint16(e.b, v) }
func (e *enc) u32(v uint32) { e.b = binary.BigEndian.AppendUint32(e.b, v) }
func (e *enc) u64(v uint64) { e.b = binary.BigEndian.AppendUint64(e.b, v) }
func (e *enc) i32(v int32)  { e.u32(uint32(v)) }
func (e *enc) i64(v int64)  { e.u64(uint64(v)) }
func (e *enc) hash(h chainhash.Hash) {
	e.b = append(e.b, h[:]...)
}
func (e *enc) b32(v [32]byte) { e.b = append(e.b, v[:]...) }
func (e *enc) outpoint(op wire.OutPoint) {
	e.hash(op.Hash)
	e.u32(op.Index)
}

// bytes16 writes len u16 ‖ b.
func (e *enc) bytes16(b []byte) {
	e.u16(uint16(len(b)))
	e.b = append(e.b, b...)
}

// dec reads what enc wrote; the first error sticks. A record cut short is
// io.ErrUnexpectedEOF, counts and lengths are capped before anything is allocated.
type dec struct {
	b   []byte
	err error
}

func (d *dec) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.err = io.ErrUnexpectedEOF
		d.b = nil
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *dec) u8() uint8 {
	if v := d.take(1); v != nil {
		return v[0]
	}
	return 0
}

func (d *dec) u16() uint16 {
	if v := d.take(2); v != nil {
		return binary.BigEndian.Uint16(v)
	}
	return 0
}

func (d *dec) u32() uint32 {
	if v := d.take(4); v != nil {
		return binary.BigEndian.Uint32(v)
	}
	return 0
}

func (d *dec) u64() uint64 {
	if v := d.take(8); v != nil {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func (d *dec) i32() int32 { return int32(d.u32()) }
func (d *dec) i64() int64 { return int64(d.u64()) }

func (d *dec) hash() (h chainhash.Hash) {
	copy(h[:], d.take(32))
	return h
}

func (d *dec) b32() (v [32]byte) {
	copy(v[:], d.take(32))
	return v
}

func (d *dec) outpoint() wire.OutPoint {
	h := d.hash()
	return wire.OutPoint{Hash: h, Index: d.u32()}
}

// bytes16 reads len u16 ‖ bytes (a copy).
func (d *dec) bytes16() []byte {
	n := int(d.u16())
	v := d.take(n)
	if v == nil {
		return nil
	}
	return append([]byte(nil), v...)
}

// count reads a u16 count and checks it against max before the caller allocates.
func (d *dec) count(what string, max int) int {
	n := int(d.u16())
	if d.err == nil && n > max {
		d.err = fmt.Errorf("%w: %d %s, at most %d", ErrRecord, n, what, max)
	}
	if d.err != nil {
		return 0
	}
	return n
}

// version checks the record's leading version byte.
func (d *dec) version(what string, want uint8) {
	if v := d.u8(); d.err == nil && v != want {
		d.err = fmt.Errorf("%w: %s version %d, want %d", ErrRecord, what, v, want)
	}
}

// done returns the first error, or ErrRecord when bytes are left over.
func (d *dec) done(what string) error {
	if d.err != nil {
		return fmt.Errorf("%s record: %w", what, d.err)
	}
	if len(d.b) != 0 {
		return fmt.Errorf("%s record: %w: %d trailing bytes", what, ErrRecord, len(d.b))
	}
	return nil
}
