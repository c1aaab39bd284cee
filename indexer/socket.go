package indexer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/internal/unixsock"
)

// The query socket (DECISIONS A6) is HTTP/1.1 over a unix socket in the datadir
// (mode 0600), serving the API as JSON:
//
//	POST /v1/query   {"method": m, "params": p}  →  {"result": r} | {"error": {"code": c, "message": s}}
//	GET  /v1/dump    →  NDJSON: {"k": hex, "v": hex} per state key in key order, then
//	                    {"tip": Tip, "end": n} (or {"error": …} if the dump failed)
//
// Methods and params: tip {}, state_hash {"height"}, block {"height"}, tx {"txid"},
// account {"key"}, eternal {"id"}, request {"id"}, chain {"id", "from", "to"}; ids,
// keys and txids are 64 hex characters. Error codes: not_found, no_index,
// bad_request, internal. The final line carries the tip the dump belongs to and the
// number of keys, so a cut stream is an error rather than a short dump.

// maxQueryBody caps a query request's body.
const maxQueryBody = 1 << 16

type queryRequest struct {
	Method string      `json:"method"`
	Params queryParams `json:"params"`
}

type queryParams struct {
	Height uint32 `json:"height,omitempty"`
	TxID   Hash32 `json:"txid"`
	Key    Hash32 `json:"key"`
	ID     Hash32 `json:"id"`
	From   uint64 `json:"from,omitempty"`
	To     uint64 `json:"to,omitempty"`
}

type queryError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type queryReply struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  *queryError     `json:"error,omitempty"`
}

type dumpLine struct {
	K   string      `json:"k,omitempty"`
	V   *string     `json:"v,omitempty"`
	Tip *Tip        `json:"tip,omitempty"`
	End *int64      `json:"end,omitempty"`
	Err *queryError `json:"error,omitempty"`
}

// serveSocket listens on path (removing a stale socket file: the caller holds the
// database lock, so no other indexer serves there) and serves api until Close.
func serveSocket(path string, api API, log *slog.Logger) (*unixsock.Server, error) {
	mux := http.NewServeMux()
	h := &socketHandler{api: api, log: log}
	mux.HandleFunc("POST /v1/query", h.query)
	mux.HandleFunc("GET /v1/dump", h.dump)
	return unixsock.Serve(path, "query socket", mux, log)
}

type socketHandler struct {
	api API
	log *slog.Logger
}

func (h *socketHandler) query(w http.ResponseWriter, r *http.Request) {
	var req queryRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, maxQueryBody)).Decode(&req); err != nil {
		writeReply(w, nil, fmt.Errorf("%w: %v", errBadRequest, err))
		return
	}
	res, err := h.dispatch(r.Context(), req)
	writeReply(w, res, err)
}

var errBadRequest = errors.New("bad request")

func (h *socketHandler) dispatch(ctx context.Context, req queryRequest) (any, error) {
	p := req.Params
	switch req.Method {
	case "tip":
		return h.api.Tip(ctx)
	case "state_hash":
		return h.api.StateHash(ctx, p.Height)
	case "block":
		return h.api.Block(ctx, p.Height)
	case "tx":
		return h.api.Tx(ctx, p.TxID)
	case "account":
		return h.api.Account(ctx, p.Key)
	case "eternal":
		return h.api.Eternal(ctx, bitai.ID(p.ID))
	case "request":
		return h.api.Request(ctx, bitai.ID(p.ID))
	case "chain":
		to := p.To
		if to == 0 {
			to = p.From + MaxInboxRange
		}
		return h.api.Chain(ctx, bitai.ID(p.ID), p.From, to)
	}
	return nil, fmt.Errorf("%w: unknown method %q", errBadRequest, req.Method)
}

func writeReply(w http.ResponseWriter, res any, err error) {
	w.Header().Set("Content-Type", "application/json")
	var rep queryReply
	status := http.StatusOK
	if err == nil {
		b, merr := json.Marshal(res)
		if merr == nil {
			rep.Result = b
		}
		err = merr
	}
	if err != nil {
		code := "internal"
		status = http.StatusInternalServerError
		switch {
		case errors.Is(err, ErrNotFound):
			code, status = "not_found", http.StatusNotFound
		case errors.Is(err, ErrNoIndex):
			code, status = "no_index", http.StatusServiceUnavailable
		case errors.Is(err, errBadRequest):
			code, status = "bad_request", http.StatusBadRequest
		}
		rep = queryReply{Error: &queryError{Code: code, Message: err.Error()}}
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(rep)
}

func (h *socketHandler) dump(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/x-ndjson")
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	var n int64
	tip, err := h.api.Dump(r.Context(), func(k, v []byte) error {
		vs := hex.EncodeToString(v)
		n++
		return enc.Encode(dumpLine{K: hex.EncodeToString(k), V: &vs})
	})
	if err != nil {
		h.log.Warn("dump over socket failed", "err", err)
		_ = enc.Encode(dumpLine{Err: &queryError{Code: "internal", Message: err.Error()}})
		_ = bw.Flush()
		return
	}
	_ = enc.Encode(dumpLine{Tip: &tip, End: &n})
	_ = bw.Flush()
}

// SocketClient asks a running indexer over its unix socket.
type SocketClient struct {
	path string
	hc   *http.Client
}

// NewSocketClient returns a client of the socket at path; it does not connect yet.
func NewSocketClient(path string) *SocketClient {
	return &SocketClient{path: path, hc: unixsock.Client(path)}
}

// Close drops idle connections.
func (c *SocketClient) Close() error {
	c.hc.CloseIdleConnections()
	return nil
}

func (c *SocketClient) call(ctx context.Context, method string, p queryParams, out any) error {
	body, err := json.Marshal(queryRequest{Method: method, Params: p})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://bitai-index/v1/query", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("query socket %s: %w", c.path, err)
	}
	defer resp.Body.Close()
	var rep queryReply
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&rep); err != nil {
		return fmt.Errorf("query socket %s: reply to %s (HTTP %d): %w", c.path, method, resp.StatusCode, err)
	}
	if rep.Error != nil {
		return remoteError(rep.Error)
	}
	if err := json.Unmarshal(rep.Result, out); err != nil {
		return fmt.Errorf("query socket %s: %s result: %w", c.path, method, err)
	}
	return nil
}

