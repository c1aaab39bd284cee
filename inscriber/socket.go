package inscriber

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"

	"github.com/btcsuite/btcd/chaincfg/v2"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/inscriber/wallet"
	"github.com/bitai-l2/bitai/internal/unixsock"
	"github.com/bitai-l2/bitai/store"
)

// The status socket (DECISIONS A6): pebble locks its directory even for read-only
// use, so commands run beside an inscriber ask it over HTTP/1.1 on a unix socket in
// the datadir (SocketName, mode 0600), served by whoever holds the database:
//
//	GET  /v1/status            → Report
//	GET  /v1/payload?id=N      → PayloadInfo
//	GET  /v1/wallet            → WalletReport
//	POST /v1/address           → {"address": a}      (the next external address)
//	POST /v1/enqueue           ← {"e": base64(E), "encoding": s}  → PayloadInfo
//
// Errors are {"error": message} with status 400 (bad input), 404 (unknown payload)
// or 500.

// SocketName is the socket's file name in the datadir.
const SocketName = "inscriber.sock"

// DBDir is the inscriber database's directory name in the datadir.
const DBDir = "inscriber"

// maxSocketBody caps an enqueue request: a payload of MaxPayloadBytes in base64.
const maxSocketBody = bitai.MaxPayloadBytes/3*4 + 1<<12

// API is what the status socket serves; the running Inscriber (with its wallet)
// implements it, and so does SocketClient, so commands work the same either way.
type API interface {
	Status(ctx context.Context) (*Report, error)
	Payload(ctx context.Context, id uint64) (PayloadInfo, error)
	Wallet(ctx context.Context) (*WalletReport, error)
	NewAddress(ctx context.Context) (string, error)
	Enqueue(ctx context.Context, e []byte, encoding string) (PayloadInfo, error)
}

// WalletReport is the wallet's balance and coins.
type WalletReport struct {
	Confirmed   int64      `json:"confirmed"`
	Unconfirmed int64      `json:"unconfirmed"`
	UTXOs       []UTXOInfo `json:"utxos"`
}

// UTXOInfo is one wallet output.
type UTXOInfo struct {
	OutPoint string `json:"outpoint"`
	Value    int64  `json:"value"`
	Address  string `json:"address,omitempty"`
	Height   int32  `json:"height"`
	Branch   uint32 `json:"branch"`
	Index    uint32 `json:"index"`
	Reserved string `json:"reserved,omitempty"`
}

// Local is the API over an Inscriber in this process (running or not).
type Local struct {
	In     *Inscriber
	Wal    *wallet.Wallet
	Params *chaincfg.Params
}

var (
	_ API = (*Local)(nil)
	_ API = (*SocketClient)(nil)
)

// Status implements API.
func (l *Local) Status(context.Context) (*Report, error) { return l.In.Status() }

// Payload implements API.
func (l *Local) Payload(_ context.Context, id uint64) (PayloadInfo, error) { return l.In.Payload(id) }

// Enqueue implements API.
func (l *Local) Enqueue(ctx context.Context, e []byte, encoding string) (PayloadInfo, error) {
	return l.In.Enqueue(ctx, e, encoding, EnqueueOptions{})
}

// NewAddress implements API: it hands out and stores the next external address.
func (l *Local) NewAddress(ctx context.Context) (string, error) {
	var pk []byte
	l.In.mu.Lock()
	defer l.In.mu.Unlock()
	err := l.In.write(ctx, func(rw wallet.ReadWriter) error {
		var err error
		_, pk, err = l.Wal.NextAddress(rw, wallet.BranchExternal)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("new address: %w", err)
	}
	return wallet.EncodeAddress(pk, l.Params)
}

// Wallet implements API.
func (l *Local) Wallet(context.Context) (*WalletReport, error) {
	r := l.In.db.Pebble()
	conf, unconf, err := l.Wal.Balance(r)
	if err != nil {
		return nil, fmt.Errorf("wallet: %w", err)
	}
	utxos, err := l.Wal.Unspent(r)
	if err != nil {
		return nil, fmt.Errorf("wallet: %w", err)
	}
	rep := &WalletReport{Confirmed: conf, Unconfirmed: unconf, UTXOs: []UTXOInfo{}}
	for _, u := range utxos {
		addr, _ := wallet.EncodeAddress(u.PkScript, l.Params)
		rep.UTXOs = append(rep.UTXOs, UTXOInfo{OutPoint: u.OutPoint.String(), Value: u.Value, Address: addr,
			Height: u.Height, Branch: u.Branch, Index: u.Index, Reserved: string(u.Reserved)})
	}
	return rep, nil
}

// NewReader returns an Inscriber over db for queries only (Status, Payload): it
// cannot be started.
func NewReader(db *store.DB) *Inscriber {
	cfg := Config{DB: db, Logger: slog.New(slog.DiscardHandler), Hooks: &Hooks{}}
	in := &Inscriber{cfg: cfg, db: db, log: cfg.Logger, cache: newTxCache(), wake: make(chan struct{}, 1),
		changed: make(chan struct{}), started: true}
	return in
}

// SocketServer serves an API on the datadir's socket.
type SocketServer struct{ s *unixsock.Server }

// ServeSocket listens on <datadir>/inscriber.sock (removing a stale socket: the
// caller holds the database lock, so nobody else serves there) and serves api.
func ServeSocket(datadir string, api API, log *slog.Logger) (*SocketServer, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, r *http.Request) {
		rep, err := api.Status(r.Context())
		reply(w, rep, err)
	})
	mux.HandleFunc("GET /v1/payload", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseUint(r.URL.Query().Get("id"), 10, 64)
		if err != nil {
			reply(w, nil, fmt.Errorf("%w: payload id: %v", errBadRequest, err))
			return
		}
		info, err := api.Payload(r.Context(), id)
		reply(w, info, err)
	})
	mux.HandleFunc("GET /v1/wallet", func(w http.ResponseWriter, r *http.Request) {
		rep, err := api.Wallet(r.Context())
		reply(w, rep, err)
	})
	mux.HandleFunc("POST /v1/address", func(w http.ResponseWriter, r *http.Request) {
		addr, err := api.NewAddress(r.Context())
		reply(w, map[string]string{"address": addr}, err)
	})
	mux.HandleFunc("POST /v1/enqueue", func(w http.ResponseWriter, r *http.Request) {
		var req enqueueRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, maxSocketBody)).Decode(&req); err != nil {
			reply(w, nil, fmt.Errorf("%w: %v", errBadRequest, err))
			return
		}
		info, err := api.Enqueue(r.Context(), req.E, req.Encoding)
		reply(w, info, err)
	})
	s, err := unixsock.Serve(filepath.Join(datadir, SocketName), "status socket", mux, log)
	if err != nil {
		return nil, err
	}
	return &SocketServer{s: s}, nil
}

