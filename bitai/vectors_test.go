package bitai

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"reflect"
	"strconv"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"
)

// vectorsTxPath is the protocol vector file of rules N- and T- (STYLE.md §13),
// written by TestGenerateTxVectors (-tags gen_test_vectors) and replayed by
// TestTxVectors.
const vectorsTxPath = "testdata/vectors_tx.json"

type txVectorFile struct {
	Comment     string             `json:"comment"`
	Deployments []deploymentVector `json:"deployments"`
	Circuits    []circuitVector    `json:"circuitIDs"`
	ObjectIDs   []objectIDVector   `json:"objectIDs"`
	Signer      signerVector       `json:"signer"`
	Txs         []txVector         `json:"txs"`
	ChainParams chainParamsVector  `json:"chainParams"`
	Invalid     []invalidTxVector  `json:"invalidTxs"`
	Reasons     []reasonNameVector `json:"reasons"`
}

type deploymentVector struct {
	Network          string `json:"network"`
	Magic            uint32 `json:"magic"`
	ProtocolVersion  uint8  `json:"protocolVersion"`
	Activated        bool   `json:"activated"`
	ActivationHeight uint32 `json:"activationHeight"`
	Allocations      any    `json:"allocations"`
	AllocHash        string `json:"allocHash"`
	DeploymentID     string `json:"deploymentID"`
}

type circuitVector struct {
	Descriptor string `json:"descriptor"`
	ID         string `json:"id"`
}

type objectIDVector struct {
	TxID string `json:"txid"`
	I    uint32 `json:"i"`
	ID   string `json:"id"`
}

type signerVector struct {
	Seed    string `json:"seed"`
	PrivKey string `json:"privKey"`
	XOnly   string `json:"xOnly"`
	AuxRand string `json:"auxRand"`
}

type txVector struct {
	Name           string `json:"name"`
	Kind           uint8  `json:"kind"`
	Fields         any    `json:"fields"`
	Unsigned       string `json:"unsigned"`
	TxID           string `json:"txid"`
	SigHashRegtest string `json:"sigHashRegtest"`
	Sig            string `json:"sig"`
	Encoded        string `json:"encoded"`
	ObjectID0      string `json:"objectID0"`
}

type chainParamsVector struct {
	Fields  any    `json:"fields"`
	Version uint8  `json:"version"`
	Data    string `json:"data"`
}

type invalidTxVector struct {
	Name   string `json:"name"`
	Hex    string `json:"hex"`
	Error  string `json:"error"`
	Reason uint16 `json:"reason"`
}

type reasonNameVector struct {
	Code uint16 `json:"code"`
	Name string `json:"name"`
}

// renderFields turns a value into JSON-ready data: structs as objects with
// lowerCamel keys, byte arrays and []byte as hex, strings as is, integers as
// decimal numbers (json.Number, exact for uint64), nil pointers as null, and a
// Tx's body as an object carrying its kind's name.
func renderFields(v any) any { return renderValue(reflect.ValueOf(v)) }

func renderValue(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return renderValue(v.Elem())
	case reflect.Struct:
		m := map[string]any{}
		for i := range v.NumField() {
			m[lowerCamel(v.Type().Field(i).Name)] = renderValue(v.Field(i))
		}
		if v.CanAddr() {
			if body, ok := v.Addr().Interface().(Body); ok {
				m["kind"] = body.Kind().String()
			}
		}
		return m
	case reflect.Array:
		b := make([]byte, v.Len())
		reflect.Copy(reflect.ValueOf(b), v)
		return hex.EncodeToString(b)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return hex.EncodeToString(v.Bytes())
		}
		l := make([]any, v.Len())
		for i := range l {
			l[i] = renderValue(v.Index(i))
		}
		return l
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return v.Bool()
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return json.Number(strconv.FormatUint(v.Uint(), 10))
	}
	panic("renderValue: unsupported kind " + v.Kind().String())
}

// lowerCamel lowers a Go field name's leading capitals: ID→id, DAPointer→daPointer.
func lowerCamel(s string) string {
	r := []rune(s)
	n := 0
	for n < len(r) && unicode.IsUpper(r[n]) {
		n++
	}
	if n > 1 && n < len(r) && unicode.IsLower(r[n]) {
		n--
	}
	for i := range n {
		r[i] = unicode.ToLower(r[i])
	}
	return string(r)
}

// normJSON marshals v and reads it back with exact numbers, for comparisons.
func normJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out any
	require.NoError(t, d.Decode(&out))
	return out
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

