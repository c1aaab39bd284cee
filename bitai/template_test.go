package bitai

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/stretchr/testify/require"
)

// tplKey is the inscriber key of template tests: 0x11 × 32.
var tplKey = [32]byte(bytes.Repeat([]byte{0x11}, 32))

// tplBody returns a raw payload body of n bytes: the kind byte 0x00, then a pattern.
func tplBody(n int) []byte {
	b := make([]byte, n)
	for i := 1; i < n; i++ {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}

// tplHex decodes hex or fails the test.
func tplHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// tplHead is the template's fixed bytes before the body pushes, written out by hand
// from rule E-2 (independently of template.go).
func tplHead(br bool) string {
	h := "20" + "1111111111111111111111111111111111111111111111111111111111111111" + "ac" +
		"0063" + "036f7264" + // OP_FALSE OP_IF push "ord"
		"0101" + "18" + hex.EncodeToString([]byte("application/vnd.bitai.v1"))
	if br {
		h += "0109" + "02" + "6272"
	}
	return h + "0107" + "05" + "6269746169" + "00"
}

func TestEnvelopeScriptExactBytes(t *testing.T) {
	tests := []struct {
		name     string
		encoding string
		body     []byte
		pushes   string // the body pushes and OP_ENDIF, by hand
	}{
		{name: "one byte, plain", body: []byte{0x00}, pushes: "0100" + "68"},
		{name: "one byte that looks like OP_1", body: []byte{0x01}, pushes: "0101" + "68"},
		{name: "two bytes, br", encoding: "br", body: []byte{0x00, 0xff}, pushes: "0200ff" + "68"},
		{name: "75 bytes", body: bytes.Repeat([]byte{0xab}, 75),
			pushes: "4b" + hex.EncodeToString(bytes.Repeat([]byte{0xab}, 75)) + "68"},
		{name: "76 bytes use PUSHDATA1", body: bytes.Repeat([]byte{0xab}, 76),
			pushes: "4c4c" + hex.EncodeToString(bytes.Repeat([]byte{0xab}, 76)) + "68"},
		{name: "255 bytes", body: bytes.Repeat([]byte{0xab}, 255),
			pushes: "4cff" + hex.EncodeToString(bytes.Repeat([]byte{0xab}, 255)) + "68"},
		{name: "256 bytes use PUSHDATA2", body: bytes.Repeat([]byte{0xab}, 256),
			pushes: "4d0001" + hex.EncodeToString(bytes.Repeat([]byte{0xab}, 256)) + "68"},
		{name: "520 bytes in one push", body: bytes.Repeat([]byte{0xab}, 520),
			pushes: "4d0802" + hex.EncodeToString(bytes.Repeat([]byte{0xab}, 520)) + "68"},
		{name: "521 bytes: 520 then 1", body: bytes.Repeat([]byte{0xab}, 521),
			pushes: "4d0802" + hex.EncodeToString(bytes.Repeat([]byte{0xab}, 520)) + "01ab" + "68"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := EnvelopeScript(tplKey, tc.encoding, tc.body)
			require.NoError(t, err)
			want := tplHex(t, tplHead(tc.encoding == "br")+tc.pushes)
			require.Equal(t, hex.EncodeToString(want), hex.EncodeToString(got))
			require.Equal(t, len(got), EnvelopeScriptLen(tc.encoding, len(tc.body)))
		})
	}
}

// TestEnvelopeScriptPushes checks every size's pushes with btcd's tokenizer: all pushes
// of 520 bytes but a final one of 1–520, each with the opcode rule E-4 names.
func TestEnvelopeScriptPushes(t *testing.T) {
	for _, n := range []int{1, 2, 74, 75, 76, 254, 255, 256, 257, 519, 520, 521, 1039, 1040, 1041, 1115, 10_000, 100_003} {
		for _, enc := range []string{"", "br"} {
			script, err := EnvelopeScript(tplKey, enc, tplBody(n))
			require.NoError(t, err)
			require.Equal(t, len(script), EnvelopeScriptLen(enc, n), "n=%d", n)
			head := tplHex(t, tplHead(enc == "br"))
			require.True(t, bytes.HasPrefix(script, head))
			tok := txscript.MakeScriptTokenizer(0, script[len(head):])
			var body []byte
			for tok.Next() {
				if tok.Opcode() == txscript.OP_ENDIF {
					break
				}
				d := tok.Data()
				wantOp := byte(len(d))
				switch {
				case len(d) > 255:
					wantOp = txscript.OP_PUSHDATA2
				case len(d) > 75:
					wantOp = txscript.OP_PUSHDATA1
				}
				require.Equal(t, wantOp, tok.Opcode(), "n=%d push at %d", n, len(body))
				if len(body)+len(d) < n {
					require.Len(t, d, 520, "n=%d: a non-final push", n)
				}
				body = append(body, d...)
			}
			require.NoError(t, tok.Err())
			require.True(t, tok.Done(), "OP_ENDIF must be last")
			require.Equal(t, tplBody(n), body)
		}
	}
}

