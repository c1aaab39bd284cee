package bitai

import (
	"bytes"
	"encoding/binary"

	"github.com/btcsuite/btcd/txscript/v2"
)

// The BitAI envelope template (docs/protocol.md rules E-2 to E-5). A BitAI reveal's
// tapscript is exactly, byte for byte:
//
//	script = 0x20 ‖ inscriber[32] ‖ 0xac                   <inscriber> OP_CHECKSIG
//	       ‖ 0x00 ‖ 0x63                                   OP_FALSE OP_IF
//	       ‖ 0x03 ‖ "ord"                                  protocol id
//	       ‖ 0x01 0x01 ‖ 0x18 ‖ "application/vnd.bitai.v1"  tag 1, content type
//	       [‖ 0x01 0x09 ‖ 0x02 ‖ "br"]                     tag 9, only when E is brotli
//	       ‖ 0x01 0x07 ‖ 0x05 ‖ "bitai"                    tag 7, metaprotocol
//	       ‖ 0x00                                          body separator
//	       ‖ push(body[0:520]) ‖ push(body[520:1040]) ‖ …  every push 520 bytes but the last (1–520)
//	       ‖ 0x68                                          OP_ENDIF, the script's last byte
//
//	push(d) = len(d) ≤ 75:  len u8 ‖ d              (OP_PUSHBYTES_n)
//	          76 … 255:     0x4c ‖ len u8 ‖ d       (OP_PUSHDATA1)
//	          256 … 520:    0x4d ‖ len u16 LE ‖ d   (OP_PUSHDATA2)
//
// Tags come in the order ord's own builder writes them (1, 9, 7), each as a one-byte
// push, so an ord-derived builder emits this script unchanged. A one-byte push is never
// written as OP_1…OP_16 or OP_1NEGATE (ord would set its pushnum flag, and the byte
// would be lost to a reader of push data). btcd's ScriptBuilder refuses scripts over
// 10,000 bytes, so the script is written with raw opcodes.

// Template sizes.
const (
	tmplKeyPushLen  = 1 + 32 + 1 // 0x20 ‖ key ‖ OP_CHECKSIG
	tmplOrdOpenLen  = 2 + 4      // OP_FALSE OP_IF ‖ push "ord"
	tmplMaxBodyPush = MaxScriptElementSize
)

var (
	// tmplOrdOpen is OP_FALSE OP_IF <"ord">.
	tmplOrdOpen = []byte{txscript.OP_FALSE, txscript.OP_IF, 0x03, 'o', 'r', 'd'}
	// tmplContentType is tag 1 and BitAI's content type as one push.
	tmplContentType = append([]byte{0x01, 0x01, byte(len(ContentType))}, ContentType...)
	// tmplEncodingBr is tag 9 and "br".
	tmplEncodingBr = append([]byte{0x01, 0x09, byte(len(EncodingBrotli))}, EncodingBrotli...)
	// tmplEncoding is the prefix of any tag-9 field pushed as ord's builder pushes tags.
	tmplEncoding = []byte{0x01, 0x09}
	// tmplMetaprotocol is tag 7 and BitAI's metaprotocol as one push.
	tmplMetaprotocol = append([]byte{0x01, 0x07, byte(len(Metaprotocol))}, Metaprotocol...)
)

// ErrTemplate is the kind of error EnvelopeScript returns for arguments the template
// cannot carry (an unknown encoding or an empty body).
const ErrTemplate ErrorKind = "ErrTemplate"

// EnvelopeScript returns the BitAI tapscript carrying body (the raw body, kind byte
// included) for the inscriber key. encoding is "" (plain) or "br" (brotli).
func EnvelopeScript(inscriber [32]byte, encoding string, body []byte) ([]byte, error) {
	if err := checkEncoding(encoding); err != nil {
		return nil, err
	}
	if len(body) == 0 {
		return nil, ruleError(ErrTemplate, "envelope: empty body")
	}
	script := make([]byte, 0, EnvelopeScriptLen(encoding, len(body)))
	script = append(script, 0x20)
	script = append(script, inscriber[:]...)
	script = append(script, txscript.OP_CHECKSIG)
	script = append(script, tmplOrdOpen...)
	script = append(script, tmplContentType...)
	if encoding == EncodingBrotli {
		script = append(script, tmplEncodingBr...)
	}
	script = append(script, tmplMetaprotocol...)
	script = append(script, txscript.OP_0)
	for off := 0; off < len(body); off += tmplMaxBodyPush {
		script = appendBodyPush(script, body[off:min(off+tmplMaxBodyPush, len(body))])
	}
	return append(script, txscript.OP_ENDIF), nil
}

// EnvelopeScriptLen is len(EnvelopeScript(k, encoding, body)) for a body of bodyLen
// bytes (bodyLen ≥ 1, encoding valid), computed without building the script.
func EnvelopeScriptLen(encoding string, bodyLen int) int {
	n := tmplKeyPushLen + tmplOrdOpenLen + len(tmplContentType) + len(tmplMetaprotocol) + 1 + 1
	if encoding == EncodingBrotli {
		n += len(tmplEncodingBr)
	}
	full, rest := bodyLen/tmplMaxBodyPush, bodyLen%tmplMaxBodyPush
	n += full * (3 + tmplMaxBodyPush)
	if rest > 0 {
		n += pushOverhead(rest) + rest
	}
	return n
}

