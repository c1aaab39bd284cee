package sim

import (
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/bitai-l2/bitai/aichain"
	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/statemachine"
)

// bitaiTx queues a BitAI tx:
//
//	infer by=A [chain=C] [as=L]                      an inference request
//	deposit by=A amount=N [to=B|key=bad] [as=L]      a deposit to B's (default A's) L2 key
//	reclaim by=A id=L                                reclaim a request or deposit
//	exit by=A [account=B] [signer=C] [recipient=D]   exit B's account (default A's) to D
//	     [unsigned] [inflate]                        (default B), signed by C (default B)
//	junk by=A [n=K] [kind=noop|resolve]              K forced ops that do nothing
//	register by=A as=NAME [params…] [da=…]           launch another chain
func (r *Runner) bitaiTx(a Action) ([]string, error) {
	by, err := r.actor(a, "by")
	if err != nil {
		return nil, err
	}
	w := r.W
	switch a.Cmd {
	case "register":
		return r.register(a, by)
	case "junk":
		return r.junk(a, by)
	case "exit":
		return r.exit(a, by)
	}
	ci, err := r.chain(a)
	if err != nil {
		return nil, err
	}
	switch a.Cmd {
	case "infer":
		l := r.label(a, "r")
		w.Queue(&Tx{Label: l, From: by, Body: &bitai.Infer{EternalID: ci.Eternal, ChainID: ci.ID,
			Calldata: []byte("q " + l), MaxFee: bitai.MaxMoney}})
	case "deposit":
		amount, err := a.Uint("amount", 10_000)
		if err != nil {
			return nil, err
		}
		key := by.L2Key
		if to := a.Get("to"); to != "" {
			x := w.Actor(to)
			if x == nil {
				return nil, fmt.Errorf("sim: deposit: unknown actor %q", to)
			}
			key = x.L2Key
		}
		if a.Get("key") == "bad" {
			key = [32]byte{0xff}
		}
		w.Queue(&Tx{Label: r.label(a, "d"), From: by, Body: &bitai.ChainDeposit{ChainID: ci.ID, L2Account: key,
			Amount: amount}})
	case "reclaim":
		id, ok := r.object(a.Get("id"))
		if !ok {
			return []string{fmt.Sprintf("reclaim %s: unknown", a.Get("id"))}, nil
		}
		w.Queue(&Tx{From: by, Body: &bitai.Reclaim{ID: id}})
	}
	return nil, nil
}

// register queues a ChainRegister for another chain.
func (r *Runner) register(a Action, by *Actor) ([]string, error) {
	tr := r.W.Actor("treasury")
	p, err := r.params(a, tr.L2Key)
	if err != nil {
		return nil, err
	}
	model, ok := r.object("model")
	if !ok {
		return nil, fmt.Errorf("sim: register before setup")
	}
	ci := &ChainInfo{Name: r.label(a, "c"), Params: p, Circuit: TestCircuit, Shape: r.W.cfg.Shape,
		Inline: a.Get("da") != "pointer", Sequencers: []*Actor{r.W.Actor("seq")}, Eternal: r.Main.Eternal}
	r.W.Queue(r.registerTx(ci, by, model))
	return nil, nil
}

// junk queues forced ops that do nothing on the L2: Resolves of a request that
// does not exist (kind=resolve, default) or transfers with a used nonce (noop).
func (r *Runner) junk(a Action, by *Actor) ([]string, error) {
	ci, err := r.chain(a)
	if err != nil {
		return nil, err
	}
	n, err := a.Int("n", 1)
	if err != nil {
		return nil, err
	}
	for i := range n {
		o := aichain.Op{Kind: aichain.OpResolve, RequestSlot: uint16(i), RequestID: bitai.ID{0, 0xee, byte(i)}}
		r.labels["j"]++
		r.W.Queue(&Tx{Label: fmt.Sprintf("j%d", r.labels["j"]), From: by, Body: &bitai.ChainMessage{ChainID: ci.ID, L2Op: o.Record()}})
	}
	return nil, nil
}

