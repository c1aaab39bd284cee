package aichain

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/zkhash"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// OpVersion is the l2Op sub-record version of the v1 op schema (rule L-34).
const OpVersion uint8 = 1

// OpKind is an L2 op's kind, the first byte of its encoding (rule L-34).
type OpKind uint8

// Op kinds, version 1.
const (
	OpTransfer OpKind = 1 // signed, nonce: move balance to an existing account
	OpWithdraw OpKind = 2 // signed, nonce: pay balance out to a BitAI account
	OpStake    OpKind = 3 // signed, nonce: move balance into stake
	OpUnstake  OpKind = 4 // signed, nonce: leave the set, stake → locked
	OpUnlock   OpKind = 5 // signed, nonce: locked → balance after unlockAt
	OpJoin     OpKind = 6 // signed, nonce: join the live miner array
	OpCommit   OpKind = 7 // signed by the slot's miner: commit to a digest
	OpReveal   OpKind = 8 // unsigned: open a commitment
	OpResolve  OpKind = 9 // unsigned: close a request
	opKindEnd  OpKind = 10
)

var opKindNames = [opKindEnd]string{"none", "transfer", "withdraw", "stake", "unstake",
	"unlock", "join", "commit", "reveal", "resolve"}

// String returns the kind's name.
func (k OpKind) String() string {
	if k < opKindEnd {
		return opKindNames[k]
	}
	return fmt.Sprintf("op(%d)", uint8(k))
}

// Signed reports whether ops of the kind carry a signer and signature.
func (k OpKind) Signed() bool { return k >= OpTransfer && k <= OpCommit }

// usesNonce reports whether the kind is replay-protected by the account nonce.
func (k OpKind) usesNonce() bool { return k >= OpTransfer && k <= OpJoin }

// opClass is a sequencer slot type; sequencer ops run in class order (rule L-29).
type opClass uint8

const (
	classCommit opClass = iota
	classReveal
	classResolve
	classOther
)

func (k OpKind) class() opClass {
	switch k {
	case OpCommit:
		return classCommit
	case OpReveal:
		return classReveal
	case OpResolve:
		return classResolve
	default:
		return classOther
	}
}

// Sizes of the v1 encoding.
const (
	SignerBytes    = 32
	SignatureBytes = 64
	sigTrailer     = SignerBytes + SignatureBytes
)

// bodyLen is the fixed body length of each kind (rule L-34), without the kind
// byte and the signer/signature trailer.
var bodyLen = [opKindEnd]int{
	OpTransfer: 4 + 8 + 4 + 8,
	OpWithdraw: 4 + 8 + 32 + 8,
	OpStake:    4 + 8 + 8,
	OpUnstake:  4 + 8,
	OpUnlock:   4 + 8,
	OpJoin:     4 + 8,
	OpCommit:   2 + 32 + 1 + 32,
	OpReveal:   2 + 32 + 1 + 32 + 32,
	OpResolve:  2 + 32,
}

// Op is one L2 op of schema v1 (rule L-34). Which fields a kind uses is listed
// in the wire layout; the others must be zero.
type Op struct {
	Kind        OpKind
	Account     uint32     // Transfer..Join: the acting account's index
	Nonce       uint64     // Transfer..Join: must equal the account's nonce
	To          uint32     // Transfer: recipient account index
	Amount      uint64     // Transfer, Withdraw, Stake: ≥ 1
	Recipient   [32]byte   // Withdraw: BitAI account key receiving the amount
	RequestSlot uint16     // Commit, Reveal, Resolve: request-tree slot
	RequestID   [32]byte   // Commit, Reveal, Resolve: the request's BitAI id
	Slot        uint8      // Commit, Reveal: assignment slot 0..2
	Commitment  fr.Element // Commit
	Digest      fr.Element // Reveal
	Salt        fr.Element // Reveal
	Signer      [32]byte   // signed kinds: compressed BabyJubJub key
	Sig         [64]byte   // signed kinds: EdDSA signature (rule L-35)
	// HasOutput marks a Reveal carrying its inference output (rule L-41): the
	// only valid form on a full-rollup chain. Output is that output (≤
	// MaxOutputLen bytes, possibly empty); neither is in the DA form or hashed.
	HasOutput bool
	Output    []byte
}

