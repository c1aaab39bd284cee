package statemachine

import (
	"github.com/bitai-l2/bitai/aichain"
	"github.com/bitai-l2/bitai/bitai"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// exit pays a frozen chain's L2 account from the bridge (rule S-26, L-40). Checks, in
// order: the chain exists (158); it is frozen (191); the account index was not paid
// yet (192); leaf and path are version 1 (150); aichain.VerifyExit accepts them
// against the last settled root (193); the bridge covers the amount (189). Then the
// recipient (any 32 bytes, like a withdrawal's) is credited and the exit recorded.
func (x *execCtx) exit(b *bitai.Exit) (bitai.Reason, error) {
	v, r, err := x.chainView(b.ChainID)
	if err != nil || r != bitai.ReasonNone {
		return r, err
	}
	s := v.Settlement
	if !frozen(s, x.height) {
		return ReasonExitTooEarly, nil
	}
	if _, done, err := GetExit(x.st, b.ChainID, b.AccountIndex); err != nil || done {
		return ReasonAlreadyExited, err
	}
	if b.Leaf.Version != aichain.ExitLeafVersion || b.Path.Version != aichain.ExitPathVersion {
		return ReasonUnsupported, nil
	}
	var root fr.Element
	if err := root.SetBytesCanonical(s.Root[:]); err != nil {
		return bitai.ReasonNone, ErrRecord
	}
	claim, err := aichain.VerifyExit(b.ChainID, root, b.AccountIndex, b.Leaf, b.Path)
	if err != nil {
		return ReasonBadExitProof, nil
	}
	if claim.Amount > s.Bridge {
		return ReasonBridgeInsufficient, nil
	}
	s.Bridge -= claim.Amount
	if err := putRecord(x.st, SettlementKey(b.ChainID), s); err != nil {
		return bitai.ReasonNone, err
	}
	if r, err := credit(x.st, claim.Recipient, claim.Amount); err != nil || r != bitai.ReasonNone {
		return r, err
	}
	rec := ExitRecord{Recipient: claim.Recipient, Amount: claim.Amount, Height: x.height}
	return bitai.ReasonNone, putRecord(x.st, ExitKey(b.ChainID, b.AccountIndex), rec)
}
