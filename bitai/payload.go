package bitai

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/andybalholm/brotli"
)

// Payload layout (docs/protocol.md rules P-1 to P-4, DECISIONS B5). A whole-payload
// body is
//
//	body    = 0x00 ‖ E
//	E       = brotli(payload) when the envelope's tag 9 is "br", payload otherwise
//	payload = count u16 ‖ (len u32 ‖ tx[len])·count        count ≥ 1, every len ≥ 1
//
// Integers are big-endian. A tx is opaque here (the tx codec decodes it later; its
// failures are per tx). Decoding is all or nothing: an invalid brotli stream, bytes
// after the brotli stream, a decoded size above MaxPayloadBytes, a truncated field or
// bytes after the count-th tx discard the whole payload with one reason. Decompression
// stops after MaxPayloadBytes + 1 bytes of output, so a brotli bomb costs at most that.
//
// A brotli stream that decodes past the cap and one that is invalid share one reason
// (payload_brotli) on purpose: which of the two a decoder notices first depends on how
// much output it buffers before reporting an error, and reasons are consensus.

// Reasons 50–59: payload decoding (rules P-*).
const (
	// ReasonPayloadBrotli: E under "br" is not exactly one valid brotli stream that
	// decodes to at most MaxPayloadBytes bytes (corrupt, truncated, followed by more
	// bytes, or decoding past the cap: a brotli bomb).
	ReasonPayloadBrotli Reason = 50
	// ReasonPayloadTooLarge: a plain E is longer than MaxPayloadBytes.
	ReasonPayloadTooLarge Reason = 51
	// ReasonPayloadTruncated: the payload ends inside count, a length or a tx.
	ReasonPayloadTruncated Reason = 52
	// ReasonPayloadTrailing: bytes follow the count-th tx.
	ReasonPayloadTrailing Reason = 53
	// ReasonPayloadEmpty: count is 0.
	ReasonPayloadEmpty Reason = 54
	// ReasonPayloadTxEmpty: a tx of length 0.
	ReasonPayloadTxEmpty Reason = 55
)

func init() {
	registerReasons(map[Reason]string{
		ReasonPayloadBrotli:    "payload_brotli",
		ReasonPayloadTooLarge:  "payload_too_large",
		ReasonPayloadTruncated: "payload_truncated",
		ReasonPayloadTrailing:  "payload_trailing",
		ReasonPayloadEmpty:     "payload_empty",
		ReasonPayloadTxEmpty:   "payload_tx_empty",
	})
}

// Payload error kinds.
const (
	// ErrPayload is the kind of every payload encoding and decoding error.
	ErrPayload ErrorKind = "ErrPayload"
	// ErrPayloadCap marks (besides ErrPayload) a brotli stream that decodes past
	// MaxPayloadBytes; its consensus reason is still ReasonPayloadBrotli.
	ErrPayloadCap ErrorKind = "ErrPayloadCap"
)

// Payload sizes.
const (
	payloadCountLen = 2
	payloadLenLen   = 4
	// MaxPayloadTxs is the most txs one payload can hold (count is a u16).
	MaxPayloadTxs = 1<<16 - 1
)

// Brotli encoder defaults (not consensus: any valid stream decodes the same).
const (
	// DefaultBrotliQuality is quality 9: about 10× faster than 11 and under 1% larger
	// on tx-like data (DECISIONS C9).
	DefaultBrotliQuality = 9
	// DefaultBrotliLGWin is a 4 MiB window, as large as a payload can be.
	DefaultBrotliLGWin = 22
)

// PayloadOptions configures EncodePayloadOpts.
type PayloadOptions struct {
	// Compress tries brotli and keeps it only when it makes E strictly smaller.
	Compress bool
	// Quality is the brotli quality, 1–11; 0 selects DefaultBrotliQuality.
	Quality int
	// LGWin is the brotli window log, 10–24; 0 selects DefaultBrotliLGWin.
	LGWin int
}

// EnsureDefaults fills zero fields with their defaults.
func (o *PayloadOptions) EnsureDefaults() {
	if o.Quality == 0 {
		o.Quality = DefaultBrotliQuality
	}
	if o.LGWin == 0 {
		o.LGWin = DefaultBrotliLGWin
	}
}

// Validate checks the options after EnsureDefaults.
func (o *PayloadOptions) Validate() error {
	if o.Quality < 1 || o.Quality > brotli.BestCompression {
		return fmt.Errorf("payload options: brotli quality %d outside 1–11", o.Quality)
	}
	if o.LGWin < 10 || o.LGWin > 24 {
		return fmt.Errorf("payload options: brotli lgwin %d outside 10–24", o.LGWin)
	}
	return nil
}

// EncodePayload returns the raw body 0x00 ‖ E of a payload carrying txs, and the
// encoding for the envelope's tag 9 ("br" when compress is set and brotli made E
// smaller, "" otherwise). For a chunked payload, E is body[1:].
func EncodePayload(txs [][]byte, compress bool) (body []byte, encoding string, err error) {
	return EncodePayloadOpts(txs, PayloadOptions{Compress: compress})
}

// EncodePayloadOpts is EncodePayload with explicit brotli options.
func EncodePayloadOpts(txs [][]byte, opts PayloadOptions) (body []byte, encoding string, err error) {
	opts.EnsureDefaults()
	if err := opts.Validate(); err != nil {
		return nil, "", err
	}
	plain, err := marshalPayload(txs)
	if err != nil {
		return nil, "", err
	}
	if opts.Compress {
		e, err := compressPayload(plain, opts)
		if err != nil {
			return nil, "", err
		}
		if len(e) < len(plain) {
			return append([]byte{BodyKindPayload}, e...), EncodingBrotli, nil
		}
	}
	return append([]byte{BodyKindPayload}, plain...), "", nil
}

