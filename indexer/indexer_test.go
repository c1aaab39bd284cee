package indexer

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/statemachine"
)

// TestIndexerFakeChain indexes an in-memory chain with transfers and checks every
// query against what the txs must have done: balances and nonces, tx inclusions
// (applied, and a replay skipped with its reason), state hashes chained per height,
// summaries, and the state hash recomputed from the stored events and write sets.
func TestIndexerFakeChain(t *testing.T) {
	dep := regtest(t)
	chain := newFakeChain()
	f := newSender(t, dep, faucet())
	bob := newSender(t, dep, nil)
	inscriber := newSender(t, dep, nil)

	chain.mineN(t, 3)
	t1 := f.transfer(t, bob.pub(), 5000)
	t2 := bob.transfer(t, f.pub(), 1000)
	chain.mine(t, chain.tip(), fakeReveal(t, inscriber.key, "", payloadBody(t, t1)))
	chain.mine(t, chain.tip(), fakeReveal(t, inscriber.key, "", payloadBody(t, t2, t1))) // t1 replayed
	ai := newAISetup(t, f, testVK(t))
	inf := ai.infer(t, f, []byte("what is 2+2?"))
	chain.mine(t, chain.tip(), fakeReveal(t, inscriber.key, "", payloadBody(t, ai.model, ai.eternal, ai.chain, inf)))
	chain.mineN(t, 1)

	ix := startIndexer(t, chain, t.TempDir())
	waitFor(t, ix, chain.tip(), 20*time.Second)
	api := ix.API()
	ctx := context.Background()

	acct, err := api.Account(ctx, Hash32(bob.pub()))
	require.NoError(t, err)
	require.Equal(t, AccountInfo{Key: Hash32(bob.pub()), Balance: 5000 - 1000 - t2.Fee, NextNonce: 1}, acct)

	info, err := api.Tx(ctx, Hash32(t1.TxID()))
	require.NoError(t, err)
	require.Len(t, info.Inclusions, 2)
	require.Equal(t, TxApplied, info.Status)
	require.Equal(t, uint32(4), info.Effective.Height)
	require.Equal(t, TxSkipped, info.Inclusions[1].Status)
	require.Equal(t, uint32(5), info.Inclusions[1].Height)
	require.NotEmpty(t, info.Inclusions[1].Reason, "a replay is skipped with a reason")
	require.Equal(t, Hash32(f.pub()), info.Inclusions[0].Sender)

	// Eternal, request and chain (inbox entry 0 and acc[0..1]).
	et, err := api.Eternal(ctx, ai.eternalID)
	require.NoError(t, err)
	require.Equal(t, f.pub(), et.Eternal.Owner)
	require.Equal(t, "be brief", et.Eternal.SystemPrompt)
	for _, x := range []*bitai.Tx{ai.model, ai.eternal, ai.chain, inf} {
		info, err := api.Tx(ctx, Hash32(x.TxID()))
		require.NoError(t, err)
		require.Equal(t, TxApplied, info.Status, "%s: %s", x.Kind(), info.Inclusions[0].Reason)
	}
	reqID := bitai.ObjectID(inf.TxID(), 0)
	req, err := api.Request(ctx, reqID)
	require.NoError(t, err)
	require.Equal(t, ai.chainID, req.Request.ChainID)
	require.Equal(t, uint64(7), req.Request.EternalFee)
	require.Equal(t, uint64(11), req.Request.ChainFee)
	require.Equal(t, uint32(6), req.Request.ConfirmHeight)
	ch, err := api.Chain(ctx, ai.chainID, 0, 10)
	require.NoError(t, err)
	require.Equal(t, uint64(1), ch.InboxLen)
	require.Len(t, ch.Entries, 1)
	require.Equal(t, reqID, ch.Entries[0].ID)
	require.Len(t, ch.Acc, 2)
	require.NotEqual(t, ch.Acc[0], ch.Acc[1])
	_, err = api.Request(ctx, bitai.ID{0, 1})
	require.ErrorIs(t, err, ErrNotFound)

	_, err = api.Tx(ctx, Hash32{1})
	require.True(t, errors.Is(err, ErrNotFound), "%v", err)

	tip, err := api.Tip(ctx)
	require.NoError(t, err)
	require.Equal(t, uint32(7), tip.Height) // blocks 1–3 empty, 4 and 5 transfers, 6 AI setup and Infer, 7 empty
	require.Equal(t, chain.tip(), tip.Hash)

	// State hashes chain from the initial one through every block (rule S-21).
	prev := statemachine.InitialStateHash(dep)
	require.Equal(t, Hash32(prev), initialStateHash(meta{DeploymentID: dep.ID()}))
	for h := uint32(1); h <= tip.Height; h++ {
		blk, err := api.Block(ctx, h)
		require.NoError(t, err)
		s := blk.Summary
		require.Equal(t, chain.hashAt(int32(h)), s.Hash)
		evs := make([]statemachine.Event, 0, len(blk.Events))
		raw, err := NewReader(ix.db.Pebble()).events(h)
		require.NoError(t, err)
		evs = append(evs, raw...)
		require.Equal(t, [32]byte(s.EventsHash), statemachine.EventsHash(evs))
		want := statemachine.StateHash(prev, s.Hash, s.EventsHash, s.WriteSetHash)
		require.Equal(t, Hash32(want), s.StateHash, "height %d", h)
		sh, err := api.StateHash(ctx, h)
		require.NoError(t, err)
		require.Equal(t, s.StateHash, sh.StateHash)
		prev = want
	}
	require.Equal(t, Hash32(prev), tip.StateHash)
	_, err = api.StateHash(ctx, tip.Height+1)
	require.True(t, errors.Is(err, ErrNotFound))
}

