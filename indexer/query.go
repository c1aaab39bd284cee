package indexer

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/cockroachdb/pebble/v2"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/statemachine"
	"github.com/bitai-l2/bitai/store"
)

// Query errors; match them with errors.Is (also across the socket).
var (
	// ErrNotFound: the object, tx or height is not in the index.
	ErrNotFound = errors.New("not found")
	// ErrNoIndex: the datadir holds no index yet (the indexer never started there).
	ErrNoIndex = errors.New("no index in datadir")
)

// MaxInboxRange caps the inbox entries one Chain query returns.
const MaxInboxRange = 1 << 12

// Tip is the indexer's committed position.
type Tip struct {
	// Height and Hash are the last applied block; before the activation block is
	// applied they are its parent's (Height = ActivationHeight − 1).
	Height           uint32         `json:"height"`
	Hash             chainhash.Hash `json:"hash"`
	StateHash        Hash32         `json:"state_hash"`
	ActivationHeight uint32         `json:"activation_height"`
	DeploymentID     Hash32         `json:"deployment_id"`
}

// StateHashInfo is the state hash after the block at Height (rule S-21; DESIGN §3.3).
type StateHashInfo struct {
	Height    uint32         `json:"height"`
	BlockHash chainhash.Hash `json:"block_hash"`
	StateHash Hash32         `json:"state_hash"`
}

// BlockInfo is a block's summary and its ordered events.
type BlockInfo struct {
	Summary BlockSummary `json:"summary"`
	Events  []EventView  `json:"events"`
}

// EventView is a statemachine.Event with names for kinds and reasons.
type EventView struct {
	Kind        string         `json:"kind"`
	TxIndex     uint32         `json:"tx_index"`
	Input       uint32         `json:"input"`
	Output      uint32         `json:"output"`
	BitcoinTxID chainhash.Hash `json:"bitcoin_txid"`
	Index       uint32         `json:"index"`
	TxKind      string         `json:"tx_kind,omitempty"`
	TxID        Hash32         `json:"txid"`
	Reason      string         `json:"reason,omitempty"`
	ReasonCode  uint16         `json:"reason_code"`
	Account     Hash32         `json:"account"`
	Amount      uint64         `json:"amount"`
	ID          Hash32         `json:"id"`
}

func viewEvent(e statemachine.Event) EventView {
	v := EventView{
		Kind: e.Kind.String(), TxIndex: e.TxIndex, Input: e.Input, Output: e.Output,
		BitcoinTxID: chainhash.Hash(e.BitcoinTxID), Index: e.Index, TxID: e.TxID,
		ReasonCode: uint16(e.Reason), Account: e.Account, Amount: e.Amount, ID: e.ID,
	}
	if e.TxKind != 0 {
		v.TxKind = e.TxKind.String()
	}
	if e.Reason != 0 {
		v.Reason = statemachine.ReasonName(e.Reason)
	}
	return v
}

// TxInfo is every inclusion of a BitAI tx on the indexed chain, in chain order, and
// the one that counted (applied or failed), if any.
type TxInfo struct {
	TxID       Hash32      `json:"txid"`
	Status     TxStatus    `json:"status"`
	Effective  *Inclusion  `json:"effective,omitempty"`
	Inclusions []Inclusion `json:"inclusions"`
}

// AccountInfo is an account's state; an account never touched is all zero.
type AccountInfo struct {
	Key       Hash32 `json:"key"`
	Balance   uint64 `json:"balance"`
	NextNonce uint64 `json:"next_nonce"`
}

// EternalInfo is an Eternal's state.
type EternalInfo struct {
	ID      bitai.ID             `json:"id"`
	Eternal statemachine.Eternal `json:"eternal"`
}

// RequestInfo is an inference request's state.
type RequestInfo struct {
	ID      bitai.ID             `json:"id"`
	Request statemachine.Request `json:"request"`
}

