package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/bitai"
)

const examplePath = "../../docs/examples/reveal.hex"

// runCLI runs the command line in-process and returns exit code, stdout and stderr.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	code := 0
	if err := root.ExecuteContext(context.Background()); err != nil {
		code = exitCode(err)
		errOut.WriteString("bitai: " + err.Error() + "\n")
	}
	return code, out.String(), errOut.String()
}

func TestInspectShippedExample(t *testing.T) {
	shipped, err := os.ReadFile(examplePath)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, exampleReveal(t).Serialize(&buf))
	require.Equal(t, hex.EncodeToString(buf.Bytes()), strings.TrimSpace(string(shipped)),
		"docs/examples/reveal.hex is stale: go test -tags gen_test_vectors -run TestGenerateExample ./cmd/bitai")

	code, out, stderr := runCLI(t, string(shipped), "inspect", "tx", "-", "--json")
	require.Equal(t, 0, code, stderr)
	var rep txReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Len(t, rep.Envelopes, 1)
	env := rep.Envelopes[0]
	require.Equal(t, "0xc0", env.LeafVersion)
	require.Equal(t, bitai.ContentType, *env.ContentType)
	require.Equal(t, "br", *env.ContentEncoding)
	require.Equal(t, bitai.Metaprotocol, *env.Metaprotocol)
	require.False(t, env.Flags.DuplicateField || env.Flags.IncompleteField || env.Flags.UnrecognizedEvenField || env.Flags.Pushnum)
	require.Len(t, rep.BitAI, 1)
	c := rep.BitAI[0]
	require.True(t, c.Accepted, c.Reason)
	require.Equal(t, "payload", c.BodyKind)
	require.True(t, c.Payload.Valid)
	require.Len(t, c.Payload.Txs, 3)
	kinds := []string{}
	for i, tx := range c.Payload.Txs {
		require.True(t, tx.Valid, tx.Error)
		require.True(t, *tx.SigValid, "tx %d signature under regtest", i)
		require.Equal(t, uint64(i), tx.Nonce)
		kinds = append(kinds, tx.Kind)
	}
	require.Equal(t, []string{"Transfer", "ModelRegister", "EternalMint"}, kinds)

	// Under another deployment the same signatures do not verify (no replay).
	code, out, _ = runCLI(t, string(shipped), "inspect", "tx", "-", "--json", "--network", "simnet")
	require.Equal(t, 0, code)
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.False(t, *rep.BitAI[0].Payload.Txs[0].SigValid)

	// Text form names the same facts.
	code, out, _ = runCLI(t, strings.TrimSpace(string(shipped)), "inspect", "tx", strings.TrimSpace(string(shipped)))
	require.Equal(t, 0, code)
	for _, want := range []string{"accepted", "payload: 3 txs", "EternalMint", "signature_valid true", `content_type "application/vnd.bitai.v1"`} {
		require.Contains(t, out, want)
	}
}

func TestInspectBadInput(t *testing.T) {
	var good bytes.Buffer
	require.NoError(t, exampleReveal(t).Serialize(&good))
	goodHex := hex.EncodeToString(good.Bytes())
	tests := []struct {
		name  string
		args  []string
		stdin string
		code  int
		want  string
	}{
		{name: "no argument", args: []string{"inspect", "tx"}, code: 2, want: "exactly one argument"},
		{name: "empty stdin", args: []string{"inspect", "tx", "-"}, stdin: "  \n", code: 1, want: "no transaction hex"},
		{name: "not hex", args: []string{"inspect", "tx", "zz"}, code: 1, want: "transaction hex"},
		{name: "odd hex", args: []string{"inspect", "tx", "abc"}, code: 1, want: "transaction hex"},
		{name: "truncated tx", args: []string{"inspect", "tx", goodHex[:len(goodHex)/4*2]}, code: 1, want: "decoding transaction"},
		{name: "trailing bytes", args: []string{"inspect", "tx", goodHex + "00"}, code: 1, want: "1 bytes after the transaction"},
		{name: "unknown network", args: []string{"inspect", "tx", goodHex, "--network", "litecoin"}, code: 2, want: "litecoin"},
		{name: "unknown flag", args: []string{"inspect", "tx", goodHex, "--bogus"}, code: 2, want: "unknown flag"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runCLI(t, tc.stdin, tc.args...)
			require.Equal(t, tc.code, code)
			require.Empty(t, out)
			require.Contains(t, stderr, tc.want)
			require.Equal(t, 1, strings.Count(stderr, "\n"), "one error line: %q", stderr)
		})
	}
}

// TestInspectMainnet runs inspect over the real mainnet inscriptions (shared testdata):
// the envelope count and every body hash must match, none is a BitAI candidate, and the
// brotli bomb is never decompressed (inspect only decodes BitAI payloads).
func TestInspectMainnet(t *testing.T) {
	raw, err := os.ReadFile("../../../shared/testdata/mainnet-inscriptions.json")
	if os.IsNotExist(err) {
		t.Skip("../shared/testdata is absent (a fresh clone without shared/): mainnet conformance not checked")
	}
	require.NoError(t, err)
	var fixtures []struct {
		Txid   string `json:"txid"`
		Hex    string `json:"hex"`
		Expect []struct {
			BodySHA256 string `json:"body_sha256"`
		} `json:"expect"`
	}
	require.NoError(t, json.Unmarshal(raw, &fixtures))
	total := 0
	for _, fx := range fixtures {
		code, out, stderr := runCLI(t, fx.Hex, "inspect", "tx", "-", "--json")
		require.Equal(t, 0, code, stderr)
		var rep txReport
		require.NoError(t, json.Unmarshal([]byte(out), &rep))
		require.Equal(t, fx.Txid, rep.TxID)
		require.Len(t, rep.Envelopes, len(fx.Expect), fx.Txid)
		for i, e := range fx.Expect {
			require.Equal(t, e.BodySHA256, rep.Envelopes[i].BodySHA256, "%s envelope %d", fx.Txid, i)
		}
		require.Empty(t, rep.BitAI)
		total += len(rep.Envelopes)
	}
	require.Equal(t, 107, total)
}
