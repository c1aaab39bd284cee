package aichain

import (
	"testing"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/zkhash"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/stretchr/testify/require"
)

var keyCache = map[byte]*PrivateKey{}

// testKey returns a deterministic L2 key for n.
func testKey(t testing.TB, n byte) *PrivateKey {
	if k, ok := keyCache[n]; ok {
		return k
	}
	k, err := NewKey([32]byte{n, 0x5e, 0xed})
	require.NoError(t, err)
	keyCache[n] = k
	return k
}

// id returns a 248-bit object id for n.
func id(n uint64) [32]byte {
	var b [32]byte
	b[1] = 0x1d
	for i := range 8 {
		b[31-i] = byte(n >> (8 * i))
	}
	return b
}

var testChainID = id(0xc4a1)

// testParams are small, valid params: epoch 145, commit 48, reveal 204, TTL 252.
func testParams(t testing.TB) bitai.ChainParams {
	p := DefaultParams()
	p.CommitTimeout = 48
	p.RevealTimeout = p.CommitTimeout + bitai.SubmitWindow + bitai.MinWindow
	p.RequestTTL = p.RevealTimeout + p.ForceDelay + bitai.MinWindow
	p.Treasury = PublicKey(testKey(t, 0))
	p.MinStake = 1000
	p.Slash = 300
	require.NoError(t, ValidateParams(p))
	return p
}

// harness drives a chain with a fake BitAI inbox.
type harness struct {
	t     testing.TB
	c     *Chain
	inbox []InboxEntry
	last  *BatchOutput
	seq   uint64 // ids
}

func newHarness(t testing.TB, mod func(*bitai.ChainParams)) *harness {
	return newHarnessShape(t, mod, DefaultShape())
}

func newHarnessShape(t testing.TB, mod func(*bitai.ChainParams), sh Shape) *harness {
	p := testParams(t)
	if mod != nil {
		mod(&p)
	}
	c, err := New(Config{DeploymentID: [32]byte{0xde, 0x91}, ChainID: testChainID, Params: p,
		CircuitID: id(0xc1), Shape: sh})
	require.NoError(t, err)
	return &harness{t: t, c: c}
}

func (h *harness) nextID() [32]byte {
	h.seq++
	return id(1000 + h.seq)
}

// deposit appends a deposit entry confirmed at height.
func (h *harness) deposit(k *PrivateKey, amount uint64, height uint32) {
	h.inbox = append(h.inbox, InboxEntry{Index: uint64(len(h.inbox)), Deposit: &DepositEntry{
		ID: h.nextID(), L2Account: PublicKey(k), Amount: amount, ConfirmHeight: height}})
}

// request appends a request entry confirmed at height and returns its id and slot.
func (h *harness) request(fee uint64, height uint32) ([32]byte, uint16) {
	rid := h.nextID()
	idx := uint64(len(h.inbox))
	h.inbox = append(h.inbox, InboxEntry{Index: idx, Request: &zkhash.RequestEntry{
		ID: rid, Requester: [32]byte{2}, EternalID: id(7), ModelID: id(8), ChainFee: fee,
		EternalFee: 5, ConfirmHeight: height, ConfirmBlockHash: [32]byte{byte(height), byte(idx), 0xbb},
		Deadline: height + h.c.cfg.Params.RequestTTL}})
	return rid, Slot(idx)
}

// message appends a forced op confirmed at height.
func (h *harness) message(o Op, height uint32) {
	h.inbox = append(h.inbox, InboxEntry{Index: uint64(len(h.inbox)), Message: &MessageEntry{
		ID: h.nextID(), L2Op: o.Record(), ConfirmHeight: height}})
}

// input builds a batch at l1 consuming up to limit entries confirmed ≤ l1.
func (h *harness) input(l1 uint32, limit int, ops ...Op) *BatchInput {
	in := &BatchInput{Number: h.c.Number() + 1, L1Height: l1, Ops: ops}
	i := h.c.InboxNext()
	for ; i < uint64(len(h.inbox)) && len(in.Entries) < limit; i++ {
		if h.inbox[i].ConfirmHeight() > l1 {
			break
		}
		in.Entries = append(in.Entries, h.inbox[i])
	}
	if i < uint64(len(h.inbox)) {
		in.NextConfirm = h.inbox[i].ConfirmHeight()
	}
	return in
}

