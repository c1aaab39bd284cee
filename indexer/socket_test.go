package indexer

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/store"
)

// TestOpenAPI checks the query paths of DECISIONS A6: beside a running indexer the
// database is locked and OpenAPI answers through the socket, with the same answers as
// the database itself (dump, tip, state hash, tx, account, errors); with the indexer
// stopped it opens the database; an empty datadir or a dead socket is an error that
// says so.
func TestOpenAPI(t *testing.T) {
	ctx := context.Background()
	dep := regtest(t)
	chain := newFakeChain()
	f := newSender(t, dep, faucet())
	bob := newSender(t, dep, nil)
	tx := f.transfer(t, bob.pub(), 123)
	chain.mineN(t, 2)
	chain.mine(t, chain.tip(), fakeReveal(t, bob.key, "", payloadBody(t, tx)))
	ai := newAISetup(t, f, testVK(t))
	inf := ai.infer(t, f, []byte("calldata"))
	chain.mine(t, chain.tip(), fakeReveal(t, f.key, "", payloadBody(t, ai.model, ai.eternal, ai.chain, inf)))
	chain.mineN(t, 1)

	dir := t.TempDir()
	_, err := OpenAPI(ctx, dir)
	require.ErrorIs(t, err, ErrNoIndex)

	ix := startIndexer(t, chain, dir, func(c *Config) { c.Socket = true })
	waitFor(t, ix, chain.tip(), 20*time.Second)
	local := ix.API()

	api, err := OpenAPI(ctx, dir)
	require.NoError(t, err)
	_, isSocket := api.(*SocketClient)
	require.True(t, isSocket, "the database is locked by the indexer: OpenAPI must use the socket")

	wantDump, wantTip := dumpOf(t, local)
	gotDump, gotTip := dumpOf(t, api)
	require.NotEmpty(t, wantDump)
	require.Equal(t, wantDump, gotDump)
	require.Equal(t, wantTip, gotTip)

	for h := uint32(1); h <= wantTip.Height; h++ {
		w, err := local.StateHash(ctx, h)
		require.NoError(t, err)
		g, err := api.StateHash(ctx, h)
		require.NoError(t, err)
		require.Equal(t, w, g)
		wb, err := local.Block(ctx, h)
		require.NoError(t, err)
		gb, err := api.Block(ctx, h)
		require.NoError(t, err)
		require.Equal(t, wb, gb)
	}
	wtx, err := local.Tx(ctx, Hash32(tx.TxID()))
	require.NoError(t, err)
	gtx, err := api.Tx(ctx, Hash32(tx.TxID()))
	require.NoError(t, err)
	require.Equal(t, wtx, gtx)
	acct, err := api.Account(ctx, Hash32(bob.pub()))
	require.NoError(t, err)
	require.Equal(t, 123+tx.Fee, acct.Balance, "the amount plus the fee: bob inscribed it")

	// Objects survive the JSON round trip unchanged.
	we, err := local.Eternal(ctx, ai.eternalID)
	require.NoError(t, err)
	ge, err := api.Eternal(ctx, ai.eternalID)
	require.NoError(t, err)
	require.Equal(t, we, ge)
	reqID := bitai.ObjectID(inf.TxID(), 0)
	wr, err := local.Request(ctx, reqID)
	require.NoError(t, err)
	gr, err := api.Request(ctx, reqID)
	require.NoError(t, err)
	require.Equal(t, wr, gr)
	wc, err := local.Chain(ctx, ai.chainID, 0, 5)
	require.NoError(t, err)
	gc, err := api.Chain(ctx, ai.chainID, 0, 5)
	require.NoError(t, err)
	require.Equal(t, wc, gc)
	require.Len(t, gc.Entries, 1)

	_, err = api.StateHash(ctx, 999)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = api.Eternal(ctx, bitai.ID{0, 9})
	require.ErrorIs(t, err, ErrNotFound)
	require.NoError(t, api.Close())

	// A dead socket beside a locked database is an error naming the socket.
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, ix.Stop(sctx))
	_, err = os.Stat(SocketPath(dir))
	require.True(t, errors.Is(err, os.ErrNotExist), "Stop removes the socket")
	holder, err := store.Open(DBDir(dir), store.Options{})
	require.NoError(t, err)
	_, err = OpenAPI(ctx, dir)
	require.ErrorIs(t, err, store.ErrLocked)
	require.ErrorContains(t, err, "index.sock")
	require.NoError(t, holder.Close())

	// Stopped: the database itself.
	api, err = OpenAPI(ctx, dir)
	require.NoError(t, err)
	_, isDB := api.(*DBAPI)
	require.True(t, isDB)
	d, tip := dumpOf(t, api)
	require.Equal(t, wantDump, d)
	require.Equal(t, wantTip, tip)
	require.NoError(t, api.Close())
}
