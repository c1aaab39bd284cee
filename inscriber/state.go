package inscriber

// State is a batch's place in the inscriber's state machine (DESIGN §3.5, STYLE §11,
// after taproot-assets' caretaker). Every transition is persisted with pebble.Sync
// before stateStep returns it:
//
//	planned ──► signed ──► commit sent ──► reveal sent ──► confirmed(depth)
//	   ▲          │             │               │  ▲            │
//	   │          ▼             ▼               │  └────────────┘ a disconnect at any depth
//	   └─────── replan ◄────────┴───────────────┘   (re-broadcast, or re-plan when an
//	          (a commit input spent by someone      input was double-spent)
//	           else, or a chunk window missed)
//
//	signed/commit sent/reveal sent ── abandoned, commit confirmed ──► stuck ──► sweeping ──► swept
//	planned/signed ── abandoned, nothing sent ──► abandoned
//
// Confirmation depth is only a reporting level: the facts (which of our txs sit in
// which block) are written by block processing and removed by a disconnect, and a
// batch in StateConfirmed whose reveals lost their block goes back to
// StateRevealSent.
type State uint8

const (
	// StatePlanned: inputs chosen and reserved, fee parameters fixed; nothing signed.
	StatePlanned State = iota + 1
	// StateSigned: the commit and every reveal are signed, checked and stored; nothing sent.
	StateSigned
	// StateCommitSent: the commit was broadcast; some reveals wait (for the commit's
	// confirmation when Bitcoin Core's chain limits require it).
	StateCommitSent
	// StateRevealSent: every reveal was broadcast.
	StateRevealSent
	// StateConfirmed: every reveal is in a block of the best chain.
	StateConfirmed
	// StateReplan: the batch must be planned again with new inputs.
	StateReplan
	// StateStuck: the payloads were abandoned after the commit confirmed; its
	// outputs are to be swept back by key path.
	StateStuck
	// StateSweeping: the sweep was broadcast.
	StateSweeping
	// StateSwept: the sweep confirmed (terminal).
	StateSwept
	// StateAbandoned: abandoned before anything was sent (terminal).
	StateAbandoned

	stateLast = StateAbandoned
)

var stateNames = [...]string{
	StatePlanned: "planned", StateSigned: "signed", StateCommitSent: "commit-sent",
	StateRevealSent: "reveal-sent", StateConfirmed: "confirmed", StateReplan: "replan",
	StateStuck: "stuck", StateSweeping: "sweeping", StateSwept: "swept", StateAbandoned: "abandoned",
}

// String names the state.
func (s State) String() string {
	if s >= StatePlanned && s <= stateLast {
		return stateNames[s]
	}
	return "unknown"
}

// terminal reports states no step leaves.
func (s State) terminal() bool { return s == StateSwept || s == StateAbandoned }
