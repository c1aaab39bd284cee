package sim

import (
	"os"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"
)

// loadVK reads the committed test verifying key (any canonical Groth16 key will
// do: the simulation's proofs are native replays).
func loadVK(t testing.TB) []byte {
	vk, err := os.ReadFile("../../statemachine/testdata/test_vk.bin")
	require.NoError(t, err)
	return vk
}

// actionOf converts a datadriven directive into an Action.
func actionOf(d *datadriven.TestData) Action {
	a := Action{Cmd: d.Cmd}
	for _, c := range d.CmdArgs {
		a.Args = append(a.Args, Arg{Key: c.Key, Val: strings.Join(c.Vals, ",")})
	}
	return a
}

// TestScenarios runs every scenario file under testdata/scenarios (the named
// attacks and the regressions shrunk from random runs). Every invariant is
// checked after every block; a violation fails the test. Rewrite the expected
// reports with -rewrite.
func TestScenarios(t *testing.T) {
	vk := loadVK(t)
	datadriven.Walk(t, "testdata/scenarios", func(t *testing.T, path string) {
		r := NewRunner(vk, 1)
		defer r.Close()
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			out, err := r.Exec(actionOf(d))
			if v, ok := IsViolation(err); ok {
				t.Fatalf("%s: %v\n%s", d.Pos, v, out)
			}
			require.NoError(t, err, d.Pos)
			if out == "" {
				return ""
			}
			return out + "\n"
		})
	})
}
