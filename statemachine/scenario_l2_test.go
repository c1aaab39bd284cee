package statemachine

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/bitai-l2/bitai/aichain"
	"github.com/bitai-l2/bitai/bitai"
	"github.com/cockroachdb/datadriven"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/stretchr/testify/require"
)

// The scenario language's L2 side. A scenario plays the sequencer with package
// aichain: `batch` builds a SubmitBatch from the chain's settled L2 state (the one
// the harness's NativeVerifier derived) and the committed inbox.
//
//	batch <name> chain=C [l1=H] [to=N] [da=inline|pointer] [mut=(m,...)] [tx args]
//	    one L2 op per input line (nonces follow the L2 state):
//	      stake K amount=N | unstake K | unlock K | join K | transfer K to=K2 amount=N
//	      withdraw K to=BITAIKEY amount=N | commit R slots=(0,1,2) [digests=(a,b,c)]
//	      reveal R slots=(..) [digests=(..)] [outputs=(..)] | resolve R
//	    (on a full-rollup chain a reveal carries its digest's output unless
//	    outputs= names another, or "-" for none)
//	    l1 defaults to the next block's height, to to every entry confirmed by l1 up to
//	    the shape's inbox slots. Mutations after the native build: number, prevroot,
//	    newroot (another canonical root), noncanon (newRoot ≥ r), supply (+1),
//	    outcomes (garbage), outcomesv2, withdrawals (garbage), dupoutcome,
//	    fakeoutcome, outcome:R (a refund for request R), data (garbage inline data),
//	    datav2, datahash (another canonical dataHash), nowitness, withhold (pointer
//	    record), forge (proof passes unchecked), withdraw:K:N (an extra withdrawal),
//	    inboxto (+1), inboxtodown (−1), setl1:H, dropoutputs (data v1: the DA
//	    record without outputs), badoutput (data v2 with the first output replaced).
//	l2 C
//	    the chain's settled L2 state: supply, accounts, open requests
//	state settlement=C exit=(C,i)
//
// tx kinds using the L2: deposit l2=K; message l2op=KIND key=K [account=N]
// [l2nonce=N] [to=BITAIKEY] [amount=N] [req=R slot=J digest=D [output=O|-]] [l2sig=bad] [opver=N];
// exit key=K [to=BITAIKEY] [proof=wrongkey|tamper] [index=N] [ver=N].

// l2Key derives a named L2 key and names its public key.
func (s *scenario) l2Key(name string) *aichain.PrivateKey {
	k, err := aichain.NewKey(sha256.Sum256([]byte("bitai statemachine l2 key " + name)))
	require.NoError(s.t, err)
	s.names[aichain.PublicKey(k)] = name
	return k
}

// l2Pub is a named L2 key's compressed public key.
func (s *scenario) l2Pub(name string) [32]byte { return aichain.PublicKey(s.l2Key(name)) }

// l2Chain returns a copy of a chain's settled L2 state: genesis before its first
// batch, else the state the verifier derived for the last settled batch.
func (s *scenario) l2Chain(t testing.TB, chain string) (*aichain.Chain, *ChainView) {
	id := s.obj(chain)
	v, err := NewChainView(s.state(), s.dep, id, s.height)
	require.NoError(t, err, "chain %s", chain)
	if v.Settlement.Number > 0 {
		c, ok := s.verifier.State(id, v.Settlement.Number, v.Settlement.Root)
		require.True(t, ok, "no L2 state of %s at batch %d", chain, v.Settlement.Number)
		return c, v
	}
	c, err := aichain.New(aichain.Config{DeploymentID: v.DeploymentID, ChainID: id, Params: v.Params,
		CircuitID: v.Chain.CircuitID, Shape: testShape})
	require.NoError(t, err)
	return c, v
}

// l2Account is the index of a named key's L2 account (or account=N).
func (s *scenario) l2Account(t testing.TB, c *aichain.Chain, a *args, key string) uint32 {
	if a.has("account") {
		return uint32(a.u64("account", 0))
	}
	i, ok := c.AccountByKey(s.l2Pub(key))
	require.True(t, ok, "no L2 account for %s", key)
	return i
}

