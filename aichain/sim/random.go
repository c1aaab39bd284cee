package sim

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/statemachine"
)

// RunResult is what one random run did.
type RunResult struct {
	Seed      uint64
	Stats     Stats
	Trace     []Action
	Violation *Violation
}

// RandomOptions sizes random runs.
type RandomOptions struct {
	// Blocks is the length of the active phase after the miners are in force
	// (default 120); a drain phase follows until every escrow is paid.
	Blocks int
}

// gen is one random run's generator: it picks params, shape and roles, then
// before every block lets users and an attacker act at random (often at a
// window's edge) next to the strategies, with occasional reorgs and inscriber
// reordering.
type gen struct {
	r      *Runner
	rng    *rand.Rand
	opts   RandomOptions
	outage uint32 // the sequencer is silent until this height (0: no outage)
	role   string // its role before the outage
}

// RandomRun runs one seeded random run and returns its trace and stats; a
// violation ends it early (Violation set). Other errors are the simulator's.
func RandomRun(vk []byte, seed uint64, opts RandomOptions) (*RunResult, error) {
	if opts.Blocks == 0 {
		opts.Blocks = 120
	}
	g := &gen{r: NewRunner(vk, seed), rng: rand.New(rand.NewPCG(seed, 0xa11ce)), opts: opts}
	g.r.Record = true
	defer g.r.Close()
	err := g.run()
	res := &RunResult{Seed: seed, Trace: g.r.Trace}
	if g.r.W != nil {
		res.Stats = g.r.W.Stats
	}
	if v, ok := IsViolation(err); ok {
		res.Violation = v
		return res, nil
	}
	return res, err
}

func (g *gen) pick(xs ...string) string { return xs[g.rng.IntN(len(xs))] }

// chance is true with probability p/1000.
func (g *gen) chance(p int) bool { return g.rng.IntN(1000) < p }

func (g *gen) exec(a Action) error {
	_, err := g.r.Exec(a)
	return err
}

func (g *gen) run() error {
	if err := g.exec(g.setup()); err != nil {
		return err
	}
	if err := g.exec(g.roles()); err != nil {
		return err
	}
	if err := g.exec(act("bootstrap")); err != nil {
		return err
	}
	p := g.r.Main.Params
	active := 3*p.EpochBlocks + uint32(g.opts.Blocks)
	for g.r.W.Tip() < active {
		if err := g.block(true); err != nil {
			return err
		}
	}
	return g.drain()
}

// setup picks params (the minimum windows, or windows a little above them),
// a small shape, the DA mode and the cast.
func (g *gen) setup() Action {
	a := act("setup", "miners", strconv.Itoa(3+g.rng.IntN(4)), "users", strconv.Itoa(2+g.rng.IntN(2)),
		"da", g.pick("inline", "inline", "pointer"),
		"shape", fmt.Sprintf("%d,%d,%d,%d,%d", 2+g.rng.IntN(7), 1+g.rng.IntN(6), 1+g.rng.IntN(6),
			1+g.rng.IntN(4), 1+g.rng.IntN(6)))
	if g.chance(400) {
		fd := 1 + g.rng.IntN(12)
		ct := fd + bitai.MinWindow + g.rng.IntN(10)
		rt := ct + bitai.SubmitWindow + bitai.MinWindow + g.rng.IntN(8)
		rt = max(rt, ct+fd+bitai.MinWindow)
		ttl := rt + fd + bitai.MinWindow + g.rng.IntN(8)
		a.Args = append(a.Args, Arg{"fd", strconv.Itoa(fd)}, Arg{"ct", strconv.Itoa(ct)},
			Arg{"rt", strconv.Itoa(rt)}, Arg{"ttl", strconv.Itoa(ttl)},
			Arg{"unstake", strconv.Itoa(2*145 + ttl + 1 + g.rng.IntN(3))},
			Arg{"split", strconv.Itoa(g.pick3(0, 5000, 10000))},
			Arg{"slash", strconv.Itoa(g.pick3(1, 500, 1000))}, Arg{"rejoin", strconv.Itoa(g.rng.IntN(20))})
	}
	return a
}

func (g *gen) pick3(a, b, c int) int { return []int{a, b, c}[g.rng.IntN(3)] }

// roles casts the sequencer and the miners.
func (g *gen) roles() Action {
	a := act("role", "seq", g.pick("honest", "honest", "honest:1", "honest:4", "censor:m1", "backdate",
		"delay", "entries:1", "junk", "honest", "withhold", "reorder", "nodata"))
	for _, n := range g.r.W.names {
		if n[0] == 'm' {
			a.Args = append(a.Args, Arg{n, g.pick("honest", "honest", "honest", "honest", "lazy", "collude",
				"silent", "late", "withhold")})
		}
	}
	return a
}

