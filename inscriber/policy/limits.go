package policy

import (
	"errors"
	"fmt"
)

// Limits are the mempool limits the model enforces. Sizes are virtual bytes
// (⌈weight/4⌉), rates sat/vB. A zero field is not checked.
type Limits struct {
	// MaxAncestors bounds a tx's in-mempool ancestors plus itself (Core
	// -limitancestorcount).
	MaxAncestors int
	// MaxDescendants bounds, for each in-mempool ancestor of a new tx, that
	// ancestor plus its descendants including the new tx (-limitdescendantcount).
	MaxDescendants int
	// MaxAncestorVB bounds the vsize of a tx plus its ancestors (-limitancestorsize).
	MaxAncestorVB int64
	// MaxDescendantVB bounds, for each ancestor, its vsize plus its descendants'
	// including the new tx (-limitdescendantsize).
	MaxDescendantVB int64
	// MaxClusterTxs bounds the txs of the connected component a new tx joins,
	// itself included (Core v31 -limitclustercount).
	MaxClusterTxs int
	// MaxClusterVB bounds that component's vsize (v31 -limitclustersize).
	MaxClusterVB int64
	// IncrementalRelay is the fee rate (sat/vB) a replacement must add over the
	// fees it evicts, per vbyte of its own (BIP125 rule 4; -incrementalrelayfee).
	IncrementalRelay int64

	// MinRelayFee is the least fee rate (sat/vB) a tx must pay (-minrelaytxfee).
	MinRelayFee int64
	// MaxTxWeight bounds one tx's weight (MAX_STANDARD_TX_WEIGHT).
	MaxTxWeight int64
	// MaxEvicted bounds the txs one replacement evicts, conflicts and their
	// descendants (Core ≤ v30's BIP125 rule 5).
	MaxEvicted int
	// MaxBlockWeight bounds the weight of the txs CheckSchedule mines in one
	// block (Core's -blockmaxweight default leaves 4,000 WU of 4 MWU for the
	// header and coinbase).
	MaxBlockWeight int64
}

// CoreLimits returns the stricter of Bitcoin Core v30's and v31's default policy
// (DECISIONS C7): v30's ancestor/descendant limits (25 txs, 101 kvB each way) and
// v31's cluster limits (64 txs, 101 kvB), with no CPFP carve-out (v31 removed it);
// 1 sat/vB minimum relay and incremental relay fee (btcd's relay fee and Core ≤
// v29's default; v30 lowered both to 0.1 sat/vB, so 1 is the stricter); 400,000 WU
// per tx; at most 100 txs evicted per replacement; 3,996,000 WU of txs per block.
func CoreLimits() Limits {
	return Limits{
		MaxAncestors:     25,
		MaxDescendants:   25,
		MaxAncestorVB:    101_000,
		MaxDescendantVB:  101_000,
		MaxClusterTxs:    64,
		MaxClusterVB:     101_000,
		IncrementalRelay: 1,
		MinRelayFee:      1,
		MaxTxWeight:      400_000,
		MaxEvicted:       100,
		MaxBlockWeight:   3_996_000,
	}
}

// Errors name the rule a tx breaks; every one also matches ErrPolicy.
var (
	// ErrPolicy matches every refusal by the model.
	ErrPolicy = errors.New("mempool policy")

	ErrTooManyAncestors   = errors.New("too many unconfirmed ancestors")
	ErrAncestorSize       = errors.New("unconfirmed ancestors too large")
	ErrTooManyDescendants = errors.New("too many unconfirmed descendants")
	ErrDescendantSize     = errors.New("unconfirmed descendants too large")
	ErrClusterCount       = errors.New("cluster has too many txs")
	ErrClusterSize        = errors.New("cluster too large")
	ErrTxWeight           = errors.New("tx weight over the standard limit")
	ErrMinRelayFee        = errors.New("fee below the minimum relay fee")
	ErrDuplicate          = errors.New("tx already in the mempool")
	ErrConflict           = errors.New("tx conflicts with a mempool tx")
	ErrReplacement        = errors.New("replacement rejected")
	ErrSchedule           = errors.New("schedule malformed")
	ErrBlockWeight        = errors.New("block over the weight limit")
)

// policyError wraps kind and ErrPolicy with a message naming the numbers.
func policyError(kind error, format string, args ...any) error {
	return fmt.Errorf("%w: %w: %s", ErrPolicy, kind, fmt.Sprintf(format, args...))
}
