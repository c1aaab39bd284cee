package wallet

import (
	"math/rand/v2"
	"testing"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

// coin returns a coin of value at height (0 = unconfirmed), id n.
func coin(n byte, value int64, height int32) UTXO {
	return UTXO{OutPoint: wire.OutPoint{Hash: chainhash.Hash{n}, Index: uint32(n)}, Value: value,
		PkScript: foreign, Height: height}
}

// weightOf builds the tx SelectCoins sized, with real-sized witnesses, and
// returns its weight: the independent check of SelectCoins' arithmetic.
func weightOf(sel []UTXO, outs []*wire.TxOut, change int64, changeScript []byte) int64 {
	tx := wire.NewMsgTx(2)
	for _, c := range sel {
		tx.AddTxIn(&wire.TxIn{PreviousOutPoint: c.OutPoint, Sequence: wire.MaxTxInSequenceNum - 2,
			Witness: wire.TxWitness{make([]byte, 64)}})
	}
	for _, o := range outs {
		tx.AddTxOut(o)
	}
	if change > 0 {
		tx.AddTxOut(wire.NewTxOut(change, changeScript))
	}
	return int64(tx.SerializeSizeStripped())*3 + int64(tx.SerializeSize())
}

// baseWeightOf is the weight of a tx with outs and no inputs, counted with the
// segwit marker and flag: what SelectCoins' baseWeight means.
func baseWeightOf(outs []*wire.TxOut) int64 {
	tx := wire.NewMsgTx(2)
	for _, o := range outs {
		tx.AddTxOut(o)
	}
	return int64(tx.SerializeSizeStripped())*4 + 2
}

func TestSelectCoins(t *testing.T) {
	changeScript := foreign
	outs := []*wire.TxOut{wire.NewTxOut(20_000, foreign)}
	base := baseWeightOf(outs)
	// Fees of one input without and with change, at 2 sat/vB.
	fee1 := (base + InputWeightP2TR + 3) / 4 * 2
	fee1c := (base + InputWeightP2TR + 4*43 + 3) / 4 * 2
	tests := []struct {
		name       string
		coins      []UTXO
		target     int64
		wantIDs    []byte
		wantChange int64
		wantErr    bool
	}{
		{"smallest single confirmed coin", []UTXO{coin(1, 10_000, 5), coin(2, 50_000, 5), coin(3, 100_000, 5)},
			20_000, []byte{2}, 50_000 - 20_000 - fee1c, false},
		{"change exactly dust", []UTXO{coin(1, 20_000+fee1c+DustP2TR, 5)}, 20_000, []byte{1}, DustP2TR, false},
		{"change below dust goes to the fee", []UTXO{coin(1, 20_000+fee1c+DustP2TR-1, 5)}, 20_000, []byte{1}, 0, false},
		{"no change, exact", []UTXO{coin(1, 20_000+fee1, 5)}, 20_000, []byte{1}, 0, false},
		{"one sat short of no change", []UTXO{coin(1, 20_000+fee1-1, 5)}, 20_000, nil, 0, true},
		{"largest first when no single coin pays", []UTXO{coin(1, 9_000, 5), coin(2, 8_000, 5), coin(3, 7_000, 5), coin(4, 6_000, 5)},
			20_000, []byte{1, 2, 3}, 9_000 + 8_000 + 7_000 - 20_000 - (base+3*InputWeightP2TR+4*43+3)/4*2, false},
		{"confirmed before a bigger unconfirmed coin", []UTXO{coin(1, 100_000, 0), coin(2, 30_000, 3)},
			20_000, []byte{2}, 30_000 - 20_000 - fee1c, false},
		{"unconfirmed only when confirmed fall short", []UTXO{coin(1, 100_000, 0), coin(2, 15_000, 3)},
			20_000, []byte{2, 1}, 115_000 - 20_000 - (base+2*InputWeightP2TR+4*43+3)/4*2, false},
		{"reserved and watched are skipped", []UTXO{
			{OutPoint: wire.OutPoint{Index: 1}, Value: 1e8, Height: 1, Reserved: []byte("p")},
			{OutPoint: wire.OutPoint{Index: 2}, Value: 1e8, Height: 1, Branch: BranchWatched},
			coin(3, 30_000, 1)}, 20_000, []byte{3}, 30_000 - 20_000 - fee1c, false},
		{"nothing usable", []UTXO{{OutPoint: wire.OutPoint{Index: 1}, Value: 1e8, Height: 1, Reserved: []byte("p")}},
			20_000, nil, 0, true},
		{"no coins", nil, 20_000, nil, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for round := range 3 { // input order must not matter
				coins := append([]UTXO(nil), tc.coins...)
				rand.New(rand.NewPCG(uint64(round), 1)).Shuffle(len(coins), func(i, j int) { coins[i], coins[j] = coins[j], coins[i] })
				sel, change, fee, err := SelectCoins(coins, 20_000, 2, base, changeScript)
				if tc.wantErr {
					require.ErrorIs(t, err, ErrInsufficientFunds)
					var ife *InsufficientFundsError
					require.ErrorAs(t, err, &ife)
					require.Equal(t, int64(20_000), ife.Target)
					require.ErrorContains(t, err, "need")
					return
				}
				require.NoError(t, err)
				var ids []byte
				var sum int64
				for _, c := range sel {
					ids = append(ids, c.OutPoint.Hash[0])
					sum += c.Value
				}
				require.Equal(t, tc.wantIDs, ids)
				require.Equal(t, tc.wantChange, change)
				require.Equal(t, sum, tc.target+change+fee, "value is conserved")
				w := weightOf(sel, outs, change, changeScript)
				if change > 0 {
					require.Equal(t, (w+3)/4*2, fee, "fee = vsize × rate of the real tx")
				} else {
					require.GreaterOrEqual(t, fee, (w+3)/4*2)
				}
			}
		})
	}
}

