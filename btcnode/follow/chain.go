package follow

import (
	"context"
	"errors"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// BlockID names a block by hash and height.
//
// TODO(H5): becomes an alias of btcnode.BlockID once package btcnode lands.
type BlockID struct {
	Hash   chainhash.Hash
	Height int32
}

// BlockNotification is one notifyblocks message from the node.
//
// TODO(H5): becomes an alias of btcnode.BlockNotification once package btcnode lands.
type BlockNotification struct {
	Connected bool
	Hash      chainhash.Hash
	Height    int32
}

// Chain is what the follower reads from a Bitcoin node: its best block, the hash
// of its active chain at a height, and any block it knows by hash (btcd and Bitcoin
// Core keep side-chain blocks, which Disconnect events need).
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

// errBlockNotFound stands in for btcnode.ErrBlockNotFound.
//
// TODO(H5): replace with btcnode.ErrBlockNotFound once package btcnode lands.
var errBlockNotFound = errors.New("block not found")
