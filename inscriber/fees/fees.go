package fees

import (
	"context"
	"errors"

	"github.com/bitai-l2/bitai/btcnode"
)

var errTODO = errors.New("fees: not implemented yet")

// FeeSource gives a fee rate in sat/vB for confirmation within targetBlocks.
type FeeSource interface {
	FeeRate(ctx context.Context, targetBlocks int) (satPerVB int64, err error)
}

// NodeFeeSource asks a node's estimator and clamps to [Floor, Cap].
type NodeFeeSource struct {
	Client     *btcnode.Client
	Floor, Cap int64
}

// FeeRate implements FeeSource.
func (s NodeFeeSource) FeeRate(ctx context.Context, targetBlocks int) (int64, error) {
	return 0, errTODO
}

// Fixed is a constant fee rate in sat/vB.
type Fixed int64

// FeeRate implements FeeSource.
func (f Fixed) FeeRate(context.Context, int) (int64, error) { return int64(f), nil }

// FeeFunction gives the fee rate to use at a block height.
type FeeFunction interface{ RateAt(height int32) int64 }

// LinearFee moves from start to cap linearly by deadline.
func LinearFee(start, cap int64, startHeight, deadline int32) FeeFunction { return nil }

// MinReplacementFee is the least fee a replacement may pay.
func MinReplacementFee(oldFee, oldVSize, newVSize, incrementalRelay int64) int64 { return 0 }
