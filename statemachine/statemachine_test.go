package statemachine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/store"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/cockroachdb/pebble/v2"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/stretchr/testify/require"
)

// taggedHash is BIP340's tagged hash written out with crypto/sha256, independent of
// chainhash, to check the hashes of rules S-19 to S-21.
func taggedHash(tag string, parts ...[]byte) [32]byte {
	t := sha256.Sum256([]byte(tag))
	h := sha256.New()
	h.Write(t[:])
	h.Write(t[:])
	for _, p := range parts {
		h.Write(p)
	}
	return [32]byte(h.Sum(nil))
}

// TestReasonCoverage: the scenarios record every execution-failure reason and every
// authentication reason the state machine can meet, except the defensive ones.
func TestReasonCoverage(t *testing.T) {
	seen := map[int]bool{}
	files, err := filepath.Glob(filepath.Join("testdata", "scenarios", "*"))
	require.NoError(t, err)
	re := regexp.MustCompile(`reason=[a-z0-9_]+\((\d+)\)`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range re.FindAllSubmatch(b, -1) {
			n, _ := strconv.Atoi(string(m[1]))
			seen[n] = true
		}
	}
	// Unreachable on purpose: 153 (balances are bounded by the supply), 172 (ids
	// derive from unique txids), 122 (ApplyBlock refuses blocks below activation).
	defensive := map[bitai.Reason]bool{ReasonBalanceOverflow: true, ReasonObjectExists: true}
	for _, r := range ExecReasons() {
		if !defensive[r] {
			require.True(t, seen[int(r)], "execution reason %d (%s) never recorded", r, ReasonName(r))
		}
	}
	for _, r := range []int{100, 106, 107, 120, 121, 123, 124, 125, 126, 127, 50, 52, 53, 54, 55,
		60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 80, 81, 2, 11} {
		require.True(t, seen[r], "reason %d never recorded", r)
	}
}

func TestReasonNames(t *testing.T) {
	require.Equal(t, "unsupported", ReasonName(ReasonUnsupported))
	require.Equal(t, "tx_expired", ReasonName(bitai.ReasonTxExpired))
	require.Equal(t, "reason_299", ReasonName(299))
	names := map[string]bool{}
	for _, r := range ExecReasons() {
		n := ReasonName(r)
		require.NotContains(t, n, "reason_", "code %d unnamed", r)
		require.False(t, names[n], "duplicate name %s", n)
		names[n] = true
	}
}

func TestCheckVerifyingKey(t *testing.T) {
	good := testVK(t)
	var k groth16bn254.VerifyingKey
	_, err := k.ReadFrom(bytes.NewReader(good))
	require.NoError(t, err)
	var raw bytes.Buffer
	_, err = k.WriteRawTo(&raw)
	require.NoError(t, err)
	mut := func(f func(b []byte) []byte) []byte { return f(append([]byte{}, good...)) }
	const countK = 2*g1Compressed + 2*g2Compressed + g1Compressed + g2Compressed
	tests := []struct {
		name string
		vk   []byte
		ok   bool
	}{
		{"gnark key", good, true},
		{"empty", nil, false},
		{"trailing byte", mut(func(b []byte) []byte { return append(b, 0) }), false},
		{"uncompressed (WriteRawTo)", raw.Bytes(), false},
		{"K count 2^32-1", mut(func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[countK:], 0xffffffff)
			return b
		}), false},
		{"commitment index count 2^32-1", mut(func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[len(b)-8:], 0xffffffff)
			return b
		}), false},
		{"commitment count 2^32-1", mut(func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[len(b)-4:], 0xffffffff)
			return b
		}), false},
		{"alpha x ≥ p", mut(func(b []byte) []byte {
			for i := 1; i < 32; i++ {
				b[i] = 0xff
			}
			return b
		}), false},
		{"alpha flagged uncompressed", mut(func(b []byte) []byte { b[0] &= 0x3f; return b }), false},
		{"alpha flagged infinity with x ≠ 0", mut(func(b []byte) []byte { b[0] = 0x40 | b[0]&0x3f; return b }), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckVerifyingKey(tc.vk)
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrVerifyingKey)
		})
	}
	for n := range len(good) {
		require.ErrorIs(t, CheckVerifyingKey(good[:n]), ErrVerifyingKey, "cut at %d", n)
	}
}

