package bitai

import (
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestChainParamsRecord(t *testing.T) {
	p := ChainParams{RequestTTL: 0x01010101, CommitTimeout: 0x02020202, RevealTimeout: 0x03030303,
		EpochBlocks: 0x04040404, ForceDelay: 0x05050505, MinStake: 0x0606060606060606,
		Slash: 0x0707070707070707, UnstakeDelay: 0x08080808, RejoinDelay: 0x09090909,
		FeeSplitBps: 0x0a0a, InferenceProfile: testKey(0x0b), Treasury: testKey(0x0c),
		RequestFee: 0x0d0d0d0d0d0d0d0d, FullRollup: true}
	rec := p.Record()
	require.Equal(t, uint8(1), rec.Version)
	require.Len(t, rec.Data, ChainParamsLen)
	require.Equal(t, 119, ChainParamsLen)
	// Each field's bytes sit where rule T-14 puts them, in field order and width.
	widths := []int{4, 4, 4, 4, 4, 8, 8, 4, 4, 2, 32, 32, 8}
	off := 0
	require.Equal(t, byte(1), rec.Data[ChainParamsLen-1], "fullRollup is the last byte")
	for i, w := range widths {
		for j := range w {
			require.Equal(t, byte(i+1), rec.Data[off+j], "field %d byte %d", i, j)
		}
		off += w
	}
	got, err := ChainParamsFromRecord(rec)
	require.NoError(t, err)
	require.Equal(t, p, got)
}

func TestChainParamsFromRecordErrors(t *testing.T) {
	good := DefaultChainParams().Record()
	_, err := ChainParamsFromRecord(SubRecord{Version: 2, Data: good.Data})
	require.ErrorIs(t, err, ErrUnsupportedVersion)
	for n := range len(good.Data) {
		_, err := ChainParamsFromRecord(SubRecord{Version: 1, Data: good.Data[:n]})
		require.ErrorIs(t, err, io.ErrUnexpectedEOF, "length %d", n)
	}
	_, err = ChainParamsFromRecord(SubRecord{Version: 1, Data: append(good.Data, 0)})
	require.ErrorIs(t, err, ErrTrailingBytes)
	for _, v := range []byte{0, 1, 2, 0xff} {
		d := append([]byte(nil), good.Data...)
		d[ChainParamsLen-1] = v
		p, err := ChainParamsFromRecord(SubRecord{Version: 1, Data: d})
		if v > 1 {
			require.ErrorIs(t, err, ErrNonCanonical, "fullRollup %d", v)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, v == 1, p.FullRollup)
	}
}

func TestChainParamsValidate(t *testing.T) {
	b := DefaultChainBounds()
	require.NoError(t, b.Validate())
	require.NoError(t, DefaultChainParams().Validate(b))
	d := DefaultChainParams()
	require.Equal(t, d.CommitTimeout+SubmitWindow+MinWindow, d.RevealTimeout, "defaults sit on rule 4's bound")
	require.Equal(t, d.RevealTimeout+d.ForceDelay+MinWindow, d.RequestTTL, "defaults sit on rule 5's bound")
	// The smallest params rule T-16 allows with forceDelay 1: commitTimeout 1 + 12,
	// revealTimeout 13 + 144 + 12 (rule 4 beats rule 3's 13 + 1 + 12), requestTTL 169 + 1 + 12.
	least := ChainParams{ForceDelay: 1, CommitTimeout: 13, RevealTimeout: 169, RequestTTL: 182,
		EpochBlocks: 145, MinStake: b.MinMinStake, Slash: 1, UnstakeDelay: 2*145 + 182 + 1}
	require.NoError(t, least.Validate(b))
	for _, bad := range []func(p *ChainParams){
		func(p *ChainParams) { p.ForceDelay = 0 },
		func(p *ChainParams) { p.CommitTimeout-- },
		func(p *ChainParams) { p.RevealTimeout-- },
		func(p *ChainParams) { p.RequestTTL-- },
		func(p *ChainParams) { p.EpochBlocks-- },
		func(p *ChainParams) { p.UnstakeDelay-- },
	} {
		p := least
		bad(&p)
		require.ErrorIs(t, p.Validate(b), ErrParamsOutOfBounds, "%+v", p)
	}
	// With a large forceDelay, rule 3 is the binding reveal rule.
	wide := ChainParams{ForceDelay: 200, CommitTimeout: 212, RevealTimeout: 212 + 212, RequestTTL: 424 + 212,
		EpochBlocks: 145, MinStake: b.MinMinStake, Slash: 1, UnstakeDelay: 2*145 + 636 + 1}
	require.NoError(t, wide.Validate(b))
	wide.RevealTimeout--
	require.ErrorContains(t, wide.Validate(b), "revealTimeout − commitTimeout")
	cases := []struct {
		name   string
		mutate func(p *ChainParams)
		rule   string
	}{
		{"forceDelay 0", func(p *ChainParams) { p.ForceDelay = 0 }, "forceDelay ≥ 1"},
		{"commit window short", func(p *ChainParams) { p.CommitTimeout = p.ForceDelay + MinWindow - 1 }, "commitTimeout ≥"},
		{"reveal window short", func(p *ChainParams) { p.RevealTimeout = p.CommitTimeout + p.ForceDelay + MinWindow - 1 }, "revealTimeout − commitTimeout"},
		{"reveal before commit", func(p *ChainParams) { p.RevealTimeout = p.CommitTimeout - 1 }, "revealTimeout − commitTimeout"},
		{"reveal before back-dated commits stop", func(p *ChainParams) {
			p.RevealTimeout = p.CommitTimeout + SubmitWindow + MinWindow - 1
		}, "revealTimeout ≥ commitTimeout + SubmitWindow + MinWindow"},
		{"requestTTL short", func(p *ChainParams) { p.RequestTTL = p.RevealTimeout + p.ForceDelay + MinWindow - 1 }, "requestTTL ≥"},
		{"epochBlocks ≤ SubmitWindow", func(p *ChainParams) { p.EpochBlocks = SubmitWindow }, "epochBlocks ≥"},
		{"minStake 0", func(p *ChainParams) { p.MinStake, p.Slash = 0, 0 }, "minStake > 0"},
		{"slash 0", func(p *ChainParams) { p.Slash = 0 }, "1 ≤ slash"},
		{"slash > minStake", func(p *ChainParams) { p.Slash = p.MinStake + 1 }, "1 ≤ slash"},
		{"unstakeDelay = 2·epoch + ttl", func(p *ChainParams) { p.UnstakeDelay = 2*p.EpochBlocks + p.RequestTTL }, "unstakeDelay >"},
		{"feeSplit > 100%", func(p *ChainParams) { p.FeeSplitBps = 10_001 }, "feeSplitBps"},
		{"requestTTL over bound", func(p *ChainParams) { p.RequestTTL = b.MaxRequestTTL + 1; p.UnstakeDelay = 20_000 }, "requestTTL ≤ MaxRequestTTL"},
		{"epochBlocks over bound", func(p *ChainParams) { p.EpochBlocks = b.MaxEpochBlocks + 1; p.UnstakeDelay = 20_000 }, "epochBlocks ≤ MaxEpochBlocks"},
		{"forceDelay over bound", func(p *ChainParams) {
			p.ForceDelay = b.MaxForceDelay + 1
			p.CommitTimeout, p.RevealTimeout, p.RequestTTL = 1100, 2200, 3300
			p.UnstakeDelay = 10_000
		}, "forceDelay ≤ MaxForceDelay"},
		{"unstakeDelay over bound", func(p *ChainParams) { p.UnstakeDelay = b.MaxUnstakeDelay + 1 }, "unstakeDelay ≤ MaxUnstakeDelay"},
		{"rejoinDelay over bound", func(p *ChainParams) { p.RejoinDelay = b.MaxRejoinDelay + 1 }, "rejoinDelay ≤"},
		{"minStake under bound", func(p *ChainParams) { p.MinStake, p.Slash = b.MinMinStake-1, 1 }, "MinMinStake ≤ minStake"},
		{"minStake over MaxMoney", func(p *ChainParams) { p.MinStake = MaxMoney + 1 }, "MinMinStake ≤ minStake ≤ MaxMoney"},
		{"requestFee over bound", func(p *ChainParams) { p.RequestFee = b.MaxRequestFee + 1 }, "requestFee ≤"},
		{"huge windows do not wrap", func(p *ChainParams) {
			p.ForceDelay, p.CommitTimeout, p.RevealTimeout, p.RequestTTL = 1<<32-1, 1<<32-1, 1<<32-1, 1<<32-1
		}, "commitTimeout ≥ forceDelay + MinWindow"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := DefaultChainParams()
			c.mutate(&p)
			err := p.Validate(b)
			require.ErrorIs(t, err, ErrParamsOutOfBounds)
			require.ErrorContains(t, err, c.rule)
		})
	}
}

func TestChainBoundsValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(b *ChainBounds)
	}{
		{"MaxForceDelay 0", func(b *ChainBounds) { b.MaxForceDelay = 0 }},
		{"MaxEpochBlocks too small", func(b *ChainBounds) { b.MaxEpochBlocks = SubmitWindow }},
		{"MaxRequestTTL too small", func(b *ChainBounds) { b.MaxRequestTTL = 38 }},
		{"MinMinStake 0", func(b *ChainBounds) { b.MinMinStake = 0 }},
		{"MaxRequestFee over MaxMoney", func(b *ChainBounds) { b.MaxRequestFee = MaxMoney + 1 }},
		{"MaxUnstakeDelay too small", func(b *ChainBounds) { b.MaxUnstakeDelay = 2*b.MaxEpochBlocks + b.MaxRequestTTL }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := DefaultChainBounds()
			c.mutate(&b)
			require.ErrorIs(t, b.Validate(), ErrBadBounds)
			d := &Deployment{Bounds: b}
			require.ErrorIs(t, d.Validate(), ErrBadBounds)
		})
	}
	b := DefaultChainBounds()
	b.MaxRequestTTL = 39
	require.NoError(t, b.Validate())
}
