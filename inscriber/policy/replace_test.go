package policy

import (
	"testing"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

// TestReplace checks BIP125 rules 2–5, Core's rule 6 and the limits after eviction.
// Every case starts from: a (200 vB, 1,000 sat) spending confirmed output 1, its
// child d (200 vB, 500 sat), and u (200 vB, 1,000 sat), unrelated and unconfirmed.
func TestReplace(t *testing.T) {
	type base struct{ a, d, u *wire.MsgTx }
	ids := func(txs ...*wire.MsgTx) []chainhash.Hash {
		var h []chainhash.Hash
		for _, tx := range txs {
			h = append(h, tx.TxHash())
		}
		return h
	}
	tests := []struct {
		name    string
		repl    func(t *testing.T, b base) (old []chainhash.Hash, tx *wire.MsgTx, fee int64)
		wantErr string // "" = accepted
		evicted int
	}{
		{"pays evicted fees + 1 sat/vB", func(t *testing.T, b base) ([]chainhash.Hash, *wire.MsgTx, int64) {
			return ids(b.a), mkTx(t, 200, 10, 1, confirmed(1)), 1_500 + 200
		}, "", 2},
		{"rule 4: one sat short", func(t *testing.T, b base) ([]chainhash.Hash, *wire.MsgTx, int64) {
			return ids(b.a), mkTx(t, 200, 10, 1, confirmed(1)), 1_500 + 199
		}, "(rule 4)", 0},
		{"rule 3: less than evicted, descendants counted", func(t *testing.T, b base) ([]chainhash.Hash, *wire.MsgTx, int64) {
			return ids(b.a), mkTx(t, 200, 10, 1, confirmed(1)), 1_400
		}, "less than the 1500 sat it evicts (rule 3)", 0},
		{"rule 6: larger, lower feerate", func(t *testing.T, b base) ([]chainhash.Hash, *wire.MsgTx, int64) {
			// 1,000 vB paying 3,000: rules 3–4 hold (≥ 1,500 + 1,000) but 3,000
			// sat/kvB < a's 5,000.
			return ids(b.a), mkTx(t, 1_000, 10, 1, confirmed(1)), 3_000
		}, "not above", 0},
		{"rule 2: new unconfirmed input", func(t *testing.T, b base) ([]chainhash.Hash, *wire.MsgTx, int64) {
			return ids(b.a), mkTx(t, 200, 10, 1, confirmed(1), out(b.u, 0)), 10_000
		}, "adds unconfirmed input", 0},
		{"spends the tx it replaces' descendant", func(t *testing.T, b base) ([]chainhash.Hash, *wire.MsgTx, int64) {
			return ids(b.a), mkTx(t, 200, 10, 1, confirmed(1), out(b.d, 0)), 10_000
		}, "which it replaces", 0},
		{"unlisted conflict", func(t *testing.T, b base) ([]chainhash.Hash, *wire.MsgTx, int64) {
			return ids(b.a), mkTx(t, 200, 10, 1, confirmed(1), confirmed(2)), 10_000
		}, "unlisted tx", 0},
		{"listed tx does not conflict", func(t *testing.T, b base) ([]chainhash.Hash, *wire.MsgTx, int64) {
			return ids(b.a, b.u), mkTx(t, 200, 10, 1, confirmed(1)), 10_000
		}, "does not conflict", 0},
		{"nothing listed", func(t *testing.T, b base) ([]chainhash.Hash, *wire.MsgTx, int64) {
			return nil, mkTx(t, 200, 10, 1, confirmed(1)), 10_000
		}, "no tx to replace", 0},
		{"replaces two", func(t *testing.T, b base) ([]chainhash.Hash, *wire.MsgTx, int64) {
			return ids(b.a, b.u), mkTx(t, 300, 10, 1, confirmed(1), confirmed(2)), 2_500 + 300
		}, "", 3},
		{"replacement over the weight limit", func(t *testing.T, b base) ([]chainhash.Hash, *wire.MsgTx, int64) {
			return ids(b.a), mkTx(t, 100_001, 10, 1, confirmed(1)), 1_000_000
		}, "standard limit", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMempool(CoreLimits())
			a := mkTx(t, 200, 1, 1, confirmed(1))
			d := mkTx(t, 200, 2, 1, out(a, 0))
			u := mkTx(t, 200, 3, 1, confirmed(2))
			require.NoError(t, m.Add(a, 1_000))
			require.NoError(t, m.Add(d, 500))
			require.NoError(t, m.Add(u, 1_000))
			old, tx, fee := tc.repl(t, base{a, d, u})
			err := m.Replace(old, tx, fee)
			if tc.wantErr != "" {
				require.ErrorIs(t, err, ErrPolicy)
				require.ErrorContains(t, err, tc.wantErr)
				require.Equal(t, 3, m.Len(), "unchanged after a refusal")
				require.True(t, m.Has(a.TxHash()) && m.Has(d.TxHash()) && m.Has(u.TxHash()))
				return
			}
			require.NoError(t, err)
			require.True(t, m.Has(tx.TxHash()))
			require.Equal(t, 3-tc.evicted+1, m.Len())
			require.False(t, m.Has(a.TxHash()))
			require.False(t, m.Has(d.TxHash()))
			// The replaced input now belongs to the replacement.
			require.ErrorIs(t, m.Add(mkTx(t, 200, 77, 1, confirmed(1)), 100_000), ErrConflict)
		})
	}
}

