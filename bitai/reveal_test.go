package bitai

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/mempool"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

// rvlPriv derives a fixed test key from a label.
func rvlPriv(label string) *btcec.PrivateKey {
	h := sha256.Sum256([]byte(label))
	priv, _ := btcec.PrivKeyFromBytes(h[:])
	return priv
}

// rvlXOnly is priv's x-only public key.
func rvlXOnly(priv *btcec.PrivateKey) [32]byte {
	return [32]byte(schnorr.SerializePubKey(priv.PubKey()))
}

// rvlBIP86 is the P2TR output script of a key with no script tree.
func rvlBIP86(t testing.TB, pub *btcec.PublicKey) []byte {
	t.Helper()
	s, err := txscript.PayToTaprootScript(txscript.ComputeTaprootKeyNoScript(pub))
	require.NoError(t, err)
	return s
}

// rvlWeight is the weight computed from btcd's serialization, as
// blockchain.GetTransactionWeight does: stripped·3 + full.
func rvlWeight(tx *wire.MsgTx) int64 {
	return int64(tx.SerializeSizeStripped()*3 + tx.SerializeSize())
}

// rvlExecute runs btcd's script engine with standard flags over input idx.
func rvlExecute(t testing.TB, tx *wire.MsgTx, idx int, prev *wire.TxOut) {
	t.Helper()
	fetcher := txscript.NewCannedPrevOutputFetcher(prev.PkScript, prev.Value)
	vm, err := txscript.NewEngine(prev.PkScript, tx, idx, txscript.StandardVerifyFlags, nil,
		txscript.NewTxSigHashes(tx, fetcher), prev.Value, fetcher)
	require.NoError(t, err)
	require.NoError(t, vm.Execute())
}

// rvlStandard runs btcd's mempool standardness policy over tx.
func rvlStandard(t testing.TB, tx *wire.MsgTx) {
	t.Helper()
	require.NoError(t, mempool.CheckTransactionStandard(btcutil.NewTx(tx), 1000, time.Unix(1_700_000_000, 0), 1000, 2))
}

// rvlPair is a signed commit and reveal carrying body.
type rvlPair struct {
	commit, reveal *wire.MsgTx
	fundOut        *wire.TxOut // what the commit spends
	commitOut      *wire.TxOut // what the reveal spends
	script, cb     []byte
}

// rvlBuild builds and signs a commit (one BIP86 wallet input → commit output + change)
// and its reveal (→ one 330-sat P2TR output) for body, checking the weights are exact.
func rvlBuild(t testing.TB, enc string, body []byte) rvlPair {
	t.Helper()
	inscriber, wallet := rvlPriv("bitai/test/inscriber"), rvlPriv("bitai/test/wallet")
	script, err := EnvelopeScript(rvlXOnly(inscriber), enc, body)
	require.NoError(t, err)
	commitPk, cb, err := CommitOutput(inscriber.PubKey(), script)
	require.NoError(t, err)
	require.Len(t, cb, 33)

	walletPk := rvlBIP86(t, wallet.PubKey())
	revealOut := wire.NewTxOut(330, walletPk)
	revealWeight := RevealWeight(len(script), revealOut)
	const feeRate = 2 // sat/vB
	commitValue := VSize(revealWeight)*feeRate + revealOut.Value

	fundOut := wire.NewTxOut(100_000_000, walletPk)
	commit := wire.NewMsgTx(2)
	commit.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: chainhash.Hash{1}, Index: 3}, nil, nil))
	commit.AddTxOut(wire.NewTxOut(commitValue, commitPk))
	change := wire.NewTxOut(0, walletPk)
	commit.AddTxOut(change)
	commitWeight := CommitWeight(1, commit.TxOut...)
	change.Value = fundOut.Value - commitValue - VSize(commitWeight)*feeRate
	require.NoError(t, SignKeyPath(commit, 0, txscript.NewCannedPrevOutputFetcher(fundOut.PkScript, fundOut.Value), nil, wallet))
	require.Equal(t, commitWeight, rvlWeight(commit), "CommitWeight is exact")

	reveal := RevealSkeleton(wire.OutPoint{Hash: commit.TxHash(), Index: 0}, revealOut)
	commitOut := commit.TxOut[0]
	require.NoError(t, SignReveal(reveal, 0, txscript.NewCannedPrevOutputFetcher(commitOut.PkScript, commitOut.Value),
		script, cb, inscriber))
	require.Equal(t, revealWeight, rvlWeight(reveal), "RevealWeight is exact")
	return rvlPair{commit: commit, reveal: reveal, fundOut: fundOut, commitOut: commitOut, script: script, cb: cb}
}

func TestCommitRevealExecute(t *testing.T) {
	maxBody := MaxRevealBody("", wire.NewTxOut(330, make([]byte, 34)))
	sizes := []struct {
		name string
		n    int
	}{
		{"1 B", 1},
		{"100 KB", 100_000},
		{"390,000 B", 390_000},
		{"largest standard body", maxBody},
	}
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			body := tplBody(sz.n)
			p := rvlBuild(t, "", body)
			rvlExecute(t, p.commit, 0, p.fundOut)
			rvlExecute(t, p.reveal, 0, p.commitOut)
			rvlStandard(t, p.commit)
			rvlStandard(t, p.reveal)
			w := rvlWeight(p.reveal)
			require.LessOrEqual(t, w, int64(MaxStandardTxWeight))
			require.Equal(t, []*wire.TxIn{{PreviousOutPoint: wire.OutPoint{Hash: p.commit.TxHash()}, Sequence: 0xfffffffd,
				Witness: p.reveal.TxIn[0].Witness}}, p.reveal.TxIn)

			cands := AcceptTx(p.reveal)
			require.Len(t, cands, 1)
			require.Equal(t, ReasonNone, cands[0].Reason)
			require.Equal(t, body, cands[0].Body)
			require.Equal(t, rvlXOnly(rvlPriv("bitai/test/inscriber")), cands[0].Inscriber)
			accCrossCheckOrd(t, p.reveal, cands[0])

			rv, cv := VSize(w), VSize(rvlWeight(p.commit))
			t.Logf("body %d B: reveal %d WU / %d vB (%.4f B/vB), commit %d vB, pair %.4f B/vB",
				sz.n, w, rv, float64(sz.n)/float64(rv), cv, float64(sz.n)/float64(rv+cv))
		})
	}
	// One more byte does not fit.
	require.Greater(t, RevealWeight(EnvelopeScriptLen("", maxBody+1), wire.NewTxOut(330, make([]byte, 34))),
		int64(MaxStandardTxWeight))
	require.Greater(t, maxBody, 397_000)
}

