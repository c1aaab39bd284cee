package unixsock

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"
)

// Server serves an http.Handler on a unix socket.
type Server struct {
	path string
	srv  *http.Server
	done chan struct{}
}

// Serve listens on path and serves h until Close. A socket file already at path is
// removed first: the caller must hold the lock that makes it the only server there.
// what names the socket in errors and logs ("query socket").
func Serve(path, what string, h http.Handler, log *slog.Logger) (*Server, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		_ = os.Remove(path)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	s := &Server{path: path, done: make(chan struct{}),
		srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn(what+" stopped", "path", path, "err", err)
		}
	}()
	return s, nil
}

// Path is the socket's path.
func (s *Server) Path() string { return s.path }

// Close stops serving: in-flight requests get until ctx ends, then their
// connections are closed. The socket file is removed.
func (s *Server) Close(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		_ = s.srv.Close()
	}
	<-s.done
	_ = os.Remove(s.path)
	return err
}

// Client returns an HTTP client whose every connection dials the socket at path,
// whatever host a request URL names.
func Client(path string) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
		MaxIdleConns: 2,
	}}
}