// TestIndexerFakeReorg switches an in-memory chain between branches (depth 3, then
// back with depth 4) and compares the full state dump and state hash with a fresh
// indexer's after each switch.
func TestIndexerFakeReorg(t *testing.T) {
	dep := regtest(t)
	chain := newFakeChain()
	f := newSender(t, dep, faucet())
	bob := newSender(t, dep, nil)
	ins := newSender(t, dep, nil)
	chain.mineN(t, 2)
	fork := chain.tip()

	ix := startIndexer(t, chain, t.TempDir())
	// Branch A: fund bob, bob pays back.
	a1 := f.transfer(t, bob.pub(), 7000)
	a2 := bob.transfer(t, f.pub(), 100)
	chain.mine(t, fork, fakeReveal(t, ins.key, "", payloadBody(t, a1)))
	chain.mine(t, chain.tip(), fakeReveal(t, ins.key, "", payloadBody(t, a2)))
	chain.mine(t, chain.tip())
	tipA := chain.tip()
	waitFor(t, ix, tipA, 20*time.Second)
	dumpA, _ := dumpOf(t, ix.API())

	// Branch B (4 blocks): bob's payment first (fails: no balance, skipped), funding later.
	b := chain.mine(t, fork, fakeReveal(t, ins.key, "", payloadBody(t, a2)))
	b = chain.mine(t, b.BlockHash())
	b = chain.mine(t, b.BlockHash(), fakeReveal(t, ins.key, "", payloadBody(t, a1)))
	chain.mine(t, b.BlockHash())
	waitFor(t, ix, chain.tip(), 20*time.Second)
	dumpB, tipB := dumpOf(t, ix.API())
	require.NotEqual(t, dumpDigest(dumpA), dumpDigest(dumpB), "the branches must differ for the test to mean anything")

	fresh := startIndexer(t, chain, t.TempDir())
	waitFor(t, fresh, chain.tip(), 20*time.Second)
	dumpF, tipF := dumpOf(t, fresh.API())
	require.Equal(t, dumpF, dumpB)
	require.Equal(t, tipF, tipB)

	// And back to A, extended to be longer (depth 4 from B's tip).
	for range 3 {
		tipA = chain.mine(t, tipA).BlockHash()
	}
	require.Equal(t, tipA, chain.tip())
	waitFor(t, ix, tipA, 20*time.Second)
	fresh2 := startIndexer(t, chain, t.TempDir())
	waitFor(t, fresh2, tipA, 20*time.Second)
	d1, t1 := dumpOf(t, ix.API())
	d2, t2 := dumpOf(t, fresh2.API())
	require.Equal(t, d2, d1)
	require.Equal(t, t2, t1)
	require.Equal(t, dumpDigest(dumpA), dumpDigest(d1), "empty blocks on A change no state")
}
