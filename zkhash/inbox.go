package zkhash

import (
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// Domain tags of the inbox (rules Z-10 to Z-13).
const (
	TagAcc0         = "bitai/acc0"
	TagAcc          = "bitai/acc"
	TagInboxRequest = "bitai/inbox/request"
	TagInboxDeposit = "bitai/inbox/deposit"
	TagInboxMessage = "bitai/inbox/message"
	TagL2Op         = "bitai/l2op"
)

// Inbox entry kinds, the first field of every entry (DECISIONS D6).
const (
	InboxKindRequest = 0
	InboxKindDeposit = 1
	InboxKindMessage = 2
)

const requestFieldCount = 16

// InboxAcc0 is a chain's empty inbox accumulator (rule Z-10):
//
//	acc[0] = Hash("bitai/acc0"; chainID)
func InboxAcc0(chainID [32]byte) (fr.Element, error) {
	id, err := FromID(chainID)
	if err != nil {
		return fr.Element{}, fmt.Errorf("chain id: %w", err)
	}
	return Hash(TagAcc0, id), nil
}

// InboxAccNext appends one entry to the accumulator (rule Z-10):
//
//	acc[i+1] = Hash("bitai/acc"; acc[i], entryHash_i)
func InboxAccNext(acc, entryHash fr.Element) fr.Element {
	return Hash(TagAcc, acc, entryHash)
}

// RequestEntry is the inbox entry an Infer appends (rule Z-11). Ids are 248-bit
// object ids; Requester is the sender's x-only key; SystemPromptHash and
// CalldataHash are SHA-256 digests (DECISIONS B13); ConfirmBlockHash is in
// internal (wire) byte order.
type RequestEntry struct {
	ID               [32]byte
	Requester        [32]byte
	EternalID        [32]byte
	ModelID          [32]byte
	SystemPromptHash [32]byte
	CalldataHash     [32]byte
	EternalFee       uint64
	ChainFee         uint64
	ConfirmHeight    uint32
	ConfirmBlockHash [32]byte
	Deadline         uint32
}

// Fields returns the entry as the 16 field elements it is hashed over, in order:
// kind 0, id, requester (hi, lo), eternalID, modelID, systemPromptHash (hi, lo),
// calldataHash (hi, lo), eternalFee, chainFee, confirmHeight, confirmBlockHash
// (hi, lo), deadline.
func (e *RequestEntry) Fields() ([]fr.Element, error) {
	ids, err := fromIDs(e.ID, e.EternalID, e.ModelID)
	if err != nil {
		return nil, fmt.Errorf("request entry: %w", err)
	}
	out := make([]fr.Element, 0, requestFieldCount)
	out = append(out, FromUint64(InboxKindRequest), ids[0])
	out = appendLimbs(out, e.Requester)
	out = append(out, ids[1], ids[2])
	out = appendLimbs(out, e.SystemPromptHash)
	out = appendLimbs(out, e.CalldataHash)
	out = append(out, FromUint64(e.EternalFee), FromUint64(e.ChainFee),
		FromUint64(uint64(e.ConfirmHeight)))
	out = appendLimbs(out, e.ConfirmBlockHash)
	return append(out, FromUint64(uint64(e.Deadline))), nil
}

// Hash is the entry hash: Hash("bitai/inbox/request"; Fields()).
func (e *RequestEntry) Hash() (fr.Element, error) {
	xs, err := e.Fields()
	if err != nil {
		return fr.Element{}, err
	}
	return Hash(TagInboxRequest, xs...), nil
}

// DepositEntry is the inbox entry a ChainDeposit appends (rule Z-12). L2Account
// is the deposit's key as ParseL2Account returned it.
type DepositEntry struct {
	ID            [32]byte
	L2Account     Point
	Amount        uint64
	ConfirmHeight uint32
}

// Fields returns kind 1, id, l2Account x, l2Account y, amount, confirmHeight.
func (e *DepositEntry) Fields() ([]fr.Element, error) {
	id, err := FromID(e.ID)
	if err != nil {
		return nil, fmt.Errorf("deposit entry: id: %w", err)
	}
	return []fr.Element{FromUint64(InboxKindDeposit), id, e.L2Account.X, e.L2Account.Y,
		FromUint64(e.Amount), FromUint64(uint64(e.ConfirmHeight))}, nil
}

// Hash is the entry hash: Hash("bitai/inbox/deposit"; Fields()).
func (e *DepositEntry) Hash() (fr.Element, error) {
	xs, err := e.Fields()
	if err != nil {
		return fr.Element{}, err
	}
	return Hash(TagInboxDeposit, xs...), nil
}

// MessageEntry is the inbox entry a ChainMessage appends (rule Z-13). L2OpHash is
// HashL2Op of the op's bytes.
type MessageEntry struct {
	ID            [32]byte
	L2OpHash      fr.Element
	ConfirmHeight uint32
}

// Fields returns kind 2, id, l2OpHash, confirmHeight.
func (e *MessageEntry) Fields() ([]fr.Element, error) {
	id, err := FromID(e.ID)
	if err != nil {
		return nil, fmt.Errorf("message entry: id: %w", err)
	}
	return []fr.Element{FromUint64(InboxKindMessage), id, e.L2OpHash,
		FromUint64(uint64(e.ConfirmHeight))}, nil
}

// Hash is the entry hash: Hash("bitai/inbox/message"; Fields()).
func (e *MessageEntry) Hash() (fr.Element, error) {
	xs, err := e.Fields()
	if err != nil {
		return fr.Element{}, err
	}
	return Hash(TagInboxMessage, xs...), nil
}

// HashL2Op is the hash of an L2 op's bytes (rule Z-13, DECISIONS B13):
// HashBytes("bitai/l2op", op).
func HashL2Op(op []byte) fr.Element { return HashBytes(TagL2Op, op) }

func appendLimbs(out []fr.Element, b [32]byte) []fr.Element {
	hi, lo := Limbs(b)
	return append(out, hi, lo)
}

func fromIDs(ids ...[32]byte) ([]fr.Element, error) {
	out := make([]fr.Element, len(ids))
	for i, id := range ids {
		var err error
		if out[i], err = FromID(id); err != nil {
			return nil, err
		}
	}
	return out, nil
}
