package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/btcsuite/btcd/wire/v2"

	"github.com/bitai-l2/bitai/bitai"
)

// txReport is everything `bitai inspect tx` says about one transaction. Its JSON form
// is the --json output.
type txReport struct {
	TxID      string           `json:"txid"`
	WTxID     string           `json:"wtxid"`
	Weight    int64            `json:"weight"`
	VSize     int64            `json:"vsize"`
	Inputs    int              `json:"inputs"`
	Outputs   int              `json:"outputs"`
	Envelopes []envelopeReport `json:"envelopes"`
	Burns     []burnReport     `json:"burns"`
	BitAI     []bitaiReport    `json:"bitai"`
}

type envelopeReport struct {
	ID              string   `json:"inscription_id"`
	Input           int      `json:"input"`
	Offset          int      `json:"offset"`
	LeafVersion     string   `json:"leaf_version"`
	ContentType     *string  `json:"content_type"`
	ContentEncoding *string  `json:"content_encoding"`
	Metaprotocol    *string  `json:"metaprotocol"`
	Pointer         *uint64  `json:"pointer"`
	Parents         []string `json:"parents,omitempty"`
	Delegate        string   `json:"delegate,omitempty"`
	MetadataLength  *int     `json:"metadata_length,omitempty"`
	HasBody         bool     `json:"has_body"`
	BodyLength      int      `json:"body_length"`
	BodySHA256      string   `json:"body_sha256,omitempty"`
	Flags           ordFlags `json:"flags"`
}

type ordFlags struct {
	DuplicateField        bool `json:"duplicate_field"`
	IncompleteField       bool `json:"incomplete_field"`
	UnrecognizedEvenField bool `json:"unrecognized_even_field"`
	Pushnum               bool `json:"pushnum"`
	Stutter               bool `json:"stutter"`
}

type burnReport struct {
	Output   int    `json:"output"`
	Key      string `json:"key"`
	Amount   uint64 `json:"amount"`
	Credited bool   `json:"credited"`
	Reason   string `json:"reason,omitempty"`
}

// bitaiReport is one BitAI candidate input: accepted or not, and what it holds.
type bitaiReport struct {
	Input     int            `json:"input"`
	Accepted  bool           `json:"accepted"`
	Reason    string         `json:"reason,omitempty"`
	Inscriber string         `json:"inscriber,omitempty"`
	Encoding  string         `json:"encoding,omitempty"`
	BodyKind  string         `json:"body_kind,omitempty"`
	Payload   *payloadReport `json:"payload,omitempty"`
	Chunk     *chunkReport   `json:"chunk,omitempty"`
}

type payloadReport struct {
	Valid  bool            `json:"valid"`
	Reason string          `json:"reason,omitempty"`
	Error  string          `json:"error,omitempty"`
	Txs    []bitaiTxReport `json:"txs,omitempty"`
}

type chunkReport struct {
	Valid       bool   `json:"valid"`
	Reason      string `json:"reason,omitempty"`
	PayloadHash string `json:"payload_hash,omitempty"`
	Index       uint16 `json:"index"`
	Count       uint16 `json:"count"`
	Bytes       int    `json:"bytes"`
}

type bitaiTxReport struct {
	Index     int            `json:"index"`
	Valid     bool           `json:"valid"`
	Error     string         `json:"error,omitempty"`
	Reason    string         `json:"reason,omitempty"`
	TxID      string         `json:"txid,omitempty"`
	Kind      string         `json:"kind,omitempty"`
	Sender    string         `json:"sender,omitempty"`
	Nonce     uint64         `json:"nonce"`
	Fee       uint64         `json:"fee"`
	Expiry    uint32         `json:"expiry"`
	Inscriber string         `json:"inscriber,omitempty"`
	Signature string         `json:"signature,omitempty"`
	SigValid  *bool          `json:"signature_valid,omitempty"`
	Fields    map[string]any `json:"fields,omitempty"`
}

// inspectTx builds the report; signatures are checked against dep's deployment id.
func inspectTx(tx *wire.MsgTx, dep *bitai.Deployment) *txReport {
	weight := int64(tx.SerializeSizeStripped()*3 + tx.SerializeSize())
	rep := &txReport{
		TxID: tx.TxHash().String(), WTxID: tx.WitnessHash().String(),
		Weight: weight, VSize: bitai.VSize(weight),
		Inputs: len(tx.TxIn), Outputs: len(tx.TxOut),
		Envelopes: []envelopeReport{}, Burns: []burnReport{}, BitAI: []bitaiReport{},
	}
	for i, env := range bitai.ParseEnvelopes(tx) {
		rep.Envelopes = append(rep.Envelopes, envelopeOf(tx, i, env))
	}
	for _, b := range bitai.ParseBurns(tx) {
		br := burnReport{Output: b.Output, Key: hex.EncodeToString(b.Key[:]), Amount: b.Amount, Credited: b.Reason == bitai.ReasonNone}
		if !br.Credited {
			br.Reason = b.Reason.String()
		}
		rep.Burns = append(rep.Burns, br)
	}
	depID := dep.ID()
	for _, c := range bitai.AcceptTx(tx) {
		rep.BitAI = append(rep.BitAI, candidateOf(c, depID))
	}
	return rep
}

