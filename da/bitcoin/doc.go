// Package bitcoin will carry DA records inline in SubmitBatch transactions (full-rollup
// chains). It must never accept data whose hash does not match the batch's dataHash.
//
// Status: filled by a later issue; nothing here works yet.
package bitcoin
