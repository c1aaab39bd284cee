package bitai

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/stretchr/testify/require"
)

// payTx returns a tx-like blob of n bytes (compressible: repeated structure).
func payTx(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i%13)
	}
	return b
}

// payRandom returns n incompressible bytes (SHA-256 in counter mode).
func payRandom(n int, seed byte) []byte {
	out := make([]byte, 0, n+32)
	for i := uint32(0); len(out) < n; i++ {
		h := sha256.Sum256(binary.BigEndian.AppendUint32([]byte{seed}, i))
		out = append(out, h[:]...)
	}
	return out[:n]
}

// payBrotli compresses b with default settings.
func payBrotli(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := brotli.NewWriterLevel(&buf, 5)
	_, err := w.Write(b)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

// TestPayloadLayoutBytes pins the decoded layout against bytes written by hand.
func TestPayloadLayoutBytes(t *testing.T) {
	body, enc, err := EncodePayload([][]byte{{0xaa}, {0xbb, 0xcc}}, false)
	require.NoError(t, err)
	require.Empty(t, enc)
	require.Equal(t, "00"+"0002"+"00000001aa"+"00000002bbcc", hex.EncodeToString(body))
}

func TestEncodeDecodePayload(t *testing.T) {
	tests := []struct {
		name     string
		txs      [][]byte
		compress bool
		wantEnc  string
	}{
		{"one tx plain", [][]byte{{1}}, false, ""},
		{"one tiny tx, compression does not help", [][]byte{{1}}, true, ""},
		{"compressible txs", [][]byte{payTx(3000, 1), payTx(5000, 2), payTx(1, 3)}, true, "br"},
		{"incompressible txs", [][]byte{payRandom(4000, 1), payRandom(100, 2)}, true, ""},
		{"compressible, not asked", [][]byte{payTx(3000, 1)}, false, ""},
		{"many txs", func() [][]byte {
			txs := make([][]byte, 2000)
			for i := range txs {
				txs[i] = payTx(159, byte(i))
			}
			return txs
		}(), true, "br"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body, enc, err := EncodePayload(tc.txs, tc.compress)
			require.NoError(t, err)
			require.Equal(t, tc.wantEnc, enc)
			require.Equal(t, BodyKindPayload, body[0])
			got, reason, err := DecodePayload(enc, body[1:])
			require.NoError(t, err)
			require.Equal(t, ReasonNone, reason)
			require.Equal(t, tc.txs, got)
		})
	}
}

func TestEncodePayloadOptions(t *testing.T) {
	txs := [][]byte{payTx(20_000, 1)}
	for _, q := range []int{1, 5, 9, 11} {
		body, enc, err := EncodePayloadOpts(txs, PayloadOptions{Compress: true, Quality: q, LGWin: 16})
		require.NoError(t, err)
		require.Equal(t, "br", enc)
		got, _, err := DecodePayload(enc, body[1:])
		require.NoError(t, err)
		require.Equal(t, txs, got)
	}
	_, _, err := EncodePayloadOpts(txs, PayloadOptions{Compress: true, Quality: 12})
	require.Error(t, err)
	_, _, err = EncodePayloadOpts(txs, PayloadOptions{Compress: true, LGWin: 25})
	require.Error(t, err)
}

func TestEncodePayloadErrors(t *testing.T) {
	tests := []struct {
		name string
		txs  [][]byte
	}{
		{"no txs", nil},
		{"empty tx", [][]byte{{1}, {}}},
		{"too many txs", make([][]byte, MaxPayloadTxs+1)},
		{"larger than the cap", [][]byte{make([]byte, MaxPayloadBytes-6+1)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := EncodePayload(tc.txs, false)
			require.ErrorIs(t, err, ErrPayload)
		})
	}
	// The largest payload: one tx filling the cap exactly.
	body, _, err := EncodePayload([][]byte{make([]byte, MaxPayloadBytes-6)}, false)
	require.NoError(t, err)
	require.Len(t, body, 1+MaxPayloadBytes)
}

