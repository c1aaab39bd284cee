package wallet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/bitai-l2/bitai/store"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// Keys of the wallet in the inscriber's database (prefixes 0x10–0x1f; DECISIONS
// A6, issue-4 contract). Integers are big-endian; every value is written through the
// caller's Writer.
//
//	0x10 ‖ branch u32               → next u32: the next index NextAddress hands out
//	0x11 ‖ txid[32] ‖ vout u32      → utxo record (below): an output paying us
//	0x12 ‖ txid[32]                 → raw tx (wire, with witness): own tx not yet in a block
//	0x13 ‖ pkScript                 → tag: a watched script
//	0x1f                            → height i32: the last block ConnectBlock applied
const (
	prefixNext    byte = 0x10
	prefixUTXO    byte = 0x11
	prefixUnconf  byte = 0x12
	prefixWatched byte = 0x13
	prefixTip     byte = 0x1f
)

func keyNext(branch uint32) []byte { return store.Key(prefixNext, store.U32(branch)) }

func keyUTXO(op wire.OutPoint) []byte {
	return store.Key(prefixUTXO, store.B32(op.Hash), store.U32(op.Index))
}

func keyUnconf(txid chainhash.Hash) []byte { return store.Key(prefixUnconf, store.B32(txid)) }

func keyWatched(pkScript []byte) []byte { return store.Key(prefixWatched, store.Raw(pkScript)) }

func keyTip() []byte { return []byte{prefixTip} }

// outPointOfKey decodes a 0x11 key.
func outPointOfKey(k []byte) (wire.OutPoint, error) {
	r := store.ReadKey(k, prefixUTXO)
	op := wire.OutPoint{Hash: chainhash.Hash(r.B32()), Index: r.U32()}
	return op, r.Done()
}

// Caps on the variable fields of a record, checked before allocating.
const (
	// MaxScriptLen is the longest pkScript the wallet stores or watches (the
	// consensus script size limit).
	MaxScriptLen = 10_000
	// MaxTagLen is the longest reservation owner or watch tag.
	MaxTagLen = 256
)

// ErrCorrupt: a stored wallet record does not decode.
var ErrCorrupt = errors.New("wallet record corrupt")

// record is the stored form of a UTXO:
//
//	utxo = value u64 ‖ height u32 ‖ flags u8 ‖ branch u32 ‖ index u32
//	       ‖ [spentBy[32] if flags&flagSpent]
//	       ‖ scriptLen u16 ‖ script ‖ reservedLen u16 ‖ reserved ‖ tagLen u16 ‖ tag
//
// flags: bit 0 coinbase, bit 1 spent by an own unconfirmed tx (spentBy).
type record struct {
	UTXO
	spentBy *chainhash.Hash
}

const (
	flagCoinbase = 1 << 0
	flagSpent    = 1 << 1
	flagsKnown   = flagCoinbase | flagSpent
)

func (r *record) marshal() []byte {
	b := make([]byte, 0, 8+4+1+4+4+32+6+len(r.PkScript)+len(r.Reserved)+len(r.Tag))
	b = binary.BigEndian.AppendUint64(b, uint64(r.Value))
	b = binary.BigEndian.AppendUint32(b, uint32(r.Height))
	var flags byte
	if r.Coinbase {
		flags |= flagCoinbase
	}
	if r.spentBy != nil {
		flags |= flagSpent
	}
	b = append(b, flags)
	b = binary.BigEndian.AppendUint32(b, r.Branch)
	b = binary.BigEndian.AppendUint32(b, r.Index)
	if r.spentBy != nil {
		b = append(b, r.spentBy[:]...)
	}
	for _, f := range [][]byte{r.PkScript, r.Reserved, r.Tag} {
		b = binary.BigEndian.AppendUint16(b, uint16(len(f)))
		b = append(b, f...)
	}
	return b
}

// decoder reads a record; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) take(field string, n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.err = fmt.Errorf("%w: reading %s: %w", ErrCorrupt, field, io.ErrUnexpectedEOF)
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) u32(field string) uint32 {
	if v := d.take(field, 4); v != nil {
		return binary.BigEndian.Uint32(v)
	}
	return 0
}

func (d *decoder) bytes(field string, limit int) []byte {
	v := d.take(field+" length", 2)
	if v == nil {
		return nil
	}
	n := int(binary.BigEndian.Uint16(v))
	if n > limit {
		d.err = fmt.Errorf("%w: %s length %d > %d", ErrCorrupt, field, n, limit)
		return nil
	}
	if n == 0 {
		return nil
	}
	return append([]byte(nil), d.take(field, n)...)
}

func unmarshalRecord(op wire.OutPoint, b []byte) (record, error) {
	d := &decoder{b: b}
	r := record{UTXO: UTXO{OutPoint: op}}
	if v := d.take("value", 8); v != nil {
		r.Value = int64(binary.BigEndian.Uint64(v))
	}
	r.Height = int32(d.u32("height"))
	var flags byte
	if v := d.take("flags", 1); v != nil {
		flags = v[0]
	}
	if flags&^flagsKnown != 0 && d.err == nil {
		d.err = fmt.Errorf("%w: unknown flags %#x", ErrCorrupt, flags)
	}
	r.Coinbase = flags&flagCoinbase != 0
	r.Branch = d.u32("branch")
	r.Index = d.u32("index")
	if flags&flagSpent != 0 {
		if v := d.take("spentBy", 32); v != nil {
			h := chainhash.Hash(v)
			r.spentBy = &h
		}
	}
	r.PkScript = d.bytes("script", MaxScriptLen)
	r.Reserved = d.bytes("reserved", MaxTagLen)
	r.Tag = d.bytes("tag", MaxTagLen)
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%w: %d trailing bytes", ErrCorrupt, len(d.b))
	}
	if d.err == nil && r.Value < 0 {
		d.err = fmt.Errorf("%w: negative value", ErrCorrupt)
	}
	if d.err != nil {
		return record{}, fmt.Errorf("utxo %s: %w", op, d.err)
	}
	return r, nil
}