// block runs one block: random user and attacker actions, the strategies, then
// mine (sometimes reordered, sometimes after a reorg).
func (g *gen) block(active bool) error {
	r := g.r
	if active {
		if err := g.outages(); err != nil {
			return err
		}
		for _, a := range g.userActions() {
			if err := g.exec(a); err != nil {
				return err
			}
		}
	}
	for _, a := range r.strategyActions() {
		if err := g.exec(a); err != nil {
			return err
		}
	}
	if g.chance(15) && r.W.Tip() > r.W.cfg.ActivationHeight+10 {
		a := act("reorg", "depth", strconv.Itoa(1+g.rng.IntN(3)))
		if g.chance(300) {
			a.Args = append(a.Args, Arg{Key: "drop"})
		}
		if err := g.exec(a); err != nil {
			return err
		}
	}
	m := act("mine")
	if n := len(r.W.mempool); n > 1 && g.chance(100) {
		m.Args = append(m.Args, Arg{"order", "reverse"})
	}
	return g.exec(m)
}

// userActions are the users' and the attacker's random moves.
func (g *gen) userActions() []Action {
	r := g.r
	var acts []Action
	users := []string{}
	for _, n := range r.W.names {
		if n[0] == 'u' {
			users = append(users, n)
		}
	}
	u := users[g.rng.IntN(len(users))]
	switch {
	case g.chance(60):
		acts = append(acts, act("infer", "by", u))
	case g.chance(20):
		acts = append(acts, act("deposit", "by", u, "amount", strconv.Itoa(1+g.rng.IntN(5000)),
			"to", g.pick(u, u, users[0], "eve")))
	case g.chance(40):
		acts = append(acts, act("op", "by", u, "kind", g.pick("transfer", "withdraw", "stake", "unstake", "unlock", "join"),
			"to", g.pick(users...), "amount", strconv.Itoa(1+g.rng.IntN(3000)), "via", g.pick("seq", "seq", "force")))
	case g.chance(25):
		acts = append(acts, g.attack()...)
	case g.chance(15):
		acts = append(acts, g.minerMove())
	case g.chance(10):
		acts = append(acts, act("infer", "by", "seq")) // the sequencer as requester
	}
	acts = append(acts, g.edgeReclaims(false)...)
	return acts
}

// outages silence the sequencer for 30 to 330 blocks now and then (epoch gaps,
// escape hatch).
func (g *gen) outages() error {
	tip := g.r.W.Tip()
	switch {
	case g.outage != 0 && tip >= g.outage:
		g.outage = 0
		return g.exec(act("role", "seq", g.role))
	case g.outage == 0 && g.chance(4):
		g.outage, g.role = tip+30+uint32(g.rng.IntN(300)), g.r.Roles["seq"]
		return g.exec(act("role", "seq", "silent"))
	}
	return nil
}

// minerMove has a miner leave, come back or move stake: unstake, unlock, stake,
// join, through the sequencer or forced.
func (g *gen) minerMove() Action {
	var miners []string
	for _, n := range g.r.W.names {
		if n[0] == 'm' {
			miners = append(miners, n)
		}
	}
	return act("op", "by", g.pick(miners...), "kind", g.pick("unstake", "unlock", "stake", "join"),
		"amount", strconv.Itoa(500+g.rng.IntN(1500)), "via", g.pick("seq", "force"))
}

// attack is one of the attacker's moves.
func (g *gen) attack() []Action {
	r := g.r
	req := ""
	if n := len(r.infers); n > 0 {
		req = r.infers[g.rng.IntN(n)].Label
	}
	switch g.rng.IntN(7) {
	case 0:
		return []Action{act("junk", "by", "eve", "n", strconv.Itoa(1+g.rng.IntN(2*r.Main.Shape.InboxSlots)))}
	case 1:
		return []Action{act("exit", "by", "eve", "account", g.pick("u1", "m1"), "signer", "eve")}
	case 2:
		if req == "" {
			return nil
		}
		return []Action{act("op", "by", "eve", "kind", g.pick("commit", "reveal", "resolve"), "req", req,
			"slot", strconv.Itoa(g.rng.IntN(3)), "via", "force")}
	case 3:
		if req == "" {
			return nil
		}
		return []Action{act("op", "by", g.pick("m1", "m2", "m3"), "kind", g.pick("commit", "reveal", "resolve"),
			"req", req, "reqslot", strconv.Itoa(g.rng.IntN(4)), "via", "force")}
	case 4:
		return []Action{act("op", "by", "eve", "kind", "raw", "hex", g.pick("", "01", "09ff", "0200000000"), "via", "force")}
	case 5:
		return []Action{act("op", "by", "u1", "kind", "transfer", "to", "u2", "amount", "1", "pad", "1", "via", "force")}
	default:
		return []Action{act("deposit", "by", "eve", "key", "bad", "amount", "5")}
	}
}

