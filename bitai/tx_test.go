package bitai

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// testKey returns a 32-byte value filled with n (not necessarily a curve point).
func testKey(n byte) [32]byte { return [32]byte(bytes.Repeat([]byte{n}, 32)) }

// testID returns a valid id: 0x00 followed by 31 bytes of n.
func testID(n byte) ID {
	id := ID(testKey(n))
	id[0] = 0
	return id
}

// testBytes returns n deterministic bytes.
func testBytes(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7)
	}
	return b
}

func ptr[T any](v T) *T { return &v }

type sampleTx struct {
	name string
	tx   *Tx
}

// sampleHeader is the header every sample uses; withInscriber alternates.
func sampleHeader(body Body, withInscriber bool) *Tx {
	tx := &Tx{Version: TxVersion, Sender: XOnly(FaucetKey(RegtestFaucetSeed)),
		Nonce: 7, Fee: 1_000, Expiry: 500, Body: body}
	if withInscriber {
		tx.Inscriber = ptr(testKey(0xee))
	}
	return tx
}

// sampleTxs returns, per kind, a plain sample (named by the kind, no inscriber, used
// by the vectors and the fuzz corpus) and variants with boundary values.
func sampleTxs() []sampleTx {
	params := DefaultChainParams()
	params.Treasury = testKey(0x42)
	models16, seqs16 := make([]ID, MaxModels), make([][32]byte, MaxSequencers)
	for i := range models16 {
		models16[i] = testID(byte(i + 1))
		seqs16[i] = testKey(byte(0x80 + i))
	}
	maxHeader := sampleHeader(&Transfer{To: testKey(0xff), Amount: math.MaxUint64}, true)
	maxHeader.Nonce, maxHeader.Fee, maxHeader.Expiry = math.MaxUint64, math.MaxUint64, math.MaxUint32
	s := []sampleTx{
		{"Transfer", sampleHeader(&Transfer{To: testKey(0x11), Amount: 12_345}, false)},
		{"Transfer/max-values", maxHeader},
		{"Transfer/zero", sampleHeader(&Transfer{}, true)},
		{"ModelRegister", sampleHeader(&ModelRegister{Name: "tiny-llm", URI: "ipfs://bafy-tiny",
			ContentHash: testKey(0x21), Format: "cog", CreatorFee: 10}, false)},
		{"ModelRegister/max-lengths", sampleHeader(&ModelRegister{Name: strings.Repeat("n", MaxNameLen),
			URI: strings.Repeat("u", MaxURILen), Format: strings.Repeat("f", MaxFormatLen)}, true)},
		{"EternalMint", sampleHeader(&EternalMint{To: testKey(0x31), URI: "ar://eternal",
			SystemPrompt: "You are a helpful agent.", FoundationModel: testID(0x32), Fee: 500}, false)},
		{"EternalMint/max-prompt", sampleHeader(&EternalMint{To: testKey(0x31),
			SystemPrompt: strings.Repeat("p", MaxSystemPromptLen), FoundationModel: testID(0x32)}, true)},
		{"EternalUpdate", sampleHeader(&EternalUpdate{ID: testID(0x41),
			SystemPrompt: ptr("new prompt"), Fee: ptr(uint64(700))}, false)},
		{"EternalUpdate/none", sampleHeader(&EternalUpdate{ID: testID(0x41)}, true)},
		{"EternalUpdate/empty-prompt", sampleHeader(&EternalUpdate{ID: testID(0x41), SystemPrompt: ptr("")}, true)},
		{"EternalUpdate/fee-only", sampleHeader(&EternalUpdate{ID: testID(0x41), Fee: ptr(uint64(0))}, true)},
		{"EternalTransfer", sampleHeader(&EternalTransfer{ID: testID(0x51), To: testKey(0x52)}, false)},
		{"Infer", sampleHeader(&Infer{EternalID: testID(0x61), ChainID: testID(0x62),
			Calldata: []byte("what is 2+2?"), MaxFee: 5_000, SystemPromptHash: ptr(testKey(0x63))}, false)},
		{"Infer/no-hash", sampleHeader(&Infer{EternalID: testID(0x61), ChainID: testID(0x62)}, true)},
		{"Infer/max-calldata", sampleHeader(&Infer{EternalID: testID(0x61), ChainID: testID(0x62),
			Calldata: testBytes(MaxCalldataLen, 3)}, true)},
		{"ChainRegister", sampleHeader(&ChainRegister{Name: "demo-chain",
			Models: []ID{testID(0x71), testID(0x72)}, CircuitID: CircuitID([]byte(TestCircuitDescriptor)),
			VerifyingKey: testBytes(100, 0x73), CeremonyHash: testKey(0x74), Params: params.Record(),
			Sequencers: [][32]byte{testKey(0x75), testKey(0x76), testKey(0x77)}, Admin: testKey(0x78)}, false)},
		{"ChainRegister/max-sets", sampleHeader(&ChainRegister{Name: strings.Repeat("c", MaxNameLen),
			Models: models16, CircuitID: testID(0x79), VerifyingKey: testBytes(MaxVerifyingKeyLen, 1),
			Params: SubRecord{Version: 9, Data: testBytes(MaxParamsLen, 2)}, Sequencers: seqs16}, true)},
		{"ChainRegister/empty", sampleHeader(&ChainRegister{}, true)},
		{"ChainUpdate", sampleHeader(&ChainUpdate{ChainID: testID(0x81),
			Sequencers: [][32]byte{testKey(0x82), testKey(0x83)}}, false)},
		{"ChainUpdate/empty", sampleHeader(&ChainUpdate{ChainID: testID(0x81)}, true)},
		{"ChainDeposit", sampleHeader(&ChainDeposit{ChainID: testID(0x91), L2Account: testKey(0x92),
			Amount: 250_000}, false)},
		{"ChainMessage", sampleHeader(&ChainMessage{ChainID: testID(0xa1),
			L2Op: SubRecord{Version: 0, Data: []byte("withdraw 5")}}, false)},
		{"ChainMessage/max-l2op", sampleHeader(&ChainMessage{ChainID: testID(0xa1),
			L2Op: SubRecord{Version: 255, Data: testBytes(MaxL2OpLen, 4)}}, true)},
		{"SubmitBatch", sampleHeader(sampleBatch(&SubRecord{Version: 1, Data: []byte("inline")}), false)},
		{"SubmitBatch/no-data", sampleHeader(sampleBatch(nil), true)},
		{"Reclaim", sampleHeader(&Reclaim{ID: testID(0xc1)}, false)},
		{"Exit", sampleHeader(&Exit{ChainID: testID(0xd1), AccountIndex: 3,
			Leaf: SubRecord{Version: 1, Data: testBytes(40, 5)},
			Path: SubRecord{Version: 1, Data: testBytes(64, 6)}}, false)},
		{"Exit/max", sampleHeader(&Exit{ChainID: testID(0xd1), AccountIndex: math.MaxUint64,
			Leaf: SubRecord{Version: 1, Data: testBytes(MaxExitLeafLen, 5)},
			Path: SubRecord{Version: 1, Data: testBytes(MaxExitPathLen, 6)}}, true)},
	}
	for i := range s {
		s[i].tx.Sig = [64]byte(bytes.Repeat([]byte{byte(i + 1)}, 64))
	}
	return s
}

