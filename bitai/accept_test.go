package bitai

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

// accControlBlock returns a control block with the given first byte and depth.
func accControlBlock(first byte, depth int) []byte {
	cb := append([]byte{first}, bytes.Repeat([]byte{0x22}, 32)...)
	return append(cb, bytes.Repeat([]byte{0x33}, 32*depth)...)
}

// accWitness is a script-path witness: a dummy signature, script, control block.
func accWitness(script, cb []byte) wire.TxWitness {
	return wire.TxWitness{make([]byte, 64), script, cb}
}

// accTx builds a tx with one input per witness.
func accTx(witnesses ...wire.TxWitness) *wire.MsgTx {
	tx := wire.NewMsgTx(2)
	for i, w := range witnesses {
		in := wire.NewTxIn(&wire.OutPoint{Index: uint32(i)}, nil, w)
		tx.AddTxIn(in)
	}
	tx.AddTxOut(wire.NewTxOut(330, []byte{0x51, 0x20}))
	return tx
}

// accScript is EnvelopeScript or a failed test.
func accScript(t testing.TB, enc string, body []byte) []byte {
	t.Helper()
	s, err := EnvelopeScript(tplKey, enc, body)
	require.NoError(t, err)
	return s
}

// accOrdScript is an ord envelope by ord's builder with the given content type and
// metaprotocol (either may be empty: absent).
func accOrdScript(contentType, metaprotocol string, body []byte) []byte {
	s := append([]byte{0x20}, tplKey[:]...)
	s = append(s, 0xac, 0x00, 0x63, 0x03, 'o', 'r', 'd')
	if contentType != "" {
		s = append(append(s, 0x01, 0x01, byte(len(contentType))), contentType...)
	}
	if metaprotocol != "" {
		s = append(append(s, 0x01, 0x07, byte(len(metaprotocol))), metaprotocol...)
	}
	s = append(s, 0x00, byte(len(body)))
	return append(append(s, body...), 0x68)
}

func TestAcceptTx(t *testing.T) {
	good := accScript(t, "", []byte{0x00, 0x01, 0x02})
	goodBr := accScript(t, "br", []byte{0x01, 0x09})
	cb := accControlBlock(0xc0, 0)
	annex := []byte{0x50, 0x01}
	type want struct {
		input  int
		reason Reason
	}
	tests := []struct {
		name string
		tx   *wire.MsgTx
		want []want
	}{
		{"plain payload", accTx(accWitness(good, cb)), []want{{0, ReasonNone}}},
		{"brotli chunk, odd parity", accTx(accWitness(goodBr, accControlBlock(0xc1, 0))), []want{{0, ReasonNone}}},
		{"depth 3 control block", accTx(accWitness(good, accControlBlock(0xc0, 3))), []want{{0, ReasonNone}}},
		{"depth 128 control block", accTx(accWitness(good, accControlBlock(0xc0, 128))), []want{{0, ReasonNone}}},
		{"annex tolerated", accTx(append(accWitness(good, cb), annex)), []want{{0, ReasonNone}}},
		{"third input", accTx(wire.TxWitness{make([]byte, 64)}, accWitness(accOrdScript("text/plain", "", []byte("hi")), cb),
			accWitness(good, cb)), []want{{2, ReasonNone}}},
		{"two candidate inputs", accTx(accWitness(good, cb), accWitness(goodBr, cb)), []want{{0, ReasonNone}, {1, ReasonNone}}},
		{"no witness", accTx(nil), nil},
		{"key path spend", accTx(wire.TxWitness{make([]byte, 64)}), nil},
		{"key path spend with annex", accTx(wire.TxWitness{make([]byte, 64), annex}), nil},
		{"other inscription", accTx(accWitness(accOrdScript("text/plain", "", []byte("hi")), cb)), nil},
		{"other metaprotocol", accTx(accWitness(accOrdScript("text/plain", "brc-20", []byte("hi")), cb)), nil},
		{"bitai bytes outside an envelope", accTx(accWitness([]byte("\x05bitai\x75\x51"), cb)), nil},
		{"depth 129 control block", accTx(accWitness(good, accControlBlock(0xc0, 129))), []want{{0, ReasonControlBlock}}},
		{"34-byte control block", accTx(accWitness(good, append(accControlBlock(0xc0, 0), 0))), []want{{0, ReasonControlBlock}}},
		{"32-byte control block", accTx(accWitness(good, accControlBlock(0xc0, 0)[:32])), []want{{0, ReasonControlBlock}}},
		{"leaf version 0xc2", accTx(accWitness(good, accControlBlock(0xc2, 0))), []want{{0, ReasonLeafVersion}}},
		{"leaf version 0x50 annex-like", accTx(append(accWitness(good, accControlBlock(0x50, 0)), annex)), []want{{0, ReasonLeafVersion}}},
		{"bitai content type, other metaprotocol", accTx(accWitness(accOrdScript(ContentType, "brc-20", []byte{0}), cb)),
			[]want{{0, ReasonTemplateMetaprotocol}}},
		{"bitai metaprotocol, other content type", accTx(accWitness(accOrdScript("text/plain", Metaprotocol, []byte{0}), cb)),
			[]want{{0, ReasonTemplateContentType}}},
		{"bitai metaprotocol only", accTx(accWitness(accOrdScript("", Metaprotocol, []byte{0}), cb)),
			[]want{{0, ReasonTemplateContentType}}},
		{"body kind 0x02", accTx(accWitness(accScript(t, "", []byte{0x02, 0x00}), cb)), []want{{0, ReasonBodyKind}}},
		{"body kind 0xff", accTx(accWitness(accScript(t, "", []byte{0xff}), cb)), []want{{0, ReasonBodyKind}}},
		{"second envelope in the input", accTx(accWitness(append(bytes.Clone(good), good[34:]...), cb)),
			[]want{{0, ReasonTemplateEnd}}},
		{"text envelope before a bitai one", accTx(accWitness(append(accOrdScript("text/plain", "", []byte("x")), good[34:]...), cb)),
			[]want{{0, ReasonTemplateContentType}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := AcceptTx(tc.tx)
			require.Len(t, got, len(tc.want))
			for i, w := range tc.want {
				require.Equal(t, w.input, got[i].Input)
				require.Equal(t, w.reason, got[i].Reason, "got %v", got[i].Reason)
				if w.reason == ReasonNone {
					require.Equal(t, tplKey, got[i].Inscriber)
					require.NotEmpty(t, got[i].Body)
				} else {
					require.Nil(t, got[i].Body)
					require.Equal(t, [32]byte{}, got[i].Inscriber)
				}
				accCrossCheckOrd(t, tc.tx, got[i])
			}
		})
	}
	require.Nil(t, AcceptTx(nil))
}

