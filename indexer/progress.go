package indexer

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/schollz/progressbar/v3"
)

// ProgressInfo is the indexer's position after a committed block. Rates and ETA
// use the wall clock (reporting only, never consensus).
type ProgressInfo struct {
	Height       int32          // the indexer's tip
	Hash         chainhash.Hash // its hash
	NodeHeight   int32          // the node's tip as last seen
	Lag          int32          // NodeHeight − Height, ≥ 0
	BlocksPerSec float64        // recent connect rate
	MBPerSec     float64        // recent rate in block bytes (10⁶ B/s)
	ETA          time.Duration  // Lag / BlocksPerSec; 0 when caught up or unknown
	Reorg        bool           // the last event was a Disconnect
}

// Progress receives ProgressInfo after every committed event. Implementations must
// be quick and throttle their own output; Report is called from the indexer's block
// loop only (never concurrently).
type Progress interface {
	Report(ProgressInfo)
	// Close ends the output (a bar's final line).
	Close()
}

// rateMeter turns (time, height, bytes) samples into recent rates over a sliding
// window of about window.
type rateMeter struct {
	window  time.Duration
	samples []rateSample
}

type rateSample struct {
	at     time.Time
	blocks int64
	bytes  int64
}

func newRateMeter(window time.Duration) *rateMeter { return &rateMeter{window: window} }

// add records a cumulative count of blocks and bytes at time now and returns the
// rates over the window (0 until two samples span some time).
func (m *rateMeter) add(now time.Time, blocks, bytes int64) (blocksPerSec, bytesPerSec float64) {
	m.samples = append(m.samples, rateSample{at: now, blocks: blocks, bytes: bytes})
	cut := 0
	for cut < len(m.samples)-2 && now.Sub(m.samples[cut+1].at) >= m.window {
		cut++
	}
	m.samples = m.samples[cut:]
	first := m.samples[0]
	dt := now.Sub(first.at).Seconds()
	if dt <= 0 {
		return 0, 0
	}
	return float64(blocks-first.blocks) / dt, float64(bytes-first.bytes) / dt
}

// eta is lag / rate, rounded to the second; 0 when unknown or caught up.
func eta(lag int32, rate float64) time.Duration {
	if lag <= 0 || rate <= 0 {
		return 0
	}
	return (time.Duration(float64(lag)/rate) * time.Second).Round(time.Second)
}

// LogProgress writes progress as structured log lines: at most one per Interval
// while catching up, and one when the indexer reaches the node's tip.
type LogProgress struct {
	Logger   *slog.Logger
	Interval time.Duration // default 10 s

	last     time.Time
	caughtUp bool
}

var _ Progress = (*LogProgress)(nil)

// Report logs p when due.
func (l *LogProgress) Report(p ProgressInfo) {
	if l.Logger == nil {
		return
	}
	interval := l.Interval
	if interval == 0 {
		interval = 10 * time.Second
	}
	now := time.Now()
	caughtUp := p.Lag == 0
	if caughtUp == l.caughtUp && now.Sub(l.last) < interval && !p.Reorg {
		return
	}
	l.last, l.caughtUp = now, caughtUp
	msg := "indexing"
	if caughtUp {
		msg = "at node tip"
	}
	l.Logger.Info(msg, "height", p.Height, "hash", p.Hash, "tip", p.NodeHeight, "lag", p.Lag,
		"blocks_per_s", round2(p.BlocksPerSec), "mb_per_s", round2(p.MBPerSec), "eta", p.ETA)
}

// Close does nothing.
func (l *LogProgress) Close() {}

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

// BarProgress draws a progress bar (schollz/progressbar) for a terminal: blocks from
// the first reported height to the node's tip, with lag, rates and ETA.
type BarProgress struct {
	w     io.Writer
	mu    sync.Mutex
	bar   *progressbar.ProgressBar
	start int32
}

var _ Progress = (*BarProgress)(nil)

// NewBarProgress returns a bar drawing on w (normally a terminal's stderr).
func NewBarProgress(w io.Writer) *BarProgress { return &BarProgress{w: w} }

// Report moves the bar.
func (b *BarProgress) Report(p ProgressInfo) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bar == nil {
		b.start = p.Height - 1
		b.bar = progressbar.NewOptions64(int64(max(p.NodeHeight-b.start, 1)),
			progressbar.OptionSetWriter(b.w),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionShowDescriptionAtLineEnd(),
		)
	}
	if total := int64(max(p.NodeHeight-b.start, p.Height-b.start, 1)); total != b.bar.GetMax64() {
		b.bar.ChangeMax64(total)
	}
	b.bar.Describe(fmt.Sprintf("height %d tip %d lag %d  %.1f blk/s %.2f MB/s  ETA %s",
		p.Height, p.NodeHeight, p.Lag, p.BlocksPerSec, p.MBPerSec, p.ETA))
	_ = b.bar.Set64(int64(max(p.Height-b.start, 0)))
}

// Close finishes the bar's line.
func (b *BarProgress) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bar != nil {
		_ = b.bar.Exit()
		_, _ = fmt.Fprintln(b.w)
	}
}
