package zkhash

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards"
)

// Point is a point of BabyJubJub, the twisted Edwards curve over the BN254 scalar
// field that gnark-crypto calls ecc/bn254/twistededwards (a = -1).
type Point = twistededwards.PointAffine

// L2AccountBytes is the size of an encoded L2 account key.
const L2AccountBytes = 32

// Errors of ParseL2Account (rule Z-14), one per failed check, in check order.
var (
	ErrL2NonCanonical = errors.New("l2 account: non-canonical encoding")
	ErrL2NotOnCurve   = errors.New("l2 account: not on the curve")
	ErrL2Identity     = errors.New("l2 account: identity point")
	ErrL2NotInGroup   = errors.New("l2 account: not in the prime-order subgroup")
)

// signBit marks a "negative" x (x > (r-1)/2) in the last byte of the encoding.
const signBit = 0x80

// ParseL2Account decodes and validates an L2 account key (rule Z-14, DECISIONS
// B12). The encoding is gnark-crypto's compressed form:
//
//	b = LE(y) (32 bytes), with bit 7 of b[31] set iff x > (r-1)/2
//
// The key is valid iff, in this order: y < r (ErrL2NonCanonical); some x satisfies
// the curve equation for y (ErrL2NotOnCurve); the sign bit is clear when x = 0
// (ErrL2NonCanonical); the point is not the identity (0, 1) (ErrL2Identity);
// ℓ·P is the identity, ℓ the prime subgroup order (ErrL2NotInGroup). A valid key
// re-encodes to exactly b.
func ParseL2Account(b [L2AccountBytes]byte) (Point, error) {
	var be [L2AccountBytes]byte
	for i := range be {
		be[i] = b[L2AccountBytes-1-i]
	}
	be[0] &^= signBit
	var y fr.Element
	if err := y.SetBytesCanonical(be[:]); err != nil {
		return Point{}, fmt.Errorf("%w: y is not below the field modulus", ErrL2NonCanonical)
	}
	var p Point
	if _, err := p.SetBytes(b[:]); err != nil {
		return Point{}, fmt.Errorf("%w: %w", ErrL2NonCanonical, err)
	}
	// SetBytes leaves a non-residue in X when no square root exists, so the
	// equation check catches every y without a matching x.
	if !p.IsOnCurve() {
		return Point{}, ErrL2NotOnCurve
	}
	if p.X.IsZero() && b[L2AccountBytes-1]&signBit != 0 {
		return Point{}, fmt.Errorf("%w: sign bit set with x = 0", ErrL2NonCanonical)
	}
	if p.IsZero() {
		return Point{}, ErrL2Identity
	}
	if !inPrimeSubgroup(&p) {
		return Point{}, ErrL2NotInGroup
	}
	if p.Bytes() != b {
		// Unreachable after the checks above; kept so that a change in
		// gnark-crypto's encoding cannot slip through silently.
		return Point{}, fmt.Errorf("%w: re-encoding differs", ErrL2NonCanonical)
	}
	return p, nil
}

// subgroupOrder is ℓ, the prime order of BabyJubJub's large subgroup (the curve
// has cofactor 8).
var subgroupOrder = func() *big.Int {
	c := twistededwards.GetEdwardsCurve()
	return &c.Order
}()

// inPrimeSubgroup reports whether ℓ·p is the identity. It uses the definition
// rather than gnark-crypto's faster IsInSubGroup; the tests check that both agree.
func inPrimeSubgroup(p *Point) bool {
	var q Point
	q.ScalarMultiplication(p, subgroupOrder)
	return q.IsZero()
}
