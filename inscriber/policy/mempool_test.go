package policy

import (
	"testing"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

// TestChainLimits adds chains of 24, 25 and 26 txs (Core's 25-tx ancestor and
// descendant limits), a 100 kvB tx with a 2 kvB child (the 101 kvB limits), and
// shapes that only the cluster limits refuse.
func TestChainLimits(t *testing.T) {
	tests := []struct {
		name    string
		build   func(t *testing.T) []*wire.MsgTx // added in order; only the last may fail
		wantErr error
		msg     string
	}{
		{"chain of 24", func(t *testing.T) []*wire.MsgTx { return chain(t, 24, 200, 100) }, nil, ""},
		{"chain of 25", func(t *testing.T) []*wire.MsgTx { return chain(t, 25, 200, 100) }, nil, ""},
		{"chain of 26", func(t *testing.T) []*wire.MsgTx { return chain(t, 26, 200, 100) },
			ErrTooManyAncestors, "26 txs with its ancestors (limit 25)"},
		{"100 kvB + 1 kvB chain", func(t *testing.T) []*wire.MsgTx {
			p := mkTx(t, 100_000, 1, 1, confirmed(1))
			return []*wire.MsgTx{p, mkTx(t, 1_000, 2, 1, out(p, 0))}
		}, nil, ""},
		{"100 kvB + 2 kvB chain", func(t *testing.T) []*wire.MsgTx {
			p := mkTx(t, 100_000, 1, 1, confirmed(1))
			return []*wire.MsgTx{p, mkTx(t, 2_000, 2, 1, out(p, 0))}
		}, ErrAncestorSize, "102000 vB with its ancestors (limit 101000)"},
		{"parent with 24 children", func(t *testing.T) []*wire.MsgTx { return fan(t, 24, 200) }, nil, ""},
		{"parent with 25 children", func(t *testing.T) []*wire.MsgTx { return fan(t, 25, 200) },
			ErrTooManyDescendants, "26 txs with its descendants (limit 25)"},
		{"descendants over 101 kvB, each ancestor set under", func(t *testing.T) []*wire.MsgTx {
			a := mkTx(t, 50_000, 1, 2, confirmed(1))
			return []*wire.MsgTx{a, mkTx(t, 30_000, 2, 1, out(a, 0)), mkTx(t, 25_000, 3, 1, out(a, 1))}
		}, ErrDescendantSize, "105000 vB with its descendants (limit 101000)"},
		{"zigzag cluster of 64", func(t *testing.T) []*wire.MsgTx { return zigzag(t, 31, 200, 200, true) }, nil, ""},
		{"zigzag cluster of 65", func(t *testing.T) []*wire.MsgTx { return zigzag(t, 32, 200, 200, false) },
			ErrClusterCount, "cluster of 65 txs (limit 64)"},
		{"zigzag cluster of 103 kvB", func(t *testing.T) []*wire.MsgTx { return zigzag(t, 3, 25_000, 1_000, false) },
			ErrClusterSize, "cluster of 103000 vB (limit 101000)"},
		{"over the standard weight", func(t *testing.T) []*wire.MsgTx {
			return []*wire.MsgTx{mkTx(t, 100_001, 1, 1, confirmed(1))}
		}, ErrTxWeight, "(limit 400000)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMempool(CoreLimits())
			txs := tc.build(t)
			for i, tx := range txs {
				err := m.Add(tx, 10*VSize(tx))
				if i < len(txs)-1 || tc.wantErr == nil {
					require.NoError(t, err, "tx %d", i)
					continue
				}
				require.ErrorIs(t, err, tc.wantErr)
				require.ErrorIs(t, err, ErrPolicy)
				require.ErrorContains(t, err, tc.msg)
				require.False(t, m.Has(tx.TxHash()))
				require.Equal(t, len(txs)-1, m.Len())
			}
		})
	}
}

// fan builds a parent with n outputs and n children, one per output.
func fan(t *testing.T, n int, vsize int64) []*wire.MsgTx {
	p := mkTx(t, 2_000, 1, n, confirmed(1))
	txs := []*wire.MsgTx{p}
	for i := range n {
		txs = append(txs, mkTx(t, vsize, uint32(10+i), 1, out(p, uint32(i))))
	}
	return txs
}

// zigzag builds parents P0..Pn (n+1 txs, confirmed inputs) and children C0..Cn−1,
// Ci spending Pi and Pi+1, and with tail one more child of Pn: one cluster of
// 2n+1 (+1) txs in which no tx has more than 2 ancestors or 3
// descendants-with-itself.
func zigzag(t *testing.T, n int, parentVB, childVB int64, tail bool) []*wire.MsgTx {
	var ps, txs []*wire.MsgTx
	for i := 0; i <= n; i++ {
		p := mkTx(t, parentVB, uint32(1000+i), 3, confirmed(1000+i))
		ps = append(ps, p)
		txs = append(txs, p)
	}
	for i := 0; i < n; i++ {
		txs = append(txs, mkTx(t, childVB, uint32(2000+i), 1, out(ps[i], 1), out(ps[i+1], 0)))
	}
	if tail {
		txs = append(txs, mkTx(t, childVB, 3000, 1, out(ps[n], 2)))
	}
	return txs
}

func TestAddMisc(t *testing.T) {
	m := NewMempool(CoreLimits())
	a := mkTx(t, 200, 1, 1, confirmed(1))
	require.ErrorIs(t, m.Add(a, 199), ErrMinRelayFee)
	require.NoError(t, m.Add(a, 200))
	require.ErrorIs(t, m.Add(a, 400), ErrDuplicate)
	b := mkTx(t, 200, 2, 1, confirmed(1)) // same input as a
	require.ErrorIs(t, m.Add(b, 10_000), ErrConflict)
	require.Equal(t, []chainhash.Hash{a.TxHash()}, m.TxIDs())

	// Zero limits check nothing.
	z := NewMempool(Limits{})
	for _, tx := range chain(t, 30, 200, 50) {
		require.NoError(t, z.Add(tx, 0))
	}
}

// TestRemove: confirming the head of a full chain makes room for one more.
func TestRemove(t *testing.T) {
	m := NewMempool(CoreLimits())
	txs := chain(t, 26, 200, 1)
	for _, tx := range txs[:25] {
		require.NoError(t, m.Add(tx, 1_000))
	}
	require.ErrorIs(t, m.Add(txs[25], 1_000), ErrTooManyAncestors)
	m.Remove(txs[0].TxHash())
	m.Remove(chainhash.Hash{9}) // unknown: ignored
	require.Equal(t, 24, m.Len())
	require.NoError(t, m.Add(txs[25], 1_000))
	// The removed tx's input is free again as far as the model knows.
	require.NoError(t, m.Add(mkTx(t, 200, 99, 1, txs[0].TxIn[0].PreviousOutPoint), 1_000))
}