// l2Ops builds the ops an op line (or a message) describes; nonces counts the nonces
// already used in this batch per account.
func (s *scenario) l2Ops(t testing.TB, c *aichain.Chain, a *args, kind, subject string, nonces map[uint32]uint64) []aichain.Op {
	kinds := map[string]aichain.OpKind{"transfer": aichain.OpTransfer, "withdraw": aichain.OpWithdraw,
		"stake": aichain.OpStake, "unstake": aichain.OpUnstake, "unlock": aichain.OpUnlock, "join": aichain.OpJoin,
		"commit": aichain.OpCommit, "reveal": aichain.OpReveal, "resolve": aichain.OpResolve}
	k, ok := kinds[kind]
	require.True(t, ok, "unknown L2 op %q", kind)
	chainID := c.Config().ChainID
	if k <= aichain.OpJoin {
		i := s.l2Account(t, c, a, subject)
		acct, _ := c.Account(i)
		o := aichain.Op{Kind: k, Account: i, Nonce: acct.Nonce + nonces[i], Amount: a.u64("amount", 0)}
		if a.has("l2nonce") {
			o.Nonce = a.u64("l2nonce", 0)
		}
		nonces[i]++
		switch k {
		case aichain.OpTransfer:
			to, ok := c.AccountByKey(s.l2Pub(a.str("to", "")))
			require.True(t, ok, "transfer to an unknown L2 key")
			o.To = to
		case aichain.OpWithdraw:
			o.Recipient = s.key(a.str("to", subject))
		}
		require.NoError(t, aichain.SignOp(s.l2Key(subject), chainID, &o))
		return []aichain.Op{o}
	}
	q, ok, err := GetRequest(s.state(), s.obj(subject))
	require.NoError(t, err)
	require.True(t, ok, "request %s", subject)
	base := aichain.Op{Kind: k, RequestSlot: aichain.Slot(q.InboxIndex), RequestID: s.obj(subject)}
	if k == aichain.OpResolve {
		return []aichain.Op{base}
	}
	miners, ok := c.Assignment(q.ConfirmHeight, q.ConfirmBlockHash, base.RequestID)
	require.True(t, ok, "request %s has fewer than 3 miners", subject)
	var ops []aichain.Op
	slots := a.list("slots")
	digests := a.list("digests")
	outputs := a.list("outputs")
	for n, js := range slots {
		j := uint8(js[0] - '0')
		d := "answer"
		if n < len(digests) {
			d = digests[n]
		}
		o := base
		o.Slot = j
		o.Digest = aichain.DigestOf(base.RequestID, []byte(d))
		o.Salt = fr.NewElement(1000 + uint64(j))
		if k == aichain.OpReveal && c.Config().Params.FullRollup {
			// Full-rollup reveals carry their output (rule L-41): the digest's by
			// default, another one or none ("-") by outputs=(..).
			out := d
			if n < len(outputs) {
				out = outputs[n]
			}
			if out != "-" {
				o.HasOutput, o.Output = true, []byte(out)
			}
		}
		if k == aichain.OpCommit {
			o.Commitment = aichain.CommitmentOf(chainID, base.RequestID, miners[j], o.Digest, o.Salt)
			o.Digest, o.Salt = fr.Element{}, fr.Element{}
			acct, _ := c.Account(miners[j])
			require.NoError(t, aichain.SignOp(s.l2Key(s.name(acct.Key)), chainID, &o))
		}
		ops = append(ops, o)
	}
	return ops
}

// messageBody builds a ChainMessage carrying a signed (or unsigned) L2 op.
func (s *scenario) messageBody(t testing.TB, a *args) bitai.Body {
	c, _ := s.l2Chain(t, a.str("chain", ""))
	subject := a.str("key", a.str("req", ""))
	if a.has("slot") {
		a.m["slots"] = a.m["slot"]
		a.m["digests"] = a.m["digest"]
		a.m["outputs"] = a.m["output"]
	}
	ops := s.l2Ops(t, c, a, a.str("l2op", ""), subject, map[uint32]uint64{})
	require.Len(t, ops, 1)
	if a.str("l2sig", "") == "bad" {
		ops[0].Sig[40] ^= 1
	}
	rec := ops[0].Record()
	rec.Version = uint8(a.u64("opver", uint64(rec.Version)))
	return &bitai.ChainMessage{ChainID: s.obj(a.str("chain", "")), L2Op: rec}
}

