package bitai

import (
	"bytes"
	"runtime"
	"testing"

	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

// ---- test helpers shared by the envelope tests ----

// rsScript builds scripts the way rust-bitcoin 0.32's script::Builder does in ord's
// tests: push opcodes verbatim, and push_slice with the smallest push opcode for
// the length but never OP_0/OP_n for short data (push_slice([1]) is 01 01).
type rsScript []byte

func (s rsScript) op(ops ...byte) rsScript { return append(s, ops...) }

func (s rsScript) push(data []byte) rsScript {
	n := len(data)
	switch {
	case n < txscript.OP_PUSHDATA1:
		s = append(s, byte(n))
	case n < 0x100:
		s = append(s, txscript.OP_PUSHDATA1, byte(n))
	case n < 0x10000:
		s = append(s, txscript.OP_PUSHDATA2, byte(n), byte(n>>8))
	default:
		s = append(s, txscript.OP_PUSHDATA4, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	}
	return append(s, data...)
}

func (s rsScript) pushStr(data string) rsScript { return s.push([]byte(data)) }

// txOf wraps witnesses as the inputs of a transaction, like ord's test parse().
func envTx(witnesses ...wire.TxWitness) *wire.MsgTx {
	tx := wire.NewMsgTx(2)
	for _, w := range witnesses {
		tx.AddTxIn(&wire.TxIn{Witness: w, Sequence: wire.MaxTxInSequenceNum - 2})
	}
	return tx
}

// scriptWitness is Witness::from_slice(&[script, []]) as in ord's tests.
func envScriptWitness(script []byte) wire.TxWitness { return wire.TxWitness{script, {}} }

// ordEnvelopeWitness is ord's test helper envelope(): OP_FALSE OP_IF, each item
// with push_slice, OP_ENDIF, as a two-element witness.
func ordEnvelopeWitness(items ...[]byte) wire.TxWitness {
	s := rsScript{}.op(txscript.OP_FALSE, txscript.OP_IF)
	for _, it := range items {
		s = s.push(it)
	}
	return envScriptWitness(s.op(txscript.OP_ENDIF))
}

// str returns a *string for an optional byte field.
func envStr(s string) *string { return &s }

func envOpt(b []byte, has bool) *string {
	if !has {
		return nil
	}
	return envStr(string(b))
}

// ordInscription mirrors ord's Inscription for comparisons: Option<Vec<u8>> as
// *string (nil = None), so present-but-empty and absent differ as in ord.
type ordInscription struct {
	Body, ContentEncoding, ContentType, Delegate, Metadata, Metaprotocol *string
	Pointer, Properties, PropertyEncoding, Rune                          *string
	Parents                                                              []string
	DuplicateField, IncompleteField, UnrecognizedEvenField               bool
}

// ordEnvelope mirrors ord's ParsedEnvelope.
type ordEnvelope struct {
	Input, Offset    int
	Payload          ordInscription
	Pushnum, Stutter bool
}

func viewInscription(ins Inscription) ordInscription {
	v := ordInscription{
		Body:                  envOpt(ins.Body, ins.HasBody),
		ContentEncoding:       envOpt(ins.ContentEncoding, ins.HasContentEncoding),
		ContentType:           envOpt(ins.ContentType, ins.HasContentType),
		Delegate:              envOpt(ins.Delegate, ins.HasDelegate),
		Metadata:              envOpt(ins.Metadata, ins.HasMetadata),
		Metaprotocol:          envOpt(ins.Metaprotocol, ins.HasMetaprotocol),
		Pointer:               envOpt(ins.PointerRaw, ins.HasPointer),
		Properties:            envOpt(ins.Properties, ins.HasProperties),
		PropertyEncoding:      envOpt(ins.PropertyEncoding, ins.HasPropertyEncoding),
		Rune:                  envOpt(ins.Rune, ins.HasRune),
		DuplicateField:        ins.DuplicateField,
		IncompleteField:       ins.IncompleteField,
		UnrecognizedEvenField: ins.UnrecognizedEvenField,
	}
	for _, p := range ins.Parents {
		v.Parents = append(v.Parents, string(p))
	}
	return v
}

// parseView parses witnesses as inputs of one tx and returns ord's view.
func parseOrdView(t *testing.T, witnesses ...wire.TxWitness) []ordEnvelope {
	t.Helper()
	tx := envTx(witnesses...)
	envs := ParseEnvelopes(tx)
	checkEnvelopeInvariants(t, tx, envs)
	var out []ordEnvelope
	for _, e := range envs {
		out = append(out, ordEnvelope{
			Input: e.Input, Offset: e.Offset, Payload: viewInscription(e.Inscription),
			Pushnum: e.Pushnum, Stutter: e.Stutter,
		})
	}
	return out
}

// checkInvariants asserts what holds for every parse: determinism, bounded output,
// Has flags consistent with values, pointer decoding consistent with its raw bytes.
func checkEnvelopeInvariants(t testing.TB, tx *wire.MsgTx, envs []Envelope) {
	t.Helper()
	again := ParseEnvelopes(tx)
	require.Equal(t, len(envs), len(again), "determinism")
	for i := range envs {
		require.Equal(t, envs[i], again[i], "determinism")
	}
	scriptBytes := map[int]int{}
	for i, in := range tx.TxIn {
		if s, ok := TapscriptOf(in.Witness); ok {
			scriptBytes[i] = len(s)
		}
	}
	payloadBytes, fieldBytes := map[int]int{}, map[int]int{}
	for _, e := range envs {
		_, ok := scriptBytes[e.Input]
		require.True(t, ok, "envelope from an input without a leaf script")
		ins := e.Inscription
		for _, p := range e.Payload {
			payloadBytes[e.Input] += len(p)
		}
		for _, f := range [][]byte{ins.Body, ins.ContentType, ins.ContentEncoding,
			ins.Metaprotocol, ins.PointerRaw, ins.Delegate, ins.Metadata, ins.Properties,
			ins.PropertyEncoding, ins.Rune} {
			fieldBytes[e.Input] += len(f)
		}
		for _, p := range ins.Parents {
			fieldBytes[e.Input] += len(p)
		}
		require.False(t, !ins.HasBody && ins.Body != nil)
		require.False(t, !ins.HasPointer && (ins.PointerRaw != nil || ins.Pointer != nil))
		if ins.HasPointer {
			p, ok := decodePointer(ins.PointerRaw)
			require.Equal(t, ok, ins.Pointer != nil)
			if ok {
				require.Equal(t, p, *ins.Pointer)
			}
		}
		if ins.IncompleteField {
			require.False(t, ins.HasBody, "incomplete_field implies no body")
		}
	}
	for in, n := range payloadBytes {
		require.LessOrEqual(t, n, scriptBytes[in], "payload bytes bounded by the script")
		require.LessOrEqual(t, fieldBytes[in], scriptBytes[in], "field bytes bounded by the script")
	}
}

// ---- tests of rules that ord's own cases don't pin (testdata/README.md) ----

func TestTapscriptOf(t *testing.T) {
	script, cb, annex := []byte{0xaa}, []byte{0xc0}, []byte{0x50, 1}
	tests := []struct {
		name    string
		witness wire.TxWitness
		want    []byte
		wantCB  []byte
	}{
		{name: "empty witness", witness: nil},
		{name: "key path", witness: wire.TxWitness{{1}}},
		{name: "key path, element looks like annex", witness: wire.TxWitness{annex}},
		{name: "key path with annex", witness: wire.TxWitness{{1}, annex}},
		{name: "two elements", witness: wire.TxWitness{script, cb}, want: script, wantCB: cb},
		{name: "two elements, empty last", witness: wire.TxWitness{script, {}}, want: script, wantCB: []byte{}},
		{name: "three elements", witness: wire.TxWitness{{1}, script, cb}, want: script, wantCB: cb},
		{name: "three elements with annex", witness: wire.TxWitness{script, cb, annex}, want: script, wantCB: cb},
		{name: "annex is just 0x50", witness: wire.TxWitness{script, cb, {0x50}}, want: script, wantCB: cb},
		{name: "four elements with annex", witness: wire.TxWitness{{1}, script, cb, annex}, want: script, wantCB: cb},
		{name: "0x50 not last is no annex", witness: wire.TxWitness{annex, script, cb}, want: script, wantCB: cb},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := TapscriptOf(tc.witness)
			require.Equal(t, tc.want != nil, ok)
			require.Equal(t, tc.want, got)
			s, c, ok := TapLeafOf(tc.witness)
			require.Equal(t, tc.want != nil, ok)
			require.Equal(t, tc.want, s)
			require.Equal(t, tc.wantCB, c)
		})
	}
}

