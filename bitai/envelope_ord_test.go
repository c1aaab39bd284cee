package bitai

// ord's own envelope and inscription-field test cases, rewritten as Go tables.
// Source: ordinals/ord 5241ef3 (0.27.1), src/inscriptions/envelope.rs mod tests
// (every test there), plus the decoding tests of src/inscriptions/inscription.rs
// that concern parsed fields (pointer_decode, inscription_parent_*, delegate).
// Witnesses are built exactly as those tests build them (rust-bitcoin's Builder:
// push_slice never uses OP_n; ord's envelope() and append_reveal_script helpers).

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

const ordTextPlain = "text/plain;charset=utf-8"

// ordInscriptionOf is ord's test helper inscription(content_type, body).
func ordInscriptionOf(contentType string, body []byte) ordInscription {
	return ordInscription{ContentType: envStr(contentType), Body: envStr(string(body))}
}

// ordTag is Tag::append: a tag push then the value; chunked tags repeat the tag
// before every 520-byte chunk (and write nothing for an empty value).
func ordTag(s rsScript, tag OrdTag, value *string) rsScript {
	if value == nil {
		return s
	}
	v := []byte(*value)
	if !tag.chunked() {
		return s.push([]byte{byte(tag)}).push(v)
	}
	for c := range envChunks520(v) {
		s = s.push([]byte{byte(tag)}).push(c)
	}
	return s
}

// ordAppendReveal is Inscription::append_reveal_script_to_builder.
func ordAppendReveal(s rsScript, ins ordInscription) rsScript {
	s = s.op(txscript.OP_FALSE, txscript.OP_IF).pushStr(OrdProtocolID)
	s = ordTag(s, OrdTagContentType, ins.ContentType)
	s = ordTag(s, OrdTagContentEncoding, ins.ContentEncoding)
	s = ordTag(s, OrdTagMetaprotocol, ins.Metaprotocol)
	for _, p := range ins.Parents {
		s = s.push([]byte{byte(OrdTagParent)}).pushStr(p)
	}
	s = ordTag(s, OrdTagDelegate, ins.Delegate)
	s = ordTag(s, OrdTagPointer, ins.Pointer)
	s = ordTag(s, OrdTagMetadata, ins.Metadata)
	s = ordTag(s, OrdTagRune, ins.Rune)
	s = ordTag(s, OrdTagProperties, ins.Properties)
	s = ordTag(s, OrdTagPropertyEncoding, ins.PropertyEncoding)
	if ins.Body != nil {
		s = s.push(nil)
		for c := range envChunks520([]byte(*ins.Body)) {
			s = s.push(c)
		}
	}
	return s.op(txscript.OP_ENDIF)
}

// toWitness is Inscription::to_witness.
func toWitness(ins ordInscription) wire.TxWitness {
	return envScriptWitness(ordAppendReveal(nil, ins))
}

type ordCase struct {
	name      string
	witnesses []wire.TxWitness
	want      []ordEnvelope
}

