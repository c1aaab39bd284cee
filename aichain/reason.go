package aichain

import "fmt"

// Reason says why an op or entry had the effect it had. ReasonOK means applied;
// any other reason on an inbox op means a recorded no-op (rule L-19), on a
// sequencer op an invalid batch (rule L-30). Reasons are not hashed.
type Reason uint8

// Reasons.
const (
	ReasonOK Reason = iota
	ReasonMalformed
	ReasonNoAccount
	ReasonWrongSigner
	ReasonBadNonce
	ReasonInsufficient
	ReasonNoRecipient
	ReasonAlreadyMember
	ReasonStakeTooLow
	ReasonBanned
	ReasonSetFull
	ReasonNotMember
	ReasonTooEarly
	ReasonNothingLocked
	ReasonNoRequest
	ReasonNotAssigned
	ReasonAlreadyCommitted
	ReasonCommitClosed
	ReasonAfterReveal
	ReasonCommitOpen
	ReasonNotCommitted
	ReasonAlreadyRevealed
	ReasonBadOpening
	ReasonRevealClosed
	ReasonRevealOpen
	ReasonDepositLate
	ReasonRequestExpired
	ReasonSlotBusy
	ReasonTooFewMiners
	ReasonClosedAtDeadline
	ReasonAnswered
	ReasonRefunded
	ReasonEpochLeaf
	ReasonSlashed
	ReasonBadSignature
	ReasonListFull
	ReasonNoOutput
	reasonCount
)

var reasonNames = [reasonCount]string{
	"ok", "malformed", "no account", "wrong signer", "bad nonce", "insufficient funds",
	"no recipient", "already a member", "stake below minStake", "banned", "miner set full",
	"not a member", "too early", "nothing locked", "no such request", "not assigned",
	"already committed", "commit phase closed", "after a reveal", "commit phase open",
	"not committed", "already revealed", "opening does not match", "reveal phase closed",
	"reveal phase open", "deposit consumed late", "request expired", "request slot busy",
	"fewer than 3 miners", "closed at deadline", "answered", "refunded", "epoch leaf",
	"slashed", "bad signature", "list full", "output missing or not the digest's",
}

// String returns the reason's name.
func (r Reason) String() string {
	if r < reasonCount {
		return reasonNames[r]
	}
	return fmt.Sprintf("reason(%d)", uint8(r))
}

// OpError is the error of an invalid sequencer op (rule L-30): Index is its
// position in BatchInput.Ops. It wraps ErrOp.
type OpError struct {
	Index  int
	Kind   OpKind
	Reason Reason
}

// Error describes the op.
func (e *OpError) Error() string {
	return fmt.Sprintf("aichain: invalid sequencer op %d (%s): %s", e.Index, e.Kind, e.Reason)
}

// Unwrap returns ErrOp.
func (e *OpError) Unwrap() error { return ErrOp }
