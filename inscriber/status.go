package inscriber

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/bitai-l2/bitai/store"
)

// PayloadInfo is what the inscriber reports about one payload (Enqueue, Payload,
// Status and the status socket). Its JSON form is `bitai inscriber status --json`.
type PayloadInfo struct {
	ID         uint64   `json:"id"`
	Sum        string   `json:"sum"`
	Encoding   string   `json:"encoding"`
	Size       int      `json:"bytes"`
	Enqueued   int32    `json:"enqueued_at"`
	Expiry     int32    `json:"expiry,omitempty"`
	Deadline   int32    `json:"deadline"`
	After      uint64   `json:"after,omitempty"`
	State      string   `json:"state"` // "queued", "abandoned" or the batch's State
	Batch      uint64   `json:"batch,omitempty"`
	Mode       string   `json:"mode,omitempty"`
	Epoch      uint16   `json:"epoch,omitempty"`
	Commit     *TxInfo  `json:"commit,omitempty"`
	Reveals    []TxInfo `json:"reveals,omitempty"`
	Sweeps     []TxInfo `json:"sweeps,omitempty"`
	Height     int32    `json:"height,omitempty"` // block of its last reveal, once all are confirmed
	Depth      int32    `json:"depth"`            // confirmations of that block (0: unconfirmed)
	Fees       int64    `json:"fees"`             // fees of its current versions (the commit's on its batch's first payload)
	Versions   int      `json:"versions"`         // transactions signed for its batch, all versions
	Duplicates []string `json:"duplicates,omitempty"`
	Note       string   `json:"note,omitempty"`
	Existing   bool     `json:"existing,omitempty"` // Enqueue: the payload was already there
}

// TxInfo is one transaction of a payload.
type TxInfo struct {
	TxID      string `json:"txid"`
	Fee       int64  `json:"fee"`
	VSize     int64  `json:"vsize"`
	Rate      int64  `json:"rate"`
	Sent      bool   `json:"sent"`
	Confirmed int32  `json:"confirmed_at,omitempty"`
	Version   int    `json:"version"`
}

// Report is the inscriber's status: its tip and every payload, oldest first.
type Report struct {
	TipHeight int32         `json:"tip_height"`
	TipHash   string        `json:"tip_hash"`
	Payloads  []PayloadInfo `json:"payloads"`
	Error     string        `json:"error,omitempty"`
	// Running is true when a started inscriber answered (over its socket), false
	// when the report was read from a database nobody runs.
	Running bool `json:"running"`
}

// ErrUnknownPayload is returned for a payload id the database does not hold.
var ErrUnknownPayload = errors.New("inscriber: unknown payload")

// ErrAbandoned is returned by Wait for a payload that was abandoned.
var ErrAbandoned = errors.New("inscriber: payload abandoned")

// Status reports every payload. It reads committed state and takes no lock.
func (in *Inscriber) Status() (*Report, error) {
	rep, err := StatusOf(in, in.db.Pebble())
	if err == nil {
		if ferr := in.Err(); ferr != nil {
			rep.Error = ferr.Error()
		}
		in.runMu.Lock()
		rep.Running = in.cancel != nil
		in.runMu.Unlock()
	}
	return rep, err
}

// StatusOf reports every payload in r (a database nobody is running an inscriber
// on needs only an Inscriber built over it, never started).
func StatusOf(in *Inscriber, r pebble.Reader) (*Report, error) {
	rep := &Report{Payloads: []PayloadInfo{}}
	if tip, ok, err := readCursor(r); err != nil {
		return nil, err
	} else if ok {
		rep.TipHeight, rep.TipHash = tip.Height, tip.Hash.String()
	}
	err := in.eachPayload(r, func(p *payload) error {
		info, err := in.infoOf(r, p)
		if err != nil {
			return err
		}
		rep.Payloads = append(rep.Payloads, info)
		return nil
	})
	return rep, err
}

// Payload reports one payload.
func (in *Inscriber) Payload(id uint64) (PayloadInfo, error) {
	r := in.db.Pebble()
	p, err := loadPayload(r, id)
	if err != nil {
		return PayloadInfo{}, err
	}
	return in.infoOf(r, p)
}

// Wait returns once payload id is confirmed at depth or more (a reporting level: a
// later reorg can still send it back), or fails when it is abandoned or ctx ends.
func (in *Inscriber) Wait(ctx context.Context, id uint64, depth int32) (PayloadInfo, error) {
	for {
		ch := in.changedCh()
		info, err := in.Payload(id)
		if err != nil {
			return info, err
		}
		switch {
		case info.State == StateConfirmed.String() && info.Depth >= depth:
			return info, nil
		case info.State == "abandoned" || info.State == StateSwept.String() || info.State == StateAbandoned.String():
			return info, fmt.Errorf("%w: payload %d", ErrAbandoned, id)
		}
		if err := in.Err(); err != nil {
			return info, err
		}
		select {
		case <-ctx.Done():
			return info, ctx.Err()
		case <-ch:
		}
	}
}

