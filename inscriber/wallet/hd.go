package wallet

import (
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil/v2/hdkeychain"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// Branches of a wallet output (UTXO.Branch). Address takes only the first two.
const (
	// BranchExternal is m/86'/coin'/0'/0/i: receiving addresses.
	BranchExternal uint32 = 0
	// BranchChange is m/86'/coin'/0'/1/i: change.
	BranchChange uint32 = 1
	// BranchInscriber marks an output paying the inscriber key's BIP86 P2TR
	// script (m/86'/coin'/1'/0/0; Index 0).
	BranchInscriber uint32 = 2
	// BranchWatched marks an output paying a script registered with
	// WatchScript (commit outputs, chained reveal change); UTXO.Tag holds its tag.
	BranchWatched uint32 = 3
)

const (
	purposeBIP86   = 86
	accountWallet  = 0
	accountInscrib = 1
)

// ErrBranch: a branch other than BranchExternal or BranchChange, or a hardened index.
var ErrBranch = errors.New("invalid derivation branch or index")

// Keys holds the wallet's BIP86 (BIP32) keys: m/86'/coin'/0'/{0,1}/i for wallet
// addresses and m/86'/coin'/1'/0/0 for the inscriber key (DECISIONS C4), with
// coin 0 on mainnet and 1 on every other network (BIP44's testnet coin type; btcd's
// simnet HDCoinType 115 is not used, so a seed derives the same keys on all test
// networks). It is safe for concurrent use.
type Keys struct {
	params     *chaincfg.Params
	branches   [2]*hdkeychain.ExtendedKey // m/86'/coin'/0'/0 and /1
	inscriber  *btcec.PrivateKey
	inscScript []byte
}

// CoinType returns the BIP44 coin type the wallet uses on params' network.
func CoinType(params *chaincfg.Params) uint32 {
	if params.Net == wire.MainNet {
		return 0
	}
	return 1
}

// NewKeys derives the BIP32 master key of seed (HMAC-SHA512 "Bitcoin seed") and
// the wallet's keys below it.
func NewKeys(seed [SeedLen]byte, params *chaincfg.Params) (*Keys, error) {
	root, err := hdkeychain.NewMaster(seed[:], params)
	if err != nil {
		return nil, fmt.Errorf("keys: master: %w", err)
	}
	return NewKeysFromRoot(root, params)
}

// NewKeysFromRoot derives the wallet's keys below a BIP32 root (private) key, for
// test vectors given as an xprv.
func NewKeysFromRoot(root *hdkeychain.ExtendedKey, params *chaincfg.Params) (*Keys, error) {
	if !root.IsPrivate() || root.Depth() != 0 {
		return nil, errors.New("keys: root must be a private depth-0 key")
	}
	coin, err := derive(root, hardened(purposeBIP86), hardened(CoinType(params)))
	if err != nil {
		return nil, err
	}
	k := &Keys{params: params}
	for b := range k.branches {
		if k.branches[b], err = derive(coin, hardened(accountWallet), uint32(b)); err != nil {
			return nil, err
		}
	}
	ik, err := derive(coin, hardened(accountInscrib), 0, 0)
	if err != nil {
		return nil, err
	}
	if k.inscriber, err = ik.ECPrivKey(); err != nil {
		return nil, fmt.Errorf("keys: inscriber key: %w", err)
	}
	if k.inscScript, err = P2TR(k.inscriber.PubKey()); err != nil {
		return nil, err
	}
	return k, nil
}

func hardened(i uint32) uint32 { return hdkeychain.HardenedKeyStart + i }

// derive walks path below k.
func derive(k *hdkeychain.ExtendedKey, path ...uint32) (*hdkeychain.ExtendedKey, error) {
	for _, i := range path {
		var err error
		if k, err = k.Derive(i); err != nil {
			return nil, fmt.Errorf("keys: derive %d: %w", i, err)
		}
	}
	return k, nil
}

// Params returns the network the keys are for.
func (k *Keys) Params() *chaincfg.Params { return k.params }

// Address returns the private key of m/86'/coin'/0'/branch/index, untweaked (the
// BIP86 internal key; a key-path signer applies the BIP86 tweak, as
// txscript.RawTxInTaprootSignature does with a nil script root), and its P2TR
// pkScript OP_1 <output key> where output key = internal + H_TapTweak(internal)·G.
func (k *Keys) Address(branch, index uint32) (*btcec.PrivateKey, []byte, error) {
	if branch > BranchChange || index >= hdkeychain.HardenedKeyStart {
		return nil, nil, fmt.Errorf("%w: %d/%d", ErrBranch, branch, index)
	}
	child, err := k.branches[branch].Derive(index)
	if err != nil {
		return nil, nil, fmt.Errorf("keys: derive %d/%d: %w", branch, index, err)
	}
	priv, err := child.ECPrivKey()
	if err != nil {
		return nil, nil, fmt.Errorf("keys: %d/%d: %w", branch, index, err)
	}
	script, err := P2TR(priv.PubKey())
	if err != nil {
		return nil, nil, err
	}
	return priv, script, nil
}

// InscriberKey returns m/86'/coin'/1'/0/0, untweaked: the BitAI fee-recipient
// identity, the envelope leaf's OP_CHECKSIG key and the commit's internal key.
func (k *Keys) InscriberKey() *btcec.PrivateKey { return k.inscriber }

// InscriberScript returns the BIP86 (no script tree) P2TR pkScript of the
// inscriber key; the wallet counts outputs paying it as its own.
func (k *Keys) InscriberScript() []byte { return append([]byte(nil), k.inscScript...) }

// P2TR returns the BIP86 pkScript of an internal key: OP_1 OP_DATA_32 with the
// output key tweaked by the key alone (BIP341 with no script tree).
func P2TR(internal *btcec.PublicKey) ([]byte, error) {
	s, err := txscript.PayToTaprootScript(txscript.ComputeTaprootKeyNoScript(internal))
	if err != nil {
		return nil, fmt.Errorf("keys: p2tr: %w", err)
	}
	return s, nil
}

// EncodeAddress returns the bech32m address of a pkScript on params' network.
func EncodeAddress(pkScript []byte, params *chaincfg.Params) (string, error) {
	_, addrs, _, err := txscript.ExtractPkScriptAddrs(pkScript, params)
	if err != nil || len(addrs) != 1 {
		return "", fmt.Errorf("address: script %x has no single address", pkScript)
	}
	return addrs[0].EncodeAddress(), nil
}
