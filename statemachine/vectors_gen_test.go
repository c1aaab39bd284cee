//go:build gen_test_vectors

package statemachine

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/stretchr/testify/require"
)

// tinyCircuit proves knowledge of a square root: x·x = y.
type tinyCircuit struct {
	X frontend.Variable
	Y frontend.Variable `gnark:",public"`
}

func (c *tinyCircuit) Define(api frontend.API) error {
	api.AssertIsEqual(api.Mul(c.X, c.X), c.Y)
	return nil
}

// TestGenerateVK writes testdata/test_vk.bin: a real gnark BN254 Groth16 verifying
// key (compressed WriteTo encoding) of tinyCircuit, used by ChainRegister tests and
// the block vectors. gnark's setup is randomised, so an existing file is kept (delete
// it to make a new key, then regenerate the state vectors).
func TestGenerateVK(t *testing.T) {
	path := filepath.Join("testdata", "test_vk.bin")
	if _, err := os.Stat(path); err == nil {
		t.Skipf("%s exists: keeping it", path)
	}
	ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, &tinyCircuit{})
	require.NoError(t, err)
	_, vk, err := groth16.Setup(ccs)
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = vk.WriteTo(&buf)
	require.NoError(t, err)
	require.NoError(t, CheckVerifyingKey(buf.Bytes()))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
}

// TestGenerateStateVectors writes testdata/vectors_state.json (rule S-22).
func TestGenerateStateVectors(t *testing.T) {
	v := buildStateVectors(t)
	b, err := json.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join("testdata", "vectors_state.json"), append(b, '\n'), 0o644))
}
