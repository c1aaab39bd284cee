//go:build gen_test_vectors

package bitai

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

// TestGenerateEnvelopeVectors writes testdata/vectors_envelope.json and the seed
// corpora of this part's fuzz targets. Run:
//
//	go test -tags gen_test_vectors -run TestGenerateEnvelopeVectors ./bitai
func TestGenerateEnvelopeVectors(t *testing.T) {
	privBytes := sha256.Sum256([]byte("bitai/vectors/inscriber"))
	priv, _ := btcec.PrivKeyFromBytes(privBytes[:])
	inscriber := rvlXOnly(priv)
	f := envVecFile{
		Comment: "BitAI envelope template, payload, chunk, pending-set, burn and commit/reveal vectors " +
			"(docs/protocol.md E-, P- and B- rules); written by TestGenerateEnvelopeVectors, checked by " +
			"TestEnvelopeVectors. Hex is lowercase; inscriberPrivKey = sha256(\"bitai/vectors/inscriber\").",
		InscriberPriv: hex.EncodeToString(privBytes[:]),
		Inscriber:     hex.EncodeToString(inscriber[:]),
		Reasons:       envVecReasonNames(),
	}
	payloadBody := []byte{0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0xaa}
	for _, v := range []struct {
		name, enc string
		body      []byte
	}{
		{"kind byte only", "", []byte{0x00}},
		{"one-tx payload, plain", "", payloadBody},
		{"brotli payload body", "br", []byte{0x00, 0x0b, 0x00, 0x80}},
		{"100-byte body: PUSHDATA1", "", tplBody(100)},
		{"300-byte body: PUSHDATA2", "br", tplBody(300)},
		{"521-byte body: 520 + 1", "", tplBody(521)},
	} {
		s, err := EnvelopeScript(inscriber, v.enc, v.body)
		require.NoError(t, err)
		f.Templates = append(f.Templates, envVecTemplate{Name: v.name, Encoding: v.enc,
			Body: hex.EncodeToString(v.body), Script: hex.EncodeToString(s)})
	}
	good, err := EnvelopeScript(inscriber, "", payloadBody)
	require.NoError(t, err)
	tail := len(good) - len(payloadBody) - 2 // index of the body push
	rejects := []struct {
		name   string
		script []byte
	}{
		{"tag order 1, 7, 9", bytes.Replace(good, tmplMetaprotocol, append(bytes.Clone(tmplMetaprotocol), tmplEncodingBr...), 1)},
		{"encoding gzip", bytes.Replace(good, tmplMetaprotocol, append([]byte{0x01, 0x09, 0x04, 'g', 'z', 'i', 'p'}, tmplMetaprotocol...), 1)},
		{"one-byte body as OP_1", append(bytes.Clone(good[:tail]), 0x51, 0x68)},
		{"8-byte body by PUSHDATA1", append(append(append(bytes.Clone(good[:tail]), 0x4c, 0x08), payloadBody...), 0x68)},
		{"empty body", append(bytes.Clone(good[:tail]), 0x68)},
		{"OP_TRUE after OP_ENDIF", append(bytes.Clone(good), 0x51)},
		{"OP_CHECKSIGVERIFY", append(append(bytes.Clone(good[:33]), 0xad), good[34:]...)},
	}
	for _, r := range rejects {
		_, _, _, reason := MatchTemplate(r.script)
		require.NotEqual(t, ReasonNone, reason, r.name)
		f.TemplateRejects = append(f.TemplateRejects, envVecReject{Name: r.name, Script: hex.EncodeToString(r.script),
			Reason: uint16(reason)})
	}

	for _, v := range []struct {
		name     string
		txs      [][]byte
		compress bool
	}{
		{"two txs, plain", [][]byte{{0xaa}, {0xbb, 0xcc}}, false},
		{"compressible, brotli q9", [][]byte{payTx(400, 1), payTx(300, 2)}, true},
		{"incompressible, compression declined", [][]byte{payRandom(64, 3)}, true},
	} {
		body, enc, err := EncodePayload(v.txs, v.compress)
		require.NoError(t, err)
		pv := envVecPayload{Name: v.name, Compress: v.compress, Encoding: enc, Body: hex.EncodeToString(body)}
		for _, tx := range v.txs {
			pv.Txs = append(pv.Txs, hex.EncodeToString(tx))
		}
		f.Payloads = append(f.Payloads, pv)
	}
	okBr := payBrotli(t, []byte{0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0xaa})
	for _, v := range []struct{ name, enc, e string }{
		{"count 0", "", "0000"},
		{"empty tx", "", "000100000000"},
		{"tx cut", "", "000100000002aa"},
		{"trailing byte", "", "000100000001aa00"},
		{"unknown encoding", "gzip", "000100000001aa"},
		{"brotli garbage", "br", "ffffffff"},
		{"brotli stream then a byte", "br", hex.EncodeToString(okBr) + "00"},
	} {
		_, reason, err := DecodePayload(v.enc, tplHex(t, v.e))
		require.Error(t, err)
		f.PayloadRejects = append(f.PayloadRejects, envVecPayloadBad{Name: v.name, Encoding: v.enc, E: v.e, Reason: uint16(reason)})
	}

	e := payRandom(250, 7)
	bodies, err := SplitChunks("br", e, ChunkHeaderLen+100)
	require.NoError(t, err)
	hash := sha256.Sum256(e)
	cv := envVecChunks{Name: "250 bytes in chunks of 100", Encoding: "br", E: hex.EncodeToString(e),
		MaxChunkBody: ChunkHeaderLen + 100, PayloadHash: hex.EncodeToString(hash[:])}
	for _, b := range bodies {
		cv.Bodies = append(cv.Bodies, hex.EncodeToString(b))
	}
	f.Chunks = append(f.Chunks, cv)
	ps := PendingSet{Inscriber: inscriber, PayloadHash: hash, Count: 3, Encoding: "br", FirstHeight: 840_000,
		Parts: []ChunkPart{{Index: 0, Bytes: e[:100]}, {Index: 2, Bytes: e[200:]}}}
	bin, err := ps.MarshalBinary()
	require.NoError(t, err)
	pv := envVecPendingSet{Name: "chunks 0 and 2 of 3", Inscriber: hex.EncodeToString(inscriber[:]),
		PayloadHash: hex.EncodeToString(hash[:]), Count: 3, Encoding: "br", FirstHeight: 840_000,
		Binary: hex.EncodeToString(bin)}
	for _, p := range ps.Parts {
		pv.Indexes = append(pv.Indexes, p.Index)
		pv.Parts = append(pv.Parts, hex.EncodeToString(p.Bytes))
	}
	f.PendingSets = append(f.PendingSets, pv)

	for _, k := range [][32]byte{brnKey, inscriber} {
		f.Burns = append(f.Burns, envVecBurn{Key: hex.EncodeToString(k[:]), Script: hex.EncodeToString(BurnScript(k))})
	}

	commitTxid := chainhash.Hash(sha256.Sum256([]byte("bitai/vectors/commit")))
	revealPk := rvlBIP86(t, priv.PubKey())
	for _, v := range []struct {
		name, enc string
		body      []byte
	}{
		{"one-tx payload", "", payloadBody},
		{"brotli chunk", "br", bodies[1]},
	} {
		script, err := EnvelopeScript(inscriber, v.enc, v.body)
		require.NoError(t, err)
		pk, cb, err := CommitOutput(priv.PubKey(), script)
		require.NoError(t, err)
		out := wire.NewTxOut(330, revealPk)
		const commitValue = 10_000
		reveal := RevealSkeleton(wire.OutPoint{Hash: commitTxid}, out)
		require.NoError(t, SignReveal(reveal, 0, txscript.NewCannedPrevOutputFetcher(pk, commitValue), script, cb, priv))
		var buf bytes.Buffer
		require.NoError(t, reveal.Serialize(&buf))
		root := TapscriptRoot(script)
		f.Commits = append(f.Commits, envVecCommitReveal{Name: v.name, Encoding: v.enc, Body: hex.EncodeToString(v.body),
			Script: hex.EncodeToString(script), CommitPk: hex.EncodeToString(pk), ControlBlock: hex.EncodeToString(cb),
			TapRoot: hex.EncodeToString(root[:]), CommitTxid: commitTxid.String(), CommitValue: commitValue,
			RevealOutPk: hex.EncodeToString(revealPk), RevealValue: 330, Reveal: hex.EncodeToString(buf.Bytes()),
			RevealWeight: rvlWeight(reveal)})
	}

	out, err := json.MarshalIndent(f, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(envVecPath, append(out, '\n'), 0o644))

	envVecWriteCorpora(t, good, bodies, bin)
}

