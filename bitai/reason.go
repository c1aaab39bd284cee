package bitai

import "strconv"

// Reason is a frozen numeric code recorded whenever a candidate (an envelope with
// BitAI's content type or metaprotocol, a chunk, a payload, a burn output or a tx) is
// ignored, skipped or fails. Codes are consensus: they enter event hashes (never
// error strings), so a code's number and meaning never change once assigned; new
// reasons take new numbers.
//
// Ranges (each file that defines reasons owns its range):
//
//	    0        ReasonNone
//	  1 –  49    envelope and acceptance predicate (accept.go)
//	 50 –  79    payload decoding and chunk framing/reassembly (payload.go, chunk.go)
//	 80 –  99    proof of burn (burn.go)
//	100 – 149    transaction decoding and authentication failures (tx*.go)
//	150 – 299    execution failures (reserved for statemachine)
type Reason uint16

// ReasonNone means nothing went wrong.
const ReasonNone Reason = 0

// reasonNames maps each code to a stable snake_case name for logs and JSON. It is
// filled by init functions beside each range's constants and only read afterwards.
var reasonNames = map[Reason]string{ReasonNone: "none"}

// registerReasons adds names for a range of codes; a duplicate code panics at init,
// so two files can never claim one number.
func registerReasons(names map[Reason]string) {
	for r, n := range names {
		if _, dup := reasonNames[r]; dup {
			panic("bitai: duplicate reason code " + strconv.Itoa(int(r)))
		}
		reasonNames[r] = n
	}
}

// String returns the reason's stable name, or "reason_<n>" for an unknown code.
func (r Reason) String() string {
	if n, ok := reasonNames[r]; ok {
		return n
	}
	return "reason_" + strconv.Itoa(int(r))
}
