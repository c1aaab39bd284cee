package statemachine

import (
	"context"
	"testing"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/stretchr/testify/require"
)

// benchBlock builds one block of n txs of the given kind from distinct funded senders,
// on top of the fuzz base state (alice funded; model, Eternal and chain registered).
func benchBlock(b *testing.B, n int, infer bool) (*Machine, *memState, *PreparedBlock) {
	base := loadFuzzBase(b)
	dep := base.m.dep
	st := base.st.clone()
	// Fund n senders directly in state (the benchmark measures ApplyBlock, not funding).
	privs := make([]*btcec.PrivateKey, n)
	for i := range privs {
		privs[i] = testKey("bench" + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676)))
		require.NoError(b, putAccount(st, bitai.XOnly(privs[i]), Account{Balance: 1 << 40}))
	}
	var eternalID, chainID bitai.ID
	require.NoError(b, st.Iterate([]byte{PrefixEternal}, func(k, _ []byte) (bool, error) { copy(eternalID[:], k[1:]); return false, nil }))
	require.NoError(b, st.Iterate([]byte{PrefixChain}, func(k, _ []byte) (bool, error) { copy(chainID[:], k[1:]); return false, nil }))
	calldata := make([]byte, 1000)
	var raws [][]byte
	for i, p := range privs {
		var body bitai.Body = &bitai.Transfer{To: bitai.XOnly(privs[(i+1)%n]), Amount: 5}
		if infer {
			body = &bitai.Infer{EternalID: eternalID, ChainID: chainID, Calldata: calldata, MaxFee: 1 << 30}
		}
		tx := &bitai.Tx{Fee: 1, Expiry: 100, Body: body}
		raws = append(raws, signTx(b, tx, p, dep.ID()))
	}
	h := &harness{t: b, dep: dep, height: dep.ActivationHeight + 1}
	bt := h.newBtcTx()
	body, enc := payloadBody(b, false, raws...)
	bt.envelope(b, bitai.XOnly(testKey("ins")), enc, body, 0xc0)
	p, err := base.m.Prepare(context.Background(), h.makeBlock(bt.finish()), h.height)
	require.NoError(b, err)
	return base.m, st, p
}

func benchApply(b *testing.B, n int, infer bool) {
	m, st, p := benchBlock(b, n, infer)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		s := st.clone()
		b.StartTimer()
		res, err := m.ApplyBlock(s, p)
		require.NoError(b, err)
		if res.Events[len(res.Events)-1].Kind != EventTxApplied {
			b.Fatalf("last tx not applied: %+v", res.Events[len(res.Events)-1])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/tx")
}

// BenchmarkApplyTransfers measures ApplyBlock alone (signatures already verified by
// Prepare) for a block of 1,500 Transfers, about a 0.25 MB block's worth.
func BenchmarkApplyTransfers(b *testing.B) { benchApply(b, 1500, false) }

// BenchmarkApplyInfers is the same for 250 Infers of 1,000 bytes of calldata.
func BenchmarkApplyInfers(b *testing.B) { benchApply(b, 250, true) }