// TestSelectCoinsErrorAmounts checks the amounts an InsufficientFundsError names.
func TestSelectCoinsErrorAmounts(t *testing.T) {
	outs := []*wire.TxOut{wire.NewTxOut(50_000, foreign)}
	base := baseWeightOf(outs)
	coins := []UTXO{coin(1, 10_000, 1), coin(2, 20_000, 0),
		{OutPoint: wire.OutPoint{Index: 9}, Value: 7_000, Height: 1, Reserved: []byte("x")}}
	_, _, _, err := SelectCoins(coins, 50_000, 3, base, foreign)
	var ife *InsufficientFundsError
	require.ErrorAs(t, err, &ife)
	tx := weightOf(coins[:2], outs, 0, nil)
	require.Equal(t, InsufficientFundsError{Target: 50_000, Fee: (tx + 3) / 4 * 3, Available: 30_000, Coins: 2, Unusable: 7_000}, *ife)
}

// TestSelectCoinsManyInputs: 253 inputs take a 3-byte count.
func TestSelectCoinsManyInputs(t *testing.T) {
	var coins []UTXO
	for i := range 300 {
		c := coin(byte(i), 1_000, 1)
		c.OutPoint.Index = uint32(i)
		coins = append(coins, c)
	}
	outs := []*wire.TxOut{wire.NewTxOut(253_000-253*58-400, foreign)}
	sel, change, fee, err := SelectCoins(coins, outs[0].Value, 1, baseWeightOf(outs), foreign)
	require.NoError(t, err)
	require.Len(t, sel, 253)
	w := weightOf(sel, outs, change, foreign)
	if change > 0 {
		require.Equal(t, (w+3)/4, fee)
	} else {
		require.GreaterOrEqual(t, fee, (w+3)/4)
	}
}

func TestSelectCoinsArgs(t *testing.T) {
	c := []UTXO{coin(1, 1e8, 1)}
	for _, args := range [][3]int64{{-1, 1, 100}, {1, -1, 100}, {1, 1, 0}} {
		_, _, _, err := SelectCoins(c, args[0], args[1], args[2], foreign)
		require.Error(t, err)
		require.NotErrorIs(t, err, ErrInsufficientFunds)
	}
	_, _, _, err := SelectCoins(c, 1, 1, 100, nil)
	require.Error(t, err)
}
