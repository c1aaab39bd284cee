package wallet

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// SeedFile is the seed's file name inside the data directory.
const SeedFile = "seed"

// SeedLen is the seed's length in bytes.
const SeedLen = 32

// fsync syncs an open file or directory; tests wrap it to check what is synced
// and when.
var fsync = (*os.File).Sync

// Errors of LoadOrCreateSeed about an existing seed file.
var (
	// ErrSeedPermissions: the seed file is readable or writable by group or
	// others (or is not a regular file).
	ErrSeedPermissions = errors.New("seed file permissions too open")
	// ErrSeedCorrupt: the seed file does not hold 64 hex digits.
	ErrSeedCorrupt = errors.New("seed file corrupt")
)

// LoadOrCreateSeed returns the wallet seed in <datadir>/seed (DECISIONS C4):
//
//	seed file = hex(seed[32]) ‖ optional "\n"    (64 lowercase or uppercase hex digits)
//
// On first run (no file) it creates datadir (0700) if needed, draws 32 bytes from
// crypto/rand, writes them to seed.tmp (0600), fsyncs it, links it to seed (so a
// seed that exists is never overwritten, even by a concurrent creator), and
// fsyncs the directory before returning created = true: a seed is never used
// before it is durable. A leftover seed.tmp from a crash during creation never
// held a used seed and is removed.
//
// An existing file must be a regular file with no group or other permission bits
// (ErrSeedPermissions, with the chmod that fixes it) and hold exactly 64 hex
// digits, optionally followed by one newline (ErrSeedCorrupt). Neither is repaired:
// the file holds the wallet's keys.
func LoadOrCreateSeed(datadir string) (seed [SeedLen]byte, created bool, err error) {
	path := filepath.Join(datadir, SeedFile)
	seed, err = readSeed(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return seed, false, err
	}
	if err := createSeed(datadir, path); err != nil {
		return seed, false, err
	}
	seed, err = readSeed(path)
	return seed, err == nil, err
}

// readSeed reads and checks an existing seed file.
func readSeed(path string) (seed [SeedLen]byte, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return seed, fmt.Errorf("seed: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return seed, fmt.Errorf("%w: %s is not a regular file (%s)", ErrSeedPermissions, path, fi.Mode().Type())
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return seed, fmt.Errorf("%w: %s has mode %04o, want 0600 (run: chmod 600 %s)", ErrSeedPermissions, path, perm, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return seed, fmt.Errorf("seed: %w", err)
	}
	b = bytes.TrimSuffix(b, []byte("\n"))
	if len(b) != 2*SeedLen {
		return seed, fmt.Errorf("%w: %s holds %d bytes, want %d hex digits", ErrSeedCorrupt, path, len(b), 2*SeedLen)
	}
	if _, err := hex.Decode(seed[:], b); err != nil {
		return seed, fmt.Errorf("%w: %s: %w", ErrSeedCorrupt, path, err)
	}
	return seed, nil
}

// createSeed writes a fresh seed to path durably, unless one appeared meanwhile.
func createSeed(datadir, path string) error {
	if err := os.MkdirAll(datadir, 0o700); err != nil {
		return fmt.Errorf("seed dir: %w", err)
	}
	var seed [SeedLen]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return fmt.Errorf("seed random: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("seed tmp: %w", err)
	}
	if err := writeSynced(tmp, []byte(hex.EncodeToString(seed[:])+"\n")); err != nil {
		return err
	}
	err := os.Link(tmp, path)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("seed link: %w", err)
	}
	if err := os.Remove(tmp); err != nil {
		return fmt.Errorf("seed tmp: %w", err)
	}
	return syncDir(datadir)
}

// writeSynced creates path (0600, must not exist), writes b and fsyncs it.
func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("seed create: %w", err)
	}
	// The umask may only have cleared bits; make the mode exact anyway.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("seed chmod: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("seed write: %w", err)
	}
	if err := fsync(f); err != nil {
		f.Close()
		return fmt.Errorf("seed fsync: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("seed close: %w", err)
	}
	return nil
}

// syncDir fsyncs a directory so a new entry in it is durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("seed dir: %w", err)
	}
	if err := fsync(d); err != nil {
		d.Close()
		return fmt.Errorf("seed dir fsync: %w", err)
	}
	return d.Close()
}
