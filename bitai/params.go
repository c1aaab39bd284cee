package bitai

import "encoding/binary"

// Error kinds of chain parameters.
const (
	// ErrParamsOutOfBounds: chain params that break a rule of T-16 or a deployment bound.
	ErrParamsOutOfBounds = ErrorKind("ErrParamsOutOfBounds")
	// ErrBadBounds: deployment chain bounds that contradict each other.
	ErrBadBounds = ErrorKind("ErrBadBounds")
)

// ChainParamsVersion is the sub-record version of ChainParams v1 (rule T-14).
const ChainParamsVersion uint8 = 1

// ChainParamsLen is the length of the v1 params record's data (rule T-14).
const ChainParamsLen = 5*4 + 8 + 8 + 4 + 4 + 2 + 32 + 32 + 8 + 1

// MinWindow is the least number of blocks each commit/reveal window must leave open
// beyond ForceDelay (DESIGN §5).
const MinWindow = 12

// MaxBasisPoints is 100% in basis points.
const MaxBasisPoints = 10_000

// MaxMoney is the largest amount any chain param may name: 21 million BTC in sats.
const MaxMoney = 21_000_000 * 100_000_000

// ChainParams are an AI chain's per-chain parameters, version 1 (DESIGN §5,
// DECISIONS D4). Heights and windows are in Bitcoin blocks; amounts in sats.
type ChainParams struct {
	RequestTTL       uint32   // a request's deadline = confirmHeight + RequestTTL
	CommitTimeout    uint32   // commits close this many blocks after the confirm height
	RevealTimeout    uint32   // reveals close this many blocks after the confirm height
	EpochBlocks      uint32   // the miner set changes only every EpochBlocks blocks
	ForceDelay       uint32   // a forced inbox entry must be consumed within ForceDelay
	MinStake         uint64   // least stake of an active miner; > 0
	Slash            uint64   // slashed per fault: min(stake, Slash)
	UnstakeDelay     uint32   // blocks between unstake and withdrawal
	RejoinDelay      uint32   // blocks before a slashed or silent miner may rejoin
	FeeSplitBps      uint16   // share of the chain fee for the seed's miner role, in basis points
	InferenceProfile [32]byte // hash of the deterministic inference profile
	Treasury         [32]byte // L2 account (BabyJubJub key) receiving remainders and slashes
	RequestFee       uint64   // the chain's fee per request, escrowed by Infer
	// FullRollup registers the chain as full rollup: every batch carries its DA
	// record and the outputs of its reveals inline (data v2), and every reveal
	// carries its output (docs/aichain-protocol.md L-41, finding O-1). It is a
	// registered property, not a per-batch choice, so a sequencer cannot switch a
	// batch to a pointer and skip the outputs.
	FullRollup bool
}

// DefaultChainParams returns DESIGN §5's defaults as amended by rule L-7
// (docs/aichain-protocol.md: revealTimeout 252 = commitTimeout + SubmitWindow +
// MinWindow, requestTTL 300 = revealTimeout + forceDelay + MinWindow, where DESIGN had
// 192 and 288), with zero profile and treasury, which the launcher must fill in (a
// zero treasury is not a valid L2 key, so ChainRegister refuses it).
func DefaultChainParams() ChainParams {
	return ChainParams{
		RequestTTL:    300,
		CommitTimeout: 96,
		RevealTimeout: 252,
		EpochBlocks:   SubmitWindow + 1,
		ForceDelay:    36,
		MinStake:      100_000,
		Slash:         10_000,
		UnstakeDelay:  2016,
		RejoinDelay:   6,
		FeeSplitBps:   5_000,
		RequestFee:    1_000,
	}
}

// The params v1 record (rule T-14): a SubRecord with version 1 whose data is
//
//	params v1 = requestTTL u32 ‖ commitTimeout u32 ‖ revealTimeout u32 ‖ epochBlocks u32 ‖
//	            forceDelay u32 ‖ minStake u64 ‖ slash u64 ‖ unstakeDelay u32 ‖
//	            rejoinDelay u32 ‖ feeSplitBps u16 ‖ inferenceProfile [32] ‖ treasury [32] ‖
//	            requestFee u64 ‖ fullRollup u8                  (119 bytes, big-endian)
//
// fullRollup is 0 or 1 (rule T-15).
//
// ChainParams.Record writes it; ChainParamsFromRecord reads it.

