// Package fees holds the inscriber's fee inputs: a FeeSource (a node's estimator
// clamped to a floor and a cap, or a fixed rate in tests), the deadline-driven fee
// function that moves a payload's rate from its start to the cap (after lnd's
// sweep/fee_function.go), and the minimum fee of a BIP125 replacement.
//
// Decisions (not consensus): rates are whole sat/vB (node answers in sat/kvB are
// rounded up), fees are rounded up; "no estimate yet" from the node is the floor,
// any other failure an error; the fee function reaches the cap one block before the
// deadline (lnd#8741); a replacement must also beat the replaced feerate (Core ≤ v30
// rule 6), beyond BIP125 rules 3–4.
//
// fees never broadcasts, never sleeps and never reads the wall clock.
package fees
