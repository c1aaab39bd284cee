package statemachine

import (
	"github.com/bitai-l2/bitai/bitai"
)

// State values (rules S-3 to S-11). Every value is fixed-width big-endian fields and
// `len u32 ‖ bytes` variable fields (rule S-2), decoded strictly.

// Status of an escrow (request or deposit).
const (
	StatusOpen      uint8 = 0 // open request / pending deposit
	StatusReclaimed uint8 = 1 // its escrow went back by Reclaim
	StatusSettled   uint8 = 2 // a settled batch paid the request's outcome / moved the deposit into the bridge
)

// Account is an account's state (rule S-3):
//
//	account = balance u64 ‖ nextNonce u64
//
// The zero account (balance 0, next nonce 0) is never stored: its key is absent.
type Account struct {
	Balance   uint64
	NextNonce uint64
}

// MarshalBinary encodes the account.
func (a Account) MarshalBinary() ([]byte, error) {
	w := writer{b: make([]byte, 0, 16)}
	w.u64(a.Balance)
	w.u64(a.NextNonce)
	return w.b, nil
}

// UnmarshalBinary decodes an account strictly.
func (a *Account) UnmarshalBinary(b []byte) error {
	r := reader{b: b, what: "account"}
	a.Balance, a.NextNonce = r.u64(), r.u64()
	return r.done()
}

// Model is a registered model (rule S-4):
//
//	model = creator [32] ‖ creatorFee u64 ‖ contentHash [32] ‖ height u32 ‖
//	        name (len u32 ‖ bytes) ‖ uri (len u32 ‖ bytes) ‖ format (len u32 ‖ bytes)
//
// height is the Bitcoin height of its ModelRegister.
type Model struct {
	Creator     [32]byte
	CreatorFee  uint64
	ContentHash [32]byte
	Height      uint32
	Name        string
	URI         string
	Format      string
}

// MarshalBinary encodes the model.
func (m Model) MarshalBinary() ([]byte, error) {
	var w writer
	w.b32(m.Creator)
	w.u64(m.CreatorFee)
	w.b32(m.ContentHash)
	w.u32(m.Height)
	w.str(m.Name)
	w.str(m.URI)
	w.str(m.Format)
	return w.b, nil
}

// UnmarshalBinary decodes a model strictly.
func (m *Model) UnmarshalBinary(b []byte) error {
	r := reader{b: b, what: "model"}
	m.Creator = r.b32()
	m.CreatorFee = r.u64()
	m.ContentHash = r.b32()
	m.Height = r.u32()
	m.Name = r.str(bitai.MaxNameLen)
	m.URI = r.str(bitai.MaxURILen)
	m.Format = r.str(bitai.MaxFormatLen)
	return r.done()
}

// Eternal is an Eternal's state (rule S-5):
//
//	eternal = owner [32] ‖ model id[32] ‖ fee u64 ‖ promptHash [32] ‖ height u32 ‖
//	          uri (len u32 ‖ bytes) ‖ systemPrompt (len u32 ‖ bytes)
//
// promptHash = sha256(systemPrompt); height is the Bitcoin height of its EternalMint.
type Eternal struct {
	Owner        [32]byte
	Model        bitai.ID
	Fee          uint64
	PromptHash   [32]byte
	Height       uint32
	URI          string
	SystemPrompt string
}

// MarshalBinary encodes the Eternal.
func (e Eternal) MarshalBinary() ([]byte, error) {
	var w writer
	w.b32(e.Owner)
	w.b32(e.Model)
	w.u64(e.Fee)
	w.b32(e.PromptHash)
	w.u32(e.Height)
	w.str(e.URI)
	w.str(e.SystemPrompt)
	return w.b, nil
}

// UnmarshalBinary decodes an Eternal strictly.
func (e *Eternal) UnmarshalBinary(b []byte) error {
	r := reader{b: b, what: "eternal"}
	e.Owner = r.b32()
	e.Model = r.b32()
	e.Fee = r.u64()
	e.PromptHash = r.b32()
	e.Height = r.u32()
	e.URI = r.str(bitai.MaxURILen)
	e.SystemPrompt = r.str(bitai.MaxSystemPromptLen)
	return r.done()
}

// Chain is a registered AI chain (rule S-6):
//
//	chain = admin [32] ‖ circuitID [32] ‖ ceremonyHash [32] ‖ paramsHash [32] ‖
//	        height u32 ‖ name (len u32 ‖ bytes) ‖ models (n u32 ‖ id[32]·n) ‖
//	        sequencers (n u32 ‖ key[32]·n) ‖ paramsVersion u8 ‖ params (len u32 ‖ bytes) ‖
//	        verifyingKey (len u32 ‖ bytes)
//
// height is the Bitcoin height of its ChainRegister; paramsHash is rule S-13's hash of
// the params; sequencers is the current set (a rotation replaces it, rule S-7).
type Chain struct {
	Admin        [32]byte
	CircuitID    bitai.ID
	CeremonyHash [32]byte
	ParamsHash   [32]byte
	Height       uint32
	Name         string
	Models       []bitai.ID
	Sequencers   [][32]byte
	Params       bitai.SubRecord
	VerifyingKey []byte
}

