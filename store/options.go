package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Defaults of Options.
const (
	DefaultCacheSize    = 64 << 20
	DefaultMemTableSize = 32 << 20
	minCacheSize        = 1 << 20
	minMemTableSize     = 1 << 20
	maxMemTableSize     = 1 << 30
)

// Options configure Open. The zero value is usable after EnsureDefaults.
type Options struct {
	// FS is the filesystem; nil means the operating system's (vfs.Default).
	// Tests pass vfs.NewMem() or vfs.NewCrashableMem().
	FS vfs.FS
	// Logger receives pebble's log lines; nil discards them.
	Logger *slog.Logger
	// CacheSize is the block cache size in bytes.
	CacheSize int64
	// MemTableSize is the size of one memtable in bytes.
	MemTableSize uint64
}

// EnsureDefaults fills zero fields with their defaults.
func (o *Options) EnsureDefaults() {
	if o.FS == nil {
		o.FS = vfs.Default
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.CacheSize == 0 {
		o.CacheSize = DefaultCacheSize
	}
	if o.MemTableSize == 0 {
		o.MemTableSize = DefaultMemTableSize
	}
}

// ErrOptions is returned by Validate for an unusable setting.
var ErrOptions = errors.New("invalid store options")

// Validate checks the options after EnsureDefaults.
func (o *Options) Validate() error {
	switch {
	case o.FS == nil:
		return fmt.Errorf("%w: FS is nil", ErrOptions)
	case o.Logger == nil:
		return fmt.Errorf("%w: Logger is nil", ErrOptions)
	case o.CacheSize < minCacheSize:
		return fmt.Errorf("%w: CacheSize %d below %d", ErrOptions, o.CacheSize, minCacheSize)
	case o.MemTableSize < minMemTableSize || o.MemTableSize > maxMemTableSize:
		return fmt.Errorf("%w: MemTableSize %d outside [%d, %d]", ErrOptions, o.MemTableSize,
			minMemTableSize, maxMemTableSize)
	}
	return nil
}

// pebbleOptions translates o; the caller owns and unrefs cache after Open.
func (o *Options) pebbleOptions(cache *pebble.Cache) *pebble.Options {
	po := &pebble.Options{
		FS:           o.FS,
		Cache:        cache,
		MemTableSize: o.MemTableSize,
		Logger:       slogLogger{o.Logger},
	}
	po.EnsureDefaults()
	return po
}

// slogLogger adapts pebble's printf-style Logger to slog. pebble's messages are
// preformatted, so they go into one "msg" attribute under a static message.
type slogLogger struct{ l *slog.Logger }

func (s slogLogger) Infof(format string, args ...any) {
	s.l.LogAttrs(context.Background(), slog.LevelInfo, "pebble", slog.String("msg", fmt.Sprintf(format, args...)))
}

func (s slogLogger) Errorf(format string, args ...any) {
	s.l.LogAttrs(context.Background(), slog.LevelError, "pebble", slog.String("msg", fmt.Sprintf(format, args...)))
}

// Fatalf logs and panics: pebble expects Fatalf not to return.
func (s slogLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.l.LogAttrs(context.Background(), slog.LevelError, "pebble fatal", slog.String("msg", msg))
	panic("pebble: " + msg)
}