// MaxOutputLen caps a revealed output (rule L-41): the largest output with which
// a forced reveal still fits the l2Op cap (bitai.MaxL2OpLen = kind u8 ‖ Reveal
// body ‖ len u32 ‖ output). A chain's inference profile must cap outputs to it,
// so an honest miner can always force its reveal.
const MaxOutputLen = bitai.MaxL2OpLen - 1 - (2 + 32 + 1 + 32 + 32) - 4

// The v1 op encoding (rule L-34), the data of an l2Op sub-record with version 1;
// integers big-endian, field elements 32-byte big-endian and canonical (< r),
// request ids 32 bytes with a zero first byte:
//
//	op       = kind u8 ‖ body ‖ [signer [32] ‖ sig [64]]   (trailer iff kind ≤ 7)
//	Transfer = account u32 ‖ nonce u64 ‖ to u32 ‖ amount u64
//	Withdraw = account u32 ‖ nonce u64 ‖ recipient [32] ‖ amount u64
//	Stake    = account u32 ‖ nonce u64 ‖ amount u64
//	Unstake  = account u32 ‖ nonce u64        (also Unlock, Join)
//	Commit   = requestSlot u16 ‖ requestID [32] ‖ slot u8 ‖ commitment [32]
//	Reveal   = requestSlot u16 ‖ requestID [32] ‖ slot u8 ‖ digest [32] ‖ salt [32]
//	Resolve  = requestSlot u16 ‖ requestID [32]
//
// A Reveal with its output (rule L-41) appends `len u32 ‖ output` (len ≤
// MaxOutputLen) after the body.
//
// AppendBody writes kind ‖ body (the DA form, rule L-37); Encode adds the trailer
// (or a Reveal's output).

// AppendBody appends kind ‖ body to b.
func (o *Op) AppendBody(b []byte) []byte {
	b = append(b, byte(o.Kind))
	be := binary.BigEndian
	switch o.Kind {
	case OpTransfer:
		b = be.AppendUint32(be.AppendUint64(be.AppendUint32(b, o.Account), o.Nonce), o.To)
		b = be.AppendUint64(b, o.Amount)
	case OpWithdraw:
		b = append(be.AppendUint64(be.AppendUint32(b, o.Account), o.Nonce), o.Recipient[:]...)
		b = be.AppendUint64(b, o.Amount)
	case OpStake:
		b = be.AppendUint64(be.AppendUint64(be.AppendUint32(b, o.Account), o.Nonce), o.Amount)
	case OpUnstake, OpUnlock, OpJoin:
		b = be.AppendUint64(be.AppendUint32(b, o.Account), o.Nonce)
	case OpCommit, OpReveal, OpResolve:
		b = append(be.AppendUint16(b, o.RequestSlot), o.RequestID[:]...)
		if o.Kind == OpResolve {
			break
		}
		b = append(b, o.Slot)
		if o.Kind == OpCommit {
			return appendElem(b, o.Commitment)
		}
		b = appendElem(appendElem(b, o.Digest), o.Salt)
	}
	return b
}

// Encode returns the op's v1 encoding (the l2Op sub-record's data).
func (o *Op) Encode() []byte {
	b := o.AppendBody(make([]byte, 0, 1+bodyLen[o.Kind%opKindEnd]+sigTrailer))
	if o.Kind.Signed() {
		b = append(append(b, o.Signer[:]...), o.Sig[:]...)
	}
	if o.Kind == OpReveal && o.HasOutput {
		b = append(binary.BigEndian.AppendUint32(b, uint32(len(o.Output))), o.Output...)
	}
	return b
}

// Record returns the op as an l2Op sub-record (version 1).
func (o *Op) Record() bitai.SubRecord {
	return bitai.SubRecord{Version: OpVersion, Data: o.Encode()}
}

