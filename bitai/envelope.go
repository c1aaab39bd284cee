package bitai

import (
	"bytes"
	"slices"
	"strconv"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// ord's inscription envelope, parsed exactly as ord 0.27.1 (ordinals/ord 5241ef3,
// src/inscriptions/envelope.rs, tag.rs, inscription.rs on rust-bitcoin 0.32.8) does.
// docs/protocol.md rules O-1 … O-18 state the same thing in words.
//
// Where it sits (O-1):
//
//	leaf script = witness[n-2]                      (n ≥ 2, last not an annex)
//	            | witness[n-3]                      (n ≥ 3, last element starts 0x50)
//
// What it looks like inside the leaf script (O-2 … O-8); any bytes may come before
// and after, and a script may hold several envelopes:
//
//	envelope = emptyPush ‖ OP_IF ‖ push("ord") ‖ item* ‖ OP_ENDIF
//	emptyPush = OP_0 | OP_PUSHDATA1 0x00 | OP_PUSHDATA2 0x0000 | OP_PUSHDATA4 0x00000000
//	item     = any data push | OP_1NEGATE (= 0x81, pushnum) | OP_1 … OP_16 (= 1 … 16, pushnum)
//
// How the items (the raw payload) become an inscription (O-10 … O-17):
//
//	payload  = field* ‖ [ emptyPush ‖ bodyPush* ]   (separator: first empty item at an even index)
//	field    = tag ‖ value                          (an odd item left over: incomplete_field)
//	body     = bodyPush₁ ‖ bodyPush₂ ‖ …

// OrdTag is an ord envelope field tag (ord's Tag enum); on chain it is a push of
// the single byte.
type OrdTag byte

// The tags ord knows. Only these single-byte tags are taken into an Inscription;
// OrdTagNote, OrdTagUnbound and OrdTagNop, like every unknown tag, are left over
// (an even one sets UnrecognizedEvenField).
const (
	OrdTagContentType      OrdTag = 1
	OrdTagPointer          OrdTag = 2
	OrdTagParent           OrdTag = 3
	OrdTagMetadata         OrdTag = 5
	OrdTagMetaprotocol     OrdTag = 7
	OrdTagContentEncoding  OrdTag = 9
	OrdTagDelegate         OrdTag = 11
	OrdTagRune             OrdTag = 13
	OrdTagNote             OrdTag = 15
	OrdTagProperties       OrdTag = 17
	OrdTagPropertyEncoding OrdTag = 19
	OrdTagUnbound          OrdTag = 66
	OrdTagNop              OrdTag = 255
)

// OrdProtocolID is the push that follows OP_FALSE OP_IF in every ord envelope.
const OrdProtocolID = "ord"

// taprootAnnexPrefix marks a witness's last element as the BIP341 annex.
const taprootAnnexPrefix = 0x50

// Envelope is one ord envelope found in a transaction (ord's Envelope). Its byte
// slices are copies, never aliases of the transaction; Inscription's byte fields
// share memory with Payload.
type Envelope struct {
	// Input is the index of the input whose leaf script holds the envelope.
	Input int
	// Offset counts envelopes within that input, from 0 (rule O-9).
	Offset int
	// Payload holds the items after "ord" in order (ord's RawEnvelope payload):
	// each push's bytes, and 0x81 or 1…16 for a pushnum opcode.
	Payload [][]byte
	// Pushnum is set when any item was OP_1NEGATE or OP_1 … OP_16 (rule O-6).
	Pushnum bool
	// Stutter is ord's stutter flag (rule O-8).
	Stutter bool
	// Inscription is the payload read as fields and body.
	Inscription Inscription
}

// Inscription is an envelope's payload read as ord reads it (ord's Inscription).
// Each optional field has a Has flag: present-but-empty and absent differ in ord
// (an empty metadata push is metadata of length zero).
type Inscription struct {
	Body    []byte
	HasBody bool

	ContentType        []byte
	HasContentType     bool
	ContentEncoding    []byte
	HasContentEncoding bool
	Metaprotocol       []byte
	HasMetaprotocol    bool

	// Pointer is PointerRaw read as ord's Inscription::pointer does (rule O-16);
	// nil when absent or when a byte after the eighth is non-zero.
	Pointer    *uint64
	PointerRaw []byte
	HasPointer bool

	// Parents holds every parent value in order (raw, as on chain); ParentIDs
	// decodes them.
	Parents [][]byte

	Delegate    []byte
	HasDelegate bool

	// Metadata and Properties join the values of every repetition of their tag.
	Metadata            []byte
	HasMetadata         bool
	Properties          []byte
	HasProperties       bool
	PropertyEncoding    []byte
	HasPropertyEncoding bool
	Rune                []byte
	HasRune             bool

	// UnrecognizedTags lists, in byte order, the distinct tags ord leaves over after
	// taking the fields it knows (rule O-15): unknown tags, and a known non-repeating
	// tag that appeared more than once.
	UnrecognizedTags [][]byte

	DuplicateField        bool
	IncompleteField       bool
	UnrecognizedEvenField bool
}

// TapscriptOf returns the leaf script of a witness that could be a taproot
// script-path spend, as ord's unversioned_leaf_script_from_witness (rust-bitcoin
// 0.32.8 Witness::tapscript) picks it (rule O-1). It does not check that the spent
// output is P2TR nor the leaf version.
func TapscriptOf(witness wire.TxWitness) ([]byte, bool) {
	script, _, ok := TapLeafOf(witness)
	return script, ok
}

// TapLeafOf is TapscriptOf that also returns the control block (whose first byte
// & 0xfe is the leaf version).
func TapLeafOf(witness wire.TxWitness) (script, controlBlock []byte, ok bool) {
	n := len(witness)
	annex := n >= 2 && len(witness[n-1]) > 0 && witness[n-1][0] == taprootAnnexPrefix
	switch {
	case n < 2, n == 2 && annex:
		return nil, nil, false
	case annex:
		return witness[n-3], witness[n-2], true
	default:
		return witness[n-2], witness[n-1], true
	}
}

// ParseEnvelopes returns every ord envelope of tx in ord's order: by input, then
// by position in that input's leaf script. An envelope's index in the result is
// its inscription index (the i in <txid>i<index>, rule O-9). It never fails: an
// input whose leaf script does not tokenize contributes nothing (rule O-3).
func ParseEnvelopes(tx *wire.MsgTx) []Envelope {
	if tx == nil {
		return nil
	}
	var out []Envelope
	for i, in := range tx.TxIn {
		script, ok := TapscriptOf(in.Witness)
		if !ok {
			continue
		}
		raws, ok := rawEnvelopes(script)
		if !ok {
			continue
		}
		for _, raw := range raws {
			env := buildEnvelope(raw)
			env.Input = i
			out = append(out, env)
		}
	}
	return out
}

// rawEnvelope is an envelope before its payload is copied and read; Payload
// aliases the script.
type rawEnvelope struct {
	offset  int
	payload [][]byte
	pushnum bool
	stutter bool
}

// rawEnvelopes is ord's RawEnvelope::from_tapscript: scan every instruction; each
// empty push may open an envelope. ok is false when the script fails to tokenize
// anywhere (rule O-3).
func rawEnvelopes(script []byte) ([]rawEnvelope, bool) {
	s := scanner{tok: txscript.MakeScriptTokenizer(0, script)}
	var envs []rawEnvelope
	stuttered := false
	for {
		in, ok := s.next()
		if !ok {
			break
		}
		if !in.isEmptyPush() {
			continue
		}
		stutter, env, found := s.envelope(stuttered)
		if !found {
			stuttered = stutter
			continue
		}
		env.offset = len(envs)
		envs = append(envs, env)
	}
	if s.tok.Err() != nil {
		return nil, false
	}
	return envs, true
}

// envelope is ord's RawEnvelope::from_instructions, called right after an empty
// push. It returns the envelope if one is complete, else the stutter flag for the
// next empty push (rules O-5 … O-8).
func (s *scanner) envelope(stutter bool) (bool, rawEnvelope, bool) {
	if !s.accept(instr.isOpIf) || !s.accept(instr.isProtocolID) {
		next, ok := s.peek()
		return ok && next.isEmptyPush(), rawEnvelope{}, false
	}
	env := rawEnvelope{stutter: stutter}
	for {
		in, ok := s.next()
		switch {
		case !ok:
			return false, rawEnvelope{}, false
		case in.op == txscript.OP_ENDIF:
			return false, env, true
		case in.op == txscript.OP_1NEGATE:
			env.pushnum = true
			env.payload = append(env.payload, pushnumValues[0:1])
		case in.op >= txscript.OP_1 && in.op <= txscript.OP_16:
			n := in.op - txscript.OP_1 + 1
			env.pushnum = true
			env.payload = append(env.payload, pushnumValues[n:n+1])
		case in.isPush():
			env.payload = append(env.payload, in.data)
		default:
			return false, rawEnvelope{}, false
		}
	}
}

// pushnumValues[0] is OP_1NEGATE's item, pushnumValues[n] is OP_n's (rule O-6).
var pushnumValues = [17]byte{0x81, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}

// instr is one tokenized instruction; data is only meaningful for a push.
type instr struct {
	op   byte
	data []byte
}

// isPush reports a data push: OP_0, OP_DATA_1 … OP_DATA_75, OP_PUSHDATA1/2/4
// (rust-bitcoin's Instruction::PushBytes). OP_1NEGATE and OP_1 … OP_16 are not.
func (in instr) isPush() bool { return in.op <= txscript.OP_PUSHDATA4 }

// isEmptyPush reports a push of zero bytes, by any push opcode (rule O-4).
func (in instr) isEmptyPush() bool { return in.isPush() && len(in.data) == 0 }

func (in instr) isOpIf() bool { return in.op == txscript.OP_IF }

func (in instr) isProtocolID() bool {
	return in.isPush() && string(in.data) == OrdProtocolID
}

// scanner is rust-bitcoin's Instructions wrapped in Peekable, on btcd's tokenizer
// (same result: both fail only on a push that runs past the end, neither checks
// minimal pushes). After a failure next reports the end and tok.Err() is set.
type scanner struct {
	tok    txscript.ScriptTokenizer
	loaded bool
	ahead  instr
	end    bool
}

func (s *scanner) load() {
	if s.loaded {
		return
	}
	s.loaded = true
	s.end = !s.tok.Next()
	if !s.end {
		s.ahead = instr{op: s.tok.Opcode(), data: s.tok.Data()}
	}
}

// peek returns the next instruction without consuming it; false at the end or on
// a tokenizer failure.
func (s *scanner) peek() (instr, bool) {
	s.load()
	return s.ahead, !s.end
}

// next consumes and returns the next instruction; false at the end or on a
// tokenizer failure.
func (s *scanner) next() (instr, bool) {
	in, ok := s.peek()
	s.loaded = false
	return in, ok
}

// accept consumes the next instruction if it satisfies match.
func (s *scanner) accept(match func(instr) bool) bool {
	if in, ok := s.peek(); ok && match(in) {
		s.next()
		return true
	}
	return false
}

// buildEnvelope copies a raw envelope's payload into one buffer (so the result
// never aliases the transaction and allocates at most the pushed bytes) and reads
// it as an inscription.
func buildEnvelope(raw rawEnvelope) Envelope {
	total := 0
	for _, p := range raw.payload {
		total += len(p)
	}
	buf := make([]byte, total)
	payload := raw.payload // re-pointed into buf in place
	body, bodyStart, at := -1, 0, 0
	for i, p := range raw.payload {
		copy(buf[at:], p)
		payload[i] = buf[at : at+len(p) : at+len(p)]
		at += len(p)
		if body < 0 && i%2 == 0 && len(p) == 0 {
			body, bodyStart = i, at
		}
	}
	fieldItems := payload
	if body >= 0 {
		fieldItems = payload[:body]
	}
	ins := readFields(fieldItems)
	if body >= 0 {
		ins.Body, ins.HasBody = buf[bodyStart:total:total], true
	}
	return Envelope{
		Offset:      raw.offset,
		Payload:     payload,
		Pushnum:     raw.pushnum,
		Stutter:     raw.stutter,
		Inscription: ins,
	}
}

// tagCount bounds the known tag values (all below 20).
const tagCount = 20

// knownTag reports whether key is one of the single-byte tags ord takes (ord's
// Tag::take and take_array callers in From<RawEnvelope>).
func knownTag(key []byte) (OrdTag, bool) {
	if len(key) != 1 {
		return 0, false
	}
	switch t := OrdTag(key[0]); t {
	case OrdTagContentType, OrdTagPointer, OrdTagParent, OrdTagMetadata,
		OrdTagMetaprotocol, OrdTagContentEncoding, OrdTagDelegate, OrdTagRune,
		OrdTagProperties, OrdTagPropertyEncoding:
		return t, true
	}
	return 0, false
}

// chunked reports the tags whose repeated values are joined (ord's Tag::chunked).
func (t OrdTag) chunked() bool { return t == OrdTagMetadata || t == OrdTagProperties }

// tagState collects one known tag's values.
type tagState struct {
	count int
	first []byte
	total int // summed value length, for chunked tags
}

// readFields is the field half of ord's From<RawEnvelope> for ParsedEnvelope
// (rules O-11 … O-15); items are the payload items before the body separator.
func readFields(items [][]byte) Inscription {
	ins := Inscription{IncompleteField: len(items)%2 == 1}
	var tags [tagCount]tagState
	var unknown [][]byte
	for i := 0; i+1 < len(items); i += 2 {
		key, val := items[i], items[i+1]
		t, ok := knownTag(key)
		if !ok {
			unknown = append(unknown, key)
			continue
		}
		st := &tags[t]
		st.count++
		st.total += len(val)
		if st.count == 1 {
			st.first = val
		}
		if t == OrdTagParent {
			ins.Parents = append(ins.Parents, val)
		}
	}

	// ord's fields map is a BTreeMap: distinct keys in byte order.
	slices.SortFunc(unknown, bytes.Compare)
	distinct := slices.CompactFunc(unknown, bytes.Equal)
	ins.DuplicateField = len(distinct) < len(unknown)
	leftover := distinct
	for t := range tags {
		st := tags[t]
		if st.count > 1 {
			ins.DuplicateField = true
			if tag := OrdTag(t); !tag.chunked() && tag != OrdTagParent {
				leftover = append(leftover, []byte{byte(t)})
			}
		}
	}
	slices.SortFunc(leftover, bytes.Compare)
	for _, key := range leftover {
		if len(key) > 0 && key[0]%2 == 0 {
			ins.UnrecognizedEvenField = true
		}
	}
	if len(leftover) > 0 {
		ins.UnrecognizedTags = leftover
	}

	take := func(t OrdTag) ([]byte, bool) { return tags[t].first, tags[t].count > 0 }
	ins.ContentType, ins.HasContentType = take(OrdTagContentType)
	ins.ContentEncoding, ins.HasContentEncoding = take(OrdTagContentEncoding)
	ins.Metaprotocol, ins.HasMetaprotocol = take(OrdTagMetaprotocol)
	ins.Delegate, ins.HasDelegate = take(OrdTagDelegate)
	ins.PropertyEncoding, ins.HasPropertyEncoding = take(OrdTagPropertyEncoding)
	ins.Rune, ins.HasRune = take(OrdTagRune)
	ins.PointerRaw, ins.HasPointer = take(OrdTagPointer)
	if ins.HasPointer {
		if p, ok := decodePointer(ins.PointerRaw); ok {
			ins.Pointer = &p
		}
	}
	ins.Metadata, ins.HasMetadata = joinChunks(items, OrdTagMetadata, tags[OrdTagMetadata])
	ins.Properties, ins.HasProperties = joinChunks(items, OrdTagProperties, tags[OrdTagProperties])
	return ins
}

// joinChunks is Tag::take for a chunked tag: every value of tag t, joined in
// order (rule O-13). A single value is returned as is.
func joinChunks(items [][]byte, t OrdTag, st tagState) ([]byte, bool) {
	if st.count <= 1 {
		return st.first, st.count == 1
	}
	out := make([]byte, 0, st.total)
	for i := 0; i+1 < len(items); i += 2 {
		if len(items[i]) == 1 && OrdTag(items[i][0]) == t {
			out = append(out, items[i+1]...)
		}
	}
	return out, true
}

// decodePointer is ord's Inscription::pointer (rule O-16): little-endian, missing
// high bytes are zero, bytes after the eighth must all be zero.
func decodePointer(raw []byte) (uint64, bool) {
	var p uint64
	for i, b := range raw {
		if i >= 8 {
			if b != 0 {
				return 0, false
			}
			continue
		}
		p |= uint64(b) << (8 * i)
	}
	return p, true
}

// InscriptionID names an inscription: the reveal txid and the envelope's index in
// ParseEnvelopes of that tx (ord's InscriptionId).
type InscriptionID struct {
	Txid  chainhash.Hash
	Index uint32
}

// String formats the id as ord does: <txid>i<index>.
func (id InscriptionID) String() string {
	return id.Txid.String() + "i" + strconv.FormatUint(uint64(id.Index), 10)
}

// inscriptionIDLen is a txid plus at most four index bytes.
const inscriptionIDLen = chainhash.HashSize + 4

// ParseInscriptionIDValue decodes a parent or delegate value as ord's
// InscriptionId::from_value does (rule O-17): 32 txid bytes in internal order,
// then the index little-endian in 0–4 bytes, where a last byte of zero is allowed
// only when exactly 4 index bytes are given.
func ParseInscriptionIDValue(value []byte) (InscriptionID, bool) {
	if len(value) < chainhash.HashSize || len(value) > inscriptionIDLen {
		return InscriptionID{}, false
	}
	index := value[chainhash.HashSize:]
	if n := len(index); n > 0 && n != 4 && index[n-1] == 0 {
		return InscriptionID{}, false
	}
	var id InscriptionID
	copy(id.Txid[:], value[:chainhash.HashSize])
	for i, b := range index {
		id.Index |= uint32(b) << (8 * i)
	}
	return id, true
}

// ParentIDs decodes Parents, dropping values that are not ids (ord's
// Inscription::parents).
func (ins *Inscription) ParentIDs() []InscriptionID {
	var ids []InscriptionID
	for _, v := range ins.Parents {
		if id, ok := ParseInscriptionIDValue(v); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// DelegateID decodes Delegate (ord's Inscription::delegate).
func (ins *Inscription) DelegateID() (InscriptionID, bool) {
	if !ins.HasDelegate {
		return InscriptionID{}, false
	}
	return ParseInscriptionIDValue(ins.Delegate)
}