func ordEnvelopeCases() []ordCase {
	ord := []byte(OrdProtocolID)
	ct := []byte{byte(OrdTagContentType)}
	nop := []byte{byte(OrdTagNop)}
	bare := rsScript{}.op(txscript.OP_FALSE, txscript.OP_IF).push(ord).op(txscript.OP_ENDIF)
	unparsable := append(bare.op(), 0x01)
	ones := func(n int) []byte { return bytes.Repeat([]byte{1}, n) }
	textEnv := func(body string) rsScript {
		return rsScript{}.op(txscript.OP_FALSE, txscript.OP_IF).push(ord).push([]byte{1}).
			pushStr(ordTextPlain).push(nil).pushStr(body).op(txscript.OP_ENDIF)
	}
	stutter := func(ops ...byte) wire.TxWitness {
		return envScriptWitness(rsScript{}.op(ops...).push(ord).op(txscript.OP_ENDIF))
	}
	F, IF := byte(txscript.OP_FALSE), byte(txscript.OP_IF)

	cases := []ordCase{
		{name: "empty", witnesses: []wire.TxWitness{{}}},
		{name: "ignore_key_path_spends", witnesses: []wire.TxWitness{{bare}}},
		{name: "ignore_key_path_spends_with_annex", witnesses: []wire.TxWitness{{bare, {0x50}}}},
		{name: "parse_from_tapscript", witnesses: []wire.TxWitness{{bare, {}}}, want: []ordEnvelope{{}}},
		{name: "ignore_unparsable_scripts", witnesses: []wire.TxWitness{{unparsable, {}}}},
		{name: "no_inscription", witnesses: []wire.TxWitness{{{}, {}}}},
		{name: "duplicate_field",
			witnesses: []wire.TxWitness{ordEnvelopeWitness(ord, nop, nil, nop, nil)},
			want:      []ordEnvelope{{Payload: ordInscription{DuplicateField: true}}}},
		{name: "with_content_type",
			witnesses: []wire.TxWitness{ordEnvelopeWitness(ord, ct, []byte(ordTextPlain), nil, ord)},
			want:      []ordEnvelope{{Payload: ordInscriptionOf(ordTextPlain, ord)}}},
		{name: "with_content_encoding",
			witnesses: []wire.TxWitness{ordEnvelopeWitness(ord, ct, []byte(ordTextPlain), []byte{9}, []byte("br"), nil, ord)},
			want: []ordEnvelope{{Payload: func() ordInscription {
				i := ordInscriptionOf(ordTextPlain, ord)
				i.ContentEncoding = envStr("br")
				return i
			}()}}},
		{name: "with_unknown_tag",
			witnesses: []wire.TxWitness{ordEnvelopeWitness(ord, ct, []byte(ordTextPlain), nop, []byte("bar"), nil, ord)},
			want:      []ordEnvelope{{Payload: ordInscriptionOf(ordTextPlain, ord)}}},
		{name: "no_body",
			witnesses: []wire.TxWitness{ordEnvelopeWitness(ord, ct, []byte(ordTextPlain))},
			want:      []ordEnvelope{{Payload: ordInscription{ContentType: envStr(ordTextPlain)}}}},
		{name: "no_content_type",
			witnesses: []wire.TxWitness{ordEnvelopeWitness(ord, nil, []byte("foo"))},
			want:      []ordEnvelope{{Payload: ordInscription{Body: envStr("foo")}}}},
		{name: "valid_body_in_multiple_pushes",
			witnesses: []wire.TxWitness{ordEnvelopeWitness(ord, ct, []byte(ordTextPlain), nil, []byte("foo"), []byte("bar"))},
			want:      []ordEnvelope{{Payload: ordInscriptionOf(ordTextPlain, []byte("foobar"))}}},
		{name: "valid_body_in_zero_pushes",
			witnesses: []wire.TxWitness{ordEnvelopeWitness(ord, ct, []byte(ordTextPlain), nil)},
			want:      []ordEnvelope{{Payload: ordInscriptionOf(ordTextPlain, nil)}}},
		{name: "valid_body_in_multiple_empty_pushes",
			witnesses: []wire.TxWitness{ordEnvelopeWitness(ord, ct, []byte(ordTextPlain), nil, nil, nil, nil, nil, nil)},
			want:      []ordEnvelope{{Payload: ordInscriptionOf(ordTextPlain, nil)}}},
		{name: "valid_ignore_trailing",
			witnesses: []wire.TxWitness{envScriptWitness(textEnv("ord").op(txscript.OP_CHECKSIG))},
			want:      []ordEnvelope{{Payload: ordInscriptionOf(ordTextPlain, ord)}}},
		{name: "valid_ignore_preceding",
			witnesses: []wire.TxWitness{envScriptWitness(rsScript{txscript.OP_CHECKSIG}.op(textEnv("ord")...))},
			want:      []ordEnvelope{{Payload: ordInscriptionOf(ordTextPlain, ord)}}},
		{name: "multiple_inscriptions_in_a_single_witness",
			witnesses: []wire.TxWitness{envScriptWitness(textEnv("foo").op(textEnv("bar")...))},
			want: []ordEnvelope{
				{Payload: ordInscriptionOf(ordTextPlain, []byte("foo"))},
				{Payload: ordInscriptionOf(ordTextPlain, []byte("bar")), Offset: 1},
			}},
		{name: "invalid_utf8_does_not_render_inscription_invalid",
			witnesses: []wire.TxWitness{ordEnvelopeWitness(ord, ct, []byte(ordTextPlain), nil, []byte{0b10000000})},
			want:      []ordEnvelope{{Payload: ordInscriptionOf(ordTextPlain, []byte{0b10000000})}}},
		{name: "no_endif", witnesses: []wire.TxWitness{envScriptWitness(rsScript{F, IF}.push(ord))}},
		{name: "no_op_false", witnesses: []wire.TxWitness{envScriptWitness(rsScript{IF}.push(ord).op(txscript.OP_ENDIF))}},
		{name: "empty_envelope", witnesses: []wire.TxWitness{ordEnvelopeWitness()}},
		{name: "wrong_protocol_identifier", witnesses: []wire.TxWitness{ordEnvelopeWitness([]byte("foo"))}},
		{name: "extract_from_transaction",
			witnesses: []wire.TxWitness{ordEnvelopeWitness(ord, ct, []byte(ordTextPlain), nil, ord)},
			want:      []ordEnvelope{{Payload: ordInscriptionOf(ordTextPlain, ord)}}},
		{name: "extract_from_second_input",
			witnesses: []wire.TxWitness{{}, toWitness(ordInscriptionOf("foo", ones(1040)))},
			want:      []ordEnvelope{{Payload: ordInscriptionOf("foo", ones(1040)), Input: 1}}},
		{name: "extract_from_second_envelope",
			witnesses: []wire.TxWitness{envScriptWitness(ordAppendReveal(ordAppendReveal(nil,
				ordInscriptionOf("foo", ones(100))), ordInscriptionOf("bar", ones(100))))},
			want: []ordEnvelope{
				{Payload: ordInscriptionOf("foo", ones(100))},
				{Payload: ordInscriptionOf("bar", ones(100)), Offset: 1},
			}},
		{name: "inscribe_png",
			witnesses: []wire.TxWitness{ordEnvelopeWitness(ord, ct, []byte("image/png"), nil, ones(100))},
			want:      []ordEnvelope{{Payload: ordInscriptionOf("image/png", ones(100))}}},
		{name: "chunked_data_is_parsable",
			witnesses: []wire.TxWitness{toWitness(ordInscriptionOf("foo", ones(1040)))},
			want:      []ordEnvelope{{Payload: ordInscriptionOf("foo", ones(1040))}}},
		{name: "round_trip_with_no_fields",
			witnesses: []wire.TxWitness{toWitness(ordInscription{})},
			want:      []ordEnvelope{{}}},
		{name: "unknown_odd_fields_are_ignored",
			witnesses: []wire.TxWitness{ordEnvelopeWitness(ord, nop, []byte{0})},
			want:      []ordEnvelope{{}}},
		{name: "unknown_even_fields",
			witnesses: []wire.TxWitness{ordEnvelopeWitness(ord, []byte{22}, []byte{0})},
			want:      []ordEnvelope{{Payload: ordInscription{UnrecognizedEvenField: true}}}},
		{name: "pointer_field_is_recognized",
			witnesses: []wire.TxWitness{ordEnvelopeWitness(ord, []byte{2}, []byte{1})},
			want:      []ordEnvelope{{Payload: ordInscription{Pointer: envStr("\x01")}}}},
		{name: "duplicate_pointer_field_makes_inscription_unbound",
			witnesses: []wire.TxWitness{ordEnvelopeWitness(ord, []byte{2}, []byte{1}, []byte{2}, []byte{0})},
			want: []ordEnvelope{{Payload: ordInscription{Pointer: envStr("\x01"),
				DuplicateField: true, UnrecognizedEvenField: true}}}},
		{name: "tag_66_makes_inscriptions_unbound",
			witnesses: []wire.TxWitness{ordEnvelopeWitness(ord, []byte{byte(OrdTagUnbound)}, []byte{1})},
			want:      []ordEnvelope{{Payload: ordInscription{UnrecognizedEvenField: true}}}},
		{name: "incomplete_field",
			witnesses: []wire.TxWitness{ordEnvelopeWitness(ord, []byte{99})},
			want:      []ordEnvelope{{Payload: ordInscription{IncompleteField: true}}}},
		{name: "metadata_is_parsed_correctly",
			witnesses: []wire.TxWitness{ordEnvelopeWitness(ord, []byte{5}, nil)},
			want:      []ordEnvelope{{Payload: ordInscription{Metadata: envStr("")}}}},
		{name: "metadata_is_parsed_correctly_from_chunks",
			witnesses: []wire.TxWitness{ordEnvelopeWitness(ord, []byte{5}, []byte{0}, []byte{5}, []byte{1})},
			want:      []ordEnvelope{{Payload: ordInscription{Metadata: envStr("\x00\x01"), DuplicateField: true}}}},
		{name: "properties_are_parsed_correctly",
			witnesses: []wire.TxWitness{ordEnvelopeWitness(ord, []byte{17}, []byte{1, 2, 3})},
			want:      []ordEnvelope{{Payload: ordInscription{Properties: envStr("\x01\x02\x03")}}}},
		{name: "properties_are_parsed_correctly_from_chunks",
			witnesses: []wire.TxWitness{ordEnvelopeWitness(ord, []byte{17}, []byte{0}, []byte{17}, []byte{1})},
			want:      []ordEnvelope{{Payload: ordInscription{Properties: envStr("\x00\x01"), DuplicateField: true}}}},
		{name: "stuttering/OP_FALSE OP_FALSE OP_IF",
			witnesses: []wire.TxWitness{stutter(F, F, IF)},
			want:      []ordEnvelope{{Stutter: true}}},
		{name: "stuttering/OP_FALSE OP_IF OP_FALSE OP_IF",
			witnesses: []wire.TxWitness{stutter(F, IF, F, IF)},
			want:      []ordEnvelope{{Stutter: true}}},
		{name: "stuttering/three OP_FALSE OP_IF",
			witnesses: []wire.TxWitness{stutter(F, IF, F, IF, F, IF)},
			want:      []ordEnvelope{{Stutter: true}}},
		{name: "stuttering/OP_AND in between",
			witnesses: []wire.TxWitness{stutter(F, F, txscript.OP_AND, F, IF)},
			want:      []ordEnvelope{{Stutter: false}}},
	}

	// pushnum_opcodes_are_parsed_correctly, one row per opcode.
	pushnums := []struct {
		op    byte
		value byte
	}{{txscript.OP_1NEGATE, 0x81}}
	for n := byte(1); n <= 16; n++ {
		pushnums = append(pushnums, struct{ op, value byte }{txscript.OP_1 + n - 1, n})
	}
	for _, p := range pushnums {
		cases = append(cases, ordCase{
			name:      "pushnum_opcodes_are_parsed_correctly/" + ordOpName(p.op),
			witnesses: []wire.TxWitness{envScriptWitness(rsScript{F, IF}.push(ord).op(F, p.op, txscript.OP_ENDIF))},
			want:      []ordEnvelope{{Payload: ordInscription{Body: envStr(string([]byte{p.value}))}, Pushnum: true}},
		})
	}
	return cases
}

