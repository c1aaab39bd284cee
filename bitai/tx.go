package bitai

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/btcsuite/btcd/chainhash/v2"
)

// Error kinds of the transaction codec, deployments and signatures (docs/protocol.md
// T- and N- rules). Match them with errors.Is.
const (
	// ErrShortRead: the input ended inside a field. Errors of this kind also match
	// io.ErrUnexpectedEOF.
	ErrShortRead = ErrorKind("ErrShortRead")
	// ErrFieldTooLong: a length or count prefix exceeds the field's cap.
	ErrFieldTooLong = ErrorKind("ErrFieldTooLong")
	// ErrNonCanonical: a boolean or presence byte other than 0 or 1.
	ErrNonCanonical = ErrorKind("ErrNonCanonical")
	// ErrUnsortedSet: a set-like list that is not strictly ascending.
	ErrUnsortedSet = ErrorKind("ErrUnsortedSet")
	// ErrBadObjectID: a 248-bit id whose top byte is not zero.
	ErrBadObjectID = ErrorKind("ErrBadObjectID")
	// ErrTrailingBytes: bytes left over after a complete record.
	ErrTrailingBytes = ErrorKind("ErrTrailingBytes")
	// ErrUnknownKind: a tx kind byte with no meaning.
	ErrUnknownKind = ErrorKind("ErrUnknownKind")
	// ErrUnsupportedVersion: a tx or sub-record version this protocol does not know.
	ErrUnsupportedVersion = ErrorKind("ErrUnsupportedVersion")
	// ErrMissingBody: a Tx value without a body (encoding side only).
	ErrMissingBody = ErrorKind("ErrMissingBody")
)

// TxVersion is the only tx version of protocol version 1 (rule T-2).
const TxVersion uint8 = 1

// Tx is a BitAI transaction (rules T-1 to T-9). Optional fields are pointers; nil
// means absent.
type Tx struct {
	Version   uint8     // must be TxVersion
	Sender    [32]byte  // BIP340 x-only key that signs the tx
	Nonce     uint64    // the sender's next nonce; nonces start at 0
	Fee       uint64    // paid to the inscriber key of the payload that includes the tx
	Expiry    uint32    // last Bitcoin height at which the tx may be included
	Inscriber *[32]byte // if set, only a payload by this inscriber key may include the tx
	Body      Body      // one of the kind types (Transfer, ModelRegister, ...)
	Sig       [64]byte  // BIP340 signature over SigHash(deploymentID)
}

// Kind returns the kind of the tx's body, or KindInvalid without a body.
func (tx *Tx) Kind() Kind {
	if tx.Body == nil {
		return KindInvalid
	}
	return tx.Body.Kind()
}

// The tx encoding (rules T-1, T-2):
//
//	tx       = unsigned ‖ sig [64]
//	unsigned = version u8 ‖ kind u8 ‖ sender [32] ‖ nonce u64 ‖ fee u64 ‖ expiry u32 ‖
//	           hasInscriber u8 [‖ inscriber [32]] ‖ body
//
// All integers are fixed-width big-endian; body is the kind's layout (kinds.go,
// kinds_chain.go).

// encodeUnsigned writes the unsigned encoding; w.err records the first rule the
// tx's values break.
func (tx *Tx) encodeUnsigned(w *txWriter) {
	if tx.Version != TxVersion {
		w.fail(ErrUnsupportedVersion, "tx version %d is not %d", tx.Version, TxVersion)
	}
	w.u8(tx.Version)
	w.u8(uint8(tx.Kind()))
	w.bytes32(tx.Sender)
	w.u64(tx.Nonce)
	w.u64(tx.Fee)
	w.u32(tx.Expiry)
	w.boolean(tx.Inscriber != nil)
	if tx.Inscriber != nil {
		w.bytes32(*tx.Inscriber)
	}
	if tx.Body == nil {
		w.fail(ErrMissingBody, "tx has no body")
		return
	}
	tx.Body.encode(w)
}

// UnsignedBytes returns the unsigned encoding (everything before sig). It is total:
// for a tx that breaks a rule (see Validate) the bytes are still deterministic but
// will not decode.
func (tx *Tx) UnsignedBytes() []byte {
	w := &txWriter{}
	tx.encodeUnsigned(w)
	return w.b
}

// Validate reports the first codec rule the tx's values break: what DecodeTx would
// reject in their encoding (version, caps, sorted sets, id top bytes, a body).
func (tx *Tx) Validate() error {
	w := &txWriter{}
	tx.encodeUnsigned(w)
	return w.err
}

// Encode returns the full encoding (unsigned ‖ sig), or the first rule broken.
func (tx *Tx) Encode() ([]byte, error) {
	w := &txWriter{}
	tx.encodeUnsigned(w)
	if w.err != nil {
		return nil, w.err
	}
	return append(w.b, tx.Sig[:]...), nil
}

