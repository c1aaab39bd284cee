package bitai

// Consensus constants shared by every deployment (docs/protocol.md, "Constants").
// Changing any of them before mainnet activation bumps ProtocolVersion (rule A11).
const (
	// ProtocolVersion is hashed into every deploymentID, so datadirs and
	// transactions of an older protocol are refused rather than misread.
	// Version 2 (issue 6): SubmitBatch and Exit settle instead of failing
	// "unsupported", ChainMessage ops are checked on arrival, ChainRegister
	// stores the genesis root and needs a valid treasury and the longer reveal
	// window (rules S-16, S-23 to S-26, T-16).
	ProtocolVersion uint8 = 2

	// MaxPayloadBytes caps a decoded payload (after brotli) and a reassembled chunk set.
	MaxPayloadBytes = 4 << 20

	// ChunkWindowBlocks is how many blocks after its set's first chunk a chunk may come.
	ChunkWindowBlocks = 6

	// MaxPendingChunkBytesPerKey caps the encoded bytes of incomplete chunk sets held
	// for one inscriber key.
	MaxPendingChunkBytesPerKey = 2 * MaxPayloadBytes

	// MaxExpiryDistance is how far above its inclusion height a tx's expiry may be.
	MaxExpiryDistance = 1008

	// SubmitWindow, EscapeBlocks, UpdateDelay and FreezeBlocks are the AI-chain
	// settlement windows of DESIGN.md §3.2 (docs/protocol.md: S-17, S-25, S-26, ChainUpdate).
	SubmitWindow = 144
	EscapeBlocks = 1008
	UpdateDelay  = 4032
	FreezeBlocks = 2016
)

// Envelope constants (docs/protocol.md, "Envelope").
const (
	// ContentType is the content type (ord tag 1) of every BitAI envelope.
	ContentType = "application/vnd.bitai.v1"
	// Metaprotocol is the metaprotocol (ord tag 7) of every BitAI envelope.
	Metaprotocol = "bitai"
	// EncodingBrotli is the only content encoding (ord tag 9) BitAI accepts.
	EncodingBrotli = "br"
	// MaxScriptElementSize is Bitcoin's largest push, and BitAI's body push size.
	MaxScriptElementSize = 520
	// MaxStandardTxWeight is Bitcoin Core's and btcd's standardness weight limit.
	MaxStandardTxWeight = 400_000
)

// Body kinds: the first byte of an envelope body, outside any compression.
const (
	BodyKindPayload byte = 0x00
	BodyKindChunk   byte = 0x01
)
