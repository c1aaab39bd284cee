package zkhash

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDeps enforces DESIGN.md §2: zkhash imports the standard library and
// gnark-crypto only. Its direct imports outside the stdlib must be gnark-crypto
// packages, and every transitive dependency must come from gnark-crypto or the
// modules gnark-crypto itself pulls in (never gnark, pebble, btcd, ...).
func TestDeps(t *testing.T) {
	allowedModules := map[string]bool{
		"github.com/bitai-l2/bitai":         true, // zkhash itself
		"github.com/consensys/gnark-crypto": true,
		"github.com/bits-and-blooms/bitset": true, // via gnark-crypto/ecc/bn254/fr
		"golang.org/x/crypto":               true, // sha3, via gnark-crypto poseidon2
		"golang.org/x/sys":                  true, // cpu, via gnark-crypto
	}

	imports := goList(t, "{{join .Imports \"\\n\"}}")
	for _, imp := range imports {
		if !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
			continue // standard library
		}
		require.True(t, strings.HasPrefix(imp, "github.com/consensys/gnark-crypto/"),
			"zkhash imports %s directly", imp)
	}

	deps := goList(t, "-deps", "{{if not .Standard}}{{.ImportPath}} {{with .Module}}{{.Path}}{{end}}{{end}}")
	require.NotEmpty(t, deps)
	for _, line := range deps {
		pkg, mod, _ := strings.Cut(line, " ")
		require.True(t, allowedModules[mod], "dependency %s from module %q is not allowed", pkg, mod)
	}
}

func goList(t *testing.T, args ...string) []string {
	t.Helper()
	format := args[len(args)-1]
	cmdArgs := append([]string{"list"}, args[:len(args)-1]...)
	cmdArgs = append(cmdArgs, "-f", format, ".")
	out, err := exec.Command("go", cmdArgs...).CombinedOutput()
	require.NoError(t, err, "go list: %s", out)
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}
