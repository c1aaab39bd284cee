package statemachine

import (
	"strconv"

	"github.com/bitai-l2/bitai/bitai"
)

// Execution-failure reasons 150–299 (rules T-12, S-15): a tx that passed authentication
// uses its nonce and pays its fee, and its effect is reverted. Codes are frozen like
// every bitai.Reason: a number never changes meaning; a new reason takes a new number.
const (
	// ReasonUnsupported: SubmitBatch, Exit, or a sub-record version the state machine does
	// not know (DECISIONS B16).
	ReasonUnsupported bitai.Reason = 150
	// ReasonBadKey: a `to`, admin or sequencer key that does not lift to a curve point.
	ReasonBadKey bitai.Reason = 151
	// ReasonInsufficientBalance: the sender cannot pay an amount or an escrow.
	ReasonInsufficientBalance bitai.Reason = 152
	// ReasonBalanceOverflow: a credit would take a balance above 2^64 − 1.
	ReasonBalanceOverflow bitai.Reason = 153
	// ReasonAmountTooLarge: a fee or amount field above MaxMoney.
	ReasonAmountTooLarge bitai.Reason = 154
	// ReasonUnknownModel: no model with the id.
	ReasonUnknownModel bitai.Reason = 155
	// ReasonUnknownEternal: no Eternal with the id.
	ReasonUnknownEternal bitai.Reason = 156
	// ReasonNotOwner: the sender does not own the Eternal.
	ReasonNotOwner bitai.Reason = 157
	// ReasonUnknownChain: no chain with the id.
	ReasonUnknownChain bitai.Reason = 158
	// ReasonModelNotServed: the chain does not serve the Eternal's model.
	ReasonModelNotServed bitai.Reason = 159
	// ReasonPromptMismatch: the Infer's pinned prompt hash differs from the current prompt's.
	ReasonPromptMismatch bitai.Reason = 160
	// ReasonMaxFeeExceeded: the three Infer fees together exceed maxFee.
	ReasonMaxFeeExceeded bitai.Reason = 161
	// ReasonUnknownCircuit: the circuit id is not active in the deployment at this height.
	ReasonUnknownCircuit bitai.Reason = 162
	// ReasonParamsMalformed: params v1 data of the wrong length (rule T-15).
	ReasonParamsMalformed bitai.Reason = 163
	// ReasonParamsOutOfBounds: params break rule T-16 or T-17.
	ReasonParamsOutOfBounds bitai.Reason = 164
	// ReasonBadVerifyingKey: the verifying key is not a canonical BN254 Groth16 key.
	ReasonBadVerifyingKey bitai.Reason = 165
	// ReasonNotAdmin: the sender is not the chain's admin.
	ReasonNotAdmin bitai.Reason = 166
	// ReasonBadL2Account: the deposit's l2Account is not a valid BabyJubJub key (Z-14).
	ReasonBadL2Account bitai.Reason = 167
	// ReasonZeroAmount: a deposit of zero.
	ReasonZeroAmount bitai.Reason = 168
	// ReasonUnknownID: Reclaim names neither a request nor a deposit.
	ReasonUnknownID bitai.Reason = 169
	// ReasonNotOpen: the request or deposit was already reclaimed.
	ReasonNotOpen bitai.Reason = 170
	// ReasonReclaimTooEarly: the reclaim window has not opened yet.
	ReasonReclaimTooEarly bitai.Reason = 171
	// ReasonObjectExists: the object id the tx would create is already taken.
	ReasonObjectExists bitai.Reason = 172
)

// reasonNames holds the names of reasons 150–299. bitai keeps its name registry
// private, so statemachine keeps its own; ReasonName consults both.
var reasonNames = [...]string{
	ReasonUnsupported - 150:         "unsupported",
	ReasonBadKey - 150:              "bad_key",
	ReasonInsufficientBalance - 150: "insufficient_balance",
	ReasonBalanceOverflow - 150:     "balance_overflow",
	ReasonAmountTooLarge - 150:      "amount_too_large",
	ReasonUnknownModel - 150:        "unknown_model",
	ReasonUnknownEternal - 150:      "unknown_eternal",
	ReasonNotOwner - 150:            "not_owner",
	ReasonUnknownChain - 150:        "unknown_chain",
	ReasonModelNotServed - 150:      "model_not_served",
	ReasonPromptMismatch - 150:      "prompt_mismatch",
	ReasonMaxFeeExceeded - 150:      "max_fee_exceeded",
	ReasonUnknownCircuit - 150:      "unknown_circuit",
	ReasonParamsMalformed - 150:     "params_malformed",
	ReasonParamsOutOfBounds - 150:   "params_out_of_bounds",
	ReasonBadVerifyingKey - 150:     "bad_verifying_key",
	ReasonNotAdmin - 150:            "not_admin",
	ReasonBadL2Account - 150:        "bad_l2_account",
	ReasonZeroAmount - 150:          "zero_amount",
	ReasonUnknownID - 150:           "unknown_id",
	ReasonNotOpen - 150:             "not_open",
	ReasonReclaimTooEarly - 150:     "reclaim_too_early",
	ReasonObjectExists - 150:        "object_exists",
}

// ExecReasons returns the execution-failure reasons in code order.
func ExecReasons() []bitai.Reason {
	rs := make([]bitai.Reason, len(reasonNames))
	for i := range reasonNames {
		rs[i] = bitai.Reason(150 + i)
	}
	return rs
}

// ReasonName returns the stable snake_case name of any reason: statemachine's own for
// 150–299, bitai's otherwise.
func ReasonName(r bitai.Reason) string {
	if r >= 150 && r <= 299 {
		if i := int(r - 150); i < len(reasonNames) && reasonNames[i] != "" {
			return reasonNames[i]
		}
		return "reason_" + strconv.Itoa(int(r))
	}
	return r.String()
}