// envVecWriteCorpora writes the seed corpora of FuzzDecodePayload, FuzzParseChunk,
// FuzzPendingSetUnmarshal, FuzzApplyChunk and FuzzAcceptTx under testdata/fuzz.
func envVecWriteCorpora(t *testing.T, script []byte, chunkBodies [][]byte, pendingSet []byte) {
	b := func(v []byte) string { return fmt.Sprintf("[]byte(%q)", v) }
	write := func(target, name string, values ...string) {
		dir := filepath.Join("testdata", "fuzz", target)
		require.NoError(t, os.MkdirAll(dir, 0o755))
		data := "go test fuzz v1\n" + strings.Join(values, "\n") + "\n"
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644))
	}
	for i, txs := range [][][]byte{{{1}}, {{0xaa}, {0xbb, 0xcc}}, {payTx(600, 1), payTx(40, 2)}} {
		for _, compress := range []bool{false, true} {
			body, enc, err := EncodePayload(txs, compress)
			require.NoError(t, err)
			write("FuzzDecodePayload", fmt.Sprintf("seed-%d-%s", i, map[bool]string{false: "plain", true: "br"}[enc == "br"]),
				fmt.Sprintf("bool(%v)", enc == "br"), b(body[1:]))
		}
	}
	write("FuzzDecodePayload", "seed-truncated", "bool(false)", b([]byte{0x00, 0x01, 0x00, 0x00, 0x00}))
	for i, c := range chunkBodies {
		write("FuzzParseChunk", fmt.Sprintf("seed-chunk-%d", i), b(c))
	}
	write("FuzzParseChunk", "seed-header-only", b(chunkBodies[0][:ChunkHeaderLen]))
	write("FuzzPendingSetUnmarshal", "seed-two-parts", b(pendingSet))
	write("FuzzPendingSetUnmarshal", "seed-cut", b(pendingSet[:len(pendingSet)-1]))
	write("FuzzApplyChunk", "seed-three-in-order", b([]byte{0, 0, 3, 0, 0, 1, 3, 0, 0, 2, 3, 1}))
	write("FuzzApplyChunk", "seed-late-and-repeat", b([]byte{0, 0, 2, 0, 1, 1, 2, 9, 0, 1, 2, 0, 0, 0, 7, 0}))
	write("FuzzAcceptTx", "seed-accepted", b(script), "byte('\\xc0')", "byte('\\x00')", "bool(false)")
	write("FuzzAcceptTx", "seed-annex-depth", b(script), "byte('\\xc1')", "byte('\\x03')", "bool(true)")
	write("FuzzAcceptTx", "seed-leaf-version", b(script), "byte('\\xc2')", "byte('\\x00')", "bool(false)")
	write("FuzzAcceptTx", "seed-other-content-type",
		b(accOrdScript("text/plain", Metaprotocol, []byte("x"))), "byte('\\xc0')", "byte('\\x00')", "bool(false)")
}