// Record returns the params as a version-1 sub-record.
func (p ChainParams) Record() SubRecord {
	b := make([]byte, 0, ChainParamsLen)
	for _, v := range []uint32{p.RequestTTL, p.CommitTimeout, p.RevealTimeout,
		p.EpochBlocks, p.ForceDelay} {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	b = binary.BigEndian.AppendUint64(b, p.MinStake)
	b = binary.BigEndian.AppendUint64(b, p.Slash)
	b = binary.BigEndian.AppendUint32(b, p.UnstakeDelay)
	b = binary.BigEndian.AppendUint32(b, p.RejoinDelay)
	b = binary.BigEndian.AppendUint16(b, p.FeeSplitBps)
	b = append(b, p.InferenceProfile[:]...)
	b = append(b, p.Treasury[:]...)
	b = binary.BigEndian.AppendUint64(b, p.RequestFee)
	if p.FullRollup {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	return SubRecord{Version: ChainParamsVersion, Data: b}
}

// ChainParamsFromRecord decodes a params sub-record (rule T-15): the version must be
// 1 (else ErrUnsupportedVersion, an execution failure of ChainRegister), the
// data exactly ChainParamsLen bytes and the fullRollup byte 0 or 1 (else
// ErrNonCanonical).
func ChainParamsFromRecord(s SubRecord) (ChainParams, error) {
	var p ChainParams
	if s.Version != ChainParamsVersion {
		return p, ruleError(ErrUnsupportedVersion, "reading params.version: version %d is not %d",
			s.Version, ChainParamsVersion)
	}
	r := &txReader{b: s.Data}
	p.RequestTTL = r.u32("params.requestTTL")
	p.CommitTimeout = r.u32("params.commitTimeout")
	p.RevealTimeout = r.u32("params.revealTimeout")
	p.EpochBlocks = r.u32("params.epochBlocks")
	p.ForceDelay = r.u32("params.forceDelay")
	p.MinStake = r.u64("params.minStake")
	p.Slash = r.u64("params.slash")
	p.UnstakeDelay = r.u32("params.unstakeDelay")
	p.RejoinDelay = r.u32("params.rejoinDelay")
	p.FeeSplitBps = r.u16("params.feeSplitBps")
	p.InferenceProfile = r.bytes32("params.inferenceProfile")
	p.Treasury = r.bytes32("params.treasury")
	p.RequestFee = r.u64("params.requestFee")
	p.FullRollup = r.boolean("params.fullRollup")
	if err := r.finish("params"); err != nil {
		return ChainParams{}, err
	}
	return p, nil
}

// ChainBounds are a deployment's caps on chain params (rules N-11, T-17), which
// ChainRegister enforces on top of the inequalities of rule T-16.
type ChainBounds struct {
	MaxRequestTTL   uint32
	MaxEpochBlocks  uint32
	MaxForceDelay   uint32
	MaxUnstakeDelay uint32
	MaxRejoinDelay  uint32
	MinMinStake     uint64
	MaxRequestFee   uint64
}

// DefaultChainBounds returns the bounds every built-in deployment uses (rule N-11).
func DefaultChainBounds() ChainBounds {
	return ChainBounds{
		MaxRequestTTL:   4032,
		MaxEpochBlocks:  4032,
		MaxForceDelay:   1008,
		MaxUnstakeDelay: 52_416,
		MaxRejoinDelay:  4032,
		MinMinStake:     1_000,
		MaxRequestFee:   MaxMoney,
	}
}

// Validate checks that the bounds admit at least DESIGN §5's shape of params:
// every max ≥ the least value rule T-16 allows, MinMinStake ≥ 1, MaxRequestFee ≤
// MaxMoney, and MaxUnstakeDelay > 2·MaxEpochBlocks + MaxRequestTTL.
func (b ChainBounds) Validate() error {
	switch {
	case b.MaxForceDelay < 1:
		return ruleError(ErrBadBounds, "bounds: MaxForceDelay %d < 1", b.MaxForceDelay)
	case b.MaxEpochBlocks < SubmitWindow+1:
		return ruleError(ErrBadBounds, "bounds: MaxEpochBlocks %d < %d", b.MaxEpochBlocks, SubmitWindow+1)
	case b.MaxRequestTTL < 3*(1+MinWindow):
		return ruleError(ErrBadBounds, "bounds: MaxRequestTTL %d < %d", b.MaxRequestTTL, 3*(1+MinWindow))
	case b.MinMinStake < 1 || b.MinMinStake > MaxMoney:
		return ruleError(ErrBadBounds, "bounds: MinMinStake %d outside [1, MaxMoney]", b.MinMinStake)
	case b.MaxRequestFee > MaxMoney:
		return ruleError(ErrBadBounds, "bounds: MaxRequestFee %d > MaxMoney", b.MaxRequestFee)
	case uint64(b.MaxUnstakeDelay) <= 2*uint64(b.MaxEpochBlocks)+uint64(b.MaxRequestTTL):
		return ruleError(ErrBadBounds, "bounds: MaxUnstakeDelay %d ≤ 2·MaxEpochBlocks + MaxRequestTTL",
			b.MaxUnstakeDelay)
	}
	return nil
}

// Validate checks the params against rule T-16 (DESIGN §5's inequalities) and the
// deployment's bounds (rule T-17), in the order listed there; the first failure is
// returned as ErrParamsOutOfBounds. All arithmetic is in uint64, so nothing wraps.
func (p ChainParams) Validate(bounds ChainBounds) error {
	for _, c := range p.checks(bounds) {
		if !c.ok {
			return ruleError(ErrParamsOutOfBounds, "params: %s", c.rule)
		}
	}
	return nil
}

type paramCheck struct {
	ok   bool
	rule string
}

// checks lists rules T-16 then T-17, in the documented order.
func (p ChainParams) checks(b ChainBounds) []paramCheck {
	u := func(v uint32) uint64 { return uint64(v) }
	fd := u(p.ForceDelay)
	return []paramCheck{
		{fd >= 1, "forceDelay ≥ 1"},
		{u(p.CommitTimeout) >= fd+MinWindow, "commitTimeout ≥ forceDelay + MinWindow"},
		{u(p.RevealTimeout) >= u(p.CommitTimeout)+fd+MinWindow,
			"revealTimeout − commitTimeout ≥ forceDelay + MinWindow"},
		{u(p.RevealTimeout) >= u(p.CommitTimeout)+SubmitWindow+MinWindow,
			"revealTimeout ≥ commitTimeout + SubmitWindow + MinWindow"},
		{u(p.RequestTTL) >= u(p.RevealTimeout)+fd+MinWindow,
			"requestTTL ≥ revealTimeout + forceDelay + MinWindow"},
		{u(p.EpochBlocks) >= SubmitWindow+1, "epochBlocks ≥ SubmitWindow + 1"},
		{p.MinStake > 0, "minStake > 0"},
		{p.Slash >= 1 && p.Slash <= p.MinStake, "1 ≤ slash ≤ minStake"},
		{u(p.UnstakeDelay) > 2*u(p.EpochBlocks)+u(p.RequestTTL),
			"unstakeDelay > 2·epochBlocks + requestTTL"},
		{p.FeeSplitBps <= MaxBasisPoints, "feeSplitBps ≤ 10000"},
		{p.RequestTTL <= b.MaxRequestTTL, "requestTTL ≤ MaxRequestTTL"},
		{p.EpochBlocks <= b.MaxEpochBlocks, "epochBlocks ≤ MaxEpochBlocks"},
		{p.ForceDelay <= b.MaxForceDelay, "forceDelay ≤ MaxForceDelay"},
		{p.UnstakeDelay <= b.MaxUnstakeDelay, "unstakeDelay ≤ MaxUnstakeDelay"},
		{p.RejoinDelay <= b.MaxRejoinDelay, "rejoinDelay ≤ MaxRejoinDelay"},
		{p.MinStake >= b.MinMinStake && p.MinStake <= MaxMoney, "MinMinStake ≤ minStake ≤ MaxMoney"},
		{p.RequestFee <= b.MaxRequestFee, "requestFee ≤ MaxRequestFee"},
	}
}
