package aichain

import (
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/zkhash"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// Exit sub-record versions and sizes (rule L-40).
const (
	ExitLeafVersion uint8 = 1
	ExitPathVersion uint8 = 1
	exitLeafBytes         = 32 + 32 + 4*8 + 3*4 + 32 + SignatureBytes
	exitPathBytes         = 32 * (exitSiblings + stateFieldCount - 1)
	exitSiblings          = Siblings * AccountLevels
)

// ExitClaim is what a verified Exit pays: Amount (balance + stake + locked) to
// the BitAI account Recipient.
type ExitClaim struct {
	Account   Account
	Recipient [32]byte
	Amount    uint64
}

// ExitMessage is what an account key signs to exit (rule L-40):
//
//	Hash("bitai/l2/exit"; chainID, accountIndex, recipient.hi, recipient.lo)
func ExitMessage(chainID [32]byte, index uint32, recipient [32]byte) fr.Element {
	hi, lo := zkhash.Limbs(recipient)
	return zkhash.Hash(TagExit, idElem(chainID), zkhash.FromUint64(uint64(index)), hi, lo)
}

// The Exit records v1 (rule L-40), big-endian:
//
//	leaf v1 = key [32] ‖ next [32] ‖ balance u64 ‖ nonce u64 ‖ stake u64 ‖ locked u64 ‖
//	          unlockAt u32 ‖ bannedUntil u32 ‖ minerPos u32 ‖ recipient [32] ‖ sig [64]
//	path v1 = sibling [32] × 48 (3 per level, 16 levels, leaf level first) ‖
//	          stateField [32] × 12
//
// The state fields are rule L-2's, in order, without accountsRoot (position 2).

// ExitProof builds an Exit's leaf and path for account i against the current
// root, signed by k for recipient.
func (c *Chain) ExitProof(i uint32, recipient [32]byte, k *PrivateKey) (leaf, path bitai.SubRecord, err error) {
	a, ok := c.st.account(i)
	if !ok {
		return leaf, path, fmt.Errorf("%w: no account %d", ErrExit, i)
	}
	sig, err := signElem(k, ExitMessage(c.cfg.ChainID, i, recipient))
	if err != nil {
		return leaf, path, err
	}
	be := binary.BigEndian
	lb := append(append(make([]byte, 0, exitLeafBytes), a.Key[:]...), elemBytes(a.Next)...)
	for _, v := range []uint64{a.Balance, a.Nonce, a.Stake, a.Locked} {
		lb = be.AppendUint64(lb, v)
	}
	for _, v := range []uint32{a.UnlockAt, a.BannedUntil, a.MinerPos} {
		lb = be.AppendUint32(lb, v)
	}
	lb = append(append(lb, recipient[:]...), sig[:]...)
	fields := c.st.fields(c.paramsHash, c.circuitID)
	pb := make([]byte, 0, exitPathBytes)
	for _, s := range c.st.accTree.path(uint64(i)) {
		pb = append(pb, elemBytes(s)...)
	}
	for j, f := range fields {
		if j != accountsRootPos {
			pb = append(pb, elemBytes(f)...)
		}
	}
	return bitai.SubRecord{Version: ExitLeafVersion, Data: lb}, bitai.SubRecord{Version: ExitPathVersion, Data: pb}, nil
}

// VerifyExit checks an Exit natively (rule L-40): both records are version 1 and
// exactly sized; the key is a valid L2 key and every element canonical; the
// leaf, at accountIndex < numAccounts, with the path's siblings and state
// fields hashes to root; the signature by the leaf's key over ExitMessage
// verifies. BitAI pays the claim once per (chain, accountIndex).
func VerifyExit(chainID [32]byte, root fr.Element, accountIndex uint64, leaf, path bitai.SubRecord) (ExitClaim, error) {
	var cl ExitClaim
	switch {
	case leaf.Version != ExitLeafVersion || path.Version != ExitPathVersion:
		return cl, fmt.Errorf("%w: versions %d, %d", ErrExit, leaf.Version, path.Version)
	case len(leaf.Data) != exitLeafBytes || len(path.Data) != exitPathBytes:
		return cl, fmt.Errorf("%w: sizes %d, %d", ErrExit, len(leaf.Data), len(path.Data))
	case accountIndex >= 1<<AccountDepth:
		return cl, fmt.Errorf("%w: account index %d", ErrExit, accountIndex)
	}
	a, sig, err := decodeExitLeaf(leaf.Data, &cl)
	if err != nil {
		return cl, err
	}
	elems := make([]fr.Element, exitSiblings+stateFieldCount-1)
	for i := range elems {
		if elems[i], err = readElem(path.Data[32*i:], "exit path element"); err != nil {
			return cl, fmt.Errorf("%w: %w", ErrExit, err)
		}
	}
	fields := make([]fr.Element, 0, stateFieldCount)
	fields = append(fields, elems[exitSiblings:exitSiblings+accountsRootPos]...)
	fields = append(fields, RootFromPath(AccountLeaf(&a), accountIndex, elems[:exitSiblings]))
	fields = append(fields, elems[exitSiblings+accountsRootPos:]...)
	if got := StateRoot(fields); !got.Equal(&root) {
		return cl, fmt.Errorf("%w: proof does not open the root", ErrExit)
	}
	if n := fields[accountsRootPos+1]; !n.IsUint64() || accountIndex >= n.Uint64() {
		return cl, fmt.Errorf("%w: account index %d not below numAccounts", ErrExit, accountIndex)
	}
	if err := verifyElem(a.Key, sig, ExitMessage(chainID, uint32(accountIndex), cl.Recipient)); err != nil {
		return cl, fmt.Errorf("%w: %w", ErrExit, err)
	}
	sum, c1 := bits.Add64(a.Balance, a.Stake, 0)
	sum, c2 := bits.Add64(sum, a.Locked, 0)
	if c1+c2 != 0 {
		return cl, fmt.Errorf("%w: amount overflows", ErrExit)
	}
	cl.Account, cl.Amount = a, sum
	return cl, nil
}

func decodeExitLeaf(b []byte, cl *ExitClaim) (Account, [64]byte, error) {
	var a Account
	var sig [64]byte
	copy(a.Key[:], b)
	p, err := zkhash.ParseL2Account(a.Key)
	if err != nil {
		return a, sig, fmt.Errorf("%w: key: %w", ErrExit, err)
	}
	a.Point = p
	if a.Next, err = readElem(b[32:], "next"); err != nil {
		return a, sig, fmt.Errorf("%w: %w", ErrExit, err)
	}
	be := binary.BigEndian
	a.Balance, a.Nonce, a.Stake, a.Locked = be.Uint64(b[64:]), be.Uint64(b[72:]), be.Uint64(b[80:]), be.Uint64(b[88:])
	a.UnlockAt, a.BannedUntil, a.MinerPos = be.Uint32(b[96:]), be.Uint32(b[100:]), be.Uint32(b[104:])
	copy(cl.Recipient[:], b[108:])
	copy(sig[:], b[140:])
	return a, sig, nil
}

func elemBytes(e fr.Element) []byte {
	b := e.Bytes()
	return b[:]
}