// marshalPayload writes the decoded payload layout (rule P-2), refusing what rule P-4
// would reject and payloads over MaxPayloadBytes.
func marshalPayload(txs [][]byte) ([]byte, error) {
	if len(txs) == 0 {
		return nil, ruleError(ErrPayload, "payload: no txs")
	}
	if len(txs) > MaxPayloadTxs {
		return nil, ruleError(ErrPayload, "payload: %d txs, at most %d", len(txs), MaxPayloadTxs)
	}
	size := payloadCountLen
	for i, tx := range txs {
		if len(tx) == 0 {
			return nil, ruleError(ErrPayload, "payload: tx %d is empty", i)
		}
		size += payloadLenLen + len(tx)
		if size > MaxPayloadBytes {
			return nil, ruleError(ErrPayload, "payload: larger than %d bytes", MaxPayloadBytes)
		}
	}
	out := make([]byte, 0, size)
	out = binary.BigEndian.AppendUint16(out, uint16(len(txs)))
	for _, tx := range txs {
		out = binary.BigEndian.AppendUint32(out, uint32(len(tx)))
		out = append(out, tx...)
	}
	return out, nil
}

// compressPayload brotli-compresses plain and checks that it decodes back.
func compressPayload(plain []byte, opts PayloadOptions) ([]byte, error) {
	var buf bytes.Buffer
	w := brotli.NewWriterOptions(&buf, brotli.WriterOptions{Quality: opts.Quality, LGWin: opts.LGWin})
	if _, err := w.Write(plain); err != nil {
		return nil, fmt.Errorf("payload: brotli: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("payload: brotli: %w", err)
	}
	back, reason, err := inflatePayload(buf.Bytes())
	if err != nil || !bytes.Equal(back, plain) {
		return nil, fmt.Errorf("payload: brotli round trip failed (%v): %w", reason, err)
	}
	return buf.Bytes(), nil
}

// DecodePayload decodes E (the body after its kind byte) of a whole payload or of a
// reassembled chunk set under encoding ("" or "br") into its txs (rules P-1 to P-4).
// On failure it returns a nil slice, the one reason and an error of kind ErrPayload
// describing it. The txs alias E (plain) or one fresh buffer (brotli).
func DecodePayload(encoding string, e []byte) ([][]byte, Reason, error) {
	var plain []byte
	switch encoding {
	case "":
		if len(e) > MaxPayloadBytes {
			return nil, ReasonPayloadTooLarge, ruleError(ErrPayload,
				"payload: %d bytes, more than %d", len(e), MaxPayloadBytes)
		}
		plain = e
	case EncodingBrotli:
		var (
			reason Reason
			err    error
		)
		plain, reason, err = inflatePayload(e)
		if err != nil {
			return nil, reason, err
		}
	default:
		return nil, ReasonEncodingUnsupported, ruleError(ErrPayload,
			"payload: unsupported encoding %q", encoding)
	}
	return unmarshalPayload(plain)
}

// inflatePayload decompresses one brotli stream, stopping after MaxPayloadBytes + 1 bytes of
// output: memory stays bounded by the cap plus the decoder's window (≤ 16 MiB).
func inflatePayload(e []byte) ([]byte, Reason, error) {
	r := brotli.NewReader(bytes.NewReader(e))
	out, err := io.ReadAll(io.LimitReader(r, MaxPayloadBytes+1))
	if err != nil {
		return nil, ReasonPayloadBrotli, fmt.Errorf("%w: payload: brotli: %w", ErrPayload, err)
	}
	if len(out) > MaxPayloadBytes {
		return nil, ReasonPayloadBrotli, fmt.Errorf("%w: %w: payload: brotli stream decodes to more than %d bytes",
			ErrPayload, ErrPayloadCap, MaxPayloadBytes)
	}
	// The limit was not hit, so the reader returned io.EOF: the stream ended cleanly
	// and no input follows it (the reader reports excess input as an error).
	return out, ReasonNone, nil
}

// unmarshalPayload splits the decoded payload layout into txs.
func unmarshalPayload(p []byte) ([][]byte, Reason, error) {
	if len(p) < payloadCountLen {
		return nil, ReasonPayloadTruncated, fmt.Errorf("%w: payload: reading count: %w",
			ErrPayload, io.ErrUnexpectedEOF)
	}
	count := int(binary.BigEndian.Uint16(p))
	if count == 0 {
		return nil, ReasonPayloadEmpty, ruleError(ErrPayload, "payload: count is 0")
	}
	p = p[payloadCountLen:]
	// Every tx takes at least 5 bytes: cap the slice by what is left, not by count.
	txs := make([][]byte, 0, min(count, len(p)/(payloadLenLen+1)))
	for i := range count {
		if len(p) < payloadLenLen {
			return nil, ReasonPayloadTruncated, fmt.Errorf("%w: payload: reading tx %d length: %w",
				ErrPayload, i, io.ErrUnexpectedEOF)
		}
		n := binary.BigEndian.Uint32(p)
		p = p[payloadLenLen:]
		if n == 0 {
			return nil, ReasonPayloadTxEmpty, ruleError(ErrPayload, "payload: tx %d is empty", i)
		}
		if uint64(n) > uint64(len(p)) {
			return nil, ReasonPayloadTruncated, fmt.Errorf("%w: payload: reading tx %d (%d bytes): %w",
				ErrPayload, i, n, io.ErrUnexpectedEOF)
		}
		txs, p = append(txs, p[:n:n]), p[n:]
	}
	if len(p) != 0 {
		return nil, ReasonPayloadTrailing, ruleError(ErrPayload,
			"payload: %d bytes after the last tx", len(p))
	}
	return txs, ReasonNone, nil
}
