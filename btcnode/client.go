package btcnode

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/btcsuite/btcd/btcjson"
)

// Backend names the node implementation behind the RPC port. The client sticks to
// the RPCs both share; the backend picks the call where they differ (fees, relay fee,
// generate, notifications).
type Backend int

const (
	// BackendBtcd is btcd (the default).
	BackendBtcd Backend = iota
	// BackendCore is Bitcoin Core (bitcoind).
	BackendCore
)

// String returns "btcd" or "core".
func (b Backend) String() string {
	switch b {
	case BackendBtcd:
		return "btcd"
	case BackendCore:
		return "core"
	}
	return fmt.Sprintf("Backend(%d)", int(b))
}

// DefaultTimeout bounds each call when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// maxResponseBytes caps a reply body: a 4 MB block is 8 MB of hex, and a large
// mempool listing is tens of MB.
const maxResponseBytes = 256 << 20

// Config configures a Client.
type Config struct {
	// Host is "host:port" of the node's RPC listener, e.g. "127.0.0.1:18334".
	Host string
	// User and Pass are the RPC credentials. Leave them empty to use CookieFile.
	User, Pass string
	// CookieFile is Bitcoin Core's ".cookie" ("__cookie__:secret"); it is read at
	// New and re-read after every 401, since Core rewrites it on each start.
	CookieFile string
	// TLS selects https/wss (btcd's RPC is TLS unless started with --notls).
	TLS bool
	// CertFile is the PEM certificate to trust for TLS (btcd's rpc.cert); empty
	// means the system roots.
	CertFile string
	// Backend is the node implementation (default BackendBtcd).
	Backend Backend
	// Timeout bounds each call (default DefaultTimeout); a caller's earlier
	// deadline wins.
	Timeout time.Duration
	// Logger receives debug and warning records (default: discarded).
	Logger *slog.Logger
}

// Client is a context-aware JSON-RPC 1.0 client for btcd and Bitcoin Core, built on
// net/http with btcd's btcjson types. It is safe for concurrent use.
type Client struct {
	cfg    Config
	url    string
	http   *http.Client
	tls    *tls.Config
	log    *slog.Logger
	nextID atomic.Uint64

	mu         sync.Mutex
	user, pass string
}

