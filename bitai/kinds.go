package bitai

import "strconv"

// Kind is a tx kind: the byte after the version (rule T-8).
type Kind uint8

// Tx kinds (rule T-8). The numbers are consensus and never change.
const (
	KindInvalid         Kind = 0 // never valid on the wire
	KindTransfer        Kind = 1
	KindModelRegister   Kind = 2
	KindEternalMint     Kind = 3
	KindEternalUpdate   Kind = 4
	KindEternalTransfer Kind = 5
	KindInfer           Kind = 6
	KindChainRegister   Kind = 7
	KindChainUpdate     Kind = 8
	KindChainDeposit    Kind = 9
	KindChainMessage    Kind = 10
	KindSubmitBatch     Kind = 11
	KindReclaim         Kind = 12
	KindExit            Kind = 13
)

// Field caps (rule T-3, DECISIONS B9/B10): a length or count above its cap is
// rejected before anything is allocated.
const (
	MaxNameLen         = 64       // ModelRegister.name, ChainRegister.name
	MaxURILen          = 256      // ModelRegister.uri, EternalMint.uri
	MaxFormatLen       = 16       // ModelRegister.format
	MaxSystemPromptLen = 16 << 10 // EternalMint/EternalUpdate.systemPrompt
	MaxCalldataLen     = 64 << 10 // Infer.calldata
	MaxModels          = 16       // ChainRegister.models
	MaxSequencers      = 16       // ChainRegister/ChainUpdate.sequencers
	MaxVerifyingKeyLen = 4 << 10  // ChainRegister.verifyingKey
)

var kindNames = [...]string{
	KindInvalid:         "Invalid",
	KindTransfer:        "Transfer",
	KindModelRegister:   "ModelRegister",
	KindEternalMint:     "EternalMint",
	KindEternalUpdate:   "EternalUpdate",
	KindEternalTransfer: "EternalTransfer",
	KindInfer:           "Infer",
	KindChainRegister:   "ChainRegister",
	KindChainUpdate:     "ChainUpdate",
	KindChainDeposit:    "ChainDeposit",
	KindChainMessage:    "ChainMessage",
	KindSubmitBatch:     "SubmitBatch",
	KindReclaim:         "Reclaim",
	KindExit:            "Exit",
}

// String returns the kind's name, or "Kind(n)" for an unknown byte.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Known reports whether k is a valid kind on the wire.
func (k Kind) Known() bool { return k >= KindTransfer && k <= KindExit }

// Kinds returns every valid kind in numeric order.
func Kinds() []Kind {
	ks := make([]Kind, 0, KindExit)
	for k := KindTransfer; k <= KindExit; k++ {
		ks = append(ks, k)
	}
	return ks
}

// Body is a tx body: one of *Transfer, *ModelRegister, *EternalMint,
// *EternalUpdate, *EternalTransfer, *Infer, *ChainRegister, *ChainUpdate,
// *ChainDeposit, *ChainMessage, *SubmitBatch, *Reclaim, *Exit. The set is closed.
type Body interface {
	Kind() Kind
	encode(w *txWriter)
	decode(r *txReader)
}

// newBody returns an empty body of kind k, or nil for an unknown kind.
func newBody(k Kind) Body {
	switch k {
	case KindTransfer:
		return &Transfer{}
	case KindModelRegister:
		return &ModelRegister{}
	case KindEternalMint:
		return &EternalMint{}
	case KindEternalUpdate:
		return &EternalUpdate{}
	case KindEternalTransfer:
		return &EternalTransfer{}
	case KindInfer:
		return &Infer{}
	case KindChainRegister:
		return &ChainRegister{}
	case KindChainUpdate:
		return &ChainUpdate{}
	case KindChainDeposit:
		return &ChainDeposit{}
	case KindChainMessage:
		return &ChainMessage{}
	case KindSubmitBatch:
		return &SubmitBatch{}
	case KindReclaim:
		return &Reclaim{}
	case KindExit:
		return &Exit{}
	}
	return nil
}

// Transfer moves balance from the sender to To.
//
//	Transfer = to [32] ‖ amount u64
type Transfer struct {
	To     [32]byte // x-only key
	Amount uint64
}

// Kind returns KindTransfer.
func (*Transfer) Kind() Kind { return KindTransfer }

func (b *Transfer) encode(w *txWriter) {
	w.bytes32(b.To)
	w.u64(b.Amount)
}

func (b *Transfer) decode(r *txReader) {
	b.To = r.bytes32("Transfer.to")
	b.Amount = r.u64("Transfer.amount")
}

// ModelRegister publishes a model; its creator (the sender) earns CreatorFee per
// inference. Its id is ObjectID(txid, 0).
//
//	ModelRegister = name (len u32 ‖ ≤64 B) ‖ uri (len u32 ‖ ≤256 B) ‖ contentHash [32] ‖
//	                format (len u32 ‖ ≤16 B) ‖ creatorFee u64
type ModelRegister struct {
	Name        string
	URI         string
	ContentHash [32]byte // sha256 of the model package
	Format      string
	CreatorFee  uint64
}

// Kind returns KindModelRegister.
func (*ModelRegister) Kind() Kind { return KindModelRegister }

func (b *ModelRegister) encode(w *txWriter) {
	w.varString("ModelRegister.name", b.Name, MaxNameLen)
	w.varString("ModelRegister.uri", b.URI, MaxURILen)
	w.bytes32(b.ContentHash)
	w.varString("ModelRegister.format", b.Format, MaxFormatLen)
	w.u64(b.CreatorFee)
}

