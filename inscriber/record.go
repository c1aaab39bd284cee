package inscriber

import (
	"bytes"
	"fmt"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// Record caps, checked before allocating.
const (
	maxParts      = 1 << 12 // parts of one batch (a 4 MiB chunk set has 11)
	maxVersions   = 1 << 12 // versions of one commit or reveal slot
	maxSenders    = 1 << 12 // distinct BitAI senders of one payload
	maxScriptLen  = 1 << 8  // change scripts
	maxNoteLen    = 1 << 10
	maxDups       = 1 << 10
	maxInputs     = 1 << 12
	recordVersion = 1
)

// payload is one enqueued payload: E (stored under keyBody) and what ordering and
// abandonment need.
//
//	payload = version u8 (1) ‖ id u64 ‖ sum[32] ‖ encoding u8 (0 plain, 1 br) ‖ size u32
//	        ‖ enqueued u32 ‖ expiry u32 ‖ deadline u32 ‖ batch u64 ‖ after u64 ‖ abandoned u8
//	        ‖ nsenders u16 ‖ sender[32]*
//
// sum = sha256(encoding ‖ E) (the dedup key); expiry 0 = none; batch 0 = queued;
// after = the earlier payload sharing a sender that must confirm first (0 = none).
type payload struct {
	ID        uint64
	Sum       [32]byte
	Encoding  string
	Size      int
	Enqueued  int32
	Expiry    int32
	Deadline  int32
	Batch     uint64
	After     uint64
	Abandoned bool
	Senders   [][32]byte
}

func (p *payload) marshal() []byte {
	e := &enc{}
	e.u8(recordVersion)
	e.u64(p.ID)
	e.b32(p.Sum)
	e.u8(encodingByte(p.Encoding))
	e.u32(uint32(p.Size))
	e.i32(p.Enqueued)
	e.i32(p.Expiry)
	e.i32(p.Deadline)
	e.u64(p.Batch)
	e.u64(p.After)
	e.u8(boolByte(p.Abandoned))
	e.u16(uint16(len(p.Senders)))
	for _, s := range p.Senders {
		e.b32(s)
	}
	return e.b
}

func (p *payload) unmarshal(b []byte) error {
	d := &dec{b: b}
	d.version("payload", recordVersion)
	p.ID = d.u64()
	p.Sum = d.b32()
	p.Encoding = encodingOf(d, d.u8())
	p.Size = int(d.u32())
	p.Enqueued = d.i32()
	p.Expiry = d.i32()
	p.Deadline = d.i32()
	p.Batch = d.u64()
	p.After = d.u64()
	p.Abandoned = d.u8() != 0
	p.Senders = make([][32]byte, d.count("senders", maxSenders))
	for i := range p.Senders {
		p.Senders[i] = d.b32()
	}
	return d.done("payload")
}

// Mode says how a batch's reveals are funded.
type Mode uint8

const (
	// ModePairs: every part's reveal spends its own output of the batch's one commit
	// (a single payload, or the chunks of one set: DESIGN §3.1, §3.5).
	ModePairs Mode = 0
	// ModeChained: part 0's reveal spends the commit; reveal i's only output is part
	// i+1's commit output (DECISIONS C3), the last reveal pays change.
	ModeChained Mode = 1
)

// String names the mode.
func (m Mode) String() string {
	if m == ModeChained {
		return "chained"
	}
	return "pairs"
}

// part is one envelope of a batch: a whole payload (Count 0) or chunk Index of Count,
// split with bitai.SplitChunks at ChunkBody bytes per chunk body.
type part struct {
	Payload   uint64
	Index     uint16
	Count     uint16
	ChunkBody uint32
	ScriptLen uint32
}

// txRef is one signed version of a batch's commit, of a reveal slot, or a sweep.
// Its raw bytes are under keyTx, stored (synced) before it is first broadcast.
//
//	txRef = txid[32] ‖ epoch u16 ‖ fee u64 ‖ vsize u32 ‖ rate u32 ‖ sent u8 ‖ height u32
//	      ‖ parent outpoint[36] ‖ inValue u64
//
// epoch counts the batch's re-plans (versions of one epoch spend the same commit
// inputs); parent and inValue are the output a reveal spends and its value (zero for
// commits and sweeps); height is the tip when the version was signed, then when it
// was first sent (a bump waits for a block after that).
type txRef struct {
	TxID    chainhash.Hash
	Epoch   uint16
	Fee     int64
	VSize   int64
	Rate    int64
	Sent    bool
	Height  int32
	Parent  wire.OutPoint
	InValue int64
}

func (t *txRef) encode(e *enc) {
	e.hash(t.TxID)
	e.u16(t.Epoch)
	e.i64(t.Fee)
	e.u32(uint32(t.VSize))
	e.u32(uint32(t.Rate))
	e.u8(boolByte(t.Sent))
	e.i32(t.Height)
	e.outpoint(t.Parent)
	e.i64(t.InValue)
}

func (t *txRef) decode(d *dec) {
	t.TxID = d.hash()
	t.Epoch = d.u16()
	t.Fee = d.i64()
	t.VSize = int64(d.u32())
	t.Rate = int64(d.u32())
	t.Sent = d.u8() != 0
	t.Height = d.i32()
	t.Parent = d.outpoint()
	t.InValue = d.i64()
}

// batch is the unit of the state machine: one commit transaction (with its RBF and
// re-plan versions) and one reveal slot per part.
//
//	batch   = version u8 (1) ‖ id u64 ‖ state u8 ‖ mode u8 ‖ planHeight u32 ‖ deadline u32
//	        ‖ startRate u32 ‖ capRate u32 ‖ revealStart u32 ‖ change (len u16 ‖ script)
//	        ‖ epoch u16 ‖ ninputs u16 ‖ outpoint[36]*
//	        ‖ nparts u16 ‖ (payload u64 ‖ index u16 ‖ count u16 ‖ chunkBody u32 ‖ scriptLen u32)*
//	        ‖ ncommits u16 ‖ txRef* ‖ nparts × (nversions u16 ‖ txRef*) ‖ nsweeps u16 ‖ txRef*
//	        ‖ ndups u16 ‖ txid[32]* ‖ note (len u16 ‖ utf-8)
//
// epoch counts re-plans and inputs are the current epoch's commit inputs (chosen when
// the batch enters StatePlanned); revealStart is the height from which the reveals' fee function runs for a chunk
// set (0 before its first reveal is sent); dups are superseded versions seen
// confirmed (DECISIONS C1); note is the last problem worth reporting.
type batch struct {
	ID          uint64
	State       State
	Mode        Mode
	PlanHeight  int32
	Deadline    int32
	StartRate   int64
	CapRate     int64
	RevealStart int32
	Change      []byte
	Epoch       uint16
	Inputs      []wire.OutPoint
	Parts       []part
	Commits     []txRef
	Reveals     [][]txRef
	Sweeps      []txRef
	Dups        []chainhash.Hash
	Note        string
}

func (b *batch) marshal() []byte {
	e := &enc{}
	e.u8(recordVersion)
	e.u64(b.ID)
	e.u8(uint8(b.State))
	e.u8(uint8(b.Mode))
	e.i32(b.PlanHeight)
	e.i32(b.Deadline)
	e.u32(uint32(b.StartRate))
	e.u32(uint32(b.CapRate))
	e.i32(b.RevealStart)
	e.bytes16(b.Change)
	e.u16(b.Epoch)
	e.u16(uint16(len(b.Inputs)))
	for _, op := range b.Inputs {
		e.outpoint(op)
	}
	e.u16(uint16(len(b.Parts)))
	for _, p := range b.Parts {
		e.u64(p.Payload)
		e.u16(p.Index)
		e.u16(p.Count)
		e.u32(p.ChunkBody)
		e.u32(p.ScriptLen)
	}
	encodeRefs(e, b.Commits)
	for _, slot := range b.Reveals {
		encodeRefs(e, slot)
	}
	encodeRefs(e, b.Sweeps)
	e.u16(uint16(len(b.Dups)))
	for _, h := range b.Dups {
		e.hash(h)
	}
	e.bytes16([]byte(b.Note))
	return e.b
}

func encodeRefs(e *enc, refs []txRef) {
	e.u16(uint16(len(refs)))
	for i := range refs {
		refs[i].encode(e)
	}
}

func decodeRefs(d *dec) []txRef {
	refs := make([]txRef, d.count("versions", maxVersions))
	for i := range refs {
		refs[i].decode(d)
	}
	return refs
}

func (b *batch) unmarshal(raw []byte) error {
	d := &dec{b: raw}
	d.version("batch", recordVersion)
	b.ID = d.u64()
	b.State = State(d.u8())
	b.Mode = Mode(d.u8())
	b.PlanHeight = d.i32()
	b.Deadline = d.i32()
	b.StartRate = int64(d.u32())
	b.CapRate = int64(d.u32())
	b.RevealStart = d.i32()
	b.Change = d.bytes16()
	if d.err == nil && len(b.Change) > maxScriptLen {
		d.err = fmt.Errorf("%w: change script of %d bytes", ErrRecord, len(b.Change))
	}
	b.Epoch = d.u16()
	b.Inputs = make([]wire.OutPoint, d.count("inputs", maxInputs))
	for i := range b.Inputs {
		b.Inputs[i] = d.outpoint()
	}
	b.Parts = make([]part, d.count("parts", maxParts))
	for i := range b.Parts {
		p := &b.Parts[i]
		p.Payload = d.u64()
		p.Index = d.u16()
		p.Count = d.u16()
		p.ChunkBody = d.u32()
		p.ScriptLen = d.u32()
	}
	b.Commits = decodeRefs(d)
	b.Reveals = make([][]txRef, len(b.Parts))
	for i := range b.Reveals {
		b.Reveals[i] = decodeRefs(d)
	}
	b.Sweeps = decodeRefs(d)
	b.Dups = make([]chainhash.Hash, d.count("dups", maxDups))
	for i := range b.Dups {
		b.Dups[i] = d.hash()
	}
	note := d.bytes16()
	if d.err == nil && len(note) > maxNoteLen {
		d.err = fmt.Errorf("%w: note of %d bytes", ErrRecord, len(note))
	}
	b.Note = string(note)
	if d.err == nil && (b.State < StatePlanned || b.State > stateLast) {
		d.err = fmt.Errorf("%w: state %d", ErrRecord, b.State)
	}
	return d.done("batch")
}

// Roles of a stored transaction.
const (
	roleCommit uint8 = 1
	roleReveal uint8 = 2
	roleSweep  uint8 = 3
)

// txRecord is a transaction of ours, stored before it is first broadcast.
//
//	tx = version u8 (1) ‖ batch u64 ‖ role u8 ‖ slot u16 ‖ fee u64 ‖ raw tx (to the end, with witnesses)
type txRecord struct {
	Batch uint64
	Role  uint8
	Slot  uint16
	Fee   int64
	Tx    *wire.MsgTx
}

func (t *txRecord) marshal() ([]byte, error) {
	e := &enc{b: make([]byte, 0, 20+t.Tx.SerializeSize())}
	e.u8(recordVersion)
	e.u64(t.Batch)
	e.u8(t.Role)
	e.u16(t.Slot)
	e.i64(t.Fee)
	w := bytes.NewBuffer(e.b)
	if err := t.Tx.Serialize(w); err != nil {
		return nil, fmt.Errorf("tx record: %w", err)
	}
	return w.Bytes(), nil
}

func (t *txRecord) unmarshal(b []byte) error {
	d := &dec{b: b}
	d.version("tx", recordVersion)
	t.Batch = d.u64()
	t.Role = d.u8()
	t.Slot = d.u16()
	t.Fee = d.i64()
	if d.err != nil {
		return fmt.Errorf("tx record: %w", d.err)
	}
	t.Tx = &wire.MsgTx{}
	if err := t.Tx.Deserialize(bytes.NewReader(d.b)); err != nil {
		return fmt.Errorf("tx record: %w", err)
	}
	return nil
}

// conf is where one of our transactions confirmed (block processing).
//
//	conf = height u32 ‖ hash[32]
type conf struct {
	Height int32
	Hash   chainhash.Hash
}

func (c conf) marshal() []byte {
	e := &enc{}
	e.i32(c.Height)
	e.hash(c.Hash)
	return e.b
}

func (c *conf) unmarshal(b []byte) error {
	d := &dec{b: b}
	c.Height = d.i32()
	c.Hash = d.hash()
	return d.done("conf")
}

// spent is a foreign transaction that spent one of our inputs (block processing).
//
//	spent = txid[32] ‖ height u32
type spent struct {
	By     chainhash.Hash
	Height int32
}

func (s spent) marshal() []byte {
	e := &enc{}
	e.hash(s.By)
	e.i32(s.Height)
	return e.b
}

func (s *spent) unmarshal(b []byte) error {
	d := &dec{b: b}
	s.By = d.hash()
	s.Height = d.i32()
	return d.done("spent")
}

func boolByte(v bool) uint8 {
	if v {
		return 1
	}
	return 0
}

func encodingByte(enc string) uint8 {
	if enc != "" {
		return 1
	}
	return 0
}

func encodingOf(d *dec, v uint8) string {
	switch v {
	case 0:
		return ""
	case 1:
		return "br"
	}
	if d.err == nil {
		d.err = fmt.Errorf("%w: encoding %d", ErrRecord, v)
	}
	return ""
}
