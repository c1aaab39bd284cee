package btcnode

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"time"

	"github.com/btcsuite/btcd/btcjson"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// BlockID names a block on the node's best chain at the time of the call.
type BlockID struct {
	Hash   chainhash.Hash
	Height int32
}

// BestBlock returns the node's tip (getbestblockhash, then getblockheader of that
// hash, so hash and height always belong together).
func (c *Client) BestBlock(ctx context.Context) (BlockID, error) {
	var s string
	if err := c.callCmd(ctx, btcjson.NewGetBestBlockHashCmd(), &s); err != nil {
		return BlockID{}, err
	}
	h, err := parseHash("getbestblockhash", s)
	if err != nil {
		return BlockID{}, err
	}
	_, height, err := c.BlockHeader(ctx, h)
	if err != nil {
		return BlockID{}, err
	}
	return BlockID{Hash: h, Height: height}, nil
}

// BlockCount returns the height of the node's tip (getblockcount).
func (c *Client) BlockCount(ctx context.Context) (int32, error) {
	var n int64
	if err := c.callCmd(ctx, btcjson.NewGetBlockCountCmd(), &n); err != nil {
		return 0, err
	}
	return int32(n), nil
}

// BlockHash returns the hash of the best-chain block at height (getblockhash);
// ErrBlockNotFound above the tip.
func (c *Client) BlockHash(ctx context.Context, height int32) (chainhash.Hash, error) {
	var s string
	if err := c.callCmd(ctx, btcjson.NewGetBlockHashCmd(int64(height)), &s); err != nil {
		return chainhash.Hash{}, err
	}
	return parseHash("getblockhash", s)
}

// BlockHeader returns a block's header and height; the block need not be on the
// best chain. It uses getblockheader verbose, which both backends answer with every
// header field (the rebuilt header must hash to hash). btcd answers verbose only for
// best-chain blocks, so for a side-branch block it reads raw headers back to the
// best chain and counts.
func (c *Client) BlockHeader(ctx context.Context, hash chainhash.Hash) (*wire.BlockHeader, int32, error) {
	hdr, height, err := c.headerVerbose(ctx, hash)
	if !errors.Is(err, errNotMainChain) {
		return hdr, height, err
	}
	hdr, err = c.headerRaw(ctx, hash)
	if err != nil {
		return nil, 0, err
	}
	for cur, steps := hdr, int32(1); ; steps++ {
		_, h, err := c.headerVerbose(ctx, cur.PrevBlock)
		if err == nil {
			return hdr, h + steps, nil
		}
		if !errors.Is(err, errNotMainChain) {
			return nil, 0, err
		}
		if cur, err = c.headerRaw(ctx, cur.PrevBlock); err != nil {
			return nil, 0, err
		}
	}
}

// headerVerbose is getblockheader hash true.
func (c *Client) headerVerbose(ctx context.Context, hash chainhash.Hash) (*wire.BlockHeader, int32, error) {
	verbose := true
	var r btcjson.GetBlockHeaderVerboseResult
	if err := c.callCmd(ctx, btcjson.NewGetBlockHeaderCmd(hash.String(), &verbose), &r); err != nil {
		return nil, 0, err
	}
	hdr, err := headerFromVerbose(&r)
	if err != nil {
		return nil, 0, &Error{Method: "getblockheader", Message: err.Error()}
	}
	if got := hdr.BlockHash(); got != hash {
		return nil, 0, &Error{Method: "getblockheader", Message: fmt.Sprintf("header hashes to %v, asked for %v", got, hash)}
	}
	return hdr, r.Height, nil
}

// headerRaw is getblockheader hash false (80 bytes of hex).
func (c *Client) headerRaw(ctx context.Context, hash chainhash.Hash) (*wire.BlockHeader, error) {
	verbose := false
	var raw hexBytes
	if err := c.callCmd(ctx, btcjson.NewGetBlockHeaderCmd(hash.String(), &verbose), &raw); err != nil {
		return nil, err
	}
	var hdr wire.BlockHeader
	if err := hdr.Deserialize(bytes.NewReader(raw)); err != nil || len(raw) != wire.MaxBlockHeaderPayload {
		return nil, &Error{Method: "getblockheader", Message: fmt.Sprintf("bad raw header (%d bytes)", len(raw))}
	}
	if got := hdr.BlockHash(); got != hash {
		return nil, &Error{Method: "getblockheader", Message: fmt.Sprintf("header hashes to %v, asked for %v", got, hash)}
	}
	return &hdr, nil
}

