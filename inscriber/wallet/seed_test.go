package wallet

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSeedCreateAndLoad(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "inscriber") // created on the way
	seed, created, err := LoadOrCreateSeed(dir)
	require.NoError(t, err)
	require.True(t, created)
	require.NotEqual(t, [SeedLen]byte{}, seed)

	path := filepath.Join(dir, SeedFile)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	di, err := os.Stat(dir)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), di.Mode().Perm())
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, hex.EncodeToString(seed[:])+"\n", string(raw))
	_, err = os.Stat(path + ".tmp")
	require.ErrorIs(t, err, os.ErrNotExist)

	again, created, err := LoadOrCreateSeed(dir)
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, seed, again)

	other, _, err := LoadOrCreateSeed(t.TempDir())
	require.NoError(t, err)
	require.NotEqual(t, seed, other, "each data dir draws its own seed")
}

// TestSeedSyncOrder: the seed's bytes are fsynced before the file gets its name,
// and the directory after, before LoadOrCreateSeed returns.
func TestSeedSyncOrder(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, SeedFile)
	type event struct {
		name       string
		seedExists bool
	}
	var events []event
	orig := fsync
	t.Cleanup(func() { fsync = orig })
	fsync = func(f *os.File) error {
		_, err := os.Stat(path)
		events = append(events, event{filepath.Base(f.Name()), err == nil})
		return orig(f)
	}
	_, created, err := LoadOrCreateSeed(dir)
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, []event{{SeedFile + ".tmp", false}, {filepath.Base(dir), true}}, events)

	events = nil
	_, created, err = LoadOrCreateSeed(dir)
	require.NoError(t, err)
	require.False(t, created)
	require.Empty(t, events, "loading syncs nothing")
}

func TestSeedStaleTmp(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, SeedFile+".tmp"), []byte("half"), 0o600))
	seed, created, err := LoadOrCreateSeed(dir)
	require.NoError(t, err)
	require.True(t, created)
	again, _, err := LoadOrCreateSeed(dir)
	require.NoError(t, err)
	require.Equal(t, seed, again)
}

func TestSeedBadFile(t *testing.T) {
	good := "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		dir     bool
		wantErr error
	}{
		{"group readable", good + "\n", 0o640, false, ErrSeedPermissions},
		{"world readable", good + "\n", 0o604, false, ErrSeedPermissions},
		{"group writable", good + "\n", 0o620, false, ErrSeedPermissions},
		{"a directory", "", 0o700, true, ErrSeedPermissions},
		{"empty", "", 0o600, false, ErrSeedCorrupt},
		{"63 digits", good[:63], 0o600, false, ErrSeedCorrupt},
		{"65 digits", good + "0", 0o600, false, ErrSeedCorrupt},
		{"not hex", "zz" + good[2:], 0o600, false, ErrSeedCorrupt},
		{"two newlines", good + "\n\n", 0o600, false, ErrSeedCorrupt},
		{"crlf", good + "\r\n", 0o600, false, ErrSeedCorrupt},
		{"leading space", " " + good[1:], 0o600, false, ErrSeedCorrupt},
		{"no newline is fine", good, 0o600, false, nil},
		{"owner read-only is fine", good + "\n", 0o400, false, nil},
		{"uppercase is fine", "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F\n", 0o600, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, SeedFile)
			if tc.dir {
				require.NoError(t, os.Mkdir(path, tc.mode))
			} else {
				require.NoError(t, os.WriteFile(path, []byte(tc.content), 0o600))
				require.NoError(t, os.Chmod(path, tc.mode))
			}
			seed, created, err := LoadOrCreateSeed(dir)
			require.False(t, created, "an existing file is never replaced")
			if tc.wantErr == nil {
				require.NoError(t, err)
				want, _ := hex.DecodeString(good)
				require.Equal(t, want, seed[:])
				return
			}
			require.ErrorIs(t, err, tc.wantErr)
			require.ErrorContains(t, err, path)
			if !tc.dir {
				after, rerr := os.ReadFile(path)
				require.NoError(t, rerr)
				require.Equal(t, tc.content, string(after), "left untouched")
			}
		})
	}
}