// ChainInfo is an AI chain's record and a window [From, From+len(Entries)) of its
// inbox with the accumulators acc[From] … acc[From+len(Entries)].
type ChainInfo struct {
	ID       bitai.ID                  `json:"id"`
	Chain    statemachine.Chain        `json:"chain"`
	Rotation *statemachine.Rotation    `json:"rotation,omitempty"`
	InboxLen uint64                    `json:"inbox_len"`
	From     uint64                    `json:"from"`
	Entries  []statemachine.InboxEntry `json:"entries"`
	Acc      []Hash32                  `json:"acc"`
}

// Reader answers queries from one consistent view of an index: a pebble snapshot,
// a database nobody writes, or a batch. It does not close r.
type Reader struct {
	r  pebble.Reader
	st statemachine.State
}

// NewReader returns a Reader over r.
func NewReader(r pebble.Reader) *Reader {
	return &Reader{r: r, st: statemachine.NewReadState(r)}
}

// meta returns the datadir's meta record; ErrNoIndex when there is none.
func (q *Reader) meta() (meta, error) {
	b, ok, err := store.Get(q.r, metaKey())
	if err != nil {
		return meta{}, fmt.Errorf("index meta: %w", err)
	}
	if !ok {
		return meta{}, ErrNoIndex
	}
	return decodeMeta(b)
}

// cursor returns the committed tip.
func (q *Reader) cursor() (cursor, error) {
	b, ok, err := store.Get(q.r, cursorKey())
	if err != nil {
		return cursor{}, fmt.Errorf("index cursor: %w", err)
	}
	if !ok {
		return cursor{}, ErrNoIndex
	}
	return decodeCursor(b)
}

// Tip returns the committed tip and its state hash.
func (q *Reader) Tip() (Tip, error) {
	m, err := q.meta()
	if err != nil {
		return Tip{}, err
	}
	c, err := q.cursor()
	if err != nil {
		return Tip{}, err
	}
	t := Tip{Height: c.Height, Hash: c.Hash, ActivationHeight: m.ActivationHeight, DeploymentID: m.DeploymentID}
	if c.Height+1 == m.ActivationHeight {
		t.StateHash = initialStateHash(m)
		return t, nil
	}
	sh, err := q.StateHash(c.Height)
	if err != nil {
		return Tip{}, err
	}
	t.StateHash = sh.StateHash
	return t, nil
}

// initialStateHash is rule S-21's stateHash_{activation−1}, from the deploymentID the
// datadir was built for (statemachine.InitialStateHash tags the deploymentID alone).
func initialStateHash(m meta) Hash32 {
	return Hash32(*chainhash.TaggedHash([]byte("BitAI/state0"), m.DeploymentID[:]))
}

// StateHash returns the state hash after the block at height; ErrNotFound for a
// height not indexed (above the tip or below activation).
func (q *Reader) StateHash(height uint32) (StateHashInfo, error) {
	sh, ok, err := store.Get(q.r, stateHashKey(height))
	if err != nil {
		return StateHashInfo{}, fmt.Errorf("state hash %d: %w", height, err)
	}
	if !ok {
		return StateHashInfo{}, fmt.Errorf("state hash at height %d: %w", height, ErrNotFound)
	}
	bh, ok, err := store.Get(q.r, blockHashKey(height))
	if err != nil || !ok || len(bh) != 32 || len(sh) != 32 {
		return StateHashInfo{}, fmt.Errorf("state hash %d: inconsistent index records (err %v)", height, err)
	}
	info := StateHashInfo{Height: height}
	copy(info.BlockHash[:], bh)
	copy(info.StateHash[:], sh)
	return info, nil
}

// Block returns the summary and events of the indexed block at height.
func (q *Reader) Block(height uint32) (BlockInfo, error) {
	b, ok, err := store.Get(q.r, summaryKey(height))
	if err != nil {
		return BlockInfo{}, fmt.Errorf("block %d: %w", height, err)
	}
	if !ok {
		return BlockInfo{}, fmt.Errorf("block at height %d: %w", height, ErrNotFound)
	}
	s, err := decodeSummary(height, b)
	if err != nil {
		return BlockInfo{}, err
	}
	evs, err := q.events(height)
	if err != nil {
		return BlockInfo{}, err
	}
	info := BlockInfo{Summary: s, Events: make([]EventView, len(evs))}
	for i, e := range evs {
		info.Events[i] = viewEvent(e)
	}
	return info, nil
}

