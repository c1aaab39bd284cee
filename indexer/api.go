package indexer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cockroachdb/pebble/v2"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/store"
)

// API is the query interface of an index, the same whether it reads the database
// directly (DBAPI) or asks a running indexer over its unix socket (SocketClient).
// Every call reads one consistent snapshot.
type API interface {
	Tip(ctx context.Context) (Tip, error)
	StateHash(ctx context.Context, height uint32) (StateHashInfo, error)
	Block(ctx context.Context, height uint32) (BlockInfo, error)
	Tx(ctx context.Context, txid Hash32) (TxInfo, error)
	Account(ctx context.Context, key Hash32) (AccountInfo, error)
	Eternal(ctx context.Context, id bitai.ID) (EternalInfo, error)
	Request(ctx context.Context, id bitai.ID) (RequestInfo, error)
	Chain(ctx context.Context, id bitai.ID, from, to uint64) (ChainInfo, error)
	// Dump streams the state namespace in key order and returns the tip it belongs to.
	Dump(ctx context.Context, fn func(key, value []byte) error) (Tip, error)
	// Close releases what the API holds (a database it opened, idle connections).
	Close() error
}

var (
	_ API = (*DBAPI)(nil)
	_ API = (*SocketClient)(nil)
)

// DBAPI answers queries from a pebble database, one snapshot per call.
type DBAPI struct {
	db    *pebble.DB
	owned *store.DB // closed by Close when DBAPI opened it
}

// NewDBAPI returns an API over db (which stays open after Close).
func NewDBAPI(db *pebble.DB) *DBAPI { return &DBAPI{db: db} }

func (a *DBAPI) read(fn func(q *Reader) error) error {
	snap := a.db.NewSnapshot()
	defer snap.Close()
	return fn(NewReader(snap))
}

// Tip implements API.
func (a *DBAPI) Tip(_ context.Context) (t Tip, err error) {
	err = a.read(func(q *Reader) error { t, err = q.Tip(); return err })
	return t, err
}

// StateHash implements API.
func (a *DBAPI) StateHash(_ context.Context, h uint32) (s StateHashInfo, err error) {
	err = a.read(func(q *Reader) error { s, err = q.StateHash(h); return err })
	return s, err
}

// Block implements API.
func (a *DBAPI) Block(_ context.Context, h uint32) (b BlockInfo, err error) {
	err = a.read(func(q *Reader) error { b, err = q.Block(h); return err })
	return b, err
}

// Tx implements API.
func (a *DBAPI) Tx(_ context.Context, txid Hash32) (t TxInfo, err error) {
	err = a.read(func(q *Reader) error { t, err = q.Tx(txid); return err })
	return t, err
}

// Account implements API.
func (a *DBAPI) Account(_ context.Context, key Hash32) (r AccountInfo, err error) {
	err = a.read(func(q *Reader) error { r, err = q.Account(key); return err })
	return r, err
}

// Eternal implements API.
func (a *DBAPI) Eternal(_ context.Context, id bitai.ID) (r EternalInfo, err error) {
	err = a.read(func(q *Reader) error { r, err = q.Eternal(id); return err })
	return r, err
}

// Request implements API.
func (a *DBAPI) Request(_ context.Context, id bitai.ID) (r RequestInfo, err error) {
	err = a.read(func(q *Reader) error { r, err = q.Request(id); return err })
	return r, err
}

// Chain implements API.
func (a *DBAPI) Chain(_ context.Context, id bitai.ID, from, to uint64) (r ChainInfo, err error) {
	err = a.read(func(q *Reader) error { r, err = q.Chain(id, from, to); return err })
	return r, err
}

// Dump implements API; ctx is checked between keys.
func (a *DBAPI) Dump(ctx context.Context, fn func(key, value []byte) error) (t Tip, err error) {
	err = a.read(func(q *Reader) error {
		t, err = q.Dump(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return fn(k, v)
		})
		return err
	})
	return t, err
}

// Close closes the database if OpenAPI opened it.
func (a *DBAPI) Close() error {
	if a.owned != nil {
		return a.owned.Close()
	}
	return nil
}

// DBDir is the index database's directory inside a datadir (DECISIONS A6: one pebble
// per subsystem).
func DBDir(dataDir string) string { return filepath.Join(dataDir, "index") }

// SocketPath is the query socket's path inside a datadir.
func SocketPath(dataDir string) string { return filepath.Join(dataDir, "index.sock") }

// OpenAPI gives read access to the index in dataDir for a query command: the database
// itself when no process holds it, otherwise the running indexer's socket (pebble
// locks its directory even read-only, DECISIONS A6). Every failure says why, never
// silently empty: no index there, or locked with a socket that does not answer.
func OpenAPI(ctx context.Context, dataDir string) (API, error) {
	dir := DBDir(dataDir)
	if ents, err := os.ReadDir(dir); err != nil || len(ents) == 0 {
		if err == nil || errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s has no index database (run bitai index with this --datadir first)", ErrNoIndex, dataDir)
		}
		return nil, fmt.Errorf("index %s: %w", dir, err)
	}
	db, err := store.Open(dir, store.Options{})
	if err == nil {
		return &DBAPI{db: db.Pebble(), owned: db}, nil
	}
	if !errors.Is(err, store.ErrLocked) {
		return nil, err
	}
	c := NewSocketClient(SocketPath(dataDir))
	if _, serr := c.Tip(ctx); serr != nil {
		_ = c.Close()
		return nil, fmt.Errorf("index %s: %w by another process, and its query socket %s does not answer: %w",
			dir, store.ErrLocked, SocketPath(dataDir), serr)
	}
	return c, nil
}
