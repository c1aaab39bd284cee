package bitai

// The AI-chain kinds (DESIGN §3.2). Their sub-records are framed only (rule T-9).

// ChainRegister launches an AI chain. Its chain id is ObjectID(txid, 0).
//
//	ChainRegister = name (len u32 ‖ ≤64 B) ‖ models (count u32 ≤16 ‖ id[32]… strictly ascending) ‖
//	                circuitID id[32] ‖ verifyingKey (len u32 ‖ ≤4096 B) ‖ ceremonyHash [32] ‖
//	                params subRecord(≤1024) ‖ sequencers (count u32 ≤16 ‖ [32]… strictly ascending) ‖
//	                admin [32]
type ChainRegister struct {
	Name         string
	Models       []ID // model ids, a set
	CircuitID    ID
	VerifyingKey []byte
	CeremonyHash [32]byte
	Params       SubRecord  // ChainParams v1: see ChainParams.Record
	Sequencers   [][32]byte // x-only keys, a set
	Admin        [32]byte   // x-only key allowed to send ChainUpdate
}

// Kind returns KindChainRegister.
func (*ChainRegister) Kind() Kind { return KindChainRegister }

func (b *ChainRegister) encode(w *txWriter) {
	w.varString("ChainRegister.name", b.Name, MaxNameLen)
	w.idSet("ChainRegister.models", b.Models, MaxModels)
	w.id("ChainRegister.circuitID", b.CircuitID)
	w.varBytes("ChainRegister.verifyingKey", b.VerifyingKey, MaxVerifyingKeyLen)
	w.bytes32(b.CeremonyHash)
	w.subRecord("ChainRegister.params", b.Params, MaxParamsLen)
	w.keySet("ChainRegister.sequencers", b.Sequencers, MaxSequencers)
	w.bytes32(b.Admin)
}

func (b *ChainRegister) decode(r *txReader) {
	b.Name = r.varString("ChainRegister.name", MaxNameLen)
	b.Models = r.idSet("ChainRegister.models", MaxModels)
	b.CircuitID = r.id("ChainRegister.circuitID")
	b.VerifyingKey = r.varBytes("ChainRegister.verifyingKey", MaxVerifyingKeyLen)
	b.CeremonyHash = r.bytes32("ChainRegister.ceremonyHash")
	b.Params = r.subRecord("ChainRegister.params", MaxParamsLen)
	b.Sequencers = r.keySet("ChainRegister.sequencers", MaxSequencers)
	b.Admin = r.bytes32("ChainRegister.admin")
}

// ChainUpdate rotates a chain's sequencer set after UpdateDelay (admin only).
//
//	ChainUpdate = chainID id[32] ‖ sequencers (count u32 ≤16 ‖ [32]… strictly ascending)
type ChainUpdate struct {
	ChainID    ID
	Sequencers [][32]byte
}

// Kind returns KindChainUpdate.
func (*ChainUpdate) Kind() Kind { return KindChainUpdate }

func (b *ChainUpdate) encode(w *txWriter) {
	w.id("ChainUpdate.chainID", b.ChainID)
	w.keySet("ChainUpdate.sequencers", b.Sequencers, MaxSequencers)
}

func (b *ChainUpdate) decode(r *txReader) {
	b.ChainID = r.id("ChainUpdate.chainID")
	b.Sequencers = r.keySet("ChainUpdate.sequencers", MaxSequencers)
}

// ChainDeposit escrows Amount as a pending deposit to L2Account on a chain. Its
// deposit id is ObjectID(txid, 0). L2Account's validity (a BabyJubJub key,
// DECISIONS B12) is an execution rule checked with zkhash, not here.
//
//	ChainDeposit = chainID id[32] ‖ l2Account [32] ‖ amount u64
type ChainDeposit struct {
	ChainID   ID
	L2Account [32]byte
	Amount    uint64
}

// Kind returns KindChainDeposit.
func (*ChainDeposit) Kind() Kind { return KindChainDeposit }

func (b *ChainDeposit) encode(w *txWriter) {
	w.id("ChainDeposit.chainID", b.ChainID)
	w.bytes32(b.L2Account)
	w.u64(b.Amount)
}

func (b *ChainDeposit) decode(r *txReader) {
	b.ChainID = r.id("ChainDeposit.chainID")
	b.L2Account = r.bytes32("ChainDeposit.l2Account")
	b.Amount = r.u64("ChainDeposit.amount")
}

// ChainMessage forces an L2 op into a chain's inbox. Its message id is
// ObjectID(txid, 0).
//
//	ChainMessage = chainID id[32] ‖ l2Op subRecord(≤4096)
type ChainMessage struct {
	ChainID ID
	L2Op    SubRecord
}

// Kind returns KindChainMessage.
func (*ChainMessage) Kind() Kind { return KindChainMessage }

