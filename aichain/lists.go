package aichain

import (
	"encoding/binary"
	"fmt"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/zkhash"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// Versions of the SubmitBatch sub-records this package defines.
const (
	OutcomesVersion    uint8 = 1
	WithdrawalsVersion uint8 = 1
	DAVersion          uint8 = 1
)

// Entry sizes of the v1 lists.
const (
	outcomeBytes    = 32 + 1 + 32
	withdrawalBytes = 32 + 8
	daHeaderBytes   = 1 + 8 + 4 + 8 + 8 + 4
)

// The outcomes v1 record (rule L-32), the data of SubmitBatch.outcomes with
// sub-record version 1:
//
//	outcomes v1 = count u32 ‖ (requestID [32] ‖ status u8 ‖ digest [32])*count
//
// status 1 = answered, 2 = refunded; digest is a canonical 32-byte big-endian
// field element, all zero unless answered; request ids have a zero first byte.

// EncodeOutcomes returns the outcome list as a version-1 sub-record.
func EncodeOutcomes(os []Outcome) bitai.SubRecord {
	b := binary.BigEndian.AppendUint32(make([]byte, 0, 4+outcomeBytes*len(os)), uint32(len(os)))
	for _, o := range os {
		b = append(b, o.RequestID[:]...)
		b = append(b, byte(o.Status))
		b = appendElem(b, o.Digest)
	}
	return bitai.SubRecord{Version: OutcomesVersion, Data: b}
}

// DecodeOutcomes decodes a version-1 outcomes sub-record strictly.
func DecodeOutcomes(s bitai.SubRecord) ([]Outcome, error) {
	if s.Version != OutcomesVersion {
		return nil, fmt.Errorf("%w: outcomes version %d", ErrDecode, s.Version)
	}
	n, err := listCount(s.Data, outcomeBytes, "outcomes")
	if err != nil {
		return nil, err
	}
	out := make([]Outcome, n)
	for i := range out {
		e := s.Data[4+i*outcomeBytes:]
		o := &out[i]
		copy(o.RequestID[:], e)
		o.Status = OutcomeStatus(e[32])
		if o.RequestID[0] != 0 {
			return nil, fmt.Errorf("%w: outcome %d: %w", ErrDecode, i, zkhash.ErrIDRange)
		}
		if o.Digest, err = readElem(e[33:], "outcome digest"); err != nil {
			return nil, err
		}
		switch {
		case o.Status != OutcomeAnswered && o.Status != OutcomeRefunded:
			return nil, fmt.Errorf("%w: outcome %d: status %d", ErrDecode, i, o.Status)
		case o.Status == OutcomeRefunded && !o.Digest.IsZero():
			return nil, fmt.Errorf("%w: outcome %d: refunded with a digest", ErrDecode, i)
		}
	}
	return out, nil
}

// OutcomesHash is the outcome list's hash (rule L-32):
//
//	Hash("bitai/l2/outcomes"; n, (requestID, status, digest) for each outcome)
func OutcomesHash(os []Outcome) fr.Element {
	xs := make([]fr.Element, 0, 1+3*len(os))
	xs = append(xs, zkhash.FromUint64(uint64(len(os))))
	for _, o := range os {
		xs = append(xs, idElem(o.RequestID), zkhash.FromUint64(uint64(o.Status)), o.Digest)
	}
	return zkhash.Hash(TagOutcomes, xs...)
}

// The withdrawals v1 record (rule L-33), the data of SubmitBatch.withdrawals
// with sub-record version 1:
//
//	withdrawals v1 = count u32 ‖ (recipient [32] ‖ amount u64)*count     (amount ≥ 1)

// EncodeWithdrawals returns the withdrawal list as a version-1 sub-record.
func EncodeWithdrawals(ws []Withdrawal) bitai.SubRecord {
	b := binary.BigEndian.AppendUint32(make([]byte, 0, 4+withdrawalBytes*len(ws)), uint32(len(ws)))
	for _, w := range ws {
		b = binary.BigEndian.AppendUint64(append(b, w.Recipient[:]...), w.Amount)
	}
	return bitai.SubRecord{Version: WithdrawalsVersion, Data: b}
}

// DecodeWithdrawals decodes a version-1 withdrawals sub-record strictly.
func DecodeWithdrawals(s bitai.SubRecord) ([]Withdrawal, error) {
	if s.Version != WithdrawalsVersion {
		return nil, fmt.Errorf("%w: withdrawals version %d", ErrDecode, s.Version)
	}
	n, err := listCount(s.Data, withdrawalBytes, "withdrawals")
	if err != nil {
		return nil, err
	}
	out := make([]Withdrawal, n)
	for i := range out {
		e := s.Data[4+i*withdrawalBytes:]
		copy(out[i].Recipient[:], e)
		out[i].Amount = binary.BigEndian.Uint64(e[32:])
		if out[i].Amount == 0 {
			return nil, fmt.Errorf("%w: withdrawal %d of zero", ErrDecode, i)
		}
	}
	return out, nil
}

// WithdrawalsHash is the withdrawal list's hash (rule L-33):
//
//	Hash("bitai/l2/withdrawals"; n, (recipient.hi, recipient.lo, amount) for each)
func WithdrawalsHash(ws []Withdrawal) fr.Element {
	xs := make([]fr.Element, 0, 1+3*len(ws))
	xs = append(xs, zkhash.FromUint64(uint64(len(ws))))
	for _, w := range ws {
		hi, lo := zkhash.Limbs(w.Recipient)
		xs = append(xs, hi, lo, zkhash.FromUint64(w.Amount))
	}
	return zkhash.Hash(TagWithdrawals, xs...)
}

// listCount reads a list's count and checks the data is exactly that many entries.
func listCount(b []byte, size int, what string) (int, error) {
	if len(b) < 4 {
		return 0, fmt.Errorf("%w: %s: no count", ErrDecode, what)
	}
	n := binary.BigEndian.Uint32(b)
	if uint64(len(b)-4) != uint64(n)*uint64(size) {
		return 0, fmt.Errorf("%w: %s: %d bytes for %d entries", ErrDecode, what, len(b)-4, n)
	}
	return int(n), nil
}

// DARecord is a batch's data-availability record (rule L-37): what, with BitAI's
// inbox, lets anyone replay the batch. Sequencer ops appear without signers and
// signatures.
type DARecord struct {
	Number    uint64
	L1Height  uint32
	InboxFrom uint64
	InboxTo   uint64
	Ops       []Op
}

// The DA record v1 (rule L-37), big-endian:
//
//	da = version u8 (1) ‖ number u64 ‖ l1Height u32 ‖ inboxFrom u64 ‖ inboxTo u64 ‖
//	     opCount u32 ‖ (kind u8 ‖ body)*opCount
//
// with each op's body as in rule L-34 (fixed length per kind, no trailer).

// EncodeDARecord returns the record's bytes.
func EncodeDARecord(d *DARecord) []byte {
	be := binary.BigEndian
	b := append(make([]byte, 0, daHeaderBytes+100*len(d.Ops)), DAVersion)
	b = be.AppendUint32(be.AppendUint64(b, d.Number), d.L1Height)
	b = be.AppendUint32(be.AppendUint64(be.AppendUint64(b, d.InboxFrom), d.InboxTo), uint32(len(d.Ops)))
	for i := range d.Ops {
		b = d.Ops[i].AppendBody(b)
	}
	return b
}

// DecodeDARecord decodes a DA record strictly (at most bitai.MaxBatchDataLen
// bytes): ops are decoded as by DecodeOp without a trailer; a signer-free op
// keeps zero Signer and Sig.
func DecodeDARecord(b []byte) (*DARecord, error) {
	if len(b) > bitai.MaxBatchDataLen {
		return nil, fmt.Errorf("%w: DA record of %d bytes", ErrDecode, len(b))
	}
	if len(b) < daHeaderBytes {
		return nil, fmt.Errorf("%w: DA record header", ErrDecode)
	}
	if b[0] != DAVersion {
		return nil, fmt.Errorf("%w: DA record version %d", ErrDecode, b[0])
	}
	be := binary.BigEndian
	d := &DARecord{Number: be.Uint64(b[1:]), L1Height: be.Uint32(b[9:]), InboxFrom: be.Uint64(b[13:]),
		InboxTo: be.Uint64(b[21:])}
	n := be.Uint32(b[29:])
	rest := b[daHeaderBytes:]
	if uint64(n) > uint64(len(rest)) {
		return nil, fmt.Errorf("%w: DA record claims %d ops", ErrDecode, n)
	}
	d.Ops = make([]Op, 0, n)
	for i := range n {
		if len(rest) == 0 {
			return nil, fmt.Errorf("%w: DA op %d missing", ErrDecode, i)
		}
		o := Op{Kind: OpKind(rest[0])}
		if o.Kind == 0 || o.Kind >= opKindEnd || len(rest) < 1+bodyLen[o.Kind] {
			return nil, fmt.Errorf("%w: DA op %d", ErrDecode, i)
		}
		if _, err := o.decodeBody(rest[1:]); err != nil {
			return nil, fmt.Errorf("DA op %d: %w", i, err)
		}
		d.Ops = append(d.Ops, o)
		rest = rest[1+bodyLen[o.Kind]:]
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes after the DA ops", ErrDecode, len(rest))
	}
	return d, nil
}

// DataHash is the hash of a DA record's contents (rule L-37), what the circuit
// computes over its op slots:
//
//	dataHash = Hash("bitai/l2/data"; number, l1Height, inboxFrom, inboxTo, opCount,
//	                Hash("bitai/l2/daop"; kind, Fields(op)) for each op)
func (d *DARecord) DataHash() fr.Element {
	return dataHash(d.Number, d.L1Height, d.InboxFrom, d.InboxTo, d.Ops)
}

// DataHashOf decodes a DA record (a full-rollup chain's inline data) and returns
// its DataHash, as BitAI checks SubmitBatch.dataHash.
func DataHashOf(b []byte) (fr.Element, error) {
	d, err := DecodeDARecord(b)
	if err != nil {
		return fr.Element{}, err
	}
	return d.DataHash(), nil
}

func dataHash(number uint64, l1 uint32, from, to uint64, ops []Op) fr.Element {
	u := zkhash.FromUint64
	xs := make([]fr.Element, 0, 5+len(ops))
	xs = append(xs, u(number), u(uint64(l1)), u(from), u(to), u(uint64(len(ops))))
	for i := range ops {
		f := append([]fr.Element{u(uint64(ops[i].Kind))}, ops[i].Fields()...)
		xs = append(xs, zkhash.Hash(TagDAOp, f...))
	}
	return zkhash.Hash(TagData, xs...)
}
