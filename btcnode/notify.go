package btcnode

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/btcsuite/btcd/btcjson"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/websocket"
)

// BlockNotification is one blockconnected or blockdisconnected notification.
type BlockNotification struct {
	Connected bool // false: the block was disconnected
	Hash      chainhash.Hash
	Height    int32
}

// notifyBuffer is how many notifications wait for a slow reader before the socket
// reader blocks (btcd then queues them on its side).
const notifyBuffer = 64

// maxNotificationBytes caps one websocket message.
const maxNotificationBytes = 1 << 20

// NotifyBlocks subscribes to btcd's block notifications (websocket /ws, notifyblocks)
// and delivers blockconnected and blockdisconnected in the node's order. The channel
// closes when ctx ends or the socket fails; reconnecting (and catching up by polling)
// is the caller's business. Dialling and subscribing obey ctx and the call timeout.
// Core has no websocket: ErrNotSupported.
//
// This speaks the websocket with btcd's own websocket package rather than through
// rpcclient: rpcclient's dial has no context or timeout and would hang on a stopped
// node.
func (c *Client) NotifyBlocks(ctx context.Context) (<-chan BlockNotification, error) {
	if c.cfg.Backend != BackendBtcd {
		return nil, &Error{Method: "notifyblocks", Message: "no websocket on " + c.cfg.Backend.String(), kinds: []error{ErrNotSupported}}
	}
	ws, err := c.dialWS(ctx)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { ws.Close() })
	if err := c.subscribeBlocks(ctx, ws); err != nil {
		stop()
		ws.Close()
		if ctx.Err() != nil {
			return nil, transportError("notifyblocks", ctx.Err())
		}
		return nil, err
	}
	ch := make(chan BlockNotification, notifyBuffer)
	go func() {
		defer close(ch)
		defer stop()
		defer ws.Close()
		for {
			_, msg, err := ws.ReadMessage()
			if err != nil {
				if ctx.Err() == nil {
					c.log.Warn("notification socket closed", "err", err)
				}
				return
			}
			n, ok, err := parseBlockNotification(msg)
			if err != nil {
				c.log.Warn("bad notification", "err", err)
				continue
			}
			if !ok {
				continue
			}
			select {
			case ch <- n:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch, nil
}

// dialWS opens an authenticated websocket to /ws within the call timeout.
func (c *Client) dialWS(ctx context.Context) (*websocket.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(dctx, "tcp", c.cfg.Host)
	if err != nil {
		return nil, transportError("notifyblocks", err)
	}
	// The handshake below is not context-aware: close the socket if dctx ends.
	stop := context.AfterFunc(dctx, func() { conn.Close() })
	defer stop()
	scheme := "ws"
	if c.tls != nil {
		cfg := c.tls.Clone()
		if host, _, err := net.SplitHostPort(c.cfg.Host); err == nil {
			cfg.ServerName = host
		}
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(dctx); err != nil {
			conn.Close()
			return nil, transportError("notifyblocks", err)
		}
		conn, scheme = tc, "wss"
	}
	user, pass := c.creds()
	hdr := http.Header{}
	hdr.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	u := &url.URL{Scheme: scheme, Host: c.cfg.Host, Path: "/ws"}
	ws, resp, err := websocket.NewClient(conn, u, hdr, 0, 0)
	if err != nil {
		conn.Close()
		if dctx.Err() != nil {
			return nil, transportError("notifyblocks", dctx.Err())
		}
		if resp != nil {
			return nil, httpError("notifyblocks", resp.StatusCode, resp.Status)
		}
		return nil, transportError("notifyblocks", err)
	}
	ws.SetReadLimit(maxNotificationBytes)
	return ws, nil
}

// subscribeBlocks sends notifyblocks and waits for its reply.
func (c *Client) subscribeBlocks(ctx context.Context, ws *websocket.Conn) error {
	id := c.nextID.Add(1)
	req, err := btcjson.MarshalCmd(btcjson.RpcVersion1, id, btcjson.NewNotifyBlocksCmd())
	if err != nil {
		return fmt.Errorf("btcnode notifyblocks: %w", err)
	}
	deadline := time.Now().Add(c.cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	ws.SetWriteDeadline(deadline)
	ws.SetReadDeadline(deadline)
	if err := ws.WriteMessage(websocket.TextMessage, req); err != nil {
		return transportError("notifyblocks", err)
	}
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			return transportError("notifyblocks", err)
		}
		var r struct {
			ID     *uint64           `json:"id"`
			Error  *btcjson.RPCError `json:"error"`
			Method string            `json:"method"`
		}
		if err := json.Unmarshal(msg, &r); err != nil {
			return &Error{Method: "notifyblocks", Message: "malformed reply: " + err.Error()}
		}
		if r.ID == nil || *r.ID != id {
			continue // not our reply
		}
		if r.Error != nil {
			return rpcError("notifyblocks", int(r.Error.Code), r.Error.Message)
		}
		ws.SetReadDeadline(time.Time{})
		ws.SetWriteDeadline(time.Time{})
		return nil
	}
}

// parseBlockNotification decodes blockconnected/blockdisconnected (params: hash,
// height, time); ok is false for any other message (btcd also sends the filtered
// variants, which carry the same events).
func parseBlockNotification(msg []byte) (n BlockNotification, ok bool, err error) {
	var m struct {
		Method string            `json:"method"`
		Params []json.RawMessage `json:"params"`
	}
	if err := json.Unmarshal(msg, &m); err != nil {
		return n, false, fmt.Errorf("notification: %w", err)
	}
	switch m.Method {
	case "blockconnected": // btcjson.BlockConnectedNtfnMethod (deprecated name, still sent)
		n.Connected = true
	case "blockdisconnected":
	default:
		return n, false, nil
	}
	if len(m.Params) < 2 {
		return n, false, fmt.Errorf("%s: %d params", m.Method, len(m.Params))
	}
	var hash string
	if err := json.Unmarshal(m.Params[0], &hash); err != nil {
		return n, false, fmt.Errorf("%s hash: %w", m.Method, err)
	}
	h, err := chainhash.NewHashFromStr(hash)
	if err != nil {
		return n, false, fmt.Errorf("%s hash: %w", m.Method, err)
	}
	if err := json.Unmarshal(m.Params[1], &n.Height); err != nil {
		return n, false, fmt.Errorf("%s height: %w", m.Method, err)
	}
	n.Hash = *h
	return n, true, nil
}
