package sim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/bitai-l2/bitai/aichain"
	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/statemachine"
)

// auto runs the actors' strategies (role) for n=K blocks: before each block every
// actor emits explicit actions, which run (and are recorded) like written ones;
// then the block is mined. quiet reports only a summary.
func (r *Runner) auto(a Action) ([]string, error) {
	n, err := r.blocks(a)
	if err != nil {
		return nil, err
	}
	var out []string
	from := r.W.Tip() + 1
	for i := int64(0); i < n; i++ {
		for _, x := range r.strategyActions() {
			lines, err := r.Exec(x)
			out = append(out, lines)
			if err != nil {
				return out, err
			}
		}
		lines, err := r.Exec(Action{Cmd: "mine"})
		out = append(out, lines)
		if err != nil {
			return out, err
		}
	}
	if a.Has("quiet") {
		return []string{fmt.Sprintf("auto %d..%d", from, r.W.Tip())}, nil
	}
	return nonEmpty(out), nil
}

func nonEmpty(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// strategyActions returns what every actor with a role does before the next
// block, in a fixed order (sequencer last, so it sees the miners' ops).
func (r *Runner) strategyActions() []Action {
	var acts []Action
	for _, n := range r.W.names {
		role := r.Roles[n]
		if role == "" && strings.HasPrefix(n, "m") && r.W.Actor(n) != nil {
			role = "honest"
		}
		switch {
		case n == "seq":
		case strings.HasPrefix(n, "m"):
			acts = append(acts, r.minerActions(n, role)...)
		}
	}
	return append(acts, r.sequencerActions(r.Roles["seq"])...)
}

// sequencerActions is the sequencer's strategy: honest[:P] posts a batch every P
// blocks (default 2) with l1Height = the tip; censor:X leaves X's ops out;
// backdate uses the lowest l1Height BitAI accepts; delay:K posts every K blocks
// at the lowest l1Height; entries:K consumes at most K entries; junk floods the
// inbox with no-op forced ops before every epoch boundary; nodata / withhold
// publish no data; reorder hands the pool's ops over newest first; silent never
// posts.
func (r *Runner) sequencerActions(role string) []Action {
	if role == "silent" || r.Main == nil {
		return nil
	}
	name, arg, _ := strings.Cut(role, ":")
	period := 2
	if name == "honest" || name == "delay" {
		if v, err := strconv.Atoi(arg); err == nil && v > 0 {
			period = v
		}
	}
	var acts []Action
	ci := r.Main
	tip := r.W.Tip()
	if name == "junk" {
		e := ci.Params.EpochBlocks
		if (tip+1)%e >= e-2 {
			acts = append(acts, act("junk", "by", "seq", "n", strconv.Itoa(ci.Shape.InboxSlots)))
		}
	}
	set, ok := r.W.Settlement(ci.ID)
	if !ok || (tip+1-set.BatchHeight) < uint32(period) || r.W.frozen(set) {
		return acts
	}
	if name == "delay" && tip+1-set.BatchHeight < bitai.SubmitWindow/3 {
		return acts
	}
	if tip+1-set.BatchHeight < idleBatch && !r.work(ci, set) {
		return acts
	}
	b := act("batch", "by", "seq")
	switch name {
	case "censor":
		b.Args = append(b.Args, Arg{"censor", arg})
	case "backdate", "delay":
		b.Args = append(b.Args, Arg{"l1", "min"})
	case "entries":
		b.Args = append(b.Args, Arg{"entries", arg})
	case "nodata", "withhold":
		b.Args = append(b.Args, Arg{Key: name})
	case "reorder":
		b.Args = append(b.Args, Arg{Key: "reverse"})
	}
	return append(acts, b)
}

// idleBatch is how often an idle sequencer still posts a batch.
const idleBatch = 50

// work reports whether a batch has something to do: unconsumed inbox entries,
// ops in the pool, or a request to resolve.
func (r *Runner) work(ci *ChainInfo, set statemachine.Settlement) bool {
	if n, err := statemachine.InboxLen(r.W.state(), ci.ID); err != nil || n > set.InboxTo {
		return true
	}
	for _, p := range ci.pool {
		if !p.done() && p.refused < 3 {
			return true
		}
	}
	tip := r.W.Tip()
	for _, q := range r.W.settledL2(ci).OpenRequests() {
		if resolvable(ci.Params, &q, tip, tip) {
			return true
		}
	}
	return false
}

// minerProgress is what a miner strategy sent the sequencer for one request.
type minerProgress struct {
	sent, revealSent bool
}

// forcedTx returns the latest forced op by an actor of a kind on a request (its
// request slot, and for commits and reveals its assignment slot j) that is
// pending or confirmed in the current chain. Ops aimed elsewhere (an attack
// action in the actor's name) do not count.
func (r *Runner) forcedTx(by string, kind aichain.OpKind, info *requestInfo, j int) *Tx {
	for i := len(r.forced) - 1; i >= 0; i-- {
		t := r.forced[i]
		o := &t.Force.Op
		if t.From.Name != by || o.Kind != kind || o.RequestID != info.ID ||
			o.RequestSlot != aichain.Slot(info.Q.InboxIndex) || (kind != aichain.OpResolve && int(o.Slot) != j) {
			continue
		}
		if t.Event != nil {
			return t
		}
		for _, m := range r.W.mempool {
			if m == t {
				return t
			}
		}
	}
	return nil
}

// minerActions is a miner's strategy for every open request it is assigned to
// (client rules C-1 to C-3): commit at once through the sequencer and force the
// commit MinWindow/2 blocks before the commit timeout if no settled batch holds
// it; reveal once C-2 allows, forcing it before the reveal timeout; force a
// Resolve if the sequencer has not resolved by c + revealTimeout + 10. lazy and
// collude do the same with a wrong output; withhold colludes but reveals without
// its output (rule L-41); silent does nothing; late commits only after the commit
// timeout.
func (r *Runner) minerActions(name, role string) []Action {
	if role == "silent" || r.Main == nil {
		return nil
	}
	ci := r.Main
	me := r.W.Actor(name)
	s := r.W.settledL2(ci)
	idx, ok := s.AccountByKey(me.L2Key)
	if !ok {
		return nil
	}
	var acts []Action
	for _, o := range r.openInfos() {
		if !o.info.Drawn || o.info.Chain != ci {
			continue
		}
		for j, m := range o.info.Miner {
			if m == idx {
				acts = append(acts, r.minerRequest(name, role, o.label, o.info, j)...)
			}
		}
	}
	return acts
}

type labelled struct {
	label string
	info  *requestInfo
}

// openInfos returns the requests open on BitAI as of the tip (computed once per
// block).
func (r *Runner) openInfos() []labelled {
	key := fmt.Sprintf("%d/%d/%d", r.W.Tip(), r.W.fork, len(r.W.mempool))
	if r.openKey == key {
		return r.open
	}
	r.open, r.openKey = nil, key
	for _, t := range r.infers {
		if info, ok := r.request(t.Label); ok && info.Q.Status == statemachine.StatusOpen {
			r.open = append(r.open, labelled{t.Label, info})
		}
	}
	return r.open
}

// minerRequest is a miner's strategy on one request it holds slot j of.
func (r *Runner) minerRequest(name, role, label string, info *requestInfo, j int) []Action {
	p := info.Chain.Params
	tip := uint64(r.W.Tip())
	c := uint64(info.Q.ConfirmHeight)
	key := name + "/" + label
	pr := r.progress[key]
	if pr == nil {
		pr = &minerProgress{}
		r.progress[key] = pr
	}
	op := func(kind, via string) Action {
		a := act("op", "by", name, "kind", kind, "req", label, "via", via)
		switch {
		case (role == "lazy" || role == "collude" || role == "big") && kind != "resolve":
			a.Args = append(a.Args, Arg{"output", role})
		case role == "withhold" && kind != "resolve":
			a.Args = append(a.Args, Arg{"output", "collude"})
			if kind == "reveal" {
				a.Args = append(a.Args, Arg{"withhold", "yes"})
			}
		}
		return a
	}
	committed, revealed := false, false
	if info.L2 != nil {
		committed, revealed = info.L2.Slots[j].Committed, info.L2.Slots[j].Revealed
	}
	ct, rt := c+uint64(p.CommitTimeout), c+uint64(p.RevealTimeout)
	fc := r.forcedTx(name, aichain.OpCommit, info, j)
	var acts []Action
	late := role == "late"
	switch {
	case !pr.sent && !late && tip+1 <= ct:
		pr.sent = true
		acts = append(acts, op("commit", "seq"))
	case late && !pr.sent && tip+1 > ct:
		pr.sent = true
		acts = append(acts, op("commit", "force"))
	case !late && !committed && fc == nil && tip+bitai.MinWindow/2 >= ct && tip+1 <= ct:
		acts = append(acts, op("commit", "force"))
	}
	inTime := committed || (fc != nil && fc.Event != nil && fc.Event.Applied && uint64(fc.Event.Height) <= ct)
	if !revealed && inTime && r.c2(info.Chain, info.ID) && tip+1 <= rt {
		switch {
		case !pr.revealSent:
			pr.revealSent = true
			acts = append(acts, op("reveal", "seq"))
		case r.forcedTx(name, aichain.OpReveal, info, j) == nil && tip+bitai.MinWindow/2 >= rt:
			acts = append(acts, op("reveal", "force"))
		}
	}
	if info.L2 != nil && r.forcedTx(name, aichain.OpResolve, info, j) == nil && tip >= rt+10 &&
		tip+1+uint64(p.ForceDelay) <= uint64(info.Q.Deadline) {
		acts = append(acts, op("resolve", "force"))
	}
	return acts
}

// bootstrap funds every miner (join=m1,m2,… only those) and user on the L2 and
// makes the miners join:
// deposits, an honest batch, stake (minStake, or stake=N) and join ops, another
// batch. The miners are in force for requests confirmed from the next epoch
// boundary but one.
func (r *Runner) bootstrap(a Action) ([]string, error) {
	if r.Main == nil {
		return nil, fmt.Errorf("sim: bootstrap before setup")
	}
	p := r.Main.Params
	stake, err := a.Uint("stake", p.MinStake)
	if err != nil {
		return nil, err
	}
	dep, err := a.Uint("deposit", 2*stake+50_000)
	if err != nil {
		return nil, err
	}
	var steps []Action
	var miners []string
	only := a.Get("join")
	for _, n := range r.W.names {
		switch {
		case strings.HasPrefix(n, "m") && (only == "" || slices.Contains(strings.Split(only, ","), n)):
			miners = append(miners, n)
			fallthrough
		case strings.HasPrefix(n, "u"):
			steps = append(steps, act("deposit", "by", n, "amount", strconv.FormatUint(dep, 10)))
		}
	}
	steps = append(steps, act("mine"))
	for range (len(steps) - 1 + r.Main.Shape.InboxSlots - 1) / r.Main.Shape.InboxSlots {
		steps = append(steps, act("batch", "by", "seq"), act("mine"))
	}
	for _, n := range miners {
		steps = append(steps, act("op", "by", n, "kind", "stake", "amount", strconv.FormatUint(stake, 10)))
	}
	for _, n := range miners {
		steps = append(steps, act("op", "by", n, "kind", "join"))
	}
	for range (len(miners)*2 + r.Main.Shape.OtherSlots - 1) / r.Main.Shape.OtherSlots {
		steps = append(steps, act("batch", "by", "seq"), act("mine"))
	}
	var out []string
	for _, s := range steps {
		lines, err := r.Exec(s)
		if lines != "" {
			out = append(out, lines)
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}
