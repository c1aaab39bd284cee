package costmodel

import (
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/stretchr/testify/require"
)

// proveEnv enables TestGroth16Timing: it runs an unsafe (test-only) Groth16
// setup and proves a few gadget circuits, about half a minute of CPU.
const proveEnv = "BITAI_COSTMODEL_PROVE"

// timingCase is a gadget circuit with a real witness.
type timingCase struct {
	id      string
	witness func(t *testing.T, r *rand.Rand) frontend.Circuit
}

func merkleUpdateWitness(k TreeKind, depth int) func(*testing.T, *rand.Rand) frontend.Circuit {
	return func(_ *testing.T, r *rand.Rand) frontend.Circuit {
		h, levels := newNativeHasher(k.Width), k.Levels(depth)
		sibs := randSiblings(r, k, levels)
		index := uint64(r.Int63()) % (maxIndex(k, levels) + 1)
		oldLeaf, newLeaf := randElem(r), randElem(r)
		in := append([]frontend.Variable{oldLeaf.String(), newLeaf.String(), index}, vars(flatten(sibs)...)...)
		oldRoot, newRoot := nativeRoot(h, k, oldLeaf, index, sibs), nativeRoot(h, k, newLeaf, index, sibs)
		return assignment(append(in, oldRoot.String()), newRoot.String())
	}
}

func eddsaWitness(width int) func(*testing.T, *rand.Rand) frontend.Circuit {
	return func(t *testing.T, r *rand.Rand) frontend.Circuit {
		return assignment(signedInputs(t, r, width, randElem(r)), 0)
	}
}

// TestGroth16Timing times compile, setup, prove and verify of a few gadgets on
// this machine's CPU. Set BITAI_COSTMODEL_PROVE=1 to run it.
func TestGroth16Timing(t *testing.T) {
	if os.Getenv(proveEnv) == "" {
		t.Skipf("set %s=1 to time Groth16 setup and proving", proveEnv)
	}
	cases := []timingCase{
		{"eddsa.w4", eddsaWitness(4)},
		{"merkle.update.w4a4.d32", merkleUpdateWitness(TreeKind{4, 4}, 32)},
		{"merkle.update.w2a2.d32", merkleUpdateWitness(TreeKind{2, 2}, 32)},
	}
	r := rand.New(rand.NewSource(7))
	t.Logf("GOMAXPROCS=%d", runtime.GOMAXPROCS(0))
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			g := mustGadget(t, tc.id)
			t0 := time.Now()
			cs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, g.Circuit(1))
			require.NoError(t, err)
			tCompile := time.Since(t0)

			t0 = time.Now()
			pk, vk, err := groth16.Setup(cs)
			require.NoError(t, err)
			tSetup := time.Since(t0)

			w, err := frontend.NewWitness(tc.witness(t, r), ecc.BN254.ScalarField())
			require.NoError(t, err)
			pub, err := w.Public()
			require.NoError(t, err)
			best := time.Duration(1<<63 - 1)
			var proof groth16.Proof
			for range 3 {
				t0 = time.Now()
				proof, err = groth16.Prove(cs, pk, w)
				require.NoError(t, err)
				best = min(best, time.Since(t0))
			}
			t0 = time.Now()
			require.NoError(t, groth16.Verify(proof, vk, pub))
			tVerify := time.Since(t0)
			t.Logf("%s: %d R1CS, compile %v, setup %v, prove %v (best of 3), verify %v",
				tc.id, cs.GetNbConstraints(), tCompile.Round(time.Millisecond), tSetup.Round(time.Millisecond),
				best.Round(time.Millisecond), tVerify.Round(10*time.Microsecond))
			fmt.Fprintf(os.Stderr, "| `%s` | %d | %v | %v | %v | %v |\n", tc.id, cs.GetNbConstraints(),
				tCompile.Round(time.Millisecond), tSetup.Round(10*time.Millisecond), best.Round(time.Millisecond),
				tVerify.Round(10*time.Microsecond))
		})
	}
}

// BenchmarkNativeHash compares the native (Go) cost of the list hash of a
// 16-field record, the request inbox entry, at each width: what the sequencer,
// BitAI and witness builders pay outside the circuit.
func BenchmarkNativeHash(b *testing.B) {
	r := rand.New(rand.NewSource(8))
	xs := make([]fr.Element, RequestEntryFields)
	for i := range xs {
		xs[i] = randElem(r)
	}
	for _, w := range []int{2, 3, 4} {
		h := newNativeHasher(w)
		b.Run(fmt.Sprintf("w%d", w), func(b *testing.B) {
			for b.Loop() {
				h.hash(1, xs...)
			}
		})
	}
}
