package bitai

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestObjectID(t *testing.T) {
	txid := testKey(0x5a)
	for _, i := range []uint32{0, 1, 0x01020304, 1<<32 - 1} {
		h := refTaggedHash("BitAI/id", txid[:], []byte{byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)})
		id := ObjectID(txid, i)
		require.True(t, id.Valid())
		require.Equal(t, byte(0), id[0])
		require.Equal(t, h[:31], id[1:], "i=%d", i)
	}
	require.NotEqual(t, ObjectID(txid, 0), ObjectID(txid, 1))
	require.NotEqual(t, ObjectID(txid, 0), ObjectID(testKey(0x5b), 0))
}

func TestCircuitID(t *testing.T) {
	h := refTaggedHash("BitAI/circuit", []byte(TestCircuitDescriptor))
	id := CircuitID([]byte(TestCircuitDescriptor))
	require.Equal(t, ID(append([]byte{0}, h[:31]...)), id)
}

func TestParseID(t *testing.T) {
	id := ObjectID(testKey(1), 0)
	got, err := ParseID(id.String())
	require.NoError(t, err)
	require.Equal(t, id, got)
	for _, c := range []struct {
		name, in string
	}{
		{"odd hex", "abc"},
		{"short", "00ff"},
		{"not hex", "zz" + id.String()[2:]},
		{"top byte", "01" + id.String()[2:]},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseID(c.in)
			require.Error(t, err)
		})
	}
	_, err = ParseID("01" + id.String()[2:])
	require.ErrorIs(t, err, ErrBadObjectID)
}
