// Package aichain will be the AI-chain (L2) node: the native state transition that
// circuits prove, the sequencer and the miners' commit/reveal Proof-of-Compute.
//
// It must never sit inside BitAI block processing; it reads committed events afterwards.
//
// Status: filled by a later issue; nothing here works yet.
package aichain
