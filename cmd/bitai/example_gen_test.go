//go:build gen_test_vectors

package main

import (
	"bytes"
	"encoding/hex"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGenerateExample writes docs/examples/reveal.hex:
// go test -tags gen_test_vectors -run TestGenerateExample ./cmd/bitai
func TestGenerateExample(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, exampleReveal(t).Serialize(&buf))
	require.NoError(t, os.WriteFile(examplePath, []byte(hex.EncodeToString(buf.Bytes())+"\n"), 0o644))
}
