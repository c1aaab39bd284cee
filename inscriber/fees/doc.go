// Package fees holds the inscriber's fee inputs: a FeeSource (a node's estimator
// clamped to a floor and a cap, or a fixed rate in tests), the deadline-driven fee
// function that moves a payload's rate from its start to the cap (after lnd's
// sweep/fee_function.go), and the minimum fee of a BIP125 replacement.
//
// All rates are integers in satoshis per virtual byte; fees are rounded up. fees
// never broadcasts, never sleeps and never reads the wall clock.
package fees
