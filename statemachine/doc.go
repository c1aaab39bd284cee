// Package statemachine executes BitAI transactions deterministically: accounts,
// models, Eternals, inference requests, the AI-chain registry, inboxes and settlement.
//
// It owns the consensus state namespace and its key/value encoding. It must never read
// the wall clock, iterate maps in consensus paths, use floats, or touch the network;
// everything it knows arrives as a block of accepted payloads.
//
// Status: filled by the indexer and state-machine issue; nothing here works yet.
package statemachine
