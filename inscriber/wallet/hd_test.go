package wallet

import (
	"encoding/hex"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/btcutil/v2/hdkeychain"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/stretchr/testify/require"
)

// BIP-86's test vectors (bip-0086.mediawiki, "Test vectors"): the root key of the
// mnemonic "abandon × 11 about" and its first receiving, second receiving and
// first change addresses on mainnet.
const bip86Root = "xprv9s21ZrQH143K3GJpoapnV8SFfukcVBSfeCficPSGfubmSFDxo1kuHnLisriDvSnRRuL2Qrg5ggqHKNVpxR86QEC8w35uxmGoggxtQTPvfUu"

func TestBIP86Vectors(t *testing.T) {
	root, err := hdkeychain.NewKeyFromString(bip86Root)
	require.NoError(t, err)
	k, err := NewKeysFromRoot(root, &chaincfg.MainNetParams)
	require.NoError(t, err)
	tests := []struct {
		name                           string
		branch, index                  uint32
		internalKey, pkScript, address string
	}{
		{"m/86'/0'/0'/0/0", 0, 0, "cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115",
			"5120a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c",
			"bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr"},
		{"m/86'/0'/0'/0/1", 0, 1, "83dfe85a3151d2517290da461fe2815591ef69f2b18a2ce63f01697a8b313145",
			"5120a82f29944d65b86ae6b5e5cc75e294ead6c59391a1edc5e016e3498c67fc7bbb",
			"bc1p4qhjn9zdvkux4e44uhx8tc55attvtyu358kutcqkudyccelu0was9fqzwh"},
		{"m/86'/0'/0'/1/0", 1, 0, "399f1b2f4393f29a18c937859c5dd8a77350103157eb880f02e8c08214277cef",
			"5120882d74e5d0572d5a816cef0041a96b6c1de832f6f9676d9605c44d5e9a97d3dc",
			"bc1p3qkhfews2uk44qtvauqyr2ttdsw7svhkl9nkm9s9c3x4ax5h60wqwruhk7"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			priv, script, err := k.Address(tc.branch, tc.index)
			require.NoError(t, err)
			require.Equal(t, tc.internalKey, hex.EncodeToString(schnorr.SerializePubKey(priv.PubKey())))
			require.Equal(t, tc.pkScript, hex.EncodeToString(script))
			addr, err := EncodeAddress(script, &chaincfg.MainNetParams)
			require.NoError(t, err)
			require.Equal(t, tc.address, addr)
		})
	}
}

// TestNewKeysFromSeed: BIP-32 test vector 4 (a 32-byte seed whose keys have
// leading zeros, btcutil#172) gives the published master key, so NewKeys(seed)
// and NewKeysFromRoot(xprv) derive the same wallet.
func TestNewKeysFromSeed(t *testing.T) {
	var seed [SeedLen]byte
	_, err := hex.Decode(seed[:], []byte("3ddd5602285899a946114506157c7997e5444528f3003f6134712147db19b678"))
	require.NoError(t, err)
	const master = "xprv9s21ZrQH143K48vGoLGRPxgo2JNkJ3J3fqkirQC2zVdk5Dgd5w14S7fRDyHH4dWNHUgkvsvNDCkvAwcSHNAQwhwgNMgZhLtQC63zxwhQmRv"
	root, err := hdkeychain.NewKeyFromString(master)
	require.NoError(t, err)
	for _, params := range []*chaincfg.Params{&chaincfg.MainNetParams, &chaincfg.RegressionNetParams} {
		a, err := NewKeys(seed, params)
		require.NoError(t, err)
		b, err := NewKeysFromRoot(root, params)
		require.NoError(t, err)
		for _, bi := range [][2]uint32{{0, 0}, {0, 7}, {1, 3}} {
			_, sa, err := a.Address(bi[0], bi[1])
			require.NoError(t, err)
			_, sb, err := b.Address(bi[0], bi[1])
			require.NoError(t, err)
			require.Equal(t, sb, sa)
		}
		require.True(t, a.InscriberKey().Key.Equals(&b.InscriberKey().Key))
	}
}

// TestKeyPaths walks the paths with hdkeychain by hand: coin type 1 off mainnet
// (simnet too, despite its HDCoinType 115) and the inscriber key at
// m/86'/coin'/1'/0/0, untweaked.
func TestKeyPaths(t *testing.T) {
	root, err := hdkeychain.NewKeyFromString(bip86Root)
	require.NoError(t, err)
	h := uint32(hdkeychain.HardenedKeyStart)
	walk := func(path ...uint32) []byte {
		k := root
		for _, i := range path {
			k, err = k.Derive(i)
			require.NoError(t, err)
		}
		priv, err := k.ECPrivKey()
		require.NoError(t, err)
		return priv.Serialize()
	}
	tests := []struct {
		name   string
		params *chaincfg.Params
		coin   uint32
	}{
		{"mainnet", &chaincfg.MainNetParams, 0},
		{"regtest", &chaincfg.RegressionNetParams, 1},
		{"testnet3", &chaincfg.TestNet3Params, 1},
		{"simnet", &chaincfg.SimNetParams, 1},
		{"signet", &chaincfg.SigNetParams, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.coin, CoinType(tc.params))
			k, err := NewKeysFromRoot(root, tc.params)
			require.NoError(t, err)
			priv, _, err := k.Address(1, 5)
			require.NoError(t, err)
			require.Equal(t, walk(h+86, h+tc.coin, h+0, 1, 5), priv.Serialize())
			require.Equal(t, walk(h+86, h+tc.coin, h+1, 0, 0), k.InscriberKey().Serialize())
			want, err := P2TR(k.InscriberKey().PubKey())
			require.NoError(t, err)
			require.Equal(t, want, k.InscriberScript())
		})
	}
	k, err := NewKeysFromRoot(root, &chaincfg.MainNetParams)
	require.NoError(t, err)
	_, _, err = k.Address(2, 0)
	require.ErrorIs(t, err, ErrBranch)
	_, _, err = k.Address(0, h)
	require.ErrorIs(t, err, ErrBranch)
	pub, err := root.Neuter()
	require.NoError(t, err)
	_, err = NewKeysFromRoot(pub, &chaincfg.MainNetParams)
	require.Error(t, err)
}
