package btcnode

// This file is the one place where node error codes and message strings (btcd v0.26.2
// and Bitcoin Core) become typed errors (STYLE.md §6, after btcwallet's chain/errors.go).
// Callers match with errors.Is and never look at message text themselves.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/btcsuite/btcd/btcjson"
)

// Typed errors. An *Error may match several of them: every refusal of a transaction
// matches ErrTxRejected plus the specific reasons found (an RBF fee failure matches
// ErrTxRejected, ErrRBFRejected and ErrInsufficientFee). ErrTxAlreadyKnown and
// ErrTxAlreadyInChain also match ErrTxRejected, so test them first where "already
// there" counts as success.
var (
	// ErrBlockNotFound: the node does not know the block (hash or height).
	ErrBlockNotFound = errors.New("block not found")
	// ErrBlockRejected: submitblock refused the block.
	ErrBlockRejected = errors.New("block rejected")
	// ErrDuplicateBlock: submitblock was given a block the node already has.
	ErrDuplicateBlock = errors.New("duplicate block")

	// ErrTxRejected: the node refused a transaction (any reason).
	ErrTxRejected = errors.New("transaction rejected")
	// ErrInsufficientFee: the fee or fee rate is below what the node requires
	// (minimum relay fee, priority, or a replacement's fee rules).
	ErrInsufficientFee = errors.New("insufficient fee")
	// ErrTxAlreadyKnown: the transaction is already in the mempool.
	ErrTxAlreadyKnown = errors.New("transaction already in mempool")
	// ErrTxAlreadyInChain: the transaction's outputs are already in the UTXO set.
	ErrTxAlreadyInChain = errors.New("transaction already in chain")
	// ErrMissingInputs: an input is unknown or already spent by a confirmed tx
	// (btcd calls this an orphan; neither backend tells the two apart).
	ErrMissingInputs = errors.New("missing or spent inputs")
	// ErrNonStandard: the transaction breaks relay policy (dust, weight, script form...).
	ErrNonStandard = errors.New("non-standard transaction")
	// ErrRBFRejected: the transaction conflicts with a mempool transaction and
	// does not qualify as its replacement.
	ErrRBFRejected = errors.New("replacement rejected")

	// ErrUnauthorized: bad credentials (HTTP 401/403).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrMethodNotFound: the node does not implement the RPC.
	ErrMethodNotFound = errors.New("method not found")
	// ErrNotSupported: the client does not offer this call for the configured backend.
	ErrNotSupported = errors.New("not supported by backend")
	// ErrWarmingUp: the node is starting (Core's -28); also matches ErrTemporary.
	ErrWarmingUp = errors.New("node warming up")
	// ErrNoFeeEstimate: the node has no fee estimate yet.
	ErrNoFeeEstimate = errors.New("no fee estimate")

	// errNotMainChain: btcd answers verbose getblockheader only for best-chain
	// blocks (BlockHeader then walks back with raw headers).
	errNotMainChain = errors.New("block not in main chain")

	// ErrTemporary: retry with backoff. Matched by connection failures (refused,
	// reset, closed early), timeouts (the per-call timeout or the caller's deadline),
	// HTTP 503 and ErrWarmingUp. A cancelled context is not temporary.
	ErrTemporary = errors.New("temporary node error")
)

// Error is an error from the node, or from the way to it, with the typed errors it
// maps to. Use errors.Is with the Err* values above; Unwrap gives the transport
// cause (net, context) where there is one.
type Error struct {
	Method     string // RPC method
	Code       int    // JSON-RPC error code; 0 when the node sent none
	Message    string // node's message, or a description of the transport failure
	HTTPStatus int    // HTTP status when the reply was not a JSON-RPC reply
	kinds      []error
	cause      error
}

// Error formats the method, code and message.
func (e *Error) Error() string {
	switch {
	case e.cause != nil:
		return fmt.Sprintf("btcnode %s: %v", e.Method, e.cause)
	case e.Code != 0:
		return fmt.Sprintf("btcnode %s: %d: %s", e.Method, e.Code, e.Message)
	case e.HTTPStatus != 0:
		return fmt.Sprintf("btcnode %s: HTTP %d: %s", e.Method, e.HTTPStatus, e.Message)
	}
	return fmt.Sprintf("btcnode %s: %s", e.Method, e.Message)
}

// Is reports whether target is one of the typed errors e maps to.
func (e *Error) Is(target error) bool {
	for _, k := range e.kinds {
		if k == target {
			return true
		}
	}
	return false
}

// Unwrap returns the transport cause, if any.
func (e *Error) Unwrap() error { return e.cause }

// IsTemporary reports whether err is worth retrying with backoff.
func IsTemporary(err error) bool { return errors.Is(err, ErrTemporary) }

