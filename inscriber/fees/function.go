package fees

// FeeFunction gives the fee rate (sat/vB) to broadcast at when the chain tip is at
// height: the replacement sent then is meant for block height+1.
type FeeFunction interface{ RateAt(height int32) int64 }

// linear is LinearFee's FeeFunction.
type linear struct {
	start, cap  int64
	startHeight int32
	width       int32 // blocks from startHeight to the first height at cap
}

var _ FeeFunction = linear{}

// LinearFee returns the deadline-driven fee function of lnd's sweeper
// (sweep/fee_function.go, LinearFeeFunction): the rate is start at startHeight and
// rises linearly to cap, which it reaches one block before the deadline, so a
// replacement broadcast at tip deadline-1 can still be mined in block deadline
// (lnd's width = conf target − 1, the fix of lnd#8741). It stays at cap from then
// on. Rates are whole sat/vB; intermediate rates are rounded up, so the function
// never decreases and reaches cap exactly:
//
//	width    = deadline − startHeight − 1
//	RateAt(h) = start                                        h ≤ startHeight
//	          = start + ⌈(cap − start)·(h − startHeight)/width⌉  startHeight < h < startHeight + width
//	          = cap                                          h ≥ startHeight + width
//
// A deadline at most one block after startHeight (width ≤ 0) gives cap at once, as
// lnd does for a conf target ≤ 1; a start above cap is lowered to cap.
func LinearFee(start, cap int64, startHeight, deadline int32) FeeFunction {
	start = min(start, cap)
	return linear{start: start, cap: cap, startHeight: startHeight, width: deadline - startHeight - 1}
}

// RateAt implements FeeFunction.
func (l linear) RateAt(height int32) int64 {
	if l.width <= 0 {
		return l.cap
	}
	pos := int64(height) - int64(l.startHeight)
	switch {
	case pos <= 0:
		return l.start
	case pos >= int64(l.width):
		return l.cap
	}
	return l.start + ceilDiv((l.cap-l.start)*pos, int64(l.width))
}

// MinReplacementFee returns the least absolute fee (sat) a replacement of vsize
// newVSize may pay for a replaced transaction set paying oldFee over oldVSize, with
// incrementalRelay in sat/vB (Core's -incrementalrelayfee; 1 sat/vB for btcd and
// Core ≤ v29). It is the largest of:
//
//	BIP125 rule 3: newFee ≥ oldFee
//	BIP125 rule 4: newFee − oldFee ≥ incrementalRelay·newVSize
//	feerate rule:  ⌊newFee·1000/newVSize⌋ > ⌊oldFee·1000/oldVSize⌋
//
// The last is Core ≤ v30's "replacement feerate must exceed the original's" (its
// rule 6, compared in sat/kvB as CFeeRate does); for one conflict it is also what
// v31's feerate-diagram check needs. Rules 3–4 alone allow a larger replacement
// with a lower feerate, which those nodes refuse. oldVSize ≤ 0 skips the feerate
// rule.
func MinReplacementFee(oldFee, oldVSize, newVSize, incrementalRelay int64) int64 {
	fee := oldFee + incrementalRelay*newVSize
	if oldVSize > 0 && newVSize > 0 {
		oldRate := oldFee * 1000 / oldVSize // sat/kvB, truncated like CFeeRate
		fee = max(fee, ceilDiv((oldRate+1)*newVSize, 1000))
	}
	return fee
}