// TestEventEncoding checks Encode against rule S-18's offsets and the round trip.
func TestEventEncoding(t *testing.T) {
	e := Event{Kind: EventTxFailed, TxIndex: 0x01020304, Input: 5, Output: 6, Index: 7,
		TxKind: bitai.KindInfer, Reason: ReasonMaxFeeExceeded, Amount: 0x0102030405060708}
	for i := range 32 {
		e.BitcoinTxID[i], e.TxID[i], e.Account[i], e.ID[i] = byte(i), byte(i+32), byte(i+64), byte(i+96)
	}
	b := e.Encode()
	require.Len(t, b, EventLen)
	require.Equal(t, 156, EventLen)
	require.Equal(t, byte(13), b[0])
	require.Equal(t, []byte{1, 2, 3, 4, 0, 0, 0, 5, 0, 0, 0, 6}, b[1:13])
	require.Equal(t, e.BitcoinTxID[:], b[13:45])
	require.Equal(t, []byte{0, 0, 0, 7, 6}, b[45:50])
	require.Equal(t, e.TxID[:], b[50:82])
	require.Equal(t, []byte{0, 161}, b[82:84])
	require.Equal(t, e.Account[:], b[84:116])
	require.Equal(t, []byte{1, 2, 3, 4, 5, 6, 7, 8}, b[116:124])
	require.Equal(t, e.ID[:], b[124:156])
	got, err := DecodeEvent(b)
	require.NoError(t, err)
	require.Equal(t, e, got)
	_, err = DecodeEvent(b[:155])
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	_, err = DecodeEvent(append(b, 0))
	require.Error(t, err)

	count := []byte{0, 0, 0, 2}
	require.Equal(t, taggedHash("BitAI/events", count, b, b), EventsHash([]Event{e, e}))
	require.Equal(t, taggedHash("BitAI/events", []byte{0, 0, 0, 0}), EventsHash(nil))
}

// TestHashes checks WriteSetHash, StateHash and InitialStateHash against rule
// S-19 to S-21 written out independently.
func TestHashes(t *testing.T) {
	writes := []store.Write{
		{Key: []byte{0x90, 1}, Value: []byte("index: left out")},
		{Key: []byte{0x02, 9}, Delete: true},
		{Key: []byte{0x01, 5}, Value: []byte("ab")},
		{Key: []byte{0x00, 1}, Value: []byte("0x00: left out")},
		{Key: []byte{0x7f}, Value: nil},
	}
	want := taggedHash("BitAI/writeset",
		[]byte{0, 0, 0, 3},
		[]byte{0, 0, 0, 2, 0x01, 5, 0x01, 0, 0, 0, 2, 'a', 'b'},
		[]byte{0, 0, 0, 2, 0x02, 9, 0x00},
		[]byte{0, 0, 0, 1, 0x7f, 0x01, 0, 0, 0, 0},
	)
	require.Equal(t, want, WriteSetHash(writes), "unsorted input is sorted")
	require.Equal(t, taggedHash("BitAI/writeset", []byte{0, 0, 0, 0}), WriteSetHash(nil))

	var prev, ev, ws [32]byte
	prev[0], ev[0], ws[0] = 1, 2, 3
	var bh chainhash.Hash
	bh[31] = 4
	require.Equal(t, taggedHash("BitAI/state", prev[:], bh[:], ev[:], ws[:]), StateHash(prev, bh, ev, ws))
	dep := testDeployment(t)
	id := dep.ID()
	require.Equal(t, taggedHash("BitAI/state0", id[:]), InitialStateHash(dep))
}

