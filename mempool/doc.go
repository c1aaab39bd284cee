// Package mempool pre-executes incoming BitAI transactions against confirmed state plus
// pending transactions and keeps a bounded, fee-ordered pool for the inscriber.
//
// It must never write confirmed state; it only reads a view of it through an overlay.
//
// Status: filled by a later issue; nothing here works yet.
package mempool
