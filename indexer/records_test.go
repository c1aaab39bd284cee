package indexer

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/statemachine"
)

// TestRecordCodecs round-trips the index records and checks that every cut is
// io.ErrUnexpectedEOF and every extra byte an error.
func TestRecordCodecs(t *testing.T) {
	ev := statemachine.Event{Kind: statemachine.EventTxFailed, TxIndex: 3, Input: 1, BitcoinTxID: chainhash.Hash{9},
		Index: 2, TxKind: bitai.KindTransfer, TxID: [32]byte{7}, Reason: bitai.Reason(151), Account: [32]byte{5}, Amount: 10, ID: [32]byte{0, 4}}
	sum := BlockSummary{Height: 9, Hash: chainhash.Hash{1}, PrevHash: chainhash.Hash{2}, Time: 77, BitcoinTxs: 4,
		Events: 2, StateWrites: 6, EventsHash: Hash32{3}, WriteSetHash: Hash32{4}, StateHash: Hash32{5}, KindCounts: []uint32{0, 1, 0, 5}}
	m := meta{Version: metaVersion, ProtocolVersion: 1, DeploymentID: [32]byte{8}, ActivationHeight: 300,
		BaseHash: chainhash.Hash{6}, ActivationHash: chainhash.Hash{7}}
	c := cursor{Height: 12, Hash: chainhash.Hash{3}}
	cases := []struct {
		name   string
		enc    []byte
		decode func([]byte) (any, error)
		want   any
	}{
		{"cursor", c.encode(), func(b []byte) (any, error) { return decodeCursor(b) }, c},
		{"meta", m.encode(), func(b []byte) (any, error) { return decodeMeta(b) }, m},
		{"summary", sum.encode(), func(b []byte) (any, error) { return decodeSummary(9, b) }, sum},
		{"events", encodeEvents([]statemachine.Event{ev, ev}), func(b []byte) (any, error) { return decodeEvents(b) },
			[]statemachine.Event{ev, ev}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.decode(tc.enc)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			for cut := range len(tc.enc) {
				_, err := tc.decode(tc.enc[:cut])
				require.ErrorIs(t, err, io.ErrUnexpectedEOF, "cut at %d", cut)
			}
			_, err = tc.decode(append(bytes.Clone(tc.enc), 0))
			require.Error(t, err)
		})
	}
	inc := fillInclusion(Inclusion{}, ev)
	require.Equal(t, TxFailed, inc.Status)
	require.Equal(t, "transfer", strings.ToLower(inc.Kind))
	_, err := decodeMeta(append([]byte{metaVersion + 1}, m.encode()[1:]...))
	require.ErrorContains(t, err, "layout version")
}

// TestProgress checks the rate meter, ETA and both outputs.
func TestProgress(t *testing.T) {
	m := newRateMeter(10 * time.Second)
	t0 := time.Unix(1000, 0)
	bps, _ := m.add(t0, 0, 0)
	require.Zero(t, bps)
	bps, mbps := m.add(t0.Add(2*time.Second), 10, 4_000_000)
	require.InDelta(t, 5, bps, 1e-9)
	require.InDelta(t, 2e6, mbps, 1e-6)
	// Old samples leave the window: only the last 10 s count.
	m.add(t0.Add(20*time.Second), 20, 0)
	bps, _ = m.add(t0.Add(30*time.Second), 120, 0)
	require.InDelta(t, 10, bps, 1e-9)
	require.Equal(t, 3*time.Second, eta(30, 10))
	require.Zero(t, eta(0, 10))
	require.Zero(t, eta(5, 0))

	var logs bytes.Buffer
	lp := &LogProgress{Logger: slog.New(slog.NewTextHandler(&logs, nil)), Interval: time.Hour}
	lp.Report(ProgressInfo{Height: 5, NodeHeight: 10, Lag: 5, BlocksPerSec: 2, ETA: 3 * time.Second})
	lp.Report(ProgressInfo{Height: 6, NodeHeight: 10, Lag: 4}) // throttled
	lp.Report(ProgressInfo{Height: 10, NodeHeight: 10})        // caught up: logged
	out := logs.String()
	require.Equal(t, 2, strings.Count(out, "\n"), out)
	require.Contains(t, out, "msg=indexing height=5 hash=")
	require.Contains(t, out, "lag=5 blocks_per_s=2 mb_per_s=0 eta=3s")
	require.Contains(t, out, `msg="at node tip" height=10`)

	var bar bytes.Buffer
	bp := NewBarProgress(&bar)
	bp.Report(ProgressInfo{Height: 5, NodeHeight: 10, Lag: 5, BlocksPerSec: 2, ETA: 3 * time.Second})
	bp.Close()
	require.Contains(t, bar.String(), "height 5 tip 10 lag 5")
}
