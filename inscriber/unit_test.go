package inscriber

import (
	"crypto/rand"
	"errors"
	"io"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/inscriber/policy"
	"github.com/bitai-l2/bitai/inscriber/wallet"
)

// testCoin is a confirmed BIP86 coin of a fresh key.
func testCoin(t *testing.T, value int64) coin {
	t.Helper()
	priv, err := btcec.NewPrivateKey()
	require.NoError(t, err)
	pk, err := wallet.P2TR(priv.PubKey())
	require.NoError(t, err)
	var h chainhash.Hash
	_, _ = rand.Read(h[:])
	return coin{OutPoint: wire.OutPoint{Hash: h}, Value: value, PkScript: pk, Key: priv}
}

func testKey(t *testing.T) *btcec.PrivateKey {
	k, err := btcec.NewPrivateKey()
	require.NoError(t, err)
	return k
}

// pair builds a commit funding one reveal per body at cap, and the reveals at rate.
func pair(t *testing.T, key *btcec.PrivateKey, cap, rate int64, bodies ...[]byte) (*wire.MsgTx, []*wire.MsgTx, []int64) {
	t.Helper()
	change := testCoin(t, 0).PkScript
	var outs []*wire.TxOut
	var envs []envelope
	for _, b := range bodies {
		env, err := makeEnvelope(key, "", b)
		require.NoError(t, err)
		envs = append(envs, env)
		outs = append(outs, wire.NewTxOut(revealVSize(len(env.Script))*cap+DustLimit, env.PkScript))
	}
	commit, cfee, err := buildKeyPathTx([]coin{testCoin(t, 100_000_000)}, outs, change, rate)
	require.NoError(t, err)
	fees := []int64{cfee}
	var reveals []*wire.MsgTx
	for i, env := range envs {
		fee := revealVSize(len(env.Script)) * rate
		r, err := buildReveal(key, env, wire.OutPoint{Hash: commit.TxHash(), Index: uint32(i)}, outs[i].Value, fee, change)
		require.NoError(t, err)
		reveals = append(reveals, r)
		fees = append(fees, fee)
	}
	return commit, reveals, fees
}

// TestBuilderExactWeights: the weights computed before signing are the signed
// transactions' weights, for body sizes around the push boundaries and the standard
// limit; one byte more than maxWholeBody does not fit a standard reveal; a reveal
// tampered with after signing fails btcd's script engine.
func TestBuilderExactWeights(t *testing.T) {
	key := testKey(t)
	max := maxWholeBody("")
	for _, n := range []int{1, 2, 75, 76, 255, 256, 520, 521, 1040, 1041, 100_001, max} {
		body := make([]byte, n)
		body[0] = bitai.BodyKindPayload
		commit, reveals, fees := pair(t, key, 20, 3, body)
		require.Equal(t, revealVSize(bitai.EnvelopeScriptLen("", n)), txVSize(reveals[0]), "body %d", n)
		require.Equal(t, fees[1], 3*txVSize(reveals[0]))
		require.Equal(t, fees[0], 3*txVSize(commit))
		cands := bitai.AcceptTx(reveals[0])
		require.Len(t, cands, 1)
		require.Equal(t, bitai.ReasonNone, cands[0].Reason)
		require.Equal(t, body, cands[0].Body)
	}
	require.Greater(t, bitai.RevealWeight(bitai.EnvelopeScriptLen("", max+1), p2trTemplate), int64(bitai.MaxStandardTxWeight))

	env, err := makeEnvelope(key, "", []byte{0, 1, 2})
	require.NoError(t, err)
	parent := wire.OutPoint{Index: 7}
	r, err := buildReveal(key, env, parent, 10_000, 500, env.PkScript)
	require.NoError(t, err)
	r.TxOut[0].Value-- // the signature no longer covers the outputs
	fetch := txscript.NewCannedPrevOutputFetcher(env.PkScript, 10_000)
	err = verifyTx(r, fetch, bitai.RevealWeight(len(env.Script), r.TxOut[0]))
	require.ErrorIs(t, err, ErrBuild)
	require.Contains(t, err.Error(), "script engine")

	_, err = buildReveal(key, env, parent, 1_000, 900, env.PkScript)
	require.ErrorIs(t, err, ErrBuild, "dust output refused")
}

