// Package sim is the AI chain's adversarial simulator (issue 6): a virtual
// Bitcoin block stream driving the real BitAI state machine on in-memory pebble,
// with an AI chain (package aichain) run by sequencer, miner, user, launcher and
// inscriber actors with honest and hostile strategies. Invariants are checked
// after every block; a failing run shrinks to a minimal trace saved as a
// scenario file under testdata/scenarios.
package sim
