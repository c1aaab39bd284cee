package btcnode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// allKinds lists every typed error, so each case can check the kinds it must not match.
var allKinds = []error{
	ErrBlockNotFound, ErrBlockRejected, ErrDuplicateBlock, ErrTxRejected, ErrInsufficientFee,
	ErrTxAlreadyKnown, ErrTxAlreadyInChain, ErrMissingInputs, ErrNonStandard, ErrRBFRejected,
	ErrUnauthorized, ErrMethodNotFound, ErrNotSupported, ErrWarmingUp, ErrNoFeeEstimate, ErrTemporary,
}

const (
	txA = "9bd46b6a4a1f1d0ab9c5e5b0c33e3d6b0f0b6f6a1c3e2d4b5a697887766554433"
	txB = "0cc629ef2b8f1e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0918273645"
)

// TestErrorMapping feeds the classifier the messages btcd and Core really send. The
// btcd strings are built exactly as the cited format strings build them (sendrawtransaction
// prefixes "TX rejected: ", rpcserver.go handleSendRawTransaction), several of them as
// measured in research/spike-btcd.md; the Core strings are transcribed from Core's
// sources and functional tests (no bitcoind here: DECISIONS.md §2 item 4), not recorded.
func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name   string
		source string
		method string
		code   int
		msg    string
		want   []error
	}{
		// btcd v0.26.2, sendrawtransaction.
		{"btcd rbf fee rate", "btcd mempool/mempool.go:881 (measured, spike §3)", "sendrawtransaction", -26,
			"TX rejected: " + txA + ": replacement transaction has an insufficient fee rate: needs more than 2000, has 2000",
			[]error{ErrTxRejected, ErrRBFRejected, ErrInsufficientFee}},
		{"btcd rbf absolute fee", "btcd mempool/mempool.go:902", "sendrawtransaction", -26,
			"TX rejected: " + txA + ": replacement transaction has an insufficient absolute fee: needs 3000, has 2500",
			[]error{ErrTxRejected, ErrRBFRejected, ErrInsufficientFee}},
		{"btcd rbf evicts", "btcd mempool/mempool.go:847", "sendrawtransaction", -26,
			"TX rejected: " + txA + ": replacement transaction evicts more transactions than permitted: max is 100, evicts 101",
			[]error{ErrTxRejected, ErrRBFRejected}},
		{"btcd rbf spends parent", "btcd mempool/mempool.go:860", "sendrawtransaction", -26,
			"TX rejected: " + txA + ": replacement transaction spends parent transaction " + txB,
			[]error{ErrTxRejected, ErrRBFRejected}},
		{"btcd rbf new unconfirmed", "btcd mempool/mempool.go:919", "sendrawtransaction", -26,
			"TX rejected: replacement transaction spends new unconfirmed input " + txB + ":1 not found in conflicting transactions",
			[]error{ErrTxRejected, ErrRBFRejected}},
		{"btcd conflict without rbf signal", "btcd mempool/mempool.go:600", "sendrawtransaction", -26,
			"TX rejected: output already spent in mempool: output=" + txB + ":0, tx=" + txA,
			[]error{ErrTxRejected, ErrRBFRejected}},
		{"btcd under min fee", "btcd mempool/mempool.go:1697 (measured, spike §3)", "sendrawtransaction", -26,
			"TX rejected: transaction " + txA + " has 0 fees which is under the required amount of 98194",
			[]error{ErrTxRejected, ErrInsufficientFee}},
		{"btcd low priority", "btcd mempool/mempool.go:1722 (measured, spike §3)", "sendrawtransaction", -26,
			"TX rejected: transaction " + txA + " has insufficient priority (0 <= 5.76e+07)",
			[]error{ErrTxRejected, ErrInsufficientFee}},
		{"btcd rate limiter", "btcd mempool/mempool.go:1744", "sendrawtransaction", -26,
			"TX rejected: transaction " + txA + " has been rejected by the rate limiter due to low fees",
			[]error{ErrTxRejected, ErrInsufficientFee}},
		{"btcd already in mempool", "btcd mempool/mempool.go:1355", "sendrawtransaction", -26,
			"TX rejected: already have transaction in mempool " + txA,
			[]error{ErrTxRejected, ErrTxAlreadyKnown}},
		{"btcd already in chain", "btcd mempool/mempool.go:1429, code -27 rpcserver.go:3498", "sendrawtransaction", -27,
			"TX rejected: transaction already exists in blockchain",
			[]error{ErrTxRejected, ErrTxAlreadyInChain}},
		{"btcd orphan", "btcd mempool/mempool.go:1147, code -25 (measured, spike §2)", "sendrawtransaction", -25,
			"TX rejected: orphan transaction " + txA + " references outputs of unknown or fully-spent transaction " + txB,
			[]error{ErrTxRejected, ErrMissingInputs}},
		{"btcd weight", "btcd mempool/policy.go:368 via mempool.go:1620 (measured, spike §3)", "sendrawtransaction", -26,
			"TX rejected: transaction " + txA + " is not standard: weight of transaction is larger than max allowed: 402835 > 400000",
			[]error{ErrTxRejected, ErrNonStandard}},
		{"btcd dust", "btcd mempool/policy.go:419 via mempool.go:1620 (measured, spike §3)", "sendrawtransaction", -26,
			"TX rejected: transaction " + txA + " is not standard: transaction output 0: payment is dust: 329",
			[]error{ErrTxRejected, ErrNonStandard}},
		{"btcd nonstandard input", "btcd mempool/mempool.go:1636, policy.go:167", "sendrawtransaction", -26,
			"TX rejected: transaction " + txA + " has a non-standard input: transaction input #0 has a non-standard script form",
			[]error{ErrTxRejected, ErrNonStandard}},
		{"btcd too small", "btcd mempool/mempool.go:1362", "sendrawtransaction", -26,
			"TX rejected: tx " + txA + " is too small",
			[]error{ErrTxRejected, ErrNonStandard}},
		{"btcd sigops", "btcd mempool/mempool.go:1671", "sendrawtransaction", -26,
			"TX rejected: transaction " + txA + " sigop cost is too high: 80004 > 80000",
			[]error{ErrTxRejected, ErrNonStandard}},
		{"btcd immature coinbase (chain rule, -25)", "btcd blockchain/validate.go:1046, rpcserver.go:3488", "sendrawtransaction", -25,
			"TX rejected: tried to spend coinbase transaction output " + txB + ":0 from height 5 at height 50 before required maturity of 100 blocks",
			[]error{ErrTxRejected}},
		{"btcd script failure", "btcd blockchain/scriptval.go:97", "sendrawtransaction", -26,
			"TX rejected: failed to validate input " + txA + ":0 which references output " + txB + ":0 - signature not empty on failed checksig",
			[]error{ErrTxRejected}},
		// btcd v0.26.2, other methods.
		{"btcd getblock unknown", "btcd rpcserver.go:1100", "getblock", -5, "Block not found", []error{ErrBlockNotFound}},
		{"btcd getblockheader unknown", "btcd rpcserver.go:1372", "getblockheader", -5, "Block not found", []error{ErrBlockNotFound}},
		{"btcd getblockhash above tip", "btcd rpcserver.go:1352", "getblockhash", -1, "Block number out of range", []error{ErrBlockNotFound}},
		{"btcd invalidateblock unknown", "btcd blockchain/chain.go:1904 as rewritten by rpcserver.go:4331 (measured)", "invalidateblock", -32600,
			"Invalid request: malformed", []error{ErrBlockNotFound}},
		{"btcd reconsiderblock unknown", "btcd blockchain/chain.go:2042 as rewritten by rpcserver.go:4331", "reconsiderblock", -32600,
			"Invalid request: malformed", []error{ErrBlockNotFound}},
		{"btcd estimatefee early", "btcd mempool/estimatefee.go:565 as rewritten by rpcserver.go:4331 (measured)", "estimatefee", -32600,
			"Invalid request: malformed", []error{ErrNoFeeEstimate}},
		{"btcd malformed elsewhere", "btcd rpcserver.go:4331 (any other method)", "getblockcount", -32600,
			"Invalid request: malformed", nil},
		{"btcd unimplemented", "btcd rpcserver.go:119 (getmempoolentry, measured spike §2)", "getmempoolentry", -1,
			"Command unimplemented", []error{ErrMethodNotFound}},
		{"btcd method not found", "btcd btcjson/jsonrpcerr.go ErrRPCMethodNotFound (measured: estimatesmartfee)", "estimatesmartfee", -32601,
			"Method not found", []error{ErrMethodNotFound}},
		{"btcd generate without miningaddr", "btcd rpcserver.go:898", "generate", -32603,
			"No payment addresses specified via --miningaddr", nil},
		// Bitcoin Core (transcribed).
		{"core rbf fee", "Core policy/rbf.cpp PaysMoreThanConflicts", "sendrawtransaction", -26,
			"insufficient fee, rejecting replacement " + txA + "; new feerate 0.00002000 BTC/kvB <= old feerate 0.00002000 BTC/kvB",
			[]error{ErrTxRejected, ErrRBFRejected, ErrInsufficientFee}},
		{"core conflict", "Core validation.cpp PreChecks (TX_CONFLICT)", "sendrawtransaction", -26,
			"txn-mempool-conflict", []error{ErrTxRejected, ErrRBFRejected}},
		{"core min relay fee", "Core validation.cpp CheckFeeRate", "sendrawtransaction", -26,
			"min relay fee not met, 100 < 141", []error{ErrTxRejected, ErrInsufficientFee}},
		{"core mempool min fee", "Core validation.cpp CheckFeeRate", "sendrawtransaction", -26,
			"mempool min fee not met, 100 < 200", []error{ErrTxRejected, ErrInsufficientFee}},
		{"core missing inputs", "Core validation.cpp PreChecks, node/transaction.cpp HandleATMPError (-25)", "sendrawtransaction", -25,
			"bad-txns-inputs-missingorspent", []error{ErrTxRejected, ErrMissingInputs}},
		{"core old missing inputs", "Core ≤ 0.18 rpc/rawtransaction.cpp (-25)", "sendrawtransaction", -25,
			"Missing inputs", []error{ErrTxRejected, ErrMissingInputs}},
		{"core already known", "Core validation.cpp PreChecks (testmempoolaccept reason)", "sendrawtransaction", -26,
			"txn-already-known", []error{ErrTxRejected, ErrTxAlreadyKnown}},
		{"core already in mempool", "Core validation.cpp PreChecks", "sendrawtransaction", -26,
			"txn-already-in-mempool", []error{ErrTxRejected, ErrTxAlreadyKnown}},
		{"core in utxo set (v28+)", "Core common/messages.cpp TransactionErrorString (-27)", "sendrawtransaction", -27,
			"Transaction outputs already in utxo set", []error{ErrTxRejected, ErrTxAlreadyInChain}},
		{"core in block chain (≤ v27)", "Core util/error.cpp TransactionErrorString (-27)", "sendrawtransaction", -27,
			"Transaction already in block chain", []error{ErrTxRejected, ErrTxAlreadyInChain}},
		{"core dust", "Core policy/policy.cpp IsStandardTx", "sendrawtransaction", -26,
			"dust", []error{ErrTxRejected, ErrNonStandard}},
		{"core dust, old format", "Core ≤ 0.19 FormatStateMessage", "sendrawtransaction", -26,
			"dust (code 64)", []error{ErrTxRejected, ErrNonStandard}},
		{"core tx-size", "Core policy/policy.cpp IsStandardTx", "sendrawtransaction", -26,
			"tx-size", []error{ErrTxRejected, ErrNonStandard}},
		{"core nonstandard inputs", "Core validation.cpp PreChecks", "sendrawtransaction", -26,
			"bad-txns-nonstandard-inputs", []error{ErrTxRejected, ErrNonStandard}},
		{"core script failure", "Core validation.cpp CheckInputScripts", "sendrawtransaction", -26,
			"mandatory-script-verify-flag-failed (Invalid Schnorr signature)", []error{ErrTxRejected}},
		{"core block not found", "Core rpc/blockchain.cpp getblock", "getblock", -5, "Block not found", []error{ErrBlockNotFound}},
		{"core height out of range", "Core rpc/blockchain.cpp getblockhash (-8)", "getblockhash", -8,
			"Block height out of range", []error{ErrBlockNotFound}},
		{"core warmup", "Core rpc/server.cpp RPC_IN_WARMUP (-28)", "getblockcount", -28,
			"Loading block index…", []error{ErrWarmingUp, ErrTemporary}},
		{"core method not found", "Core rpc/server.cpp (-32601)", "generate", -32601, "Method not found", []error{ErrMethodNotFound}},
		// Messages that must stay unclassified.
		{"core invalid address", "Core rpc (-5, same code as block not found)", "getaddressinfo", -5,
			"Invalid address", nil},
		{"tx words outside sendrawtransaction", "guard: 'dust' only counts as a Core reason token", "getblock", -8,
			"dusty parameter", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := error(rpcError(tc.method, tc.code, tc.msg))
			for _, k := range allKinds {
				want := false
				for _, w := range tc.want {
					want = want || w == k
				}
				require.Equal(t, want, errors.Is(err, k), "%v (source: %s)", k, tc.source)
			}
			require.False(t, errors.Is(err, errNotMainChain))
			require.Contains(t, err.Error(), tc.msg)
			require.Contains(t, err.Error(), tc.method)
			// Wrapping keeps the classification.
			wrapped := fmt.Errorf("broadcast: %w", err)
			for _, w := range tc.want {
				require.ErrorIs(t, wrapped, w)
			}
		})
	}
}

