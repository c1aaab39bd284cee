package wallet

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
)

// Weights SelectCoins counts, in weight units.
const (
	// DustP2TR is the smallest change output SelectCoins creates: Core's dust
	// threshold for a P2TR output at its 3 sat/vB dust relay fee.
	DustP2TR = 330
	// InputWeightP2TR is one P2TR key-path input with a 64-byte (SIGHASH_DEFAULT)
	// signature: outpoint 36 + script length 1 + sequence 4 bytes at 4 WU each,
	// plus the witness item count 1, signature length 1 and signature 64 at 1 WU.
	InputWeightP2TR = 4*(36+1+4) + 1 + 1 + 64
)

// ErrInsufficientFunds matches every InsufficientFundsError.
var ErrInsufficientFunds = errors.New("insufficient funds")

// InsufficientFundsError says what a selection needed and had.
type InsufficientFundsError struct {
	Target    int64 // sat to pay to the non-change outputs
	Fee       int64 // fee with every usable coin as input and no change
	Available int64 // sum of the usable coins
	Coins     int   // number of usable coins
	Unusable  int64 // sat in coins passed but not usable (reserved, watched)
}

func (e *InsufficientFundsError) Error() string {
	return fmt.Sprintf("insufficient funds: need %d sat (%d + fee %d), have %d sat in %d usable coins (%d sat more reserved or watched)",
		e.Target+e.Fee, e.Target, e.Fee, e.Available, e.Coins, e.Unusable)
}

// Is makes errors.Is(err, ErrInsufficientFunds) true.
func (e *InsufficientFundsError) Is(target error) bool { return target == ErrInsufficientFunds }

// SelectCoins chooses inputs among coins to pay target sat to a tx whose weight
// without inputs and without change is baseWeight (version, locktime, segwit
// marker and flag, the outputs, and 1-byte input and output counts), at feeRate
// sat/vB, with a change output paying changeScript if the change is at least
// DustP2TR. Every input is counted as a P2TR key-path input (InputWeightP2TR;
// a count of 253 or more inputs adds the longer varint). Fees are
// ⌈weight/4⌉·feeRate. It returns the chosen coins (in the order to use them), the
// change (0 when there is no change output: the excess below dust plus the change
// output's cost goes to the fee) and the fee, so that
// Σ sel.Value = target + change + fee.
//
// Usable coins are those not Reserved and not on BranchWatched (commit outputs are
// spent by their reveals, not by key path). The choice is deterministic whatever
// the order of coins:
//
//  1. confirmed coins only: the smallest single coin that pays for everything;
//     else the largest confirmed coins, one by one, until they do;
//  2. otherwise the same accumulation over confirmed then unconfirmed coins,
//     each group largest first;
//
// ties broken by txid bytes and index. If all usable coins cannot pay, it returns
// an *InsufficientFundsError (ErrInsufficientFunds) naming the amounts.
func SelectCoins(coins []UTXO, target int64, feeRate int64, baseWeight int64, changeScript []byte) (sel []UTXO, change int64, fee int64, err error) {
	switch {
	case target < 0 || feeRate < 0 || baseWeight <= 0:
		return nil, 0, 0, fmt.Errorf("select coins: target %d, fee rate %d, base weight %d", target, feeRate, baseWeight)
	case len(changeScript) == 0 || len(changeScript) > MaxScriptLen:
		return nil, 0, 0, fmt.Errorf("select coins: change script length %d", len(changeScript))
	}
	s := selector{target: target, rate: feeRate, base: baseWeight, changeW: 4 * (8 + int64(varIntLen(uint64(len(changeScript)))) + int64(len(changeScript)))}
	var conf, unconf []UTXO
	var unusable int64
	for _, c := range coins {
		switch {
		case c.Reserved != nil || c.Branch == BranchWatched || c.Value <= 0:
			unusable += max(c.Value, 0)
		case c.Confirmed():
			conf = append(conf, c)
		default:
			unconf = append(unconf, c)
		}
	}
	slices.SortFunc(conf, largestFirst)
	slices.SortFunc(unconf, largestFirst)
	for i := len(conf) - 1; i >= 0; i-- { // smallest single confirmed coin first
		if change, fee, ok := s.pays(conf[i : i+1]); ok {
			return []UTXO{conf[i]}, change, fee, nil
		}
	}
	all := append(slices.Clip(conf), unconf...)
	for n := 1; n <= len(all); n++ {
		if change, fee, ok := s.pays(all[:n]); ok {
			return slices.Clone(all[:n]), change, fee, nil
		}
	}
	var avail int64
	for _, c := range all {
		avail += c.Value
	}
	return nil, 0, 0, &InsufficientFundsError{Target: target, Fee: s.fee(len(all), false), Available: avail,
		Coins: len(all), Unusable: unusable}
}

// selector evaluates candidate input sets.
type selector struct {
	target, rate, base, changeW int64
}

// fee is the fee of a tx with n inputs, with or without change.
func (s selector) fee(n int, withChange bool) int64 {
	w := s.base + int64(n)*InputWeightP2TR + 4*int64(varIntLen(uint64(n))-1)
	if withChange {
		w += s.changeW
	}
	return (w + 3) / 4 * s.rate
}

// pays says whether coins pay target plus fee, and with what change.
func (s selector) pays(coins []UTXO) (change, fee int64, ok bool) {
	var sum int64
	for _, c := range coins {
		sum += c.Value
	}
	if fc := s.fee(len(coins), true); sum-s.target-fc >= DustP2TR {
		return sum - s.target - fc, fc, true
	}
	if fn := s.fee(len(coins), false); sum-s.target >= fn {
		return 0, sum - s.target, true
	}
	return 0, 0, false
}

// largestFirst orders by value descending, then txid bytes and index.
func largestFirst(a, b UTXO) int {
	if a.Value != b.Value {
		if a.Value > b.Value {
			return -1
		}
		return 1
	}
	if c := bytes.Compare(a.OutPoint.Hash[:], b.OutPoint.Hash[:]); c != 0 {
		return c
	}
	return int(int64(a.OutPoint.Index) - int64(b.OutPoint.Index))
}

// varIntLen is the length of Bitcoin's CompactSize encoding of n.
func varIntLen(n uint64) int {
	switch {
	case n < 0xfd:
		return 1
	case n <= 0xffff:
		return 3
	case n <= 0xffffffff:
		return 5
	}
	return 9
}
