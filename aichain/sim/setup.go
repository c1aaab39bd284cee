package sim

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bitai-l2/bitai/aichain"
	"github.com/bitai-l2/bitai/bitai"
)

// Fees of the simulated Eternal and model.
const (
	EternalFee = 7
	CreatorFee = 3
)

// MinParams are the smallest windows the rules allow (rule T-16 and L-7):
// forceDelay 1, commitTimeout 13, revealTimeout 169, requestTTL 182, epoch 145,
// unstakeDelay 473, with the deployment's least minStake.
func MinParams() bitai.ChainParams {
	p := aichain.DefaultParams()
	p.ForceDelay = 1
	p.CommitTimeout = p.ForceDelay + bitai.MinWindow
	p.RevealTimeout = p.CommitTimeout + bitai.SubmitWindow + bitai.MinWindow
	p.RequestTTL = p.RevealTimeout + p.ForceDelay + bitai.MinWindow
	p.EpochBlocks = bitai.SubmitWindow + 1
	p.UnstakeDelay = 2*p.EpochBlocks + p.RequestTTL + 1
	p.MinStake = bitai.DefaultChainBounds().MinMinStake
	p.Slash = p.MinStake / 2
	p.RejoinDelay = 6
	p.RequestFee = 1000
	return p
}

// MaxParams are the largest windows the default bounds allow.
func MaxParams() bitai.ChainParams {
	b := bitai.DefaultChainBounds()
	p := aichain.DefaultParams()
	p.ForceDelay = b.MaxForceDelay
	p.CommitTimeout = p.ForceDelay + bitai.MinWindow
	p.RevealTimeout = p.CommitTimeout + p.ForceDelay + bitai.MinWindow
	p.RequestTTL = b.MaxRequestTTL
	p.EpochBlocks = b.MaxEpochBlocks
	p.UnstakeDelay = b.MaxUnstakeDelay
	p.RejoinDelay = b.MaxRejoinDelay
	p.MinStake = bitai.MaxMoney
	p.Slash = bitai.MaxMoney
	p.FeeSplitBps = bitai.MaxBasisPoints
	p.RequestFee = b.MaxRequestFee
	return p
}

// params builds chain params from a preset (params=default|min|max) and
// per-field overrides (fd ct rt ttl e minstake slash unstake rejoin split fee);
// the treasury is the "treasury" actor's L2 key unless treasury=bad.
func (r *Runner) params(a Action, treasury [32]byte) (bitai.ChainParams, error) {
	var p bitai.ChainParams
	switch a.Get("params") {
	case "", "min":
		p = MinParams()
	case "default":
		p = aichain.DefaultParams()
		p.RequestFee = 1000
	case "design":
		p = bitai.DefaultChainParams()
	case "max":
		p = MaxParams()
	default:
		return p, fmt.Errorf("sim: params=%q", a.Get("params"))
	}
	p.Treasury = treasury
	if a.Get("treasury") == "bad" {
		p.Treasury = [32]byte{0xff}
	}
	u32 := map[string]*uint32{"fd": &p.ForceDelay, "ct": &p.CommitTimeout, "rt": &p.RevealTimeout,
		"ttl": &p.RequestTTL, "e": &p.EpochBlocks, "unstake": &p.UnstakeDelay, "rejoin": &p.RejoinDelay}
	u64 := map[string]*uint64{"minstake": &p.MinStake, "slash": &p.Slash, "fee": &p.RequestFee}
	for _, x := range a.Args {
		switch {
		case u32[x.Key] != nil:
			v, err := strconv.ParseUint(x.Val, 10, 32)
			if err != nil {
				return p, fmt.Errorf("sim: %s=%q: %w", x.Key, x.Val, err)
			}
			*u32[x.Key] = uint32(v)
		case u64[x.Key] != nil:
			v, err := strconv.ParseUint(x.Val, 10, 64)
			if err != nil {
				return p, fmt.Errorf("sim: %s=%q: %w", x.Key, x.Val, err)
			}
			*u64[x.Key] = v
		case x.Key == "split":
			v, err := strconv.ParseUint(x.Val, 10, 16)
			if err != nil {
				return p, fmt.Errorf("sim: split=%q: %w", x.Val, err)
			}
			p.FeeSplitBps = uint16(v)
		}
	}
	return p, nil
}

// shape parses shape=inbox,commit,reveal,resolve,other (default 8,6,6,4,6).
func shape(a Action) (aichain.Shape, error) {
	s := a.Get("shape")
	if s == "" {
		s = "8,6,6,4,6"
	}
	var n [5]int
	f := strings.Split(s, ",")
	if len(f) != 5 {
		return aichain.Shape{}, fmt.Errorf("sim: shape=%q", s)
	}
	for i := range f {
		v, err := strconv.Atoi(f[i])
		if err != nil {
			return aichain.Shape{}, fmt.Errorf("sim: shape=%q: %w", s, err)
		}
		n[i] = v
	}
	sh := aichain.Shape{InboxSlots: n[0], CommitSlots: n[1], RevealSlots: n[2], ResolveSlots: n[3], OtherSlots: n[4]}
	return sh, sh.Validate()
}

