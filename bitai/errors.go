package bitai

import "fmt"

// ErrorKind identifies a kind of protocol-rule error. It satisfies the error
// interface so callers can match with errors.Is(err, bitai.ErrShortRead) and the
// like (the pattern of dcrd's internal/blockchain/error.go).
type ErrorKind string

// Error returns the kind as a string.
func (e ErrorKind) Error() string { return string(e) }

// RuleError is a protocol-rule violation: an ErrorKind with a human description.
type RuleError struct {
	Err         error
	Description string
}

// Error returns the description.
func (e RuleError) Error() string { return e.Description }

// Unwrap returns the underlying ErrorKind so errors.Is works.
func (e RuleError) Unwrap() error { return e.Err }

// ruleError creates a RuleError of the given kind with a formatted description.
func ruleError(kind ErrorKind, format string, args ...any) RuleError {
	return RuleError{Err: kind, Description: fmt.Sprintf(format, args...)}
}