func TestDecodePayloadReasons(t *testing.T) {
	h := func(s string) []byte { return tplHex(t, s) }
	maxPlain := append(h("0001"), binary.BigEndian.AppendUint32(nil, MaxPayloadBytes-6)...)
	maxPlain = append(maxPlain, make([]byte, MaxPayloadBytes-6)...)
	overPlain := append(h("0001"), binary.BigEndian.AppendUint32(nil, MaxPayloadBytes-5)...)
	overPlain = append(overPlain, make([]byte, MaxPayloadBytes-5)...)
	okBr := payBrotli(t, h("000100000001aa"))
	tests := []struct {
		name   string
		enc    string
		e      []byte
		want   Reason
		capErr bool
	}{
		{name: "empty", e: nil, want: ReasonPayloadTruncated},
		{name: "one byte count", e: h("00"), want: ReasonPayloadTruncated},
		{name: "count 0", e: h("0000"), want: ReasonPayloadEmpty},
		{name: "count 0 with bytes", e: h("0000aa"), want: ReasonPayloadEmpty},
		{name: "length cut", e: h("0001000000"), want: ReasonPayloadTruncated},
		{name: "empty tx", e: h("000100000000"), want: ReasonPayloadTxEmpty},
		{name: "empty second tx", e: h("000200000001aa00000000"), want: ReasonPayloadTxEmpty},
		{name: "tx cut", e: h("000100000002aa"), want: ReasonPayloadTruncated},
		{name: "huge length", e: h("0001ffffffffaa"), want: ReasonPayloadTruncated},
		{name: "count larger than txs", e: h("000300000001aa"), want: ReasonPayloadTruncated},
		{name: "count 65535, one tx", e: h("ffff00000001aa"), want: ReasonPayloadTruncated},
		{name: "trailing byte", e: h("000100000001aa00"), want: ReasonPayloadTrailing},
		{name: "plain at the cap", e: maxPlain, want: ReasonNone},
		{name: "plain over the cap", e: overPlain, want: ReasonPayloadTooLarge},
		{name: "unknown encoding", enc: "gzip", e: h("000100000001aa"), want: ReasonEncodingUnsupported},
		{name: "br ok", enc: "br", e: okBr, want: ReasonNone},
		{name: "br empty", enc: "br", e: nil, want: ReasonPayloadBrotli},
		{name: "br garbage", enc: "br", e: h("ffffffffffff"), want: ReasonPayloadBrotli},
		{name: "br cut", enc: "br", e: okBr[:len(okBr)-1], want: ReasonPayloadBrotli},
		{name: "br trailing byte", enc: "br", e: append(bytes.Clone(okBr), 0), want: ReasonPayloadBrotli},
		{name: "br two streams", enc: "br", e: append(bytes.Clone(okBr), okBr...), want: ReasonPayloadBrotli},
		{name: "br plain inside not valid", enc: "br", e: payBrotli(t, h("0001")), want: ReasonPayloadTruncated},
		{name: "br at the cap", enc: "br", e: payBrotli(t, maxPlain), want: ReasonNone},
		{name: "br over the cap", enc: "br", e: payBrotli(t, overPlain), want: ReasonPayloadBrotli, capErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			txs, reason, err := DecodePayload(tc.enc, tc.e)
			require.Equal(t, tc.want, reason, "got %v (%v)", reason, err)
			if tc.want == ReasonNone {
				require.NoError(t, err)
				require.NotEmpty(t, txs)
				return
			}
			require.ErrorIs(t, err, ErrPayload)
			require.Nil(t, txs)
			require.Equal(t, tc.capErr, errors.Is(err, ErrPayloadCap))
			if reason == ReasonPayloadTruncated {
				require.ErrorIs(t, err, io.ErrUnexpectedEOF)
			}
		})
	}
}

// TestDecodePayloadBomb decodes the body of the real mainnet brotli bomb 08770f28…
// (790 bytes, about 794 MB decoded) as a BitAI E: it must stop at the cap, quickly and
// with bounded memory.
func TestDecodePayloadBomb(t *testing.T) {
	const bombTxid = "08770f28ab15ec0acf1103ce6af34c57c05ba7db5df783b3b75058725e0bd480"
	tx := accMainnetTxs(t)[bombTxid]
	require.NotNil(t, tx)
	envs := ParseEnvelopes(tx)
	require.Len(t, envs, 1)
	body := envs[0].Inscription.Body
	require.Len(t, body, 790)
	sum := sha256.Sum256(body)
	require.Equal(t, "f02a38ea0b4c346f27077e8a34978ace05e34f2284c58c711d9a478c77f9b7d4", hex.EncodeToString(sum[:]))
	require.Equal(t, "br", string(envs[0].Inscription.ContentEncoding))

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	txs, reason, err := DecodePayload(EncodingBrotli, body)
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)

	require.Nil(t, txs)
	require.Equal(t, ReasonPayloadBrotli, reason)
	require.ErrorIs(t, err, ErrPayloadCap)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("bomb: stopped at the cap in %v, %d MiB allocated", elapsed, alloc>>20)
	require.Less(t, alloc, uint64(64<<20), "decoding must stay near the cap, not the bomb's size")
	require.Less(t, elapsed, 5*time.Second)
}

// TestDecodePayloadTrailingAtReadBoundary: the brotli reader reads its input 32 KiB at
// a time; a byte after a stream that ends exactly at that boundary is still refused.
func TestDecodePayloadTrailingAtReadBoundary(t *testing.T) {
	for n := 32_700; n < 32_800; n++ {
		plain := append([]byte{0x00, 0x01}, binary.BigEndian.AppendUint32(nil, uint32(n-6))...)
		plain = append(plain, payRandom(n-6, 3)...)
		e := payBrotli(t, plain)
		if len(e) != 32<<10 {
			continue
		}
		txs, reason, err := DecodePayload(EncodingBrotli, e)
		require.NoError(t, err)
		require.Equal(t, ReasonNone, reason)
		require.Len(t, txs, 1)
		_, reason, err = DecodePayload(EncodingBrotli, append(e, 0))
		require.Equal(t, ReasonPayloadBrotli, reason)
		require.ErrorIs(t, err, ErrPayload)
		return
	}
	t.Fatal("no stream of exactly 32 KiB found")
}
