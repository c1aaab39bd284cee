package policy

import (
	"errors"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

var errTODO = errors.New("policy: not implemented yet")

// Limits are the mempool limits the model enforces.
type Limits struct {
	MaxAncestors, MaxDescendants   int
	MaxAncestorVB, MaxDescendantVB int64
	MaxClusterTxs                  int
	MaxClusterVB                   int64
	IncrementalRelay               int64
}

// CoreLimits returns the stricter of Core v30 and v31.
func CoreLimits() Limits { return Limits{} }

// Mempool is the model's mempool.
type Mempool struct{ l Limits }

// NewMempool returns an empty mempool.
func NewMempool(l Limits) *Mempool { return &Mempool{l: l} }

// Add admits tx paying fee.
func (m *Mempool) Add(tx *wire.MsgTx, fee int64) error { return errTODO }

// Replace admits tx in place of old.
func (m *Mempool) Replace(old []chainhash.Hash, tx *wire.MsgTx, fee int64) error { return errTODO }

// Remove drops a confirmed tx.
func (m *Mempool) Remove(txid chainhash.Hash) {}

// CheckSchedule checks a broadcast schedule.
func CheckSchedule(l Limits, blocks [][]*wire.MsgTx, fees map[chainhash.Hash]int64) error {
	return errTODO
}
