//go:build gen_test_vectors

package zkhash

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGenerateKAT rewrites testdata/kat.json. Its values are consensus: rewrite
// only on purpose, and say why in the commit.
func TestGenerateKAT(t *testing.T) {
	out, err := json.MarshalIndent(buildKAT(t), "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(katPath, append(out, '\n'), 0o644))
}
