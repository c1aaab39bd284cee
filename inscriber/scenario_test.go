package inscriber

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/inscriber/wallet"
)

// togglePayloads abandons every payload once set (a PayloadStatus for tests).
type togglePayloads struct{ on atomic.Bool }

func (s *togglePayloads) Abandoned(context.Context, PayloadInfo, int32) (bool, error) {
	return s.on.Load(), nil
}

// TestStuckSweep abandons a chunk set when its commit confirms (its reveals wait
// for that): the inscriber sweeps both commit outputs back by key path, no chunk
// set completes on chain, and the money is all accounted for.
func TestStuckSweep(t *testing.T) {
	node := startNode(t)
	status := &togglePayloads{}
	h := newHarness(t, node, func(c *Config) { c.Status = status })
	h.fundWallet(20_000_000)
	h.start()
	h.sync()
	body := randomBytes(t, 450_000)
	info, err := h.in.Enqueue(context.Background(), body, "", EnqueueOptions{})
	require.NoError(t, err)
	h.sync()
	info, err = h.in.Payload(info.ID)
	require.NoError(t, err)
	require.Equal(t, StateCommitSent.String(), info.State, "a chunk set's reveals wait for the commit")
	for _, r := range info.Reveals {
		require.False(t, r.Sent)
	}

	status.on.Store(true)
	h.mine(1) // confirms the commit
	info, err = h.in.Payload(info.ID)
	require.NoError(t, err)
	require.Equal(t, StateSweeping.String(), info.State, "%s", h.tail())
	require.Len(t, info.Sweeps, 1)
	sweep := h.tx(info.Sweeps[0].TxID)
	require.Len(t, sweep.TxIn, 2, "both commit outputs")

	h.mine(1)
	info, err = h.in.Payload(info.ID)
	require.NoError(t, err)
	require.Equal(t, StateSwept.String(), info.State)
	oc := scanChain(t, node, 1)
	require.Zero(t, oc.count[payloadSum("", body)], "the abandoned set never completed")
	require.NotNil(t, oc.txByID(sweep.TxHash()))
	h.assertMoneyConserved(oc)
}

// TestSenderOrdering enqueues two payloads holding consecutive nonces of one sender:
// the second is not in flight beside the first (it waits until the first confirms),
// while a payload of another sender goes at once.
func TestSenderOrdering(t *testing.T) {
	node := startNode(t)
	h := newHarness(t, node, nil)
	h.fundWallet(10_000_000, 10_000_000, 10_000_000)
	h.start()
	h.sync()
	dep, err := bitai.DeploymentFor("regtest")
	require.NoError(t, err)
	alice, err := btcec.NewPrivateKey()
	require.NoError(t, err)
	bob, err := btcec.NewPrivateKey()
	require.NoError(t, err)
	payloadOf := func(sender *btcec.PrivateKey, nonce uint64) []byte {
		tx := &bitai.Tx{Version: bitai.TxVersion, Nonce: nonce, Fee: 1, Expiry: 10_000,
			Body: &bitai.Transfer{To: bitai.XOnly(bob), Amount: 1}}
		require.NoError(t, tx.Sign(sender, dep.ID()))
		raw, err := tx.Encode()
		require.NoError(t, err)
		body, enc, err := bitai.EncodePayload([][]byte{raw}, false)
		require.NoError(t, err)
		require.Equal(t, "", enc)
		return body[1:]
	}
	ctx := context.Background()
	infos, err := h.in.EnqueueMany(ctx, []Item{
		{E: payloadOf(alice, 0)}, {E: payloadOf(alice, 1)}, {E: payloadOf(bob, 0)},
	})
	require.NoError(t, err)
	require.Equal(t, infos[0].ID, infos[1].After, "the second waits for the first")
	require.Zero(t, infos[2].After)
	h.sync()
	first, err := h.in.Payload(infos[0].ID)
	require.NoError(t, err)
	second, err := h.in.Payload(infos[1].ID)
	require.NoError(t, err)
	other, err := h.in.Payload(infos[2].ID)
	require.NoError(t, err)
	require.Equal(t, StateRevealSent.String(), first.State)
	require.Equal(t, "queued", second.State, "not in flight beside the first")
	require.Equal(t, StateRevealSent.String(), other.State)

	h.mine(1)
	second, err = h.in.Payload(infos[1].ID)
	require.NoError(t, err)
	require.Equal(t, StateRevealSent.String(), second.State, "planned once the first confirmed")
	h.mineUntilDepth(1, 2, infos[1].ID)
	// Bitcoin order matches nonce order: the first confirmed in an earlier block.
	first, err = h.in.Payload(infos[0].ID)
	require.NoError(t, err)
	second, err = h.in.Payload(infos[1].ID)
	require.NoError(t, err)
	require.Less(t, first.Height, second.Height)
}