func sampleBatch(data *SubRecord) *SubmitBatch {
	return &SubmitBatch{ChainID: testID(0xb1), Number: 2, PrevRoot: testKey(0xb2),
		NewRoot: testKey(0xb3), L1Height: 1234, InboxTo: 9,
		Outcomes:    SubRecord{Version: 1, Data: testBytes(64, 7)},
		Withdrawals: SubRecord{Version: 1, Data: testBytes(32, 8)},
		L2Supply:    1_000_000, DataHash: testKey(0xb4),
		DAPointer: SubRecord{Version: 1, Data: []byte("local:abcd")}, Data: data,
		Proof: SubRecord{Version: 1, Data: testBytes(256, 9)}}
}

func mustEncode(t testing.TB, tx *Tx) []byte {
	t.Helper()
	b, err := tx.Encode()
	require.NoError(t, err)
	return b
}

func TestTxRoundTrip(t *testing.T) {
	covered := map[Kind]bool{}
	for _, s := range sampleTxs() {
		t.Run(s.name, func(t *testing.T) {
			b := mustEncode(t, s.tx)
			got, err := DecodeTx(b)
			require.NoError(t, err)
			require.Equal(t, s.tx, got)
			again, err := got.Encode()
			require.NoError(t, err)
			require.Equal(t, b, again)
			require.Equal(t, b[:len(b)-64], s.tx.UnsignedBytes())
			require.Equal(t, s.tx.Sig[:], b[len(b)-64:])
			covered[s.tx.Kind()] = true
		})
	}
	for _, k := range Kinds() {
		require.True(t, covered[k], "kind %s has no sample", k)
	}
}