// DecodeOpRecord decodes an l2Op sub-record: the version must be OpVersion.
func DecodeOpRecord(s bitai.SubRecord) (Op, error) {
	if s.Version != OpVersion {
		return Op{}, fmt.Errorf("%w: l2Op version %d is not %d", ErrDecode, s.Version, OpVersion)
	}
	return DecodeOp(s.Data)
}

// DecodeOp decodes a v1 op strictly (rule L-34): a known kind; exactly the
// kind's length; amounts ≥ 1; slot ≤ 2; request ids with a zero first byte; field
// elements canonical; the signer a valid L2 key (rule Z-14); the signature
// canonical (rule L-35). It does not verify the signature (VerifyOp does).
func DecodeOp(b []byte) (Op, error) {
	var o Op
	if len(b) == 0 {
		return o, fmt.Errorf("%w: empty op", ErrDecode)
	}
	o.Kind = OpKind(b[0])
	if o.Kind == 0 || o.Kind >= opKindEnd {
		return o, fmt.Errorf("%w: unknown op kind %d", ErrDecode, b[0])
	}
	want := 1 + bodyLen[o.Kind]
	if o.Kind.Signed() {
		want += sigTrailer
	}
	if o.Kind == OpReveal && len(b) > want {
		out, err := decodeOutput(b[want:])
		if err != nil {
			return Op{}, err
		}
		o.HasOutput, o.Output = true, out
		b = b[:want]
	}
	if len(b) != want {
		return o, fmt.Errorf("%w: %s op of %d bytes, want %d", ErrDecode, o.Kind, len(b), want)
	}
	n, err := o.decodeBody(b[1:])
	if err != nil {
		return Op{}, err
	}
	if o.Kind.Signed() {
		copy(o.Signer[:], b[1+n:])
		copy(o.Sig[:], b[1+n+SignerBytes:])
		if _, err := zkhash.ParseL2Account(o.Signer); err != nil {
			return Op{}, fmt.Errorf("%w: signer: %w", ErrDecode, err)
		}
		if err := checkSignatureEncoding(o.Sig); err != nil {
			return Op{}, err
		}
	}
	return o, nil
}

// decodeBody reads the body of o.Kind from b (long enough) and returns its length.
func (o *Op) decodeBody(b []byte) (int, error) {
	be := binary.BigEndian
	switch o.Kind {
	case OpTransfer, OpWithdraw, OpStake, OpUnstake, OpUnlock, OpJoin:
		o.Account, o.Nonce = be.Uint32(b), be.Uint64(b[4:])
		rest := b[12:]
		switch o.Kind {
		case OpTransfer:
			o.To, o.Amount = be.Uint32(rest), be.Uint64(rest[4:])
		case OpWithdraw:
			copy(o.Recipient[:], rest)
			o.Amount = be.Uint64(rest[32:])
		case OpStake:
			o.Amount = be.Uint64(rest)
		}
		if (o.Kind == OpTransfer || o.Kind == OpWithdraw || o.Kind == OpStake) && o.Amount == 0 {
			return 0, fmt.Errorf("%w: %s amount is zero", ErrDecode, o.Kind)
		}
	default:
		o.RequestSlot = be.Uint16(b)
		copy(o.RequestID[:], b[2:34])
		if o.RequestID[0] != 0 {
			return 0, fmt.Errorf("%w: request id: %w", ErrDecode, zkhash.ErrIDRange)
		}
		if o.Kind == OpResolve {
			break
		}
		o.Slot = b[34]
		if o.Slot >= Assignees {
			return 0, fmt.Errorf("%w: assignment slot %d > 2", ErrDecode, o.Slot)
		}
		var err error
		if o.Kind == OpCommit {
			o.Commitment, err = readElem(b[35:], "commitment")
		} else if o.Digest, err = readElem(b[35:], "digest"); err == nil {
			o.Salt, err = readElem(b[67:], "salt")
		}
		if err != nil {
			return 0, err
		}
	}
	return bodyLen[o.Kind], nil
}