// substringRule maps a message containing text (lower case) to kinds.
type substringRule struct {
	text  string
	kinds []error
}

var (
	txRBF       = []error{ErrTxRejected, ErrRBFRejected}
	txRBFFee    = []error{ErrTxRejected, ErrRBFRejected, ErrInsufficientFee}
	txFee       = []error{ErrTxRejected, ErrInsufficientFee}
	txNonStd    = []error{ErrTxRejected, ErrNonStandard}
	txMissing   = []error{ErrTxRejected, ErrMissingInputs}
	txKnown     = []error{ErrTxRejected, ErrTxAlreadyKnown}
	txInChain   = []error{ErrTxRejected, ErrTxAlreadyInChain}
	blkNotFound = []error{ErrBlockNotFound}
	noEstimate  = []error{ErrNoFeeEstimate}
)

// substringRules: btcd's messages (and Core's free-text ones), matched in order on the
// lower-cased message. Sources are btcd v0.26.2 unless marked Core.
var substringRules = []substringRule{
	// mempool/mempool.go validateReplacement and checkPoolDoubleSpend.
	{"replacement transaction has an insufficient fee rate", txRBFFee},
	{"replacement transaction has an insufficient absolute fee", txRBFFee},
	{"replacement transaction evicts more transactions than permitted", txRBF},
	{"replacement transaction spends parent transaction", txRBF},
	{"replacement transaction spends new unconfirmed input", txRBF},
	{"output already spent in mempool", txRBF},
	// mempool/mempool.go fee and priority checks.
	{"fees which is under the required amount", txFee},
	{"has insufficient priority", txFee},
	{"rejected by the rate limiter due to low fees", txFee},
	// mempool/mempool.go duplicates and missing parents.
	{"already have transaction", txKnown},
	{"transaction already exists in blockchain", txInChain},
	{"orphan transaction", txMissing},
	{"either does not exist or has already been spent", txMissing}, // blockchain CheckTransactionInputs
	// mempool/mempool.go and mempool/policy.go standardness.
	{"is not standard", txNonStd},
	{"has a non-standard input", txNonStd},
	{"sigop cost is too high", txNonStd},
	{"is too small", txNonStd},
	// Core node/transaction.cpp and common/messages.cpp (-27; wording before and after v28).
	{"transaction already in block chain", txInChain},
	{"transaction outputs already in utxo set", txInChain},
	// Core ≤ 0.18 sendrawtransaction (-25).
	{"missing inputs", txMissing},
	// rpcserver.go getblock/getblockheader (both backends say it), getblockhash;
	// blockchain/chain.go InvalidateBlock/ReconsiderBlock; Core getblockhash (-8).
	{"block not found", blkNotFound},
	{"block number out of range", blkNotFound},
	{"block height out of range", blkNotFound},
	{"is not found and thus cannot be", blkNotFound},
	// mempool/estimatefee.go EstimateFee; rpcserver.go handleEstimateFee.
	{"not enough blocks have been observed", noEstimate},
	{"fee estimation disabled", noEstimate},
	// rpcserver.go ErrRPCUnimplemented (-1).
	{"command unimplemented", []error{ErrMethodNotFound}},
	// blockchain/chainio.go BlockHeightByHash, via verbose getblockheader (-32603).
	{"is not in the main chain", []error{errNotMainChain}},
}

// btcdMalformed is what btcd v0.26.2 sends for any plain (non-RPCError) handler error:
// processRequest (rpcserver.go:4331) replaces it with -32600 "Invalid request:
// malformed", so the reason is lost and only the method tells what went wrong.
const btcdMalformed = "invalid request: malformed"

// malformedKinds classifies btcdMalformed by method: invalidateblock and
// reconsiderblock fail so for an unknown block (blockchain/chain.go:1904, 2042; also
// for genesis), estimatefee before three blocks or beyond 25 blocks
// (mempool/estimatefee.go:565, 573).
var malformedKinds = map[string][]error{
	"invalidateblock": blkNotFound,
	"reconsiderblock": blkNotFound,
	"estimatefee":     noEstimate,
}

// coreReasons: Bitcoin Core's reject reasons (validation.cpp, policy/policy.cpp,
// policy/rbf.cpp), matched exactly against the reason token that opens a -25/-26
// message ("reason" or "reason, debug message" or "reason (code n)").
var coreReasons = map[string][]error{
	"insufficient fee":                    txRBFFee, // RBF rules 3/4: "insufficient fee, rejecting replacement ..."
	"txn-mempool-conflict":                txRBF,
	"replacement-adds-unconfirmed":        txRBF,
	"too many potential replacements":     txRBF,
	"bad-txns-spends-conflicting-tx":      txRBF,
	"min relay fee not met":               txFee,
	"mempool min fee not met":             txFee,
	"txn-already-in-mempool":              txKnown,
	"txn-already-known":                   txKnown,
	"txn-same-nonwitness-data-in-mempool": txKnown,
	"bad-txns-inputs-missingorspent":      txMissing,
	"missing-inputs":                      txMissing,
	"version":                             txNonStd,
	"tx-size":                             txNonStd,
	"tx-size-small":                       txNonStd,
	"scriptsig-size":                      txNonStd,
	"scriptsig-not-pushonly":              txNonStd,
	"scriptpubkey":                        txNonStd,
	"bare-multisig":                       txNonStd,
	"dust":                                txNonStd,
	"multi-op-return":                     txNonStd,
	"bad-txns-nonstandard-inputs":         txNonStd,
	"bad-witness-nonstandard":             txNonStd,
}