// pushOverhead is the opcode and length bytes before a body push of n bytes (1–520).
func pushOverhead(n int) int {
	switch {
	case n < txscript.OP_PUSHDATA1:
		return 1
	case n <= 0xff:
		return 2
	default:
		return 3
	}
}

// appendBodyPush appends the push of d (1–520 bytes) by the template's push rule.
func appendBodyPush(script, d []byte) []byte {
	n := len(d)
	switch pushOverhead(n) {
	case 1:
		script = append(script, byte(n))
	case 2:
		script = append(script, txscript.OP_PUSHDATA1, byte(n))
	default:
		script = append(script, txscript.OP_PUSHDATA2, byte(n), byte(n>>8))
	}
	return append(script, d...)
}

// checkEncoding accepts the two encodings a BitAI envelope may carry.
func checkEncoding(encoding string) error {
	if encoding != "" && encoding != EncodingBrotli {
		return ruleError(ErrTemplate, "envelope: unsupported encoding %q", encoding)
	}
	return nil
}

// MatchTemplate matches script against the BitAI template byte for byte (rules E-2 to
// E-5). On a match it returns the inscriber key, the encoding ("" or "br"), the body
// (the concatenated body pushes, a fresh slice) and ReasonNone; otherwise the reason
// of the first mismatch, reading the script from its start.
func MatchTemplate(script []byte) (inscriber [32]byte, encoding string, body []byte, reason Reason) {
	s := script
	if len(s) < tmplKeyPushLen || s[0] != 0x20 || s[tmplKeyPushLen-1] != txscript.OP_CHECKSIG ||
		!bytes.HasPrefix(s[tmplKeyPushLen:], tmplOrdOpen) {
		return inscriber, "", nil, ReasonTemplatePrefix
	}
	copy(inscriber[:], s[1:33])
	s = s[tmplKeyPushLen+tmplOrdOpenLen:]

	if !bytes.HasPrefix(s, tmplContentType) {
		return inscriber, "", nil, ReasonTemplateContentType
	}
	s = s[len(tmplContentType):]
	if bytes.HasPrefix(s, tmplEncoding) {
		if !bytes.HasPrefix(s, tmplEncodingBr) {
			return inscriber, "", nil, ReasonEncodingUnsupported
		}
		encoding = EncodingBrotli
		s = s[len(tmplEncodingBr):]
	}
	if !bytes.HasPrefix(s, tmplMetaprotocol) {
		return inscriber, "", nil, ReasonTemplateMetaprotocol
	}
	s = s[len(tmplMetaprotocol):]
	if len(s) == 0 || s[0] != txscript.OP_0 {
		return inscriber, "", nil, ReasonTemplateField
	}
	body, reason = matchBody(s[1:])
	if reason != ReasonNone {
		return inscriber, "", nil, reason
	}
	return inscriber, encoding, body, ReasonNone
}

// matchBody reads the body pushes and the closing OP_ENDIF (rules E-4 and E-5) from s,
// the script after the body separator.
func matchBody(s []byte) ([]byte, Reason) {
	if len(s) > 0 && s[0] == txscript.OP_ENDIF {
		return nil, ReasonBodyEmpty
	}
	body := make([]byte, 0, len(s))
	for {
		if len(s) == 0 {
			return nil, ReasonTemplateEnd
		}
		n, hdr, ok := readBodyPush(s)
		if !ok {
			return nil, ReasonBodyPush
		}
		body = append(body, s[hdr:hdr+n]...)
		s = s[hdr+n:]
		if len(s) > 0 && s[0] == txscript.OP_ENDIF {
			break
		}
		if n < tmplMaxBodyPush { // a push shorter than 520 bytes must be the last one
			if len(s) == 0 {
				return nil, ReasonTemplateEnd
			}
			return nil, ReasonBodyPush
		}
	}
	if len(s) != 1 { // OP_ENDIF must be the script's last byte
		return nil, ReasonTemplateEnd
	}
	return body, ReasonNone
}

// readBodyPush decodes one canonical body push at the start of s: it returns the data
// length, the header length, and false when s does not start with a push that the
// template's push rule writes, or the push runs past the end of s.
func readBodyPush(s []byte) (n, hdr int, ok bool) {
	if len(s) == 0 {
		return 0, 0, false
	}
	switch op := s[0]; {
	case op >= 1 && op < txscript.OP_PUSHDATA1:
		n, hdr = int(op), 1
	case op == txscript.OP_PUSHDATA1 && len(s) >= 2:
		n, hdr = int(s[1]), 2
	case op == txscript.OP_PUSHDATA2 && len(s) >= 3:
		n, hdr = int(binary.LittleEndian.Uint16(s[1:3])), 3
	default:
		return 0, 0, false
	}
	if n == 0 || n > tmplMaxBodyPush || pushOverhead(n) != hdr || len(s)-hdr < n {
		return 0, 0, false
	}
	return n, hdr, true
}
