package aichain

import (
	"errors"
	"fmt"
	"math"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/zkhash"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// Tree capacities (as binary depths: a tree of depth d holds 2^d leaves) and
// assignment size of the v1 state layout (rules L-2 to L-6).
const (
	// AccountDepth is the depth of the account tree: 2^32 accounts, so creating
	// an account cannot fail (rule L-3).
	AccountDepth = 32
	// RequestDepth is the depth of the request tree: a request lives in slot
	// inboxIndex mod 2^16 (rule L-4).
	RequestDepth = 16
	// MinerDepth is the depth of a miner array: at most 2^16 active miners (rule L-5).
	MinerDepth = 16
	// EpochDepth is the depth of the append-only epoch tree (rule L-5).
	EpochDepth = 32
	// AccountLevels, RequestLevels, MinerLevels and EpochLevels are the heights
	// of those trees: they are 4-ary (rule L-6), each level taking two bits of
	// the index, so a tree of depth d has d/2 levels.
	AccountLevels = AccountDepth / 2
	RequestLevels = RequestDepth / 2
	MinerLevels   = MinerDepth / 2
	EpochLevels   = EpochDepth / 2
	// Assignees is how many miners a request draws (rule L-13).
	Assignees = 3
	// NoCommitter marks a request without commits in Request.First.
	NoCommitter = Assignees
)

// Domain tags of the L2 (rule L-1). Each is a zkhash tag (rule Z-5).
const (
	TagAccount     = "bitai/l2/account"
	TagKey         = "bitai/l2/key"
	TagRequest     = "bitai/l2/request"
	TagEpoch       = "bitai/l2/epoch"
	TagState       = "bitai/l2/state"
	TagSeed        = "bitai/l2/seed"
	TagCommit      = "bitai/l2/commit"
	TagSig         = "bitai/l2/sig"
	TagEdDSA       = "bitai/l2/eddsa"
	TagOutcomes    = "bitai/l2/outcomes"
	TagWithdrawals = "bitai/l2/withdrawals"
	TagData        = "bitai/l2/data"
	TagDAOp        = "bitai/l2/daop"
	TagPublicInput = "bitai/l2/pi"
	TagExit        = "bitai/l2/exit"
	// TagParams is the params hash's tag; it equals statemachine.TagParams (rule S-13).
	TagParams = "bitai/params"
)

// Errors of this package. Every error ApplyBatch returns wraps one of them.
var (
	// ErrParams: chain params that break rule L-7 (or T-16 before it).
	ErrParams = errors.New("aichain: invalid params")
	// ErrShape: a circuit shape with a slot count out of range.
	ErrShape = errors.New("aichain: invalid shape")
	// ErrBatch: a batch input that no circuit can prove (wrong number, inbox
	// range, clock, slot order or capacity). The state is unchanged.
	ErrBatch = errors.New("aichain: invalid batch")
	// ErrOp: a sequencer op that is invalid in its slot (rule L-30). The state is
	// unchanged; OpError says which op.
	ErrOp = errors.New("aichain: invalid sequencer op")
	// ErrDecode: bytes that are not a canonical encoding.
	ErrDecode = errors.New("aichain: decode")
	// ErrSignature: an EdDSA signature that does not verify.
	ErrSignature = errors.New("aichain: bad signature")
	// ErrExit: an Exit leaf or path that does not open the given root.
	ErrExit = errors.New("aichain: invalid exit proof")
)

// MaxSlots caps every slot count of a Shape.
const MaxSlots = 4096

// Shape is a circuit's fixed slot schedule (DESIGN §4.2): how many slots of each
// type one batch has, in the order they run (rule L-29). It belongs to the
// circuit id; the list capacities follow from it (rule L-33).
type Shape struct {
	InboxSlots   int // inbox entries consumed
	CommitSlots  int // sequencer Commit ops
	RevealSlots  int // sequencer Reveal ops
	ResolveSlots int // sequencer Resolve ops
	OtherSlots   int // sequencer Transfer, Withdraw, Stake, Unstake, Unlock, Join ops
}

// DefaultShape is the shape the tests and the simulator use.
func DefaultShape() Shape {
	return Shape{InboxSlots: 64, CommitSlots: 48, RevealSlots: 48, ResolveSlots: 16, OtherSlots: 32}
}

// Validate checks that every slot count is in [1, MaxSlots].
func (s Shape) Validate() error {
	for _, n := range []int{s.InboxSlots, s.CommitSlots, s.RevealSlots, s.ResolveSlots, s.OtherSlots} {
		if n < 1 || n > MaxSlots {
			return fmt.Errorf("%w: slot count %d outside [1, %d]", ErrShape, n, MaxSlots)
		}
	}
	return nil
}

// OutcomeCap is the outcome list's capacity (rule L-33): every inbox slot (a
// request refunded on arrival, a forced resolve) and every resolve slot can add
// at most one outcome, so the list can never overflow.
func (s Shape) OutcomeCap() int { return s.InboxSlots + s.ResolveSlots }

// WithdrawalCap is the withdrawal list's capacity (rule L-33): every inbox slot
// and every other-slot can add at most one withdrawal.
func (s Shape) WithdrawalCap() int { return s.InboxSlots + s.OtherSlots }

// slotsOf returns the capacity of a sequencer op class.
func (s Shape) slotsOf(c opClass) int {
	switch c {
	case classCommit:
		return s.CommitSlots
	case classReveal:
		return s.RevealSlots
	case classResolve:
		return s.ResolveSlots
	default:
		return s.OtherSlots
	}
}

// DefaultParams returns chain params that satisfy rule L-7: bitai's defaults with
// revealTimeout 252 and requestTTL 300 (DESIGN's 192 and 288 leave no reveal
// window once back-dated commits are ruled out; see rule L-7). Treasury must
// still be filled in.
func DefaultParams() bitai.ChainParams {
	p := bitai.DefaultChainParams()
	p.RevealTimeout = p.CommitTimeout + bitai.SubmitWindow + bitai.MinWindow
	p.RequestTTL = p.RevealTimeout + p.ForceDelay + bitai.MinWindow
	return p
}

// permissive bounds let ValidateParams check rule T-16 without a deployment's caps.
var permissive = bitai.ChainBounds{
	MaxRequestTTL: math.MaxUint32, MaxEpochBlocks: math.MaxUint32, MaxForceDelay: math.MaxUint32,
	MaxUnstakeDelay: math.MaxUint32, MaxRejoinDelay: math.MaxUint32, MinMinStake: 1,
	MaxRequestFee: bitai.MaxMoney,
}

// ValidateParams checks the params the L2 relies on (rule L-7): rule T-16's
// inequalities, then revealTimeout ≥ commitTimeout + SubmitWindow + MinWindow,
// then the treasury is a valid L2 key (rule Z-14). GenesisRoot refuses params
// that fail it, so ChainRegister cannot launch a chain that breaks it.
func ValidateParams(p bitai.ChainParams) error {
	if err := p.Validate(permissive); err != nil {
		return fmt.Errorf("%w: %w", ErrParams, err)
	}
	if uint64(p.RevealTimeout) < uint64(p.CommitTimeout)+bitai.SubmitWindow+bitai.MinWindow {
		return fmt.Errorf("%w: revealTimeout %d < commitTimeout %d + SubmitWindow + MinWindow",
			ErrParams, p.RevealTimeout, p.CommitTimeout)
	}
	if _, err := zkhash.ParseL2Account(p.Treasury); err != nil {
		return fmt.Errorf("%w: treasury: %w", ErrParams, err)
	}
	return nil
}

// ParamsHash is the chain's params hash (rule S-13), equal to
// statemachine.ParamsHash(p.Record()):
//
//	paramsHash = HashBytes("bitai/params", version u8 ‖ params v1 data)
func ParamsHash(p bitai.ChainParams) fr.Element {
	r := p.Record()
	return zkhash.HashBytes(TagParams, append([]byte{r.Version}, r.Data...))
}
