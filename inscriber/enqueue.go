package inscriber

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/btcsuite/btcd/wire/v2"
	"github.com/cockroachdb/pebble/v2"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/inscriber/wallet"
	"github.com/bitai-l2/bitai/store"
)

// Errors of Enqueue: bad input is refused at once, with one clear error.
var (
	ErrEmptyPayload    = errors.New("inscriber: empty payload")
	ErrPayloadTooLarge = errors.New("inscriber: payload too large")
	ErrEncoding        = errors.New("inscriber: unsupported encoding")
	ErrWrongInscriber  = errors.New("inscriber: a tx names another inscriber key")
	ErrNotStarted      = errors.New("inscriber: no chain tip yet")
)

// EnqueueOptions tune Enqueue.
type EnqueueOptions struct {
	// Expiry is the last height the payload may confirm at. 0 takes the least expiry
	// of its BitAI txs (none when the payload does not decode as BitAI txs).
	Expiry int32
}

// Item is one payload for EnqueueMany.
type Item struct {
	E        []byte // the encoded payload (a raw body after its kind byte)
	Encoding string // "" or "br"
	Opts     EnqueueOptions
}

// Enqueue stores a payload for inscription and returns it. e is the encoded payload
// (the body after its kind byte: bitai.EncodePayload's body[1:]) under encoding ""
// or "br"; a payload too large for one reveal is chunked. Enqueueing the same bytes
// again returns the existing payload (Existing set), so re-running a command
// resumes instead of inscribing twice. The wallet must be able to fund the payload
// at the fee cap (ErrInsufficientFunds otherwise); the inscriber should have caught
// up with the node (WaitSynced) for that check to see its coins.
func (in *Inscriber) Enqueue(ctx context.Context, e []byte, encoding string, opts EnqueueOptions) (PayloadInfo, error) {
	infos, err := in.EnqueueMany(ctx, []Item{{E: e, Encoding: encoding, Opts: opts}})
	if err != nil {
		return PayloadInfo{}, err
	}
	return infos[0], nil
}

// EnqueueMany enqueues items in order, all before the state machine runs again, so
// whole payloads can share a chained stream (Config.Chain). Each is checked as by
// Enqueue; on an error the items before it stay enqueued.
func (in *Inscriber) EnqueueMany(ctx context.Context, items []Item) ([]PayloadInfo, error) {
	type checked struct {
		senders [][32]byte
		expiry  int32
	}
	cs := make([]checked, len(items))
	for i, it := range items {
		e, encoding := it.E, it.Encoding
		switch {
		case len(e) == 0:
			return nil, ErrEmptyPayload
		case len(e) > bitai.MaxPayloadBytes:
			return nil, fmt.Errorf("%w: %d bytes, at most MaxPayloadBytes = %d", ErrPayloadTooLarge, len(e), bitai.MaxPayloadBytes)
		case encoding != "" && encoding != bitai.EncodingBrotli:
			return nil, fmt.Errorf("%w %q: use \"\" or %q", ErrEncoding, encoding, bitai.EncodingBrotli)
		}
		senders, expiry, err := in.inspectPayload(encoding, e)
		if err != nil {
			return nil, err
		}
		if it.Opts.Expiry != 0 {
			expiry = it.Opts.Expiry
		}
		cs[i] = checked{senders, expiry}
	}
	if _, err := in.initCursor(ctx); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotStarted, err)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	var infos []PayloadInfo
	for i, it := range items {
		info, err := in.enqueueLocked(ctx, it.E, it.Encoding, cs[i].senders, cs[i].expiry)
		if err != nil {
			return infos, err
		}
		infos = append(infos, info)
	}
	in.kick()
	return infos, nil
}

