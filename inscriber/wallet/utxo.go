package wallet

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"github.com/bitai-l2/bitai/store"
	"github.com/btcsuite/btcd/wire/v2"
)

// UTXO is one unspent output paying the wallet.
type UTXO struct {
	OutPoint wire.OutPoint
	Value    int64
	PkScript []byte
	// Height is the block that created it; 0 = created by an own unconfirmed tx.
	Height int32
	// Branch and Index name the key: BranchExternal/BranchChange with the
	// address index, BranchInscriber (Index 0) or BranchWatched (Index 0).
	Branch, Index uint32
	// Reserved is the owner (a payload id) holding the coin, or nil.
	Reserved []byte
	// Tag is the watch tag of a BranchWatched output, or nil.
	Tag []byte
	// Coinbase marks a coinbase output (Unspent lists it only once mature).
	Coinbase bool
}

// Confirmed reports whether the output is in a block.
func (u UTXO) Confirmed() bool { return u.Height > 0 }

// Errors of Reserve.
var (
	// ErrUnknownCoin: the outpoint is not an unspent wallet output.
	ErrUnknownCoin = errors.New("not an unspent wallet output")
	// ErrReserved: the coin is reserved by another owner.
	ErrReserved = errors.New("coin reserved by another owner")
)

// getRecord reads op's record.
func getRecord(r Reader, op wire.OutPoint) (record, bool, error) {
	v, ok, err := store.Get(r, keyUTXO(op))
	if err != nil || !ok {
		if err != nil {
			err = fmt.Errorf("wallet utxo: %w", err)
		}
		return record{}, false, err
	}
	rec, err := unmarshalRecord(op, v)
	return rec, err == nil, err
}

// putRecord stores rec.
func putRecord(rw ReadWriter, rec *record) error {
	if err := rw.Set(keyUTXO(rec.OutPoint), rec.marshal(), nil); err != nil {
		return fmt.Errorf("wallet utxo: %w", err)
	}
	return nil
}

// Lookup returns the wallet's record of op, spent by an own unconfirmed tx or not
// (spent reports which).
func (w *Wallet) Lookup(r Reader, op wire.OutPoint) (u UTXO, spent, ok bool, err error) {
	rec, ok, err := getRecord(r, op)
	return rec.UTXO, rec.spentBy != nil, ok, err
}

// records returns every stored output in key order.
func records(r Reader) (recs []record, err error) {
	it, err := r.NewIter(store.PrefixIterOptions([]byte{prefixUTXO}))
	if err != nil {
		return nil, fmt.Errorf("wallet utxos: %w", err)
	}
	defer func() {
		if cerr := it.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("wallet utxos: %w", cerr)
		}
	}()
	for valid := it.First(); valid; valid = it.Next() {
		op, err := outPointOfKey(it.Key())
		if err != nil {
			return nil, fmt.Errorf("wallet utxos: %w", err)
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return nil, fmt.Errorf("wallet utxos: %w", err)
		}
		rec, err := unmarshalRecord(op, v)
		if err != nil {
			return nil, err
		}
		recs = append(recs, rec)
	}
	return recs, it.Error()
}

// Unspent lists the wallet's spendable outputs: neither spent by an own
// unconfirmed tx nor an immature coinbase (fewer than CoinbaseMaturity
// confirmations at the next block). Reserved and watched outputs are listed
// (callers filter). The order is deterministic: confirmed outputs by height, then
// txid bytes, then index; unconfirmed ones after them by txid bytes and index.
func (w *Wallet) Unspent(r Reader) ([]UTXO, error) {
	recs, err := records(r)
	if err != nil {
		return nil, err
	}
	tip, _, err := w.Tip(r)
	if err != nil {
		return nil, err
	}
	maturity := int32(w.keys.params.CoinbaseMaturity)
	var out []UTXO
	for _, rec := range recs {
		if rec.spentBy != nil || rec.Coinbase && tip+1-rec.Height < maturity {
			continue
		}
		out = append(out, rec.UTXO)
	}
	slices.SortStableFunc(out, compareUTXO)
	return out, nil
}

// compareUTXO orders confirmed before unconfirmed, then by height, txid bytes and
// index.
func compareUTXO(a, b UTXO) int {
	if a.Confirmed() != b.Confirmed() {
		if a.Confirmed() {
			return -1
		}
		return 1
	}
	if a.Height != b.Height {
		return int(a.Height - b.Height)
	}
	if c := bytes.Compare(a.OutPoint.Hash[:], b.OutPoint.Hash[:]); c != 0 {
		return c
	}
	return int(int64(a.OutPoint.Index) - int64(b.OutPoint.Index))
}

// Balance sums Unspent: confirmed outputs and those of own unconfirmed txs.
// Reserved and watched outputs count; outputs spent by own unconfirmed txs and
// immature coinbases do not.
func (w *Wallet) Balance(r Reader) (confirmed, unconfirmed int64, err error) {
	us, err := w.Unspent(r)
	if err != nil {
		return 0, 0, err
	}
	for _, u := range us {
		if u.Confirmed() {
			confirmed += u.Value
		} else {
			unconfirmed += u.Value
		}
	}
	return confirmed, unconfirmed, nil
}

// Reserve marks ops as held by owner (1 to MaxTagLen bytes, e.g. a payload id),
// all or none: each must be an unspent wallet output (ErrUnknownCoin) not held by
// another owner (ErrReserved). Reserving again for the same owner is a no-op.
func (w *Wallet) Reserve(rw ReadWriter, ops []wire.OutPoint, owner []byte) error {
	if len(owner) == 0 || len(owner) > MaxTagLen {
		return fmt.Errorf("wallet reserve: owner length %d not in [1, %d]", len(owner), MaxTagLen)
	}
	recs := make([]record, len(ops))
	for i, op := range ops {
		rec, ok, err := getRecord(rw, op)
		switch {
		case err != nil:
			return err
		case !ok || rec.spentBy != nil:
			return fmt.Errorf("wallet reserve %s: %w", op, ErrUnknownCoin)
		case rec.Reserved != nil && !bytes.Equal(rec.Reserved, owner):
			return fmt.Errorf("wallet reserve %s for %x: %w (%x)", op, owner, ErrReserved, rec.Reserved)
		}
		recs[i] = rec
	}
	for i := range recs {
		if bytes.Equal(recs[i].Reserved, owner) {
			continue
		}
		recs[i].Reserved = bytes.Clone(owner)
		if err := putRecord(rw, &recs[i]); err != nil {
			return err
		}
	}
	return nil
}

// Release clears the reservation of ops; outpoints the wallet no longer holds are
// skipped (they were spent).
func (w *Wallet) Release(rw ReadWriter, ops []wire.OutPoint) error {
	for _, op := range ops {
		rec, ok, err := getRecord(rw, op)
		if err != nil {
			return err
		}
		if !ok || rec.Reserved == nil {
			continue
		}
		rec.Reserved = nil
		if err := putRecord(rw, &rec); err != nil {
			return err
		}
	}
	return nil
}

// ReleaseOwner clears every reservation held by owner.
func (w *Wallet) ReleaseOwner(rw ReadWriter, owner []byte) error {
	recs, err := records(rw)
	if err != nil {
		return err
	}
	for i := range recs {
		if recs[i].Reserved == nil || !bytes.Equal(recs[i].Reserved, owner) {
			continue
		}
		recs[i].Reserved = nil
		if err := putRecord(rw, &recs[i]); err != nil {
			return err
		}
	}
	return nil
}
