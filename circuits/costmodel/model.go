package costmodel

import (
	"fmt"
	"math"
)

// Field counts of the records the circuit hashes. They are the model's
// assumptions (DESIGN §3.2, §4.1-4.2, zkhash); docs/aichain-costmodel.md lists
// them next to the tables.
const (
	RequestEntryFields = 16 // zkhash.RequestEntry.Fields
	DepositEntryFields = 6  // zkhash.DepositEntry.Fields
	MessageEntryFields = 4  // zkhash.MessageEntry.Fields
	AccountLeafFields  = 7  // pk.x, pk.y, balance, stake, nonce, miner state, unstake height
	ReqHeaderFields    = 6  // requestID, entry hash, chain fee, confirm height, deadline, phase
	ReqSlotFields      = 4  // miner index, key hash, commitment, revealed digest
	EpochLeafFields    = 3  // fromEpoch, arrayRoot, size
	ArrayLeafFields    = 2  // account index, key hash
	StateRootFields    = 8  // tree roots, supply, counters
	PublicInputFields  = 14 // DESIGN §4.2 public input
	CommitMsgFields    = 4  // chainID, requestID, slot j, commitment: what a commit signs
	OpeningFields      = 5  // chainID, requestID, minerIndex, digest, salt (DESIGN §4.1)
	OutcomeFields      = 3  // requestID, status, digest
	WithdrawalFields   = 3  // recipient (2 limbs), amount
	WithdrawMsgFields  = 6  // chainID, account, nonce, amount, recipient (2 limbs)
	L2OpFields         = 8  // the largest forced op, as field elements
	MinerLeafFields    = 5  // account index, key hash, stake, earnings, state (MinerTree)

	EpochDepth = 16 // epoch tree (binary-equivalent depth)
	ArrayDepth = 16 // a miner set array
	MinerDepth = 16 // the miner tree (MinerTree)
)

// Config is one design point of the circuit.
type Config struct {
	Kind      TreeKind // hash width and tree arity
	ReqDepth  int      // request tree: 16 (request-centric, transient) or 32
	AcctDepth int      // account tree: 32
	Batch     int      // settled inferences per batch (N)

	// Ideas; each one is off in the DESIGN v5 baseline unless noted.
	Aggregate    bool    // miner and treasury credits aggregated once per batch (DESIGN §4.2: on)
	CreditSlots  int     // aggregated miner entries per batch when Aggregate
	Universal    bool    // one inbox slot type for every entry kind (on: one accumulator)
	ForcedSigL1  bool    // BitAI verifies forced ops' EdDSA (DESIGN §3.2/§4.2 "next")
	Group        bool    // per-batch cache of request leaves: one leaf update per request per batch
	GroupsPerInf float64 // request groups one settled inference uses when Group (2: commits, then reveals + resolve)
	SplitLeaf    bool    // request leaf = H(header hash, 3 slot hashes): a slot update rehashes one slot
	FieldDA      bool    // DA record and l2Op hashed as field elements, no byte packing
	Lookups      bool    // range checks by std/rangecheck (one BSB22 commitment)
	EpochCache   bool    // epoch leaves verified once per batch, requests select from them
	KeyIndexL1   bool    // BitAI assigns account indices to deposit keys (no in-circuit uniqueness)
	MinerTree    bool    // stakes and earnings in a miner tree of depth MinerDepth; treasury balance in the state root
	TypedDeposit int     // deposit slots per batch when !Universal
	TypedMessage int     // forced-op slots per batch when !Universal
	Withdrawals  int     // signed withdrawal slots per batch
}

// Unit is what one line of the model costs: a measured gadget (ID) or, with
// ID == "hash", a tagged list hash of N field elements at the config's width.
type Unit struct {
	ID string
	N  int
}

func (u Unit) String() string {
	switch u.ID {
	case "hash":
		return fmt.Sprintf("H(%d)", u.N)
	case "mux", "table.write":
		return fmt.Sprintf("%s.%d", u.ID, u.N)
	}
	return u.ID
}

// Line is Count uses of a unit for one named purpose.
type Line struct {
	What  string
	Unit  Unit
	Count float64
}

// Op is one slot kind of the circuit with how many of it one settled
// inference needs (PerInf; per-batch costs use 1/Batch).
type Op struct {
	Name   string
	PerInf float64
	Lines  []Line
}

