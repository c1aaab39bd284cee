package bitai

import (
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
)

// shortRead returns the error for input ending inside field.
func shortRead(field string) error {
	return RuleError{
		Err:         fmt.Errorf("%w: %w", ErrShortRead, io.ErrUnexpectedEOF),
		Description: "reading " + field + ": " + io.ErrUnexpectedEOF.Error(),
	}
}

// taggedHash is BIP340's tagged hash sha256(sha256(tag) ‖ sha256(tag) ‖ msgs...).
func taggedHash(tag string, msgs ...[]byte) [32]byte {
	return *chainhash.TaggedHash([]byte(tag), msgs...)
}
