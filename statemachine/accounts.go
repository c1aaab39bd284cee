package statemachine

import (
	"errors"
	"math"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
)

// errSupply means a balance would overflow where the supply bound (allocations plus
// burns, each below MaxMoney) says none can: a broken invariant, not a tx failure.
var errSupply = errors.New("balance overflow: supply invariant broken")

// putAccount stores a, deleting the key for the zero account (rule S-3).
func putAccount(st State, key [32]byte, a Account) error {
	if a == (Account{}) {
		return st.Delete(AccountKey(key))
	}
	return putRecord(st, AccountKey(key), a)
}

// credit adds amount to key's balance; ReasonBalanceOverflow (and no change) if the
// balance would pass 2^64 − 1.
func credit(st State, key [32]byte, amount uint64) (bitai.Reason, error) {
	if amount == 0 {
		return bitai.ReasonNone, nil
	}
	a, err := GetAccount(st, key)
	if err != nil {
		return bitai.ReasonNone, err
	}
	if a.Balance > math.MaxUint64-amount {
		return ReasonBalanceOverflow, nil
	}
	a.Balance += amount
	return bitai.ReasonNone, putAccount(st, key, a)
}

// debit takes amount from key's balance; ReasonInsufficientBalance (and no change) if
// the balance is smaller.
func debit(st State, key [32]byte, amount uint64) (bitai.Reason, error) {
	if amount == 0 {
		return bitai.ReasonNone, nil
	}
	a, err := GetAccount(st, key)
	if err != nil {
		return bitai.ReasonNone, err
	}
	if a.Balance < amount {
		return ReasonInsufficientBalance, nil
	}
	a.Balance -= amount
	return bitai.ReasonNone, putAccount(st, key, a)
}

// liftable reports whether an x-only key lifts to a secp256k1 point (BIP340 lift_x),
// the check every `to`-style key passes (DECISIONS B2).
func liftable(key [32]byte) bool {
	_, err := schnorr.ParsePubKey(key[:])
	return err == nil
}

// allLiftable reports whether every key lifts.
func allLiftable(keys [][32]byte) bool {
	for _, k := range keys {
		if !liftable(k) {
			return false
		}
	}
	return true
}
