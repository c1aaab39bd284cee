package bitai

// Reasons 1–49: the envelope template and the acceptance predicate (docs/protocol.md
// rules E-*). A BitAI candidate whose input fails the predicate is ignored and recorded
// with exactly one of these: the first rule it breaks, in the order of rule E-6.
const (
	// ReasonControlBlock: the input's last witness element (after any annex) is not a
	// taproot control block of 33 + 32·m bytes, m ≤ 128.
	ReasonControlBlock Reason = 1
	// ReasonLeafVersion: the control block's leaf version is not 0xc0 (tapscript).
	ReasonLeafVersion Reason = 2
	// ReasonTemplatePrefix: the script does not start with
	// 0x20 <key> OP_CHECKSIG OP_FALSE OP_IF 0x03 "ord".
	ReasonTemplatePrefix Reason = 3
	// ReasonTemplateContentType: tag 1 with BitAI's content type does not follow "ord".
	ReasonTemplateContentType Reason = 4
	// ReasonEncodingUnsupported: a tag 9 (content encoding) other than exactly "br".
	ReasonEncodingUnsupported Reason = 5
	// ReasonTemplateMetaprotocol: tag 7 with BitAI's metaprotocol is not next.
	ReasonTemplateMetaprotocol Reason = 6
	// ReasonTemplateField: anything but the body separator OP_0 after tag 7 (another
	// field, a repeated field, a missing body).
	ReasonTemplateField Reason = 7
	// ReasonBodyEmpty: the body separator is followed directly by OP_ENDIF.
	ReasonBodyEmpty Reason = 8
	// ReasonBodyPush: a body push that the template's push rule does not write (wrong
	// opcode for its length, OP_1…OP_16, an empty push, a push past the script's end)
	// or a push shorter than 520 bytes that is not the last one.
	ReasonBodyPush Reason = 9
	// ReasonTemplateEnd: the script ends without OP_ENDIF after the body, or has bytes
	// after it.
	ReasonTemplateEnd Reason = 10
	// ReasonBodyKind: the body's first byte is neither 0x00 (payload) nor 0x01 (chunk).
	ReasonBodyKind Reason = 11
)

func init() {
	registerReasons(map[Reason]string{
		ReasonControlBlock:         "control_block_malformed",
		ReasonLeafVersion:          "leaf_version",
		ReasonTemplatePrefix:       "template_prefix",
		ReasonTemplateContentType:  "template_content_type",
		ReasonEncodingUnsupported:  "encoding_unsupported",
		ReasonTemplateMetaprotocol: "template_metaprotocol",
		ReasonTemplateField:        "template_field",
		ReasonBodyEmpty:            "body_empty",
		ReasonBodyPush:             "body_push",
		ReasonTemplateEnd:          "template_end",
		ReasonBodyKind:             "body_kind",
	})
}
