// Package sim is the AI chain's adversarial simulator (issue 6,
// docs/aichain-protocol.md §7): a virtual Bitcoin block stream driving the real
// BitAI state machine on in-memory pebble, with AI chains (package aichain) run
// by sequencer, miner, user, launcher, inscriber and attacker actors that play
// honest and hostile strategies. Every invariant (no brick, no theft, honest
// miner, paid once, settled state) is checked after every block; a failing run
// shrinks by delta debugging to a minimal trace saved as a scenario file.
//
// World is the deployment: blocks built in memory (one envelope input per BitAI
// tx), statemachine.Machine applying them through a store.Recorder, undo records
// for reorgs, NativeVerifier for proofs, and the simulator's per-block
// bookkeeping of settled L2 states and of what every key is owed. Runner
// interprets the scenario language (Action, one line per directive) against a
// World; RandomRun generates a seeded run as such a trace; Replay, Shrink and
// WriteScenario turn a failing trace into a regression scenario. The tests run
// every file under testdata/scenarios and a few random runs; -simruns=N runs N.
//
// Decisions taken here (not consensus): BitAI txs pay no fee and every actor is
// funded by a genesis allocation; a proof is the public input its prover
// computed (checked before NativeVerifier replays, as a SNARK would bind it);
// the no-brick check settles its batch on a scratch overlay through a second
// machine whose verifier accepts the public inputs the simulator computed; honest
// miners act on settled batches at least ReorgSafety blocks deep, and the
// simulation's reorgs are shallower.
package sim