// TestNotMainChain: btcd's verbose getblockheader of a side-branch block (measured)
// is the internal signal for BlockHeader to walk raw headers.
func TestNotMainChain(t *testing.T) {
	err := rpcError("getblockheader", -32603, "block "+txA+" is not in the main chain")
	require.ErrorIs(t, err, errNotMainChain)
	require.NotErrorIs(t, err, ErrBlockNotFound)
}

func TestSubmitBlockError(t *testing.T) {
	tests := []struct {
		name   string
		result string // submitblock's string result
		want   []error
	}{
		{"accepted (Core inconclusive)", "inconclusive", nil},
		{"btcd duplicate", "rejected: already have block " + txA, []error{ErrBlockRejected, ErrDuplicateBlock}},
		{"btcd bad merkle", "rejected: block merkle root is invalid - block header indicates " + txA + ", but calculated value is " + txB,
			[]error{ErrBlockRejected}},
		{"core duplicate", "duplicate", []error{ErrBlockRejected, ErrDuplicateBlock}},
		{"core duplicate-invalid", "duplicate-invalid", []error{ErrBlockRejected, ErrDuplicateBlock}},
		{"core high-hash", "high-hash", []error{ErrBlockRejected}},
		{"core bad-prevblk", "bad-prevblk", []error{ErrBlockRejected}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := submitBlockError(tc.result)
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			for _, k := range allKinds {
				want := false
				for _, w := range tc.want {
					want = want || w == k
				}
				require.Equal(t, want, errors.Is(err, k), "%v", k)
			}
		})
	}
}