func (b *ChainMessage) encode(w *txWriter) {
	w.id("ChainMessage.chainID", b.ChainID)
	w.subRecord("ChainMessage.l2Op", b.L2Op, MaxL2OpLen)
}

func (b *ChainMessage) decode(r *txReader) {
	b.ChainID = r.id("ChainMessage.chainID")
	b.L2Op = r.subRecord("ChainMessage.l2Op", MaxL2OpLen)
}

// SubmitBatch settles an AI-chain batch with its proof.
//
//	SubmitBatch = chainID id[32] ‖ number u64 ‖ prevRoot [32] ‖ newRoot [32] ‖ l1Height u32 ‖
//	              inboxTo u64 ‖ outcomes subRecord(≤1048576) ‖ withdrawals subRecord(≤262144) ‖
//	              l2Supply u64 ‖ dataHash [32] ‖ daPointer subRecord(≤1024) ‖
//	              hasData u8 [‖ data subRecord(≤3145728)] ‖ proof subRecord(≤4096)
type SubmitBatch struct {
	ChainID     ID
	Number      uint64
	PrevRoot    [32]byte
	NewRoot     [32]byte
	L1Height    uint32
	InboxTo     uint64
	Outcomes    SubRecord
	Withdrawals SubRecord
	L2Supply    uint64
	DataHash    [32]byte
	DAPointer   SubRecord
	Data        *SubRecord // inline DA record of full-rollup chains; nil if absent
	Proof       SubRecord
}

// Kind returns KindSubmitBatch.
func (*SubmitBatch) Kind() Kind { return KindSubmitBatch }

func (b *SubmitBatch) encode(w *txWriter) {
	w.id("SubmitBatch.chainID", b.ChainID)
	w.u64(b.Number)
	w.bytes32(b.PrevRoot)
	w.bytes32(b.NewRoot)
	w.u32(b.L1Height)
	w.u64(b.InboxTo)
	w.subRecord("SubmitBatch.outcomes", b.Outcomes, MaxOutcomesLen)
	w.subRecord("SubmitBatch.withdrawals", b.Withdrawals, MaxWithdrawalsLen)
	w.u64(b.L2Supply)
	w.bytes32(b.DataHash)
	w.subRecord("SubmitBatch.daPointer", b.DAPointer, MaxDAPointerLen)
	w.boolean(b.Data != nil)
	if b.Data != nil {
		w.subRecord("SubmitBatch.data", *b.Data, MaxBatchDataLen)
	}
	w.subRecord("SubmitBatch.proof", b.Proof, MaxProofLen)
}

func (b *SubmitBatch) decode(r *txReader) {
	b.ChainID = r.id("SubmitBatch.chainID")
	b.Number = r.u64("SubmitBatch.number")
	b.PrevRoot = r.bytes32("SubmitBatch.prevRoot")
	b.NewRoot = r.bytes32("SubmitBatch.newRoot")
	b.L1Height = r.u32("SubmitBatch.l1Height")
	b.InboxTo = r.u64("SubmitBatch.inboxTo")
	b.Outcomes = r.subRecord("SubmitBatch.outcomes", MaxOutcomesLen)
	b.Withdrawals = r.subRecord("SubmitBatch.withdrawals", MaxWithdrawalsLen)
	b.L2Supply = r.u64("SubmitBatch.l2Supply")
	b.DataHash = r.bytes32("SubmitBatch.dataHash")
	b.DAPointer = r.subRecord("SubmitBatch.daPointer", MaxDAPointerLen)
	if r.optional("SubmitBatch.hasData") {
		d := r.subRecord("SubmitBatch.data", MaxBatchDataLen)
		b.Data = &d
	}
	b.Proof = r.subRecord("SubmitBatch.proof", MaxProofLen)
}

// Exit pays an L2 account's balance and stake from a frozen chain's bridge, proven
// against the chain's last settled state root.
//
//	Exit = chainID id[32] ‖ accountIndex u64 ‖ leaf subRecord(≤1024) ‖ path subRecord(≤8192)
type Exit struct {
	ChainID      ID
	AccountIndex uint64
	Leaf         SubRecord
	Path         SubRecord
}

// Kind returns KindExit.
func (*Exit) Kind() Kind { return KindExit }

func (b *Exit) encode(w *txWriter) {
	w.id("Exit.chainID", b.ChainID)
	w.u64(b.AccountIndex)
	w.subRecord("Exit.leaf", b.Leaf, MaxExitLeafLen)
	w.subRecord("Exit.path", b.Path, MaxExitPathLen)
}

func (b *Exit) decode(r *txReader) {
	b.ChainID = r.id("Exit.chainID")
	b.AccountIndex = r.u64("Exit.accountIndex")
	b.Leaf = r.subRecord("Exit.leaf", MaxExitLeafLen)
	b.Path = r.subRecord("Exit.path", MaxExitPathLen)
}