// env is the opening of an envelope built by ord's builder.
func ordOpen() rsScript { return rsScript{}.op(txscript.OP_FALSE, txscript.OP_IF).pushStr("ord") }

var envXOnly = bytes.Repeat([]byte{7}, 32)

// readmeRuleCases pins the 12 rules of shared/testdata/README.md (and the docs'
// O-rules) with scripts built byte by byte.
func readmeRuleCases() []ordCase {
	plain := ordOpen().push([]byte{1}).pushStr("text/plain").push(nil).pushStr("hi").op(txscript.OP_ENDIF)
	plainView := ordEnvelope{Payload: ordInscription{ContentType: envStr("text/plain"), Body: envStr("hi")}}
	return []ordCase{
		{name: "1 truncated push after a good envelope drops the input",
			witnesses: []wire.TxWitness{envScriptWitness(plain.op(txscript.OP_DATA_2, 1))}},
		{name: "1 truncated PUSHDATA2 length drops the input",
			witnesses: []wire.TxWitness{envScriptWitness(plain.op(txscript.OP_PUSHDATA2, 1))}},
		{name: "1 truncated push inside the envelope drops the input",
			witnesses: []wire.TxWitness{envScriptWitness(plain.op(ordOpen()...).op(txscript.OP_DATA_5, 'a', 'b'))}},
		{name: "1 other inputs are unaffected",
			witnesses: []wire.TxWitness{envScriptWitness(plain.op(txscript.OP_PUSHDATA4, 1, 0, 0)), envScriptWitness(plain)},
			want:      []ordEnvelope{{Input: 1, Payload: plainView.Payload}}},
		{name: "2 empty push at odd index is a value",
			witnesses: []wire.TxWitness{ordEnvelopeWitness([]byte("ord"), []byte{5}, nil)},
			want:      []ordEnvelope{{Payload: ordInscription{Metadata: envStr("")}}}},
		{name: "2 empty push at even index starts the body",
			witnesses: []wire.TxWitness{ordEnvelopeWitness([]byte("ord"), []byte{5}, []byte{9}, nil, nil, []byte("b"))},
			want:      []ordEnvelope{{Payload: ordInscription{Metadata: envStr("\x09"), Body: envStr("b")}}}},
		{name: "2 later empty items belong to the body",
			witnesses: []wire.TxWitness{ordEnvelopeWitness([]byte("ord"), nil, []byte{1}, nil, []byte("x"))},
			want:      []ordEnvelope{{Payload: ordInscription{Body: envStr("\x01x")}}}},
		{name: "3 no separator, no body",
			witnesses: []wire.TxWitness{ordEnvelopeWitness([]byte("ord"), []byte{1}, []byte("a"))},
			want:      []ordEnvelope{{Payload: ordInscription{ContentType: envStr("a")}}}},
		{name: "3 separator then nothing is an empty body",
			witnesses: []wire.TxWitness{ordEnvelopeWitness([]byte("ord"), nil)},
			want:      []ordEnvelope{{Payload: ordInscription{Body: envStr("")}}}},
		{name: "4 repeated content type keeps the first",
			witnesses: []wire.TxWitness{ordEnvelopeWitness([]byte("ord"), []byte{1}, []byte("a"), []byte{1}, []byte("b"))},
			want:      []ordEnvelope{{Payload: ordInscription{ContentType: envStr("a"), DuplicateField: true}}}},
		{name: "4 repeated properties join",
			witnesses: []wire.TxWitness{ordEnvelopeWitness([]byte("ord"), []byte{17}, []byte("a"), []byte{1}, []byte("t"), []byte{17}, []byte("b"))},
			want:      []ordEnvelope{{Payload: ordInscription{ContentType: envStr("t"), Properties: envStr("ab"), DuplicateField: true}}}},
		{name: "4 repeated unknown odd tag",
			witnesses: []wire.TxWitness{ordEnvelopeWitness([]byte("ord"), []byte{15}, []byte("a"), []byte{15}, []byte("b"))},
			want:      []ordEnvelope{{Payload: ordInscription{DuplicateField: true}}}},
		{name: "5 multi-byte tag, even first byte",
			witnesses: []wire.TxWitness{ordEnvelopeWitness([]byte("ord"), []byte{2, 1}, []byte("a"))},
			want:      []ordEnvelope{{Payload: ordInscription{UnrecognizedEvenField: true}}}},
		{name: "5 multi-byte tag, odd first byte",
			witnesses: []wire.TxWitness{ordEnvelopeWitness([]byte("ord"), []byte{1, 2}, []byte("a"))},
			want:      []ordEnvelope{{Payload: ordInscription{}}}},
		{name: "5 repeated even-tag-free fields stay odd",
			witnesses: []wire.TxWitness{ordEnvelopeWitness([]byte("ord"), []byte{11}, []byte("a"), []byte{11}, []byte("b"))},
			want:      []ordEnvelope{{Payload: ordInscription{Delegate: envStr("a"), DuplicateField: true}}}},
		{name: "6 two parents set duplicate_field",
			witnesses: []wire.TxWitness{ordEnvelopeWitness([]byte("ord"), []byte{3}, []byte("p"), []byte{3}, []byte("q"))},
			want:      []ordEnvelope{{Payload: ordInscription{Parents: []string{"p", "q"}, DuplicateField: true}}}},
		{name: "7 pushnum tag and value",
			witnesses: []wire.TxWitness{envScriptWitness(ordOpen().op(txscript.OP_1).pushStr("t").op(txscript.OP_2, txscript.OP_16, txscript.OP_0, txscript.OP_1NEGATE, txscript.OP_ENDIF))},
			want:      []ordEnvelope{{Pushnum: true, Payload: ordInscription{ContentType: envStr("t"), Pointer: envStr("\x10"), Body: envStr("\x81")}}}},
		{name: "7 OP_1NEGATE tag is odd 0x81",
			witnesses: []wire.TxWitness{envScriptWitness(ordOpen().op(txscript.OP_1NEGATE).pushStr("t").op(txscript.OP_ENDIF))},
			want:      []ordEnvelope{{Pushnum: true, Payload: ordInscription{}}}},
		{name: "8 PUSHDATA1 0x00 opens and separates",
			witnesses: []wire.TxWitness{envScriptWitness(rsScript{txscript.OP_PUSHDATA1, 0, txscript.OP_IF}.pushStr("ord").op(txscript.OP_PUSHDATA2, 0, 0).pushStr("b").op(txscript.OP_ENDIF))},
			want:      []ordEnvelope{{Payload: ordInscription{Body: envStr("b")}}}},
		{name: "8 PUSHDATA4 zero opens, ord by PUSHDATA1",
			witnesses: []wire.TxWitness{envScriptWitness(rsScript{txscript.OP_PUSHDATA4, 0, 0, 0, 0, txscript.OP_IF, txscript.OP_PUSHDATA1, 3, 'o', 'r', 'd', txscript.OP_ENDIF})},
			want:      []ordEnvelope{{}}},
		{name: "8 ord by PUSHDATA2",
			witnesses: []wire.TxWitness{envScriptWitness(rsScript{txscript.OP_0, txscript.OP_IF, txscript.OP_PUSHDATA2, 3, 0, 'o', 'r', 'd', txscript.OP_ENDIF})},
			want:      []ordEnvelope{{}}},
		{name: "8 OP_NOTIF is no envelope",
			witnesses: []wire.TxWitness{envScriptWitness(rsScript{txscript.OP_0, txscript.OP_NOTIF}.pushStr("ord").op(txscript.OP_ENDIF))}},
		{name: "8 ORD is no envelope",
			witnesses: []wire.TxWitness{ordEnvelopeWitness([]byte("ORD"))}},
		{name: "9 stutter survives a complete envelope",
			witnesses: []wire.TxWitness{envScriptWitness(rsScript{txscript.OP_0}.op(ordOpen()...).op(txscript.OP_ENDIF).op(ordOpen()...).op(txscript.OP_ENDIF))},
			want:      []ordEnvelope{{Stutter: true}, {Offset: 1, Stutter: true}}},
		{name: "9 stutter reset by an aborted envelope",
			witnesses: []wire.TxWitness{envScriptWitness(rsScript{txscript.OP_0}.op(ordOpen()...).op(txscript.OP_ENDIF).op(ordOpen()...).op(txscript.OP_DROP).op(ordOpen()...).op(txscript.OP_ENDIF))},
			want:      []ordEnvelope{{Stutter: true}, {Offset: 1}}},
		{name: "9 stutter kept across opcodes after an envelope",
			witnesses: []wire.TxWitness{envScriptWitness(rsScript{txscript.OP_0}.op(ordOpen()...).op(txscript.OP_ENDIF, txscript.OP_DROP, txscript.OP_1).op(ordOpen()...).op(txscript.OP_ENDIF))},
			want:      []ordEnvelope{{Stutter: true}, {Offset: 1, Stutter: true}}},
		{name: "9 stutter cleared by an empty push not followed by one",
			witnesses: []wire.TxWitness{envScriptWitness(rsScript{txscript.OP_0}.op(ordOpen()...).op(txscript.OP_ENDIF, txscript.OP_0, txscript.OP_DROP).op(ordOpen()...).op(txscript.OP_ENDIF))},
			want:      []ordEnvelope{{Stutter: true}, {Offset: 1}}},
		{name: "9 lone empty pushes before an envelope",
			witnesses: []wire.TxWitness{envScriptWitness(rsScript{txscript.OP_0, txscript.OP_0, txscript.OP_DROP}.op(ordOpen()...).op(txscript.OP_ENDIF))},
			want:      []ordEnvelope{{}}},
		{name: "10 other opcode drops only that envelope",
			witnesses: []wire.TxWitness{envScriptWitness(ordOpen().op(txscript.OP_RESERVED, txscript.OP_ENDIF).op(plain...))},
			want:      []ordEnvelope{plainView}},
		{name: "10 envelope start inside an envelope is consumed",
			witnesses: []wire.TxWitness{envScriptWitness(ordOpen().op(ordOpen()...).op(txscript.OP_ENDIF))}},
		{name: "10 scanning resumes after the bad opcode",
			witnesses: []wire.TxWitness{envScriptWitness(ordOpen().op(txscript.OP_DROP).op(ordOpen()...).op(txscript.OP_ENDIF))},
			want:      []ordEnvelope{{}}},
		{name: "11 annex skipped",
			witnesses: []wire.TxWitness{{plain, {0xc0}, {0x50}}},
			want:      []ordEnvelope{plainView}},
		{name: "11 two elements ending in 0x50 are a key spend",
			witnesses: []wire.TxWitness{{plain, {0x50}}}},
		{name: "11 script must be second to last",
			witnesses: []wire.TxWitness{{plain, {0xc0}, {1}}}},
		{name: "12 offsets per input",
			witnesses: []wire.TxWitness{
				envScriptWitness(rsScript{}.op(plain...).op(plain...)),
				{}, envScriptWitness(rsScript{}.push(envXOnly).op(txscript.OP_CHECKSIG).op(plain...)),
			},
			want: []ordEnvelope{plainView, {Offset: 1, Payload: plainView.Payload}, {Input: 2, Payload: plainView.Payload}}},
	}
}