// remoteError restores the sentinel a server error was classified as.
func remoteError(e *queryError) error {
	switch e.Code {
	case "not_found":
		return fmt.Errorf("%w (from indexer: %s)", ErrNotFound, e.Message)
	case "no_index":
		return fmt.Errorf("%w (from indexer: %s)", ErrNoIndex, e.Message)
	}
	return fmt.Errorf("indexer %s error: %s", e.Code, e.Message)
}

// Tip implements API.
func (c *SocketClient) Tip(ctx context.Context) (t Tip, err error) {
	return t, c.call(ctx, "tip", queryParams{}, &t)
}

// StateHash implements API.
func (c *SocketClient) StateHash(ctx context.Context, h uint32) (s StateHashInfo, err error) {
	return s, c.call(ctx, "state_hash", queryParams{Height: h}, &s)
}

// Block implements API.
func (c *SocketClient) Block(ctx context.Context, h uint32) (b BlockInfo, err error) {
	return b, c.call(ctx, "block", queryParams{Height: h}, &b)
}

// Tx implements API.
func (c *SocketClient) Tx(ctx context.Context, txid Hash32) (t TxInfo, err error) {
	return t, c.call(ctx, "tx", queryParams{TxID: txid}, &t)
}

// Account implements API.
func (c *SocketClient) Account(ctx context.Context, key Hash32) (a AccountInfo, err error) {
	return a, c.call(ctx, "account", queryParams{Key: key}, &a)
}

// Eternal implements API.
func (c *SocketClient) Eternal(ctx context.Context, id bitai.ID) (e EternalInfo, err error) {
	return e, c.call(ctx, "eternal", queryParams{ID: Hash32(id)}, &e)
}

// Request implements API.
func (c *SocketClient) Request(ctx context.Context, id bitai.ID) (r RequestInfo, err error) {
	return r, c.call(ctx, "request", queryParams{ID: Hash32(id)}, &r)
}

// Chain implements API.
func (c *SocketClient) Chain(ctx context.Context, id bitai.ID, from, to uint64) (ci ChainInfo, err error) {
	return ci, c.call(ctx, "chain", queryParams{ID: Hash32(id), From: from, To: to}, &ci)
}

// maxDumpLine caps one NDJSON line of a dump (a key and a value in hex).
const maxDumpLine = 2*(64<<20) + 1<<12

// Dump implements API: it streams the dump and fails on a stream cut before its end
// line.
func (c *SocketClient) Dump(ctx context.Context, fn func(key, value []byte) error) (Tip, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://bitai-index/v1/dump", nil)
	if err != nil {
		return Tip{}, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return Tip{}, fmt.Errorf("query socket %s: %w", c.path, err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), maxDumpLine)
	var n int64
	for sc.Scan() {
		var l dumpLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return Tip{}, fmt.Errorf("dump line %d: %w", n+1, err)
		}
		switch {
		case l.Err != nil:
			return Tip{}, remoteError(l.Err)
		case l.End != nil:
			if l.Tip == nil || *l.End != n {
				return Tip{}, fmt.Errorf("dump: got %d keys, server sent %d", n, *l.End)
			}
			return *l.Tip, nil
		case l.V != nil:
			k, err1 := hex.DecodeString(l.K)
			v, err2 := hex.DecodeString(*l.V)
			if err := errors.Join(err1, err2); err != nil {
				return Tip{}, fmt.Errorf("dump line %d: %w", n+1, err)
			}
			n++
			if err := fn(k, v); err != nil {
				return Tip{}, err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return Tip{}, fmt.Errorf("dump from %s: %w", c.path, err)
	}
	return Tip{}, fmt.Errorf("dump from %s: stream cut after %d keys (%w)", c.path, n, io.ErrUnexpectedEOF)
}
