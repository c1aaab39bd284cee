package statemachine

import (
	"encoding"
	"encoding/binary"
	"fmt"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/cockroachdb/pebble/v2"
)

// Queries read the state namespace through a State (NewReadState over a pebble.Reader
// for a database or snapshot). They are what the indexer serves and the mempool reads.

// getRecord reads key into v; ok is false when the key is absent.
func getRecord(st State, key []byte, v encoding.BinaryUnmarshaler) (bool, error) {
	b, ok, err := st.Get(key)
	if err != nil || !ok {
		return false, err
	}
	if err := v.UnmarshalBinary(b); err != nil {
		return false, fmt.Errorf("state record %x: %w", key, err)
	}
	return true, nil
}

// putRecord writes v's encoding at key.
func putRecord(st State, key []byte, v encoding.BinaryMarshaler) error {
	b, err := v.MarshalBinary()
	if err != nil {
		return fmt.Errorf("state record %x: %w", key, err)
	}
	return st.Set(key, b)
}

// GetAccount returns the account of key; an absent account is the zero Account.
func GetAccount(st State, key [32]byte) (Account, error) {
	var a Account
	_, err := getRecord(st, AccountKey(key), &a)
	return a, err
}

// GetModel returns the model with id.
func GetModel(st State, id bitai.ID) (Model, bool, error) {
	var m Model
	ok, err := getRecord(st, ModelKey(id), &m)
	return m, ok, err
}

// GetEternal returns the Eternal with id.
func GetEternal(st State, id bitai.ID) (Eternal, bool, error) {
	var e Eternal
	ok, err := getRecord(st, EternalKey(id), &e)
	return e, ok, err
}

// GetChain returns the chain with id.
func GetChain(st State, id bitai.ID) (Chain, bool, error) {
	var c Chain
	ok, err := getRecord(st, ChainKey(id), &c)
	return c, ok, err
}

// GetRotation returns a chain's pending sequencer rotation, if any.
func GetRotation(st State, chainID bitai.ID) (Rotation, bool, error) {
	var r Rotation
	ok, err := getRecord(st, RotationKey(chainID), &r)
	return r, ok, err
}

// GetRequest returns the request with id.
func GetRequest(st State, id bitai.ID) (Request, bool, error) {
	var q Request
	ok, err := getRecord(st, RequestKey(id), &q)
	return q, ok, err
}

// GetDeposit returns the deposit with id.
func GetDeposit(st State, id bitai.ID) (Deposit, bool, error) {
	var d Deposit
	ok, err := getRecord(st, DepositKey(id), &d)
	return d, ok, err
}

// GetMessage returns the message with id.
func GetMessage(st State, id bitai.ID) (Message, bool, error) {
	var m Message
	ok, err := getRecord(st, MessageKey(id), &m)
	return m, ok, err
}

// GetChunkSet returns the open chunk set of (inscriber, payloadHash), if any.
func GetChunkSet(st State, inscriber, payloadHash [32]byte) (*bitai.PendingSet, error) {
	b, ok, err := st.Get(ChunkSetKey(inscriber, payloadHash))
	if err != nil || !ok {
		return nil, err
	}
	var s bitai.PendingSet
	if err := s.UnmarshalBinary(b); err != nil {
		return nil, fmt.Errorf("chunk set: %w", err)
	}
	return &s, nil
}

// GetSettlement returns a chain's settlement state (rule S-23).
func GetSettlement(st State, chainID bitai.ID) (Settlement, bool, error) {
	var s Settlement
	ok, err := getRecord(st, SettlementKey(chainID), &s)
	return s, ok, err
}

// GetExit returns the paid Exit of a chain's account index (rule S-24).
func GetExit(st State, chainID bitai.ID, accountIndex uint64) (ExitRecord, bool, error) {
	var e ExitRecord
	ok, err := getRecord(st, ExitKey(chainID, accountIndex), &e)
	return e, ok, err
}

// GetPendingChunkBytes returns the chunk bytes held in open sets of inscriber.
func GetPendingChunkBytes(st State, inscriber [32]byte) (uint64, error) {
	return getU64(st, ChunkBytesKey(inscriber))
}

// InboxLen returns the number of entries in a chain's inbox.
func InboxLen(st State, chainID bitai.ID) (uint64, error) {
	return getU64(st, InboxLenKey(chainID))
}

// InboxEntries returns a chain's inbox entries with index in [from, to), cut at the
// inbox's length.
func InboxEntries(st State, chainID bitai.ID, from, to uint64) ([]InboxEntry, error) {
	n, err := InboxLen(st, chainID)
	if err != nil {
		return nil, err
	}
	to = min(to, n)
	if from >= to {
		return nil, nil
	}
	out := make([]InboxEntry, 0, min(to-from, 1<<16))
	for i := from; i < to; i++ {
		var e InboxEntry
		ok, err := getRecord(st, InboxEntryKey(chainID, i), &e)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("inbox entry %d of %d missing: %w", i, n, ErrRecord)
		}
		out = append(out, e)
	}
	return out, nil
}

// InboxAcc returns acc[i] of a chain's inbox (0 ≤ i ≤ InboxLen) as a 32-byte
// big-endian field element.
func InboxAcc(st State, chainID bitai.ID, i uint64) ([32]byte, bool, error) {
	var acc [32]byte
	b, ok, err := st.Get(InboxAccKey(chainID, i))
	if err != nil || !ok {
		return acc, false, err
	}
	if len(b) != 32 {
		return acc, false, fmt.Errorf("inbox acc: %d bytes: %w", len(b), ErrRecord)
	}
	copy(acc[:], b)
	return acc, true, nil
}

// getU64 reads a u64 value; an absent key is 0.
func getU64(st State, key []byte) (uint64, error) {
	b, ok, err := st.Get(key)
	if err != nil || !ok {
		return 0, err
	}
	if len(b) != 8 {
		return 0, fmt.Errorf("u64 value %x: %d bytes: %w", key, len(b), ErrRecord)
	}
	return binary.BigEndian.Uint64(b), nil
}

// putU64 writes a u64 value, deleting the key for 0 (rule S-2: zero counters are absent).
func putU64(st State, key []byte, v uint64) error {
	if v == 0 {
		return st.Delete(key)
	}
	return st.Set(key, binary.BigEndian.AppendUint64(nil, v))
}

// DumpState visits every key of the state namespace (0x01–0x7f) in ascending order
// with its value: the full ordered dump that two indexers compare. fn must not keep
// the slices.
func DumpState(r pebble.Reader, fn func(key, value []byte) error) error {
	it, err := r.NewIter(&pebble.IterOptions{
		LowerBound: []byte{StateNamespaceFirst},
		UpperBound: []byte{StateNamespaceLast + 1},
	})
	if err != nil {
		return fmt.Errorf("dump state: %w", err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err == nil {
			err = fn(it.Key(), v)
		}
		if err != nil {
			_ = it.Close()
			return err
		}
	}
	if err := it.Close(); err != nil {
		return fmt.Errorf("dump state: %w", err)
	}
	return nil
}

// DumpStateOf is DumpState over a State (for example an Overlay).
func DumpStateOf(st State, fn func(key, value []byte) error) error {
	for p := int(StateNamespaceFirst); p <= int(StateNamespaceLast); p++ {
		err := st.Iterate([]byte{byte(p)}, func(k, v []byte) (bool, error) {
			return true, fn(k, v)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
