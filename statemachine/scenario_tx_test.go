package statemachine

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/cockroachdb/datadriven"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards"
	"github.com/stretchr/testify/require"
)

// testVK reads the BN254 Groth16 verifying key of a tiny gnark circuit, written by
// TestGenerateVectors (gen_test_vectors tag).
func testVK(t testing.TB) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", "test_vk.bin"))
	require.NoError(t, err)
	return b
}

// goodL2 is a valid L2 account key: BabyJubJub's base point, compressed.
func goodL2() [32]byte {
	c := twistededwards.GetEdwardsCurve()
	return c.Base.Bytes()
}

// args reads a datadriven command's key=value arguments after the first n keys.
type args struct {
	t testing.TB
	d *datadriven.TestData
	m map[string][]string
}

func newArgs(t testing.TB, d *datadriven.TestData, skip int) *args {
	a := &args{t: t, d: d, m: map[string][]string{}}
	for _, c := range d.CmdArgs[skip:] {
		a.m[c.Key] = c.Vals
	}
	return a
}

func (a *args) has(k string) bool { _, ok := a.m[k]; return ok }

func (a *args) str(k, def string) string {
	if v, ok := a.m[k]; ok && len(v) > 0 {
		return v[0]
	}
	return def
}

func (a *args) list(k string) []string { return a.m[k] }

func (a *args) u64(k string, def uint64) uint64 {
	v, ok := a.m[k]
	if !ok || len(v) == 0 {
		return def
	}
	n, err := strconv.ParseUint(v[0], 10, 64)
	require.NoError(a.t, err, "%s: arg %s", a.d.Pos, k)
	return n
}

// key returns a named key's x-only bytes ("badkey" does not lift) and names it.
func (s *scenario) key(name string) [32]byte {
	if name == "badkey" {
		s.names[badKey] = name
		return badKey
	}
	k := bitai.XOnly(testKey(name))
	s.names[k] = name
	return k
}

// obj returns the id of the object tx `name` creates (ObjectID(txid, 0)), or for an
// unknown name an id no tx creates.
func (s *scenario) obj(name string) bitai.ID {
	var id bitai.ID
	if tx, ok := s.txs[name]; ok {
		id = bitai.ObjectID(tx.TxID(), 0)
	} else {
		id = bitai.ObjectID(sha256.Sum256([]byte(name)), 0)
	}
	s.names[id] = name
	return id
}

func (s *scenario) keys(names []string) [][32]byte {
	ks := make([][32]byte, len(names))
	for i, n := range names {
		ks[i] = s.key(n)
	}
	return ks
}

// buildTx handles `tx <name> <kind> [args]`: it builds, signs and remembers a tx.
func (s *scenario) buildTx(t testing.TB, d *datadriven.TestData) {
	require.GreaterOrEqual(t, len(d.CmdArgs), 2, "%s: tx <name> <kind>", d.Pos)
	name, kind := d.CmdArgs[0].Key, d.CmdArgs[1].Key
	a := newArgs(t, d, 2)
	s.signedTx(t, name, a, func(sender [32]byte) bitai.Body { return s.body(t, kind, a, sender) })
}

// signedTx builds, signs and remembers tx `name` with the body mk returns, from the
// common arguments from=, fee=, nonce=, expiry=, inscriber=, dep=, badsig, sender=.
func (s *scenario) signedTx(t testing.TB, name string, a *args, mk func(sender [32]byte) bitai.Body) {
	from := a.str("from", "faucet")
	priv := testKey(from)
	sender := s.key(from)
	tx := &bitai.Tx{Fee: a.u64("fee", 10), Expiry: uint32(a.u64("expiry", uint64(s.height)+100))}
	if a.has("nonce") {
		tx.Nonce = a.u64("nonce", 0)
	} else {
		acct, err := GetAccount(s.state(), sender)
		require.NoError(t, err)
		tx.Nonce = acct.NextNonce + s.pendingNonce[sender]
		s.pendingNonce[sender]++
	}
	if a.has("inscriber") {
		k := s.key(a.str("inscriber", ""))
		tx.Inscriber = &k
	}
	tx.Body = mk(sender)
	depID := s.dep.ID()
	if a.str("dep", "") == "other" {
		other, err := bitai.DeploymentFor("simnet")
		require.NoError(t, err)
		depID = other.ID()
	}
	signTx(t, tx, priv, depID)
	if a.has("badsig") {
		tx.Sig[10] ^= 1
	}
	if a.str("sender", "") == "badkey" {
		tx.Sender = s.key("badkey")
	}
	s.txs[name] = tx
	s.names[tx.TxID()] = name
	s.names[bitai.ObjectID(tx.TxID(), 0)] = name
}

