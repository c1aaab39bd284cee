//go:build gen_test_vectors

package bitai

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGenerateTxVectors writes testdata/vectors_tx.json and the FuzzDecodeTx seed
// corpus. Run: go test -tags gen_test_vectors -run TestGenerateTxVectors ./bitai
func TestGenerateTxVectors(t *testing.T) {
	f := txVectorFile{Comment: "BitAI tx, deployment and id vectors (docs/protocol.md N- and T- rules); " +
		"written by TestGenerateTxVectors, checked by TestTxVectors. Hex is lowercase; integers are decimal."}
	for _, name := range NetworkNames() {
		d := mustDeployment(t, name)
		ah, err := AllocHash(d.Allocations)
		require.NoError(t, err)
		id := d.ID()
		f.Deployments = append(f.Deployments, deploymentVector{Network: name, Magic: uint32(d.Network.Net),
			ProtocolVersion: d.ProtocolVersion, Activated: d.Activated, ActivationHeight: d.ActivationHeight,
			Allocations: renderFields(d.Allocations), AllocHash: hex.EncodeToString(ah[:]),
			DeploymentID: hex.EncodeToString(id[:])})
	}
	for _, desc := range []string{TestCircuitDescriptor, ""} {
		f.Circuits = append(f.Circuits, circuitVector{Descriptor: desc, ID: CircuitID([]byte(desc)).String()})
	}
	for _, i := range []uint32{0, 1, 0xffffffff} {
		txid := testKey(0xab)
		f.ObjectIDs = append(f.ObjectIDs, objectIDVector{TxID: hex.EncodeToString(txid[:]), I: i,
			ID: ObjectID(txid, i).String()})
	}

	priv := FaucetKey(RegtestFaucetSeed)
	xonly := XOnly(priv)
	f.Signer = signerVector{Seed: RegtestFaucetSeed, PrivKey: hex.EncodeToString(priv.Serialize()),
		XOnly: hex.EncodeToString(xonly[:]), AuxRand: hex.EncodeToString(make([]byte, 32))}
	regtest := mustDeployment(t, "regtest").ID()
	corpus := filepath.Join("testdata", "fuzz", "FuzzDecodeTx")
	require.NoError(t, os.MkdirAll(corpus, 0o755))
	for _, s := range sampleTxs() {
		tx := s.tx
		require.NoError(t, tx.Sign(priv, regtest))
		enc := mustEncode(t, tx)
		if len(enc) > 2048 {
			continue
		}
		txid, sh := tx.TxID(), tx.SigHash(regtest)
		f.Txs = append(f.Txs, txVector{Name: s.name, Kind: uint8(tx.Kind()), Fields: renderFields(tx),
			Unsigned: hex.EncodeToString(tx.UnsignedBytes()), TxID: hex.EncodeToString(txid[:]),
			SigHashRegtest: hex.EncodeToString(sh[:]), Sig: hex.EncodeToString(tx.Sig[:]),
			Encoded: hex.EncodeToString(enc), ObjectID0: ObjectID(txid, 0).String()})
		if s.name == tx.Kind().String() {
			seed := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", enc)
			require.NoError(t, os.WriteFile(filepath.Join(corpus, s.name), []byte(seed), 0o644))
		}
	}

	p := DefaultChainParams()
	p.InferenceProfile, p.Treasury = testKey(0x0b), testKey(0x0c)
	rec := p.Record()
	f.ChainParams = chainParamsVector{Fields: renderFields(p), Version: rec.Version,
		Data: hex.EncodeToString(rec.Data)}

	for _, m := range mutations() {
		b := m.mutate(sampleBytes(t, m.sample))
		_, err := DecodeTx(b)
		require.ErrorIs(t, err, m.kind)
		f.Invalid = append(f.Invalid, invalidTxVector{Name: m.name, Hex: hex.EncodeToString(b),
			Error: string(m.kind), Reason: uint16(TxErrorReason(err))})
	}
	short := sampleBytes(t, "Transfer")[:60]
	f.Invalid = append(f.Invalid, invalidTxVector{Name: "truncated in tx.to", Hex: hex.EncodeToString(short),
		Error: string(ErrShortRead), Reason: uint16(ReasonTxShortRead)})
	for r := Reason(100); r < 150; r++ {
		if n := r.String(); n != fmt.Sprintf("reason_%d", r) {
			f.Reasons = append(f.Reasons, reasonNameVector{Code: uint16(r), Name: n})
		}
	}

	out, err := json.MarshalIndent(f, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(vectorsTxPath, append(out, '\n'), 0o644))
}
