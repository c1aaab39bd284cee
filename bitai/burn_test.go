package bitai

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/mempool"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

// brnKey is a key that lifts: the x coordinate of the generator G.
var brnKey = func() [32]byte {
	b, err := hex.DecodeString("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")
	if err != nil {
		panic(err)
	}
	return [32]byte(b)
}()

// brnBadKey returns an x that is not on the curve (found by search, checked by btcec).
func brnBadKey(t testing.TB) [32]byte {
	for i := byte(1); i < 255; i++ {
		var k [32]byte
		k[31] = i
		if _, err := schnorr.ParsePubKey(k[:]); err != nil {
			return k
		}
	}
	t.Fatal("no invalid x found")
	return [32]byte{}
}

func TestBurnScriptBytes(t *testing.T) {
	got := BurnScript(brnKey)
	want := "6a" + "25" + "6269746169" + "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
	require.Equal(t, want, hex.EncodeToString(got))
	require.Len(t, got, BurnScriptLen)
	// btcd sees one standard null-data output.
	require.Equal(t, txscript.NullDataTy, txscript.GetScriptClass(got))
	require.True(t, txscript.IsUnspendable(got))
}

// TestBurnTxStandard runs btcd's own mempool policy over a tx with a burn output and
// change (DECISIONS §2 item 7: the two-push form fails it).
func TestBurnTxStandard(t *testing.T) {
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: 0}, nil, wire.TxWitness{make([]byte, 64)}))
	tx.AddTxOut(wire.NewTxOut(5000, BurnScript(brnKey)))
	tx.AddTxOut(wire.NewTxOut(10_000, append([]byte{0x51, 0x20}, brnKey[:]...)))
	check := func(tx *wire.MsgTx) error {
		return mempool.CheckTransactionStandard(btcutil.NewTx(tx), 1000, time.Unix(1_700_000_000, 0), 1000, 2)
	}
	require.NoError(t, check(tx))

	twoPush := append([]byte{0x6a, 0x05}, "bitai"...)
	twoPush = append(append(twoPush, 0x20), brnKey[:]...)
	tx.TxOut[0].PkScript = twoPush
	require.Error(t, check(tx), "the DESIGN's two-push form is non-standard in btcd")
	require.Empty(t, ParseBurns(tx), "and it is not a burn")
}

func TestParseBurns(t *testing.T) {
	bad := brnBadKey(t)
	p2tr := append([]byte{0x51, 0x20}, brnKey[:]...)
	pushdata1 := append([]byte{0x6a, 0x4c, 0x25}, append([]byte("bitai"), brnKey[:]...)...)
	tests := []struct {
		name string
		outs []*wire.TxOut
		want []Burn
	}{
		{"one burn", []*wire.TxOut{{Value: 1000, PkScript: BurnScript(brnKey)}},
			[]Burn{{Output: 0, Key: brnKey, Amount: 1000}}},
		{"after change", []*wire.TxOut{{Value: 5, PkScript: p2tr}, {Value: 7, PkScript: BurnScript(brnKey)}},
			[]Burn{{Output: 1, Key: brnKey, Amount: 7}}},
		{"several, in output order", []*wire.TxOut{{Value: 1, PkScript: BurnScript(brnKey)}, {Value: 0, PkScript: BurnScript(brnKey)},
			{Value: 3, PkScript: BurnScript(bad)}},
			[]Burn{{Output: 0, Key: brnKey, Amount: 1}, {Output: 1, Key: brnKey, Reason: ReasonBurnZero},
				{Output: 2, Key: bad, Reason: ReasonBurnKey}}},
		{"zero value", []*wire.TxOut{{Value: 0, PkScript: BurnScript(brnKey)}},
			[]Burn{{Output: 0, Key: brnKey, Reason: ReasonBurnZero}}},
		{"zero value and bad key: value first", []*wire.TxOut{{Value: 0, PkScript: BurnScript(bad)}},
			[]Burn{{Output: 0, Key: bad, Reason: ReasonBurnZero}}},
		{"x = 0 does not lift", []*wire.TxOut{{Value: 9, PkScript: BurnScript([32]byte{})}},
			[]Burn{{Output: 0, Reason: ReasonBurnKey}}},
		{"x ≥ p does not lift", []*wire.TxOut{{Value: 9, PkScript: BurnScript([32]byte(bytes.Repeat([]byte{0xff}, 32)))}},
			[]Burn{{Output: 0, Key: [32]byte(bytes.Repeat([]byte{0xff}, 32)), Reason: ReasonBurnKey}}},
		{"PUSHDATA1 form", []*wire.TxOut{{Value: 9, PkScript: pushdata1}}, nil},
		{"extra byte", []*wire.TxOut{{Value: 9, PkScript: append(BurnScript(brnKey), 0x00)}}, nil},
		{"short key", []*wire.TxOut{{Value: 9, PkScript: append([]byte{0x6a, 0x24}, append([]byte("bitai"), brnKey[:31]...)...)}}, nil},
		{"other tag", []*wire.TxOut{{Value: 9, PkScript: append([]byte{0x6a, 0x25}, append([]byte("BITAI"), brnKey[:]...)...)}}, nil},
		{"bare OP_RETURN", []*wire.TxOut{{Value: 9, PkScript: []byte{0x6a}}}, nil},
		{"no outputs", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tx := wire.NewMsgTx(2)
			for _, o := range tc.outs {
				tx.AddTxOut(o)
			}
			require.Equal(t, tc.want, ParseBurns(tx))
		})
	}
	require.True(t, strings.HasPrefix(ReasonBurnKey.String(), "burn_"))
}
