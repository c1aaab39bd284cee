package sim

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var (
	simRuns   = flag.Int("simruns", 0, "random simulation runs (0: a fast subset)")
	simSeed   = flag.Uint64("simseed", 1, "first seed of the random runs")
	simSave   = flag.String("simsave", "testdata/scenarios", "where shrunk failing runs are saved as scenarios")
	simShrink = flag.Int("simshrink", 150, "replay budget for shrinking a failing run")
)

// TestSimRandom runs seeded random runs (a fast subset by default, -simruns=N
// for N) and checks every invariant after every block. A violation is shrunk to
// a minimal trace, saved as a regression scenario, and fails the test.
func TestSimRandom(t *testing.T) {
	vk := loadVK(t)
	n := *simRuns
	if n == 0 {
		n = 10
		if testing.Short() {
			n = 1
		}
	}
	start := time.Now()
	var total Stats
	fails := 0
	for i := range n {
		seed := *simSeed + uint64(i)
		res, err := RandomRun(vk, seed, RandomOptions{})
		require.NoError(t, err, "seed %d", seed)
		total.Add(res.Stats)
		if n >= 1000 && (i+1)%250 == 0 {
			fmt.Fprintf(os.Stderr, "progress: %d/%d runs, %d blocks, %d failures, %s\n", i+1, n, total.Blocks, fails,
				time.Since(start).Round(time.Second))
		}
		if res.Violation == nil {
			continue
		}
		fails++
		t.Errorf("seed %d: %v", seed, res.Violation)
		path := filepath.Join(*simSave, fmt.Sprintf("regress_%s_%d", res.Violation.Invariant, seed))
		if err := saveShrunk(vk, res, path); err != nil {
			t.Errorf("seed %d: %v", seed, err)
		} else {
			t.Logf("seed %d: shrunk trace saved as %s", seed, path)
		}
	}
	t.Logf("runs=%d blocks=%d batches=%d invariant-checks=%d (all six, after every block) failures=%d in %s", n, total.Blocks, total.Batches,
		total.Checks, fails, time.Since(start).Round(time.Millisecond))
	t.Logf("answered=%d refunded=%d expired=%d slashed=%d forced=%d reclaimed=%d exited=%d reorgs=%d failed-txs=%d",
		total.Answered, total.Refunded, total.Expired, total.Slashed, total.Forced, total.Reclaimed, total.Exited,
		total.Reorgs, total.Failed)
	if fixed, _ := filepath.Glob(filepath.Join("testdata", "scenarios", "regress_*")); len(fixed) > 0 {
		t.Logf("failures found earlier and fixed: %d, each kept as a regression scenario that TestScenarios runs: %v",
			len(fixed), baseNames(fixed))
	}
}

func baseNames(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Base(p)
	}
	return out
}

// saveShrunk shrinks a failing run and writes it as a scenario.
func saveShrunk(vk []byte, res *RunResult, path string) error {
	trace := Shrink(vk, res.Trace, res.Violation.Invariant, *simShrink)
	steps, v, err := Replay(vk, trace)
	if err != nil {
		return err
	}
	header := fmt.Sprintf("Regression: random run seed %d, shrunk from %d to %d actions.\n%v",
		res.Seed, len(res.Trace), len(trace), res.Violation)
	return WriteScenario(path, header, steps, v)
}