// events returns the ordered events of the indexed block at height.
func (q *Reader) events(height uint32) ([]statemachine.Event, error) {
	b, ok, err := store.Get(q.r, eventsKey(height))
	if err != nil || !ok {
		return nil, fmt.Errorf("block %d events: missing record (err %v)", height, err)
	}
	evs, err := decodeEvents(b)
	if err != nil {
		return nil, fmt.Errorf("block %d: %w", height, err)
	}
	return evs, nil
}

// Tx returns every inclusion of the BitAI tx txid; ErrNotFound when it never
// appeared on the indexed chain.
func (q *Reader) Tx(txid Hash32) (TxInfo, error) {
	it, err := q.r.NewIter(store.PrefixIterOptions(inclusionPrefix(txid)))
	if err != nil {
		return TxInfo{}, fmt.Errorf("tx %s: %w", txid, err)
	}
	defer it.Close()
	info := TxInfo{TxID: txid}
	for ok := it.First(); ok; ok = it.Next() {
		kr := store.ReadKey(it.Key(), prefixInclusion)
		kr.B32()
		h, idx := kr.U32(), kr.U32()
		if err := kr.Done(); err != nil {
			return TxInfo{}, fmt.Errorf("tx %s: inclusion key: %w", txid, err)
		}
		inc, err := q.inclusion(h, idx)
		if err != nil {
			return TxInfo{}, fmt.Errorf("tx %s: %w", txid, err)
		}
		info.Inclusions = append(info.Inclusions, inc)
	}
	if len(info.Inclusions) == 0 {
		return TxInfo{}, fmt.Errorf("tx %s: %w", txid, ErrNotFound)
	}
	info.Status = TxSkipped
	for i := range info.Inclusions {
		if s := info.Inclusions[i].Status; s == TxApplied || s == TxFailed {
			info.Status, info.Effective = s, &info.Inclusions[i]
			break
		}
	}
	return info, nil
}

// inclusion reads event idx of the block at height h (the events record is decoded in
// place, not copied).
func (q *Reader) inclusion(h, idx uint32) (Inclusion, error) {
	inc := Inclusion{Height: h, EventIndex: idx}
	bh, ok, err := store.Get(q.r, blockHashKey(h))
	if err != nil || !ok || len(bh) != 32 {
		return inc, fmt.Errorf("inclusion at %d: block hash record missing (err %v)", h, err)
	}
	copy(inc.BlockHash[:], bh)
	v, closer, err := q.r.Get(eventsKey(h))
	if err != nil {
		return inc, fmt.Errorf("inclusion at %d: events record: %w", h, err)
	}
	defer closer.Close()
	off := 4 + int(idx)*statemachine.EventLen
	if len(v) < 4 || idx >= binary.BigEndian.Uint32(v) || len(v) < off+statemachine.EventLen {
		return inc, fmt.Errorf("inclusion at %d: no event %d", h, idx)
	}
	e, err := statemachine.DecodeEvent(v[off : off+statemachine.EventLen])
	if err != nil {
		return inc, fmt.Errorf("inclusion at %d: %w", h, err)
	}
	return fillInclusion(inc, e), nil
}

// Account returns an account's balance and next nonce.
func (q *Reader) Account(key Hash32) (AccountInfo, error) {
	a, err := statemachine.GetAccount(q.st, key)
	if err != nil {
		return AccountInfo{}, fmt.Errorf("account %s: %w", key, err)
	}
	return AccountInfo{Key: key, Balance: a.Balance, NextNonce: a.NextNonce}, nil
}