// TestTxLayoutByHand checks encodings against bytes assembled here from the
// documented layouts, independently of the codec's writer.
func TestTxLayoutByHand(t *testing.T) {
	be32 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	be64 := func(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
	sender, to, ins := testKey(0x02), testKey(0x03), testKey(0x04)
	sig := [64]byte(bytes.Repeat([]byte{0x05}, 64))
	header := func(kind byte, withIns bool) []byte {
		b := append([]byte{1, kind}, sender[:]...)
		b = append(append(append(b, be64(9)...), be64(100)...), be32(800)...)
		if withIns {
			return append(append(b, 1), ins[:]...)
		}
		return append(b, 0)
	}
	chainID := testID(0x06)
	cases := []struct {
		name string
		tx   *Tx
		want []byte
	}{
		{"Transfer", &Tx{Version: 1, Sender: sender, Nonce: 9, Fee: 100, Expiry: 800,
			Body: &Transfer{To: to, Amount: 0x0102030405060708}, Sig: sig},
			concat(header(1, false), to[:], []byte{1, 2, 3, 4, 5, 6, 7, 8}, sig[:])},
		{"ChainMessage+inscriber", &Tx{Version: 1, Sender: sender, Nonce: 9, Fee: 100, Expiry: 800,
			Inscriber: &ins, Body: &ChainMessage{ChainID: chainID, L2Op: SubRecord{Version: 3, Data: []byte("op")}},
			Sig: sig},
			concat(header(10, true), chainID[:], []byte{3, 0, 0, 0, 2, 'o', 'p'}, sig[:])},
		{"EternalUpdate fee only", &Tx{Version: 1, Sender: sender, Nonce: 9, Fee: 100, Expiry: 800,
			Body: &EternalUpdate{ID: chainID, Fee: ptr(uint64(1))}, Sig: sig},
			concat(header(4, false), chainID[:], []byte{0, 1}, be64(1), sig[:])},
		{"ChainUpdate", &Tx{Version: 1, Sender: sender, Nonce: 9, Fee: 100, Expiry: 800,
			Body: &ChainUpdate{ChainID: chainID, Sequencers: [][32]byte{to, ins}}, Sig: sig},
			concat(header(8, false), chainID[:], be32(2), to[:], ins[:], sig[:])},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, mustEncode(t, c.tx))
			got, err := DecodeTx(c.want)
			require.NoError(t, err)
			require.Equal(t, c.tx, got)
		})
	}
}

func concat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestTxShortRead truncates every small sample at every byte: each prefix must fail
// with ErrShortRead wrapping io.ErrUnexpectedEOF, never panic.
func TestTxShortRead(t *testing.T) {
	for _, s := range sampleTxs() {
		b := mustEncode(t, s.tx)
		if len(b) > 4096 {
			continue // quadratic; the fuzz target covers the large ones
		}
		t.Run(s.name, func(t *testing.T) {
			for n := 0; n < len(b); n++ {
				_, err := DecodeTx(b[:n])
				require.ErrorIs(t, err, io.ErrUnexpectedEOF, "prefix %d", n)
				require.ErrorIs(t, err, ErrShortRead, "prefix %d", n)
				require.Contains(t, err.Error(), "reading ", "prefix %d", n)
			}
		})
	}
}

func sampleBytes(t *testing.T, name string) []byte {
	t.Helper()
	for _, s := range sampleTxs() {
		if s.name == name {
			return mustEncode(t, s.tx)
		}
	}
	t.Fatalf("no sample %q", name)
	return nil
}

// bodyAt is where the body starts in a sample without an inscriber.
const bodyAt = 55

type mutation struct {
	name   string
	sample string
	mutate func(b []byte) []byte
	kind   ErrorKind
	field  string // the error must name this field
}

func setAt(off int, v ...byte) func([]byte) []byte {
	return func(b []byte) []byte { copy(b[off:], v); return b }
}

