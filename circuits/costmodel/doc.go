// Package costmodel measures what gnark v0.16.0 charges for the gadgets the
// AI-chain circuit will need (Poseidon2 at widths 2, 3 and 4, Merkle paths,
// EdDSA on BabyJubJub, range checks, mod-n draws, byte packing, selectors) and
// builds a per-op cost model of the AI-chain protocol (DESIGN §4.1-4.2, issue 6
// item 6) from those measurements: constraints per settled inference for each
// hash width, tree layout and batching idea, rendered as docs/aichain-costmodel.md.
//
// Measurements and a cost model only: nothing here is a production circuit, no
// gadget here is consensus, and no other package may import this one. The
// gadget circuits exist to be compiled and counted (a few are also proved, to
// time Groth16 on this machine). The measured counts are pinned in measured.go
// and checked against a fresh compilation by the tests, so the model cannot
// drift from gnark.
package costmodel