// Costs maps a gadget ID to its measured marginal R1CS count.
type Costs map[string]float64

// Cost resolves a unit for this config.
func (c Config) Cost(costs Costs, u Unit) (float64, error) {
	if u.ID == "hash" {
		perm, ok := costs[fmt.Sprintf("p2.perm.w%d", c.Kind.Width)]
		if !ok {
			return 0, fmt.Errorf("no measured permutation at width %d", c.Kind.Width)
		}
		return HashPerms(c.Kind.Width, u.N) * perm, nil
	}
	if u.ID == "mux" || u.ID == "table.write" {
		return sizedCost(costs, u.ID, u.N)
	}
	v, ok := costs[u.ID]
	if !ok {
		return 0, fmt.Errorf("no measurement for %q", u.ID)
	}
	return v, nil
}

// sizedCost prices a selector over n entries: the measurement at n if there is
// one, else linear between (or beyond) the nearest two measured sizes.
func sizedCost(costs Costs, id string, n int) (float64, error) {
	var xs []int
	for _, s := range SelectSizes {
		if _, ok := costs[fmt.Sprintf("%s.%d", id, s)]; ok {
			xs = append(xs, s)
		}
	}
	if len(xs) < 2 {
		return 0, fmt.Errorf("need two measured sizes of %s", id)
	}
	lo, hi := xs[0], xs[1]
	for i := 1; i < len(xs); i++ {
		lo, hi = xs[i-1], xs[i]
		if n <= hi {
			break
		}
	}
	if n == lo || n == hi {
		return costs[fmt.Sprintf("%s.%d", id, n)], nil
	}
	clo, chi := costs[fmt.Sprintf("%s.%d", id, lo)], costs[fmt.Sprintf("%s.%d", id, hi)]
	return clo + (chi-clo)*float64(n-lo)/float64(hi-lo), nil
}

// HashPerms is how many permutations a tagged list hash of n variables costs
// at a width (see hasher.hash): n at width 2, ceil(n/(w-1)) above.
func HashPerms(width, n int) float64 {
	if width == 2 {
		return float64(n)
	}
	return math.Ceil(float64(n) / float64(width-1))
}

func (c Config) hash(n int) Unit { return Unit{ID: "hash", N: n} }
func (c Config) verify(depth int) Unit {
	return Unit{ID: fmt.Sprintf("merkle.verify.%s.d%d", c.Kind, depth)}
}
func (c Config) update(depth int) Unit {
	return Unit{ID: fmt.Sprintf("merkle.update.%s.d%d", c.Kind, depth)}
}
func (c Config) eddsa() Unit { return Unit{ID: fmt.Sprintf("eddsa.w%d", c.Kind.Width)} }
func (c Config) less() Unit {
	if c.Lookups {
		return Unit{ID: "cmp.lt64.lookup"}
	}
	return Unit{ID: "cmp.lt64.assert"}
}
func (c Config) range64() Unit {
	if c.Lookups {
		return Unit{ID: "range.lookup64"}
	}
	return Unit{ID: "range.bits64"}
}
func (c Config) pack() Unit {
	if c.Lookups {
		return Unit{ID: "pack31.lookup"}
	}
	return Unit{ID: "pack31.bits"}
}

func g(id string) Unit { return Unit{ID: id} }

func mux(n int) Unit        { return Unit{ID: "mux", N: n} }
func tableWrite(n int) Unit { return Unit{ID: "table.write", N: n} }

// Evaluated is one op with its cost.
type Evaluated struct {
	Op
	Each float64 // constraints per use of the op
}

// Result is a config's model: every op and the total per settled inference.
type Result struct {
	Config Config
	Ops    []Evaluated
	PerInf float64
}

// Evaluate prices every op of the config with the measured costs.
func (c Config) Evaluate(costs Costs) (Result, error) {
	r := Result{Config: c}
	for _, op := range c.Ops() {
		e := Evaluated{Op: op}
		for _, l := range op.Lines {
			u, err := c.Cost(costs, l.Unit)
			if err != nil {
				return r, fmt.Errorf("op %s, %s: %w", op.Name, l.What, err)
			}
			e.Each += u * l.Count
		}
		r.PerInf += e.Each * op.PerInf
		r.Ops = append(r.Ops, e)
	}
	return r, nil
}