func setU32(off int, v uint32) func([]byte) []byte {
	return func(b []byte) []byte { binary.BigEndian.PutUint32(b[off:], v); return b }
}

func swap32(a, b int) func([]byte) []byte {
	return func(x []byte) []byte {
		var tmp [32]byte
		copy(tmp[:], x[a:a+32])
		copy(x[a:a+32], x[b:b+32])
		copy(x[b:b+32], tmp[:])
		return x
	}
}

// mutations breaks one canonicality rule each in a valid encoding (rules T-2 to T-8).
func mutations() []mutation {
	crModels := bodyAt + 4 + len("demo-chain") // ChainRegister.models count
	inferFlag := bodyAt + 32 + 32 + 4 + len("what is 2+2?") + 8
	batchHasData := bodyAt + 32 + 8 + 32 + 32 + 4 + 8 + (5 + 64) + (5 + 32) + 8 + 32 + (5 + len("local:abcd"))
	return []mutation{
		{"version 2", "Transfer", setAt(0, 2), ErrUnsupportedVersion, "tx.version"},
		{"version 0", "Transfer", setAt(0, 0), ErrUnsupportedVersion, "tx.version"},
		{"kind 0", "Transfer", setAt(1, 0), ErrUnknownKind, "tx.kind"},
		{"kind 14", "Transfer", setAt(1, 14), ErrUnknownKind, "tx.kind"},
		{"kind 255", "Transfer", setAt(1, 255), ErrUnknownKind, "tx.kind"},
		{"hasInscriber 2", "Transfer", setAt(54, 2), ErrNonCanonical, "tx.hasInscriber"},
		{"trailing byte", "Transfer", func(b []byte) []byte { return append(b, 0) }, ErrTrailingBytes, "tx"},
		{"trailing bytes after sub-record", "Exit", func(b []byte) []byte { return append(b, 1, 2, 3) },
			ErrTrailingBytes, "tx"},
		{"EternalUpdate hasSystemPrompt 2", "EternalUpdate", setAt(bodyAt+32, 2), ErrNonCanonical,
			"EternalUpdate.hasSystemPrompt"},
		{"Infer hasSystemPromptHash 2", "Infer", setAt(inferFlag, 2), ErrNonCanonical, "Infer.hasSystemPromptHash"},
		{"SubmitBatch hasData 2", "SubmitBatch", setAt(batchHasData, 2), ErrNonCanonical, "SubmitBatch.hasData"},
		{"Reclaim id top byte", "Reclaim", setAt(bodyAt, 1), ErrBadObjectID, "Reclaim.id"},
		{"EternalMint model top byte", "EternalMint",
			setAt(bodyAt+32+4+len("ar://eternal")+4+len("You are a helpful agent."), 0x80),
			ErrBadObjectID, "EternalMint.foundationModel"},
		{"ChainRegister model top byte", "ChainRegister", setAt(crModels+4+32, 0x01), ErrBadObjectID,
			"ChainRegister.models[1]"},
		{"ChainRegister unsorted models", "ChainRegister", swap32(crModels+4, crModels+36), ErrUnsortedSet,
			"ChainRegister.models"},
		{"ChainRegister duplicate models", "ChainRegister",
			func(b []byte) []byte { copy(b[crModels+36:crModels+68], b[crModels+4:crModels+36]); return b },
			ErrUnsortedSet, "ChainRegister.models"},
		{"ChainRegister models over cap", "ChainRegister", setU32(crModels, MaxModels+1), ErrFieldTooLong,
			"ChainRegister.models"},
		{"ChainUpdate unsorted sequencers", "ChainUpdate", swap32(bodyAt+36, bodyAt+68), ErrUnsortedSet,
			"ChainUpdate.sequencers"},
		{"ChainUpdate sequencers over cap", "ChainUpdate", setU32(bodyAt+32, MaxSequencers+1), ErrFieldTooLong,
			"ChainUpdate.sequencers"},
		{"ModelRegister name over cap", "ModelRegister", setU32(bodyAt, MaxNameLen+1), ErrFieldTooLong,
			"ModelRegister.name"},
		{"ModelRegister name length 2^32-1", "ModelRegister", setU32(bodyAt, math.MaxUint32), ErrFieldTooLong,
			"ModelRegister.name"},
		{"Infer calldata over cap", "Infer", setU32(bodyAt+64, MaxCalldataLen+1), ErrFieldTooLong,
			"Infer.calldata"},
		{"Exit leaf over cap", "Exit", setU32(bodyAt+32+8+1, MaxExitLeafLen+1), ErrFieldTooLong, "Exit.leaf"},
		{"ChainMessage l2Op over cap", "ChainMessage", setU32(bodyAt+32+1, MaxL2OpLen+1), ErrFieldTooLong,
			"ChainMessage.l2Op"},
	}
}

