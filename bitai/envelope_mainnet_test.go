package bitai

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"testing"

	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

// mainnetInscriptionsPath is shared/testdata beside the checkout (testdata/README.md).
const mainnetInscriptionsPath = "../../shared/testdata/mainnet-inscriptions.json"

// mainnetTx is one transaction of mainnet-inscriptions.json.
type mainnetTx struct {
	Txid   string            `json:"txid"`
	Hex    string            `json:"hex"`
	Expect []mainnetEnvelope `json:"expect"`
}

// mainnetEnvelope is one expected envelope; nullable fields are pointers.
type mainnetEnvelope struct {
	InscriptionID         string   `json:"inscription_id"`
	Input                 int      `json:"input"`
	Offset                int      `json:"offset"`
	ContentType           *string  `json:"content_type"`
	BodySha256            *string  `json:"body_sha256"`
	BodyLen               *int     `json:"body_len"`
	BodyPushes            *int     `json:"body_pushes"`
	ContentEncoding       *string  `json:"content_encoding"`
	Metaprotocol          *string  `json:"metaprotocol"`
	Pointer               *uint64  `json:"pointer"`
	PointerHex            *string  `json:"pointer_hex"`
	Parents               []string `json:"parents"`
	Delegate              *string  `json:"delegate"`
	MetadataLen           *int     `json:"metadata_len"`
	MetadataSha256        *string  `json:"metadata_sha256"`
	UnknownTagsHex        []string `json:"unknown_tags_hex"`
	DuplicateField        bool     `json:"duplicate_field"`
	IncompleteField       bool     `json:"incomplete_field"`
	UnrecognizedEvenField bool     `json:"unrecognized_even_field"`
	Pushnum               bool     `json:"pushnum"`
	Stutter               bool     `json:"stutter"`
}

// TestEnvelopeMainnet parses the 8 real reveal transactions (107 envelopes) of
// shared/testdata and checks every envelope against the file. Bodies are only
// hashed, never decompressed (08770f28… is a brotli bomb).
func TestEnvelopeMainnet(t *testing.T) {
	raw, err := os.ReadFile(mainnetInscriptionsPath)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("skipping: %s not found (shared/testdata sits beside the checkout in CI)", mainnetInscriptionsPath)
	}
	require.NoError(t, err)
	var txs []mainnetTx
	require.NoError(t, json.Unmarshal(raw, &txs))
	require.Len(t, txs, 8)

	total := 0
	for _, want := range txs {
		t.Run(want.Txid[:8], func(t *testing.T) {
			b, err := hex.DecodeString(want.Hex)
			require.NoError(t, err)
			var tx wire.MsgTx
			require.NoError(t, tx.Deserialize(bytes.NewReader(b)))
			require.Equal(t, want.Txid, tx.TxHash().String(), "txid recomputed from the hex")

			envs := ParseEnvelopes(&tx)
			checkEnvelopeInvariants(t, &tx, envs)
			require.Len(t, envs, len(want.Expect))
			for i, w := range want.Expect {
				checkMainnetEnvelope(t, tx.TxHash().String(), i, envs[i], w)
			}
		})
		total += len(want.Expect)
	}
	require.Equal(t, 107, total)
}

func checkMainnetEnvelope(t *testing.T, txid string, index int, e Envelope, w mainnetEnvelope) {
	t.Helper()
	ins := e.Inscription
	id := InscriptionID{Index: uint32(index)}
	copy(id.Txid[:], mustTxidBytes(t, txid))
	require.Equal(t, w.InscriptionID, id.String())
	require.Equal(t, w.Input, e.Input, w.InscriptionID)
	require.Equal(t, w.Offset, e.Offset, w.InscriptionID)
	require.Equal(t, w.ContentType, envOpt(ins.ContentType, ins.HasContentType), w.InscriptionID)
	require.Equal(t, w.ContentEncoding, envOpt(ins.ContentEncoding, ins.HasContentEncoding), w.InscriptionID)
	require.Equal(t, w.Metaprotocol, envOpt(ins.Metaprotocol, ins.HasMetaprotocol), w.InscriptionID)

	require.Equal(t, w.BodyLen != nil, ins.HasBody, w.InscriptionID)
	if ins.HasBody {
		sum := sha256.Sum256(ins.Body)
		require.Equal(t, *w.BodyLen, len(ins.Body), w.InscriptionID)
		require.Equal(t, *w.BodySha256, hex.EncodeToString(sum[:]), w.InscriptionID)
		require.Equal(t, *w.BodyPushes, len(e.Payload)-bodySeparator(e.Payload)-1, w.InscriptionID)
	}

	require.Equal(t, w.PointerHex != nil, ins.HasPointer, w.InscriptionID)
	if ins.HasPointer {
		require.Equal(t, *w.PointerHex, hex.EncodeToString(ins.PointerRaw), w.InscriptionID)
	}
	require.Equal(t, w.Pointer, ins.Pointer, w.InscriptionID)

	var parents []string
	for _, p := range ins.ParentIDs() {
		parents = append(parents, p.String())
	}
	require.Len(t, ins.Parents, len(w.Parents), w.InscriptionID)
	if len(w.Parents) > 0 {
		require.Equal(t, w.Parents, parents, w.InscriptionID)
	}
	require.Equal(t, w.Delegate != nil, ins.HasDelegate, w.InscriptionID)
	if w.Delegate != nil {
		d, ok := ins.DelegateID()
		require.True(t, ok)
		require.Equal(t, *w.Delegate, d.String())
	}

	require.Equal(t, w.MetadataLen != nil, ins.HasMetadata, w.InscriptionID)
	if ins.HasMetadata {
		sum := sha256.Sum256(ins.Metadata)
		require.Equal(t, *w.MetadataLen, len(ins.Metadata), w.InscriptionID)
		require.Equal(t, *w.MetadataSha256, hex.EncodeToString(sum[:]), w.InscriptionID)
	}

	var unknown []string
	for _, tag := range ins.UnrecognizedTags {
		unknown = append(unknown, hex.EncodeToString(tag))
	}
	require.Len(t, unknown, len(w.UnknownTagsHex), w.InscriptionID)
	if len(unknown) > 0 {
		require.Equal(t, w.UnknownTagsHex, unknown, w.InscriptionID)
	}
	require.Equal(t, w.DuplicateField, ins.DuplicateField, w.InscriptionID)
	require.Equal(t, w.IncompleteField, ins.IncompleteField, w.InscriptionID)
	require.Equal(t, w.UnrecognizedEvenField, ins.UnrecognizedEvenField, w.InscriptionID)
	require.Equal(t, w.Pushnum, e.Pushnum, w.InscriptionID)
	require.Equal(t, w.Stutter, e.Stutter, w.InscriptionID)
}

// bodySeparator is the index of the first empty item at an even index, computed
// here independently of the parser.
func bodySeparator(payload [][]byte) int {
	for i := 0; i < len(payload); i += 2 {
		if len(payload[i]) == 0 {
			return i
		}
	}
	return len(payload)
}

// mustTxidBytes turns a displayed txid into internal byte order.
func mustTxidBytes(t *testing.T, txid string) []byte {
	t.Helper()
	b, err := hex.DecodeString(txid)
	require.NoError(t, err)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return b
}