// WaitSynced returns once the inscriber has processed the node's tip as of the call
// (so the wallet knows its coins) and finished a pass of its state machines.
func (in *Inscriber) WaitSynced(ctx context.Context) error {
	var tip int32
	for {
		ch := in.changedCh()
		if tip == 0 {
			best, err := in.cfg.Node.BestBlock(ctx)
			if err == nil {
				tip = max(best.Height, 1)
			} else if !isTemporary(err) {
				return fmt.Errorf("node tip: %w", err)
			}
		}
		if tip > 0 && in.passTip.Load() >= tip {
			return nil
		}
		if err := in.Err(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		case <-time.After(in.cfg.RetryMax):
		}
	}
}

// info is the part of PayloadInfo the payload record holds (PayloadStatus sees it).
func (p *payload) info() PayloadInfo {
	state := "queued"
	if p.Abandoned {
		state = "abandoned"
	}
	return PayloadInfo{ID: p.ID, Sum: hex.EncodeToString(p.Sum[:]), Encoding: p.Encoding, Size: p.Size,
		Enqueued: p.Enqueued, Expiry: p.Expiry, Deadline: p.Deadline, After: p.After, State: state, Batch: p.Batch}
}

// infoOf reports p with its batch's transactions and confirmations.
func (in *Inscriber) infoOf(r pebble.Reader, p *payload) (PayloadInfo, error) {
	info := p.info()
	if p.Batch == 0 {
		return info, nil
	}
	b, err := loadBatch(r, p.Batch)
	if err != nil {
		return info, err
	}
	v, err := in.viewOf(r, b)
	if err != nil {
		return info, err
	}
	info.State, info.Mode, info.Epoch, info.Note = b.State.String(), b.Mode.String(), b.Epoch, b.Note
	if p.Abandoned && (b.State == StateAbandoned || b.State == StateSwept) {
		info.State = b.State.String()
	}
	for _, d := range b.Dups {
		info.Duplicates = append(info.Duplicates, d.String())
	}
	info.Versions = len(b.Commits) + len(b.Sweeps)
	for _, slot := range b.Reveals {
		info.Versions += len(slot)
	}
	first := b.Parts[0].Payload == p.ID
	if v.commit >= 0 {
		c := b.Commits[v.commit]
		ti := txInfo(c, v.commitConf, v.commit+1)
		info.Commit = &ti
		if first {
			info.Fees += c.Fee
		}
	}
	var last int32
	allConf := true
	for i, part := range b.Parts {
		if part.Payload != p.ID {
			continue
		}
		sv := v.slots[i]
		at := sv.cur
		if sv.confAt >= 0 {
			at = sv.confAt
		}
		if at < 0 {
			allConf = false
			continue
		}
		ref := b.Reveals[i][at]
		info.Reveals = append(info.Reveals, txInfo(ref, sv.conf, at+1))
		info.Fees += ref.Fee
		if sv.conf == nil {
			allConf = false
		} else {
			last = max(last, sv.conf.Height)
		}
	}
	for i, sw := range b.Sweeps {
		cf, err := confOf(r, sw.TxID)
		if err != nil {
			return info, err
		}
		info.Sweeps = append(info.Sweeps, txInfo(sw, cf, i+1))
	}
	if allConf && len(info.Reveals) > 0 {
		tip, _, err := readCursor(r)
		if err != nil {
			return info, err
		}
		info.Height, info.Depth = last, tip.Height-last+1
	}
	return info, nil
}

func txInfo(ref txRef, cf *conf, version int) TxInfo {
	ti := TxInfo{TxID: ref.TxID.String(), Fee: ref.Fee, VSize: ref.VSize, Rate: ref.Rate, Sent: ref.Sent, Version: version}
	if cf != nil {
		ti.Confirmed = cf.Height
	}
	return ti
}

// loadPayload reads one payload record.
func loadPayload(r pebble.Reader, id uint64) (*payload, error) {
	raw, ok, err := store.Get(r, payloadKey(id))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w %d", ErrUnknownPayload, id)
	}
	p := &payload{}
	return p, p.unmarshal(raw)
}

// eachPayload calls fn for every payload, oldest first.
func (in *Inscriber) eachPayload(r pebble.Reader, fn func(p *payload) error) error {
	it, err := r.NewIter(store.PrefixIterOptions([]byte{keyPayload}))
	if err != nil {
		return err
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		p := &payload{}
		if err := p.unmarshal(it.Value()); err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return it.Error()
}

// queued lists the payloads waiting for a batch, oldest first.
func (in *Inscriber) queued() ([]*payload, error) {
	var out []*payload
	err := in.eachPayload(in.db.Pebble(), func(p *payload) error {
		if p.Batch == 0 && !p.Abandoned {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}