// body builds a kind's body from the arguments.
func (s *scenario) body(t testing.TB, kind string, a *args, sender [32]byte) bitai.Body {
	switch kind {
	case "transfer":
		return &bitai.Transfer{To: s.key(a.str("to", "alice")), Amount: a.u64("amount", 0)}
	case "model":
		return &bitai.ModelRegister{Name: a.str("name", "llama"), URI: "ipfs://model",
			ContentHash: sha256.Sum256([]byte("model")), Format: "cog", CreatorFee: a.u64("creatorfee", 0)}
	case "mint":
		return &bitai.EternalMint{To: s.key(a.str("to", s.names[sender])), URI: "ipfs://eternal",
			SystemPrompt: a.str("prompt", "be nice"), FoundationModel: s.obj(a.str("model", "")), Fee: a.u64("efee", 0)}
	case "update":
		u := &bitai.EternalUpdate{ID: s.obj(a.str("eternal", ""))}
		if a.has("prompt") {
			p := a.str("prompt", "")
			u.SystemPrompt = &p
		}
		if a.has("efee") {
			f := a.u64("efee", 0)
			u.Fee = &f
		}
		return u
	case "etransfer":
		return &bitai.EternalTransfer{ID: s.obj(a.str("eternal", "")), To: s.key(a.str("to", "alice"))}
	case "infer":
		in := &bitai.Infer{EternalID: s.obj(a.str("eternal", "")), ChainID: s.obj(a.str("chain", "")),
			Calldata: []byte(a.str("calldata", "hello")), MaxFee: a.u64("maxfee", 1<<40)}
		if a.has("pin") {
			h := sha256.Sum256([]byte(a.str("pin", "")))
			in.SystemPromptHash = &h
		}
		return in
	case "chain":
		return s.chainBody(t, a, sender)
	case "chainupdate":
		seqs := s.keys(a.list("sequencers"))
		sortKeys(seqs)
		return &bitai.ChainUpdate{ChainID: s.obj(a.str("chain", "")), Sequencers: seqs}
	case "deposit":
		var l2 [32]byte
		switch n := a.str("l2", "good"); n {
		case "good":
			l2 = goodL2()
		case "bad":
		default:
			l2 = s.l2Pub(n)
		}
		return &bitai.ChainDeposit{ChainID: s.obj(a.str("chain", "")), L2Account: l2, Amount: a.u64("amount", 0)}
	case "message":
		if a.has("l2op") {
			return s.messageBody(t, a)
		}
		return &bitai.ChainMessage{ChainID: s.obj(a.str("chain", "")),
			L2Op: bitai.SubRecord{Version: uint8(a.u64("opver", 0)), Data: []byte(a.str("op", "withdraw"))}}
	case "reclaim":
		return &bitai.Reclaim{ID: s.obj(a.str("id", ""))}
	case "submitbatch":
		return &bitai.SubmitBatch{ChainID: s.obj(a.str("chain", ""))}
	case "exit":
		return s.exitBody(t, a)
	}
	t.Fatalf("unknown tx kind %q", kind)
	return nil
}

