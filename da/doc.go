// Package da defines the data-availability interface AI-chain sequencers post batch
// data to (go-da's method set plus Subscribe) and hosts its backends in subpackages.
//
// It must never decide what data means; it stores and proves availability of blobs.
//
// Status: filled by a later issue; nothing here works yet.
package da