// TestOverlay: reads see the overlay's writes, Iterate merges in key order, Flush and
// FlushNet write through (FlushNet only real changes), Discard drops.
func TestOverlay(t *testing.T) {
	db := openMemDB(t)
	require.NoError(t, db.Update(context.Background(), func(w pebbleWriter) error {
		for _, k := range []string{"\x01a", "\x01c", "\x01e", "\x02z"} {
			if err := w.Set([]byte(k), []byte("base"+k[1:]), nil); err != nil {
				return err
			}
		}
		return nil
	}))
	rec := db.NewRecorder()
	defer rec.Close()
	base := NewPebbleState(rec)
	ov := NewOverlay(base)
	require.NoError(t, ov.Set([]byte("\x01b"), []byte("new")))
	require.NoError(t, ov.Delete([]byte("\x01c")))
	require.NoError(t, ov.Set([]byte("\x01e"), []byte("base"+"e"))) // same value: no net change
	require.NoError(t, ov.Set([]byte("\x01f"), []byte("new")))
	require.NoError(t, ov.Delete([]byte("\x01x"))) // absent: no net change
	v, ok, err := ov.Get([]byte("\x01c"))
	require.NoError(t, err)
	require.False(t, ok)
	require.Nil(t, v)
	var keys []string
	require.NoError(t, ov.Iterate([]byte{0x01}, func(k, v []byte) (bool, error) {
		keys = append(keys, string(k[1:])+"="+string(v))
		return true, nil
	}))
	require.Equal(t, []string{"a=basea", "b=new", "e=basee", "f=new"}, keys)
	keys = nil
	require.NoError(t, ov.Iterate([]byte{0x01}, func(k, v []byte) (bool, error) {
		keys = append(keys, string(k[1:]))
		return len(keys) < 2, nil
	}))
	require.Equal(t, []string{"a", "b"}, keys, "stops when fn returns false")

	require.NoError(t, ov.FlushNet())
	var written []string
	for _, w := range rec.WriteSet() {
		written = append(written, string(w.Key[1:]))
	}
	require.Equal(t, []string{"b", "c", "f"}, written)

	ov2 := NewOverlay(base)
	require.NoError(t, ov2.Set([]byte("\x02y"), []byte("drop")))
	ov2.Discard()
	_, ok, err = base.Get([]byte("\x02y"))
	require.NoError(t, err)
	require.False(t, ok)
}

// TestApplyBelowActivation: blocks below the activation height are refused.
func TestApplyBelowActivation(t *testing.T) {
	dep, err := bitai.DeploymentFor("simnet")
	require.NoError(t, err)
	h := newHarness(t, dep)
	p, err := h.m.Prepare(context.Background(), h.makeBlock(), 299)
	require.NoError(t, err)
	rec := h.db.NewRecorder()
	defer rec.Close()
	_, err = h.m.ApplyBlock(NewPebbleState(rec), p)
	require.ErrorIs(t, err, ErrBelowActivation)
	require.Empty(t, rec.WriteSet())

	_, err = New(Config{Deployment: mustDeployment(t, "mainnet")})
	require.Error(t, err, "a deployment without activation")
	_, err = New(Config{})
	require.Error(t, err)
}

func mustDeployment(t *testing.T, name string) *bitai.Deployment {
	d, err := bitai.DeploymentFor(name)
	require.NoError(t, err)
	return d
}

