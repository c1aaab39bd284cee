package bitai

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

// FuzzParseEnvelopes wraps the fuzz bytes as the leaf script of a one-input
// script-path spend and checks: no panic, determinism, output bounded by the
// script (checkEnvelopeInvariants), and agreement with refParse, a line-by-line
// transliteration of ord's Rust (with its own tokenizer, not btcd's).
func FuzzParseEnvelopes(f *testing.F) {
	for _, tc := range allEnvelopeCases() {
		for _, w := range tc.witnesses {
			if s, ok := TapscriptOf(w); ok {
				f.Add(s)
			}
		}
	}
	f.Fuzz(func(t *testing.T, script []byte) {
		tx := envTx(envScriptWitness(script))
		envs := ParseEnvelopes(tx)
		checkEnvelopeInvariants(t, tx, envs)
		want, err := refParse(script)
		if err != nil {
			require.Empty(t, envs)
			return
		}
		require.Len(t, envs, len(want))
		for i, e := range envs {
			require.Equal(t, want[i].payload, viewPayload(e.Payload), "payload")
			require.Equal(t, want[i].env, ordEnvelope{Offset: e.Offset, Payload: viewInscription(e.Inscription),
				Pushnum: e.Pushnum, Stutter: e.Stutter})
		}
	})
}

// TestEnvelopeRefAgrees runs the reference over every hand-written case, so a
// mistake in the reference itself shows up without fuzzing.
func TestEnvelopeRefAgrees(t *testing.T) {
	for _, tc := range allEnvelopeCases() {
		t.Run(tc.name, func(t *testing.T) {
			var got []ordEnvelope
			for i, w := range tc.witnesses {
				s, ok := TapscriptOf(w)
				if !ok {
					continue
				}
				ref, err := refParse(s)
				if err != nil {
					continue
				}
				for _, r := range ref {
					r.env.Input = i
					got = append(got, r.env)
				}
			}
			require.Equal(t, tc.want, got)
		})
	}
}

// TestWriteEnvelopeFuzzSeeds writes the seed corpus under testdata/fuzz when
// BITAI_WRITE_FUZZ_SEEDS=1; otherwise it checks the corpus is there.
func TestWriteEnvelopeFuzzSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzParseEnvelopes")
	if os.Getenv("BITAI_WRITE_FUZZ_SEEDS") != "1" {
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		require.NotEmpty(t, entries)
		return
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for _, tc := range allEnvelopeCases() {
		for i, w := range tc.witnesses {
			s, ok := TapscriptOf(w)
			if !ok || len(s) > 2048 {
				continue
			}
			name := fmt.Sprintf("case-%s-%d", sanitize(tc.name), i)
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
		}
	}
}

func allEnvelopeCases() []ordCase {
	return append(ordEnvelopeCases(), readmeRuleCases()...)
}

func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}

func viewPayload(p [][]byte) []string {
	out := make([]string, len(p))
	for i, b := range p {
		out[i] = hex.EncodeToString(b)
	}
	return out
}

// ---- reference: ord 0.27.1 envelope.rs / tag.rs over rust-bitcoin 0.32.8's
// Instructions, transliterated without optimisation. ----

var errRefEarlyEnd = errors.New("early end of script")

type refInstruction struct {
	push bool
	data []byte // PushBytes
	op   byte   // Op
}

func (a refInstruction) eq(b refInstruction) bool {
	if a.push != b.push {
		return false
	}
	if a.push {
		return bytes.Equal(a.data, b.data)
	}
	return a.op == b.op
}

// refItem is Option<Result<Instruction, Error>>.
type refItem struct {
	some bool
	ins  refInstruction
	err  error
}

// refInstructions is rust-bitcoin's Instructions with enforce_minimal = false.
type refInstructions struct {
	data []byte
}

func (it *refInstructions) kill() { it.data = nil }

func (it *refInstructions) takeSliceOrKill(n int) refItem {
	if len(it.data) >= n {
		s := it.data[:n]
		it.data = it.data[n:]
		return refItem{some: true, ins: refInstruction{push: true, data: s}}
	}
	it.kill()
	return refItem{some: true, err: errRefEarlyEnd}
}