// TestPolicyChunkSet (C5, C7): a 1.5 MB chunk set's reveals cannot all ride on their
// unconfirmed commit under Bitcoin Core's 101 kvB limits, which btcd does not
// enforce; once the commit confirms each chunk spends its own confirmed output and
// all go in parallel.
func TestPolicyChunkSet(t *testing.T) {
	e := make([]byte, 1_500_000)
	_, _ = rand.Read(e)
	bodies, err := partBodies("", e, chunkBodySize("", len(e)))
	require.NoError(t, err)
	require.Len(t, bodies, 4)
	commit, reveals, fees := pair(t, testKey(t), 20, 2, bodies...)
	m := policy.NewMempool(policy.CoreLimits())
	require.NoError(t, m.Add(commit, fees[0]))
	require.NoError(t, m.Add(reveals[0], fees[1]))
	err = m.Add(reveals[1], fees[2])
	require.ErrorIs(t, err, policy.ErrPolicy, "two 100 kvB chunks on one unconfirmed commit")
	m.Remove(commit.TxHash())
	m.Remove(reveals[0].TxHash())
	for i := 1; i < 4; i++ {
		require.NoError(t, m.Add(reveals[i], fees[i+1]), "chunk %d on its own confirmed output", i)
	}
}

// TestPolicyReplacement (C7): a reveal bump paying replacementFee passes BIP125
// rules 3, 4 and Core's feerate rule in the model; paying only the fee function's
// rate at an equal rate does not. In a chain, replacing a reveal with sent
// descendants pays for all of them.
func TestPolicyReplacement(t *testing.T) {
	key := testKey(t)
	body := make([]byte, 20_000)
	commit, reveals, fees := pair(t, key, 20, 2, body)
	m := policy.NewMempool(policy.CoreLimits())
	require.NoError(t, m.Add(commit, fees[0]))
	require.NoError(t, m.Add(reveals[0], fees[1]))
	old := txRef{TxID: reveals[0].TxHash(), Fee: fees[1], VSize: txVSize(reveals[0])}
	env, err := makeEnvelope(key, "", body)
	require.NoError(t, err)
	parent := reveals[0].TxIn[0].PreviousOutPoint
	value := commit.TxOut[0].Value
	change := reveals[0].TxOut[0].PkScript

	same, err := buildReveal(key, env, parent, value, fees[1]+1, change)
	require.NoError(t, err)
	err = m.Replace([]chainhash.Hash{old.TxID}, same, fees[1]+1)
	require.ErrorIs(t, err, policy.ErrReplacement, "one more satoshi is not a valid replacement")

	fee := replacementFee(old.Fee, old.VSize, old, nil, 1)
	bumped, err := buildReveal(key, env, parent, value, fee, change)
	require.NoError(t, err)
	require.NoError(t, m.Replace([]chainhash.Hash{old.TxID}, bumped, fee))

	// A chain: r1 → r2 → r3; replacing r1 evicts r2 and r3 and must pay for them.
	chain := chainOf(t, key, 3, 5)
	m = policy.NewMempool(policy.CoreLimits())
	for _, c := range chain {
		require.NoError(t, m.Add(c.tx, c.ref.Fee))
	}
	r1 := chain[1]
	ownOnly := replacementFee(r1.ref.Fee, r1.ref.VSize, r1.ref, nil, 1)
	withDesc := replacementFee(r1.ref.Fee, r1.ref.VSize, r1.ref, []txRef{chain[2].ref, chain[3].ref}, 1)
	require.Greater(t, withDesc, ownOnly)
	for _, tc := range []struct {
		fee int64
		ok  bool
	}{{ownOnly, false}, {withDesc, true}} {
		next := chain[2].env.PkScript
		tx, err := buildReveal(key, r1.env, r1.tx.TxIn[0].PreviousOutPoint, r1.ref.InValue, tc.fee, next)
		require.NoError(t, err)
		err = m.Replace([]chainhash.Hash{r1.tx.TxHash()}, tx, tc.fee)
		if tc.ok {
			require.NoError(t, err)
		} else {
			require.ErrorIs(t, err, policy.ErrReplacement)
		}
	}
}