func TestEnvelopeReadmeRules(t *testing.T) {
	for _, tc := range readmeRuleCases() {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, parseOrdView(t, tc.witnesses...))
		})
	}
}

func TestEnvelopePayloadAndLeftovers(t *testing.T) {
	script := ordOpen().op(txscript.OP_3).push([]byte("p")).push([]byte{2}).push([]byte{1}).
		push([]byte{2}).push([]byte{2}).push([]byte{66}).push(nil).push([]byte{0xfe, 1}).push([]byte("x")).
		op(txscript.OP_0).op(txscript.OP_16).pushStr("yz").op(txscript.OP_ENDIF)
	envs := ParseEnvelopes(envTx(envScriptWitness(script)))
	require.Len(t, envs, 1)
	e := envs[0]
	require.Equal(t, [][]byte{{3}, []byte("p"), {2}, {1}, {2}, {2}, {66}, {}, {0xfe, 1}, []byte("x"), {}, {16}, []byte("yz")}, e.Payload)
	ins := e.Inscription
	require.True(t, e.Pushnum)
	require.Equal(t, [][]byte{{2}, {66}, {0xfe, 1}}, ins.UnrecognizedTags)
	require.True(t, ins.UnrecognizedEvenField)
	require.True(t, ins.DuplicateField)
	require.Equal(t, uint64(1), *ins.Pointer)
	require.Equal(t, []byte{0x10, 'y', 'z'}, ins.Body)
	require.Equal(t, [][]byte{[]byte("p")}, ins.Parents)
}

