package sim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/bitai-l2/bitai/aichain"
	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/statemachine"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// Runner executes actions against a World: the interpreter of the scenario
// language. Strategies (auto, random runs) emit explicit actions through it, and
// with Record set every executed action is appended to Trace, so a run can be
// replayed and shrunk.
type Runner struct {
	W      *World
	Main   *ChainInfo
	Roles  map[string]string // actor name → strategy
	Record bool
	Trace  []Action
	VK     []byte

	labels    map[string]int // next auto-label number per prefix
	rng       *rand.Rand     // strategies' randomness (seeded)
	infers    []*Tx          // applied-or-queued Infer txs, in queue order
	deps      []*Tx          // deposits
	forced    []*Tx          // ChainMessages this runner queued with a well-formed op
	sentOps   map[string]aichain.Op
	progress  map[string]*minerProgress
	lastLabel string // the auto-label the current action took
	seeds     map[string]fr.Element
	aliases   map[string]string
	open      []labelled // openInfos' cache
	openKey   string
}

// NewRunner returns a runner; setup creates its world.
func NewRunner(vk []byte, seed uint64) *Runner {
	return &Runner{VK: vk, Roles: map[string]string{}, labels: map[string]int{},
		rng: rand.New(rand.NewPCG(seed, 0x51d)), sentOps: map[string]aichain.Op{},
		progress: map[string]*minerProgress{}, seeds: map[string]fr.Element{}, aliases: map[string]string{}}
}

// Close releases the world.
func (r *Runner) Close() error {
	if r.W == nil {
		return nil
	}
	return r.W.Close()
}

// Exec runs one action and returns its report (deterministic text). A failed
// invariant is returned as a *Violation error.
func (r *Runner) Exec(a Action) (string, error) {
	if r.W == nil && a.Cmd != "setup" {
		return "", fmt.Errorf("sim: %s before setup", a.Cmd)
	}
	a = r.resolveAliases(a)
	var out []string
	var err error
	switch a.Cmd {
	case "alias":
		out, err = r.alias(a)
	case "setup":
		out, err = r.setup(a)
	case "role":
		out, err = r.role(a)
	case "mine":
		out, err = r.mine(a)
	case "auto":
		out, err = r.auto(a)
	case "bootstrap":
		out, err = r.bootstrap(a)
	case "infer", "deposit", "reclaim", "exit", "junk", "register":
		out, err = r.bitaiTx(a)
	case "op":
		out, err = r.op(a)
	case "batch":
		out, err = r.batch(a)
	case "reorg":
		out, err = r.reorg(a)
	case "show":
		out, err = r.show(a)
	case "corrupt":
		out, err = r.corrupt(a)
	default:
		return "", fmt.Errorf("sim: unknown command %q", a.Cmd)
	}
	if r.Record && a.Cmd != "show" && a.Cmd != "auto" && a.Cmd != "bootstrap" {
		if r.lastLabel != "" && !a.Has("as") {
			a.Args = append(slices.Clone(a.Args), Arg{Key: "as", Val: r.lastLabel})
		}
		r.Trace = append(r.Trace, a)
	}
	r.lastLabel = ""
	return strings.Join(out, "\n"), err
}

// label returns an explicit label or the next auto-label with a prefix.
func (r *Runner) label(a Action, prefix string) string {
	if l := a.Get("as"); l != "" {
		return l
	}
	r.labels[prefix]++
	r.lastLabel = fmt.Sprintf("%s%d", prefix, r.labels[prefix])
	return r.lastLabel
}

// actor returns a named actor or an error.
func (r *Runner) actor(a Action, key string) (*Actor, error) {
	name := a.Get(key)
	if name == "" {
		return nil, fmt.Errorf("sim: %s needs %s=", a.Cmd, key)
	}
	if x := r.W.Actor(name); x != nil {
		return x, nil
	}
	return nil, fmt.Errorf("sim: %s: unknown actor %q", a.Cmd, name)
}