func readTxVectors(t *testing.T) txVectorFile {
	t.Helper()
	raw, err := os.ReadFile(vectorsTxPath)
	require.NoError(t, err, "regenerate with: go test -tags gen_test_vectors -run TestGenerateTxVectors ./bitai")
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	d.DisallowUnknownFields()
	var f txVectorFile
	require.NoError(t, d.Decode(&f))
	return f
}

// TestTxVectors checks every value in testdata/vectors_tx.json against the code.
func TestTxVectors(t *testing.T) {
	f := readTxVectors(t)
	require.Len(t, f.Deployments, len(NetworkNames()))
	for _, v := range f.Deployments {
		d := mustDeployment(t, v.Network)
		require.Equal(t, v.Magic, uint32(d.Network.Net), v.Network)
		require.Equal(t, v.ProtocolVersion, d.ProtocolVersion)
		require.Equal(t, v.Activated, d.Activated)
		require.Equal(t, v.ActivationHeight, d.ActivationHeight)
		require.Equal(t, v.Allocations, normJSON(t, renderFields(d.Allocations)))
		ah, err := AllocHash(d.Allocations)
		require.NoError(t, err)
		require.Equal(t, v.AllocHash, hex.EncodeToString(ah[:]))
		id := d.ID()
		require.Equal(t, v.DeploymentID, hex.EncodeToString(id[:]), v.Network)
	}
	for _, v := range f.Circuits {
		require.Equal(t, v.ID, CircuitID([]byte(v.Descriptor)).String())
	}
	for _, v := range f.ObjectIDs {
		require.Equal(t, v.ID, ObjectID([32]byte(unhex(t, v.TxID)), v.I).String())
	}

	priv := FaucetKey(f.Signer.Seed)
	require.Equal(t, f.Signer.PrivKey, hex.EncodeToString(priv.Serialize()))
	xonly := XOnly(priv)
	require.Equal(t, f.Signer.XOnly, hex.EncodeToString(xonly[:]))
	require.Equal(t, f.Signer.AuxRand, hex.EncodeToString(make([]byte, 32)))
	regtest := mustDeployment(t, "regtest").ID()
	kinds := map[Kind]bool{}
	for _, v := range f.Txs {
		t.Run(v.Name, func(t *testing.T) {
			enc := unhex(t, v.Encoded)
			tx, err := DecodeTx(enc)
			require.NoError(t, err)
			kinds[tx.Kind()] = true
			require.Equal(t, v.Kind, uint8(tx.Kind()))
			require.Equal(t, v.Fields, normJSON(t, renderFields(tx)))
			require.Equal(t, v.Unsigned, hex.EncodeToString(tx.UnsignedBytes()))
			require.Equal(t, v.Encoded, v.Unsigned+v.Sig)
			txid, sh := tx.TxID(), tx.SigHash(regtest)
			require.Equal(t, v.TxID, hex.EncodeToString(txid[:]))
			require.Equal(t, v.SigHashRegtest, hex.EncodeToString(sh[:]))
			require.NoError(t, tx.VerifySig(regtest))
			require.Equal(t, v.ObjectID0, ObjectID(txid, 0).String())
			// Deterministic BIP340 with zero aux randomness reproduces the signature.
			again := *tx
			require.NoError(t, again.Sign(priv, regtest))
			require.Equal(t, v.Sig, hex.EncodeToString(again.Sig[:]))
		})
	}
	for _, k := range Kinds() {
		require.True(t, kinds[k], "no vector for kind %s", k)
	}

	rec := SubRecord{Version: f.ChainParams.Version, Data: unhex(t, f.ChainParams.Data)}
	p, err := ChainParamsFromRecord(rec)
	require.NoError(t, err)
	require.NoError(t, p.Validate(DefaultChainBounds()))
	require.Equal(t, f.ChainParams.Fields, normJSON(t, renderFields(p)))
	require.Equal(t, rec, p.Record())

	require.NotEmpty(t, f.Invalid)
	for _, v := range f.Invalid {
		_, err := DecodeTx(unhex(t, v.Hex))
		require.ErrorIs(t, err, ErrorKind(v.Error), v.Name)
		require.Equal(t, Reason(v.Reason), TxErrorReason(err), v.Name)
	}
	for _, v := range f.Reasons {
		require.Equal(t, v.Name, Reason(v.Code).String())
	}
}

func TestLowerCamel(t *testing.T) {
	for in, want := range map[string]string{"ID": "id", "URI": "uri", "DAPointer": "daPointer",
		"EternalID": "eternalID", "L2Op": "l2Op", "FeeSplitBps": "feeSplitBps", "Sig": "sig"} {
		require.Equal(t, want, lowerCamel(in))
	}
}