// chainBody builds a ChainRegister: params=default|v2|short|bounds|reveal,
// treasury=NAME|bad (an L2 key; default "treasury"), fullrollup=1 (rule L-41), vk=good|bad|raw,
// circuit=test|unknown.
func (s *scenario) chainBody(t testing.TB, a *args, sender [32]byte) bitai.Body {
	models := make([]bitai.ID, 0)
	for _, m := range a.list("models") {
		models = append(models, s.obj(m))
	}
	sortIDs(models)
	seqs := s.keys(a.list("sequencers"))
	sortKeys(seqs)
	p := bitai.DefaultChainParams()
	p.RequestTTL = uint32(a.u64("ttl", uint64(p.RequestTTL)))
	p.RequestFee = a.u64("requestfee", p.RequestFee)
	p.FullRollup = a.u64("fullrollup", 0) == 1
	if tr := a.str("treasury", "treasury"); tr != "bad" {
		p.Treasury = s.l2Pub(tr)
	}
	params := p.Record()
	switch a.str("params", "default") {
	case "v2":
		params.Version = 2
	case "short":
		params.Data = params.Data[:len(params.Data)-1]
	case "bounds":
		p.ForceDelay = 0
		params = p.Record()
	case "reveal":
		// Rule T-16 4: one block short of commitTimeout + SubmitWindow + MinWindow
		// (rule 3, commitTimeout + forceDelay + MinWindow, still holds).
		p.RevealTimeout = p.CommitTimeout + bitai.SubmitWindow + bitai.MinWindow - 1
		params = p.Record()
	}
	vk := testVK(t)
	switch a.str("vk", "good") {
	case "bad":
		vk = append([]byte{}, vk...)
		for i := 1; i < 32; i++ {
			vk[i] = 0xff // alpha's x ≥ p: not a field element, ReadFrom fails
		}
	case "trailing":
		vk = append(append([]byte{}, vk...), 0)
	}
	circuit := bitai.CircuitID([]byte(bitai.TestCircuitDescriptor))
	if a.str("circuit", "test") == "unknown" {
		circuit = bitai.CircuitID([]byte("no such circuit"))
	}
	return &bitai.ChainRegister{Name: a.str("name", "chain"), Models: models, CircuitID: circuit,
		VerifyingKey: vk, CeremonyHash: sha256.Sum256([]byte("ceremony")), Params: params,
		Sequencers: seqs, Admin: s.key(a.str("admin", s.names[sender]))}
}

func sortIDs(ids []bitai.ID) {
	for i := 1; i < len(ids); i++ {
		for j := i; j > 0 && string(ids[j][:]) < string(ids[j-1][:]); j-- {
			ids[j], ids[j-1] = ids[j-1], ids[j]
		}
	}
}

func sortKeys(ks [][32]byte) {
	for i := 1; i < len(ks); i++ {
		for j := i; j > 0 && string(ks[j][:]) < string(ks[j-1][:]); j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
}

// name renders 32 bytes by their scenario name, or a short hex prefix.
func (s *scenario) name(b [32]byte) string {
	if n, ok := s.names[b]; ok {
		return n
	}
	return short(b)
}

// fmtEvent renders one event on one line.
func (s *scenario) fmtEvent(e Event) string {
	var b strings.Builder
	b.WriteString(e.Kind.String())
	switch e.Kind {
	case EventAllocation, EventSetExpired, EventRotation:
	case EventBurn:
		fmt.Fprintf(&b, " @%d.out%d", e.TxIndex, e.Output)
	default:
		fmt.Fprintf(&b, " @%d:%d", e.TxIndex, e.Input)
	}
	switch e.Kind {
	case EventTxApplied, EventTxSkipped, EventTxFailed:
		fmt.Fprintf(&b, " #%d", e.Index)
		if e.TxKind != bitai.KindInvalid {
			fmt.Fprintf(&b, " %s %s", e.TxKind, s.name(e.TxID))
		}
	case EventChunkAccepted, EventChunkIgnored, EventSetDiscarded:
		fmt.Fprintf(&b, " chunk=%d", e.Index)
	}
	if e.Account != ([32]byte{}) {
		fmt.Fprintf(&b, " by=%s", s.name(e.Account))
	}
	if e.Amount != 0 {
		fmt.Fprintf(&b, " amount=%d", e.Amount)
	}
	if e.ID != ([32]byte{}) {
		fmt.Fprintf(&b, " id=%s", s.name(e.ID))
	}
	if e.Reason != bitai.ReasonNone {
		fmt.Fprintf(&b, " reason=%s(%d)", ReasonName(e.Reason), e.Reason)
	}
	return b.String()
}