// TestReplaceRule2SameParent: a replacement may keep an unconfirmed input of the
// tx it replaces (the reveal bumped beside its unconfirmed commit).
func TestReplaceRule2SameParent(t *testing.T) {
	m := NewMempool(CoreLimits())
	commit := mkTx(t, 154, 1, 1, confirmed(1))
	reveal := mkTx(t, 25_285, 2, 1, out(commit, 0))
	require.NoError(t, m.Add(commit, 154*2))
	require.NoError(t, m.Add(reveal, 25_285*2))
	bumped := mkTx(t, 25_285, 3, 1, out(commit, 0))
	require.ErrorContains(t, m.Replace([]chainhash.Hash{reveal.TxHash()}, bumped, 25_285*3-1), "(rule 4)")
	require.NoError(t, m.Replace([]chainhash.Hash{reveal.TxHash()}, bumped, 25_285*3))
	require.True(t, m.Has(commit.TxHash()))
}

// TestReplaceLimitsAfterEviction: replacing the tip of a full 25-tx chain is
// allowed (the evicted tip does not count), replacing it with two txs' worth is not.
func TestReplaceLimitsAfterEviction(t *testing.T) {
	m := NewMempool(CoreLimits())
	txs := chain(t, 25, 200, 1)
	for _, tx := range txs {
		require.NoError(t, m.Add(tx, 1_000))
	}
	tip := txs[24]
	bumped := mkTx(t, 200, 500, 1, tip.TxIn[0].PreviousOutPoint)
	require.NoError(t, m.Replace([]chainhash.Hash{tip.TxHash()}, bumped, 1_200))
	require.ErrorIs(t, m.Add(mkTx(t, 200, 501, 1, out(bumped, 0)), 1_000), ErrTooManyAncestors)

	// A replacement of tx 23 (evicting 23, 24') whose own ancestors then break the
	// size limit: 23 ancestors of 200 vB + 97,000 vB > 101,000 vB.
	big := mkTx(t, 97_000, 502, 1, txs[23].TxIn[0].PreviousOutPoint)
	err := m.Replace([]chainhash.Hash{txs[23].TxHash()}, big, 1_000_000)
	require.ErrorIs(t, err, ErrAncestorSize)
	require.True(t, m.Has(bumped.TxHash()))
}

// TestReplaceRule5 evicts 100 and 101 txs at once.
func TestReplaceRule5(t *testing.T) {
	for _, n := range []int{100, 101} {
		m := NewMempool(CoreLimits())
		var old []chainhash.Hash
		var ins []wire.OutPoint
		for i := range n {
			tx := mkTx(t, 100, uint32(i), 1, confirmed(i))
			require.NoError(t, m.Add(tx, 100))
			old = append(old, tx.TxHash())
			ins = append(ins, confirmed(i))
		}
		repl := mkTx(t, 10_000, 9999, 1, ins...)
		err := m.Replace(old, repl, 1_000_000)
		if n == 100 {
			require.NoError(t, err)
			require.Equal(t, 1, m.Len())
			continue
		}
		require.ErrorContains(t, err, "would evict 101 txs (rule 5 limit 100)")
		require.Equal(t, n, m.Len())
	}
}