func TestTransportClassification(t *testing.T) {
	timeout := &net.OpError{Op: "read", Net: "tcp", Err: &timeoutErr{}}
	tests := []struct {
		name      string
		err       error
		temporary bool
	}{
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: &osSyscallErr{syscall.ECONNREFUSED}}, true},
		{"connection reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"closed early", io.ErrUnexpectedEOF, true},
		{"eof", fmt.Errorf("post: %w", io.EOF), true},
		{"deadline", fmt.Errorf("post: %w", context.DeadlineExceeded), true},
		{"net timeout", timeout, true},
		{"cancelled", fmt.Errorf("post: %w", context.Canceled), false},
		{"tls", errors.New("tls: failed to verify certificate: x509: certificate signed by unknown authority"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := transportError("getblockcount", tc.err)
			require.Equal(t, tc.temporary, IsTemporary(err))
			require.ErrorIs(t, err, tc.err) // cause stays reachable
		})
	}
	for _, tc := range []struct {
		status int
		want   error
	}{{401, ErrUnauthorized}, {403, ErrUnauthorized}, {404, ErrMethodNotFound}, {503, ErrTemporary}} {
		require.ErrorIs(t, httpError("getblockcount", tc.status, ""), tc.want, "HTTP %d", tc.status)
	}
	require.False(t, IsTemporary(httpError("getblockcount", 500, "boom")))
}

type timeoutErr struct{}

func (*timeoutErr) Error() string   { return "i/o timeout" }
func (*timeoutErr) Timeout() bool   { return true }
func (*timeoutErr) Temporary() bool { return true }

type osSyscallErr struct{ errno syscall.Errno }

func (e *osSyscallErr) Error() string { return "connect: " + e.errno.Error() }
func (e *osSyscallErr) Unwrap() error { return e.errno }