// headerFromVerbose rebuilds a wire header from getblockheader's verbose fields.
func headerFromVerbose(r *btcjson.GetBlockHeaderVerboseResult) (*wire.BlockHeader, error) {
	var prev chainhash.Hash
	if r.PreviousHash != "" { // absent for genesis
		p, err := chainhash.NewHashFromStr(r.PreviousHash)
		if err != nil {
			return nil, fmt.Errorf("previousblockhash: %w", err)
		}
		prev = *p
	}
	merkle, err := chainhash.NewHashFromStr(r.MerkleRoot)
	if err != nil {
		return nil, fmt.Errorf("merkleroot: %w", err)
	}
	bits, err := strconv.ParseUint(r.Bits, 16, 32)
	if err != nil {
		return nil, fmt.Errorf("bits: %w", err)
	}
	if r.Nonce > 0xffffffff {
		return nil, fmt.Errorf("nonce %d out of range", r.Nonce)
	}
	return &wire.BlockHeader{
		Version:    r.Version,
		PrevBlock:  prev,
		MerkleRoot: *merkle,
		Timestamp:  time.Unix(r.Time, 0),
		Bits:       uint32(bits),
		Nonce:      uint32(r.Nonce),
	}, nil
}

// RawBlock returns a block's serialization with witnesses (getblock hash 0).
func (c *Client) RawBlock(ctx context.Context, hash chainhash.Hash) ([]byte, error) {
	verbosity := 0
	var raw hexBytes
	if err := c.callCmd(ctx, btcjson.NewGetBlockCmd(hash.String(), &verbosity), &raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// Block returns a decoded block; its hash is checked against hash.
func (c *Client) Block(ctx context.Context, hash chainhash.Hash) (*wire.MsgBlock, error) {
	raw, err := c.RawBlock(ctx, hash)
	if err != nil {
		return nil, err
	}
	var b wire.MsgBlock
	if err := b.Deserialize(bytes.NewReader(raw)); err != nil {
		return nil, &Error{Method: "getblock", Message: "decoding block: " + err.Error()}
	}
	if got := b.BlockHash(); got != hash {
		return nil, &Error{Method: "getblock", Message: fmt.Sprintf("block hashes to %v, asked for %v", got, hash)}
	}
	return &b, nil
}

// SendRawTransaction submits tx (sendrawtransaction with the hex only, which both
// backends accept). It returns tx's hash even on error; refusals match ErrTxRejected
// and the specific reasons of errors.go.
func (c *Client) SendRawTransaction(ctx context.Context, tx *wire.MsgTx) (chainhash.Hash, error) {
	txid := tx.TxHash()
	var buf bytes.Buffer
	buf.Grow(tx.SerializeSize())
	if err := tx.Serialize(&buf); err != nil {
		return txid, fmt.Errorf("btcnode sendrawtransaction: %w", err)
	}
	var s string
	// btcjson's SendRawTransactionCmd always adds allowhighfees=false, which Core
	// (maxfeerate is a number) refuses: send the hex alone.
	if err := c.Call(ctx, "sendrawtransaction", []any{hex.EncodeToString(buf.Bytes())}, &s); err != nil {
		return txid, err
	}
	got, err := parseHash("sendrawtransaction", s)
	if err != nil {
		return txid, err
	}
	if got != txid {
		return txid, &Error{Method: "sendrawtransaction", Message: fmt.Sprintf("node returned txid %v for %v", got, txid)}
	}
	return txid, nil
}

// RawMempool returns the txids in the node's mempool (getrawmempool), in the node's
// order (unspecified).
func (c *Client) RawMempool(ctx context.Context) ([]chainhash.Hash, error) {
	var ss []string
	if err := c.callCmd(ctx, btcjson.NewGetRawMempoolCmd(nil), &ss); err != nil {
		return nil, err
	}
	out := make([]chainhash.Hash, len(ss))
	for i, s := range ss {
		h, err := parseHash("getrawmempool", s)
		if err != nil {
			return nil, err
		}
		out[i] = h
	}
	return out, nil
}

// btcdMaxFeeTarget is the farthest target btcd estimates (mempool/estimatefee.go
// estimateFeeDepth).
const btcdMaxFeeTarget = 25

// EstimateFee returns a fee rate in satoshis per 1000 vbytes for confirmation within
// targetBlocks: estimatefee on btcd (BTC/kvB; it errors until it has seen three
// blocks, answers 0 without data, and looks at most 25 blocks ahead, so larger
// targets ask for 25), estimatesmartfee on Core. No data is ErrNoFeeEstimate.
func (c *Client) EstimateFee(ctx context.Context, targetBlocks int) (satPerKVB int64, err error) {
	if targetBlocks < 1 {
		return 0, fmt.Errorf("btcnode estimatefee: target %d < 1", targetBlocks)
	}
	var rate json.Number
	if c.cfg.Backend == BackendBtcd && targetBlocks > btcdMaxFeeTarget {
		targetBlocks = btcdMaxFeeTarget
	}
	if c.cfg.Backend == BackendCore {
		var r struct {
			FeeRate *json.Number `json:"feerate"`
			Errors  []string     `json:"errors"`
		}
		if err := c.callCmd(ctx, btcjson.NewEstimateSmartFeeCmd(int64(targetBlocks), nil), &r); err != nil {
			return 0, err
		}
		if r.FeeRate == nil {
			return 0, &Error{Method: "estimatesmartfee", Message: fmt.Sprint(r.Errors), kinds: noEstimate}
		}
		rate = *r.FeeRate
	} else if err := c.callCmd(ctx, btcjson.NewEstimateFeeCmd(int64(targetBlocks)), &rate); err != nil {
		return 0, err
	}
	sat, err := btcToSat(rate)
	if err != nil {
		return 0, &Error{Method: "estimatefee", Message: err.Error()}
	}
	if sat <= 0 {
		return 0, &Error{Method: "estimatefee", Message: "node has no estimate (" + rate.String() + ")", kinds: noEstimate}
	}
	return sat, nil
}

// RelayFee returns the node's minimum relay fee in satoshis per 1000 vbytes (relayfee
// of getinfo on btcd, of getnetworkinfo on Core).
func (c *Client) RelayFee(ctx context.Context) (satPerKVB int64, err error) {
	method := "getinfo"
	if c.cfg.Backend == BackendCore {
		method = "getnetworkinfo"
	}
	var r struct {
		RelayFee json.Number `json:"relayfee"`
	}
	if err := c.Call(ctx, method, nil, &r); err != nil {
		return 0, err
	}
	sat, err := btcToSat(r.RelayFee)
	if err != nil {
		return 0, &Error{Method: method, Message: "relayfee: " + err.Error()}
	}
	return sat, nil
}

// Generate mines n blocks paying the node's --miningaddr and returns their hashes
// (btcd's generate; regtest and simnet only). Core has no address-less generate:
// ErrNotSupported.
func (c *Client) Generate(ctx context.Context, n int) ([]chainhash.Hash, error) {
	if c.cfg.Backend != BackendBtcd {
		return nil, &Error{Method: "generate", Message: "use generatetoaddress on Core", kinds: []error{ErrNotSupported}}
	}
	if n < 1 {
		return nil, fmt.Errorf("btcnode generate: n %d < 1", n)
	}
	var ss []string
	if err := c.callCmd(ctx, btcjson.NewGenerateCmd(uint32(n)), &ss); err != nil {
		return nil, err
	}
	out := make([]chainhash.Hash, len(ss))
	for i, s := range ss {
		h, err := parseHash("generate", s)
		if err != nil {
			return nil, err
		}
		out[i] = h
	}
	return out, nil
}

// SubmitBlock submits b (submitblock). A refusal matches ErrBlockRejected (and
// ErrDuplicateBlock for a known block). btcd accepts a block whose parent it does
// not know as an orphan and returns no error.
func (c *Client) SubmitBlock(ctx context.Context, b *wire.MsgBlock) error {
	var buf bytes.Buffer
	buf.Grow(b.SerializeSize())
	if err := b.Serialize(&buf); err != nil {
		return fmt.Errorf("btcnode submitblock: %w", err)
	}
	var res *string
	if err := c.callCmd(ctx, btcjson.NewSubmitBlockCmd(hex.EncodeToString(buf.Bytes()), nil), &res); err != nil {
		return err
	}
	if res == nil {
		return nil
	}
	return submitBlockError(*res)
}

// InvalidateBlock marks h and its descendants invalid (invalidateblock); the node
// reorganises to the best valid chain and returns their txs to the mempool.
func (c *Client) InvalidateBlock(ctx context.Context, h chainhash.Hash) error {
	return c.callCmd(ctx, btcjson.NewInvalidateBlockCmd(h.String()), nil)
}

// ReconsiderBlock undoes InvalidateBlock for h (reconsiderblock).
func (c *Client) ReconsiderBlock(ctx context.Context, h chainhash.Hash) error {
	return c.callCmd(ctx, btcjson.NewReconsiderBlockCmd(h.String()), nil)
}

// AddNode runs addnode addr sub, with sub "add", "remove" or "onetry" (both
// backends). On btcd an "add" peer is reconnected forever; tests that must cut a
// link use btcd's "node connect addr temp" / "node disconnect addr" through Call.
func (c *Client) AddNode(ctx context.Context, addr, sub string) error {
	return c.callCmd(ctx, btcjson.NewAddNodeCmd(addr, btcjson.AddNodeSubCmd(sub)), nil)
}

// TxOut is an unspent output as gettxout reports it.
type TxOut struct {
	Value         int64 // satoshis
	PkScript      []byte
	Confirmations int64 // 0 for a mempool output
	Coinbase      bool
}

// GetTxOut returns op if it is unspent, or nil if it is spent or unknown (gettxout).
// With includeMempool, outputs of mempool txs count; note that btcd, unlike Core,
// does not treat outputs spent by mempool txs as spent.
func (c *Client) GetTxOut(ctx context.Context, op wire.OutPoint, includeMempool bool) (*TxOut, error) {
	var r *struct {
		Confirmations int64       `json:"confirmations"`
		Value         json.Number `json:"value"`
		Coinbase      bool        `json:"coinbase"`
		ScriptPubKey  struct {
			Hex string `json:"hex"`
		} `json:"scriptPubKey"`
	}
	err := c.callCmd(ctx, btcjson.NewGetTxOutCmd(op.Hash.String(), op.Index, &includeMempool), &r)
	if err != nil || r == nil {
		return nil, err
	}
	v, err := btcToSat(r.Value)
	if err != nil {
		return nil, &Error{Method: "gettxout", Message: "value: " + err.Error()}
	}
	pk, err := hex.DecodeString(r.ScriptPubKey.Hex)
	if err != nil {
		return nil, &Error{Method: "gettxout", Message: "scriptPubKey: " + err.Error()}
	}
	return &TxOut{Value: v, PkScript: pk, Confirmations: r.Confirmations, Coinbase: r.Coinbase}, nil
}

// parseHash decodes a hash string from a reply.
func parseHash(method, s string) (chainhash.Hash, error) {
	h, err := chainhash.NewHashFromStr(s)
	if err != nil || len(s) != 2*chainhash.HashSize {
		return chainhash.Hash{}, &Error{Method: method, Message: fmt.Sprintf("bad hash %q", s)}
	}
	return *h, nil
}

// satPerBTC is 10^8 as an exact rational.
var satPerBTC = big.NewRat(100_000_000, 1)

// btcToSat converts a JSON BTC amount (btcd writes Go floats such as "2e-05", Core
// fixed 8-decimal strings) to satoshis exactly, rounding half away from zero below
// one satoshi.
func btcToSat(n json.Number) (int64, error) {
	r, ok := new(big.Rat).SetString(n.String())
	if !ok {
		return 0, fmt.Errorf("bad amount %q", n.String())
	}
	r.Mul(r, satPerBTC)
	num, den := new(big.Int).Set(r.Num()), r.Denom()
	neg := num.Sign() < 0
	num.Abs(num)
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if m.Lsh(m, 1).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if !q.IsInt64() || q.Int64() > 21_000_000*100_000_000 {
		return 0, fmt.Errorf("amount %q out of range", n.String())
	}
	if neg {
		return -q.Int64(), nil
	}
	return q.Int64(), nil
}