type chainLink struct {
	tx  *wire.MsgTx
	ref txRef
	env envelope
}

// chainOf builds a chained stream: a commit and n reveals of 10 KB, each paying the
// next one's commit output, at rate.
func chainOf(t *testing.T, key *btcec.PrivateKey, n int, rate int64) []chainLink {
	t.Helper()
	envs := make([]envelope, n)
	var need int64 = DustLimit
	for i := range envs {
		body := make([]byte, 10_000)
		body[1] = byte(i)
		env, err := makeEnvelope(key, "", body)
		require.NoError(t, err)
		envs[i] = env
		need += revealVSize(len(env.Script)) * 20
	}
	commit, cfee, err := buildKeyPathTx([]coin{testCoin(t, 10_000_000)}, []*wire.TxOut{wire.NewTxOut(need, envs[0].PkScript)},
		testCoin(t, 0).PkScript, rate)
	require.NoError(t, err)
	links := []chainLink{{tx: commit, ref: txRef{TxID: commit.TxHash(), Fee: cfee, VSize: txVSize(commit)}}}
	parent, value := wire.OutPoint{Hash: commit.TxHash()}, need
	for i, env := range envs {
		out := testCoin(t, 0).PkScript
		if i+1 < n {
			out = envs[i+1].PkScript
		}
		vs := revealVSize(len(env.Script))
		r, err := buildReveal(key, env, parent, value, vs*rate, out)
		require.NoError(t, err)
		links = append(links, chainLink{tx: r, env: env,
			ref: txRef{TxID: r.TxHash(), Fee: vs * rate, VSize: vs, Parent: parent, InValue: value}})
		parent, value = wire.OutPoint{Hash: r.TxHash()}, value-vs*rate
	}
	return links
}

// TestPolicyChainedLimit (C2, C3): a chain of 100 KB reveals holds at most three
// unconfirmed reveals behind its commit under Core's 101 kvB limits.
func TestPolicyChainedLimit(t *testing.T) {
	key := testKey(t)
	envs := make([]envelope, 5)
	var need int64 = DustLimit
	for i := range envs {
		body := make([]byte, 100_001)
		body[1] = byte(i)
		env, err := makeEnvelope(key, "", body)
		require.NoError(t, err)
		envs[i] = env
		need += revealVSize(len(env.Script)) * 20
	}
	commit, cfee, err := buildKeyPathTx([]coin{testCoin(t, 100_000_000)}, []*wire.TxOut{wire.NewTxOut(need, envs[0].PkScript)}, nil, 2)
	require.NoError(t, err)
	m := policy.NewMempool(policy.CoreLimits())
	require.NoError(t, m.Add(commit, cfee))
	parent, value := wire.OutPoint{Hash: commit.TxHash()}, need
	for i := range 4 {
		vs := revealVSize(len(envs[i].Script))
		r, err := buildReveal(key, envs[i], parent, value, vs*2, envs[i+1].PkScript)
		require.NoError(t, err)
		err = m.Add(r, vs*2)
		if i < 3 {
			require.NoError(t, err, "reveal %d", i)
		} else {
			require.ErrorIs(t, err, policy.ErrPolicy, "a fourth unconfirmed 100 KB reveal")
		}
		parent, value = wire.OutPoint{Hash: r.TxHash()}, value-vs*2
	}
}