// TestReorgBackDuplicate is DECISIONS C1's hard case: a competing branch
// double-spends the commit's only input, the inscriber re-plans with another coin
// (so the new version cannot conflict with the old one) and the new version
// confirms; then the chain reorganises back to the original branch, where the old
// version is confirmed. The inscriber detects and reports the old version's
// confirmation (harmless by protocol: nonces and the chunk-repeat rule make the copy
// a no-op) and keeps its accounting straight.
func TestReorgBackDuplicate(t *testing.T) {
	node := startNode(t)
	h := newHarness(t, node, nil)
	h.fundWallet(10_000_000, 10_000_000)
	h.start()
	h.sync()
	body := randomBytes(t, 5_000)
	info, err := h.in.Enqueue(context.Background(), body, "", EnqueueOptions{})
	require.NoError(t, err)
	h.sync()
	fork := node.Tip(t)
	h.mineUntilDepth(1, 2, info.ID)
	original := node.Tip(t) // branch A: the old version confirmed here
	info, err = h.in.Payload(info.ID)
	require.NoError(t, err)
	oldReveal := info.Reveals[0].TxID
	commit := h.tx(info.Commit.TxID)

	// Branch B double-spends the commit's input and wins; the re-plan confirms on it.
	parent := node.MineBlockOn(t, fork.Hash, h.spendWalletCoin(commit.TxIn[0].PreviousOutPoint)).BlockHash()
	parent = node.MineBlockOn(t, parent).BlockHash()
	node.WaitForTip(t, parent)
	h.mineUntilDepth(1, 3, info.ID)
	info, err = h.in.Payload(info.ID)
	require.NoError(t, err)
	require.Equal(t, uint16(1), info.Epoch)
	require.Empty(t, info.Duplicates)

	// Branch A comes back longer: the old version is confirmed again.
	tipB := node.Tip(t)
	parent = original.Hash
	for i := original.Height; i <= tipB.Height; i++ {
		parent = node.MineBlockOn(t, parent).BlockHash()
	}
	node.WaitForTip(t, parent)
	h.sync()
	h.mineUntilDepth(1, 3, info.ID)
	info, err = h.in.Payload(info.ID)
	require.NoError(t, err)
	require.Equal(t, uint16(0), info.Epoch, "the old version, confirmed again, is current again")
	require.Equal(t, oldReveal, info.Reveals[0].TxID)
	require.Empty(t, info.Duplicates)
	require.Contains(t, h.logs.String(), "an earlier version confirmed after the re-plan; making it current again")
	// The re-planned version shares no input with the old one (the reorg double-spent
	// the only one), so the node still holds it and mines it: reported, not prevented.
	h.mine(2)
	info, err = h.in.Payload(info.ID)
	require.NoError(t, err)
	require.NotEmpty(t, info.Duplicates, "the re-planned version confirmed too and is reported")
	require.Contains(t, h.logs.String(), "an earlier version of a re-planned payload confirmed as well")
	oc := scanChain(t, node, 1)
	require.Equal(t, 2, oc.count[payloadSum("", body)], "both versions are on chain: the documented C1 limit")
	h.assertMoneyConserved(oc)
}