// coreReason returns the reject-reason token of a Core message.
func coreReason(msg string) string {
	if i := strings.Index(msg, ", "); i >= 0 {
		msg = msg[:i]
	}
	if i := strings.Index(msg, " (code "); i >= 0 {
		msg = msg[:i]
	}
	return strings.ToLower(strings.TrimSpace(msg))
}

// kindsFor classifies a JSON-RPC error reply of method.
func kindsFor(method string, code int, msg string) []error {
	switch btcjson.RPCErrorCode(code) {
	case btcjson.ErrRPCInWarmup: // Core -28: "Loading block index…", "Verifying blocks…"
		return []error{ErrWarmingUp, ErrTemporary}
	case btcjson.ErrRPCMethodNotFound.Code: // -32601, both backends
		return []error{ErrMethodNotFound}
	}
	lower := strings.ToLower(msg)
	if code == int(btcjson.ErrRPCInvalidRequest.Code) && lower == btcdMalformed {
		return malformedKinds[method]
	}
	for _, r := range substringRules {
		if strings.Contains(lower, r.text) {
			return r.kinds
		}
	}
	if code == int(btcjson.ErrRPCVerify) || code == int(btcjson.ErrRPCVerifyRejected) {
		if k, ok := coreReasons[coreReason(msg)]; ok {
			return k
		}
	}
	if method == "sendrawtransaction" {
		switch btcjson.RPCErrorCode(code) {
		case btcjson.ErrRPCVerifyAlreadyInChain:
			return txInChain
		case btcjson.ErrRPCVerify, btcjson.ErrRPCVerifyRejected, btcjson.ErrRPCDeserialization:
			return []error{ErrTxRejected}
		}
	}
	return nil
}

// rpcError builds the *Error for a JSON-RPC error reply.
func rpcError(method string, code int, msg string) *Error {
	return &Error{Method: method, Code: code, Message: msg, kinds: kindsFor(method, code, msg)}
}

// httpError builds the *Error for an HTTP reply that carried no JSON-RPC reply.
func httpError(method string, status int, body string) *Error {
	e := &Error{Method: method, HTTPStatus: status, Message: strings.TrimSpace(body)}
	switch status {
	case 401, 403: // btcd rpcserver.go jsonAuthFail; Core httprpc.cpp (401, empty body)
		e.kinds = []error{ErrUnauthorized}
	case 404: // Core: -32601 comes with HTTP 404, normally with a JSON body
		e.kinds = []error{ErrMethodNotFound}
	case 502, 503, 504: // btcd limitConnections "503 Too busy"; Core "Work queue depth exceeded"
		e.kinds = []error{ErrTemporary}
	}
	return e
}

// transportError builds the *Error for a failure to get any reply.
func transportError(method string, err error) *Error {
	e := &Error{Method: method, Message: err.Error(), cause: err}
	if isTemporaryTransport(err) {
		e.kinds = []error{ErrTemporary}
	}
	return e
}

// isTemporaryTransport classifies errors below JSON-RPC: refused or dropped
// connections and timeouts are temporary; a cancelled context, TLS and certificate
// failures are not.
func isTemporaryTransport(err error) bool {
	switch {
	case errors.Is(err, context.Canceled):
		return false
	case errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF):
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// submitBlockError maps submitblock's string result (BIP22) to an error: btcd answers
// "rejected: <rule error>" (rpcserver.go handleSubmitBlock), Core a reason such as
// "duplicate", "high-hash" or "bad-prevblk". Core's "inconclusive" (valid, not on the
// best chain) is success, as btcd's nil is for a side-branch block.
func submitBlockError(result string) error {
	switch r := strings.ToLower(result); {
	case r == "" || r == "inconclusive":
		return nil
	case strings.HasPrefix(r, "duplicate") || strings.Contains(r, "already have block"):
		return &Error{Method: "submitblock", Message: result, kinds: []error{ErrBlockRejected, ErrDuplicateBlock}}
	default:
		return &Error{Method: "submitblock", Message: result, kinds: []error{ErrBlockRejected}}
	}
}