// TestRecordCodecs round-trips every record and checks that every cut is
// io.ErrUnexpectedEOF, trailing bytes and oversized counts are ErrRecord.
func TestRecordCodecs(t *testing.T) {
	var h chainhash.Hash
	_, _ = rand.Read(h[:])
	p := &payload{ID: 7, Sum: h, Encoding: "br", Size: 1234, Enqueued: 100, Expiry: 300, Deadline: 150, Batch: 3,
		After: 2, Abandoned: true, Senders: [][32]byte{h, {1}}}
	b := &batch{ID: 3, State: StateRevealSent, Mode: ModeChained, PlanHeight: 100, Deadline: 150, StartRate: 2, CapRate: 50,
		RevealStart: 101, Change: []byte{0x51, 0x20, 1}, Epoch: 1, Inputs: []wire.OutPoint{{Hash: h, Index: 2}},
		Parts:   []part{{Payload: 7, Index: 1, Count: 2, ChunkBody: 397000, ScriptLen: 399000}},
		Commits: []txRef{{TxID: h, Epoch: 1, Fee: 300, VSize: 154, Rate: 2, Sent: true, Height: 101}},
		Reveals: [][]txRef{{{TxID: h, Fee: 1, VSize: 2, Rate: 3, Parent: wire.OutPoint{Hash: h, Index: 1}, InValue: 99}}},
		Sweeps:  []txRef{}, Dups: []chainhash.Hash{h}, Note: "re-planned"}
	tx := testCoin(t, 1)
	raw := wire.NewMsgTx(2)
	raw.AddTxIn(wire.NewTxIn(&tx.OutPoint, nil, wire.TxWitness{make([]byte, 64)}))
	raw.AddTxOut(wire.NewTxOut(5, tx.PkScript))
	rec := &txRecord{Batch: 3, Role: roleReveal, Slot: 1, Fee: 99, Tx: raw}
	recRaw, err := rec.marshal()
	require.NoError(t, err)

	cases := []struct {
		name string
		raw  []byte
		dec  func([]byte) error
	}{
		{"payload", p.marshal(), func(b []byte) error { var q payload; return q.unmarshal(b) }},
		{"batch", b.marshal(), func(r []byte) error { var q batch; return q.unmarshal(r) }},
		{"conf", conf{Height: 5, Hash: h}.marshal(), func(b []byte) error { var q conf; return q.unmarshal(b) }},
		{"spent", spent{By: h, Height: 5}.marshal(), func(b []byte) error { var q spent; return q.unmarshal(b) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, tc.dec(tc.raw))
			for n := 0; n < len(tc.raw); n++ {
				err := tc.dec(tc.raw[:n])
				require.Error(t, err, "cut at %d", n)
				require.True(t, errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, ErrRecord), "cut at %d: %v", n, err)
			}
			require.ErrorIs(t, tc.dec(append(append([]byte(nil), tc.raw...), 0)), ErrRecord)
		})
	}
	var q payload
	require.NoError(t, q.unmarshal(p.marshal()))
	require.Equal(t, *p, q)
	var qb batch
	require.NoError(t, qb.unmarshal(b.marshal()))
	require.Equal(t, *b, qb)
	var qr txRecord
	require.NoError(t, qr.unmarshal(recRaw))
	require.Equal(t, rec.Fee, qr.Fee)
	require.Equal(t, raw.TxHash(), qr.Tx.TxHash())

	// A count over its cap is refused before allocating.
	big := (&batch{State: StatePlanned}).marshal() // ends ncommits ‖ nsweeps ‖ ndups ‖ note length
	big[len(big)-8], big[len(big)-7] = 0xff, 0xff  // ncommits = 65535 > maxVersions
	var qq batch
	require.ErrorIs(t, qq.unmarshal(big), ErrRecord)
}
