package bitai

import "errors"

// Reasons 100–149: tx decoding (100–119) and authentication failures (120–149),
// rules T-12 and T-13. A tx that fails either is skipped: nothing happens, its
// nonce is not used and no fee is paid.
const (
	ReasonTxShortRead          Reason = 100 // ErrShortRead
	ReasonTxFieldTooLong       Reason = 101 // ErrFieldTooLong
	ReasonTxNonCanonical       Reason = 102 // ErrNonCanonical
	ReasonTxUnsortedSet        Reason = 103 // ErrUnsortedSet
	ReasonTxBadObjectID        Reason = 104 // ErrBadObjectID
	ReasonTxTrailingBytes      Reason = 105 // ErrTrailingBytes
	ReasonTxUnknownKind        Reason = 106 // ErrUnknownKind
	ReasonTxUnsupportedVersion Reason = 107 // ErrUnsupportedVersion
	ReasonTxMalformed          Reason = 119 // any other decode error (not produced by DecodeTx)

	ReasonTxBadSenderKey   Reason = 120 // the sender key does not lift to a point
	ReasonTxBadSignature   Reason = 121 // the BIP340 signature does not verify
	ReasonTxNotActivated   Reason = 122 // no activation, or height < activation height
	ReasonTxExpired        Reason = 123 // height > expiry
	ReasonTxExpiryTooFar   Reason = 124 // expiry > height + MaxExpiryDistance
	ReasonTxWrongInscriber Reason = 125 // the tx names another inscriber key
	ReasonTxNonceMismatch  Reason = 126 // nonce ≠ the sender's next nonce
	ReasonTxFeeUnpayable   Reason = 127 // the sender's balance < fee
)

func init() {
	registerReasons(map[Reason]string{
		ReasonTxShortRead:          "tx_short_read",
		ReasonTxFieldTooLong:       "tx_field_too_long",
		ReasonTxNonCanonical:       "tx_non_canonical",
		ReasonTxUnsortedSet:        "tx_unsorted_set",
		ReasonTxBadObjectID:        "tx_bad_object_id",
		ReasonTxTrailingBytes:      "tx_trailing_bytes",
		ReasonTxUnknownKind:        "tx_unknown_kind",
		ReasonTxUnsupportedVersion: "tx_unsupported_version",
		ReasonTxMalformed:          "tx_malformed",
		ReasonTxBadSenderKey:       "tx_bad_sender_key",
		ReasonTxBadSignature:       "tx_bad_signature",
		ReasonTxNotActivated:       "tx_not_activated",
		ReasonTxExpired:            "tx_expired",
		ReasonTxExpiryTooFar:       "tx_expiry_too_far",
		ReasonTxWrongInscriber:     "tx_wrong_inscriber",
		ReasonTxNonceMismatch:      "tx_nonce_mismatch",
		ReasonTxFeeUnpayable:       "tx_fee_unpayable",
	})
}

// txErrorReasons maps the error kinds of DecodeTx and VerifySig to their reasons.
var txErrorReasons = []struct {
	kind   ErrorKind
	reason Reason
}{
	{ErrShortRead, ReasonTxShortRead},
	{ErrFieldTooLong, ReasonTxFieldTooLong},
	{ErrNonCanonical, ReasonTxNonCanonical},
	{ErrUnsortedSet, ReasonTxUnsortedSet},
	{ErrBadObjectID, ReasonTxBadObjectID},
	{ErrTrailingBytes, ReasonTxTrailingBytes},
	{ErrUnknownKind, ReasonTxUnknownKind},
	{ErrUnsupportedVersion, ReasonTxUnsupportedVersion},
	{ErrBadSenderKey, ReasonTxBadSenderKey},
	{ErrBadSignature, ReasonTxBadSignature},
}

// TxErrorReason returns the reason code for an error of DecodeTx or VerifySig:
// ReasonNone for nil, the kind's code (rule T-13), or ReasonTxMalformed for any
// other error.
func TxErrorReason(err error) Reason {
	if err == nil {
		return ReasonNone
	}
	for _, m := range txErrorReasons {
		if errors.Is(err, m.kind) {
			return m.reason
		}
	}
	return ReasonTxMalformed
}

// CheckStateless runs the state-free authentication checks of a decoded,
// signature-checked tx included at Bitcoin height by a payload whose inscriber key
// is inscriber (rule T-12, steps 3–6), in this order:
//
//  1. the deployment is activated and height ≥ its activation height, else
//     ReasonTxNotActivated;
//  2. height ≤ expiry, else ReasonTxExpired;
//  3. expiry ≤ height + MaxExpiryDistance, else ReasonTxExpiryTooFar;
//  4. the tx names no inscriber or names inscriber, else ReasonTxWrongInscriber.
//
// For a chunk set, height is the height of its last chunk.
func CheckStateless(tx *Tx, dep *Deployment, height uint32, inscriber [32]byte) Reason {
	switch {
	case !dep.Activated || height < dep.ActivationHeight:
		return ReasonTxNotActivated
	case height > tx.Expiry:
		return ReasonTxExpired
	case uint64(tx.Expiry) > uint64(height)+MaxExpiryDistance:
		return ReasonTxExpiryTooFar
	case tx.Inscriber != nil && *tx.Inscriber != inscriber:
		return ReasonTxWrongInscriber
	}
	return ReasonNone
}

// CheckAccount runs the stateful authentication checks (rule T-12, steps 7–8)
// against the sender's next nonce and balance:
//
//  1. nonce = nextNonce, else ReasonTxNonceMismatch;
//  2. balance ≥ fee, else ReasonTxFeeUnpayable.
func CheckAccount(tx *Tx, nextNonce, balance uint64) Reason {
	switch {
	case tx.Nonce != nextNonce:
		return ReasonTxNonceMismatch
	case balance < tx.Fee:
		return ReasonTxFeeUnpayable
	}
	return ReasonNone
}