// exitBody builds an Exit from the chain's settled L2 state.
func (s *scenario) exitBody(t testing.TB, a *args) bitai.Body {
	b := &bitai.Exit{ChainID: s.obj(a.str("chain", ""))}
	if !a.has("key") {
		return b
	}
	key := a.str("key", "")
	c, _ := s.l2Chain(t, a.str("chain", ""))
	i := s.l2Account(t, c, a, key)
	signer := key
	if a.str("proof", "") == "wrongkey" {
		signer = "mallory"
	}
	leaf, path, err := c.ExitProof(i, s.key(a.str("to", key)), s.l2Key(signer))
	require.NoError(t, err)
	if a.str("proof", "") == "tamper" {
		leaf.Data[64+7] ^= 1 // the balance's low byte
	}
	leaf.Version = uint8(a.u64("ver", uint64(leaf.Version)))
	b.AccountIndex = a.u64("index", uint64(i))
	b.Leaf, b.Path = leaf, path
	return b
}

// batch handles `batch <name> chain=C ...`: it builds the next batch natively and
// signs it as tx <name>, printing what the batch does on the L2.
func (s *scenario) batch(t testing.TB, d *datadriven.TestData) string {
	name := d.CmdArgs[0].Key
	a := newArgs(t, d, 1)
	if !a.has("from") {
		a.m["from"] = []string{"seq"}
	}
	chain := a.str("chain", "")
	c, v := s.l2Chain(t, chain)
	l1 := uint32(a.u64("l1", uint64(s.height)))
	from := v.Settlement.InboxTo
	to := s.defaultInboxTo(t, v, from, l1)
	to = a.u64("to", to)
	entries, err := v.Entries(from, to)
	require.NoError(t, err)
	next, err := v.NextConfirm(to)
	require.NoError(t, err)
	in := &aichain.BatchInput{Number: c.Number() + 1, L1Height: l1, Entries: entries, NextConfirm: next}
	// Ops run after the inbox (rule L-29): look accounts and nonces up in the state
	// the batch's inbox entries leave.
	after := c.Clone()
	_, err = after.ApplyBatch(in)
	require.NoError(t, err, "%s: native inbox", d.Pos)
	nonces := map[uint32]uint64{}
	for _, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			oa := &args{t: t, d: d, m: map[string][]string{}}
			for _, c := range parseArgs(f[2:]) {
				oa.m[c.Key] = c.Vals
			}
			in.Ops = append(in.Ops, s.l2Ops(t, after, oa, f[0], f[1], nonces)...)
		}
	}
	ops := in.Ops
	out, err := c.ApplyBatch(in)
	require.NoError(t, err, "%s: native batch", d.Pos)
	muts := a.list("mut")
	var pointer *bitai.SubRecord
	if a.str("da", "inline") == "pointer" {
		pointer = &bitai.SubRecord{Version: 1, Data: []byte("da:" + name)}
		if !slices.Contains(muts, "withhold") {
			s.verifier.witness.PutRecord(v.ID, *pointer, out.DARecord)
		}
	}
	b := SubmitBatchFor(v.ID, out, pointer, bitai.SubRecord{Version: 1, Data: []byte("native")})
	// BitAI's native public input (rule L-38) equals the one the L2 computed.
	pi, err := PublicInputs(v, b)
	require.NoError(t, err)
	require.Equal(t, out.PublicInput, pi.Hash(), "%s: public input", d.Pos)
	if !slices.Contains(muts, "nowitness") {
		s.verifier.witness.PutOps(v.ID, out.DataHash, ops)
	}
	for _, m := range muts {
		s.mutateBatch(t, b, m)
	}
	s.signedTx(t, name, a, func([32]byte) bitai.Body { return b })
	return s.fmtBatch(out)
}

