package bitai

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// ID is a 248-bit object id stored in 32 bytes whose first byte is zero, read as one
// big-endian BN254 field element (rule N-9, DECISIONS B4). Eternals, models, chains,
// requests, deposits, messages and circuits are named by IDs.
type ID [32]byte

// Valid reports whether the id's top byte is zero.
func (id ID) Valid() bool { return id[0] == 0 }

// String returns the id as 64 hex digits.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// ParseID parses 64 hex digits into a valid ID.
func ParseID(s string) (ID, error) {
	var id ID
	b, err := hex.DecodeString(s)
	if err != nil {
		return id, fmt.Errorf("id: %w", err)
	}
	if len(b) != len(id) {
		return id, fmt.Errorf("id: %d bytes, want 32", len(b))
	}
	copy(id[:], b)
	if !id.Valid() {
		return ID{}, ruleError(ErrBadObjectID, "id: top byte 0x%02x is not zero", id[0])
	}
	return id, nil
}

// truncateID keeps the first 31 bytes of h behind a zero byte (rule N-9).
func truncateID(h [32]byte) ID {
	var id ID
	copy(id[1:], h[:31])
	return id
}

// Tags of the BIP340 tagged hashes of bitai (rules N-3, N-4, N-9, N-10, T-10, T-11).
const (
	TagDeployment = "BitAI/deployment"
	TagAlloc      = "BitAI/alloc"
	TagID         = "BitAI/id"
	TagCircuit    = "BitAI/circuit"
	TagTxID       = "BitAI/txid"
	TagSig        = "BitAI/sig"
)

// ObjectID returns the id of the i-th object a tx creates (rule N-9):
//
//	ObjectID(txid, i) = 0x00 ‖ TaggedHash("BitAI/id", txid [32] ‖ i u32)[0:31]
//
// Every creating kind (ModelRegister, EternalMint, Infer, ChainRegister,
// ChainDeposit, ChainMessage) uses i = 0.
func ObjectID(txid [32]byte, i uint32) ID {
	var ib [4]byte
	binary.BigEndian.PutUint32(ib[:], i)
	return truncateID(taggedHash(TagID, txid[:], ib[:]))
}

// CircuitID returns the id of a circuit descriptor (rule N-10, DECISIONS B11):
//
//	CircuitID(descriptor) = 0x00 ‖ TaggedHash("BitAI/circuit", descriptor)[0:31]
//
// The descriptor's layout belongs to the prover issue.
func CircuitID(descriptor []byte) ID {
	return truncateID(taggedHash(TagCircuit, descriptor))
}