// chain returns the chain an action names (chain=NAME, default the main chain).
func (r *Runner) chain(a Action) (*ChainInfo, error) {
	name := a.Get("chain")
	if name == "" || (r.Main != nil && name == r.Main.Name) {
		if r.Main == nil || r.Main.genesis == nil && r.Main.ID == (bitai.ID{}) {
			return nil, fmt.Errorf("sim: no chain registered")
		}
		return r.Main, nil
	}
	for _, id := range r.W.order {
		if r.W.chains[id].Name == name {
			return r.W.chains[id], nil
		}
	}
	return nil, fmt.Errorf("sim: unknown chain %q", name)
}

// object returns the id of the object a label names (a request, deposit …).
func (r *Runner) object(label string) (bitai.ID, bool) {
	t, ok := r.W.labels[label]
	if !ok || t.Raw == nil {
		return bitai.ID{}, false
	}
	return t.Obj, true
}

// blocks is how many blocks an action asks for: n=K (default 1), or up to to=H.
func (r *Runner) blocks(a Action) (int64, error) {
	if to := a.Get("to"); to != "" {
		h, err := r.height(to)
		if err != nil {
			return 0, err
		}
		return int64(h) - int64(r.W.Tip()), nil
	}
	return a.Int("n", 1)
}

// mine mines blocks: n=K (default 1) or to=H; order= lets the inscriber reorder
// the first block's txs (reverse, or a comma list of mempool positions).
func (r *Runner) mine(a Action) ([]string, error) {
	n, err := r.blocks(a)
	if err != nil {
		return nil, err
	}
	var out []string
	for i := int64(0); i < n; i++ {
		order, err := r.order(a.Get("order"))
		if err != nil {
			return nil, err
		}
		if i > 0 {
			order = nil
		}
		lines, err := r.mineOne(order)
		out = append(out, lines...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// order parses an inscriber order over the current mempool.
func (r *Runner) order(s string) ([]int, error) {
	n := len(r.W.mempool)
	switch {
	case s == "":
		return nil, nil
	case s == "reverse":
		o := make([]int, n)
		for i := range o {
			o[i] = n - 1 - i
		}
		return o, nil
	}
	var o []int
	for _, f := range strings.Split(s, ",") {
		var i int
		if _, err := fmt.Sscan(f, &i); err != nil || i < 0 || i >= n || slices.Contains(o, i) {
			return nil, fmt.Errorf("sim: order %q over %d txs", s, n)
		}
		o = append(o, i)
	}
	for i := range n {
		if !slices.Contains(o, i) {
			o = append(o, i)
		}
	}
	return o, nil
}

// mineOne mines one block, reports it and checks every invariant.
func (r *Runner) mineOne(order []int) ([]string, error) {
	b, err := r.W.Mine(order)
	if err != nil {
		return nil, err
	}
	r.track(b)
	out := r.report(b)
	if err := r.W.Check(); err != nil {
		return out, err
	}
	return out, nil
}

// track remembers the infers and deposits a block confirmed.
func (r *Runner) track(b *Block) {
	for _, t := range b.Txs {
		if t.Event == nil || !t.Event.Applied {
			continue
		}
		switch t.Body.(type) {
		case *bitai.Infer:
			if !slices.Contains(r.infers, t) {
				r.infers = append(r.infers, t)
			}
		case *bitai.ChainDeposit:
			if !slices.Contains(r.deps, t) {
				r.deps = append(r.deps, t)
			}
		}
	}
}

// reorg disconnects blocks: depth=K, drop (txs are lost) or not (re-mined).
func (r *Runner) reorg(a Action) ([]string, error) {
	d, err := a.Int("depth", 1)
	if err != nil {
		return nil, err
	}
	if err := r.W.Reorg(int(d), !a.Has("drop")); err != nil {
		return nil, err
	}
	return []string{fmt.Sprintf("reorg: tip back to %d, %d txs pending", r.W.Tip(), len(r.W.mempool))}, nil
}

// alias binds @a, @b, @c to the miners of a request's slots 0, 1, 2 as its
// miners learn them (client rule C-1): alias req=L. Scenarios name miners by
// their role in a request, so they survive a change of seed.
func (r *Runner) alias(a Action) ([]string, error) {
	info, ok := r.request(a.Get("req"))
	if !ok || !info.Drawn {
		return nil, fmt.Errorf("sim: alias: request %q not drawn", a.Get("req"))
	}
	s := r.W.settledL2(info.Chain)
	var out []string
	for j, m := range info.Miner {
		name := r.accountName(s, m)
		r.aliases["@"+string(rune('a'+j))] = name
		out = append(out, fmt.Sprintf("@%c=%s", 'a'+j, name))
	}
	return []string{"alias " + strings.Join(out, " ")}, nil
}

// resolveAliases replaces @x keys and values (and comma-separated parts).
func (r *Runner) resolveAliases(a Action) Action {
	sub := func(s string) string {
		parts := strings.Split(s, ",")
		for i, p := range parts {
			if v, ok := r.aliases[p]; ok {
				parts[i] = v
			} else if strings.HasPrefix(p, "censor:@") {
				if v, ok := r.aliases[p[len("censor:"):]]; ok {
					parts[i] = "censor:" + v
				}
			}
		}
		return strings.Join(parts, ",")
	}
	out := Action{Cmd: a.Cmd, Args: make([]Arg, len(a.Args))}
	for i, x := range a.Args {
		out.Args[i] = Arg{Key: sub(x.Key), Val: sub(x.Val)}
	}
	return out
}

// corrupt simulates a state-machine bug for the harness's own tests: it credits
// by=A with amount=N sats out of nowhere at the next block.
func (r *Runner) corrupt(a Action) ([]string, error) {
	by, err := r.actor(a, "by")
	if err != nil {
		return nil, err
	}
	n, err := a.Uint("amount", 1)
	if err != nil {
		return nil, err
	}
	r.W.corrupt = append(r.W.corrupt, corruption{key: by.Key, amount: n})
	return nil, nil
}

// IsViolation reports whether err is an invariant violation.
func IsViolation(err error) (*Violation, bool) {
	var v *Violation
	ok := errors.As(err, &v)
	return v, ok
}

// requestInfo is what a participant knows of a request: its BitAI record and,
// once the L2 consumed it, its L2 state.
type requestInfo struct {
	ID    bitai.ID
	Q     statemachine.Request
	Chain *ChainInfo
	L2    *aichain.Request // nil until consumed (or once closed)
	Miner [aichain.Assignees]uint32
	Drawn bool
}

// request looks up a labelled request as of the settled state (client rule C-1:
// the assignment is known from the settled state as soon as it confirms).
func (r *Runner) request(label string) (*requestInfo, bool) {
	id, ok := r.object(label)
	if !ok {
		return nil, false
	}
	q, ok, err := statemachine.GetRequest(r.W.state(), id)
	if err != nil || !ok {
		return nil, false
	}
	ci := r.W.chains[q.ChainID]
	if ci == nil || ci.genesis == nil {
		return nil, false
	}
	info := &requestInfo{ID: id, Q: q, Chain: ci}
	s := r.W.settledL2(ci)
	if l2, ok := s.Request(aichain.Slot(q.InboxIndex)); ok && l2.ID == id {
		info.L2, info.Miner, info.Drawn = &l2, [3]uint32{l2.Slots[0].Miner, l2.Slots[1].Miner, l2.Slots[2].Miner}, true
	} else if e := q.ConfirmHeight / ci.Params.EpochBlocks; e > 0 {
		// Client rule C-1: Chain.Assignment, with the seed cached.
		k := string(q.ConfirmBlockHash[:]) + string(id[:])
		seed, ok := r.seeds[k]
		if !ok {
			seed = aichain.Seed(q.ConfirmBlockHash, id)
			r.seeds[k] = seed
		}
		info.Miner, info.Drawn = aichain.Draw(seed, s.MinerSet(e-1))
	}
	return info, true
}
