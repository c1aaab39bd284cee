package wallet

import (
	"errors"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/cockroachdb/pebble/v2"
)

var errTODO = errors.New("wallet: not implemented yet")

// Reader is what the wallet reads: the database, a batch or a store.Recorder.
type Reader = pebble.Reader

// ReadWriter is what the wallet writes through: a batch or a store.Recorder.
type ReadWriter interface {
	pebble.Reader
	pebble.Writer
}

// ErrInsufficientFunds: the coins cannot pay the target plus the fee.
var ErrInsufficientFunds = errors.New("insufficient funds")

// LoadOrCreateSeed reads <datadir>/seed, creating it on first run.
func LoadOrCreateSeed(datadir string) (seed [32]byte, created bool, err error) {
	return seed, false, errTODO
}

// Keys derives the wallet's BIP86 keys.
type Keys struct{ params *chaincfg.Params }

// NewKeys derives the BIP86 keys of seed for params.
func NewKeys(seed [32]byte, params *chaincfg.Params) (*Keys, error) { return nil, errTODO }

// Address returns the internal private key and P2TR pkScript of m/86'/coin'/0'/branch/index.
func (k *Keys) Address(branch, index uint32) (*btcec.PrivateKey, []byte, error) {
	return nil, nil, errTODO
}

// InscriberKey returns m/86'/coin'/1'/0/0, untweaked.
func (k *Keys) InscriberKey() *btcec.PrivateKey { return nil }

// UTXO is one wallet output.
type UTXO struct {
	OutPoint wire.OutPoint
	Value    int64
	PkScript []byte
	Height   int32 // 0 = unconfirmed
	Branch   uint32
	Index    uint32
	Reserved []byte // payload id or nil
}

// Wallet is the UTXO set over pebble.
type Wallet struct{ keys *Keys }

// New returns a wallet over keys.
func New(keys *Keys, lookahead uint32) (*Wallet, error) { return nil, errTODO }

// ConnectBlock applies block at height.
func (w *Wallet) ConnectBlock(rw ReadWriter, height int32, block *wire.MsgBlock) error {
	return errTODO
}

// WatchScript registers pkScript with tag.
func (w *Wallet) WatchScript(rw ReadWriter, pkScript []byte, tag []byte) error { return errTODO }

// AddUnconfirmed records an own broadcast tx.
func (w *Wallet) AddUnconfirmed(rw ReadWriter, tx *wire.MsgTx) error { return errTODO }

// Unspent lists the unspent outputs.
func (w *Wallet) Unspent(r Reader) ([]UTXO, error) { return nil, errTODO }

// Balance sums the unspent outputs.
func (w *Wallet) Balance(r Reader) (confirmed, unconfirmed int64, err error) {
	return 0, 0, errTODO
}

// Reserve marks ops as reserved by owner.
func (w *Wallet) Reserve(rw ReadWriter, ops []wire.OutPoint, owner []byte) error { return errTODO }

// Release clears the reservation of ops.
func (w *Wallet) Release(rw ReadWriter, ops []wire.OutPoint) error { return errTODO }

// NextAddress hands out the next unused address of branch.
func (w *Wallet) NextAddress(rw ReadWriter, branch uint32) (*btcec.PrivateKey, []byte, error) {
	return nil, nil, errTODO
}

// SelectCoins picks coins for target at feeRate.
func SelectCoins(coins []UTXO, target int64, feeRate int64, baseWeight int64, changeScript []byte) (sel []UTXO, change int64, fee int64, err error) {
	return nil, 0, 0, errTODO
}