// opName names a pushnum opcode as rust-bitcoin does, for a subtest name.
func ordOpName(op byte) string {
	if op == txscript.OP_1NEGATE {
		return "OP_PUSHNUM_NEG1"
	}
	return "OP_PUSHNUM_" + strconv.Itoa(int(op-txscript.OP_1+1))
}

func TestOrdEnvelopeCases(t *testing.T) {
	for _, tc := range ordEnvelopeCases() {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, parseOrdView(t, tc.witnesses...))
		})
	}
}

// TestOrdPointerDecode is inscription.rs pointer_decode.
func TestOrdPointerDecode(t *testing.T) {
	tests := []struct {
		name string
		raw  []byte
		want *uint64
	}{
		{name: "none", raw: nil},
		{name: "zero", raw: []byte{0}, want: envU64(0)},
		{name: "eight bytes", raw: []byte{1, 2, 3, 4, 5, 6, 7, 8}, want: envU64(0x0807060504030201)},
		{name: "six bytes", raw: []byte{1, 2, 3, 4, 5, 6}, want: envU64(0x0000060504030201)},
		{name: "trailing zeros", raw: []byte{1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0}, want: envU64(0x0807060504030201)},
		{name: "trailing non-zero far", raw: []byte{1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 1}},
		{name: "ninth byte non-zero", raw: []byte{1, 2, 3, 4, 5, 6, 7, 8, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items := [][]byte{[]byte(OrdProtocolID)}
			if tc.raw != nil {
				items = append(items, []byte{2}, tc.raw)
			}
			envs := ParseEnvelopes(envTx(ordEnvelopeWitness(items...)))
			require.Len(t, envs, 1)
			require.Equal(t, tc.want, envs[0].Inscription.Pointer)
			require.Equal(t, tc.raw != nil, envs[0].Inscription.HasPointer)
		})
	}
}

