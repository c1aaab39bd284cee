// Package prover will make Groth16 proofs on CPU, or on GPU with -tags icicle, and serve
// proving jobs to workers.
//
// It must never hand out a proof it has not verified.
//
// Status: filled by a later issue; nothing here works yet.
package prover
