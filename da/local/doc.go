// Package local will be the embedded pebble-backed DA backend with Celestia-identical
// share commitments. It must never accept a blob whose commitment it did not compute.
//
// Status: filled by a later issue; nothing here works yet.
package local