// defaultInboxTo is every entry confirmed by l1, at most the shape's inbox slots.
func (s *scenario) defaultInboxTo(t testing.TB, v *ChainView, from uint64, l1 uint32) uint64 {
	n, err := v.InboxLen()
	require.NoError(t, err)
	to := from
	for to < n && to-from < uint64(testShape.InboxSlots) {
		c, err := v.NextConfirm(to)
		require.NoError(t, err)
		if c > l1 {
			break
		}
		to++
	}
	return to
}

// mutateBatch applies one mutation to a natively built batch.
func (s *scenario) mutateBatch(t testing.TB, b *bitai.SubmitBatch, m string) {
	oe := fr.NewElement(12345)
	other := oe.Bytes()
	outs, err := aichain.DecodeOutcomes(b.Outcomes)
	require.NoError(t, err)
	kind, arg, _ := strings.Cut(m, ":")
	switch kind {
	case "number":
		b.Number++
	case "prevroot":
		b.PrevRoot[31] ^= 1
	case "newroot":
		b.NewRoot = other
	case "noncanon":
		for i := range b.NewRoot {
			b.NewRoot[i] = 0xff
		}
	case "supply":
		b.L2Supply++
	case "outcomes":
		b.Outcomes.Data = []byte{0, 0, 0, 1, 7}
	case "outcomesv2":
		b.Outcomes.Version = 2
	case "withdrawals":
		b.Withdrawals.Data = []byte{0, 0, 0, 1, 7}
	case "dupoutcome":
		require.NotEmpty(t, outs)
		b.Outcomes = aichain.EncodeOutcomes(append(outs, outs[0]))
	case "fakeoutcome":
		b.Outcomes = aichain.EncodeOutcomes(append(outs, aichain.Outcome{RequestID: s.obj("ghost"), Status: aichain.OutcomeRefunded}))
	case "outcome":
		b.Outcomes = aichain.EncodeOutcomes(append(outs, aichain.Outcome{RequestID: s.obj(arg), Status: aichain.OutcomeRefunded}))
	case "data":
		b.Data.Data = []byte{1, 2, 3}
	case "datav2":
		b.Data.Version = 2
	case "datahash":
		b.DataHash = other
	case "forge":
		b.Proof.Data = []byte(forgedProof)
	case "withdraw":
		k, amt, _ := strings.Cut(arg, ":")
		ws, err := aichain.DecodeWithdrawals(b.Withdrawals)
		require.NoError(t, err)
		var n uint64
		_, err = fmt.Sscan(amt, &n)
		require.NoError(t, err)
		b.Withdrawals = aichain.EncodeWithdrawals(append(ws, aichain.Withdrawal{Recipient: s.key(k), Amount: n}))
	case "inboxto":
		b.InboxTo++
	case "inboxtodown":
		b.InboxTo--
	case "setl1":
		var h uint32
		_, err := fmt.Sscan(arg, &h)
		require.NoError(t, err)
		b.L1Height = h
	case "dropoutputs":
		d, err := aichain.DecodeBatchData(b.Data.Data)
		require.NoError(t, err)
		da := d.Ops
		for i := range da {
			da[i].HasOutput, da[i].Output = false, nil
		}
		b.Data = &bitai.SubRecord{Version: aichain.DAVersion, Data: aichain.EncodeDARecord(d)}
	case "badoutput":
		d, err := aichain.DecodeBatchData(b.Data.Data)
		require.NoError(t, err)
		var outs [][]byte
		for _, o := range d.Ops {
			if o.Kind == aichain.OpReveal {
				outs = append(outs, o.Output)
			}
		}
		require.NotEmpty(t, outs, "badoutput needs a reveal")
		outs[0] = []byte("forged")
		b.Data.Data = aichain.EncodeBatchData(aichain.EncodeDARecord(d), outs)
	case "nowitness", "withhold":
	default:
		t.Fatalf("unknown batch mutation %q", m)
	}
}

