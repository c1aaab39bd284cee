package bitai

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

// envVecPath is the vector file for rules E-*, P-* and B-*.
var envVecPath = filepath.Join("testdata", "vectors_envelope.json")

// envVecFile is testdata/vectors_envelope.json. Hex is lowercase.
type envVecFile struct {
	Comment         string               `json:"comment"`
	InscriberPriv   string               `json:"inscriberPrivKey"`
	Inscriber       string               `json:"inscriber"`
	Templates       []envVecTemplate     `json:"templates"`
	TemplateRejects []envVecReject       `json:"templateRejects"`
	Payloads        []envVecPayload      `json:"payloads"`
	PayloadRejects  []envVecPayloadBad   `json:"payloadRejects"`
	Chunks          []envVecChunks       `json:"chunks"`
	PendingSets     []envVecPendingSet   `json:"pendingSets"`
	Burns           []envVecBurn         `json:"burns"`
	Commits         []envVecCommitReveal `json:"commitReveals"`
	Reasons         map[string]string    `json:"reasons"`
}

type envVecTemplate struct {
	Name     string `json:"name"`
	Encoding string `json:"encoding"`
	Body     string `json:"body"`
	Script   string `json:"script"`
}

type envVecReject struct {
	Name   string `json:"name"`
	Script string `json:"script"`
	Reason uint16 `json:"reason"`
}

type envVecPayload struct {
	Name     string   `json:"name"`
	Txs      []string `json:"txs"`
	Compress bool     `json:"compress"`
	Encoding string   `json:"encoding"`
	Body     string   `json:"body"`
}

type envVecPayloadBad struct {
	Name     string `json:"name"`
	Encoding string `json:"encoding"`
	E        string `json:"e"`
	Reason   uint16 `json:"reason"`
}

type envVecChunks struct {
	Name         string   `json:"name"`
	Encoding     string   `json:"encoding"`
	E            string   `json:"e"`
	MaxChunkBody int      `json:"maxChunkBody"`
	PayloadHash  string   `json:"payloadHash"`
	Bodies       []string `json:"bodies"`
}

type envVecPendingSet struct {
	Name        string   `json:"name"`
	Inscriber   string   `json:"inscriber"`
	PayloadHash string   `json:"payloadHash"`
	Count       uint16   `json:"count"`
	Encoding    string   `json:"encoding"`
	FirstHeight uint32   `json:"firstHeight"`
	Indexes     []uint16 `json:"indexes"`
	Parts       []string `json:"parts"`
	Binary      string   `json:"binary"`
}

type envVecBurn struct {
	Key    string `json:"key"`
	Script string `json:"script"`
}

type envVecCommitReveal struct {
	Name         string `json:"name"`
	Encoding     string `json:"encoding"`
	Body         string `json:"body"`
	Script       string `json:"script"`
	CommitPk     string `json:"commitPkScript"`
	ControlBlock string `json:"controlBlock"`
	TapRoot      string `json:"tapscriptRoot"`
	CommitTxid   string `json:"commitTxid"`
	CommitValue  int64  `json:"commitValue"`
	RevealOutPk  string `json:"revealOutPkScript"`
	RevealValue  int64  `json:"revealOutValue"`
	Reveal       string `json:"revealTx"`
	RevealWeight int64  `json:"revealWeight"`
}

// envVecHex decodes hex or fails.
func envVecHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// envVecPriv is the vectors' inscriber key.
func envVecPriv(t testing.TB, s string) *btcec.PrivateKey {
	priv, _ := btcec.PrivKeyFromBytes(envVecHex(t, s))
	return priv
}

// envVecReasonNames lists the reason names of this file's ranges (1–99).
func envVecReasonNames() map[string]string {
	out := map[string]string{}
	for r := Reason(1); r < 100; r++ {
		if n := r.String(); n != "reason_"+strconv.Itoa(int(r)) {
			out[strconv.Itoa(int(r))] = n
		}
	}
	return out
}