func (b *ModelRegister) decode(r *txReader) {
	b.Name = r.varString("ModelRegister.name", MaxNameLen)
	b.URI = r.varString("ModelRegister.uri", MaxURILen)
	b.ContentHash = r.bytes32("ModelRegister.contentHash")
	b.Format = r.varString("ModelRegister.format", MaxFormatLen)
	b.CreatorFee = r.u64("ModelRegister.creatorFee")
}

// EternalMint creates an Eternal owned by To on a registered model. Its id is
// ObjectID(txid, 0).
//
//	EternalMint = to [32] ‖ uri (len u32 ‖ ≤256 B) ‖ systemPrompt (len u32 ‖ ≤16384 B) ‖
//	              foundationModel id[32] ‖ fee u64
type EternalMint struct {
	To              [32]byte
	URI             string
	SystemPrompt    string
	FoundationModel ID
	Fee             uint64
}

// Kind returns KindEternalMint.
func (*EternalMint) Kind() Kind { return KindEternalMint }

func (b *EternalMint) encode(w *txWriter) {
	w.bytes32(b.To)
	w.varString("EternalMint.uri", b.URI, MaxURILen)
	w.varString("EternalMint.systemPrompt", b.SystemPrompt, MaxSystemPromptLen)
	w.id("EternalMint.foundationModel", b.FoundationModel)
	w.u64(b.Fee)
}

func (b *EternalMint) decode(r *txReader) {
	b.To = r.bytes32("EternalMint.to")
	b.URI = r.varString("EternalMint.uri", MaxURILen)
	b.SystemPrompt = r.varString("EternalMint.systemPrompt", MaxSystemPromptLen)
	b.FoundationModel = r.id("EternalMint.foundationModel")
	b.Fee = r.u64("EternalMint.fee")
}

// EternalUpdate changes an Eternal's system prompt and/or fee (owner only).
//
//	EternalUpdate = id id[32] ‖ hasSystemPrompt u8 [‖ systemPrompt (len u32 ‖ ≤16384 B)] ‖
//	                hasFee u8 [‖ fee u64]
type EternalUpdate struct {
	ID           ID
	SystemPrompt *string // nil: unchanged
	Fee          *uint64 // nil: unchanged
}

// Kind returns KindEternalUpdate.
func (*EternalUpdate) Kind() Kind { return KindEternalUpdate }

func (b *EternalUpdate) encode(w *txWriter) {
	w.id("EternalUpdate.id", b.ID)
	w.boolean(b.SystemPrompt != nil)
	if b.SystemPrompt != nil {
		w.varString("EternalUpdate.systemPrompt", *b.SystemPrompt, MaxSystemPromptLen)
	}
	w.boolean(b.Fee != nil)
	if b.Fee != nil {
		w.u64(*b.Fee)
	}
}

func (b *EternalUpdate) decode(r *txReader) {
	b.ID = r.id("EternalUpdate.id")
	if r.optional("EternalUpdate.hasSystemPrompt") {
		s := r.varString("EternalUpdate.systemPrompt", MaxSystemPromptLen)
		b.SystemPrompt = &s
	}
	if r.optional("EternalUpdate.hasFee") {
		f := r.u64("EternalUpdate.fee")
		b.Fee = &f
	}
}

// EternalTransfer gives an Eternal to To (owner only).
//
//	EternalTransfer = id id[32] ‖ to [32]
type EternalTransfer struct {
	ID ID
	To [32]byte
}

// Kind returns KindEternalTransfer.
func (*EternalTransfer) Kind() Kind { return KindEternalTransfer }

func (b *EternalTransfer) encode(w *txWriter) {
	w.id("EternalTransfer.id", b.ID)
	w.bytes32(b.To)
}

func (b *EternalTransfer) decode(r *txReader) {
	b.ID = r.id("EternalTransfer.id")
	b.To = r.bytes32("EternalTransfer.to")
}

// Infer requests an inference from an Eternal on an AI chain. Its request id is
// ObjectID(txid, 0).
//
//	Infer = eternalID id[32] ‖ chainID id[32] ‖ calldata (len u32 ‖ ≤65536 B) ‖ maxFee u64 ‖
//	        hasSystemPromptHash u8 [‖ systemPromptHash [32]]
type Infer struct {
	EternalID        ID
	ChainID          ID
	Calldata         []byte
	MaxFee           uint64
	SystemPromptHash *[32]byte // if set, the Eternal's prompt must still hash to it
}

// Kind returns KindInfer.
func (*Infer) Kind() Kind { return KindInfer }

func (b *Infer) encode(w *txWriter) {
	w.id("Infer.eternalID", b.EternalID)
	w.id("Infer.chainID", b.ChainID)
	w.varBytes("Infer.calldata", b.Calldata, MaxCalldataLen)
	w.u64(b.MaxFee)
	w.boolean(b.SystemPromptHash != nil)
	if b.SystemPromptHash != nil {
		w.bytes32(*b.SystemPromptHash)
	}
}

func (b *Infer) decode(r *txReader) {
	b.EternalID = r.id("Infer.eternalID")
	b.ChainID = r.id("Infer.chainID")
	b.Calldata = r.varBytes("Infer.calldata", MaxCalldataLen)
	b.MaxFee = r.u64("Infer.maxFee")
	if r.optional("Infer.hasSystemPromptHash") {
		h := r.bytes32("Infer.systemPromptHash")
		b.SystemPromptHash = &h
	}
}

// Reclaim takes back the escrow of a request or pending deposit that its chain
// never handled.
//
//	Reclaim = id id[32]
type Reclaim struct {
	ID ID
}

// Kind returns KindReclaim.
func (*Reclaim) Kind() Kind { return KindReclaim }

func (b *Reclaim) encode(w *txWriter) { w.id("Reclaim.id", b.ID) }

func (b *Reclaim) decode(r *txReader) { b.ID = r.id("Reclaim.id") }
