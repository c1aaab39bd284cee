package zkhash

import (
	"errors"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// ChunkBytes is how many bytes of a byte string go into one field element (rule Z-4).
const ChunkBytes = 31

// ErrIDRange is returned for a 32-byte id whose top byte is not zero (rule Z-3).
var ErrIDRange = errors.New("id does not fit 248 bits")

// Limbs splits a 256-bit value into two 128-bit field elements (rule Z-2):
//
//	hi = BE(b[0:16]), lo = BE(b[16:32])
//
// b is taken exactly as stored. Bitcoin block hashes enter in internal (wire)
// byte order, the order of chainhash.Hash's bytes, not the reversed hex that
// explorers display. x-only keys and SHA-256 digests enter as they are written.
func Limbs(b [32]byte) (hi, lo fr.Element) {
	hi.SetBytes(b[0:16])
	lo.SetBytes(b[16:32])
	return hi, lo
}

// FromUint64 returns v as a field element (rule Z-1).
func FromUint64(v uint64) fr.Element {
	var e fr.Element
	e.SetUint64(v)
	return e
}

// FromID returns a 248-bit object id (0x00 ‖ 31 bytes) as one field element, the
// id read big-endian (rule Z-3). A non-zero top byte is ErrIDRange.
func FromID(id [32]byte) (fr.Element, error) {
	var e fr.Element
	if id[0] != 0 {
		return e, fmt.Errorf("id %x: %w", id[:1], ErrIDRange)
	}
	e.SetBytes(id[:])
	return e, nil
}

// Bytes packs a byte string into field elements (rule Z-4):
//
//	Bytes(b) = [len(b), c_1, ..., c_k],  k = ceil(len(b) / 31)
//	c_i      = BE(b[31(i-1) : 31i]), the last chunk right-padded with zero bytes to 31
//
// Every chunk is below 2^248, so no value is reduced. The caller bounds len(b).
func Bytes(b []byte) []fr.Element {
	k := (len(b) + ChunkBytes - 1) / ChunkBytes
	out := make([]fr.Element, 1+k)
	out[0].SetUint64(uint64(len(b)))
	var chunk [ChunkBytes]byte
	for i := range k {
		clear(chunk[:])
		copy(chunk[:], b[i*ChunkBytes:min(len(b), (i+1)*ChunkBytes)])
		out[1+i].SetBytes(chunk[:])
	}
	return out
}

// MaxTagBytes is the longest domain tag (rule Z-5): a tag is below 2^184, so
// that Hash's IV can hold the list length above it (rule Z-8).
const MaxTagBytes = 23

// ErrTag is returned for a domain tag that breaks rule Z-5.
var ErrTag = errors.New("invalid domain tag")

// TagElement returns a domain tag as a field element (rule Z-5): 1 to 23 printable
// ASCII bytes (0x20-0x7e) read big-endian. Tags have no zero byte, so distinct
// tags give distinct elements.
func TagElement(tag string) (fr.Element, error) {
	var e fr.Element
	if len(tag) == 0 || len(tag) > MaxTagBytes {
		return e, fmt.Errorf("tag %q: length %d: %w", tag, len(tag), ErrTag)
	}
	for i := range len(tag) {
		if c := tag[i]; c < 0x20 || c > 0x7e {
			return e, fmt.Errorf("tag %q: byte %d is 0x%02x: %w", tag, i, c, ErrTag)
		}
	}
	e.SetBytes([]byte(tag))
	return e, nil
}

// mustTag is TagElement for the package's constant tags and for callers' tags,
// which are compile-time constants: a bad tag is a programming error.
func mustTag(tag string) fr.Element {
	e, err := TagElement(tag)
	if err != nil {
		panic("zkhash: " + err.Error())
	}
	return e
}
