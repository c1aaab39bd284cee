package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// fakeCore is an HTTP server speaking Bitcoin Core's JSON-RPC wire format for the
// RPCs the indexer uses (DECISIONS A10, D9). bitcoind cannot be installed here, so
// the shapes are TRANSCRIBED, not recorded, from Bitcoin Core's sources:
//
//   - src/rpc/blockchain.cpp, the RPC help and blockheaderToJSON: getblockheader
//     verbose fields (hash, confirmations −1 off the main chain, height, version,
//     versionHex "%08x", merkleroot, time, mediantime, nonce, bits "%08x",
//     difficulty, chainwork, nTx, previousblockhash except at genesis,
//     nextblockhash on the main chain only); getblockhash out of range is
//     RPC_INVALID_PARAMETER (−8) "Block height out of range"; getblock and
//     getblockheader of an unknown hash are RPC_INVALID_ADDRESS_OR_KEY (−5) "Block
//     not found"; getblock verbosity 0 is the serialized block's hex.
//   - src/httprpc.cpp: a missing or wrong Authorization header is HTTP 401 with an
//     empty body and `WWW-Authenticate: Basic realm="jsonrpc"`; the cookie file
//     holds "__cookie__:<hex>".
//   - test/functional/interface_rpc.py and the 28.0 release notes: a legacy
//     (JSON-RPC 1.0) request gets {"result", "error", "id"} with both fields present,
//     HTTP 404 for −32601 "Method not found" and HTTP 500 for other errors; a
//     "jsonrpc": "2.0" request gets HTTP 200 and exactly one of result or error.
type fakeCore struct {
	mu       sync.Mutex
	user     string
	pass     string
	blocks   map[chainhash.Hash]*wire.MsgBlock
	active   []chainhash.Hash
	height   map[chainhash.Hash]int32
	calls    map[string]int
	requests []string // jsonrpc versions seen
}

func newFakeCore(user, pass string) *fakeCore {
	g := chaincfg.RegressionNetParams.GenesisBlock
	h := g.BlockHash()
	return &fakeCore{
		user: user, pass: pass,
		blocks: map[chainhash.Hash]*wire.MsgBlock{h: g},
		active: []chainhash.Hash{h},
		height: map[chainhash.Hash]int32{h: 0},
		calls:  map[string]int{},
	}
}

// add appends b to the active chain (its parent must be the tip).
func (c *fakeCore) add(b *wire.MsgBlock) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := b.BlockHash()
	if b.Header.PrevBlock != c.active[len(c.active)-1] {
		panic("fakeCore.add: not on the tip")
	}
	c.blocks[h], c.height[h] = b, int32(len(c.active))
	c.active = append(c.active, h)
}

func (c *fakeCore) tip() (chainhash.Hash, int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.active[len(c.active)-1], int32(len(c.active) - 1)
}

type coreRequest struct {
	JSONRPC string            `json:"jsonrpc"`
	ID      json.RawMessage   `json:"id"`
	Method  string            `json:"method"`
	Params  []json.RawMessage `json:"params"`
}

