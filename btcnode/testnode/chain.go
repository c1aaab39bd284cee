package testnode

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/btcnode"
)

const (
	// waitTimeout bounds the Wait*/ConnectTo/Disconnect helpers.
	waitTimeout = 20 * time.Second
	// waitTick is their polling interval.
	waitTick = 20 * time.Millisecond
)

// Generate mines k blocks with btcd's generate (they pay the node's key and take
// mempool txs) and returns their hashes.
func (n *Node) Generate(t testing.TB, k int) []chainhash.Hash {
	t.Helper()
	ctx, cancel := n.ctx()
	defer cancel()
	hs, err := n.client.Generate(ctx, k)
	require.NoError(t, err, "generate %d", k)
	return hs
}

// Tip returns the node's best block.
func (n *Node) Tip(t testing.TB) btcnode.BlockID {
	t.Helper()
	ctx, cancel := n.ctx()
	defer cancel()
	id, err := n.client.BestBlock(ctx)
	require.NoError(t, err)
	return id
}

// WaitForHeight waits until the node's tip is at height h or above and returns it.
func (n *Node) WaitForHeight(t testing.TB, h int32) btcnode.BlockID {
	t.Helper()
	var tip btcnode.BlockID
	waitFor(t, func() bool {
		id, err := n.tryTip()
		tip = id
		return err == nil && id.Height >= h
	}, func() string {
		return fmt.Sprintf("node %s never reached height %d (tip %d)", n.rpcAddr, h, tip.Height)
	})
	return tip
}

// WaitForTip waits until the node's tip is hash.
func (n *Node) WaitForTip(t testing.TB, hash chainhash.Hash) btcnode.BlockID {
	t.Helper()
	var tip btcnode.BlockID
	waitFor(t, func() bool {
		id, err := n.tryTip()
		tip = id
		return err == nil && id.Hash == hash
	}, func() string {
		return fmt.Sprintf("node %s never reached tip %v (at %d %v)", n.rpcAddr, hash, tip.Height, tip.Hash)
	})
	return tip
}

// waitFor polls cond like require.Eventually and fails with what() evaluated at
// the end.
func waitFor(t testing.TB, cond func() bool, what func() string) {
	t.Helper()
	if !assert.Eventually(t, cond, waitTimeout, waitTick) {
		t.Fatal(what())
	}
}

// tryTip reads the tip without failing the test.
func (n *Node) tryTip() (btcnode.BlockID, error) {
	ctx, cancel := n.ctx()
	defer cancel()
	return n.client.BestBlock(ctx)
}

// peer is the part of getpeerinfo the helpers use.
type peer struct {
	ID        int32  `json:"id"`
	Addr      string `json:"addr"`
	AddrLocal string `json:"addrlocal"`
	Inbound   bool   `json:"inbound"`
}

// peers returns getpeerinfo.
func (n *Node) peers() ([]peer, error) {
	ctx, cancel := n.ctx()
	defer cancel()
	var ps []peer
	err := n.client.Call(ctx, "getpeerinfo", nil, &ps)
	return ps, err
}

// outboundTo returns n's outbound peer to addr, if any.
func (n *Node) outboundTo(addr string) (peer, bool) {
	ps, err := n.peers()
	if err != nil {
		return peer{}, false
	}
	for _, p := range ps {
		if !p.Inbound && p.Addr == addr {
			return p, true
		}
	}
	return peer{}, false
}

// hasPeerAddr reports whether n has any peer whose remote address is addr.
func (n *Node) hasPeerAddr(addr string) bool {
	ps, err := n.peers()
	if err != nil {
		return true // unknown: keep waiting
	}
	for _, p := range ps {
		if p.Addr == addr {
			return true
		}
	}
	return false
}

// ConnectTo opens a temporary P2P connection from n to other (btcd's
// "node connect addr temp", which, unlike addnode, Disconnect can cut for good) and
// waits until the peer is up and both nodes have the same tip. Only blocks sync at
// once; txs trickle (every 50 ms with testnode's flags). Two tips of equal work
// never converge: give one side a longer chain first.
func (n *Node) ConnectTo(t testing.TB, other *Node) {
	t.Helper()
	ctx, cancel := n.ctx()
	defer cancel()
	err := n.client.Call(ctx, "node", []any{"connect", other.p2pAddr, "temp"}, nil)
	require.NoError(t, err, "node connect %s", other.p2pAddr)
	require.Eventually(t, func() bool {
		_, ok := n.outboundTo(other.p2pAddr)
		return ok
	}, waitTimeout, waitTick, "peer %s never came up", other.p2pAddr)
	require.Eventually(t, func() bool {
		a, errA := n.tryTip()
		b, errB := other.tryTip()
		return errA == nil && errB == nil && a == b
	}, waitTimeout, waitTick, "nodes %s and %s never agreed on a tip", n.rpcAddr, other.rpcAddr)
}

// Disconnect cuts the P2P link between n and other, whichever side opened it, and
// waits until neither side lists the other.
func (n *Node) Disconnect(t testing.TB, other *Node) {
	t.Helper()
	for _, pair := range [][2]*Node{{n, other}, {other, n}} {
		from, to := pair[0], pair[1]
		p, ok := from.outboundTo(to.p2pAddr)
		if !ok {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), from.timeout)
		err := from.client.Call(ctx, "node", []any{"disconnect", to.p2pAddr}, nil)
		cancel()
		require.NoError(t, err, "node disconnect %s", to.p2pAddr)
		require.Eventually(t, func() bool {
			return !from.hasPeerAddr(to.p2pAddr) && !to.hasPeerAddr(p.AddrLocal)
		}, waitTimeout, waitTick, "link %s -> %s never went down", from.p2pAddr, to.p2pAddr)
	}
}
