package zkhash

import (
	"errors"
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/stretchr/testify/require"
)

// testID is a 248-bit id: 0x00 ‖ 31 bytes of b.
func testID(b byte) [32]byte {
	var id [32]byte
	for i := 1; i < 32; i++ {
		id[i] = b + byte(i)
	}
	return id
}

func sampleRequest() RequestEntry {
	return RequestEntry{
		ID: testID(0x10), Requester: seq32(0x20), EternalID: testID(0x30), ModelID: testID(0x40),
		SystemPromptHash: seq32(0x50), CalldataHash: seq32(0x60),
		EternalFee: 1_000, ChainFee: 2_000, ConfirmHeight: 800_000,
		ConfirmBlockHash: seq32(0x70), Deadline: 800_288,
	}
}

func sampleDeposit() DepositEntry {
	return DepositEntry{ID: testID(0x80), L2Account: basePoint(42), Amount: 50_000, ConfirmHeight: 800_001}
}

func sampleMessage() MessageEntry {
	return MessageEntry{ID: testID(0x90), L2OpHash: HashL2Op([]byte("op bytes")), ConfirmHeight: 800_002}
}

// bigs turns a field list into integers for comparison with a hand-built list.
func bigs(xs []fr.Element) []string {
	out := make([]string, len(xs))
	for i := range xs {
		out[i] = toBig(xs[i]).Text(16)
	}
	return out
}

func limbsBig(b [32]byte) []*big.Int {
	return []*big.Int{new(big.Int).SetBytes(b[:16]), new(big.Int).SetBytes(b[16:])}
}

func TestRequestEntryFields(t *testing.T) {
	e := sampleRequest()
	want := []*big.Int{big.NewInt(0), new(big.Int).SetBytes(e.ID[:])}
	want = append(want, limbsBig(e.Requester)...)
	want = append(want, new(big.Int).SetBytes(e.EternalID[:]), new(big.Int).SetBytes(e.ModelID[:]))
	want = append(want, limbsBig(e.SystemPromptHash)...)
	want = append(want, limbsBig(e.CalldataHash)...)
	want = append(want, big.NewInt(1_000), big.NewInt(2_000), big.NewInt(800_000))
	want = append(want, limbsBig(e.ConfirmBlockHash)...)
	want = append(want, big.NewInt(800_288))

	got, err := e.Fields()
	require.NoError(t, err)
	require.Len(t, got, 16)
	wantS := make([]string, len(want))
	for i := range want {
		wantS[i] = want[i].Text(16)
	}
	require.Equal(t, wantS, bigs(got))

	h, err := e.Hash()
	require.NoError(t, err)
	require.Equal(t, Hash("bitai/inbox/request", got...), h)
}

func TestDepositAndMessageFields(t *testing.T) {
	d := sampleDeposit()
	got, err := d.Fields()
	require.NoError(t, err)
	require.Equal(t, []string{"1", new(big.Int).SetBytes(d.ID[:]).Text(16),
		toBig(d.L2Account.X).Text(16), toBig(d.L2Account.Y).Text(16), big.NewInt(50_000).Text(16),
		big.NewInt(800_001).Text(16)}, bigs(got))
	h, err := d.Hash()
	require.NoError(t, err)
	require.Equal(t, Hash("bitai/inbox/deposit", got...), h)

	m := sampleMessage()
	got, err = m.Fields()
	require.NoError(t, err)
	require.Equal(t, []string{"2", new(big.Int).SetBytes(m.ID[:]).Text(16),
		toBig(HashBytes("bitai/l2op", []byte("op bytes"))).Text(16), big.NewInt(800_002).Text(16)}, bigs(got))
	h, err = m.Hash()
	require.NoError(t, err)
	require.Equal(t, Hash("bitai/inbox/message", got...), h)
}

func TestInboxEntryBadID(t *testing.T) {
	r := sampleRequest()
	r.ModelID[0] = 1
	_, err := r.Hash()
	require.True(t, errors.Is(err, ErrIDRange), "got %v", err)
	d := sampleDeposit()
	d.ID[0] = 1
	_, err = d.Hash()
	require.True(t, errors.Is(err, ErrIDRange), "got %v", err)
	m := sampleMessage()
	m.ID[0] = 0xff
	_, err = m.Hash()
	require.True(t, errors.Is(err, ErrIDRange), "got %v", err)
	_, err = InboxAcc0([32]byte{0: 2})
	require.True(t, errors.Is(err, ErrIDRange), "got %v", err)
}

func TestInboxAccumulator(t *testing.T) {
	chain := testID(0xc0)
	acc, err := InboxAcc0(chain)
	require.NoError(t, err)
	id, err := FromID(chain)
	require.NoError(t, err)
	require.Equal(t, Hash("bitai/acc0", id), acc)

	r, d, m := sampleRequest(), sampleDeposit(), sampleMessage()
	var hashes []fr.Element
	for _, e := range []interface{ Hash() (fr.Element, error) }{&r, &d, &m} {
		h, err := e.Hash()
		require.NoError(t, err)
		hashes = append(hashes, h)
	}
	chained := acc
	for _, h := range hashes {
		next := InboxAccNext(chained, h)
		require.Equal(t, Hash("bitai/acc", chained, h), next)
		chained = next
	}
	// Order matters.
	swapped := InboxAccNext(InboxAccNext(InboxAccNext(acc, hashes[1]), hashes[0]), hashes[2])
	require.NotEqual(t, chained, swapped)
	// Distinct entries hash apart, and the kind tags separate layouts.
	require.NotEqual(t, hashes[0], hashes[1])
	require.NotEqual(t, hashes[1], hashes[2])
}