// exit queues an Exit of an account against the last settled state.
func (r *Runner) exit(a Action, by *Actor) ([]string, error) {
	ci, err := r.chain(a)
	if err != nil {
		return nil, err
	}
	owner := by
	if a.Get("account") != "" {
		if owner, err = r.actor(a, "account"); err != nil {
			return nil, err
		}
	}
	signer := owner
	if a.Get("signer") != "" {
		if signer, err = r.actor(a, "signer"); err != nil {
			return nil, err
		}
	}
	recipient := owner.Key
	if x := a.Get("recipient"); x != "" {
		rc := r.W.Actor(x)
		if rc == nil {
			return nil, fmt.Errorf("sim: exit: unknown recipient %q", x)
		}
		recipient = rc.Key
	}
	s := r.W.settledL2(ci)
	idx, ok := s.AccountByKey(owner.L2Key)
	if !ok {
		return []string{fmt.Sprintf("exit %s: no L2 account", owner.Name)}, nil
	}
	leaf, path, err := s.ExitProof(idx, recipient, signer.L2)
	if err != nil {
		return nil, err
	}
	if a.Has("unsigned") {
		leaf.Data = append([]byte(nil), leaf.Data...)
		clear(leaf.Data[len(leaf.Data)-64:])
	}
	if a.Has("inflate") {
		leaf.Data = append([]byte(nil), leaf.Data...)
		leaf.Data[64+7]++ // balance's low byte: claim one sat more
	}
	acct, _ := s.Account(idx)
	r.W.Queue(&Tx{From: by, Body: &bitai.Exit{ChainID: ci.ID, AccountIndex: uint64(idx), Leaf: leaf, Path: path},
		Exit: &ExitIntent{Chain: ci.ID, Index: idx, Recipient: recipient, Amount: acct.Total(), Owner: owner,
			Signer: signer}})
	return nil, nil
}

// batch builds and queues a SubmitBatch:
//
//	batch by=A [l1=tip|tip-K|min|N] [entries=K] [ops=all|none] [censor=B] [resolve=no]
//	      [nodata] [withhold] [number=K] [reverse]
//
// reverse hands the pool's ops to the builder newest first (a reordering
// sequencer; slot order is still forced by rule L-29).
//
// l1=min is the lowest l1Height BitAI accepts in the next block (back-dating).
func (r *Runner) batch(a Action) ([]string, error) {
	by, err := r.actor(a, "by")
	if err != nil {
		return nil, err
	}
	ci, err := r.chain(a)
	if err != nil {
		return nil, err
	}
	plan := BatchPlan{By: by, Entries: -1, Resolve: a.Get("resolve") != "no", NoData: a.Has("nodata"),
		Withhold: a.Has("withhold")}
	if plan.L1, err = r.l1(ci, a.Get("l1")); err != nil {
		return nil, err
	}
	e, err := a.Int("entries", -1)
	if err != nil {
		return nil, err
	}
	plan.Entries = int(e)
	n, err := a.Uint("number", 0)
	if err != nil {
		return nil, err
	}
	plan.Number = n
	if a.Get("ops") != "none" {
		pool := ci.pool
		if a.Has("reverse") {
			pool = slices.Clone(pool)
			slices.Reverse(pool)
		}
		for _, p := range pool {
			if p.done() || p.refused >= 3 || (a.Get("censor") != "" && p.By.Name == a.Get("censor")) {
				continue
			}
			plan.Ops = append(plan.Ops, p)
		}
	}
	tx, err := r.W.buildBatch(ci, plan)
	if err != nil {
		return []string{fmt.Sprintf("batch by %s: %v", by.Name, err)}, nil
	}
	for _, p := range plan.Ops {
		switch {
		case containsOp(tx.Batch.In.Ops, &p.Op):
			p.in = append(p.in, tx)
		case containsOp(tx.Batch.Dropped, &p.Op):
			p.refused++
			if permanent(tx.Batch.Why[indexOp(tx.Batch.Dropped, &p.Op)]) {
				p.refused = 3
			}
		}
	}
	tx.Label = r.label(a, "b")
	if !plan.Withhold {
		ci.published = append(ci.published, tx.Batch.Out.Number)
	}
	r.W.Queue(tx)
	var out []string
	for i := range tx.Batch.Dropped {
		out = append(out, fmt.Sprintf("%s leaves out %s: %s", tx.Label, r.opText(&tx.Batch.Dropped[i]), tx.Batch.Why[i]))
	}
	return out, nil
}

// l1 resolves an l1= argument against the tip and the chain's settlement.
func (r *Runner) l1(ci *ChainInfo, s string) (uint32, error) {
	tip := r.W.Tip()
	set, _ := r.W.Settlement(ci.ID)
	switch {
	case s == "" || s == "tip":
		return tip, nil
	case s == "min":
		lo := int64(tip) + 1 - bitai.SubmitWindow
		return uint32(max(lo, int64(set.L1Height))), nil
	case len(s) > 4 && s[:4] == "tip-":
		var k uint32
		if _, err := fmt.Sscan(s[4:], &k); err != nil {
			return 0, fmt.Errorf("sim: l1=%q", s)
		}
		return max(tip-min(k, tip), set.L1Height), nil
	}
	return r.height(s)
}

func containsOp(ops []aichain.Op, o *aichain.Op) bool { return indexOp(ops, o) >= 0 }

func indexOp(ops []aichain.Op, o *aichain.Op) int {
	for i := range ops {
		if ops[i].Kind == o.Kind && ops[i].Signer == o.Signer && ops[i].Sig == o.Sig &&
			string(ops[i].Encode()) == string(o.Encode()) {
			return i
		}
	}
	return -1
}