func TestEnvelopeDoesNotAliasTx(t *testing.T) {
	script := ordOpen().push([]byte{1}).pushStr("text/plain").push(nil).pushStr("hello").op(txscript.OP_ENDIF)
	tx := envTx(envScriptWitness(script))
	envs := ParseEnvelopes(tx)
	for i := range script {
		script[i] = 0xff
	}
	require.Equal(t, "text/plain", string(envs[0].Inscription.ContentType))
	require.Equal(t, "hello", string(envs[0].Inscription.Body))
	require.Equal(t, []byte("hello"), envs[0].Payload[3])
}

// TestEnvelopeAllocationBounded parses a ~400 KB reveal and checks that the
// parser allocates about the script's size once (the copy), not per push.
func TestEnvelopeAllocationBounded(t *testing.T) {
	body := bytes.Repeat([]byte{0xab}, 397_000)
	s := rsScript{}.push(envXOnly).op(txscript.OP_CHECKSIG).op(ordOpen()...).push([]byte{1}).pushStr("application/x").push(nil)
	for c := range envChunks520(body) {
		s = s.push(c)
	}
	tx := envTx(envScriptWitness(s.op(txscript.OP_ENDIF)))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	envs := ParseEnvelopes(tx)
	runtime.ReadMemStats(&after)
	require.Len(t, envs, 1)
	require.Equal(t, body, envs[0].Inscription.Body)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("script %d bytes, parse allocated %d bytes", len(s), allocated)
	// One copy of the pushed bytes, plus the payload's slice headers while append
	// grows them (~80 bytes per item); a second copy of the body would exceed this.
	require.Less(t, allocated, uint64(len(s)*3/2))
}

