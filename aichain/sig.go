package aichain

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash"

	"github.com/bitai-l2/bitai/zkhash"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards/eddsa"
)

// PrivateKey is an L2 signing key: gnark-crypto's EdDSA key on BabyJubJub.
type PrivateKey = eddsa.PrivateKey

// NewKey derives an L2 key deterministically from a 32-byte seed with
// gnark-crypto's eddsa.GenerateKey (blake2b-512 of the seed, RFC 8032 pruning).
func NewKey(seed [32]byte) (*PrivateKey, error) {
	k, err := eddsa.GenerateKey(bytes.NewReader(seed[:]))
	if err != nil {
		return nil, fmt.Errorf("l2 key: %w", err)
	}
	return k, nil
}

// PublicKey returns the key's compressed public key (rule Z-14's encoding).
func PublicKey(k *PrivateKey) [32]byte { return k.PublicKey.A.Bytes() }

// SigMessage is the field element an L2 signature signs (rule L-35):
//
//	m = Hash("bitai/l2/sig"; chainID, kind, Fields(op)...)
func SigMessage(chainID [32]byte, o *Op) fr.Element {
	xs := append([]fr.Element{idElem(chainID), zkhash.FromUint64(uint64(o.Kind))}, o.Fields()...)
	return zkhash.Hash(TagSig, xs...)
}

// SignOp sets o.Signer and o.Sig: an EdDSA signature by k over SigMessage.
func SignOp(k *PrivateKey, chainID [32]byte, o *Op) error {
	if !o.Kind.Signed() {
		return fmt.Errorf("aichain: %s ops are unsigned", o.Kind)
	}
	o.Signer = PublicKey(k)
	sig, err := signElem(k, SigMessage(chainID, o))
	if err != nil {
		return err
	}
	o.Sig = sig
	return nil
}

// VerifyOp checks a signed op's signature against o.Signer (rule L-35). BitAI
// calls it (through CheckForcedOp) when a ChainMessage arrives; the L2 checks it
// for sequencer ops.
func VerifyOp(chainID [32]byte, o *Op) error {
	if !o.Kind.Signed() {
		return nil
	}
	return verifyElem(o.Signer, o.Sig, SigMessage(chainID, o))
}

// CheckForcedOp is what BitAI checks when a ChainMessage arrives (rule L-18): the
// l2Op decodes under the v1 schema and, if signed, its signature verifies.
func CheckForcedOp(chainID [32]byte, l2Op []byte, version uint8) (Op, error) {
	if version != OpVersion {
		return Op{}, fmt.Errorf("%w: l2Op version %d is not %d", ErrDecode, version, OpVersion)
	}
	o, err := DecodeOp(l2Op)
	if err != nil {
		return Op{}, err
	}
	if err := VerifyOp(chainID, &o); err != nil {
		return Op{}, err
	}
	return o, nil
}

func signElem(k *PrivateKey, m fr.Element) ([64]byte, error) {
	var out [64]byte
	mb := m.Bytes()
	sig, err := k.Sign(mb[:], newChallengeHasher())
	if err != nil {
		return out, fmt.Errorf("eddsa sign: %w", err)
	}
	copy(out[:], sig)
	return out, nil
}

func verifyElem(signer [32]byte, sig [64]byte, m fr.Element) error {
	p, err := zkhash.ParseL2Account(signer)
	if err != nil {
		return fmt.Errorf("%w: signer: %w", ErrSignature, err)
	}
	pub := eddsa.PublicKey{A: p}
	mb := m.Bytes()
	ok, err := pub.Verify(sig[:], mb[:], newChallengeHasher())
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSignature, err)
	}
	if !ok {
		return ErrSignature
	}
	return nil
}

// checkSignatureEncoding enforces rule L-35's canonical form: gnark-crypto's
// Signature.SetBytes accepts it (R.y < r, R on the curve and in the subgroup,
// 0 < S < ℓ) and it re-encodes to the same bytes.
func checkSignatureEncoding(sig [64]byte) error {
	var s eddsa.Signature
	if _, err := s.SetBytes(sig[:]); err != nil {
		return fmt.Errorf("%w: signature: %w", ErrDecode, err)
	}
	if !bytes.Equal(s.Bytes(), sig[:]) {
		return fmt.Errorf("%w: signature is not canonical", ErrDecode)
	}
	return nil
}

// challengeHasher is the EdDSA challenge hash of rule L-35 as a hash.Hash for
// gnark-crypto's eddsa: it collects the 32-byte big-endian elements gnark-crypto
// writes (R.x, R.y, A.x, A.y, then the message) and returns
//
//	Hash("bitai/l2/eddsa"; R.x, R.y, A.x, A.y, m)
//
// In-circuit, the twin is a hash.FieldHasher that buffers its inputs and returns
// the same zkhash Hash, passed to gnark's std/signature/eddsa.Verify.
type challengeHasher struct{ buf []byte }

func newChallengeHasher() hash.Hash { return &challengeHasher{} }

func (h *challengeHasher) Write(p []byte) (int, error) {
	h.buf = append(h.buf, p...)
	return len(p), nil
}

// Sum reduces each 32-byte chunk mod r; gnark-crypto only writes canonical
// elements, and a final partial chunk (never written) is right-padded.
func (h *challengeHasher) Sum(b []byte) []byte {
	n := (len(h.buf) + fr.Bytes - 1) / fr.Bytes
	xs := make([]fr.Element, n)
	for i := range n {
		var chunk [fr.Bytes]byte
		copy(chunk[:], h.buf[i*fr.Bytes:])
		xs[i].SetBytes(chunk[:])
	}
	out := zkhash.Hash(TagEdDSA, xs...)
	return append(b, elemBytes(out)...)
}

func (h *challengeHasher) Reset()         { h.buf = h.buf[:0] }
func (h *challengeHasher) Size() int      { return fr.Bytes }
func (h *challengeHasher) BlockSize() int { return fr.Bytes }

// outputTag is the BIP340-style tag of DigestOf.
const outputTag = "BitAI/output"

// DigestOf is a miner's output digest (rule L-14): the tagged SHA-256
//
//	d = SHA256(SHA256(tag) ‖ SHA256(tag) ‖ requestID ‖ output),  tag = "BitAI/output"
//
// with its first byte cleared, read big-endian as one field element (< 2^248).
// BitAI recomputes it natively for full-rollup outputs; circuits only carry it.
func DigestOf(requestID [32]byte, output []byte) fr.Element {
	t := sha256.Sum256([]byte(outputTag))
	h := sha256.New()
	h.Write(t[:])
	h.Write(t[:])
	h.Write(requestID[:])
	h.Write(output)
	var d [32]byte
	h.Sum(d[:0])
	d[0] = 0
	return idElem(d)
}

// CommitmentOf is a miner's commitment (rule L-15):
//
//	Hash("bitai/l2/commit"; chainID, requestID, minerIndex, digest, salt)
//
// salt is any field element; clients draw at least 128 random bits.
func CommitmentOf(chainID, requestID [32]byte, miner uint32, digest, salt fr.Element) fr.Element {
	return zkhash.Hash(TagCommit, idElem(chainID), idElem(requestID),
		zkhash.FromUint64(uint64(miner)), digest, salt)
}

// KeyHash orders the key list (rule L-3): Hash("bitai/l2/key"; x, y).
func KeyHash(p *zkhash.Point) fr.Element { return zkhash.Hash(TagKey, p.X, p.Y) }
