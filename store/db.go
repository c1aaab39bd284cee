package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"

	"github.com/cockroachdb/pebble/v2"
)

// DB is an open pebble database.
type DB struct {
	db   *pebble.DB
	opts Options
}

// ErrLocked is returned by Open when another process (or another DB in this
// process) holds the directory's LOCK file.
var ErrLocked = errors.New("database directory is locked")

// Open opens (creating if needed) the database in dir. If another process has
// it open, Open fails fast with ErrLocked and a message naming the directory;
// pebble locks the directory even for read-only use (DECISIONS A6).
func Open(dir string, opts Options) (*DB, error) {
	opts.EnsureDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	cache := pebble.NewCache(opts.CacheSize)
	defer cache.Unref() // pebble holds its own reference while open
	db, err := pebble.Open(dir, opts.pebbleOptions(cache))
	if err != nil {
		if isLockConflict(err) {
			return nil, fmt.Errorf("store %s: %w: another process (another bitai?) or another DB in "+
				"this process has it open; stop it or ask it over its socket (%v)", dir, ErrLocked, err)
		}
		return nil, fmt.Errorf("store %s: open: %w", dir, err)
	}
	return &DB{db: db, opts: opts}, nil
}

// isLockConflict recognises pebble's LOCK failures: fcntl's EAGAIN/EACCES from
// another process, vfs.MemFS's EAGAIN, and the "held by current process" error
// of a second Open in the same process (pebble gives it no sentinel).
func isLockConflict(err error) bool {
	return errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EACCES) ||
		errors.Is(err, syscall.EWOULDBLOCK) || strings.Contains(err.Error(), "lock held by current process")
}

// Close closes the database.
func (d *DB) Close() error {
	if err := d.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Pebble returns the underlying database, for reads, iterators and snapshots.
// Writes should go through Update or a Recorder.
func (d *DB) Pebble() *pebble.DB { return d.db }

// Update runs fn over a fresh batch and commits it with pebble.Sync, so the
// writes are durable when Update returns nil. If fn fails or ctx is done before
// the commit, nothing is written. fn must not keep w.
func (d *DB) Update(ctx context.Context, fn func(w pebble.Writer) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store update: %w", err)
	}
	b := d.db.NewBatch()
	defer b.Close()
	if err := fn(b); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store update: %w", err)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("store update: commit: %w", err)
	}
	return nil
}

// NewRecorder returns a Recorder over a new indexed batch of d.
func (d *DB) NewRecorder() *Recorder { return NewRecorder(d.db.NewIndexedBatch()) }

// Get reads key from r and returns a copy of its value; ok is false when the key
// does not exist.
func Get(r pebble.Reader, key []byte) (value []byte, ok bool, err error) {
	v, closer, err := r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store get %x: %w", key, err)
	}
	value = append([]byte{}, v...)
	return value, true, closeQuietly(closer)
}

func closeQuietly(c io.Closer) error {
	if err := c.Close(); err != nil {
		return fmt.Errorf("store: close reader: %w", err)
	}
	return nil
}