// accCrossCheckOrd checks an accepted candidate against ord's parser: exactly one
// envelope in its input, at offset 0, with no flag set and the same fields.
func accCrossCheckOrd(t testing.TB, tx *wire.MsgTx, c Candidate) {
	t.Helper()
	if c.Reason != ReasonNone {
		return
	}
	var envs []Envelope
	for _, e := range ParseEnvelopes(tx) {
		if e.Input == c.Input {
			envs = append(envs, e)
		}
	}
	require.Len(t, envs, 1)
	e := envs[0]
	ins := e.Inscription
	require.Equal(t, 0, e.Offset)
	require.False(t, e.Pushnum || e.Stutter || ins.DuplicateField || ins.IncompleteField || ins.UnrecognizedEvenField,
		"ord flags must all be false")
	require.Nil(t, ins.Pointer)
	require.Empty(t, ins.UnrecognizedTags)
	require.True(t, ins.HasBody)
	require.Equal(t, c.Body, ins.Body)
	require.Equal(t, ContentType, string(ins.ContentType))
	require.Equal(t, Metaprotocol, string(ins.Metaprotocol))
	require.Equal(t, c.Encoding != "", ins.HasContentEncoding)
	require.Equal(t, c.Encoding, string(ins.ContentEncoding))
}

// accMainnetTx is the part of shared/testdata/mainnet-inscriptions.json these tests use.
type accMainnetTx struct {
	Txid string `json:"txid"`
	Hex  string `json:"hex"`
}

// accMainnetTxs reads the real mainnet inscriptions in place, or skips.
func accMainnetTxs(t testing.TB) map[string]*wire.MsgTx {
	t.Helper()
	path := filepath.Join("..", "..", "shared", "testdata", "mainnet-inscriptions.json")
	raw, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		t.Skipf("%s is absent (a fresh clone without shared/): skipping the mainnet cases", path)
	}
	require.NoError(t, err)
	var txs []accMainnetTx
	require.NoError(t, json.Unmarshal(raw, &txs))
	out := make(map[string]*wire.MsgTx, len(txs))
	for _, m := range txs {
		b, err := hex.DecodeString(m.Hex)
		require.NoError(t, err)
		tx := new(wire.MsgTx)
		require.NoError(t, tx.Deserialize(bytes.NewReader(b)))
		require.Equal(t, m.Txid, tx.TxHash().String())
		out[m.Txid] = tx
	}
	return out
}

// TestAcceptTxMainnet: none of the real inscriptions is a BitAI candidate, so none is
// recorded (rule E-1).
func TestAcceptTxMainnet(t *testing.T) {
	txs := accMainnetTxs(t)
	require.Len(t, txs, 8)
	for id, tx := range txs {
		require.Empty(t, AcceptTx(tx), id)
		require.NotEmpty(t, ParseEnvelopes(tx), id)
	}
}