// TestChainedBump mines blocks without a chained stream's reveals: the first
// unconfirmed reveal is replaced (paying for the descendants it evicts, BIP125) and
// the chain after it is signed again on top of the replacement; the stream then
// confirms with every payload exactly once.
func TestChainedBump(t *testing.T) {
	node := startNode(t)
	h := newHarness(t, node, func(c *Config) { c.Chain, c.DeadlineBlocks = 3, 4 })
	h.fundWallet(20_000_000)
	h.start()
	h.sync()
	items := []Item{{E: randomBytes(t, 20_000)}, {E: randomBytes(t, 20_000)}, {E: randomBytes(t, 20_000)}}
	infos, err := h.in.EnqueueMany(context.Background(), items)
	require.NoError(t, err)
	h.sync()
	first, err := h.in.Payload(infos[0].ID)
	require.NoError(t, err)
	require.Equal(t, "chained", first.Mode)
	commit := h.tx(first.Commit.TxID)
	parent := node.MineBlockOn(t, node.Tip(t).Hash, commit).BlockHash() // the commit, no reveals
	node.WaitForTip(t, parent)
	h.sync()
	var ids []uint64
	for _, info := range infos {
		p, err := h.in.Payload(info.ID)
		require.NoError(t, err)
		require.Len(t, p.Reveals, 1)
		require.Equal(t, 2, p.Reveals[0].Version, "payload %d: the chain was signed again", info.ID)
		require.True(t, p.Reveals[0].Sent)
		ids = append(ids, info.ID)
	}
	h.mineUntilDepth(1, 3, ids...)
	oc := scanChain(t, node, 1)
	for _, it := range items {
		require.Equal(t, 1, oc.count[payloadSum("", it.E)])
	}
	h.assertMoneyConserved(oc)
	require.NotContains(t, h.logs.String(), "node refused")
}

// TestReplanAnchor: the commit has two inputs and a competing branch double-spends
// one of them. The re-plan spends the other one as an anchor (DECISIONS C1: every
// re-plan spends an input of every earlier version), so when the chain goes back to
// the original branch the re-planned version conflicts with the old one and cannot
// confirm: the payload is on the chain once, and the inscriber adopts the old version.
func TestReplanAnchor(t *testing.T) {
	node := startNode(t)
	h := newHarness(t, node, nil)
	h.fundWallet(200_000, 200_000)
	h.start()
	h.sync()
	body := randomBytes(t, 40_000)
	info, err := h.in.Enqueue(context.Background(), body, "", EnqueueOptions{})
	require.NoError(t, err)
	h.sync()
	fork := node.Tip(t)
	h.mineUntilDepth(1, 2, info.ID)
	original := node.Tip(t)
	info, err = h.in.Payload(info.ID)
	require.NoError(t, err)
	commit := h.tx(info.Commit.TxID)
	require.Len(t, commit.TxIn, 2, "neither coin alone funds the payload at the cap")

	// Branch B: X double-spends the first input; a third coin arrives for the re-plan.
	_, pk, err := h.keys.Address(wallet.BranchExternal, 2)
	require.NoError(t, err)
	fundTx, op := node.Fund(t, pk, 1_000_000)
	h.fund += 1_000_000
	h.funded[op] = fundedCoin{Index: 2, Out: fundTx.TxOut[op.Index]}
	parent := node.MineBlockOn(t, fork.Hash, h.spendWalletCoin(commit.TxIn[0].PreviousOutPoint), fundTx).BlockHash()
	parent = node.MineBlockOn(t, parent).BlockHash()
	node.WaitForTip(t, parent)
	h.mineUntilDepth(1, 3, info.ID)
	info, err = h.in.Payload(info.ID)
	require.NoError(t, err)
	require.Equal(t, uint16(1), info.Epoch)
	replanned := h.tx(info.Commit.TxID)
	spends := map[wire.OutPoint]bool{}
	for _, in := range replanned.TxIn {
		spends[in.PreviousOutPoint] = true
	}
	require.True(t, spends[commit.TxIn[1].PreviousOutPoint], "the re-plan spends the surviving input of the old version")

	// Back to branch A, longer: the old version is confirmed; the new one conflicts.
	tipB := node.Tip(t)
	parent = original.Hash
	for i := original.Height; i <= tipB.Height; i++ {
		parent = node.MineBlockOn(t, parent).BlockHash()
	}
	node.WaitForTip(t, parent)
	h.sync()
	h.mine(2)
	info, err = h.in.Payload(info.ID)
	require.NoError(t, err)
	require.Equal(t, StateConfirmed.String(), info.State)
	require.Equal(t, uint16(0), info.Epoch, "the old version is current again")
	require.Empty(t, info.Duplicates)
	oc := scanChain(t, node, 1)
	require.Equal(t, 1, oc.count[payloadSum("", body)], "on the chain exactly once")
	require.Nil(t, oc.txByID(replanned.TxHash()), "the re-planned commit could not confirm")
	h.assertMoneyConserved(oc)
}