// MarshalBinary encodes the chain.
func (c Chain) MarshalBinary() ([]byte, error) {
	var w writer
	w.b32(c.Admin)
	w.b32(c.CircuitID)
	w.b32(c.CeremonyHash)
	w.b32(c.ParamsHash)
	w.u32(c.Height)
	w.str(c.Name)
	w.u32(uint32(len(c.Models)))
	for _, m := range c.Models {
		w.b32(m)
	}
	w.keys(c.Sequencers)
	w.u8(c.Params.Version)
	w.bytes(c.Params.Data)
	w.bytes(c.VerifyingKey)
	return w.b, nil
}

// UnmarshalBinary decodes a chain strictly.
func (c *Chain) UnmarshalBinary(b []byte) error {
	r := reader{b: b, what: "chain"}
	c.Admin = r.b32()
	c.CircuitID = r.b32()
	c.CeremonyHash = r.b32()
	c.ParamsHash = r.b32()
	c.Height = r.u32()
	c.Name = r.str(bitai.MaxNameLen)
	ms := r.keys(bitai.MaxModels)
	c.Models = make([]bitai.ID, len(ms))
	for i, m := range ms {
		c.Models[i] = m
	}
	c.Sequencers = r.keys(bitai.MaxSequencers)
	c.Params.Version = r.u8()
	c.Params.Data = r.bytes(bitai.MaxParamsLen)
	c.VerifyingKey = r.bytes(bitai.MaxVerifyingKeyLen)
	return r.done()
}

// Rotation is a chain's pending sequencer rotation (rule S-7):
//
//	rotation = effectiveHeight u32 ‖ sequencers (n u32 ‖ key[32]·n)
type Rotation struct {
	EffectiveHeight uint32
	Sequencers      [][32]byte
}

// MarshalBinary encodes the rotation.
func (r Rotation) MarshalBinary() ([]byte, error) {
	var w writer
	w.u32(r.EffectiveHeight)
	w.keys(r.Sequencers)
	return w.b, nil
}

// UnmarshalBinary decodes a rotation strictly.
func (r *Rotation) UnmarshalBinary(b []byte) error {
	rd := reader{b: b, what: "rotation"}
	r.EffectiveHeight = rd.u32()
	r.Sequencers = rd.keys(bitai.MaxSequencers)
	return rd.done()
}

// InboxEntry is one entry of a chain's inbox (rule S-8):
//
//	entry = kind u8 ‖ id [32] ‖ confirmHeight u32 ‖ entryHash [32]
//
// kind is zkhash's inbox kind (0 request, 1 deposit, 2 message), id the request,
// deposit or message it records, entryHash the entry's zkhash hash (rules Z-11 to Z-13)
// as a 32-byte big-endian field element.
type InboxEntry struct {
	Kind          uint8
	ID            bitai.ID
	ConfirmHeight uint32
	EntryHash     [32]byte
}

// MarshalBinary encodes the entry.
func (e InboxEntry) MarshalBinary() ([]byte, error) {
	w := writer{b: make([]byte, 0, 69)}
	w.u8(e.Kind)
	w.b32(e.ID)
	w.u32(e.ConfirmHeight)
	w.b32(e.EntryHash)
	return w.b, nil
}

// UnmarshalBinary decodes an entry strictly.
func (e *InboxEntry) UnmarshalBinary(b []byte) error {
	r := reader{b: b, what: "inbox entry"}
	e.Kind = r.enum(2)
	e.ID = r.b32()
	e.ConfirmHeight = r.u32()
	e.EntryHash = r.b32()
	return r.done()
}

// Request is an inference request made by Infer (rule S-9):
//
//	request = chainID [32] ‖ inboxIndex u64 ‖ requester [32] ‖ eternalID [32] ‖
//	          modelID [32] ‖ systemPromptHash [32] ‖ calldataHash [32] ‖ eternalFee u64 ‖
//	          creatorFee u64 ‖ chainFee u64 ‖ confirmHeight u32 ‖ confirmBlockHash [32] ‖
//	          deadline u32 ‖ status u8
//
// The three fees are its escrow; status is 0 (open), 1 (reclaimed) or 2 (settled).
type Request struct {
	ChainID          bitai.ID
	InboxIndex       uint64
	Requester        [32]byte
	EternalID        bitai.ID
	ModelID          bitai.ID
	SystemPromptHash [32]byte
	CalldataHash     [32]byte
	EternalFee       uint64
	CreatorFee       uint64
	ChainFee         uint64
	ConfirmHeight    uint32
	ConfirmBlockHash [32]byte
	Deadline         uint32
	Status           uint8
}

