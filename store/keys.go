package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Part is one fixed-width component of a key. The implementations are U8, U16,
// U32, U64 (big-endian), B32 (32 raw bytes) and Raw (raw bytes whose width the
// key's owner fixes).
type Part interface {
	appendTo(b []byte) []byte
	width() int
}

type (
	// U8 is a one-byte key part.
	U8 uint8
	// U16 is a 2-byte big-endian key part.
	U16 uint16
	// U32 is a 4-byte big-endian key part.
	U32 uint32
	// U64 is an 8-byte big-endian key part.
	U64 uint64
	// B32 is a 32-byte key part (hashes, keys, ids), copied as is.
	B32 [32]byte
	// Raw is a key part copied as is. Only use it for bytes of a fixed width
	// (or as the last part), or keys stop sorting by their parts.
	Raw []byte
)

func (v U8) appendTo(b []byte) []byte  { return append(b, byte(v)) }
func (v U16) appendTo(b []byte) []byte { return binary.BigEndian.AppendUint16(b, uint16(v)) }
func (v U32) appendTo(b []byte) []byte { return binary.BigEndian.AppendUint32(b, uint32(v)) }
func (v U64) appendTo(b []byte) []byte { return binary.BigEndian.AppendUint64(b, uint64(v)) }
func (v B32) appendTo(b []byte) []byte { return append(b, v[:]...) }
func (v Raw) appendTo(b []byte) []byte { return append(b, v...) }
func (U8) width() int                  { return 1 }
func (U16) width() int                 { return 2 }
func (U32) width() int                 { return 4 }
func (U64) width() int                 { return 8 }
func (B32) width() int                 { return 32 }
func (v Raw) width() int               { return len(v) }

// Key builds prefix ‖ parts..., each part in its fixed width:
//
//	Key(0x05, B32(chainID), U64(i)) = 0x05 ‖ chainID[32] ‖ i u64 BE
//
// Big-endian integers sort numerically, so a prefix scan visits entries in
// order.
func Key(prefix byte, parts ...Part) []byte {
	n := 1
	for _, p := range parts {
		n += p.width()
	}
	k := make([]byte, 1, n)
	k[0] = prefix
	for _, p := range parts {
		k = p.appendTo(k)
	}
	return k
}

// ErrKey is returned by KeyReader for a key of the wrong prefix or shape.
var ErrKey = errors.New("malformed key")

// KeyReader reads the parts of a key built by Key, in order. The first error
// sticks; check Done at the end.
type KeyReader struct {
	rest []byte
	err  error
}

// ReadKey starts reading key, which must begin with prefix.
func ReadKey(key []byte, prefix byte) *KeyReader {
	if len(key) == 0 || key[0] != prefix {
		return &KeyReader{err: fmt.Errorf("key %x: want prefix 0x%02x: %w", key, prefix, ErrKey)}
	}
	return &KeyReader{rest: key[1:]}
}

func (r *KeyReader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if len(r.rest) < n {
		r.err = fmt.Errorf("key part of %d bytes, %d left: %w", n, len(r.rest), ErrKey)
		return nil
	}
	b := r.rest[:n]
	r.rest = r.rest[n:]
	return b
}

// U8 reads a one-byte part.
func (r *KeyReader) U8() uint8 {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}

// U16 reads a 2-byte big-endian part.
func (r *KeyReader) U16() uint16 {
	if b := r.take(2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

// U32 reads a 4-byte big-endian part.
func (r *KeyReader) U32() uint32 {
	if b := r.take(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

// U64 reads an 8-byte big-endian part.
func (r *KeyReader) U64() uint64 {
	if b := r.take(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

// B32 reads a 32-byte part.
func (r *KeyReader) B32() (v [32]byte) {
	if b := r.take(32); b != nil {
		copy(v[:], b)
	}
	return v
}

// Rest returns the unread bytes (shared with the key) and consumes them.
func (r *KeyReader) Rest() []byte {
	b := r.rest
	r.rest = nil
	return b
}

// Done returns the first error, or ErrKey if bytes are left unread.
func (r *KeyReader) Done() error {
	if r.err != nil {
		return r.err
	}
	if len(r.rest) != 0 {
		return fmt.Errorf("%d trailing key bytes: %w", len(r.rest), ErrKey)
	}
	return nil
}

// PrefixBounds returns the bounds of all keys that start with prefix: lower =
// prefix and upper = the smallest key above every such key (prefix with its
// last non-0xff byte incremented and the rest cut), or nil when prefix is all
// 0xff bytes (no upper bound).
func PrefixBounds(prefix []byte) (lower, upper []byte) {
	lower = append([]byte(nil), prefix...)
	for i := len(prefix) - 1; i >= 0; i-- {
		if prefix[i] != 0xff {
			upper = append([]byte(nil), prefix[:i+1]...)
			upper[i]++
			return lower, upper
		}
	}
	return lower, nil
}

// PrefixIterOptions returns iterator options that visit exactly the keys
// starting with prefix.
func PrefixIterOptions(prefix []byte) *pebble.IterOptions {
	lower, upper := PrefixBounds(prefix)
	return &pebble.IterOptions{LowerBound: lower, UpperBound: upper}
}
