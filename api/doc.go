// Package api will serve the node's query API over JSON-RPC, REST and WebSocket, the
// explorer and metrics.
//
// It must never write state; it only reads committed data.
//
// Status: filled by a later issue; nothing here works yet.
package api
