package bitai

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzAcceptTx puts the fuzz bytes as the leaf script of a one-input script-path
// witness (control block of the fuzzed first byte and depth, optional annex). AcceptTx
// never panics and yields at most one candidate; an accepted candidate's script is
// exactly EnvelopeScript of what was read (the template is byte-exact) and ord's
// parser agrees with every field and flag; a script MatchTemplate accepts is always a
// candidate whenever ord reads it as the input's tapscript.
func FuzzAcceptTx(f *testing.F) {
	for _, body := range [][]byte{{0x00}, {0x01, 0x02}, tplBody(521)} {
		for _, enc := range []string{"", "br"} {
			s, err := EnvelopeScript(tplKey, enc, body)
			require.NoError(f, err)
			f.Add(s, byte(0xc0), uint8(0), false)
		}
	}
	f.Add(accOrdScript("text/plain", "bitai", []byte("x")), byte(0xc1), uint8(1), true)
	f.Add(accOrdScript(ContentType, "", []byte{0}), byte(0xc2), uint8(0), false)
	f.Fuzz(func(t *testing.T, script []byte, first byte, depth uint8, annex bool) {
		w := accWitness(script, accControlBlock(first, int(depth%130)))
		if annex {
			w = append(w, []byte{0x50})
		}
		tx := accTx(w)
		cands := AcceptTx(tx)
		require.LessOrEqual(t, len(cands), 1)
		key, enc, body, reason := MatchTemplate(script)
		// A control block starting 0x50 is itself read as an annex (BIP341, ord's
		// tapscript rule), so the template is only a candidate where ord finds it.
		if leaf, ok := TapscriptOf(w); reason == ReasonNone && ok && bytes.Equal(leaf, script) {
			require.Len(t, cands, 1, "a template match ord sees as the tapscript is always a candidate")
		}
		if len(cands) == 0 {
			return
		}
		c := cands[0]
		require.Equal(t, 0, c.Input)
		if c.Reason != ReasonNone {
			require.Nil(t, c.Body)
			return
		}
		require.Equal(t, key, c.Inscriber)
		require.Equal(t, enc, c.Encoding)
		require.Equal(t, body, c.Body)
		again, err := EnvelopeScript(c.Inscriber, c.Encoding, c.Body)
		require.NoError(t, err)
		require.Equal(t, script, again, "accepted ⇒ byte-exact template")
		accCrossCheckOrd(t, tx, c)
		require.Equal(t, byte(0xc0), first&0xfe)
		require.Contains(t, []byte{BodyKindPayload, BodyKindChunk}, c.Body[0])
	})
}