// TestRevealWeight390k pins the 390,000-byte reveal's weight (1-in, one P2TR output):
// 4·94 stripped bytes (version 4, 1 input 41, 1 output 43, counts 2, locktime 4), +2
// marker/flag, +1 item count, +65 signature, +(5 + script) script, +34 control block.
func TestRevealWeight390k(t *testing.T) {
	out := wire.NewTxOut(330, make([]byte, 34))
	scriptLen := EnvelopeScriptLen("", 390_000)
	// 750 full pushes of 523 bytes and one of 3 + 0 ... : 390,000 = 750·520 exactly.
	require.Equal(t, 34+6+27+8+1+750*523+1, scriptLen)
	want := int64(4*94 + 2 + 1 + 65 + 5 + scriptLen + 34)
	require.Equal(t, want, RevealWeight(scriptLen, out))
	t.Logf("390,000-byte body: script %d B, reveal %d WU, %d vB, %.4f body bytes/vB",
		scriptLen, want, VSize(want), 390_000/float64(VSize(want)))
}

func TestCommitSweep(t *testing.T) {
	p := rvlBuild(t, "br", tplBody(5000))
	inscriber := rvlPriv("bitai/test/inscriber")
	out := wire.NewTxOut(p.commitOut.Value-200, rvlBIP86(t, inscriber.PubKey()))
	sweep := wire.NewMsgTx(2)
	sweep.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: p.commit.TxHash()}, nil, nil))
	sweep.AddTxOut(out)
	fetch := txscript.NewCannedPrevOutputFetcher(p.commitOut.PkScript, p.commitOut.Value)
	require.NoError(t, SignCommitSweep(sweep, 0, fetch, p.script, inscriber))
	require.Equal(t, CommitWeight(1, out), rvlWeight(sweep))
	rvlExecute(t, sweep, 0, p.commitOut)

	// Without the script-root tweak the key path does not open the commit output.
	require.NoError(t, SignKeyPath(sweep, 0, fetch, nil, inscriber))
	fetcher := txscript.NewCannedPrevOutputFetcher(p.commitOut.PkScript, p.commitOut.Value)
	vm, err := txscript.NewEngine(p.commitOut.PkScript, sweep, 0, txscript.StandardVerifyFlags, nil,
		txscript.NewTxSigHashes(sweep, fetcher), p.commitOut.Value, fetcher)
	require.NoError(t, err)
	require.Error(t, vm.Execute())
}

func TestSignRevealErrors(t *testing.T) {
	p := rvlBuild(t, "", tplBody(10))
	inscriber := rvlPriv("bitai/test/inscriber")
	fetch := txscript.NewCannedPrevOutputFetcher(p.commitOut.PkScript, p.commitOut.Value)
	otherScript, err := EnvelopeScript(rvlXOnly(inscriber), "", tplBody(11))
	require.NoError(t, err)
	_, otherCB, err := CommitOutput(rvlPriv("someone else").PubKey(), p.script)
	require.NoError(t, err)
	tests := []struct {
		name   string
		idx    int
		fetch  txscript.PrevOutputFetcher
		script []byte
		cb     []byte
		priv   *btcec.PrivateKey
	}{
		{"wrong key", 0, fetch, p.script, p.cb, rvlPriv("wrong")},
		{"script not committed", 0, fetch, otherScript, p.cb, inscriber},
		{"control block of another internal key", 0, fetch, p.script, otherCB, inscriber},
		{"bad control block", 0, fetch, p.script, p.cb[:32], inscriber},
		{"input out of range", 1, fetch, p.script, p.cb, inscriber},
		{"prevout not P2TR", 0, txscript.NewCannedPrevOutputFetcher([]byte{0x00, 0x14}, 1000), p.script, p.cb, inscriber},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tx := RevealSkeleton(wire.OutPoint{Hash: p.commit.TxHash()}, wire.NewTxOut(330, p.fundOut.PkScript))
			require.Error(t, SignReveal(tx, tc.idx, tc.fetch, tc.script, tc.cb, tc.priv))
			require.Nil(t, tx.TxIn[0].Witness)
		})
	}
	_, _, err = CommitOutput(nil, p.script)
	require.Error(t, err)
}

// TestMaxRevealBodyOutputs: more outputs leave less room for the body.
func TestMaxRevealBodyOutputs(t *testing.T) {
	p2tr := wire.NewTxOut(330, make([]byte, 34))
	one := MaxRevealBody("", p2tr)
	two := MaxRevealBody("", p2tr, p2tr)
	br := MaxRevealBody("br", p2tr)
	require.Less(t, two, one)
	require.Equal(t, one-5, br, "the br tag costs 5 script bytes")
	for _, n := range []int{one, two} {
		require.LessOrEqual(t, RevealWeight(EnvelopeScriptLen("", n), p2tr), int64(MaxStandardTxWeight))
	}
}
