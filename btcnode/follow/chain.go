package follow

import (
	"context"

	"github.com/bitai-l2/bitai/btcnode"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// BlockID names a block by hash and height (btcnode's type).
type BlockID = btcnode.BlockID

// BlockNotification is one notifyblocks message from the node (btcnode's type).
type BlockNotification = btcnode.BlockNotification

// Chain is what the follower reads from a Bitcoin node: its best block, the hash
// of its active chain at a height, and any block it knows by hash (btcd and Bitcoin
// Core keep side-chain blocks, which Disconnect events need). Block must return
// an error matching btcnode.ErrBlockNotFound for a block the node does not know.
type Chain interface {
	// BestBlock returns the tip of the node's active chain.
	BestBlock(ctx context.Context) (BlockID, error)
	// BlockHash returns the hash of the active chain's block at height.
	BlockHash(ctx context.Context, height int32) (chainhash.Hash, error)
	// Block returns the block with the given hash, on the active chain or not.
	Block(ctx context.Context, hash chainhash.Hash) (*wire.MsgBlock, error)
}

// Notifier delivers block notifications (btcd's notifyblocks websocket). The
// returned channel closes when ctx ends or the subscription dies; the follower then
// polls and resubscribes with backoff.
type Notifier interface {
	NotifyBlocks(ctx context.Context) (<-chan BlockNotification, error)
}

var (
	_ Chain    = (*btcnode.Client)(nil)
	_ Notifier = (*btcnode.Client)(nil)
)
