package indexer

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/btcnode/testnode"
)

// btcdIndexer starts an in-process indexer on a real btcd node (notifications on).
func btcdIndexer(t *testing.T, n *testnode.Node, dir string) *Indexer {
	t.Helper()
	return startIndexer(t, n.Client(), dir, func(c *Config) { c.Notifier = n.Client() })
}

// inscribe writes txs as one payload in a commit/reveal pair; the reveal is not sent.
func inscribe(t *testing.T, n *testnode.Node, key *btcec.PrivateKey, txs ...*bitai.Tx) *testnode.Inscription {
	t.Helper()
	return n.Inscribe(t, "", payloadBody(t, txs...), testnode.InscribeOptions{Key: key, NoBroadcast: true})
}

// nextNonce reads a sender's next nonce from the indexer's state.
func nextNonce(t *testing.T, ix *Indexer, s *sender) uint64 {
	t.Helper()
	a, err := ix.API().Account(context.Background(), Hash32(s.pub()))
	require.NoError(t, err)
	s.nonce = a.NextNonce
	return a.Balance
}

// mineChain mines blocks on parent, one per entry of txs, and returns the last hash.
func mineChain(t *testing.T, n *testnode.Node, parent chainhash.Hash, blocks [][]*wire.MsgTx) chainhash.Hash {
	t.Helper()
	for _, txs := range blocks {
		parent = n.MineBlockOn(t, parent, txs...).BlockHash()
	}
	return parent
}

