package fees

import (
	"context"
	"errors"
	"fmt"

	"github.com/bitai-l2/bitai/btcnode"
)

// FeeSource gives a fee rate in sat/vB for confirmation within targetBlocks.
type FeeSource interface {
	FeeRate(ctx context.Context, targetBlocks int) (satPerVB int64, err error)
}

var (
	_ FeeSource = NodeFeeSource{}
	_ FeeSource = Fixed(0)
)

// ErrConfig: a fee source's Floor or Cap is out of range.
var ErrConfig = errors.New("invalid fee config")

// NodeFeeSource asks a node's estimator (btcd estimatefee, Core estimatesmartfee,
// chosen by the client's backend) and clamps the answer to [Floor, Cap] sat/vB.
//
// A node without an estimate is not an error: btcd errors until it has seen three
// blocks and then answers 0 until it has data, Core answers without a feerate; all
// of these (btcnode.ErrNoFeeEstimate) give Floor. Any other failure (transport,
// auth, a paused node) is returned, so the caller keeps its last rate and retries
// rather than silently dropping to the floor.
type NodeFeeSource struct {
	Client *btcnode.Client
	// Floor is the least rate returned, in sat/vB (at least 1: btcd's and Core
	// ≤ v29's minimum relay fee; DECISIONS C6).
	Floor int64
	// Cap is the greatest rate returned, in sat/vB (≥ Floor; DECISIONS C6's
	// default is 50).
	Cap int64
}

// Validate checks Floor and Cap.
func (s NodeFeeSource) Validate() error {
	switch {
	case s.Client == nil:
		return fmt.Errorf("%w: nil Client", ErrConfig)
	case s.Floor < 1:
		return fmt.Errorf("%w: Floor %d sat/vB < 1", ErrConfig, s.Floor)
	case s.Cap < s.Floor:
		return fmt.Errorf("%w: Cap %d sat/vB < Floor %d sat/vB", ErrConfig, s.Cap, s.Floor)
	}
	return nil
}

// FeeRate implements FeeSource. The node's sat/kvB answer is rounded up to whole
// sat/vB before clamping.
func (s NodeFeeSource) FeeRate(ctx context.Context, targetBlocks int) (int64, error) {
	if err := s.Validate(); err != nil {
		return 0, err
	}
	perKVB, err := s.Client.EstimateFee(ctx, targetBlocks)
	if errors.Is(err, btcnode.ErrNoFeeEstimate) {
		return s.Floor, nil
	}
	if err != nil {
		return 0, fmt.Errorf("fee estimate: %w", err)
	}
	return Clamp(ceilDiv(perKVB, 1000), s.Floor, s.Cap), nil
}

// Clamp returns rate limited to [floor, ceiling].
func Clamp(rate, floor, ceiling int64) int64 {
	return max(floor, min(rate, ceiling))
}

// Fixed is a constant fee rate in sat/vB (tests, or an operator's override).
type Fixed int64

// FeeRate implements FeeSource.
func (f Fixed) FeeRate(context.Context, int) (int64, error) { return int64(f), nil }

// ceilDiv is ⌈a/b⌉ for a ≥ 0, b > 0.
func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }
