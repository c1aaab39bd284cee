package wallet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/bitai-l2/bitai/store"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/cockroachdb/pebble/v2"
)

// Reader is what the wallet reads: the database, a batch or a store.Recorder.
type Reader = pebble.Reader

// ReadWriter is what the wallet writes through: an indexed batch or a
// store.Recorder (whose undo record then reverts the wallet's writes too).
type ReadWriter interface {
	pebble.Reader
	pebble.Writer
}

// DefaultLookahead is the gap of derived but unused addresses per branch that New
// callers should pass unless they have a reason not to (BIP44's gap limit).
const DefaultLookahead = 20

// owner says which key a wallet script belongs to.
type owner struct{ branch, index uint32 }

// Wallet is the UTXO set and address cursors over pebble. It keeps no state beyond
// a cache of derived scripts: for each branch, every index below the stored cursor
// plus the lookahead (a superset of what the database implies, which is harmless
// after a disconnect rolls the cursor back). Its methods are safe for concurrent
// use; their reads and writes are as consistent as the Reader/ReadWriter given.
type Wallet struct {
	keys      *Keys
	lookahead uint32

	mu      sync.Mutex
	scripts map[string]owner // pkScript → key
	derived [2]uint32        // indexes derived per branch
}

// New returns a wallet over keys that derives lookahead addresses beyond the
// last one used or handed out on each branch (at least 1).
func New(keys *Keys, lookahead uint32) (*Wallet, error) {
	if keys == nil {
		return nil, errors.New("wallet: nil keys")
	}
	if lookahead < 1 {
		return nil, errors.New("wallet: lookahead must be at least 1")
	}
	w := &Wallet{keys: keys, lookahead: lookahead, scripts: map[string]owner{}}
	w.scripts[string(keys.inscScript)] = owner{BranchInscriber, 0}
	for b := range w.derived {
		if err := w.deriveTo(uint32(b), lookahead); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// Keys returns the wallet's keys.
func (w *Wallet) Keys() *Keys { return w.keys }

// deriveTo caches the scripts of branch's indexes below n. Callers hold no lock.
func (w *Wallet) deriveTo(branch, n uint32) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for ; w.derived[branch] < n; w.derived[branch]++ {
		_, script, err := w.keys.Address(branch, w.derived[branch])
		if err != nil {
			return err
		}
		w.scripts[string(script)] = owner{branch, w.derived[branch]}
	}
	return nil
}

// sync extends the cache to the stored cursors plus the lookahead.
func (w *Wallet) sync(r Reader) error {
	for b := BranchExternal; b <= BranchChange; b++ {
		next, err := w.next(r, b)
		if err != nil {
			return err
		}
		if err := w.deriveTo(b, next+w.lookahead); err != nil {
			return err
		}
	}
	return nil
}

// next reads branch's cursor (0 when unset).
func (w *Wallet) next(r Reader, branch uint32) (uint32, error) {
	v, ok, err := store.Get(r, keyNext(branch))
	switch {
	case err != nil:
		return 0, fmt.Errorf("wallet cursor: %w", err)
	case !ok:
		return 0, nil
	case len(v) != 4:
		return 0, fmt.Errorf("%w: cursor of branch %d has %d bytes", ErrCorrupt, branch, len(v))
	}
	return binary.BigEndian.Uint32(v), nil
}

// markUsed moves branch's cursor past index (if it is not already) and extends
// the cache, so the lookahead always reaches beyond the last used address.
func (w *Wallet) markUsed(rw ReadWriter, branch, index uint32) error {
	next, err := w.next(rw, branch)
	if err != nil || index < next {
		return err
	}
	if err := rw.Set(keyNext(branch), binary.BigEndian.AppendUint32(nil, index+1), nil); err != nil {
		return fmt.Errorf("wallet cursor: %w", err)
	}
	return w.deriveTo(branch, index+1+w.lookahead)
}

// NextAddress hands out the next unused address of branch (BranchExternal or
// BranchChange): its untweaked private key and P2TR pkScript. The cursor moves in
// rw, so an address handed out in a batch that is never committed is handed out
// again.
func (w *Wallet) NextAddress(rw ReadWriter, branch uint32) (*btcec.PrivateKey, []byte, error) {
	if branch > BranchChange {
		return nil, nil, fmt.Errorf("%w: branch %d", ErrBranch, branch)
	}
	idx, err := w.next(rw, branch)
	if err != nil {
		return nil, nil, err
	}
	priv, script, err := w.keys.Address(branch, idx)
	if err != nil {
		return nil, nil, err
	}
	if err := w.markUsed(rw, branch, idx); err != nil {
		return nil, nil, err
	}
	return priv, script, nil
}

// WatchScript makes outputs paying pkScript the wallet's (BranchWatched, Tag =
// tag), from the next ConnectBlock or AddUnconfirmed on. Watching again replaces
// the tag.
func (w *Wallet) WatchScript(rw ReadWriter, pkScript []byte, tag []byte) error {
	if len(pkScript) == 0 || len(pkScript) > MaxScriptLen {
		return fmt.Errorf("wallet watch: script length %d not in [1, %d]", len(pkScript), MaxScriptLen)
	}
	if len(tag) > MaxTagLen {
		return fmt.Errorf("wallet watch: tag length %d > %d", len(tag), MaxTagLen)
	}
	if err := rw.Set(keyWatched(pkScript), tag, nil); err != nil {
		return fmt.Errorf("wallet watch: %w", err)
	}
	return nil
}

// UnwatchScript stops watching pkScript; outputs already recorded stay.
func (w *Wallet) UnwatchScript(rw ReadWriter, pkScript []byte) error {
	if err := rw.Delete(keyWatched(pkScript), nil); err != nil {
		return fmt.Errorf("wallet unwatch: %w", err)
	}
	return nil
}

// match says whether pkScript is the wallet's and whose.
func (w *Wallet) match(r Reader, pkScript []byte) (o owner, tag []byte, ok bool, err error) {
	w.mu.Lock()
	o, ok = w.scripts[string(pkScript)]
	w.mu.Unlock()
	if ok || len(pkScript) == 0 || len(pkScript) > MaxScriptLen {
		return o, nil, ok, nil
	}
	tag, ok, err = store.Get(r, keyWatched(pkScript))
	if err != nil {
		return o, nil, false, fmt.Errorf("wallet watch: %w", err)
	}
	if len(tag) == 0 {
		tag = nil
	}
	return owner{BranchWatched, 0}, tag, ok, nil
}

// Tip returns the height of the last block ConnectBlock applied (ok false before
// the first).
func (w *Wallet) Tip(r Reader) (height int32, ok bool, err error) {
	v, ok, err := store.Get(r, keyTip())
	switch {
	case err != nil:
		return 0, false, fmt.Errorf("wallet tip: %w", err)
	case !ok:
		return 0, false, nil
	case len(v) != 4:
		return 0, false, fmt.Errorf("%w: tip has %d bytes", ErrCorrupt, len(v))
	}
	return int32(binary.BigEndian.Uint32(v)), true, nil
}