func envU64(v uint64) *uint64 { return &v }

// TestOrdInscriptionIDValue is inscription.rs's inscription_parent_* and
// inscription_delegate_txid_is_deserialized_correctly.
func TestOrdInscriptionIDValue(t *testing.T) {
	ff := bytes.Repeat([]byte{0xff}, 32)
	seq := make([]byte, 32)
	for i := range seq {
		seq[i] = byte(i)
	}
	ffs := strings.Repeat("ff", 32)
	withIndex := func(b ...byte) []byte { return append(append([]byte{}, ff...), b...) }
	trailingFixed := bytes.Repeat([]byte{1}, 36)
	trailingFixed[35] = 0
	trailingVar := bytes.Repeat([]byte{1}, 35)
	trailingVar[34] = 0
	tests := []struct {
		name  string
		value []byte
		want  string // "" = no id
	}{
		{name: "inscription_with_parent_field_shorter_than_txid_length_has_no_parent", value: []byte{}},
		{name: "inscription_with_parent_field_longer_than_txid_and_index_has_no_parent", value: bytes.Repeat([]byte{1}, 37)},
		{name: "inscription_with_parent_field_index_with_trailing_zeroes_and_fixed_length_has_parent",
			value: trailingFixed, want: strings.Repeat("01", 32) + "i65793"},
		{name: "inscription_with_parent_field_index_with_trailing_zeroes_and_variable_length_has_no_parent", value: trailingVar},
		{name: "inscription_parent_txid_is_deserialized_correctly", value: seq,
			want: "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100i0"},
		{name: "inscription_parent_with_zero_byte_index_field_is_deserialized_correctly",
			value: bytes.Repeat([]byte{1}, 32), want: strings.Repeat("01", 32) + "i0"},
		{name: "inscription_parent_with_one_byte_index_field_is_deserialized_correctly",
			value: withIndex(1), want: ffs + "i1"},
		{name: "inscription_parent_with_two_byte_index_field_is_deserialized_correctly",
			value: withIndex(1, 2), want: ffs + "i513"},
		{name: "inscription_parent_with_three_byte_index_field_is_deserialized_correctly",
			value: withIndex(1, 2, 3), want: ffs + "i197121"},
		{name: "inscription_parent_with_four_byte_index_field_is_deserialized_correctly",
			value: withIndex(1, 2, 3, 4), want: ffs + "i67305985"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, ok := ParseInscriptionIDValue(tc.value)
			require.Equal(t, tc.want != "", ok)
			if ok {
				require.Equal(t, tc.want, id.String())
			}
		})
	}

	t.Run("inscription_parent_returns_multiple_parents", func(t *testing.T) {
		ins := Inscription{Parents: [][]byte{withIndex(1, 2, 3, 4), withIndex(0, 2, 3, 4), {1}}}
		ids := ins.ParentIDs()
		require.Len(t, ids, 2)
		require.Equal(t, ffs+"i67305985", ids[0].String())
		require.Equal(t, ffs+"i67305984", ids[1].String())
	})
	t.Run("inscription_delegate_txid_is_deserialized_correctly", func(t *testing.T) {
		ins := Inscription{Delegate: seq, HasDelegate: true}
		id, ok := ins.DelegateID()
		require.True(t, ok)
		require.Equal(t, "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100", id.Txid.String())
		_, ok = (&Inscription{}).DelegateID()
		require.False(t, ok)
	})
}
