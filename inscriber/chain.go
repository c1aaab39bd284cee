package inscriber

import (
	"context"
	"fmt"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/cockroachdb/pebble/v2"

	"github.com/bitai-l2/bitai/btcnode/follow"
	"github.com/bitai-l2/bitai/store"
)

// Block processing: the inscriber is the one consumer of btcnode/follow for its
// database. Each Connect applies, in one store.Recorder batch committed with
// pebble.Sync, the wallet's ConnectBlock, the confirmations of our transactions
// (keyConf), the foreign spends of our inputs (keySpent), the block's undo record,
// its hash and the cursor, so wallet, payload facts and cursor never disagree after a
// crash (DESIGN §3.3, §3.5). Disconnect applies the stored undo record.

// cursor = height u32 ‖ hash[32]
func encodeCursor(id follow.BlockID) []byte {
	e := &enc{}
	e.i32(id.Height)
	e.hash(id.Hash)
	return e.b
}

// readCursor returns the committed tip; ok is false before the first start.
func readCursor(r pebble.Reader) (id follow.BlockID, ok bool, err error) {
	v, ok, err := store.Get(r, cursorKey())
	if err != nil || !ok {
		return id, false, err
	}
	d := &dec{b: v}
	id.Height = d.i32()
	id.Hash = d.hash()
	return id, true, d.done("cursor")
}

// initCursor returns the committed tip, or on a new database the block at
// Config.StartHeight (the node's tip for 0), which it stores as the first cursor.
func (in *Inscriber) initCursor(ctx context.Context) (follow.BlockID, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if id, ok, err := readCursor(in.db.Pebble()); err != nil || ok {
		return id, err
	}
	var start follow.BlockID
	if in.cfg.StartHeight <= 0 {
		tip, err := in.cfg.Node.BestBlock(ctx)
		if err != nil {
			return start, fmt.Errorf("start block: %w", err)
		}
		start = tip
	} else {
		h, err := in.cfg.Node.BlockHash(ctx, in.cfg.StartHeight)
		if err != nil {
			return start, fmt.Errorf("start block %d: %w", in.cfg.StartHeight, err)
		}
		start = follow.BlockID{Hash: h, Height: in.cfg.StartHeight}
	}
	err := in.db.Update(ctx, func(w pebble.Writer) error {
		if err := w.Set(hashKey(start.Height), start.Hash[:], nil); err != nil {
			return err
		}
		return w.Set(cursorKey(), encodeCursor(start), nil)
	})
	if err != nil {
		return start, fmt.Errorf("start block: %w", err)
	}
	in.log.Info("following the chain from its start block", "height", start.Height, "hash", start.Hash)
	return start, nil
}

// hashAt is the follower's lookup into the stored block hashes.
func (in *Inscriber) hashAt(height int32) (chainhash.Hash, bool, error) {
	v, ok, err := store.Get(in.db.Pebble(), hashKey(height))
	if err != nil || !ok {
		return chainhash.Hash{}, false, err
	}
	h, err := chainhash.NewHash(v)
	if err != nil {
		return chainhash.Hash{}, false, fmt.Errorf("block hash at %d: %w", height, err)
	}
	return *h, true, nil
}

// handle applies one follower event.
func (in *Inscriber) handle(ctx context.Context, ev follow.Event) error {
	in.mu.Lock()
	var err error
	switch ev.Kind {
	case follow.Connect:
		err = in.connect(ctx, ev)
	case follow.Disconnect:
		err = in.disconnect(ctx, ev)
	}
	in.mu.Unlock()
	if err != nil {
		return err
	}
	in.point("block")
	in.notifyChanged()
	in.kick()
	return nil
}

// connect applies a block on top of the cursor.
func (in *Inscriber) connect(ctx context.Context, ev follow.Event) error {
	rec := in.db.NewRecorder()
	defer rec.Close()
	if err := in.cfg.Wallet.ConnectBlock(rec, ev.Height, ev.Block); err != nil {
		return fmt.Errorf("block %d: wallet: %w", ev.Height, err)
	}
	c := conf{Height: ev.Height, Hash: ev.Hash}.marshal()
	for _, tx := range ev.Block.Transactions {
		txid := tx.TxHash()
		_, ours, err := store.Get(rec, txKey(txid))
		if err != nil {
			return fmt.Errorf("block %d: %w", ev.Height, err)
		}
		if ours {
			if err := rec.Set(confKey(txid), c, nil); err != nil {
				return fmt.Errorf("block %d: %w", ev.Height, err)
			}
			continue
		}
		for _, txin := range tx.TxIn {
			_, watched, err := store.Get(rec, inputKey(txin.PreviousOutPoint))
			if err != nil {
				return fmt.Errorf("block %d: %w", ev.Height, err)
			}
			if !watched {
				continue
			}
			in.log.Warn("a foreign transaction spent an input of ours", "height", ev.Height,
				"outpoint", txin.PreviousOutPoint, "spender", txid)
			if err := rec.Set(spentKey(txin.PreviousOutPoint), spent{By: txid, Height: ev.Height}.marshal(), nil); err != nil {
				return fmt.Errorf("block %d: %w", ev.Height, err)
			}
		}
	}
	undo, err := rec.Undo().MarshalBinary()
	if err != nil {
		return fmt.Errorf("block %d: undo: %w", ev.Height, err)
	}
	u := rec.Unrecorded()
	for _, kv := range [][2][]byte{
		{undoKey(ev.Height), undo},
		{hashKey(ev.Height), ev.Hash[:]},
		{cursorKey(), encodeCursor(follow.BlockID{Hash: ev.Hash, Height: ev.Height})},
	} {
		if err := u.Set(kv[0], kv[1], nil); err != nil {
			return fmt.Errorf("block %d: %w", ev.Height, err)
		}
	}
	if err := rec.Commit(ctx); err != nil {
		return fmt.Errorf("block %d: commit: %w", ev.Height, err)
	}
	in.log.Debug("block connected", "height", ev.Height, "hash", ev.Hash, "txs", len(ev.Block.Transactions))
	return nil
}

// disconnect reverts the cursor block with its undo record.
func (in *Inscriber) disconnect(ctx context.Context, ev follow.Event) error {
	raw, ok, err := store.Get(in.db.Pebble(), undoKey(ev.Height))
	if err != nil {
		return fmt.Errorf("disconnect %d: %w", ev.Height, err)
	}
	if !ok {
		return fmt.Errorf("disconnect %d: no undo record", ev.Height)
	}
	var undo store.Undo
	if err := undo.UnmarshalBinary(raw); err != nil {
		return fmt.Errorf("disconnect %d: %w", ev.Height, err)
	}
	parent := follow.BlockID{Hash: ev.Block.Header.PrevBlock, Height: ev.Height - 1}
	err = in.db.Update(ctx, func(w pebble.Writer) error {
		if err := undo.Apply(w); err != nil {
			return err
		}
		if err := w.Delete(undoKey(ev.Height), nil); err != nil {
			return err
		}
		if err := w.Delete(hashKey(ev.Height), nil); err != nil {
			return err
		}
		return w.Set(cursorKey(), encodeCursor(parent), nil)
	})
	if err != nil {
		return fmt.Errorf("disconnect %d: %w", ev.Height, err)
	}
	in.log.Info("block disconnected", "height", ev.Height, "hash", ev.Hash)
	return nil
}
