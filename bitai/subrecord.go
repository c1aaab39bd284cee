package bitai

// SubRecord is a versioned, length-framed field whose contents a later stage owns
// (DECISIONS B10, rule T-9): chain params, batch outcomes and withdrawals, DA
// pointers, inline batch data, proofs, Exit leaves and paths, and L2 ops. bitai
// decodes the frame only; the meaning of Data is defined per Version by the owner,
// and a version the owner does not know is an execution failure, not a decode one.
//
//	subRecord = version u8 ‖ len u32 ‖ data [len]    (len ≤ the field's cap)
type SubRecord struct {
	Version uint8
	Data    []byte
}

// Sub-record caps: the largest len each framed field may have (rule T-9).
const (
	MaxParamsLen      = 1 << 10   // ChainRegister.params
	MaxL2OpLen        = 4 << 10   // ChainMessage.l2Op
	MaxOutcomesLen    = 1 << 20   // SubmitBatch.outcomes
	MaxWithdrawalsLen = 256 << 10 // SubmitBatch.withdrawals
	MaxDAPointerLen   = 1 << 10   // SubmitBatch.daPointer
	MaxBatchDataLen   = 3 << 20   // SubmitBatch.data (full-rollup chains)
	MaxProofLen       = 4 << 10   // SubmitBatch.proof
	MaxExitLeafLen    = 1 << 10   // Exit.leaf
	MaxExitPathLen    = 8 << 10   // Exit.path
)

// subRecord writes a framed sub-record after checking its length against max.
func (w *txWriter) subRecord(field string, s SubRecord, max int) {
	w.u8(s.Version)
	w.varBytes(field, s.Data, max)
}

// subRecord reads a framed sub-record, checking len against max before allocating.
func (r *txReader) subRecord(field string, max int) SubRecord {
	v := r.u8(field + " version")
	return SubRecord{Version: v, Data: r.varBytes(field, max)}
}