func (it *refInstructions) nextPushDataLen(size int) refItem {
	if len(it.data) < size {
		it.kill()
		return refItem{some: true, err: errRefEarlyEnd}
	}
	n := 0
	for i := 0; i < size; i++ {
		n |= int(it.data[i]) << (8 * i)
	}
	it.data = it.data[size:]
	return it.takeSliceOrKill(n)
}

func (it *refInstructions) next() refItem {
	if len(it.data) == 0 {
		return refItem{}
	}
	b := it.data[0]
	it.data = it.data[1:]
	switch {
	case b <= 0x4b:
		if len(it.data) == 0 && b == 0 {
			return refItem{some: true, ins: refInstruction{push: true, data: []byte{}}}
		}
		return it.takeSliceOrKill(int(b))
	case b == 0x4c:
		return it.nextPushDataLen(1)
	case b == 0x4d:
		return it.nextPushDataLen(2)
	case b == 0x4e:
		return it.nextPushDataLen(4)
	default:
		return refItem{some: true, ins: refInstruction{op: b}}
	}
}

// refPeekable is std::iter::Peekable.
type refPeekable struct {
	it     refInstructions
	peeked *refItem
}

func (p *refPeekable) next() refItem {
	if p.peeked != nil {
		v := *p.peeked
		p.peeked = nil
		return v
	}
	return p.it.next()
}

func (p *refPeekable) peek() refItem {
	if p.peeked == nil {
		v := p.it.next()
		p.peeked = &v
	}
	return *p.peeked
}

var (
	refEmpty    = refInstruction{push: true, data: []byte{}}
	refOpIf     = refInstruction{op: 0x63}
	refProtocol = refInstruction{push: true, data: []byte("ord")}
)

type refRaw struct {
	offset           int
	payload          [][]byte
	pushnum, stutter bool
}

type refEnvelope struct {
	payload []string
	env     ordEnvelope
}

// refParse is ParsedEnvelope::from_transaction for one input.
func refParse(script []byte) ([]refEnvelope, error) {
	raws, err := refFromTapscript(script)
	if err != nil {
		return nil, err
	}
	var out []refEnvelope
	for _, r := range raws {
		out = append(out, refEnvelope{
			payload: viewPayload(r.payload),
			env: ordEnvelope{Offset: r.offset, Payload: refFromRaw(r.payload),
				Pushnum: r.pushnum, Stutter: r.stutter},
		})
	}
	return out, nil
}

func refFromTapscript(script []byte) ([]refRaw, error) {
	var envelopes []refRaw
	p := &refPeekable{it: refInstructions{data: script}}
	stuttered := false
	for {
		item := p.next()
		if !item.some {
			break
		}
		if item.err != nil {
			return nil, item.err
		}
		if item.ins.eq(refEmpty) {
			stutter, env, err := refFromInstructions(p, len(envelopes), stuttered)
			if err != nil {
				return nil, err
			}
			if env != nil {
				envelopes = append(envelopes, *env)
			} else {
				stuttered = stutter
			}
		}
	}
	return envelopes, nil
}

func refAccept(p *refPeekable, ins refInstruction) (bool, error) {
	if pk := p.peek(); pk.some && pk.err == nil && pk.ins.eq(ins) {
		if item := p.next(); item.err != nil {
			return false, item.err
		}
		return true, nil
	}
	return false, nil
}

func refFromInstructions(p *refPeekable, offset int, stutter bool) (bool, *refRaw, error) {
	for _, want := range []refInstruction{refOpIf, refProtocol} {
		ok, err := refAccept(p, want)
		if err != nil {
			return false, nil, err
		}
		if !ok {
			pk := p.peek()
			return pk.some && pk.err == nil && pk.ins.eq(refEmpty), nil, nil
		}
	}
	pushnum := false
	payload := [][]byte{}
	for {
		item := p.next()
		if !item.some {
			return false, nil, nil
		}
		if item.err != nil {
			return false, nil, item.err
		}
		in := item.ins
		switch {
		case !in.push && in.op == 0x68:
			return false, &refRaw{offset: offset, payload: payload, pushnum: pushnum, stutter: stutter}, nil
		case !in.push && in.op == 0x4f:
			pushnum = true
			payload = append(payload, []byte{0x81})
		case !in.push && in.op >= 0x51 && in.op <= 0x60:
			pushnum = true
			payload = append(payload, []byte{in.op - 0x50})
		case in.push:
			payload = append(payload, slices.Clone(in.data))
		default:
			return false, nil, nil
		}
	}
}