// envChunks520 yields b in 520-byte pushes, like ord's builder.
func envChunks520(b []byte) func(func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for len(b) > 0 {
			n := min(len(b), MaxScriptElementSize)
			if !yield(b[:n]) {
				return
			}
			b = b[n:]
		}
	}
}

func TestParseEnvelopesNilTx(t *testing.T) {
	require.Nil(t, ParseEnvelopes(nil))
	require.Nil(t, ParseEnvelopes(wire.NewMsgTx(2)))
}

func TestDecodePointer(t *testing.T) {
	tests := []struct {
		name string
		raw  []byte
		want uint64
		ok   bool
	}{
		{name: "empty is zero", raw: []byte{}, want: 0, ok: true},
		{name: "one byte", raw: []byte{0x21, 0x25}, want: 0x2521, ok: true},
		{name: "nine bytes, trailing zero", raw: []byte{1, 0, 0, 0, 0, 0, 0, 0x80, 0}, want: 0x8000000000000001, ok: true},
		{name: "nine bytes, trailing one", raw: []byte{1, 0, 0, 0, 0, 0, 0, 0, 1}},
		{name: "600 zero bytes", raw: make([]byte, 600), want: 0, ok: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := decodePointer(tc.raw)
			require.Equal(t, tc.ok, ok)
			require.Equal(t, tc.want, got)
		})
	}
}
