package bitai

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// depsAllowed lists the import-path prefixes bitai may depend on (DESIGN.md §2,
// STYLE.md §1): btcd's wire, chainhash, txscript and btcec and what they pull in,
// and brotli. The btcd root module (rpcclient, blockchain, ...) is not allowed.
var depsAllowed = []string{
	"github.com/bitai-l2/bitai/bitai",
	"github.com/btcsuite/btcd/wire/v2",
	"github.com/btcsuite/btcd/chainhash/v2",
	"github.com/btcsuite/btcd/txscript/v2",
	"github.com/btcsuite/btcd/btcec/v2",
	"github.com/btcsuite/btcd/chaincfg/v2",
	"github.com/btcsuite/btcd/address/v2",
	"github.com/btcsuite/btcd/btcutil/v2",
	"github.com/btcsuite/btclog",
	"github.com/decred/dcrd/dcrec/secp256k1/v4",
	"github.com/decred/dcrd/crypto/blake256",
	"golang.org/x/crypto",
	"golang.org/x/sys",
	"github.com/andybalholm/brotli",
}

func depAllowed(path string) bool {
	for _, p := range depsAllowed {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

func TestDepsAllowlist(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not on PATH")
	}
	out, err := exec.Command(goBin, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}",
		"github.com/bitai-l2/bitai/bitai").CombinedOutput()
	require.NoError(t, err, "%s", out)
	var bad []string
	n := 0
	for _, p := range strings.Fields(string(out)) {
		n++
		if !depAllowed(p) {
			bad = append(bad, p)
		}
	}
	require.Greater(t, n, 1, "go list printed no dependencies:\n%s", out)
	require.Empty(t, bad, "bitai imports packages outside the allowlist of DESIGN.md §2")
}

func TestDepAllowed(t *testing.T) {
	for path, want := range map[string]bool{
		"github.com/btcsuite/btcd/wire/v2":          true,
		"github.com/btcsuite/btcd/btcec/v2/schnorr": true,
		"github.com/btcsuite/btcd/rpcclient":        false,
		"github.com/btcsuite/btcd/wire":             false,
		"github.com/btcsuite/btcd/wire/v2x":         false,
		"github.com/cockroachdb/pebble/v2":          false,
		"github.com/consensys/gnark-crypto/ecc":     false,
		"golang.org/x/crypto/sha3":                  true,
	} {
		require.Equal(t, want, depAllowed(path), path)
	}
}
