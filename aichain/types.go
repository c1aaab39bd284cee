package aichain

import (
	"github.com/bitai-l2/bitai/zkhash"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// Account is one L2 account (rule L-3): one per BabyJubJub key, created by the
// first credited deposit to the key. Amounts are sats; heights Bitcoin heights.
type Account struct {
	Key         [32]byte     // compressed BabyJubJub key (rule Z-14)
	Point       zkhash.Point // Key's affine point
	Next        fr.Element   // KeyHash of the next larger key in the key list; 0 = none (rule L-3)
	Balance     uint64       // spendable
	Nonce       uint64       // next nonce of a nonce-protected op (rule L-21)
	Stake       uint64       // bonded stake (rule L-24)
	Locked      uint64       // unbonding stake, still slashable (rule L-25)
	UnlockAt    uint32       // height from which Locked may be unlocked (rule L-26)
	BannedUntil uint32       // height from which the account may join again (rule L-27)
	MinerPos    uint32       // position + 1 in the live miner array; 0 = not a member (rule L-5)
}

// Total is what Exit pays for the account: Balance + Stake + Locked.
func (a *Account) Total() uint64 { return a.Balance + a.Stake + a.Locked }

// Assignment is one of a request's three miner slots (rule L-4).
type Assignment struct {
	Miner      uint32     // account index of the drawn miner
	Committed  bool       // a commit was accepted for the slot
	Revealed   bool       // the commit was opened
	Commitment fr.Element // the accepted commitment (0 until Committed)
	Digest     fr.Element // the revealed digest (0 until Revealed)
}

// Request is an open inference request in the request tree (rule L-4). Closed
// requests are removed: their slot becomes empty.
type Request struct {
	ID            [32]byte // BitAI request id
	InboxIndex    uint64   // its inbox entry; the slot is InboxIndex mod 2^16
	ChainFee      uint64   // paid into the L2 when answered
	ConfirmHeight uint32   // the Infer's confirm height c
	Deadline      uint32   // c + requestTTL, from the entry
	First         uint8    // slot of the first accepted commit; NoCommitter if none
	Slots         [Assignees]Assignment
}

// Slot returns the request-tree slot of an inbox index (rule L-4).
func Slot(inboxIndex uint64) uint16 { return uint16(inboxIndex) }

// commits counts the committed slots.
func (r *Request) commits() int {
	n := 0
	for i := range r.Slots {
		if r.Slots[i].Committed {
			n++
		}
	}
	return n
}

// anyRevealed reports whether some slot was opened.
func (r *Request) anyRevealed() bool {
	for i := range r.Slots {
		if r.Slots[i].Revealed {
			return true
		}
	}
	return false
}

// EpochLeaf is one leaf of the append-only epoch tree (rule L-5): from epoch
// FromEpoch on (until the next leaf), the miner set is the array with root
// ArrayRoot and Size members.
type EpochLeaf struct {
	FromEpoch uint32
	ArrayRoot fr.Element
	Size      uint32
}

// OutcomeStatus says how a request closed on the L2 (rule L-32).
type OutcomeStatus uint8

// Outcome statuses.
const (
	OutcomeAnswered OutcomeStatus = 1 // 2-of-3 majority; Digest is the majority digest
	OutcomeRefunded OutcomeStatus = 2 // refunded: no majority, < 3 miners, or busy slot
)

// Outcome is one entry of a batch's outcome list (rule L-32).
type Outcome struct {
	RequestID [32]byte
	Status    OutcomeStatus
	Digest    fr.Element // zero unless answered
}

// Withdrawal is one entry of a batch's withdrawal list (rule L-33): BitAI pays
// Amount from the bridge to the BitAI account Recipient.
type Withdrawal struct {
	Recipient [32]byte // BitAI account key (x-only), any 32 bytes
	Amount    uint64
}

// Source says where a recorded op came from.
type Source uint8

// Op sources.
const (
	SourceInbox     Source = 1 // an inbox entry
	SourceSequencer Source = 2 // a sequencer slot
	SourceBatch     Source = 3 // a batch-level step (epoch leaf, expiry)
)

// Record is what happened to one inbox entry, sequencer op or batch step. Records
// are the L2 node's log (not hashed): an inbox op that is invalid on the L2 is
// consumed as a no-op and recorded with its Reason (rule L-19).
type Record struct {
	Source    Source
	Index     uint64 // inbox index, or the op's position in BatchInput.Ops
	Kind      OpKind // the op's kind; 0 for deposits, requests and batch steps
	EntryKind uint8  // zkhash.InboxKind* for inbox entries
	Reason    Reason // ReasonOK when applied
	RequestID [32]byte
	Account   uint32
	Amount    uint64
}
