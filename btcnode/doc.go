// Package btcnode is the typed, context-aware client for the Bitcoin node BitAI reads
// from and writes to: btcd, and Bitcoin Core where their RPCs agree (DESIGN.md §2,
// DECISIONS.md A10).
//
// It speaks JSON-RPC 1.0 over net/http with btcd's btcjson types; every call takes a
// context and is bounded by Config.Timeout (rpcclient has neither, and blocks up to a
// minute on a stopped node). The only websocket use is NotifyBlocks (btcd's
// notifyblocks). Calls use the RPCs both backends share (getbestblockhash,
// getblockhash, getblockheader, getblock h 0, getblockcount, sendrawtransaction,
// getrawmempool); Config.Backend picks estimatefee or estimatesmartfee, getinfo or
// getnetworkinfo. Generate and NotifyBlocks are btcd-only.
//
// errors.go is the one place that turns node error codes and message strings into
// typed errors (ErrBlockNotFound, ErrTxRejected and its reasons, ErrUnauthorized,
// ErrTemporary, ...); callers use errors.Is and never match message text.
//
// The package must never keep chain state, retry on its own, or decide confirmation:
// btcd's mempool can be wrong after a peer-driven reorg (DESIGN.md §8), so callers
// decide from blocks. Reorg-aware following lives in btcnode/follow, real-btcd test
// nodes in btcnode/testnode.
package btcnode