// TestEnvelopeVectors replays testdata/vectors_envelope.json against the code.
func TestEnvelopeVectors(t *testing.T) {
	raw, err := os.ReadFile(envVecPath)
	require.NoError(t, err)
	var f envVecFile
	require.NoError(t, json.Unmarshal(raw, &f))
	priv := envVecPriv(t, f.InscriberPriv)
	inscriber := rvlXOnly(priv)
	require.Equal(t, f.Inscriber, hex.EncodeToString(inscriber[:]))

	t.Run("templates", func(t *testing.T) {
		require.NotEmpty(t, f.Templates)
		for _, v := range f.Templates {
			got, err := EnvelopeScript(inscriber, v.Encoding, envVecHex(t, v.Body))
			require.NoError(t, err, v.Name)
			require.Equal(t, v.Script, hex.EncodeToString(got), v.Name)
			key, enc, body, reason := MatchTemplate(got)
			require.Equal(t, ReasonNone, reason, v.Name)
			require.Equal(t, inscriber, key)
			require.Equal(t, v.Encoding, enc)
			require.Equal(t, v.Body, hex.EncodeToString(body))
		}
		require.NotEmpty(t, f.TemplateRejects)
		for _, v := range f.TemplateRejects {
			_, _, _, reason := MatchTemplate(envVecHex(t, v.Script))
			require.Equal(t, Reason(v.Reason), reason, v.Name)
		}
	})
	t.Run("payloads", func(t *testing.T) {
		for _, v := range f.Payloads {
			var txs [][]byte
			for _, tx := range v.Txs {
				txs = append(txs, envVecHex(t, tx))
			}
			body, enc, err := EncodePayload(txs, v.Compress)
			require.NoError(t, err, v.Name)
			require.Equal(t, v.Encoding, enc, v.Name)
			require.Equal(t, v.Body, hex.EncodeToString(body), v.Name)
			back, reason, err := DecodePayload(enc, body[1:])
			require.NoError(t, err)
			require.Equal(t, ReasonNone, reason)
			require.Equal(t, txs, back)
		}
		for _, v := range f.PayloadRejects {
			_, reason, err := DecodePayload(v.Encoding, envVecHex(t, v.E))
			require.Error(t, err, v.Name)
			require.Equal(t, Reason(v.Reason), reason, v.Name)
		}
	})
	t.Run("chunks", func(t *testing.T) {
		for _, v := range f.Chunks {
			e := envVecHex(t, v.E)
			hash := sha256.Sum256(e)
			require.Equal(t, v.PayloadHash, hex.EncodeToString(hash[:]))
			bodies, err := SplitChunks(v.Encoding, e, v.MaxChunkBody)
			require.NoError(t, err, v.Name)
			require.Len(t, bodies, len(v.Bodies))
			for i, b := range bodies {
				require.Equal(t, v.Bodies[i], hex.EncodeToString(b), v.Name)
			}
		}
		for _, v := range f.PendingSets {
			s := PendingSet{Inscriber: [32]byte(envVecHex(t, v.Inscriber)), PayloadHash: [32]byte(envVecHex(t, v.PayloadHash)),
				Count: v.Count, Encoding: v.Encoding, FirstHeight: v.FirstHeight}
			for i, idx := range v.Indexes {
				s.Parts = append(s.Parts, ChunkPart{Index: idx, Bytes: envVecHex(t, v.Parts[i])})
			}
			got, err := s.MarshalBinary()
			require.NoError(t, err)
			require.Equal(t, v.Binary, hex.EncodeToString(got), v.Name)
			var back PendingSet
			require.NoError(t, back.UnmarshalBinary(got))
			require.Equal(t, s, back)
		}
	})
	t.Run("burns", func(t *testing.T) {
		require.NotEmpty(t, f.Burns)
		for _, v := range f.Burns {
			require.Equal(t, v.Script, hex.EncodeToString(BurnScript([32]byte(envVecHex(t, v.Key)))))
		}
	})
	t.Run("commit and reveal", func(t *testing.T) {
		require.NotEmpty(t, f.Commits)
		for _, v := range f.Commits {
			script, err := EnvelopeScript(inscriber, v.Encoding, envVecHex(t, v.Body))
			require.NoError(t, err)
			require.Equal(t, v.Script, hex.EncodeToString(script))
			pk, cb, err := CommitOutput(priv.PubKey(), script)
			require.NoError(t, err)
			require.Equal(t, v.CommitPk, hex.EncodeToString(pk), v.Name)
			require.Equal(t, v.ControlBlock, hex.EncodeToString(cb), v.Name)
			root := TapscriptRoot(script)
			require.Equal(t, v.TapRoot, hex.EncodeToString(root[:]))
			txid, err := chainhash.NewHashFromStr(v.CommitTxid)
			require.NoError(t, err)
			out := wire.NewTxOut(v.RevealValue, envVecHex(t, v.RevealOutPk))
			reveal := RevealSkeleton(wire.OutPoint{Hash: *txid, Index: 0}, out)
			require.NoError(t, SignReveal(reveal, 0, txscript.NewCannedPrevOutputFetcher(pk, v.CommitValue), script, cb, priv))
			var buf bytes.Buffer
			require.NoError(t, reveal.Serialize(&buf))
			require.Equal(t, v.Reveal, hex.EncodeToString(buf.Bytes()), v.Name)
			require.Equal(t, v.RevealWeight, RevealWeight(len(script), out))
			require.Equal(t, v.RevealWeight, rvlWeight(reveal))
			rvlExecute(t, reveal, 0, wire.NewTxOut(v.CommitValue, pk))
			cands := AcceptTx(reveal)
			require.Len(t, cands, 1)
			require.Equal(t, ReasonNone, cands[0].Reason)
		}
	})
	t.Run("reasons", func(t *testing.T) {
		require.Equal(t, f.Reasons, envVecReasonNames())
	})
}