func envelopeOf(tx *wire.MsgTx, number int, env bitai.Envelope) envelopeReport {
	ins := &env.Inscription
	er := envelopeReport{
		ID:    fmt.Sprintf("%si%d", tx.TxHash(), number),
		Input: env.Input, Offset: env.Offset,
		LeafVersion: "none",
		Pointer:     ins.Pointer,
		HasBody:     ins.HasBody, BodyLength: len(ins.Body),
		Flags: ordFlags{
			DuplicateField: ins.DuplicateField, IncompleteField: ins.IncompleteField,
			UnrecognizedEvenField: ins.UnrecognizedEvenField, Pushnum: env.Pushnum, Stutter: env.Stutter,
		},
	}
	if _, cb, ok := bitai.TapLeafOf(tx.TxIn[env.Input].Witness); ok && len(cb) > 0 {
		er.LeafVersion = fmt.Sprintf("0x%02x", cb[0]&0xfe)
	}
	er.ContentType = optString(ins.HasContentType, ins.ContentType)
	er.ContentEncoding = optString(ins.HasContentEncoding, ins.ContentEncoding)
	er.Metaprotocol = optString(ins.HasMetaprotocol, ins.Metaprotocol)
	for _, p := range ins.ParentIDs() {
		er.Parents = append(er.Parents, p.String())
	}
	if d, ok := ins.DelegateID(); ok {
		er.Delegate = d.String()
	}
	if ins.HasMetadata {
		n := len(ins.Metadata)
		er.MetadataLength = &n
	}
	if ins.HasBody {
		sum := sha256.Sum256(ins.Body)
		er.BodySHA256 = hex.EncodeToString(sum[:])
	}
	return er
}

func optString(has bool, b []byte) *string {
	if !has {
		return nil
	}
	s := string(b)
	return &s
}

func candidateOf(c bitai.Candidate, depID [32]byte) bitaiReport {
	r := bitaiReport{Input: c.Input, Accepted: c.Reason == bitai.ReasonNone}
	if !r.Accepted {
		r.Reason = c.Reason.String()
		return r
	}
	r.Inscriber = hex.EncodeToString(c.Inscriber[:])
	r.Encoding = c.Encoding
	switch c.Body[0] {
	case bitai.BodyKindPayload:
		r.BodyKind = "payload"
		r.Payload = payloadOf(c, depID)
	case bitai.BodyKindChunk:
		r.BodyKind = "chunk"
		r.Chunk = chunkOf(c.Body)
	}
	return r
}

func payloadOf(c bitai.Candidate, depID [32]byte) *payloadReport {
	raws, reason, err := bitai.DecodePayload(c.Encoding, c.Body[1:])
	if err != nil {
		return &payloadReport{Reason: reason.String(), Error: err.Error()}
	}
	pr := &payloadReport{Valid: true}
	for i, raw := range raws {
		pr.Txs = append(pr.Txs, bitaiTxOf(i, raw, depID))
	}
	return pr
}

func chunkOf(body []byte) *chunkReport {
	ch, reason := bitai.ParseChunk(body)
	if reason != bitai.ReasonNone {
		return &chunkReport{Reason: reason.String()}
	}
	return &chunkReport{
		Valid: true, PayloadHash: hex.EncodeToString(ch.PayloadHash[:]),
		Index: ch.Index, Count: ch.Count, Bytes: len(ch.Bytes),
	}
}

func bitaiTxOf(i int, raw []byte, depID [32]byte) bitaiTxReport {
	tx, err := bitai.DecodeTx(raw)
	if err != nil {
		return bitaiTxReport{Index: i, Error: err.Error(), Reason: bitai.TxErrorReason(err).String()}
	}
	txid := tx.TxID()
	sigOK := tx.VerifySig(depID) == nil
	r := bitaiTxReport{
		Index: i, Valid: true, TxID: hex.EncodeToString(txid[:]), Kind: tx.Kind().String(),
		Sender: hex.EncodeToString(tx.Sender[:]), Nonce: tx.Nonce, Fee: tx.Fee, Expiry: tx.Expiry,
		Signature: hex.EncodeToString(tx.Sig[:]), SigValid: &sigOK,
		Fields: fieldsOf(tx.Body),
	}
	if tx.Inscriber != nil {
		r.Inscriber = hex.EncodeToString(tx.Inscriber[:])
	}
	return r
}

// fieldsOf renders a tx body's fields for people: byte arrays and ids as hex, long
// byte strings as their length and sha256, sub-records as version and length.
func fieldsOf(body bitai.Body) map[string]any {
	v := reflect.Indirect(reflect.ValueOf(body))
	out := make(map[string]any, v.NumField())
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		if val, ok := renderValue(v.Field(i)); ok {
			out[toSnake(f.Name)] = val
		}
	}
	return out
}

// maxInlineBytes is the longest byte string printed whole; longer ones are summarised.
const maxInlineBytes = 64