// Escrow is the request's escrowed total (it never overflows: each fee ≤ MaxMoney).
func (q Request) Escrow() uint64 { return q.EternalFee + q.CreatorFee + q.ChainFee }

// MarshalBinary encodes the request.
func (q Request) MarshalBinary() ([]byte, error) {
	w := writer{b: make([]byte, 0, 294)}
	w.b32(q.ChainID)
	w.u64(q.InboxIndex)
	w.b32(q.Requester)
	w.b32(q.EternalID)
	w.b32(q.ModelID)
	w.b32(q.SystemPromptHash)
	w.b32(q.CalldataHash)
	w.u64(q.EternalFee)
	w.u64(q.CreatorFee)
	w.u64(q.ChainFee)
	w.u32(q.ConfirmHeight)
	w.b32(q.ConfirmBlockHash)
	w.u32(q.Deadline)
	w.u8(q.Status)
	return w.b, nil
}

// UnmarshalBinary decodes a request strictly.
func (q *Request) UnmarshalBinary(b []byte) error {
	r := reader{b: b, what: "request"}
	q.ChainID = r.b32()
	q.InboxIndex = r.u64()
	q.Requester = r.b32()
	q.EternalID = r.b32()
	q.ModelID = r.b32()
	q.SystemPromptHash = r.b32()
	q.CalldataHash = r.b32()
	q.EternalFee = r.u64()
	q.CreatorFee = r.u64()
	q.ChainFee = r.u64()
	q.ConfirmHeight = r.u32()
	q.ConfirmBlockHash = r.b32()
	q.Deadline = r.u32()
	q.Status = r.enum(StatusSettled)
	return r.done()
}

// Deposit is a pending deposit made by ChainDeposit (rule S-10):
//
//	deposit = chainID [32] ‖ inboxIndex u64 ‖ depositor [32] ‖ l2Account [32] ‖
//	          amount u64 ‖ confirmHeight u32 ‖ status u8
//
// status is 0 (pending), 1 (reclaimed) or 2 (settled: credited on the L2 and moved
// into the chain's bridge).
type Deposit struct {
	ChainID       bitai.ID
	InboxIndex    uint64
	Depositor     [32]byte
	L2Account     [32]byte
	Amount        uint64
	ConfirmHeight uint32
	Status        uint8
}

// MarshalBinary encodes the deposit.
func (d Deposit) MarshalBinary() ([]byte, error) {
	w := writer{b: make([]byte, 0, 125)}
	w.b32(d.ChainID)
	w.u64(d.InboxIndex)
	w.b32(d.Depositor)
	w.b32(d.L2Account)
	w.u64(d.Amount)
	w.u32(d.ConfirmHeight)
	w.u8(d.Status)
	return w.b, nil
}

// UnmarshalBinary decodes a deposit strictly.
func (d *Deposit) UnmarshalBinary(b []byte) error {
	r := reader{b: b, what: "deposit"}
	d.ChainID = r.b32()
	d.InboxIndex = r.u64()
	d.Depositor = r.b32()
	d.L2Account = r.b32()
	d.Amount = r.u64()
	d.ConfirmHeight = r.u32()
	d.Status = r.enum(StatusSettled)
	return r.done()
}

// Message is a forced L2 op sent by ChainMessage (rule S-11). Its bytes are kept as
// sent; aichain.CheckForcedOp validated them on arrival (S-16, L-18), and the L2 decodes
// them when a batch consumes the entry:
//
//	message = chainID [32] ‖ inboxIndex u64 ‖ sender [32] ‖ confirmHeight u32 ‖
//	          l2OpHash [32] ‖ opVersion u8 ‖ op (len u32 ‖ bytes)
type Message struct {
	ChainID       bitai.ID
	InboxIndex    uint64
	Sender        [32]byte
	ConfirmHeight uint32
	L2OpHash      [32]byte
	L2Op          bitai.SubRecord
}

// MarshalBinary encodes the message.
func (m Message) MarshalBinary() ([]byte, error) {
	var w writer
	w.b32(m.ChainID)
	w.u64(m.InboxIndex)
	w.b32(m.Sender)
	w.u32(m.ConfirmHeight)
	w.b32(m.L2OpHash)
	w.u8(m.L2Op.Version)
	w.bytes(m.L2Op.Data)
	return w.b, nil
}

// UnmarshalBinary decodes a message strictly.
func (m *Message) UnmarshalBinary(b []byte) error {
	r := reader{b: b, what: "message"}
	m.ChainID = r.b32()
	m.InboxIndex = r.u64()
	m.Sender = r.b32()
	m.ConfirmHeight = r.u32()
	m.L2OpHash = r.b32()
	m.L2Op.Version = r.u8()
	m.L2Op.Data = r.bytes(bitai.MaxL2OpLen)
	return r.done()
}