type coreRPCError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (c *fakeCore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		_, _ = io.WriteString(w, "JSONRPC server handles only POST requests")
		return
	}
	if !c.authorized(r.Header.Get("Authorization")) {
		w.Header().Set("WWW-Authenticate", `Basic realm="jsonrpc"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var req coreRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		c.reply(w, req, nil, &coreRPCError{-32700, "Parse error"})
		return
	}
	c.mu.Lock()
	c.calls[req.Method]++
	c.requests = append(c.requests, req.JSONRPC)
	c.mu.Unlock()
	res, rerr := c.dispatch(req)
	c.reply(w, req, res, rerr)
}

func (c *fakeCore) authorized(h string) bool {
	const prefix = "Basic "
	if !strings.HasPrefix(h, prefix) {
		return false
	}
	b, err := base64.StdEncoding.DecodeString(h[len(prefix):])
	c.mu.Lock()
	defer c.mu.Unlock()
	return err == nil && string(b) == c.user+":"+c.pass
}

// reply writes Core's envelope: legacy for a request without "jsonrpc": "2.0".
func (c *fakeCore) reply(w http.ResponseWriter, req coreRequest, res any, rerr *coreRPCError) {
	w.Header().Set("Content-Type", "application/json")
	id := req.ID
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	if req.JSONRPC == "2.0" {
		out := map[string]any{"jsonrpc": "2.0", "id": id}
		if rerr != nil {
			out["error"] = rerr
		} else {
			out["result"] = res
		}
		w.WriteHeader(http.StatusOK)
		_ = json.NewEncoder(w).Encode(out)
		return
	}
	status := http.StatusOK
	if rerr != nil {
		status = http.StatusInternalServerError
		if rerr.Code == -32601 {
			status = http.StatusNotFound
		}
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"result": res, "error": rerr, "id": id})
}

func (c *fakeCore) dispatch(req coreRequest) (any, *coreRPCError) {
	c.mu.Lock()
	defer c.mu.Unlock()
	notFound := &coreRPCError{-5, "Block not found"}
	switch req.Method {
	case "getbestblockhash":
		return c.active[len(c.active)-1].String(), nil
	case "getblockcount":
		return len(c.active) - 1, nil
	case "getblockhash":
		var h int64
		if len(req.Params) != 1 || json.Unmarshal(req.Params[0], &h) != nil {
			return nil, &coreRPCError{-1, "getblockhash height"}
		}
		if h < 0 || h >= int64(len(c.active)) {
			return nil, &coreRPCError{-8, "Block height out of range"}
		}
		return c.active[h].String(), nil
	case "getblockheader", "getblock":
		var hs string
		if len(req.Params) < 1 || json.Unmarshal(req.Params[0], &hs) != nil {
			return nil, &coreRPCError{-1, req.Method + " \"blockhash\""}
		}
		hash, err := chainhash.NewHashFromStr(hs)
		if err != nil {
			return nil, &coreRPCError{-8, "blockhash must be of length 64"}
		}
		b, ok := c.blocks[*hash]
		if !ok {
			return nil, notFound
		}
		if req.Method == "getblock" {
			return c.getblock(b, req.Params)
		}
		verbose := true
		if len(req.Params) > 1 {
			_ = json.Unmarshal(req.Params[1], &verbose)
		}
		if !verbose {
			var buf bytes.Buffer
			_ = b.Header.Serialize(&buf)
			return hex.EncodeToString(buf.Bytes()), nil
		}
		return c.headerJSON(b), nil
	}
	return nil, &coreRPCError{-32601, "Method not found"}
}

// getblock answers verbosity 0 (the only one the client uses) with the block's hex.
func (c *fakeCore) getblock(b *wire.MsgBlock, params []json.RawMessage) (any, *coreRPCError) {
	verbosity := 1
	if len(params) > 1 {
		var v any
		_ = json.Unmarshal(params[1], &v)
		switch v := v.(type) {
		case float64:
			verbosity = int(v)
		case bool:
			if !v {
				verbosity = 0
			}
		}
	}
	if verbosity != 0 {
		return nil, &coreRPCError{-8, "fakeCore serves verbosity 0 only"}
	}
	var buf bytes.Buffer
	_ = b.Serialize(&buf)
	return hex.EncodeToString(buf.Bytes()), nil
}

// headerJSON is blockheaderToJSON: fields in Core's order.
func (c *fakeCore) headerJSON(b *wire.MsgBlock) map[string]any {
	h := b.BlockHash()
	height, onMain := c.height[h], true
	if int(height) >= len(c.active) || c.active[height] != h {
		onMain = false
	}
	conf := -1
	if onMain {
		conf = len(c.active) - int(height)
	}
	work := new(big.Int)
	for cur := h; ; {
		work.Add(work, blockchain.CalcWork(c.blocks[cur].Header.Bits))
		if c.height[cur] == 0 {
			break
		}
		cur = c.blocks[cur].Header.PrevBlock
	}
	out := map[string]any{
		"hash": h.String(), "confirmations": conf, "height": height,
		"version": b.Header.Version, "versionHex": fmt.Sprintf("%08x", uint32(b.Header.Version)),
		"merkleroot": b.Header.MerkleRoot.String(), "time": b.Header.Timestamp.Unix(),
		"mediantime": b.Header.Timestamp.Unix(), "nonce": b.Header.Nonce,
		"bits": fmt.Sprintf("%08x", b.Header.Bits),
		// UniValue prints doubles with 16 significant digits.
		"difficulty": json.Number(strconv.FormatFloat(difficulty(b.Header.Bits), 'g', 16, 64)),
		"chainwork":  fmt.Sprintf("%064x", work), "nTx": len(b.Transactions),
	}
	if height > 0 {
		out["previousblockhash"] = b.Header.PrevBlock.String()
	}
	if onMain && int(height)+1 < len(c.active) {
		out["nextblockhash"] = c.active[height+1].String()
	}
	return out
}

// difficulty is Core's GetDifficulty for compact bits.
func difficulty(bits uint32) float64 {
	shift := int(bits>>24) & 0xff
	d := float64(0x0000ffff) / float64(bits&0x00ffffff)
	for ; shift < 29; shift++ {
		d *= 256
	}
	for ; shift > 29; shift-- {
		d /= 256
	}
	return d
}

// coreGenesisHeaderTranscribed is `bitcoin-cli -regtest getblockheader <genesis>` as
// Core prints it on a fresh regtest node, transcribed from the field list of
// blockheaderToJSON (src/rpc/blockchain.cpp) and the regtest genesis parameters
// (src/kernel/chainparams.cpp: time 1296688602, nonce 2, bits 0x207fffff, version 1);
// confirmations and nextblockhash are those of a node at height 1 on blockOne.
const coreGenesisHeaderTranscribed = `{
  "hash": "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206",
  "confirmations": 2,
  "height": 0,
  "version": 1,
  "versionHex": "00000001",
  "merkleroot": "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b",
  "time": 1296688602,
  "mediantime": 1296688602,
  "nonce": 2,
  "bits": "207fffff",
  "difficulty": 4.656542373906925e-10,
  "chainwork": "0000000000000000000000000000000000000000000000000000000000000002",
  "nTx": 1,
  "nextblockhash": "%s"
}`
