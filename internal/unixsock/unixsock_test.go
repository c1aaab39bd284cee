package unixsock

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestServeRoundTripAndClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.sock")
	// A stale socket from a killed server must not stop a new one.
	stale, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	_ = stale.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("stale socket not left behind: %v", err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /hi", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "hello") })
	s, err := Serve(path, "test socket", mux, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("Serve over a stale socket: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v, want 0600", fi.Mode().Perm())
	}
	c := Client(path)
	resp, err := c.Get("http://anyhost/hi")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if string(b) != "hello" {
		t.Fatalf("got %q", b)
	}
	c.CloseIdleConnections()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Fatalf("socket file still there after Close: %v", err)
	}
	if _, err := Client(path).Get("http://anyhost/hi"); err == nil {
		t.Fatal("request succeeded after Close")
	}
}

func TestServeRefusesAPathThatIsNotASocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.sock")
	if err := os.WriteFile(path, []byte("data"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Serve(path, "test socket", http.NewServeMux(), slog.New(slog.DiscardHandler)); err == nil {
		t.Fatal("Serve replaced a regular file")
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "data" {
		t.Fatalf("regular file changed: %q %v", b, err)
	}
}