// decodeOutput reads a Reveal's `len u32 ‖ output` (rule L-41): len ≤
// MaxOutputLen and exactly the bytes left.
func decodeOutput(b []byte) ([]byte, error) {
	if len(b) < 4 {
		return nil, fmt.Errorf("%w: reveal output length: %w", ErrDecode, io.ErrUnexpectedEOF)
	}
	n := binary.BigEndian.Uint32(b)
	switch {
	case n > MaxOutputLen:
		return nil, fmt.Errorf("%w: reveal output of %d bytes > %d", ErrDecode, n, MaxOutputLen)
	case uint64(len(b)-4) < uint64(n):
		return nil, fmt.Errorf("%w: reveal output: %w", ErrDecode, io.ErrUnexpectedEOF)
	case uint64(len(b)-4) > uint64(n):
		return nil, fmt.Errorf("%w: %d bytes after the reveal output", ErrDecode, uint64(len(b)-4)-uint64(n))
	}
	return append([]byte{}, b[4:]...), nil
}

// validate applies DecodeOp's static checks to an op built in memory (kind,
// amount, slot, request id), so a sequencer op can never index out of range.
func (o *Op) validate() error {
	if o.Kind == 0 || o.Kind >= opKindEnd {
		return fmt.Errorf("%w: unknown op kind %d", ErrDecode, o.Kind)
	}
	switch {
	case (o.HasOutput || o.Output != nil) && o.Kind != OpReveal:
		return fmt.Errorf("%w: %s op with an output", ErrDecode, o.Kind)
	case !o.HasOutput && o.Output != nil:
		return fmt.Errorf("%w: output without HasOutput", ErrDecode)
	case len(o.Output) > MaxOutputLen:
		return fmt.Errorf("%w: reveal output of %d bytes > %d", ErrDecode, len(o.Output), MaxOutputLen)
	}
	var c Op
	c.Kind = o.Kind
	_, err := c.decodeBody(o.AppendBody(nil)[1:])
	return err
}

// Fields returns the op's body as field elements (rule L-36), in layout order:
// integers by rule Z-1, request ids by Z-3, a recipient key as two limbs (Z-2),
// field elements as they are. Both the signature message and the DA hash use it.
func (o *Op) Fields() []fr.Element {
	u := zkhash.FromUint64
	switch o.Kind {
	case OpTransfer:
		return []fr.Element{u(uint64(o.Account)), u(o.Nonce), u(uint64(o.To)), u(o.Amount)}
	case OpWithdraw:
		hi, lo := zkhash.Limbs(o.Recipient)
		return []fr.Element{u(uint64(o.Account)), u(o.Nonce), hi, lo, u(o.Amount)}
	case OpStake:
		return []fr.Element{u(uint64(o.Account)), u(o.Nonce), u(o.Amount)}
	case OpUnstake, OpUnlock, OpJoin:
		return []fr.Element{u(uint64(o.Account)), u(o.Nonce)}
	case OpCommit:
		return []fr.Element{u(uint64(o.RequestSlot)), idElem(o.RequestID), u(uint64(o.Slot)), o.Commitment}
	case OpReveal:
		return []fr.Element{u(uint64(o.RequestSlot)), idElem(o.RequestID), u(uint64(o.Slot)), o.Digest, o.Salt}
	case OpResolve:
		return []fr.Element{u(uint64(o.RequestSlot)), idElem(o.RequestID)}
	}
	return nil
}

// idElem is FromID for ids already checked to fit 248 bits; it reads the bytes
// big-endian either way, so it never fails.
func idElem(id [32]byte) fr.Element {
	var e fr.Element
	e.SetBytes(id[:])
	return e
}

func appendElem(b []byte, e fr.Element) []byte {
	x := e.Bytes()
	return append(b, x[:]...)
}

// readElem reads a canonical 32-byte big-endian field element.
func readElem(b []byte, what string) (fr.Element, error) {
	var e fr.Element
	if err := e.SetBytesCanonical(b[:fr.Bytes]); err != nil {
		return e, fmt.Errorf("%w: %s is not a canonical field element", ErrDecode, what)
	}
	return e, nil
}
