// Package unixsock serves HTTP/1.1 on a unix socket in a datadir and dials one.
//
// The indexer's query socket and the inscriber's status socket (DECISIONS A6) both
// need the same listener discipline: pebble locks a datadir even for read-only use,
// so whoever holds the database serves it on a socket beside it (mode 0600), a stale
// socket file left by a killed process is removed first (the caller holds the
// database lock, so nobody else serves there), and closing waits for in-flight
// requests until a context ends, then removes the file. Each package keeps its own
// routes, wire types and error mapping.
package unixsock
