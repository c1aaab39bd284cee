package aichain

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// DataV2 is the SubmitBatch.data sub-record version of a full-rollup chain's
// batch (rule L-41): the DA record followed by the outputs of its reveals.
const DataV2 uint8 = 2

// Batch inline data v2 (rule L-41), big-endian:
//
//	data v2 = daLen u32 ‖ daRecord [daLen] ‖ (len u32 ‖ output [len]) × reveals
//
// with one output per Reveal op of the DA record, in op order, each len ≤
// MaxOutputLen, and no trailing bytes. dataHash stays the DA record's (rule
// L-37): circuits never hash outputs; BitAI checks each output against its
// reveal's digest (rule L-14) natively.

// EncodeBatchData returns data v2 for a DA record and its reveals' outputs.
func EncodeBatchData(daRecord []byte, outputs [][]byte) []byte {
	n := 4 + len(daRecord)
	for _, o := range outputs {
		n += 4 + len(o)
	}
	be := binary.BigEndian
	b := append(be.AppendUint32(make([]byte, 0, n), uint32(len(daRecord))), daRecord...)
	for _, o := range outputs {
		b = append(be.AppendUint32(b, uint32(len(o))), o...)
	}
	return b
}

// DecodeBatchData decodes data v2 strictly (at most bitai.MaxBatchDataLen bytes):
// the DA record decodes (DecodeDARecord) and is followed by exactly one output
// per Reveal op, each at most MaxOutputLen bytes. The returned record's Reveal
// ops carry their outputs (HasOutput). It does not check digests (CheckBatchData
// does).
func DecodeBatchData(b []byte) (*DARecord, error) {
	if len(b) > bitai.MaxBatchDataLen {
		return nil, fmt.Errorf("%w: batch data of %d bytes", ErrDecode, len(b))
	}
	if len(b) < 4 {
		return nil, fmt.Errorf("%w: batch data daLen: %w", ErrDecode, io.ErrUnexpectedEOF)
	}
	n := binary.BigEndian.Uint32(b)
	rest := b[4:]
	if uint64(n) > uint64(len(rest)) {
		return nil, fmt.Errorf("%w: batch data DA record: %w", ErrDecode, io.ErrUnexpectedEOF)
	}
	d, err := DecodeDARecord(rest[:n])
	if err != nil {
		return nil, fmt.Errorf("batch data: %w", err)
	}
	rest = rest[n:]
	for i := range d.Ops {
		o := &d.Ops[i]
		if o.Kind != OpReveal {
			continue
		}
		if len(rest) < 4 {
			return nil, fmt.Errorf("%w: output of op %d: %w", ErrDecode, i, io.ErrUnexpectedEOF)
		}
		l := binary.BigEndian.Uint32(rest)
		switch {
		case l > MaxOutputLen:
			return nil, fmt.Errorf("%w: output of op %d has %d bytes > %d", ErrDecode, i, l, MaxOutputLen)
		case uint64(l) > uint64(len(rest)-4):
			return nil, fmt.Errorf("%w: output of op %d: %w", ErrDecode, i, io.ErrUnexpectedEOF)
		}
		o.HasOutput, o.Output = true, append([]byte{}, rest[4:4+l]...)
		rest = rest[4+l:]
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes after the outputs", ErrDecode, len(rest))
	}
	return d, nil
}

// CheckBatchData is BitAI's check of a full-rollup batch's inline data (rule
// L-41): it decodes as data v2 and every Reveal op's output hashes to its digest
// (CheckOutputs). It returns the DA record's dataHash.
func CheckBatchData(b []byte) (fr.Element, error) {
	d, err := DecodeBatchData(b)
	if err != nil {
		return fr.Element{}, err
	}
	if err := d.CheckOutputs(); err != nil {
		return fr.Element{}, err
	}
	return d.DataHash(), nil
}

// CheckOutputs checks a record DecodeBatchData returned (rule L-41): every Reveal
// op's output hashes to its digest (DigestOf, rule L-14).
func (d *DARecord) CheckOutputs() error {
	for i := range d.Ops {
		o := &d.Ops[i]
		if o.Kind == OpReveal && !outputMatches(o, o.RequestID) {
			return fmt.Errorf("%w: output of op %d does not hash to its digest", ErrDecode, i)
		}
	}
	return nil
}

// CheckForcedReveal is BitAI's check of a forced op on a full-rollup chain (rule
// L-41), next to CheckForcedOp's: a Reveal must carry its output and
// DigestOf(requestID, output) must be its digest. Other kinds pass.
func CheckForcedReveal(o *Op) error {
	if o.Kind == OpReveal && !outputMatches(o, o.RequestID) {
		return fmt.Errorf("%w: forced reveal without its output", ErrDecode)
	}
	return nil
}

// revealOutputs lists the outputs of the Reveal ops in ops, in op order.
func revealOutputs(ops []Op) [][]byte {
	out := [][]byte{}
	for i := range ops {
		if ops[i].Kind == OpReveal {
			out = append(out, ops[i].Output)
		}
	}
	return out
}
