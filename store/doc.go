// Package store owns BitAI's small layer over pebble: key construction (one
// prefix byte plus big-endian fixed-width parts, so keys sort the way range
// scans need), prefix bounds for iteration, Options with EnsureDefaults/Validate,
// Open with a clear error when another process holds the database directory's
// LOCK, Update (one batch, committed with pebble.Sync), a Recorder that wraps an
// indexed batch and records the prior value of every key it writes and the final
// write set, and the serializable Undo record that reverts such a batch.
//
// Code that stores data takes pebble.Reader and pebble.Writer (STYLE §12), so it
// runs on the database, a batch or a Recorder alike. Each subsystem owns its own
// pebble directory and its own keys.go listing its prefixes (DECISIONS A6, D1);
// store defines no prefixes itself.
//
// store must never know what the bytes it handles mean: it imports no other
// project package, defines no consensus encoding (write-set hashing and state
// keys belong to their owners), keeps no global state, never writes without
// pebble.Sync where durability is promised, and never logs through a global
// logger (the slog.Logger comes in Options).
package store
