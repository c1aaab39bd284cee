package policy

import (
	"testing"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

// Sizes from DECISIONS §2 item 2 (computed for the BitAI template).
const (
	commitVB    = 154    // commit with change
	reveal100K  = 25_285 // 100,000-byte body
	reveal390K  = 98_203 // 390,000-byte body
	chunkRevVB  = 94_441 // ⌈377,763 WU / 4⌉: one chunk of a 1.5 MB set
	scheduleFee = 2      // sat/vB for every tx
)

// sched accumulates a schedule and its fees.
type sched struct {
	t      *testing.T
	blocks [][]*wire.MsgTx
	fees   map[chainhash.Hash]int64
	tag    uint32
}

func newSched(t *testing.T, intervals int) *sched {
	return &sched{t: t, blocks: make([][]*wire.MsgTx, intervals), fees: map[chainhash.Hash]int64{}, tag: 1}
}

// send adds a tx of vsize spending ins (2 outputs: 0 commitment/payload, 1 change)
// to interval b at rate sat/vB.
func (s *sched) send(b int, vsize, rate int64, ins ...wire.OutPoint) *wire.MsgTx {
	s.tag++
	tx := mkTx(s.t, vsize, s.tag, 2, ins...)
	s.blocks[b] = append(s.blocks[b], tx)
	s.fees[tx.TxHash()] = rate * vsize
	return tx
}

// pair sends an independent commit (confirmed funding n) and its reveal.
func (s *sched) pair(b, n int, revealVB int64) {
	c := s.send(b, commitVB, scheduleFee, confirmed(n))
	s.send(b, revealVB, scheduleFee, out(c, 0))
}

// stream sends one commit and reveals chained through their change outputs,
// perBlock reveals per interval (the commit goes with the first).
func (s *sched) stream(reveals, perBlock int, revealVB int64) {
	c := s.send(0, commitVB, scheduleFee, confirmed(500))
	prev := out(c, 0)
	for i := range reveals {
		r := s.send(i/perBlock, revealVB, scheduleFee, prev)
		prev = out(r, 1)
	}
}

// TestCheckSchedule covers the density benchmark's schedules (DECISIONS C2, §2
// item 2) and the ways a schedule can be malformed.
func TestCheckSchedule(t *testing.T) {
	tests := []struct {
		name    string
		build   func(s *sched)
		n       int // intervals
		wantErr error
		msg     string
	}{
		{"stream of 10 × 100 KB, 3 reveals per block", func(s *sched) { s.stream(10, 3, reveal100K) }, 4, nil, ""},
		{"stream of 10 × 100 KB, 4 reveals per block", func(s *sched) { s.stream(10, 4, reveal100K) }, 3,
			ErrAncestorSize, "101294 vB with its ancestors (limit 101000)"},
		{"stream without the commit in the window: 4 reveals still too many", func(s *sched) {
			// Reveals 1–3 go with the commit; 4 more in the next interval.
			s.stream(3, 3, reveal100K)
			prev := out(s.blocks[0][3], 1)
			for range 4 {
				r := s.send(1, reveal100K, scheduleFee, prev)
				prev = out(r, 1)
			}
		}, 2, ErrAncestorSize, "101140 vB"},
		{"10 independent 100 KB pairs in one block", func(s *sched) {
			for i := range 10 {
				s.pair(0, i, reveal100K)
			}
		}, 1, nil, ""},
		{"4 × 390 KB pairs in one block", func(s *sched) {
			for i := range 4 {
				s.pair(0, i, reveal390K)
			}
		}, 1, nil, ""},
		{"two 390 KB reveals chained", func(s *sched) { s.stream(2, 2, reveal390K) }, 1, ErrAncestorSize, ""},
		{"2 × 1.5 MB sets, 4 chunks each with own commits, one block", func(s *sched) {
			for i := range 8 {
				s.pair(0, i, chunkRevVB)
			}
		}, 1, nil, ""},
		{"4 MiB set: 11 chunks in one block is over the block weight", func(s *sched) {
			for i := range 11 {
				s.pair(0, i, chunkRevVB)
			}
		}, 1, ErrBlockWeight, "block 1 would hold"},
		{"4 MiB set over two blocks", func(s *sched) {
			for i := range 11 {
				s.pair(i/7, i, chunkRevVB)
			}
		}, 2, nil, ""},
		{"chunks funded by one fan-out tx in the same block", func(s *sched) {
			// An unconfirmed fan-out joins both chunks into its descendants: 189 kvB.
			f := s.send(0, 400, scheduleFee, confirmed(1))
			c := s.send(0, commitVB, scheduleFee, out(f, 0))
			s.send(0, chunkRevVB, scheduleFee, out(c, 0))
			c2 := s.send(0, commitVB, scheduleFee, out(f, 1))
			s.send(0, chunkRevVB, scheduleFee, out(c2, 0))
		}, 1, ErrDescendantSize, ""},
		{"chunks funded by a fan-out confirmed first", func(s *sched) {
			f := s.send(0, 400, scheduleFee, confirmed(1))
			for i := range 2 {
				c := s.send(1, commitVB, scheduleFee, out(f, uint32(i)))
				s.send(1, chunkRevVB, scheduleFee, out(c, 0))
			}
		}, 2, nil, ""},
		{"reveal bumped in its interval", func(s *sched) {
			c := s.send(0, commitVB, scheduleFee, confirmed(1))
			s.send(0, reveal100K, scheduleFee, out(c, 0))
			s.send(0, reveal100K, scheduleFee+1, out(c, 0))
		}, 1, nil, ""},
		{"reveal bump paying too little", func(s *sched) {
			c := s.send(0, commitVB, scheduleFee, confirmed(1))
			r := s.send(0, reveal100K, scheduleFee, out(c, 0))
			b := s.send(0, reveal100K, scheduleFee, out(c, 0))
			s.fees[b.TxHash()] = s.fees[r.TxHash()] + reveal100K - 1
		}, 1, ErrReplacement, "(rule 4)"},
		{"spends a replaced reveal", func(s *sched) {
			c := s.send(0, commitVB, scheduleFee, confirmed(1))
			r := s.send(0, reveal100K, scheduleFee, out(c, 0))
			s.send(0, reveal100K, scheduleFee+1, out(c, 0))
			s.send(0, 200, scheduleFee, out(r, 1))
		}, 1, ErrSchedule, "spends replaced tx"},
		{"double-spends a mined tx's input", func(s *sched) {
			s.send(0, 200, scheduleFee, confirmed(1))
			s.send(1, 200, scheduleFee, confirmed(1))
		}, 2, ErrSchedule, "spent by mined tx"},
		{"spends a tx broadcast later", func(s *sched) {
			c := mkTx(s.t, commitVB, 999, 2, confirmed(1))
			s.send(0, 200, scheduleFee, out(c, 0))
			s.blocks[1] = append(s.blocks[1], c)
			s.fees[c.TxHash()] = 1000
		}, 2, ErrSchedule, "broadcast after it"},
		{"tx without a fee", func(s *sched) {
			tx := s.send(0, 200, scheduleFee, confirmed(1))
			delete(s.fees, tx.TxHash())
		}, 1, ErrSchedule, "has no fee"},
		{"tx twice", func(s *sched) {
			tx := s.send(0, 200, scheduleFee, confirmed(1))
			s.blocks = append(s.blocks, []*wire.MsgTx{tx})
		}, 1, ErrSchedule, "in interval 0 and 1"},
		{"below min relay fee", func(s *sched) { s.send(0, 200, 0, confirmed(1)) }, 1, ErrMinRelayFee, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSched(t, tc.n)
			tc.build(s)
			err := CheckSchedule(CoreLimits(), s.blocks, s.fees)
			if tc.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.wantErr)
			require.ErrorIs(t, err, ErrPolicy)
			require.ErrorContains(t, err, tc.msg)
		})
	}
}
