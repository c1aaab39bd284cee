package wallet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/bitai-l2/bitai/store"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// ErrHeight: ConnectBlock was given a block that does not follow the wallet's tip.
var ErrHeight = errors.New("block does not follow the wallet tip")

// ConnectBlock applies block, at height (≥ 1), to the UTXO set inside the caller's
// batch; the block must follow the last one applied (ErrHeight), unless it is the
// first. For each tx in order:
//
//   - each input spending a wallet output deletes it; if an own unconfirmed tx
//     other than this one spent it, that tx lost (a replacement or a
//     double-spend confirmed) and is dropped with its unconfirmed descendants
//     (DropUnconfirmed);
//   - an own unconfirmed tx found in the block is no longer unconfirmed;
//   - each output of value > 0 paying a wallet address (within the lookahead),
//     the inscriber key or a watched script becomes a UTXO at height, keeping the
//     reservation of the unconfirmed output it confirms; an address found in
//     use moves its branch's cursor past it.
//
// A disconnect is the caller's undo record of the batch (store.Recorder): every
// write goes through rw.
func (w *Wallet) ConnectBlock(rw ReadWriter, height int32, block *wire.MsgBlock) error {
	if height < 1 {
		return fmt.Errorf("wallet connect: height %d < 1", height)
	}
	if tip, ok, err := w.Tip(rw); err != nil {
		return err
	} else if ok && height != tip+1 {
		return fmt.Errorf("wallet connect %d: %w %d", height, ErrHeight, tip)
	}
	if err := w.sync(rw); err != nil {
		return err
	}
	for i, tx := range block.Transactions {
		if err := w.connectTx(rw, height, tx, i == 0); err != nil {
			return fmt.Errorf("wallet connect %d: %w", height, err)
		}
	}
	if err := rw.Set(keyTip(), binary.BigEndian.AppendUint32(nil, uint32(height)), nil); err != nil {
		return fmt.Errorf("wallet tip: %w", err)
	}
	return nil
}

// connectTx applies one tx of a block.
func (w *Wallet) connectTx(rw ReadWriter, height int32, tx *wire.MsgTx, coinbase bool) error {
	txid := tx.TxHash()
	if !coinbase {
		for _, in := range tx.TxIn {
			if err := w.spend(rw, in.PreviousOutPoint, txid); err != nil {
				return err
			}
		}
	}
	if _, ok, err := store.Get(rw, keyUnconf(txid)); err != nil {
		return fmt.Errorf("wallet unconfirmed: %w", err)
	} else if ok {
		if err := rw.Delete(keyUnconf(txid), nil); err != nil {
			return fmt.Errorf("wallet unconfirmed: %w", err)
		}
	}
	for vout, out := range tx.TxOut {
		op := wire.OutPoint{Hash: txid, Index: uint32(vout)}
		if err := w.receive(rw, op, out, height, coinbase); err != nil {
			return err
		}
	}
	return nil
}

// spend deletes a wallet output spent by a confirmed tx.
func (w *Wallet) spend(rw ReadWriter, op wire.OutPoint, by chainhash.Hash) error {
	rec, ok, err := getRecord(rw, op)
	if err != nil || !ok {
		return err
	}
	if rec.spentBy != nil && *rec.spentBy != by {
		if err := w.DropUnconfirmed(rw, *rec.spentBy); err != nil {
			return err
		}
	}
	if err := rw.Delete(keyUTXO(op), nil); err != nil {
		return fmt.Errorf("wallet utxo: %w", err)
	}
	return nil
}

// receive records out if it pays the wallet (height 0: unconfirmed).
func (w *Wallet) receive(rw ReadWriter, op wire.OutPoint, out *wire.TxOut, height int32, coinbase bool) error {
	if out.Value <= 0 {
		return nil
	}
	o, tag, ok, err := w.match(rw, out.PkScript)
	if err != nil || !ok {
		return err
	}
	rec, exists, err := getRecord(rw, op)
	if err != nil {
		return err
	}
	if !exists {
		rec = record{UTXO: UTXO{OutPoint: op, Value: out.Value, PkScript: bytes.Clone(out.PkScript),
			Branch: o.branch, Index: o.index, Tag: tag}}
	}
	rec.Height, rec.Coinbase = height, coinbase
	if err := putRecord(rw, &rec); err != nil {
		return err
	}
	if o.branch <= BranchChange {
		return w.markUsed(rw, o.branch, o.index)
	}
	return nil
}

