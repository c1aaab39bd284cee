// Package e2e holds end-to-end tests that cross packages against a real btcd in
// regtest: BitAI payloads written in commit/reveal pairs, mined, read back through the
// follower and accepted. It has no production code and must never be imported.
package e2e