// DecodeTx decodes one tx strictly (rules T-1 to T-9): the exact bytes Encode
// would write for the decoded value, nothing more. Errors are RuleErrors naming
// the field; a truncated input also matches io.ErrUnexpectedEOF.
func DecodeTx(b []byte) (*Tx, error) {
	r := &txReader{b: b}
	tx := &Tx{Version: r.u8("tx.version")}
	if r.err == nil && tx.Version != TxVersion {
		return nil, ruleError(ErrUnsupportedVersion, "reading tx.version: version %d is not %d",
			tx.Version, TxVersion)
	}
	kind := Kind(r.u8("tx.kind"))
	body := newBody(kind)
	if r.err == nil && body == nil {
		return nil, ruleError(ErrUnknownKind, "reading tx.kind: unknown kind %d", kind)
	}
	tx.Sender = r.bytes32("tx.sender")
	tx.Nonce = r.u64("tx.nonce")
	tx.Fee = r.u64("tx.fee")
	tx.Expiry = r.u32("tx.expiry")
	if r.optional("tx.hasInscriber") {
		k := r.bytes32("tx.inscriber")
		tx.Inscriber = &k
	}
	if r.err != nil {
		return nil, r.err
	}
	body.decode(r)
	tx.Body = body
	copy(tx.Sig[:], r.take("tx.sig", 64))
	if err := r.finish("tx"); err != nil {
		return nil, err
	}
	return tx, nil
}

// txWriter appends the T-rule field encodings and records the first rule broken.
type txWriter struct {
	b   []byte
	err error
}

func (w *txWriter) fail(kind ErrorKind, format string, args ...any) {
	if w.err == nil {
		w.err = ruleError(kind, format, args...)
	}
}

func (w *txWriter) u8(v uint8)   { w.b = append(w.b, v) }
func (w *txWriter) u16(v uint16) { w.b = binary.BigEndian.AppendUint16(w.b, v) }
func (w *txWriter) u32(v uint32) { w.b = binary.BigEndian.AppendUint32(w.b, v) }
func (w *txWriter) u64(v uint64) { w.b = binary.BigEndian.AppendUint64(w.b, v) }

func (w *txWriter) bytes32(v [32]byte) { w.b = append(w.b, v[:]...) }

func (w *txWriter) boolean(v bool) {
	if v {
		w.u8(1)
	} else {
		w.u8(0)
	}
}

// id writes a 248-bit object id (rule T-4).
func (w *txWriter) id(field string, v ID) {
	if v[0] != 0 {
		w.fail(ErrBadObjectID, "%s: id top byte 0x%02x is not zero", field, v[0])
	}
	w.bytes32(v)
}

// length writes a u32 length or count after checking it against max (rule T-3).
func (w *txWriter) length(field string, n, max int) {
	if n > max {
		w.fail(ErrFieldTooLong, "%s: length %d exceeds cap %d", field, n, max)
	}
	w.u32(uint32(n))
}

func (w *txWriter) varBytes(field string, v []byte, max int) {
	w.length(field, len(v), max)
	w.b = append(w.b, v...)
}

func (w *txWriter) varString(field, v string, max int) {
	w.length(field, len(v), max)
	w.b = append(w.b, v...)
}

// idSet writes a strictly ascending list of ids (rule T-5).
func (w *txWriter) idSet(field string, v []ID, max int) {
	w.length(field, len(v), max)
	if !strictlyAscending(v) {
		w.fail(ErrUnsortedSet, "%s: not strictly ascending", field)
	}
	for i := range v {
		w.id(field, v[i])
	}
}

// keySet writes a strictly ascending list of 32-byte keys (rule T-5).
func (w *txWriter) keySet(field string, v [][32]byte, max int) {
	w.length(field, len(v), max)
	if !strictlyAscending(v) {
		w.fail(ErrUnsortedSet, "%s: not strictly ascending", field)
	}
	for i := range v {
		w.bytes32(v[i])
	}
}

// strictlyAscending reports whether v is sorted with no repeats, bytewise.
func strictlyAscending[T ~[32]byte](v []T) bool {
	for i := 1; i < len(v); i++ {
		a, b := [32]byte(v[i-1]), [32]byte(v[i])
		if bytes.Compare(a[:], b[:]) >= 0 {
			return false
		}
	}
	return true
}

// txReader decodes T-rule fields from a byte slice; the first error sticks and
// every later read returns zero values.
type txReader struct {
	b   []byte
	off int
	err error
}