// TestReorgEqualsReindexBtcd runs reorgs of depth 1, 2, 6 and 20 on real btcd
// (competing branches via MineBlockOn). Branch A (d blocks) carries, in its first
// block, P1 (faucet → s2), P2 (s2 → s3, affordable only after P1), P3 (faucet → s3)
// and P4 (s4 → s2). Branch B (d+1 blocks, so btcd switches to it):
//
//	        ┌─ A1[C1 R1 C2 R2 C3 R3 C4 R4] ─ A2 … Ad
//	T ──────┤
//	        └─ B1[D C2 R2] ─ B2 … ─ B(d+1)[C1 R1]
//
// moves P1 to the last block (after P2: the two senders' payloads are reordered, so
// P2 now fails execution), drops P3, and double-spends P4's commit input with D. After
// each reorg the indexer's full ordered state dump and state hash must equal a fresh
// indexer's over the final chain, and the outcomes must be B's.
func TestReorgEqualsReindexBtcd(t *testing.T) {
	n := testnode.Start(t)
	ctx := context.Background()
	dep := regtest(t)
	f := newSender(t, dep, faucet())
	s2, s3, s4 := newSender(t, dep, nil), newSender(t, dep, nil), newSender(t, dep, nil)
	insKey, err := btcec.NewPrivateKey()
	require.NoError(t, err)

	// Enough mature coinbases that no Fund has to mine (which would confirm staged
	// mempool txs), then the base: fund s2 and s4.
	n.Generate(t, 140)
	baseTxs := []*bitai.Tx{f.transfer(t, s2.pub(), 50_000), f.transfer(t, s4.pub(), 50_000)}
	ai := newAISetup(t, f, testVK(t))
	base := inscribe(t, n, insKey, append(baseTxs, ai.model, ai.eternal, ai.chain)...)
	mineChain(t, n, n.Tip(t).Hash, [][]*wire.MsgTx{{base.Commit, base.Reveal}})
	ix := btcdIndexer(t, n, t.TempDir())
	waitFor(t, ix, n.Tip(t).Hash, 60*time.Second)

	for _, d := range []int{1, 2, 6, 20} {
		t.Run(fmt.Sprintf("depth%d", d), func(t *testing.T) {
			nextNonce(t, ix, f)
			b2 := nextNonce(t, ix, s2)
			nextNonce(t, ix, s4)
			const x = 1_000_000
			p1 := f.transfer(t, s2.pub(), x)
			inf1 := ai.infer(t, f, []byte(fmt.Sprintf("moved %d", d)))
			p2 := s2.transfer(t, s3.pub(), b2+x/2) // needs P1 first
			p3 := f.transfer(t, s3.pub(), 777)
			inf3 := ai.infer(t, f, []byte(fmt.Sprintf("dropped %d", d)))
			p4 := s4.transfer(t, s2.pub(), 5)
			i1, i2 := inscribe(t, n, insKey, p1, inf1), inscribe(t, n, insKey, p2)
			i3, i4 := inscribe(t, n, insKey, p3, inf3), inscribe(t, n, insKey, p4)
			// D spends the coin C4 spends.
			op := i4.Commit.TxIn[0].PreviousOutPoint
			out, err := n.Client().GetTxOut(ctx, op, false)
			require.NoError(t, err)
			require.NotNil(t, out)
			dbl := testnode.Spend(t, n.Key(), op, wire.NewTxOut(out.Value, out.PkScript),
				wire.NewTxOut(out.Value-2_000, n.PkScript()))

			fork := n.Tip(t)
			blocksA := make([][]*wire.MsgTx, d)
			blocksA[0] = []*wire.MsgTx{i1.Commit, i1.Reveal, i2.Commit, i2.Reveal, i3.Commit, i3.Reveal, i4.Commit, i4.Reveal}
			tipA := mineChain(t, n, fork.Hash, blocksA)
			n.WaitForTip(t, tipA)
			waitFor(t, ix, tipA, 60*time.Second)
			dumpA, _ := dumpOf(t, ix.API())
			for _, p := range []*bitai.Tx{p1, inf1, p2, p3, inf3, p4} {
				info, err := ix.API().Tx(ctx, Hash32(p.TxID()))
				require.NoError(t, err)
				require.Equal(t, TxApplied, info.Status, "branch A applies everything: %s", info.Inclusions[0].Reason)
			}

			blocksB := make([][]*wire.MsgTx, d+1)
			blocksB[0] = []*wire.MsgTx{dbl, i2.Commit, i2.Reveal}
			blocksB[d] = append(blocksB[d], i1.Commit, i1.Reveal)
			tipB := mineChain(t, n, fork.Hash, blocksB)
			n.WaitForTip(t, tipB)
			waitFor(t, ix, tipB, 60*time.Second)
			dumpB, tipInfo := dumpOf(t, ix.API())
			require.NotEqual(t, dumpDigest(dumpA), dumpDigest(dumpB), "the reorg must change the state")

			// B's outcomes.
			got1, err := ix.API().Tx(ctx, Hash32(p1.TxID()))
			require.NoError(t, err)
			require.Equal(t, TxApplied, got1.Status)
			require.Equal(t, uint32(fork.Height)+uint32(d)+1, got1.Effective.Height, "P1 moved to B's last block")
			require.Len(t, got1.Inclusions, 1, "A's inclusion is gone")
			got2, err := ix.API().Tx(ctx, Hash32(p2.TxID()))
			require.NoError(t, err)
			require.Equal(t, TxFailed, got2.Status, "P2 before P1: s2 cannot pay")
			req, err := ix.API().Request(ctx, bitai.ObjectID(inf1.TxID(), 0))
			require.NoError(t, err)
			require.Equal(t, got1.Effective.Height, req.Request.ConfirmHeight, "the moved Infer's request is B's")
			_, err = ix.API().Request(ctx, bitai.ObjectID(inf3.TxID(), 0))
			require.ErrorIs(t, err, ErrNotFound, "the dropped Infer's request is gone")
			for _, p := range []*bitai.Tx{p3, inf3, p4} {
				_, err := ix.API().Tx(ctx, Hash32(p.TxID()))
				require.ErrorIs(t, err, ErrNotFound, "dropped / double-spent payloads leave no trace")
			}

			fresh := btcdIndexer(t, n, t.TempDir())
			waitFor(t, fresh, tipB, 60*time.Second)
			dumpF, tipF := dumpOf(t, fresh.API())
			require.Equal(t, len(dumpF), len(dumpB))
			require.Equal(t, dumpF, dumpB, "reorged state ≠ re-indexed state")
			require.Equal(t, tipF, tipInfo)
			sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			require.NoError(t, fresh.Stop(sctx))
			t.Logf("depth %d: %d state keys, state hash %s at height %d", d, len(dumpB), tipInfo.StateHash, tipInfo.Height)
		})
	}
}