func TestPrepareCancelled(t *testing.T) {
	h := newHarness(t, testDeployment(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := h.m.Prepare(ctx, h.makeBlock(), 1)
	require.ErrorIs(t, err, context.Canceled)
}

// TestRecordsStrict: every record round-trips, and a cut, a trailing byte or an
// over-cap length is refused.
func TestRecordsStrict(t *testing.T) {
	type rec interface {
		MarshalBinary() ([]byte, error)
	}
	records := []struct {
		v   rec
		new func() interface{ UnmarshalBinary([]byte) error }
	}{
		{Account{Balance: 5, NextNonce: 6}, func() interface{ UnmarshalBinary([]byte) error } { return new(Account) }},
		{Model{Name: "m", URI: "u", Format: "f", CreatorFee: 3}, func() interface{ UnmarshalBinary([]byte) error } { return new(Model) }},
		{Eternal{URI: "u", SystemPrompt: "p", Fee: 1}, func() interface{ UnmarshalBinary([]byte) error } { return new(Eternal) }},
		{Chain{Name: "c", Models: []bitai.ID{{0, 1}}, Sequencers: [][32]byte{{2}}, Params: bitai.DefaultChainParams().Record(), VerifyingKey: []byte{9}},
			func() interface{ UnmarshalBinary([]byte) error } { return new(Chain) }},
		{Rotation{EffectiveHeight: 9, Sequencers: [][32]byte{{1}}}, func() interface{ UnmarshalBinary([]byte) error } { return new(Rotation) }},
		{InboxEntry{Kind: 2, ConfirmHeight: 4}, func() interface{ UnmarshalBinary([]byte) error } { return new(InboxEntry) }},
		{Request{EternalFee: 1, Status: StatusReclaimed}, func() interface{ UnmarshalBinary([]byte) error } { return new(Request) }},
		{Deposit{Amount: 1}, func() interface{ UnmarshalBinary([]byte) error } { return new(Deposit) }},
		{Message{L2Op: bitai.SubRecord{Version: 1, Data: []byte("op")}}, func() interface{ UnmarshalBinary([]byte) error } { return new(Message) }},
		{Settlement{Number: 3, Root: [32]byte{1}, L1Height: 4, InboxTo: 5, Bridge: 6, BatchHeight: 7},
			func() interface{ UnmarshalBinary([]byte) error } { return new(Settlement) }},
		{ExitRecord{Recipient: [32]byte{1}, Amount: 2, Height: 3}, func() interface{ UnmarshalBinary([]byte) error } { return new(ExitRecord) }},
	}
	for _, r := range records {
		b, err := r.v.MarshalBinary()
		require.NoError(t, err)
		got := r.new()
		require.NoError(t, got.UnmarshalBinary(b))
		back, err := got.(rec).MarshalBinary()
		require.NoError(t, err)
		require.Equal(t, b, back, "%T", r.v)
		for n := range len(b) {
			require.ErrorIs(t, r.new().UnmarshalBinary(b[:n]), io.ErrUnexpectedEOF, "%T cut at %d", r.v, n)
		}
		require.ErrorIs(t, r.new().UnmarshalBinary(append(b, 0)), ErrRecord, "%T trailing", r.v)
	}
	// An over-cap length and an out-of-range enum.
	m, _ := Model{}.MarshalBinary()
	binary.BigEndian.PutUint32(m[76:], bitai.MaxNameLen+1)
	require.ErrorIs(t, new(Model).UnmarshalBinary(m), ErrRecord)
	d, _ := Deposit{}.MarshalBinary()
	d[len(d)-1] = StatusSettled
	require.NoError(t, new(Deposit).UnmarshalBinary(d))
	d[len(d)-1] = StatusSettled + 1
	require.ErrorIs(t, new(Deposit).UnmarshalBinary(d), ErrRecord)
	q, _ := Request{}.MarshalBinary()
	q[len(q)-1] = StatusSettled + 1
	require.ErrorIs(t, new(Request).UnmarshalBinary(q), ErrRecord)
	e, _ := InboxEntry{}.MarshalBinary()
	e[0] = 3
	require.ErrorIs(t, new(InboxEntry).UnmarshalBinary(e), ErrRecord)
}

// TestMainnetBomb runs the real mainnet brotli bomb (08770f28…, 790 bytes, about
// 794 MB decoded) as a BitAI whole payload through Prepare and ApplyBlock: it is
// ignored with its reason, and the block applies.
func TestMainnetBomb(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "testdata", "mainnet-inscriptions.json")
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("%s is absent: skipping", path)
	}
	require.NoError(t, err)
	body := mainnetBombBody(t, raw)
	h := newHarness(t, testDeployment(t))
	b := h.newBtcTx()
	b.envelope(t, bitai.XOnly(testKey("ins")), bitai.EncodingBrotli, append([]byte{bitai.BodyKindPayload}, body...), 0xc0)
	res := h.apply(h.makeBlock(b.finish()))
	var reasons []bitai.Reason
	for _, e := range res.Events {
		if e.Kind == EventPayloadIgnored {
			reasons = append(reasons, e.Reason)
		}
	}
	require.Equal(t, []bitai.Reason{bitai.ReasonPayloadBrotli}, reasons)
}

// mainnetBombBody returns the envelope body of the mainnet brotli bomb.
func mainnetBombBody(t *testing.T, raw []byte) []byte {
	const bombTxid = "08770f28ab15ec0acf1103ce6af34c57c05ba7db5df783b3b75058725e0bd480"
	var txs []struct {
		Txid string `json:"txid"`
		Hex  string `json:"hex"`
	}
	require.NoError(t, json.Unmarshal(raw, &txs))
	for _, m := range txs {
		if m.Txid != bombTxid {
			continue
		}
		b, err := hex.DecodeString(m.Hex)
		require.NoError(t, err)
		tx := new(wire.MsgTx)
		require.NoError(t, tx.Deserialize(bytes.NewReader(b)))
		envs := bitai.ParseEnvelopes(tx)
		require.Len(t, envs, 1)
		require.Len(t, envs[0].Inscription.Body, 790)
		return envs[0].Inscription.Body
	}
	t.Fatalf("bomb %s not in the file", bombTxid)
	return nil
}

type pebbleWriter = pebble.Writer
