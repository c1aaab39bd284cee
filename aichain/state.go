package aichain

import (
	"maps"
	"slices"

	"github.com/bitai-l2/bitai/zkhash"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// keyRef is one entry of the native sorted key list (rule L-3).
type keyRef struct {
	kh  fr.Element
	idx uint32
}

// epochEntry is an epoch leaf with the member array it commits to.
type epochEntry struct {
	leaf    EpochLeaf
	members []uint32
}

// state is the L2 state (rule L-2) with a journal: every mutation during a batch
// logs its inverse, so a failed batch is rolled back exactly. Tree roots are
// recomputed lazily, over the leaves marked dirty since the last root.
type state struct {
	accounts []Account
	byKey    map[[32]byte]uint32
	keyOrder []keyRef // ascending KeyHash, native index for the key list
	keyHead  fr.Element
	requests map[uint16]Request
	live     []uint32 // the live miner array (rule L-5)
	epochs   []epochEntry
	supply   uint64
	// inboxNext is the index of the next inbox entry to consume (prev.inboxTo).
	inboxNext uint64
	// lastL1 is the l1Height of the last batch (0 at genesis).
	lastL1 uint32

	accTree, reqTree, epochTree, liveTree     *tree
	dirtyAcc, dirtyReq, dirtyEpoch, dirtyLive map[uint64]struct{}

	journal []func()
}

func newState() *state {
	return &state{
		byKey: map[[32]byte]uint32{}, requests: map[uint16]Request{},
		accTree: newTree(AccountLevels), reqTree: newTree(RequestLevels),
		epochTree: newTree(EpochLevels), liveTree: newTree(MinerLevels),
		dirtyAcc: map[uint64]struct{}{}, dirtyReq: map[uint64]struct{}{},
		dirtyEpoch: map[uint64]struct{}{}, dirtyLive: map[uint64]struct{}{},
	}
}

func (s *state) clone() *state {
	c := &state{
		accounts: slices.Clone(s.accounts), byKey: maps.Clone(s.byKey),
		keyOrder: slices.Clone(s.keyOrder), keyHead: s.keyHead,
		requests: maps.Clone(s.requests), live: slices.Clone(s.live),
		epochs: slices.Clone(s.epochs), supply: s.supply, inboxNext: s.inboxNext, lastL1: s.lastL1,
		accTree: s.accTree.clone(), reqTree: s.reqTree.clone(),
		epochTree: s.epochTree.clone(), liveTree: s.liveTree.clone(),
		dirtyAcc: maps.Clone(s.dirtyAcc), dirtyReq: maps.Clone(s.dirtyReq),
		dirtyEpoch: maps.Clone(s.dirtyEpoch), dirtyLive: maps.Clone(s.dirtyLive),
	}
	return c
}

func (s *state) log(undo func()) { s.journal = append(s.journal, undo) }

// rollback undoes every journaled mutation, newest first. Dirty marks stay:
// rehashing an unchanged leaf is harmless.
func (s *state) rollback() {
	for i := len(s.journal) - 1; i >= 0; i-- {
		s.journal[i]()
	}
	s.journal = s.journal[:0]
}

func (s *state) commit() { s.journal = s.journal[:0] }

// --- accounts

func (s *state) account(i uint32) (Account, bool) {
	if uint64(i) >= uint64(len(s.accounts)) {
		return Account{}, false
	}
	return s.accounts[i], true
}

func (s *state) setAccount(i uint32, a Account) {
	old := s.accounts[i]
	s.log(func() { s.accounts[i] = old })
	s.accounts[i] = a
	s.dirtyAcc[uint64(i)] = struct{}{}
}

// createAccount appends an account for the key and links it into the key list
// (rule L-3): the new leaf takes its predecessor's Next, and the predecessor (or
// the list head) points to the new key.
func (s *state) createAccount(key [32]byte, p zkhash.Point) uint32 {
	idx := uint32(len(s.accounts))
	kh := KeyHash(&p)
	pos, _ := slices.BinarySearchFunc(s.keyOrder, kh, func(r keyRef, t fr.Element) int { return r.kh.Cmp(&t) })
	a := Account{Key: key, Point: p}
	if pos == 0 {
		a.Next = s.keyHead
		s.setKeyHead(kh)
	} else {
		pred := s.keyOrder[pos-1].idx
		pa := s.accounts[pred]
		a.Next = pa.Next
		pa.Next = kh
		s.setAccount(pred, pa)
	}
	s.accounts = append(s.accounts, a)
	s.byKey[key] = idx
	s.keyOrder = slices.Insert(s.keyOrder, pos, keyRef{kh: kh, idx: idx})
	s.dirtyAcc[uint64(idx)] = struct{}{}
	s.log(func() {
		s.accounts = s.accounts[:idx]
		delete(s.byKey, key)
		s.keyOrder = slices.Delete(s.keyOrder, pos, pos+1)
		s.put0Acc(idx)
	})
	return idx
}

// put0Acc marks a removed account leaf dirty so the next root sees it empty.
func (s *state) put0Acc(idx uint32) { s.dirtyAcc[uint64(idx)] = struct{}{} }

func (s *state) setKeyHead(kh fr.Element) {
	old := s.keyHead
	s.log(func() { s.keyHead = old })
	s.keyHead = kh
}

// --- requests

func (s *state) request(slot uint16) (Request, bool) {
	r, ok := s.requests[slot]
	return r, ok
}

func (s *state) setRequest(slot uint16, r Request) {
	old, had := s.requests[slot]
	s.log(func() {
		if had {
			s.requests[slot] = old
		} else {
			delete(s.requests, slot)
		}
	})
	s.requests[slot] = r
	s.dirtyReq[uint64(slot)] = struct{}{}
}

func (s *state) deleteRequest(slot uint16) {
	old, had := s.requests[slot]
	if !had {
		return
	}
	s.log(func() { s.requests[slot] = old })
	delete(s.requests, slot)
	s.dirtyReq[uint64(slot)] = struct{}{}
}

// --- live miner array (rule L-5)

// setLive replaces the live array. Its undo marks every position dirty, since
// flushLive may have run in between (epochBoundary).
func (s *state) setLive(live []uint32) {
	old := s.live
	s.log(func() {
		for i := range max(len(old), len(s.live)) {
			s.dirtyLive[uint64(i)] = struct{}{}
		}
		s.live = old
	})
	s.live = live
}

// addMember appends the account to the live array and records its position.
func (s *state) addMember(i uint32) {
	live := append(slices.Clone(s.live), i)
	s.setLive(live)
	a := s.accounts[i]
	a.MinerPos = uint32(len(live))
	s.setAccount(i, a)
	s.dirtyLive[uint64(len(live)-1)] = struct{}{}
}

// removeMember removes a member by moving the last member into its position
// (rule L-5); it is a no-op for a non-member.
func (s *state) removeMember(i uint32) {
	a := s.accounts[i]
	if a.MinerPos == 0 {
		return
	}
	pos := a.MinerPos - 1
	live := slices.Clone(s.live)
	last := uint32(len(live) - 1)
	if pos != last {
		moved := live[last]
		live[pos] = moved
		m := s.accounts[moved]
		m.MinerPos = pos + 1
		s.setAccount(moved, m)
	}
	live = live[:last]
	s.setLive(live)
	a = s.accounts[i]
	a.MinerPos = 0
	s.setAccount(i, a)
	s.dirtyLive[uint64(pos)] = struct{}{}
	s.dirtyLive[uint64(last)] = struct{}{}
}

// --- epochs and scalars

func (s *state) appendEpoch(e epochEntry) {
	n := len(s.epochs)
	s.log(func() { s.epochs = s.epochs[:n] })
	s.epochs = append(s.epochs, e)
	s.dirtyEpoch[uint64(n)] = struct{}{}
}

func (s *state) setSupply(v uint64) {
	old := s.supply
	s.log(func() { s.supply = old })
	s.supply = v
}

func (s *state) setInboxNext(v uint64) {
	old := s.inboxNext
	s.log(func() { s.inboxNext = old })
	s.inboxNext = v
}

func (s *state) setLastL1(v uint32) {
	old := s.lastL1
	s.log(func() { s.lastL1 = old })
	s.lastL1 = v
}

// --- hashing (rule L-2)

// AccountLeaf is an account's leaf (rule L-3):
//
//	Hash("bitai/l2/account"; x, y, next, balance, nonce, stake, locked, unlockAt,
//	     bannedUntil, minerPos)
func AccountLeaf(a *Account) fr.Element {
	u := zkhash.FromUint64
	return zkhash.Hash(TagAccount, a.Point.X, a.Point.Y, a.Next, u(a.Balance), u(a.Nonce),
		u(a.Stake), u(a.Locked), u(uint64(a.UnlockAt)), u(uint64(a.BannedUntil)), u(uint64(a.MinerPos)))
}

// RequestLeaf is an open request's leaf (rule L-4):
//
//	Hash("bitai/l2/request"; id, inboxIndex, chainFee, confirmHeight, deadline, first,
//	     (miner, flags, commitment, digest) for slots 0, 1, 2)
//
// with flags = committed + 2·revealed. An empty slot's leaf is 0.
func RequestLeaf(r *Request) fr.Element {
	u := zkhash.FromUint64
	xs := []fr.Element{idElem(r.ID), u(r.InboxIndex), u(r.ChainFee), u(uint64(r.ConfirmHeight)),
		u(uint64(r.Deadline)), u(uint64(r.First))}
	for _, a := range r.Slots {
		flags := uint64(0)
		if a.Committed {
			flags |= 1
		}
		if a.Revealed {
			flags |= 2
		}
		xs = append(xs, u(uint64(a.Miner)), u(flags), a.Commitment, a.Digest)
	}
	return zkhash.Hash(TagRequest, xs...)
}

// EpochLeafHash is an epoch leaf (rule L-5): Hash("bitai/l2/epoch"; fromEpoch, arrayRoot, size).
func EpochLeafHash(e *EpochLeaf) fr.Element {
	return zkhash.Hash(TagEpoch, zkhash.FromUint64(uint64(e.FromEpoch)), e.ArrayRoot,
		zkhash.FromUint64(uint64(e.Size)))
}

func keysOf(m map[uint64]struct{}) []uint64 {
	out := slices.Collect(maps.Keys(m))
	slices.Sort(out)
	clear(m)
	return out
}

// flush recomputes the tree roots over the dirty leaves.
func (s *state) flush() {
	s.accTree.update(keysOf(s.dirtyAcc), func(i uint64) fr.Element {
		if i >= uint64(len(s.accounts)) {
			return fr.Element{}
		}
		return AccountLeaf(&s.accounts[i])
	})
	s.reqTree.update(keysOf(s.dirtyReq), func(i uint64) fr.Element {
		r, ok := s.requests[uint16(i)]
		if !ok {
			return fr.Element{}
		}
		return RequestLeaf(&r)
	})
	s.epochTree.update(keysOf(s.dirtyEpoch), func(i uint64) fr.Element {
		if i >= uint64(len(s.epochs)) {
			return fr.Element{}
		}
		return EpochLeafHash(&s.epochs[i].leaf)
	})
	s.flushLive()
}

// flushLive recomputes the live array's root. It may run mid-batch.
func (s *state) flushLive() {
	s.liveTree.update(keysOf(s.dirtyLive), func(i uint64) fr.Element {
		if i >= uint64(len(s.live)) {
			return fr.Element{}
		}
		return zkhash.FromUint64(uint64(s.live[i]) + 1)
	})
}

// Number of fields in the state root and the position of the accounts root.
const (
	stateFieldCount = 13
	accountsRootPos = 2
)

// fields returns the state root's inputs (rule L-2), trees flushed.
func (s *state) fields(paramsHash, circuitID fr.Element) []fr.Element {
	s.flush()
	u := zkhash.FromUint64
	return []fr.Element{paramsHash, circuitID, s.accTree.root(), u(uint64(len(s.accounts))), s.keyHead,
		s.reqTree.root(), s.epochTree.root(), u(uint64(len(s.epochs))), s.liveTree.root(),
		u(uint64(len(s.live))), u(s.supply), u(s.inboxNext), u(uint64(s.lastL1))}
}

// StateRoot hashes the state fields (rule L-2):
//
//	Hash("bitai/l2/state"; paramsHash, circuitID, accountsRoot, numAccounts, keyHead,
//	     requestsRoot, epochsRoot, numEpochs, minersRoot, numMiners, l2Supply,
//	     inboxNext, lastL1Height)
func StateRoot(fields []fr.Element) fr.Element { return zkhash.Hash(TagState, fields...) }