// New checks cfg and returns a Client. It does not contact the node.
func New(cfg Config) (*Client, error) {
	if cfg.Host == "" {
		return nil, errors.New("btcnode config: Host is empty")
	}
	if cfg.User == "" && cfg.CookieFile == "" {
		return nil, errors.New("btcnode config: need User/Pass or CookieFile")
	}
	if cfg.Backend != BackendBtcd && cfg.Backend != BackendCore {
		return nil, fmt.Errorf("btcnode config: unknown backend %d", int(cfg.Backend))
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	c := &Client{cfg: cfg, log: cfg.Logger, user: cfg.User, pass: cfg.Pass}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	scheme := "http"
	if cfg.TLS {
		scheme = "https"
		c.tls = &tls.Config{MinVersion: tls.VersionTLS12}
		if cfg.CertFile != "" {
			pem, err := os.ReadFile(cfg.CertFile)
			if err != nil {
				return nil, fmt.Errorf("btcnode cert: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("btcnode cert: no PEM certificate in %s", cfg.CertFile)
			}
			c.tls.RootCAs = pool
		}
	}
	if cfg.User == "" {
		if err := c.readCookie(); err != nil {
			return nil, err
		}
	}
	c.url = scheme + "://" + cfg.Host + "/"
	c.http = &http.Client{Transport: &http.Transport{
		TLSClientConfig: c.tls,
		// btcd hijacks the connection and closes it after every reply.
		DisableKeepAlives:   cfg.Backend == BackendBtcd,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Second,
	}}
	return c, nil
}

// Backend returns the configured backend.
func (c *Client) Backend() Backend { return c.cfg.Backend }

// Host returns the configured RPC address.
func (c *Client) Host() string { return c.cfg.Host }

// readCookie loads "user:pass" from the cookie file.
func (c *Client) readCookie() error {
	b, err := os.ReadFile(c.cfg.CookieFile)
	if err != nil {
		return fmt.Errorf("btcnode cookie: %w", err)
	}
	user, pass, ok := strings.Cut(strings.TrimSpace(string(b)), ":")
	if !ok || user == "" {
		return fmt.Errorf("btcnode cookie: %s is not user:secret", c.cfg.CookieFile)
	}
	c.mu.Lock()
	c.user, c.pass = user, pass
	c.mu.Unlock()
	return nil
}

// creds returns the current credentials.
func (c *Client) creds() (string, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.user, c.pass
}

// Call sends method with params (nil for none) and decodes the result into result
// (a pointer, or nil to ignore it; *json.RawMessage keeps it raw). Errors are *Error
// values classified by errors.go.
func (c *Client) Call(ctx context.Context, method string, params []any, result any) error {
	if params == nil {
		params = []any{}
	}
	req, err := btcjson.NewRequest(btcjson.RpcVersion1, c.nextID.Add(1), method, params)
	if err != nil {
		return fmt.Errorf("btcnode %s: %w", method, err)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("btcnode %s: %w", method, err)
	}
	return c.post(ctx, method, body, result)
}

// callCmd sends a btcjson command (optional trailing fields left nil are omitted).
func (c *Client) callCmd(ctx context.Context, cmd any, result any) error {
	method, err := btcjson.CmdMethod(cmd)
	if err != nil {
		return fmt.Errorf("btcnode cmd: %w", err)
	}
	body, err := btcjson.MarshalCmd(btcjson.RpcVersion1, c.nextID.Add(1), cmd)
	if err != nil {
		return fmt.Errorf("btcnode %s: %w", method, err)
	}
	return c.post(ctx, method, body, result)
}

// reply is a JSON-RPC 1.0 or 2.0 response.
type reply struct {
	Result json.RawMessage   `json:"result"`
	Error  *btcjson.RPCError `json:"error"`
}

// post sends one request, re-reading the cookie and retrying once after a 401.
func (c *Client) post(ctx context.Context, method string, body []byte, result any) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	start := time.Now()
	err := c.postOnce(ctx, method, body, result)
	if errors.Is(err, ErrUnauthorized) && c.cfg.CookieFile != "" && c.readCookie() == nil {
		c.log.Warn("rpc unauthorized, cookie re-read", "method", method)
		err = c.postOnce(ctx, method, body, result)
	}
	if err != nil {
		c.log.Debug("rpc call failed", "method", method, "took", time.Since(start), "err", err)
	}
	return err
}

// postOnce performs one HTTP round trip and decodes the reply.
func (c *Client) postOnce(ctx context.Context, method string, body []byte, result any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("btcnode %s: %w", method, err)
	}
	user, pass := c.creds()
	req.SetBasicAuth(user, pass)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return transportError(method, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return transportError(method, err)
	}
	if len(data) > maxResponseBytes {
		return &Error{Method: method, Message: fmt.Sprintf("reply larger than %d bytes", maxResponseBytes)}
	}
	var r reply
	jerr := json.Unmarshal(data, &r)
	if jerr != nil || (r.Error == nil && resp.StatusCode != http.StatusOK) {
		switch {
		case resp.StatusCode != http.StatusOK:
			return httpError(method, resp.StatusCode, string(data))
		case len(bytes.TrimSpace(data)) == 0 || strings.Contains(jerr.Error(), "unexpected end"):
			return transportError(method, fmt.Errorf("truncated reply: %w", io.ErrUnexpectedEOF))
		}
		return &Error{Method: method, Message: "malformed reply: " + jerr.Error()}
	}
	if r.Error != nil {
		return rpcError(method, int(r.Error.Code), r.Error.Message)
	}
	if result == nil || len(r.Result) == 0 || string(r.Result) == "null" {
		return nil
	}
	if err := json.Unmarshal(r.Result, result); err != nil {
		return &Error{Method: method, Message: "decoding result: " + err.Error()}
	}
	return nil
}

// hexBytes decodes a JSON hex string without an intermediate Go string.
type hexBytes []byte

// UnmarshalJSON decodes "hex".
func (h *hexBytes) UnmarshalJSON(b []byte) error {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return errors.New("hex result is not a string")
	}
	src := b[1 : len(b)-1]
	if len(src)%2 != 0 {
		return errors.New("hex result has odd length")
	}
	out := make([]byte, len(src)/2)
	if _, err := hex.Decode(out, src); err != nil {
		return err
	}
	*h = out
	return nil
}
