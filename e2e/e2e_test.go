package e2e

import (
	"context"
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/btcnode/follow"
	"github.com/bitai-l2/bitai/btcnode/testnode"
)

// signedTxs returns n txs from a throwaway sender, signed for dep, and their encodings.
// Each Infer carries calldataBytes of random (incompressible) calldata.
func signedTxs(t *testing.T, dep *bitai.Deployment, n, calldataBytes int) ([]*bitai.Tx, [][]byte) {
	t.Helper()
	sender, err := btcec.NewPrivateKey()
	require.NoError(t, err)
	var txs []*bitai.Tx
	var raws [][]byte
	for i := 0; i < n; i++ {
		calldata := make([]byte, calldataBytes)
		_, _ = rand.Read(calldata)
		tx := &bitai.Tx{Version: bitai.TxVersion, Nonce: uint64(i), Fee: 100, Expiry: 500,
			Body: &bitai.Infer{EternalID: bitai.ID{0, 1}, ChainID: bitai.ID{0, 2}, Calldata: calldata, MaxFee: 1000}}
		if calldataBytes == 0 {
			tx.Body = &bitai.Transfer{To: bitai.XOnly(sender), Amount: uint64(i + 1)}
		}
		require.NoError(t, tx.Sign(sender, dep.ID()))
		raw, err := tx.Encode()
		require.NoError(t, err)
		txs, raws = append(txs, tx), append(raws, raw)
	}
	return txs, raws
}

// readBack finds txid in block and returns the txs of its accepted BitAI payload,
// failing unless exactly one candidate is there and it is accepted.
func readBack(t *testing.T, block *wire.MsgBlock, txid chainhash.Hash, dep *bitai.Deployment) [][]byte {
	t.Helper()
	for _, tx := range block.Transactions {
		if tx.TxHash() != txid {
			continue
		}
		cands := bitai.AcceptTx(tx)
		require.Len(t, cands, 1)
		require.Equal(t, bitai.ReasonNone, cands[0].Reason, "acceptance predicate: %v", cands[0].Reason)
		require.Equal(t, bitai.BodyKindPayload, cands[0].Body[0])
		raws, reason, err := bitai.DecodePayload(cands[0].Encoding, cands[0].Body[1:])
		require.NoError(t, err, "payload reason %v", reason)
		for _, raw := range raws {
			tx, err := bitai.DecodeTx(raw)
			require.NoError(t, err)
			require.NoError(t, tx.VerifySig(dep.ID()))
		}
		return raws
	}
	t.Fatalf("tx %s not in block %s", txid, block.BlockHash())
	return nil
}

// TestPayloadRoundTrip writes payloads of signed txs in commit/reveal pairs to a real
// btcd (standardness on), mines them and parses them back identical and accepted:
// a small brotli payload and a ~390 KB plain one whose reveal must stay under the
// 400,000 WU standardness limit.
func TestPayloadRoundTrip(t *testing.T) {
	n := testnode.Start(t)
	ctx := context.Background()
	dep, err := bitai.DeploymentFor("regtest")
	require.NoError(t, err)

	cases := []struct {
		name     string
		n        int
		calldata int
		compress bool
	}{
		{name: "small brotli", n: 20, calldata: 0, compress: true},
		{name: "390KB plain", n: 6, calldata: 64_700, compress: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, raws := signedTxs(t, dep, tc.n, tc.calldata)
			body, enc, err := bitai.EncodePayload(raws, tc.compress)
			require.NoError(t, err)
			ins := n.Inscribe(t, enc, body, testnode.InscribeOptions{})
			weight := int64(ins.Reveal.SerializeSizeStripped()*3 + ins.Reveal.SerializeSize())
			require.LessOrEqual(t, weight, int64(bitai.MaxStandardTxWeight))
			vsize := bitai.VSize(weight)
			t.Logf("%s: body %d bytes, reveal %d WU / %d vB, %.4f body bytes per vB (reveal only), commit %d vB",
				tc.name, len(body), weight, vsize, float64(len(body))/float64(vsize), testnode.VSize(ins.Commit))

			hashes := n.Generate(t, 1)
			block, err := n.Client().Block(ctx, hashes[0])
			require.NoError(t, err)
			require.Equal(t, raws, readBack(t, block, ins.Reveal.TxHash(), dep))
		})
	}
}