// AddUnconfirmed records tx, an own tx being broadcast: its inputs that are wallet
// outputs become spent by it (no longer in Unspent), and its outputs paying the
// wallet become unconfirmed UTXOs (Height 0) until a block confirms them. A tx
// spending an output another own unconfirmed tx spends replaces it: the old one is
// dropped first (DropUnconfirmed), as the node does on a replacement. Recording a
// tx again, one already confirmed (its wallet outputs are in a block), or one
// touching no wallet output, is a no-op.
func (w *Wallet) AddUnconfirmed(rw ReadWriter, tx *wire.MsgTx) error {
	txid := tx.TxHash()
	if _, ok, err := store.Get(rw, keyUnconf(txid)); err != nil || ok {
		return err
	}
	if err := w.sync(rw); err != nil {
		return err
	}
	ours := false
	for vout, out := range tx.TxOut {
		_, _, match, err := w.match(rw, out.PkScript)
		if err != nil {
			return err
		}
		rec, exists, err := getRecord(rw, wire.OutPoint{Hash: txid, Index: uint32(vout)})
		if err != nil {
			return err
		}
		if exists && rec.Confirmed() {
			return nil // already in a block
		}
		ours = ours || match && out.Value > 0
	}
	var spent []record
	for _, in := range tx.TxIn {
		rec, ok, err := getRecord(rw, in.PreviousOutPoint)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if rec.spentBy != nil && *rec.spentBy != txid {
			if err := w.DropUnconfirmed(rw, *rec.spentBy); err != nil {
				return err
			}
		}
		spent = append(spent, rec)
	}
	if !ours && len(spent) == 0 {
		return nil
	}
	for i := range spent {
		spent[i].spentBy = &txid
		if err := putRecord(rw, &spent[i]); err != nil {
			return err
		}
	}
	for vout, out := range tx.TxOut {
		if err := w.receive(rw, wire.OutPoint{Hash: txid, Index: uint32(vout)}, out, 0, false); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	if err := tx.Serialize(&buf); err != nil {
		return fmt.Errorf("wallet unconfirmed: %w", err)
	}
	if err := rw.Set(keyUnconf(txid), buf.Bytes(), nil); err != nil {
		return fmt.Errorf("wallet unconfirmed: %w", err)
	}
	return nil
}

// DropUnconfirmed forgets the own unconfirmed tx txid (replaced, double-spent or
// abandoned): its unconfirmed outputs go, with every own unconfirmed tx spending
// them (recursively), and its inputs become unspent again. Unknown txids are a
// no-op.
func (w *Wallet) DropUnconfirmed(rw ReadWriter, txid chainhash.Hash) error {
	tx, ok, err := unconfirmedTx(rw, txid)
	if err != nil || !ok {
		return err
	}
	for vout := range tx.TxOut {
		op := wire.OutPoint{Hash: txid, Index: uint32(vout)}
		rec, ok, err := getRecord(rw, op)
		if err != nil {
			return err
		}
		if !ok || rec.Confirmed() {
			continue
		}
		if rec.spentBy != nil {
			if err := w.DropUnconfirmed(rw, *rec.spentBy); err != nil {
				return err
			}
		}
		if err := rw.Delete(keyUTXO(op), nil); err != nil {
			return fmt.Errorf("wallet utxo: %w", err)
		}
	}
	for _, in := range tx.TxIn {
		rec, ok, err := getRecord(rw, in.PreviousOutPoint)
		if err != nil {
			return err
		}
		if !ok || rec.spentBy == nil || *rec.spentBy != txid {
			continue
		}
		rec.spentBy = nil
		if err := putRecord(rw, &rec); err != nil {
			return err
		}
	}
	if err := rw.Delete(keyUnconf(txid), nil); err != nil {
		return fmt.Errorf("wallet unconfirmed: %w", err)
	}
	return nil
}

// unconfirmedTx reads an own unconfirmed tx.
func unconfirmedTx(r Reader, txid chainhash.Hash) (*wire.MsgTx, bool, error) {
	v, ok, err := store.Get(r, keyUnconf(txid))
	if err != nil || !ok {
		if err != nil {
			err = fmt.Errorf("wallet unconfirmed: %w", err)
		}
		return nil, false, err
	}
	tx := new(wire.MsgTx)
	if err := tx.Deserialize(bytes.NewReader(v)); err != nil {
		return nil, false, fmt.Errorf("%w: unconfirmed tx %s: %w", ErrCorrupt, txid, err)
	}
	return tx, true, nil
}

// Unconfirmed returns the own txs recorded by AddUnconfirmed and not yet in a
// block, parents before children, otherwise by txid bytes: the order to
// rebroadcast them in.
func (w *Wallet) Unconfirmed(r Reader) (txs []*wire.MsgTx, err error) {
	it, err := r.NewIter(store.PrefixIterOptions([]byte{prefixUnconf}))
	if err != nil {
		return nil, fmt.Errorf("wallet unconfirmed: %w", err)
	}
	byID := map[chainhash.Hash]*wire.MsgTx{}
	var ids []chainhash.Hash
	for valid := it.First(); valid; valid = it.Next() {
		kr := store.ReadKey(it.Key(), prefixUnconf)
		id := chainhash.Hash(kr.B32())
		if err := kr.Done(); err != nil {
			it.Close()
			return nil, fmt.Errorf("wallet unconfirmed: %w", err)
		}
		tx := new(wire.MsgTx)
		if err := tx.Deserialize(bytes.NewReader(it.Value())); err != nil {
			it.Close()
			return nil, fmt.Errorf("%w: unconfirmed tx %s: %w", ErrCorrupt, id, err)
		}
		byID[id] = tx
		ids = append(ids, id)
	}
	if err := errors.Join(it.Error(), it.Close()); err != nil {
		return nil, fmt.Errorf("wallet unconfirmed: %w", err)
	}
	slices.SortFunc(ids, func(a, b chainhash.Hash) int { return bytes.Compare(a[:], b[:]) })
	done := map[chainhash.Hash]bool{}
	var visit func(id chainhash.Hash)
	visit = func(id chainhash.Hash) {
		if done[id] {
			return
		}
		done[id] = true
		for _, in := range byID[id].TxIn {
			if _, ok := byID[in.PreviousOutPoint.Hash]; ok {
				visit(in.PreviousOutPoint.Hash)
			}
		}
		txs = append(txs, byID[id])
	}
	for _, id := range ids {
		visit(id)
	}
	return txs, nil
}
