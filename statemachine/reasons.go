package statemachine

import (
	"strconv"

	"github.com/bitai-l2/bitai/bitai"
)

// Execution-failure reasons 150–299 (rules T-12, S-15): a tx that passed authentication
// uses its nonce and pays its fee, and its effect is reverted. Codes are frozen like
// every bitai.Reason: a number never changes meaning; a new reason takes a new number.
const (
	// ReasonUnsupported: a sub-record version the state machine does not know
	// (DECISIONS B16), or a SubmitBatch on a node without a BatchVerifier.
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
	// ReasonParamsMalformed: params v1 data of the wrong length or a fullRollup byte
	// other than 0 or 1 (rule T-15).
	ReasonParamsMalformed bitai.Reason = 163
	// ReasonParamsOutOfBounds: params break rule T-16 or T-17.
	ReasonParamsOutOfBounds bitai.Reason = 164
	// ReasonBadVerifyingKey: the verifying key is not a canonical BN254 Groth16 key.
	ReasonBadVerifyingKey bitai.Reason = 165
	// ReasonNotAdmin: the sender is not the chain's admin.
	ReasonNotAdmin bitai.Reason = 166
	// ReasonBadL2Account: a deposit's l2Account or a chain's treasury is not a valid
	// BabyJubJub key (Z-14).
	ReasonBadL2Account bitai.Reason = 167
	// ReasonZeroAmount: a deposit of zero.
	ReasonZeroAmount bitai.Reason = 168
	// ReasonUnknownID: Reclaim names neither a request nor a deposit.
	ReasonUnknownID bitai.Reason = 169
	// ReasonNotOpen: the request or deposit was already reclaimed or settled.
	ReasonNotOpen bitai.Reason = 170
	// ReasonReclaimTooEarly: the reclaim window has not opened yet.
	ReasonReclaimTooEarly bitai.Reason = 171
	// ReasonObjectExists: the object id the tx would create is already taken.
	ReasonObjectExists bitai.Reason = 172
	// ReasonBadL2Op: a ChainMessage's l2Op is not a valid v1 op or its signature
	// fails (rule L-18).
	ReasonBadL2Op bitai.Reason = 173
	// ReasonNotSequencer: a SubmitBatch sender that is not a sequencer while the
	// escape hatch is closed.
	ReasonNotSequencer bitai.Reason = 174
	// ReasonChainFrozen: a SubmitBatch to a chain without a batch for FreezeBlocks.
	ReasonChainFrozen bitai.Reason = 175
	// ReasonBadBatchNumber: number ≠ the last settled batch's + 1.
	ReasonBadBatchNumber bitai.Reason = 176
	// ReasonBadPrevRoot: prevRoot ≠ the last settled root.
	ReasonBadPrevRoot bitai.Reason = 177
	// ReasonBadL1Height: l1Height below the previous batch's, above the height, or
	// more than SubmitWindow below it.
	ReasonBadL1Height bitai.Reason = 178
	// ReasonBadInboxTo: inboxTo outside [prev.inboxTo, inbox length], or its last
	// consumed entry confirmed after l1Height.
	ReasonBadInboxTo bitai.Reason = 179
	// ReasonForcedEntrySkipped: an entry confirmed at ≤ l1Height − forceDelay left
	// unconsumed by a batch that did not fill its inbox slots.
	ReasonForcedEntrySkipped bitai.Reason = 180
	// ReasonBadFieldElement: newRoot or dataHash is not a canonical field element.
	ReasonBadFieldElement bitai.Reason = 181
	// ReasonBadOutcomes: the outcomes sub-record does not decode (rule L-32).
	ReasonBadOutcomes bitai.Reason = 182
	// ReasonBadWithdrawals: the withdrawals sub-record does not decode (rule L-33).
	ReasonBadWithdrawals bitai.Reason = 183
	// ReasonUnknownRequest: an outcome names no request of the chain with an inbox
	// index below inboxTo.
	ReasonUnknownRequest bitai.Reason = 184
	// ReasonDuplicateOutcome: two outcomes name the same request.
	ReasonDuplicateOutcome bitai.Reason = 185
	// ReasonOutcomeLate: an outcome for a request whose deadline is below l1Height.
	ReasonOutcomeLate bitai.Reason = 186
	// ReasonDataMismatch: inline data that does not decode as a DA record or whose
	// hash is not dataHash.
	ReasonDataMismatch bitai.Reason = 187
	// ReasonBadProof: the BatchVerifier rejects the proof.
	ReasonBadProof bitai.Reason = 188
	// ReasonBridgeInsufficient: a withdrawal or exit exceeds the chain's bridge.
	ReasonBridgeInsufficient bitai.Reason = 189
	// ReasonSupplyMismatch: after settlement, l2Supply ≠ the chain's bridge.
	ReasonSupplyMismatch bitai.Reason = 190
	// ReasonExitTooEarly: an Exit from a chain that is not frozen.
	ReasonExitTooEarly bitai.Reason = 191
	// ReasonAlreadyExited: the account index of the chain was already paid.
	ReasonAlreadyExited bitai.Reason = 192
	// ReasonBadExitProof: the leaf and path do not prove a signed exit against the
	// last settled root (rule L-40).
	ReasonBadExitProof bitai.Reason = 193
	// ReasonBadRevealOutput: a forced Reveal on a full-rollup chain without its
	// output or whose output does not hash to its digest (rule L-41).
	ReasonBadRevealOutput bitai.Reason = 194
	// ReasonOutputsMismatch: a full-rollup chain's batch whose inline data is not
	// data v2 with one output per Reveal op, each hashing to its digest (rule L-41).
	ReasonOutputsMismatch bitai.Reason = 195
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
	ReasonBadL2Op - 150:             "bad_l2_op",
	ReasonNotSequencer - 150:        "not_sequencer",
	ReasonChainFrozen - 150:         "chain_frozen",
	ReasonBadBatchNumber - 150:      "bad_batch_number",
	ReasonBadPrevRoot - 150:         "bad_prev_root",
	ReasonBadL1Height - 150:         "bad_l1_height",
	ReasonBadInboxTo - 150:          "bad_inbox_to",
	ReasonForcedEntrySkipped - 150:  "forced_entry_skipped",
	ReasonBadFieldElement - 150:     "bad_field_element",
	ReasonBadOutcomes - 150:         "bad_outcomes",
	ReasonBadWithdrawals - 150:      "bad_withdrawals",
	ReasonUnknownRequest - 150:      "unknown_request",
	ReasonDuplicateOutcome - 150:    "duplicate_outcome",
	ReasonOutcomeLate - 150:         "outcome_late",
	ReasonDataMismatch - 150:        "data_mismatch",
	ReasonBadProof - 150:            "bad_proof",
	ReasonBridgeInsufficient - 150:  "bridge_insufficient",
	ReasonSupplyMismatch - 150:      "supply_mismatch",
	ReasonExitTooEarly - 150:        "exit_too_early",
	ReasonAlreadyExited - 150:       "already_exited",
	ReasonBadExitProof - 150:        "bad_exit_proof",
	ReasonBadRevealOutput - 150:     "bad_reveal_output",
	ReasonOutputsMismatch - 150:     "outputs_mismatch",
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