// batch applies a batch at l1 consuming every entry confirmed ≤ l1 that fits.
func (h *harness) batch(l1 uint32, ops ...Op) *BatchOutput {
	h.t.Helper()
	out, err := h.c.ApplyBatch(h.input(l1, h.c.cfg.Shape.InboxSlots, ops...))
	require.NoError(h.t, err)
	h.last = out
	require.Equal(h.t, h.c.Supply(), h.c.Totals(), "supply invariant")
	return out
}

// sign signs o for chain testChainID with k.
func sign(t testing.TB, k *PrivateKey, o Op) Op {
	require.NoError(t, SignOp(k, testChainID, &o))
	return o
}

// nonceOp builds a signed nonce op of k's account.
func (h *harness) nonceOp(k *PrivateKey, o Op) Op {
	i, ok := h.c.AccountByKey(PublicKey(k))
	require.True(h.t, ok)
	a, _ := h.c.Account(i)
	o.Account, o.Nonce = i, a.Nonce
	return sign(h.t, k, o)
}

func (h *harness) account(k *PrivateKey) Account {
	i, ok := h.c.AccountByKey(PublicKey(k))
	require.True(h.t, ok)
	a, _ := h.c.Account(i)
	return a
}

func (h *harness) index(k *PrivateKey) uint32 {
	i, ok := h.c.AccountByKey(PublicKey(k))
	require.True(h.t, ok)
	return i
}

// miners funds, stakes and joins n miners (keys 10..10+n−1) at height l1 and
// returns their keys; the set is in force for requests confirmed two epochs on.
func (h *harness) miners(n int, l1 uint32) []*PrivateKey {
	ks := make([]*PrivateKey, n)
	for i := range ks {
		ks[i] = testKey(h.t, byte(10+i))
		h.deposit(ks[i], 5000, l1)
	}
	h.batch(l1)
	var ops []Op
	for _, k := range ks {
		ops = append(ops, h.nonceOp(k, Op{Kind: OpStake, Amount: 2000}))
	}
	h.batch(l1, ops...)
	ops = ops[:0]
	for _, k := range ks {
		ops = append(ops, h.nonceOp(k, Op{Kind: OpJoin}))
	}
	h.batch(l1, ops...)
	return ks
}

// keyOf returns the miner key whose account is idx among ks.
func (h *harness) keyOf(ks []*PrivateKey, idx uint32) *PrivateKey {
	for _, k := range ks {
		if h.index(k) == idx {
			return k
		}
	}
	h.t.Fatalf("no key for account %d", idx)
	return nil
}

// commitOp builds a signed commit by the miner of slot j with output out.
func (h *harness) commitOp(ks []*PrivateKey, slot uint16, j uint8, output string) (Op, Op) {
	r, ok := h.c.Request(slot)
	require.True(h.t, ok)
	m := r.Slots[j].Miner
	d := DigestOf(r.ID, []byte(output))
	salt := zkhash.FromUint64(uint64(m)*1_000_003 + uint64(j) + 77)
	cm := CommitmentOf(testChainID, r.ID, m, d, salt)
	c := sign(h.t, h.keyOf(ks, m), Op{Kind: OpCommit, RequestSlot: slot, RequestID: r.ID, Slot: j, Commitment: cm})
	rv := Op{Kind: OpReveal, RequestSlot: slot, RequestID: r.ID, Slot: j, Digest: d, Salt: salt}
	return c, rv
}

// commitAll returns the signed commits and the reveals of all three assignees of
// the request in slot, every one for output.
func (h *harness) commitAll(ks []*PrivateKey, slot uint16, output string) (cs, rvs []Op) {
	for j := range uint8(3) {
		c, rv := h.commitOp(ks, slot, j, output)
		cs, rvs = append(cs, c), append(rvs, rv)
	}
	return cs, rvs
}

func resolveOp(slot uint16, rid [32]byte) Op {
	return Op{Kind: OpResolve, RequestSlot: slot, RequestID: rid}
}

func elem(v uint64) fr.Element { return zkhash.FromUint64(v) }
