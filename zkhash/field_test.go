package zkhash

import (
	"bytes"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/stretchr/testify/require"
)

func seq32(start byte) [32]byte {
	var b [32]byte
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

func bigHex(t *testing.T, s string) *big.Int {
	t.Helper()
	x, ok := new(big.Int).SetString(s, 16)
	require.True(t, ok, s)
	return x
}

func TestLimbs(t *testing.T) {
	cases := []struct {
		name   string
		in     [32]byte
		hi, lo string
	}{
		{"zero", [32]byte{}, "0", "0"},
		{"sequence", seq32(0), "000102030405060708090a0b0c0d0e0f", "101112131415161718191a1b1c1d1e1f"},
		{"all ones", [32]byte(bytes.Repeat([]byte{0xff}, 32)), strings.Repeat("ff", 16), strings.Repeat("ff", 16)},
		{"low byte", [32]byte{31: 1}, "0", "1"},
		{"high byte", [32]byte{0: 0x80}, "80" + strings.Repeat("00", 15), "0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hi, lo := Limbs(c.in)
			require.Equal(t, 0, bigHex(t, c.hi).Cmp(toBig(hi)))
			require.Equal(t, 0, bigHex(t, c.lo).Cmp(toBig(lo)))
			// hi·2^128 + lo is the whole value read big-endian.
			whole := new(big.Int).Lsh(toBig(hi), 128)
			whole.Add(whole, toBig(lo))
			require.Equal(t, 0, whole.Cmp(new(big.Int).SetBytes(c.in[:])))
		})
	}
}

func TestFromUint64(t *testing.T) {
	for _, v := range []uint64{0, 1, 255, 1 << 32, ^uint64(0)} {
		e := FromUint64(v)
		require.Equal(t, 0, new(big.Int).SetUint64(v).Cmp(toBig(e)))
	}
}

func TestFromID(t *testing.T) {
	cases := []struct {
		name string
		id   [32]byte
		err  error
	}{
		{"zero", [32]byte{}, nil},
		{"max 248-bit", [32]byte(append([]byte{0}, bytes.Repeat([]byte{0xff}, 31)...)), nil},
		{"sequence", [32]byte(append([]byte{0}, bytes.Repeat([]byte{0x5a}, 31)...)), nil},
		{"top byte 1", [32]byte{0: 1}, ErrIDRange},
		{"top byte ff", seq32(0xff), ErrIDRange},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := FromID(c.id)
			if c.err != nil {
				require.True(t, errors.Is(err, c.err), "got %v", err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, 0, new(big.Int).SetBytes(c.id[:]).Cmp(toBig(e)))
		})
	}
}

func TestBytes(t *testing.T) {
	cases := []struct {
		name   string
		n      int
		chunks int
	}{
		{"empty", 0, 0},
		{"one byte", 1, 1},
		{"30 bytes", 30, 1},
		{"one full chunk", 31, 1},
		{"32 bytes", 32, 2},
		{"two full chunks", 62, 2},
		{"63 bytes", 63, 3},
		{"1000 bytes", 1000, 33},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := make([]byte, c.n)
			for i := range b {
				b[i] = byte(0xa0 + i)
			}
			got := Bytes(b)
			require.Len(t, got, 1+c.chunks)
			require.Equal(t, 0, big.NewInt(int64(c.n)).Cmp(toBig(got[0])))
			// Independent restatement: chunk i holds bytes 31i..31i+30 at
			// weights 256^30..256^0, missing bytes count as zero.
			for i := range c.chunks {
				want := new(big.Int)
				for j := range 31 {
					want.Lsh(want, 8)
					if k := 31*i + j; k < c.n {
						want.Or(want, big.NewInt(int64(b[k])))
					}
				}
				require.Equal(t, 0, want.Cmp(toBig(got[1+i])), "chunk %d", i)
			}
		})
	}
	// Right padding plus the length prefix keeps trailing zeros significant.
	require.NotEqual(t, Bytes([]byte{1}), Bytes([]byte{1, 0}))
	require.Equal(t, Bytes([]byte{1})[1], Bytes([]byte{1, 0})[1])
}

func TestTagElement(t *testing.T) {
	cases := []struct {
		name string
		tag  string
		ok   bool
	}{
		{"short", "a", true},
		{"inbox", TagInboxRequest, true},
		{"23 bytes", strings.Repeat("x", 23), true},
		{"space and tilde", " ~", true},
		{"empty", "", false},
		{"24 bytes", strings.Repeat("x", 24), false},
		{"31 bytes (the width-2 limit)", strings.Repeat("x", 31), false},
		{"NUL", "a\x00", false},
		{"newline", "a\n", false},
		{"DEL", "a\x7f", false},
		{"non-ASCII", "é", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := TagElement(c.tag)
			if !c.ok {
				require.True(t, errors.Is(err, ErrTag), "got %v", err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, 0, new(big.Int).SetBytes([]byte(c.tag)).Cmp(toBig(e)))
		})
	}
	// Every package tag is valid and distinct.
	seen := map[fr.Element]string{}
	for _, tag := range []string{TagAcc0, TagAcc, TagInboxRequest, TagInboxDeposit, TagInboxMessage, TagL2Op} {
		e, err := TagElement(tag)
		require.NoError(t, err, tag)
		require.NotContains(t, seen, e)
		seen[e] = tag
	}
}