// setup creates the world and launches the main chain: actors seq, launcher,
// treasury, eve, m1..mN (miners=N, default 5) and u1..uN (users=N, default 3); the
// activation block registers a model, the next mints an Eternal and registers
// the chain (da=inline|pointer). start= sets the activation height (default two
// epochs minus 24 blocks, so miners that join at once are in force from the next
// epoch boundary but one).
func (r *Runner) setup(a Action) ([]string, error) {
	nm, err := a.Int("miners", 5)
	if err != nil {
		return nil, err
	}
	nu, err := a.Int("users", 3)
	if err != nil {
		return nil, err
	}
	names := []string{"seq", "launcher", "treasury", "eve"}
	for i := range nm {
		names = append(names, fmt.Sprintf("m%d", i+1))
	}
	for i := range nu {
		names = append(names, fmt.Sprintf("u%d", i+1))
	}
	tr, err := newActor("treasury")
	if err != nil {
		return nil, err
	}
	p, err := r.params(a, tr.L2Key)
	if err != nil {
		return nil, err
	}
	sh, err := shape(a)
	if err != nil {
		return nil, err
	}
	start, err := a.Int("start", int64(2*p.EpochBlocks)-24)
	if err != nil {
		return nil, err
	}
	w, err := New(Config{Actors: names, ActivationHeight: uint32(max(start, 1)), VerifyingKey: r.VK, Shape: sh})
	if err != nil {
		return nil, err
	}
	r.W = w
	launcher := w.Actor("launcher")
	w.Queue(&Tx{Label: "model", From: launcher, Body: &bitai.ModelRegister{Name: "sim", URI: "sim://model",
		Format: "cog", CreatorFee: CreatorFee}})
	out, err := r.mine(Action{Cmd: "mine"})
	if err != nil {
		return out, err
	}
	model, _ := r.object("model")
	w.Queue(&Tx{Label: "eternal", From: launcher, Body: &bitai.EternalMint{To: launcher.Key, URI: "sim://eternal",
		SystemPrompt: "be right", FoundationModel: model, Fee: EternalFee}})
	ci := &ChainInfo{Name: "main", Params: p, Circuit: TestCircuit, Shape: sh, Inline: a.Get("da") != "pointer",
		Sequencers: []*Actor{w.Actor("seq")}}
	w.Queue(r.registerTx(ci, launcher, model))
	more, err := r.mine(Action{Cmd: "mine"})
	out = append(out, more...)
	if err != nil {
		return out, err
	}
	if _, ok := w.chains[ci.ID]; !ok || ci.ID == (bitai.ID{}) {
		return out, fmt.Errorf("sim: main chain not registered: %s", strings.Join(out, "; "))
	}
	r.Main = ci
	eternal, _ := r.object("eternal")
	ci.Eternal = eternal
	out = append(out, fmt.Sprintf("chain main at %d: fd=%d ct=%d rt=%d ttl=%d e=%d minstake=%d slash=%d "+
		"unstake=%d rejoin=%d split=%d fee=%d shape=%d,%d,%d,%d,%d da=%s", ci.RegHeight, p.ForceDelay,
		p.CommitTimeout, p.RevealTimeout, p.RequestTTL, p.EpochBlocks, p.MinStake, p.Slash, p.UnstakeDelay,
		p.RejoinDelay, p.FeeSplitBps, p.RequestFee, sh.InboxSlots, sh.CommitSlots, sh.RevealSlots,
		sh.ResolveSlots, sh.OtherSlots, map[bool]string{true: "inline", false: "pointer"}[ci.Inline]))
	return out, nil
}

// registerTx is a ChainRegister launching ci.
func (r *Runner) registerTx(ci *ChainInfo, by *Actor, model bitai.ID) *Tx {
	ci.Params.FullRollup = ci.Inline // registered, not a per-batch choice (rule L-41)
	var seqs [][32]byte
	for _, s := range ci.Sequencers {
		seqs = append(seqs, s.Key)
	}
	return &Tx{Label: ci.Name, From: by, reg: ci, Body: &bitai.ChainRegister{Name: ci.Name,
		Models: []bitai.ID{model}, CircuitID: ci.Circuit, VerifyingKey: r.VK, Params: ci.Params.Record(),
		Sequencers: seqs, Admin: by.Key}}
}

// role sets actors' strategies for auto: role m3=lazy seq=censor:m1 …
func (r *Runner) role(a Action) ([]string, error) {
	for _, x := range a.Args {
		if r.W.Actor(x.Key) == nil {
			return nil, fmt.Errorf("sim: role: unknown actor %q", x.Key)
		}
		r.Roles[x.Key] = x.Val
	}
	return nil, nil
}