// fmtBatch renders what a native batch did.
func (s *scenario) fmtBatch(out *aichain.BatchOutput) string {
	var b strings.Builder
	fmt.Fprintf(&b, "batch %d: l1=%d clock=%d inbox=[%d,%d) supply=%d\n",
		out.Number, out.L1Height, out.InboxClock, out.InboxFrom, out.InboxTo, out.L2Supply)
	kinds := []string{"request", "deposit", "message"}
	for _, r := range out.Records {
		switch r.Source {
		case aichain.SourceInbox:
			k := kinds[r.EntryKind]
			if r.Kind != 0 {
				k += " " + r.Kind.String()
			}
			fmt.Fprintf(&b, "  inbox %d %s: %s", r.Index, k, r.Reason)
		case aichain.SourceSequencer:
			fmt.Fprintf(&b, "  op %d %s: %s", r.Index, r.Kind, r.Reason)
		default:
			fmt.Fprintf(&b, "  step: %s", r.Reason)
		}
		if r.RequestID != ([32]byte{}) {
			fmt.Fprintf(&b, " req=%s", s.name(r.RequestID))
		}
		if r.Amount != 0 {
			fmt.Fprintf(&b, " account=%d amount=%d", r.Account, r.Amount)
		}
		b.WriteByte('\n')
	}
	for _, o := range out.Outcomes {
		st := "answered"
		if o.Status == aichain.OutcomeRefunded {
			st = "refunded"
		}
		fmt.Fprintf(&b, "  outcome %s %s\n", s.name(o.RequestID), st)
	}
	for _, w := range out.Withdrawals {
		fmt.Fprintf(&b, "  withdrawal %s %d\n", s.name(w.Recipient), w.Amount)
	}
	return b.String()
}

// l2State handles `l2 C`: the chain's settled L2 state.
func (s *scenario) l2State(t testing.TB, d *datadriven.TestData) string {
	chain := d.CmdArgs[0].Key
	c, v := s.l2Chain(t, chain)
	var b strings.Builder
	fmt.Fprintf(&b, "l2 %s: batch=%d supply=%d totals=%d inboxNext=%d lastL1=%d miners=%v\n", chain,
		v.Settlement.Number, c.Supply(), c.Totals(), c.InboxNext(), c.LastL1Height(), c.LiveMiners())
	for i := range c.NumAccounts() {
		acct, _ := c.Account(i)
		fmt.Fprintf(&b, "  account %d %s: balance=%d stake=%d locked=%d nonce=%d\n",
			i, s.name(acct.Key), acct.Balance, acct.Stake, acct.Locked, acct.Nonce)
	}
	for _, q := range c.OpenRequests() {
		fmt.Fprintf(&b, "  request %s: slot=%d deadline=%d\n", s.name(q.ID), aichain.Slot(q.InboxIndex), q.Deadline)
	}
	return b.String()
}

// querySettlement prints a chain's settlement state and checks its root against the
// verifier's L2 state (or the genesis root).
func (s *scenario) querySettlement(t testing.TB, st State, v string) string {
	id := s.obj(v)
	set, ok, err := GetSettlement(st, id)
	require.NoError(t, err)
	if !ok {
		return fmt.Sprintf("settlement %s: absent\n", v)
	}
	c, _ := s.l2Chain(t, v)
	r := c.Root()
	require.Equal(t, r.Bytes(), set.Root, "settled root")
	return fmt.Sprintf("settlement %s: number=%d l1=%d inboxTo=%d bridge=%d l2Supply=%d batchHeight=%d\n",
		v, set.Number, set.L1Height, set.InboxTo, set.Bridge, c.Supply(), set.BatchHeight)
}

// queryExit prints a paid exit.
func (s *scenario) queryExit(t testing.TB, st State, vals []string) string {
	require.Len(t, vals, 2, "exit=(C,i)")
	var i uint64
	_, err := fmt.Sscan(vals[1], &i)
	require.NoError(t, err)
	e, ok, err := GetExit(st, s.obj(vals[0]), i)
	require.NoError(t, err)
	if !ok {
		return fmt.Sprintf("exit %s/%d: absent\n", vals[0], i)
	}
	return fmt.Sprintf("exit %s/%d: recipient=%s amount=%d height=%d\n", vals[0], i, s.name(e.Recipient), e.Amount, e.Height)
}