// shortRead returns the error for input ending inside field.
func shortRead(field string) error {
	return RuleError{
		Err:         fmt.Errorf("%w: %w", ErrShortRead, io.ErrUnexpectedEOF),
		Description: "reading " + field + ": " + io.ErrUnexpectedEOF.Error(),
	}
}

func (r *txReader) fail(kind ErrorKind, field, format string, args ...any) {
	if r.err == nil {
		r.err = ruleError(kind, "reading "+field+": "+format, args...)
	}
}

// take returns the next n bytes (aliasing the input) or nil after an error.
func (r *txReader) take(field string, n int) []byte {
	if r.err != nil {
		return nil
	}
	if len(r.b)-r.off < n {
		r.err = shortRead(field)
		return nil
	}
	s := r.b[r.off : r.off+n]
	r.off += n
	return s
}

func (r *txReader) u8(field string) uint8 {
	if s := r.take(field, 1); s != nil {
		return s[0]
	}
	return 0
}

func (r *txReader) u16(field string) uint16 {
	if s := r.take(field, 2); s != nil {
		return binary.BigEndian.Uint16(s)
	}
	return 0
}

func (r *txReader) u32(field string) uint32 {
	if s := r.take(field, 4); s != nil {
		return binary.BigEndian.Uint32(s)
	}
	return 0
}

func (r *txReader) u64(field string) uint64 {
	if s := r.take(field, 8); s != nil {
		return binary.BigEndian.Uint64(s)
	}
	return 0
}

func (r *txReader) bytes32(field string) (v [32]byte) {
	copy(v[:], r.take(field, 32))
	return v
}

// boolean reads a byte that must be 0 or 1 (rule T-6).
func (r *txReader) boolean(field string) bool {
	v := r.u8(field)
	if v > 1 {
		r.fail(ErrNonCanonical, field, "boolean byte 0x%02x is not 0 or 1", v)
		return false
	}
	return v == 1
}

// optional reads a presence byte (rule T-6).
func (r *txReader) optional(field string) bool { return r.boolean(field) }

// id reads a 248-bit object id (rule T-4).
func (r *txReader) id(field string) ID {
	v := ID(r.bytes32(field))
	if v[0] != 0 {
		r.fail(ErrBadObjectID, field, "id top byte 0x%02x is not zero", v[0])
		return ID{}
	}
	return v
}

// length reads a u32 length or count and checks it against max before anything is
// allocated (rule T-3).
func (r *txReader) length(field string, max int) int {
	n := r.u32(field + " length")
	if r.err == nil && uint64(n) > uint64(max) {
		r.fail(ErrFieldTooLong, field, "length %d exceeds cap %d", n, max)
		return 0
	}
	return int(n)
}

// varBytes reads len u32 ‖ bytes into a fresh slice (nil when empty).
func (r *txReader) varBytes(field string, max int) []byte {
	n := r.length(field, max)
	s := r.take(field, n)
	if len(s) == 0 {
		return nil
	}
	return bytes.Clone(s)
}

// varString reads len u32 ‖ bytes as a string.
func (r *txReader) varString(field string, max int) string {
	n := r.length(field, max)
	return string(r.take(field, n))
}

// idSet reads a strictly ascending list of ids (rule T-5).
func (r *txReader) idSet(field string, max int) []ID {
	n := r.length(field, max)
	if r.err != nil || n == 0 {
		return nil
	}
	v := make([]ID, n)
	for i := range v {
		v[i] = r.id(fmt.Sprintf("%s[%d]", field, i))
	}
	if r.err == nil && !strictlyAscending(v) {
		r.fail(ErrUnsortedSet, field, "not strictly ascending")
	}
	return v
}

// keySet reads a strictly ascending list of 32-byte keys (rule T-5).
func (r *txReader) keySet(field string, max int) [][32]byte {
	n := r.length(field, max)
	if r.err != nil || n == 0 {
		return nil
	}
	v := make([][32]byte, n)
	for i := range v {
		v[i] = r.bytes32(fmt.Sprintf("%s[%d]", field, i))
	}
	if r.err == nil && !strictlyAscending(v) {
		r.fail(ErrUnsortedSet, field, "not strictly ascending")
	}
	return v
}

// finish returns the sticky error, or ErrTrailingBytes if input is left (rule T-7).
func (r *txReader) finish(what string) error {
	if r.err != nil {
		return r.err
	}
	if r.off != len(r.b) {
		return ruleError(ErrTrailingBytes, "reading %s: %d trailing bytes", what, len(r.b)-r.off)
	}
	return nil
}

// taggedHash is BIP340's tagged hash sha256(sha256(tag) ‖ sha256(tag) ‖ msgs...).
func taggedHash(tag string, msgs ...[]byte) [32]byte {
	return *chainhash.TaggedHash([]byte(tag), msgs...)
}