// recorder is a follower consumer that keeps its chain of hashes in memory, as a
// real consumer commits them with its state.
type recorder struct {
	mu     sync.Mutex
	hashes map[int32]chainhash.Hash
	events []follow.Event
}

func (r *recorder) hashAt(h int32) (chainhash.Hash, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	hash, ok := r.hashes[h]
	return hash, ok, nil
}

func (r *recorder) handle(_ context.Context, ev follow.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ev.Kind == follow.Connect {
		r.hashes[ev.Height] = ev.Hash
	} else {
		delete(r.hashes, ev.Height)
	}
	r.events = append(r.events, ev)
	return nil
}

func (r *recorder) snapshot() []follow.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]follow.Event(nil), r.events...)
}

// TestFollowerReorgMovesPayload mines a payload in block A1 (A1, A2 on the tip), then a
// longer competing branch B1, B2, B3 from the same parent with the payload in B2. The
// follower must deliver Connect A1, A2, then Disconnect A2, A1, Connect B1, B2, B3,
// and the payload must be read back from B2 at its new height.
func TestFollowerReorgMovesPayload(t *testing.T) {
	n := testnode.Start(t)
	dep, err := bitai.DeploymentFor("regtest")
	require.NoError(t, err)
	_, raws := signedTxs(t, dep, 3, 0)
	body, enc, err := bitai.EncodePayload(raws, true)
	require.NoError(t, err)
	ins := n.Inscribe(t, enc, body, testnode.InscribeOptions{NoBroadcast: true})
	base := n.Tip(t)

	rec := &recorder{hashes: map[int32]chainhash.Hash{base.Height: base.Hash}}
	f, err := follow.New(follow.Config{Chain: n.Client(), Notifier: n.Client(), Start: base,
		HashAt: rec.hashAt, PollInterval: 50 * time.Millisecond})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx, rec.handle) }()
	t.Cleanup(func() {
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
	})

	a1 := n.MineBlockOn(t, base.Hash, ins.Commit, ins.Reveal)
	a2 := n.MineBlockOn(t, a1.BlockHash())
	waitEvents(t, rec, 2)
	b1 := n.MineBlockOn(t, base.Hash)
	b2 := n.MineBlockOn(t, b1.BlockHash(), ins.Commit, ins.Reveal)
	b3 := n.MineBlockOn(t, b2.BlockHash())
	n.WaitForTip(t, b3.BlockHash())
	evs := waitEvents(t, rec, 7)

	type step struct {
		kind   follow.EventKind
		height int32
		hash   chainhash.Hash
	}
	want := []step{
		{follow.Connect, base.Height + 1, a1.BlockHash()}, {follow.Connect, base.Height + 2, a2.BlockHash()},
		{follow.Disconnect, base.Height + 2, a2.BlockHash()}, {follow.Disconnect, base.Height + 1, a1.BlockHash()},
		{follow.Connect, base.Height + 1, b1.BlockHash()}, {follow.Connect, base.Height + 2, b2.BlockHash()},
		{follow.Connect, base.Height + 3, b3.BlockHash()},
	}
	var got []step
	for _, ev := range evs {
		got = append(got, step{ev.Kind, ev.Height, ev.Hash})
	}
	require.Equal(t, want, got)
	require.Equal(t, raws, readBack(t, evs[0].Block, ins.Reveal.TxHash(), dep), "payload in A1")
	require.Equal(t, raws, readBack(t, evs[5].Block, ins.Reveal.TxHash(), dep), "payload moved to B2")
}

func waitEvents(t *testing.T, rec *recorder, k int) []follow.Event {
	t.Helper()
	require.Eventually(t, func() bool { return len(rec.snapshot()) >= k }, 20*time.Second, 20*time.Millisecond,
		"waiting for %d follower events", k)
	evs := rec.snapshot()
	require.Len(t, evs, k, "no extra events")
	return evs
}