// Close stops serving; in-flight requests get until ctx ends.
func (s *SocketServer) Close(ctx context.Context) error { return s.s.Close(ctx) }

type enqueueRequest struct {
	E        []byte `json:"e"`
	Encoding string `json:"encoding"`
}

type replyError struct {
	Error string `json:"error"`
}

var errBadRequest = errors.New("bad request")

// reply writes v as JSON, or err with a status that says whose fault it is.
func reply(w http.ResponseWriter, v any, err error) {
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		code := http.StatusInternalServerError
		switch {
		case errors.Is(err, ErrUnknownPayload):
			code = http.StatusNotFound
		case errors.Is(err, errBadRequest), errors.Is(err, ErrEmptyPayload), errors.Is(err, ErrPayloadTooLarge),
			errors.Is(err, ErrEncoding), errors.Is(err, ErrWrongInscriber), errors.Is(err, ErrInsufficientFunds):
			code = http.StatusBadRequest
		}
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(replyError{Error: err.Error()})
		return
	}
	_ = json.NewEncoder(w).Encode(v)
}

// ErrSocket is returned by SocketClient when the running inscriber answers with an
// error; the message is the server's.
var ErrSocket = errors.New("inscriber")

// SocketClient asks a running inscriber over its socket.
type SocketClient struct {
	path string
	http *http.Client
}

// NewSocketClient returns a client of <datadir>/inscriber.sock.
func NewSocketClient(datadir string) *SocketClient {
	path := filepath.Join(datadir, SocketName)
	return &SocketClient{path: path, http: unixsock.Client(path)}
}

func (c *SocketClient) do(ctx context.Context, method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://inscriber"+path, rd)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("status socket %s: %w", c.path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var re replyError
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&re); err != nil || re.Error == "" {
			return fmt.Errorf("%w: HTTP %d", ErrSocket, resp.StatusCode)
		}
		if resp.StatusCode == http.StatusNotFound {
			return fmt.Errorf("%w (%s)", ErrUnknownPayload, re.Error)
		}
		return fmt.Errorf("%w: %s", ErrSocket, re.Error)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// Status implements API.
func (c *SocketClient) Status(ctx context.Context) (*Report, error) {
	rep := &Report{}
	return rep, c.do(ctx, http.MethodGet, "/v1/status", nil, rep)
}

// Payload implements API.
func (c *SocketClient) Payload(ctx context.Context, id uint64) (PayloadInfo, error) {
	var info PayloadInfo
	return info, c.do(ctx, http.MethodGet, "/v1/payload?id="+strconv.FormatUint(id, 10), nil, &info)
}

// Wallet implements API.
func (c *SocketClient) Wallet(ctx context.Context) (*WalletReport, error) {
	rep := &WalletReport{}
	return rep, c.do(ctx, http.MethodGet, "/v1/wallet", nil, rep)
}

// NewAddress implements API.
func (c *SocketClient) NewAddress(ctx context.Context) (string, error) {
	var out map[string]string
	if err := c.do(ctx, http.MethodPost, "/v1/address", struct{}{}, &out); err != nil {
		return "", err
	}
	return out["address"], nil
}

// Enqueue implements API.
func (c *SocketClient) Enqueue(ctx context.Context, e []byte, encoding string) (PayloadInfo, error) {
	var info PayloadInfo
	return info, c.do(ctx, http.MethodPost, "/v1/enqueue", enqueueRequest{E: e, Encoding: encoding}, &info)
}