// refFromRaw is From<RawEnvelope> for ParsedEnvelope with Tag::take/take_array.
func refFromRaw(payload [][]byte) ordInscription {
	body := -1
	for i, push := range payload {
		if i%2 == 0 && len(push) == 0 {
			body = i
			break
		}
	}
	end := len(payload)
	if body >= 0 {
		end = body
	}
	fields := map[string][][]byte{}
	incomplete := false
	for i := 0; i < end; i += 2 {
		if i+1 < end {
			fields[string(payload[i])] = append(fields[string(payload[i])], payload[i+1])
		} else {
			incomplete = true
		}
	}
	duplicate := false
	for _, v := range fields {
		duplicate = duplicate || len(v) > 1
	}
	take := func(tag byte, chunked bool) *string {
		key := string([]byte{tag})
		values, ok := fields[key]
		if !ok {
			return nil
		}
		if chunked {
			delete(fields, key)
			if len(values) == 0 {
				return nil
			}
			return envStr(string(bytes.Join(values, nil)))
		}
		if len(values) == 0 {
			return nil
		}
		v := values[0]
		values = values[1:]
		if len(values) == 0 {
			delete(fields, key)
		} else {
			fields[key] = values
		}
		return envStr(string(v))
	}
	ins := ordInscription{DuplicateField: duplicate, IncompleteField: incomplete}
	ins.ContentEncoding = take(9, false)
	ins.ContentType = take(1, false)
	ins.Delegate = take(11, false)
	ins.Metadata = take(5, true)
	ins.Metaprotocol = take(7, false)
	for _, p := range fields[string([]byte{3})] {
		ins.Parents = append(ins.Parents, string(p))
	}
	delete(fields, string([]byte{3}))
	ins.Pointer = take(2, false)
	ins.Properties = take(17, true)
	ins.PropertyEncoding = take(19, false)
	ins.Rune = take(13, false)
	for key := range fields {
		if len(key) > 0 && key[0]%2 == 0 {
			ins.UnrecognizedEvenField = true
		}
	}
	if body >= 0 {
		ins.Body = envStr(string(bytes.Join(payload[body+1:], nil)))
	}
	return ins
}

// TestEnvelopeRefMainnet runs the reference on the mainnet scripts too.
func TestEnvelopeRefMainnet(t *testing.T) {
	raw, err := os.ReadFile(mainnetInscriptionsPath)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("skipping: %s not found", mainnetInscriptionsPath)
	}
	require.NoError(t, err)
	txs := decodeMainnet(t, raw)
	for _, tx := range txs {
		envs := ParseEnvelopes(tx)
		n := 0
		for i, in := range tx.TxIn {
			s, ok := TapscriptOf(in.Witness)
			if !ok {
				continue
			}
			ref, err := refParse(s)
			if err != nil {
				continue
			}
			for _, r := range ref {
				require.Equal(t, i, envs[n].Input)
				require.Equal(t, r.payload, viewPayload(envs[n].Payload))
				require.Equal(t, r.env.Payload, viewInscription(envs[n].Inscription))
				n++
			}
		}
		require.Equal(t, len(envs), n)
	}
}

func decodeMainnet(t *testing.T, raw []byte) []*wire.MsgTx {
	t.Helper()
	var txs []mainnetTx
	require.NoError(t, json.Unmarshal(raw, &txs))
	var out []*wire.MsgTx
	for _, m := range txs {
		b, err := hex.DecodeString(m.Hex)
		require.NoError(t, err)
		var tx wire.MsgTx
		require.NoError(t, tx.Deserialize(bytes.NewReader(b)))
		out = append(out, &tx)
	}
	return out
}
