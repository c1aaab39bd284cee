// Package node will wire the indexer, mempool, inscriber, DA, prover and API into one
// process with a single lifecycle.
//
// It must never hold consensus logic; it only connects the parts.
//
// Status: filled by a later issue; nothing here works yet.
package node