// edgeReclaims reclaims the requests and deposits whose window opens at the next
// block (or, now and then, one block early); with late, also those whose window
// opened earlier.
func (g *gen) edgeReclaims(late bool) []Action {
	r := g.r
	next := uint64(r.W.Tip()) + 1
	st := r.W.state()
	var acts []Action
	for _, t := range r.infers {
		q, ok, _ := statemachine.GetRequest(st, t.Obj)
		if !ok || q.Status != statemachine.StatusOpen {
			continue
		}
		edge := uint64(q.Deadline) + bitai.SubmitWindow + 1
		if next == edge || (next+1 == edge && g.chance(300)) || (late && next > edge && !g.queued(t.Obj)) {
			acts = append(acts, act("reclaim", "by", t.From.Name, "id", t.Label))
		}
	}
	p := r.Main.Params
	for _, t := range r.deps {
		d, ok, _ := statemachine.GetDeposit(st, t.Obj)
		if !ok || d.Status != statemachine.StatusOpen {
			continue
		}
		edge := uint64(d.ConfirmHeight) + uint64(p.ForceDelay) + bitai.SubmitWindow + 1
		if next == edge || (next+1 == edge && g.chance(300)) || (late && next > edge && !g.queued(t.Obj)) {
			acts = append(acts, act("reclaim", "by", t.From.Name, "id", t.Label))
		}
	}
	return acts
}

// drain lets the run settle: no new activity, an honest (or still silent)
// sequencer, reclaims at their edges and, on a frozen chain, every account
// exiting; then every escrow must have been paid exactly once.
func (g *gen) drain() error {
	r := g.r
	role := "honest"
	if g.chance(50) {
		role = "silent" // abandoned: the chain freezes and everybody exits
	}
	if err := g.exec(act("role", "seq", role)); err != nil {
		return err
	}
	limit := r.W.Tip() + r.Main.Params.RequestTTL + bitai.SubmitWindow + 40
	if r.Roles["seq"] == "silent" {
		set, _ := r.W.Settlement(r.Main.ID)
		limit = max(limit, set.BatchHeight+bitai.FreezeBlocks+40)
	}
	for r.W.Tip() < limit && !(g.settledAll() && role != "silent") {
		acts := g.edgeReclaims(true)
		acts = append(acts, g.exits()...)
		if g.chance(30) {
			acts = append(acts, g.minerMove())
		}
		for _, a := range acts {
			if err := g.exec(a); err != nil {
				return err
			}
		}
		if err := g.block(false); err != nil {
			return err
		}
	}
	return g.finalCheck()
}

// exits has every account with value exit once the chain is frozen.
func (g *gen) exits() []Action {
	r := g.r
	set, ok := r.W.Settlement(r.Main.ID)
	if !ok || !r.W.frozen(set) {
		return nil
	}
	s := r.W.settledL2(r.Main)
	var acts []Action
	for _, n := range r.W.names {
		a := r.W.Actor(n)
		i, ok := s.AccountByKey(a.L2Key)
		if !ok {
			continue
		}
		if ac, _ := s.Account(i); ac.Total() == 0 || r.W.exits[exitKey{r.Main.ID, i}] {
			continue
		}
		if !g.exitQueued(i) {
			acts = append(acts, act("exit", "by", n))
		}
	}
	return acts
}

// queued reports whether a Reclaim of id is in the mempool.
func (g *gen) queued(id bitai.ID) bool {
	for _, t := range g.r.W.mempool {
		if rc, ok := t.Body.(*bitai.Reclaim); ok && rc.ID == id {
			return true
		}
	}
	return false
}

func (g *gen) exitQueued(i uint32) bool {
	for _, t := range g.r.W.mempool {
		if t.Exit != nil && t.Exit.Index == i {
			return true
		}
	}
	return false
}

// settledAll reports whether no escrow is open any more.
func (g *gen) settledAll() bool {
	st := g.r.W.state()
	for _, t := range g.r.infers {
		if q, ok, _ := statemachine.GetRequest(st, t.Obj); ok && q.Status == statemachine.StatusOpen {
			return false
		}
	}
	for _, t := range g.r.deps {
		if d, ok, _ := statemachine.GetDeposit(st, t.Obj); ok && d.Status == statemachine.StatusOpen {
			return false
		}
	}
	return true
}

// finalCheck: every request and deposit was paid exactly once (answered,
// refunded, reclaimed, or credited to the L2).
func (g *gen) finalCheck() error {
	w := g.r.W
	for _, ts := range [][]*Tx{g.r.infers, g.r.deps} {
		for _, t := range ts {
			if t.Event == nil || !t.Event.Applied {
				continue
			}
			if _, ok := w.paid[t.Obj]; !ok {
				return w.violation(InvPaidOnce, "escrow %s never paid", t.Label)
			}
		}
	}
	return nil
}
