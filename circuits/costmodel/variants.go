package costmodel

// Step is one design point in the stack of ideas the docs walk through: each
// step keeps the previous ones and adds one change.
type Step struct {
	Name  string
	Apply func(*Config)
}

// Baseline is DESIGN v5 as written (§4.1-4.2): width 2 binary trees, a
// request tree of depth 16, accounts at depth 32, credits aggregated per batch,
// one inbox accumulator (any slot can hold any entry), forced-op signatures
// checked in-circuit, a byte-encoded DA record, range checks by bits (lookups
// are a variant, not a step: see Variants).
func Baseline() Config {
	return Config{
		Kind: TreeKind{2, 2}, ReqDepth: 16, AcctDepth: 32, Batch: 16,
		Aggregate: true, CreditSlots: 16, Universal: true, GroupsPerInf: 2,
		Withdrawals: 2, TypedDeposit: 2, TypedMessage: 2,
	}
}

// Steps are the ideas in the order the docs stack them.
func Steps() []Step {
	return []Step{
		{"DESIGN v5 as written", func(*Config) {}},
		{"+ BitAI checks forced-op signatures", func(c *Config) { c.ForcedSigL1 = true }},
		{"+ per-batch cache of request leaves (request groups)", func(c *Config) { c.Group = true }},
		{"+ field-aligned DA record and l2Op hash", func(c *Config) { c.FieldDA = true }},
		{"+ epoch cache, BitAI-assigned account index", func(c *Config) { c.EpochCache = true; c.KeyIndexL1 = true }},
		{"+ typed inbox queues (request, deposit, forced op)", func(c *Config) { c.Universal = false }},
		{"+ miner tree (depth 16) for stakes and earnings, treasury in the state root", func(c *Config) { c.MinerTree = true }},
	}
}

// StepConfigs returns the config after each step, for one tree kind and
// request-tree depth.
func StepConfigs(kind TreeKind, reqDepth int) []Config {
	c := Baseline()
	c.Kind, c.ReqDepth = kind, reqDepth
	var out []Config
	for _, s := range Steps() {
		s.Apply(&c)
		out = append(out, c)
	}
	return out
}