// enqueueLocked stores one checked payload; in.mu is held.
func (in *Inscriber) enqueueLocked(ctx context.Context, e []byte, encoding string, senders [][32]byte, expiry int32) (PayloadInfo, error) {
	sum := payloadSum(encoding, e)
	r := in.db.Pebble()
	if raw, ok, err := store.Get(r, dedupKey(sum)); err != nil {
		return PayloadInfo{}, err
	} else if ok {
		d := &dec{b: raw}
		p, err := loadPayload(r, d.u64())
		if err != nil {
			return PayloadInfo{}, err
		}
		info, err := in.infoOf(r, p)
		info.Existing = true
		return info, err
	}
	tip, ok, err := readCursor(r)
	if err != nil {
		return PayloadInfo{}, err
	}
	if !ok {
		return PayloadInfo{}, ErrNotStarted
	}
	p := &payload{Sum: sum, Encoding: encoding, Size: len(e), Enqueued: tip.Height, Expiry: expiry, Senders: senders}
	p.Deadline = tip.Height + in.cfg.DeadlineBlocks
	if expiry > 0 {
		p.Deadline = min(expiry-DefaultExpiryMargin, tip.Height+in.cfg.MaxDeadline)
	}
	p.Deadline = max(p.Deadline, tip.Height+2)
	if err := in.checkFunds(r, p); err != nil {
		return PayloadInfo{}, err
	}
	if p.After, err = in.predecessor(r, p); err != nil {
		return PayloadInfo{}, err
	}
	err = in.write(ctx, func(rw wallet.ReadWriter) error {
		id, err := nextID(rw, counterPayload)
		if err != nil {
			return err
		}
		p.ID = id
		e8 := &enc{}
		e8.u64(id)
		for _, kv := range [][2][]byte{{payloadKey(id), p.marshal()}, {bodyKey(id), e}, {dedupKey(sum), e8.b}} {
			if err := rw.Set(kv[0], kv[1], nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return PayloadInfo{}, fmt.Errorf("enqueue: %w", err)
	}
	in.log.Info("payload enqueued", "payload", p.ID, "bytes", p.Size, "encoding", encoding, "deadline", p.Deadline,
		"expiry", p.Expiry, "after", p.After, "sum", hex.EncodeToString(sum[:8]))
	in.point("enqueued")
	return in.infoOf(r, p)
}

// payloadSum is the dedup key: sha256(encoding ‖ E).
func payloadSum(encoding string, e []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(encoding))
	h.Write([]byte{0})
	h.Write(e)
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// inspectPayload decodes e as BitAI txs, when it is, for their senders (ordering)
// and least expiry; a tx naming another inscriber key is refused (it would be
// skipped on chain).
func (in *Inscriber) inspectPayload(encoding string, e []byte) (senders [][32]byte, expiry int32, err error) {
	raws, _, derr := bitai.DecodePayload(encoding, e)
	if derr != nil {
		return nil, 0, nil // not BitAI txs: inscribed as is, without ordering or expiry
	}
	me := bitai.XOnly(in.cfg.Keys.InscriberKey())
	for i, raw := range raws {
		tx, err := bitai.DecodeTx(raw)
		if err != nil {
			continue
		}
		if tx.Inscriber != nil && *tx.Inscriber != me {
			return nil, 0, fmt.Errorf("%w: tx %d names %x, this inscriber is %x", ErrWrongInscriber, i, tx.Inscriber[:], me[:])
		}
		if !slices.Contains(senders, tx.Sender) {
			senders = append(senders, tx.Sender)
		}
		if exp := int32(min(tx.Expiry, 1<<31-1)); expiry == 0 || exp < expiry {
			expiry = exp
		}
	}
	slices.SortFunc(senders, func(a, b [32]byte) int { return compare32(a, b) })
	return senders, expiry, nil
}

func compare32(a, b [32]byte) int {
	for i := range a {
		if a[i] != b[i] {
			return int(a[i]) - int(b[i])
		}
	}
	return 0
}

// predecessor is the latest earlier payload, not abandoned and not yet confirmed,
// sharing a sender with p: p must not be in flight beside it.
func (in *Inscriber) predecessor(r pebble.Reader, p *payload) (uint64, error) {
	if len(p.Senders) == 0 {
		return 0, nil
	}
	var after uint64
	err := in.eachPayload(r, func(q *payload) error {
		if q.Abandoned || !sharesSender(p, q) {
			return nil
		}
		if q.Batch != 0 {
			b, err := loadBatch(r, q.Batch)
			if err != nil {
				return err
			}
			if b.State == StateConfirmed || b.State.terminal() {
				return nil
			}
		}
		after = q.ID
		return nil
	})
	return after, err
}

func sharesSender(p, q *payload) bool {
	for _, s := range p.Senders {
		if slices.Contains(q.Senders, s) {
			return true
		}
	}
	return false
}

// checkFunds refuses a payload the wallet can never fund at the fee cap: what it
// holds (confirmed or not, free or held by batches in flight) plus the commit
// outputs in flight (most of which come back as reveal change), less what queued
// payloads will need first. A payload that passes may still wait in the queue
// for coins to confirm.
func (in *Inscriber) checkFunds(r pebble.Reader, p *payload) error {
	need := payloadNeed(p, in.cfg.FeeCap)
	unspent, err := in.cfg.Wallet.Unspent(r)
	if err != nil {
		return fmt.Errorf("wallet: %w", err)
	}
	var have int64
	for _, u := range unspent {
		if u.Branch <= wallet.BranchChange {
			have += u.Value
		}
	}
	inFlight, err := in.inFlight(r)
	if err != nil {
		return err
	}
	err = in.eachPayload(r, func(q *payload) error {
		if q.Batch == 0 && !q.Abandoned {
			have -= payloadNeed(q, in.cfg.FeeCap)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if need > have+inFlight {
		return fmt.Errorf("%w: the payload needs up to %d sat at the fee cap of %d sat/vB; the wallet holds %d sat for it (%d more in flight)",
			ErrInsufficientFunds, need, in.cfg.FeeCap, max(have, 0), inFlight)
	}
	return nil
}

// inFlight sums the confirmed commit outputs of live batches whose reveals have not
// confirmed: they come back as reveal change.
func (in *Inscriber) inFlight(r pebble.Reader) (int64, error) {
	ids, err := in.liveBatches()
	if err != nil {
		return 0, err
	}
	var sum int64
	for _, id := range ids {
		b, err := loadBatch(r, id)
		if err != nil {
			return 0, err
		}
		v, err := in.viewOf(r, b)
		if err != nil {
			return 0, err
		}
		if v.commitConf == nil {
			continue
		}
		for _, sv := range v.slots {
			if sv.conf == nil && sv.known && (b.Mode == ModePairs || sv.parent.Index == 0) {
				sum += sv.value
				if b.Mode == ModeChained {
					break
				}
			}
		}
	}
	return sum, nil
}

// payloadNeed bounds what a payload costs at the cap: its commit outputs and a
// one-input commit with change.
func payloadNeed(p *payload, cap int64) int64 {
	chunk := chunkBodySize(p.Encoding, p.Size)
	n := 1
	var need int64
	if chunk == 0 {
		need = revealVSize(bitai.EnvelopeScriptLen(p.Encoding, 1+p.Size))*cap + DustLimit
	} else {
		per := chunk - bitai.ChunkHeaderLen
		n = (p.Size + per - 1) / per
		need = int64(n) * (revealVSize(bitai.EnvelopeScriptLen(p.Encoding, chunk))*cap + DustLimit)
	}
	commit := bitai.VSize(bitai.CommitWeight(1, repeatOut(n+1)...)) * cap
	return need + commit
}

// repeatOut returns n P2TR-sized outputs (for weights).
func repeatOut(n int) []*wire.TxOut {
	outs := make([]*wire.TxOut, n)
	for i := range outs {
		outs[i] = p2trTemplate
	}
	return outs
}