func TestTxMutations(t *testing.T) {
	for _, m := range mutations() {
		t.Run(m.name, func(t *testing.T) {
			b := m.mutate(sampleBytes(t, m.sample))
			tx, err := DecodeTx(b)
			require.Nil(t, tx)
			require.ErrorIs(t, err, m.kind)
			require.NotErrorIs(t, err, io.ErrUnexpectedEOF)
			require.Contains(t, err.Error(), "reading "+m.field+":")
			var re RuleError
			require.True(t, errors.As(err, &re))
		})
	}
}

// TestTxEncodeRejects checks that Encode refuses exactly what DecodeTx refuses.
func TestTxEncodeRejects(t *testing.T) {
	base := func(b Body) *Tx { return sampleHeader(b, false) }
	cases := []struct {
		name string
		tx   *Tx
		kind ErrorKind
	}{
		{"version 2", &Tx{Version: 2, Body: &Reclaim{}}, ErrUnsupportedVersion},
		{"no body", &Tx{Version: 1}, ErrMissingBody},
		{"bad id", base(&Reclaim{ID: ID{1}}), ErrBadObjectID},
		{"name over cap", base(&ModelRegister{Name: strings.Repeat("x", MaxNameLen+1)}), ErrFieldTooLong},
		{"prompt over cap", base(&EternalUpdate{SystemPrompt: ptr(strings.Repeat("x", MaxSystemPromptLen+1))}),
			ErrFieldTooLong},
		{"unsorted models", base(&ChainRegister{Models: []ID{testID(2), testID(1)}}), ErrUnsortedSet},
		{"duplicate sequencers", base(&ChainUpdate{Sequencers: [][32]byte{testKey(1), testKey(1)}}), ErrUnsortedSet},
		{"too many sequencers", base(&ChainUpdate{Sequencers: make([][32]byte, MaxSequencers+1)}), ErrFieldTooLong},
		{"proof over cap", base(&SubmitBatch{Proof: SubRecord{Data: make([]byte, MaxProofLen+1)}}), ErrFieldTooLong},
		{"data over cap", base(&SubmitBatch{Data: &SubRecord{Data: make([]byte, MaxBatchDataLen+1)}}),
			ErrFieldTooLong},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.tx.Encode()
			require.ErrorIs(t, err, c.kind)
			require.ErrorIs(t, c.tx.Validate(), c.kind)
		})
	}
}

// TestTxMaxSubmitBatch round-trips a SubmitBatch with every sub-record at its cap.
func TestTxMaxSubmitBatch(t *testing.T) {
	b := sampleBatch(&SubRecord{Version: 1, Data: testBytes(MaxBatchDataLen, 1)})
	b.Outcomes.Data = testBytes(MaxOutcomesLen, 2)
	b.Withdrawals.Data = testBytes(MaxWithdrawalsLen, 3)
	b.DAPointer.Data = testBytes(MaxDAPointerLen, 4)
	b.Proof.Data = testBytes(MaxProofLen, 5)
	tx := sampleHeader(b, true)
	enc := mustEncode(t, tx)
	got, err := DecodeTx(enc)
	require.NoError(t, err)
	require.Equal(t, tx, got)
	// The decoded tx must not alias the input.
	enc[len(enc)-100] ^= 0xff
	require.Equal(t, tx, got)
}

func TestKindString(t *testing.T) {
	require.Equal(t, "ChainRegister", KindChainRegister.String())
	require.Equal(t, "Kind(14)", Kind(14).String())
	require.Len(t, Kinds(), 13)
	for _, k := range Kinds() {
		require.True(t, k.Known())
		require.Equal(t, k, newBody(k).Kind(), fmt.Sprint(k))
	}
	require.False(t, KindInvalid.Known())
	require.Nil(t, newBody(14))
}
