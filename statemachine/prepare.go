package statemachine

import (
	"context"
	"fmt"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// preparedTx is one Bitcoin tx of a block that has burn outputs or BitAI candidates.
type preparedTx struct {
	index uint32
	txid  chainhash.Hash
	burns []bitai.Burn
	cands []preparedCand
}

// preparedCand is one BitAI candidate (an input with a BitAI envelope).
type preparedCand struct {
	input     uint32
	reason    bitai.Reason // acceptance failure; ReasonNone when accepted
	inscriber [32]byte
	encoding  string
	chunk     *bitai.Chunk // set for an accepted chunk body
	chunkErr  bitai.Reason // ParseChunk's reason for a malformed chunk body
	payload   *preparedPayload
}

// preparedPayload is a decoded whole payload (or completed chunk set).
type preparedPayload struct {
	reason bitai.Reason // decoding failure; ReasonNone when decoded
	txs    []preparedBitAITx
}

// preparedBitAITx is one tx of a payload with its decode and signature verdicts.
type preparedBitAITx struct {
	tx     *bitai.Tx    // nil when decoding failed
	txid   [32]byte     // zero when decoding failed
	reason bitai.Reason // decode (100–107) or signature (120–121) failure; else ReasonNone
}

func (m *Machine) prepare(ctx context.Context, block *wire.MsgBlock, height uint32) (*PreparedBlock, error) {
	p := &PreparedBlock{Height: height, Hash: block.BlockHash()}
	var payloads []*preparedPayload
	for i, tx := range block.Transactions {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("prepare block %d: %w", height, err)
		}
		burns := bitai.ParseBurns(tx)
		cands := bitai.AcceptTx(tx)
		if len(burns) == 0 && len(cands) == 0 {
			continue
		}
		pt := preparedTx{index: uint32(i), txid: tx.TxHash(), burns: burns}
		for _, c := range cands {
			pc := preparedCand{input: uint32(c.Input), reason: c.Reason}
			if c.Reason == bitai.ReasonNone {
				pc.inscriber, pc.encoding = c.Inscriber, c.Encoding
				switch c.Body[0] {
				case bitai.BodyKindPayload:
					pc.payload = decodePayload(c.Encoding, c.Body[1:])
					payloads = append(payloads, pc.payload)
				case bitai.BodyKindChunk:
					ch, r := bitai.ParseChunk(c.Body)
					if r == bitai.ReasonNone {
						pc.chunk = &ch
					}
					pc.chunkErr = r
				}
			}
			pt.cands = append(pt.cands, pc)
		}
		p.txs = append(p.txs, pt)
	}
	m.verify(payloads)
	return p, nil
}

// decodePayload decodes E under encoding into its txs (rules P-1 to P-4, T-1 to T-9).
// Signatures are checked later by verify.
func decodePayload(encoding string, e []byte) *preparedPayload {
	raws, reason, _ := bitai.DecodePayload(encoding, e)
	if reason != bitai.ReasonNone {
		return &preparedPayload{reason: reason}
	}
	pp := &preparedPayload{txs: make([]preparedBitAITx, len(raws))}
	for i, raw := range raws {
		tx, err := bitai.DecodeTx(raw)
		if err != nil {
			pp.txs[i].reason = bitai.TxErrorReason(err)
			continue
		}
		pp.txs[i].tx = tx
		pp.txs[i].txid = tx.TxID()
	}
	return pp
}

// verify checks the signatures of every decoded tx of payloads on all cores and
// records each failure's reason (T-12 steps 2–3).
func (m *Machine) verify(payloads []*preparedPayload) {
	var jobs []bitai.SigJob
	for _, pp := range payloads {
		for _, t := range pp.txs {
			if t.tx != nil {
				jobs = append(jobs, t.tx.SigJob(m.depID))
			}
		}
	}
	if len(jobs) == 0 {
		return
	}
	verdicts := m.verifier.VerifyAll(jobs)
	k := 0
	for _, pp := range payloads {
		for i := range pp.txs {
			if pp.txs[i].tx == nil {
				continue
			}
			pp.txs[i].reason = bitai.TxErrorReason(verdicts[k])
			k++
		}
	}
}