func TestEnvelopeScriptErrors(t *testing.T) {
	_, err := EnvelopeScript(tplKey, "gzip", []byte{0})
	require.ErrorIs(t, err, ErrTemplate)
	_, err = EnvelopeScript(tplKey, "", nil)
	require.ErrorIs(t, err, ErrTemplate)
}

func TestMatchTemplateRoundTrip(t *testing.T) {
	for _, n := range []int{1, 75, 76, 255, 256, 520, 521, 1040, 1041, 50_000} {
		for _, enc := range []string{"", "br"} {
			body := tplBody(n)
			script, err := EnvelopeScript(tplKey, enc, body)
			require.NoError(t, err)
			key, gotEnc, gotBody, reason := MatchTemplate(script)
			require.Equal(t, ReasonNone, reason, "n=%d enc=%q", n, enc)
			require.Equal(t, tplKey, key)
			require.Equal(t, enc, gotEnc)
			require.Equal(t, body, gotBody)
		}
	}
}

// tplScript assembles a script from hex parts.
func tplScript(t testing.TB, parts ...string) []byte {
	t.Helper()
	var b []byte
	for _, p := range parts {
		b = append(b, tplHex(t, p)...)
	}
	return b
}

func TestMatchTemplateRejects(t *testing.T) {
	key := "20" + hex.EncodeToString(tplKey[:])
	open := "0063036f7264"
	ct := "0101" + "18" + hex.EncodeToString([]byte(ContentType))
	br := "0109026272"
	mp := "0107056269746169"
	p520 := "4d0802" + hex.EncodeToString(bytes.Repeat([]byte{0xab}, 520))
	tests := []struct {
		name   string
		script []byte
		want   Reason
	}{
		{"empty script", nil, ReasonTemplatePrefix},
		{"33-byte key push", tplScript(t, "21", "02"+hex.EncodeToString(tplKey[:]), "ac", open, ct, mp, "000100", "68"), ReasonTemplatePrefix},
		{"OP_CHECKSIGVERIFY", tplScript(t, key, "ad", open, ct, mp, "000100", "68"), ReasonTemplatePrefix},
		{"no OP_FALSE", tplScript(t, key, "ac", "63036f7264", ct, mp, "000100", "68"), ReasonTemplatePrefix},
		{"ord by PUSHDATA1", tplScript(t, key, "ac", "00634c036f7264", ct, mp, "000100", "68"), ReasonTemplatePrefix},
		{"other content type", tplScript(t, key, "ac", open, "01010a746578742f706c61696e", mp, "000100", "68"), ReasonTemplateContentType},
		{"tag 1 as OP_1", tplScript(t, key, "ac", open, "51"+ct[4:], mp, "000100", "68"), ReasonTemplateContentType},
		{"metaprotocol first", tplScript(t, key, "ac", open, mp, ct, "000100", "68"), ReasonTemplateContentType},
		{"encoding gzip", tplScript(t, key, "ac", open, ct, "0109"+"04677a6970", mp, "000100", "68"), ReasonEncodingUnsupported},
		{"encoding br by PUSHDATA1", tplScript(t, key, "ac", open, ct, "01094c026272", mp, "000100", "68"), ReasonEncodingUnsupported},
		{"encoding empty", tplScript(t, key, "ac", open, ct, "010900", mp, "000100", "68"), ReasonEncodingUnsupported},
		{"no metaprotocol", tplScript(t, key, "ac", open, ct, "000100", "68"), ReasonTemplateMetaprotocol},
		{"metaprotocol bitai/1", tplScript(t, key, "ac", open, ct, "010707"+hex.EncodeToString([]byte("bitai/1")), "000100", "68"), ReasonTemplateMetaprotocol},
		{"tag order 1, 7, 9", tplScript(t, key, "ac", open, ct, mp, br, "000100", "68"), ReasonTemplateField},
		{"pointer after metaprotocol", tplScript(t, key, "ac", open, ct, mp, "01020100", "000100", "68"), ReasonTemplateField},
		{"repeated metaprotocol", tplScript(t, key, "ac", open, ct, mp, mp, "000100", "68"), ReasonTemplateField},
		{"no body separator", tplScript(t, key, "ac", open, ct, mp, "68"), ReasonTemplateField},
		{"ends after tags", tplScript(t, key, "ac", open, ct, mp), ReasonTemplateField},
		{"separator as PUSHDATA1 0", tplScript(t, key, "ac", open, ct, mp, "4c00", "0100", "68"), ReasonTemplateField},
		{"empty body", tplScript(t, key, "ac", open, ct, mp, "00", "68"), ReasonBodyEmpty},
		{"ends after separator", tplScript(t, key, "ac", open, ct, mp, "00"), ReasonTemplateEnd},
		{"one byte as OP_5", tplScript(t, key, "ac", open, ct, mp, "00", "55", "68"), ReasonBodyPush},
		{"one byte as OP_1NEGATE", tplScript(t, key, "ac", open, ct, mp, "00", "4f", "68"), ReasonBodyPush},
		{"empty push in body", tplScript(t, key, "ac", open, ct, mp, "00", "0100", "00", "68"), ReasonBodyPush},
		{"10 bytes by PUSHDATA1", tplScript(t, key, "ac", open, ct, mp, "00", "4c0a00010203040506070809", "68"), ReasonBodyPush},
		{"100 bytes by PUSHDATA2", tplScript(t, key, "ac", open, ct, mp, "00", "4d6400"+hex.EncodeToString(make([]byte, 100)), "68"), ReasonBodyPush},
		{"PUSHDATA4", tplScript(t, key, "ac", open, ct, mp, "00", "4e01000000"+"00", "68"), ReasonBodyPush},
		{"521-byte push", tplScript(t, key, "ac", open, ct, mp, "00", "4d0902"+hex.EncodeToString(make([]byte, 521)), "68"), ReasonBodyPush},
		{"short push before a full one", tplScript(t, key, "ac", open, ct, mp, "00", "0100", p520, "68"), ReasonBodyPush},
		{"two short pushes", tplScript(t, key, "ac", open, ct, mp, "00", "0100", "0101", "68"), ReasonBodyPush},
		{"push past the end", tplScript(t, key, "ac", open, ct, mp, "00", "05000102"), ReasonBodyPush},
		{"PUSHDATA2 header cut", tplScript(t, key, "ac", open, ct, mp, "00", "4d08"), ReasonBodyPush},
		{"OP_NOP in body", tplScript(t, key, "ac", open, ct, mp, "00", "0100", "61", "68"), ReasonBodyPush},
		{"no OP_ENDIF", tplScript(t, key, "ac", open, ct, mp, "00", "0100"), ReasonTemplateEnd},
		{"no OP_ENDIF after a full push", tplScript(t, key, "ac", open, ct, mp, "00", p520), ReasonTemplateEnd},
		{"bytes after OP_ENDIF", tplScript(t, key, "ac", open, ct, mp, "00", "0100", "68", "51"), ReasonTemplateEnd},
		{"two OP_ENDIFs", tplScript(t, key, "ac", open, ct, mp, "00", "0100", "6868"), ReasonTemplateEnd},
		{"second envelope", tplScript(t, key, "ac", open, ct, mp, "00", "0100", "68", open, ct, mp, "00", "0100", "68"), ReasonTemplateEnd},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, enc, body, reason := MatchTemplate(tc.script)
			require.Equal(t, tc.want, reason, "got %v", reason)
			require.Nil(t, body)
			require.Empty(t, enc)
		})
	}
	// The control: the same parts in the right order match.
	_, _, body, reason := MatchTemplate(tplScript(t, key, "ac", open, ct, br, mp, "00", p520, "0100", "68"))
	require.Equal(t, ReasonNone, reason)
	require.Len(t, body, 521)
}
