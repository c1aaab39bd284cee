package statemachine

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
)

// ErrVerifyingKey is returned by CheckVerifyingKey for bytes that are not a canonical
// BN254 Groth16 verifying key.
var ErrVerifyingKey = errors.New("invalid verifying key")

// Sizes of compressed BN254 points in gnark-crypto's encoding.
const (
	g1Compressed = 32
	g2Compressed = 64
)

// CheckVerifyingKey reports whether vk is a BN254 Groth16 verifying key in gnark's
// compressed encoding, canonical (rule S-16, DECISIONS D4):
//
//	vk = α G1 ‖ β G1 ‖ β G2 ‖ γ G2 ‖ δ G1 ‖ δ G2 ‖ nK u32 ‖ K G1·nK ‖
//	     nPC u32 ‖ (m u32 ‖ u64·m)·nPC ‖ nC u32 ‖ (G G2 ‖ GSigmaNeg G2)·nC
//
// with every point compressed (G1 32 bytes, G2 64; the top two bits of a point's first
// byte are not 00), on its curve and in its prime-order subgroup, as gnark's
// VerifyingKey.ReadFrom checks, and no bytes after it; and it re-encodes to exactly vk
// with WriteTo. The structure is scanned first, so no count can make the decoder
// allocate more than vk's own length allows.
func CheckVerifyingKey(vk []byte) (err error) {
	if err := scanVerifyingKey(vk); err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: decoder panic: %v", ErrVerifyingKey, r)
		}
	}()
	var k groth16bn254.VerifyingKey
	n, err := k.ReadFrom(bytes.NewReader(vk))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrVerifyingKey, err)
	}
	if n != int64(len(vk)) {
		return fmt.Errorf("%w: %d trailing bytes", ErrVerifyingKey, int64(len(vk))-n)
	}
	var out bytes.Buffer
	if _, err := k.WriteTo(&out); err != nil {
		return fmt.Errorf("%w: re-encode: %v", ErrVerifyingKey, err)
	}
	if !bytes.Equal(out.Bytes(), vk) {
		return fmt.Errorf("%w: not canonical", ErrVerifyingKey)
	}
	return nil
}

// vkScanner walks the layout of CheckVerifyingKey without decoding points.
type vkScanner struct {
	b   []byte
	err error
}

func (s *vkScanner) take(n uint64, what string) []byte {
	if s.err != nil {
		return nil
	}
	if uint64(len(s.b)) < n {
		s.err = fmt.Errorf("%w: %s: short", ErrVerifyingKey, what)
		return nil
	}
	v := s.b[:n]
	s.b = s.b[n:]
	return v
}

func (s *vkScanner) point(size uint64, what string) {
	if v := s.take(size, what); v != nil && v[0]&0xc0 == 0 {
		s.err = fmt.Errorf("%w: %s: uncompressed point", ErrVerifyingKey, what)
	}
}

func (s *vkScanner) count(what string) uint64 {
	if v := s.take(4, what); v != nil {
		return uint64(binary.BigEndian.Uint32(v))
	}
	return 0
}

// scanVerifyingKey checks vk's structure: compressed points and counts that fit the
// remaining bytes.
func scanVerifyingKey(vk []byte) error {
	s := &vkScanner{b: vk}
	s.point(g1Compressed, "alpha")
	s.point(g1Compressed, "beta G1")
	s.point(g2Compressed, "beta G2")
	s.point(g2Compressed, "gamma")
	s.point(g1Compressed, "delta G1")
	s.point(g2Compressed, "delta G2")
	nK := s.count("K count")
	if s.err == nil && nK*g1Compressed > uint64(len(s.b)) {
		return fmt.Errorf("%w: K count %d", ErrVerifyingKey, nK)
	}
	for range nK {
		s.point(g1Compressed, "K")
	}
	nPC := s.count("commitment index count")
	if s.err == nil && nPC*4 > uint64(len(s.b)) {
		return fmt.Errorf("%w: commitment index count %d", ErrVerifyingKey, nPC)
	}
	for i := uint64(0); i < nPC && s.err == nil; i++ {
		m := s.count("commitment indexes")
		s.take(m*8, "commitment indexes")
	}
	nC := s.count("commitment count")
	if s.err == nil && nC*2*g2Compressed > uint64(len(s.b)) {
		return fmt.Errorf("%w: commitment count %d", ErrVerifyingKey, nC)
	}
	for range nC {
		s.point(g2Compressed, "commitment G")
		s.point(g2Compressed, "commitment GSigmaNeg")
	}
	if s.err == nil && len(s.b) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrVerifyingKey, len(s.b))
	}
	return s.err
}