// Eternal returns an Eternal's state.
func (q *Reader) Eternal(id bitai.ID) (EternalInfo, error) {
	e, ok, err := statemachine.GetEternal(q.st, id)
	if err == nil && !ok {
		err = ErrNotFound
	}
	if err != nil {
		return EternalInfo{}, fmt.Errorf("eternal %s: %w", id, err)
	}
	return EternalInfo{ID: id, Eternal: e}, nil
}

// Request returns an inference request's state.
func (q *Reader) Request(id bitai.ID) (RequestInfo, error) {
	r, ok, err := statemachine.GetRequest(q.st, id)
	if err == nil && !ok {
		err = ErrNotFound
	}
	if err != nil {
		return RequestInfo{}, fmt.Errorf("request %s: %w", id, err)
	}
	return RequestInfo{ID: id, Request: r}, nil
}

// Chain returns a chain's record and its inbox entries [from, to) (cut at the inbox's
// length and at MaxInboxRange entries) with their accumulators.
func (q *Reader) Chain(id bitai.ID, from, to uint64) (ChainInfo, error) {
	c, ok, err := statemachine.GetChain(q.st, id)
	if err == nil && !ok {
		err = ErrNotFound
	}
	if err != nil {
		return ChainInfo{}, fmt.Errorf("chain %s: %w", id, err)
	}
	info := ChainInfo{ID: id, Chain: c, From: from}
	if rot, ok, err := statemachine.GetRotation(q.st, id); err != nil {
		return ChainInfo{}, fmt.Errorf("chain %s rotation: %w", id, err)
	} else if ok {
		info.Rotation = &rot
	}
	if info.InboxLen, err = statemachine.InboxLen(q.st, id); err != nil {
		return ChainInfo{}, fmt.Errorf("chain %s inbox: %w", id, err)
	}
	to = min(to, info.InboxLen, from+MaxInboxRange)
	if info.Entries, err = statemachine.InboxEntries(q.st, id, from, to); err != nil {
		return ChainInfo{}, fmt.Errorf("chain %s inbox: %w", id, err)
	}
	if from > info.InboxLen {
		return info, nil
	}
	for i := from; i <= from+uint64(len(info.Entries)); i++ {
		acc, ok, err := statemachine.InboxAcc(q.st, id, i)
		if err != nil {
			return ChainInfo{}, fmt.Errorf("chain %s acc[%d]: %w", id, i, err)
		}
		if !ok {
			return ChainInfo{}, fmt.Errorf("chain %s acc[%d]: missing record", id, i)
		}
		info.Acc = append(info.Acc, acc)
	}
	return info, nil
}

// Dump visits every key of the state namespace in ascending order (the full ordered
// dump two indexers compare) and returns the tip it belongs to. fn must not keep the
// slices.
func (q *Reader) Dump(fn func(key, value []byte) error) (Tip, error) {
	t, err := q.Tip()
	if err != nil {
		return Tip{}, err
	}
	return t, statemachine.DumpState(q.r, fn)
}

// hashAt returns the stored block hash at height h (HashAt for the follower).
func hashAt(r pebble.Reader, m meta, h int32) (chainhash.Hash, bool, error) {
	var hash chainhash.Hash
	if h < 0 || uint32(h)+1 < m.ActivationHeight {
		return hash, false, nil
	}
	if uint32(h)+1 == m.ActivationHeight {
		return m.BaseHash, true, nil
	}
	b, ok, err := store.Get(r, blockHashKey(uint32(h)))
	if err != nil || !ok {
		return hash, false, err
	}
	if len(b) != 32 {
		return hash, false, fmt.Errorf("block hash %d: %d bytes", h, len(b))
	}
	copy(hash[:], b)
	return hash, true, nil
}

// kindCounts counts events by kind.
func kindCounts(evs []statemachine.Event) []uint32 {
	var n int
	for _, e := range evs {
		n = max(n, int(e.Kind)+1)
	}
	counts := make([]uint32, min(n, maxSummaryKinds))
	for _, e := range evs {
		if int(e.Kind) < len(counts) {
			counts[e.Kind]++
		}
	}
	return counts
}
