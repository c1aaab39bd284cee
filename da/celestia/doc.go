// Package celestia will speak celestia-node's blob/header JSON-RPC. It must never
// trust a commitment the node returns without recomputing it.
//
// Status: filled by a later issue; nothing here works yet.
package celestia