// permanent reports whether an op refused for why can never apply later.
func permanent(why aichain.Reason) bool {
	switch why {
	case aichain.ReasonCommitOpen, aichain.ReasonRevealOpen, aichain.ReasonTooEarly, aichain.ReasonInsufficient,
		aichain.ReasonBadNonce, // a later nonce placed before an earlier one
		aichain.ReasonNotCommitted, aichain.ReasonStakeTooLow, aichain.ReasonBanned, aichain.ReasonNothingLocked:
		return false
	}
	return true
}

// show prints state: show chain | request=L | account=A | balance=A.
func (r *Runner) show(a Action) ([]string, error) {
	w := r.W
	var out []string
	for _, x := range a.Args {
		switch x.Key {
		case "chain":
			ci, err := r.chain(a)
			if err != nil {
				return nil, err
			}
			s, _ := w.Settlement(ci.ID)
			c := w.settledL2(ci)
			n, _ := statemachine.InboxLen(w.state(), ci.ID)
			out = append(out, fmt.Sprintf("chain %s: batch %d l1=%d at %d inbox %d/%d bridge=%d supply=%d miners=%s",
				ci.Name, s.Number, s.L1Height, s.BatchHeight, s.InboxTo, n, s.Bridge, c.Supply(), r.names(c, c.LiveMiners())))
		case "request":
			out = append(out, r.showRequest(x.Val))
		case "output":
			out = append(out, r.showOutput(x.Val))
		case "account":
			out = append(out, r.showAccount(x.Val))
		case "balance":
			if ac := w.Actor(x.Val); ac != nil {
				b, _ := statemachine.GetAccount(w.state(), ac.Key)
				out = append(out, fmt.Sprintf("balance %s: %d (%+d)", x.Val, b.Balance, int64(b.Balance)-int64(w.cfg.Fund)))
			}
		}
	}
	return out, nil
}

func (r *Runner) showRequest(label string) string {
	info, ok := r.request(label)
	if !ok {
		return fmt.Sprintf("request %s: unknown", label)
	}
	st := [...]string{"open", "reclaimed", "settled"}[info.Q.Status]
	s := fmt.Sprintf("request %s: %s on BitAI, c=%d deadline=%d", label, st, info.Q.ConfirmHeight, info.Q.Deadline)
	c := r.W.settledL2(info.Chain)
	if info.L2 == nil {
		return s + ", not open on the L2"
	}
	s += fmt.Sprintf(", L2 slot %d:", aichain.Slot(info.L2.InboxIndex))
	for _, sl := range info.L2.Slots {
		f := "-"
		if sl.Revealed {
			f = "revealed"
		} else if sl.Committed {
			f = "committed"
		}
		s += fmt.Sprintf(" %s=%s", r.names(c, []uint32{sl.Miner}), f)
	}
	return s
}

// showOutput says whether an answered request's output is on Bitcoin.
func (r *Runner) showOutput(label string) string {
	id, ok := r.object(label)
	if !ok {
		return "output " + label + ": unknown request"
	}
	for _, b := range r.W.blocks {
		for _, t := range b.Txs {
			if t.Batch == nil || t.Event == nil || !t.Event.Applied {
				continue
			}
			for _, o := range t.Batch.Out.Outcomes {
				if o.RequestID != id || o.Status != aichain.OutcomeAnswered {
					continue
				}
				if h, ok := r.W.outputOnBitcoin(id, o.Digest); ok {
					return fmt.Sprintf("output %s: answered at %d, output on Bitcoin at %d", label, b.Height, h)
				}
				return fmt.Sprintf("output %s: answered at %d, output NOT on Bitcoin", label, b.Height)
			}
		}
	}
	return "output " + label + ": not answered"
}

func (r *Runner) showAccount(name string) string {
	ac := r.W.Actor(name)
	if ac == nil {
		return "account " + name + ": unknown actor"
	}
	c := r.W.settledL2(r.Main)
	i, ok := c.AccountByKey(ac.L2Key)
	if !ok {
		return "account " + name + ": none"
	}
	x, _ := c.Account(i)
	return fmt.Sprintf("account %s: #%d balance=%d stake=%d locked=%d nonce=%d unlockAt=%d bannedUntil=%d miner=%v",
		name, i, x.Balance, x.Stake, x.Locked, x.Nonce, x.UnlockAt, x.BannedUntil, x.MinerPos != 0)
}

// names renders L2 account indices as actor names.
func (r *Runner) names(c *aichain.Chain, idx []uint32) string {
	s := ""
	for i, n := range idx {
		if i > 0 {
			s += ","
		}
		s += r.accountName(c, n)
	}
	if s == "" {
		return "-"
	}
	return s
}

func (r *Runner) accountName(c *aichain.Chain, n uint32) string {
	if a, ok := c.Account(n); ok {
		if x := r.W.byL2[a.Key]; x != nil {
			return x.Name
		}
		return "#" + hex.EncodeToString(a.Key[:2])
	}
	return fmt.Sprintf("#%d", n)
}