func renderValue(v reflect.Value) (any, bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil, false
		}
		return renderValue(v.Elem())
	case reflect.Array:
		b := make([]byte, v.Len())
		reflect.Copy(reflect.ValueOf(b), v)
		return hex.EncodeToString(b), true
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return renderBytes(v.Bytes()), true
		}
		list := make([]any, 0, v.Len())
		for i := 0; i < v.Len(); i++ {
			item, _ := renderValue(v.Index(i))
			list = append(list, item)
		}
		return list, true
	case reflect.Struct:
		if sr, ok := v.Interface().(bitai.SubRecord); ok {
			return map[string]any{"version": sr.Version, "length": len(sr.Data), "data": renderBytes(sr.Data)}, true
		}
		return fmt.Sprint(v.Interface()), true
	default:
		return v.Interface(), true
	}
}

func renderBytes(b []byte) any {
	if len(b) <= maxInlineBytes {
		return hex.EncodeToString(b)
	}
	sum := sha256.Sum256(b)
	return map[string]any{"length": len(b), "sha256": hex.EncodeToString(sum[:])}
}

func toSnake(s string) string {
	var b strings.Builder
	for i, r := range s {
		upper := r >= 'A' && r <= 'Z'
		if upper && i > 0 && !(s[i-1] >= 'A' && s[i-1] <= 'Z') {
			b.WriteByte('_')
		}
		if upper {
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// writeText prints the report for people.
func (r *txReport) writeText(w io.Writer) error {
	p := &printer{w: w}
	p.f("tx %s\n  wtxid %s\n  weight %d WU, %d vB, %d inputs, %d outputs\n", r.TxID, r.WTxID, r.Weight, r.VSize, r.Inputs, r.Outputs)
	p.f("envelopes: %d\n", len(r.Envelopes))
	for _, e := range r.Envelopes {
		p.f("  %s  input %d offset %d  leaf %s\n", e.ID, e.Input, e.Offset, e.LeafVersion)
		p.f("    content_type %s  encoding %s  metaprotocol %s  pointer %s\n",
			strOrDash(e.ContentType), strOrDash(e.ContentEncoding), strOrDash(e.Metaprotocol), u64OrDash(e.Pointer))
		if e.HasBody {
			p.f("    body %d bytes  sha256 %s\n", e.BodyLength, e.BodySHA256)
		} else {
			p.f("    body absent\n")
		}
		for _, par := range e.Parents {
			p.f("    parent %s\n", par)
		}
		if e.Delegate != "" {
			p.f("    delegate %s\n", e.Delegate)
		}
		p.f("    flags duplicate_field=%t incomplete_field=%t unrecognized_even_field=%t pushnum=%t stutter=%t\n",
			e.Flags.DuplicateField, e.Flags.IncompleteField, e.Flags.UnrecognizedEvenField, e.Flags.Pushnum, e.Flags.Stutter)
	}
	for _, b := range r.Burns {
		p.f("burn output %d: %d sat to %s credited=%t %s\n", b.Output, b.Amount, b.Key, b.Credited, b.Reason)
	}
	for _, c := range r.BitAI {
		c.writeText(p)
	}
	if len(r.BitAI) == 0 {
		p.f("bitai: no BitAI envelope\n")
	}
	return p.err
}

func (c bitaiReport) writeText(p *printer) {
	if !c.Accepted {
		p.f("bitai input %d: NOT accepted: %s\n", c.Input, c.Reason)
		return
	}
	p.f("bitai input %d: accepted  inscriber %s  encoding %q  body %s\n", c.Input, c.Inscriber, c.Encoding, c.BodyKind)
	if ch := c.Chunk; ch != nil {
		if !ch.Valid {
			p.f("  chunk invalid: %s\n", ch.Reason)
			return
		}
		p.f("  chunk %d of %d  payload_hash %s  %d bytes\n", ch.Index, ch.Count, ch.PayloadHash, ch.Bytes)
	}
	if pl := c.Payload; pl != nil {
		if !pl.Valid {
			p.f("  payload invalid: %s (%s)\n", pl.Reason, pl.Error)
			return
		}
		p.f("  payload: %d txs\n", len(pl.Txs))
		for _, t := range pl.Txs {
			t.writeText(p)
		}
	}
}

func (t bitaiTxReport) writeText(p *printer) {
	if !t.Valid {
		p.f("  [%d] undecodable: %s (%s)\n", t.Index, t.Reason, t.Error)
		return
	}
	p.f("  [%d] %s txid %s\n      sender %s nonce %d fee %d expiry %d signature_valid %t\n",
		t.Index, t.Kind, t.TxID, t.Sender, t.Nonce, t.Fee, t.Expiry, *t.SigValid)
	if t.Inscriber != "" {
		p.f("      inscriber %s\n", t.Inscriber)
	}
	for _, k := range sortedKeys(t.Fields) {
		p.f("      %s: %v\n", k, t.Fields[k])
	}
}

type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func strOrDash(s *string) string {
	if s == nil {
		return "-"
	}
	return fmt.Sprintf("%q", *s)
}

func u64OrDash(v *uint64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprint(*v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
