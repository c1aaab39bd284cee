package indexer

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/btcnode/testnode"
	"github.com/bitai-l2/bitai/statemachine"
)

// The catch-up benchmark's chain: 100 empty blocks (their coinbases fund the rest),
// then benchPayloadBlocks blocks of about 0.5 MB of BitAI payloads each: one reveal
// with benchInfers Infer txs carrying benchCalldata bytes of random calldata, one with
// benchTransfers Transfers, so about half the bytes are Infer calldata and half
// Transfers. All txs are the regtest faucet's, signed for the regtest deployment
// (about 317,000 signatures). Building takes minutes on two cores, so the fixture is
// cached in os.TempDir() under a name that carries benchFixtureVersion.
const (
	benchFixtureVersion = "v3"
	benchEmptyBlocks    = 100
	benchInfers         = 16
	benchCalldata       = 16_000
	benchTransfers      = 1_570
	benchRecipients     = 4_096
)

// benchPayloadBlocks is 200, or BITAI_BENCH_BLOCKS (for a quick smoke run).
var benchPayloadBlocks = func() int {
	if n, err := strconv.Atoi(os.Getenv("BITAI_BENCH_BLOCKS")); err == nil && n > 0 {
		return n
	}
	return 200
}()

// benchKey is the fixture's coinbase and inscriber key.
func benchKey() *btcec.PrivateKey {
	sum := sha256.Sum256([]byte("bitai indexer catch-up benchmark"))
	k, _ := btcec.PrivKeyFromBytes(sum[:])
	return k
}

func benchFixturePath() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("bitai-bench-index-%s-%dx%d-%d-%d.blocks",
		benchFixtureVersion, benchPayloadBlocks, benchInfers*benchCalldata, benchTransfers, benchRecipients))
}

// loadBenchFixture reads the cached blocks (count u32 ‖ (len u32 ‖ block)*), or builds
// and caches them.
func loadBenchFixture(b *testing.B) []*wire.MsgBlock {
	b.Helper()
	path := benchFixturePath()
	if blocks, err := readBlocks(path); err == nil {
		b.Logf("fixture: %d blocks from %s", len(blocks), path)
		return blocks
	}
	start := time.Now()
	blocks := buildBenchFixture(b)
	b.Logf("fixture: built %d blocks in %s", len(blocks), time.Since(start).Round(time.Second))
	require.NoError(b, writeBlocks(path, blocks))
	return blocks
}

func readBlocks(path string) ([]*wire.MsgBlock, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var n uint32
	if err := binary.Read(r, binary.BigEndian, &n); err != nil {
		return nil, err
	}
	if int(n) != benchEmptyBlocks+benchPayloadBlocks {
		return nil, fmt.Errorf("fixture holds %d blocks", n)
	}
	blocks := make([]*wire.MsgBlock, n)
	for i := range blocks {
		var l uint32
		if err := binary.Read(r, binary.BigEndian, &l); err != nil {
			return nil, err
		}
		if l > 4<<20 {
			return nil, fmt.Errorf("block %d: %d bytes", i, l)
		}
		raw := make([]byte, l)
		if _, err := io.ReadFull(r, raw); err != nil {
			return nil, err
		}
		blocks[i] = new(wire.MsgBlock)
		if err := blocks[i].Deserialize(bytes.NewReader(raw)); err != nil {
			return nil, err
		}
	}
	return blocks, nil
}

func writeBlocks(path string, blocks []*wire.MsgBlock) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	err = binary.Write(w, binary.BigEndian, uint32(len(blocks)))
	for _, blk := range blocks {
		var buf bytes.Buffer
		if err == nil {
			err = blk.Serialize(&buf)
		}
		if err == nil {
			err = binary.Write(w, binary.BigEndian, uint32(buf.Len()))
		}
		if err == nil {
			_, err = w.Write(buf.Bytes())
		}
	}
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// benchPayloads signs every block's two payloads on all cores.
func benchPayloads(b *testing.B) [][2][]byte {
	dep := regtest(b)
	depID := dep.ID()
	fk := faucet()
	recips := make([][32]byte, benchRecipients)
	for i := range recips {
		sum := sha256.Sum256(binary.BigEndian.AppendUint32([]byte("recipient"), uint32(i)))
		k, _ := btcec.PrivKeyFromBytes(sum[:])
		recips[i] = bitai.XOnly(k)
	}
	// The first block's Infer payload starts with the model, Eternal and chain the
	// Infers use (nonces 0–2).
	setup := newAISetup(b, &sender{key: fk, dep: dep}, testVK(b))
	perBlock := uint64(benchInfers + benchTransfers)
	out := make([][2][]byte, benchPayloadBlocks)
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < benchPayloadBlocks; i = int(next.Add(1) - 1) {
				p, err := benchBlockPayloads(i, 3+uint64(i)*perBlock, depID, fk, recips, setup)
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				out[i] = p
			}
		})
	}
	wg.Wait()
	require.NoError(b, firstErr)
	return out
}

func benchBlockPayloads(i int, nonce uint64, depID [32]byte, fk *btcec.PrivateKey, recips [][32]byte, setup aiSetup) ([2][]byte, error) {
	var res [2][]byte
	sign := func(body bitai.Body) ([]byte, error) {
		tx := &bitai.Tx{Version: bitai.TxVersion, Nonce: nonce, Fee: 1, Expiry: 1000, Body: body}
		nonce++
		var aux [32]byte
		binary.BigEndian.PutUint64(aux[:], tx.Nonce)
		if err := tx.SignWithAux(fk, depID, aux); err != nil {
			return nil, err
		}
		return tx.Encode()
	}
	var infers, transfers [][]byte
	if i == 0 {
		for _, tx := range []*bitai.Tx{setup.model, setup.eternal, setup.chain} {
			raw, err := tx.Encode()
			if err != nil {
				return res, err
			}
			infers = append(infers, raw)
		}
	}
	for range benchInfers {
		calldata := make([]byte, benchCalldata)
		_, _ = rand.Read(calldata)
		raw, err := sign(&bitai.Infer{EternalID: setup.eternalID, ChainID: setup.chainID, Calldata: calldata, MaxFee: 1000})
		if err != nil {
			return res, err
		}
		infers = append(infers, raw)
	}
	for j := range benchTransfers {
		raw, err := sign(&bitai.Transfer{To: recips[(i*benchTransfers+j)%len(recips)], Amount: uint64(1 + j%7)})
		if err != nil {
			return res, err
		}
		transfers = append(transfers, raw)
	}
	var err error
	if res[0], _, err = bitai.EncodePayload(infers, false); err != nil {
		return res, err
	}
	res[1], _, err = bitai.EncodePayload(transfers, false)
	return res, err
}

// buildBenchFixture builds the chain on the regtest genesis without a node: each
// payload block spends the coinbase 100 blocks below it in a commit with two
// taproot outputs, revealed by two script-path spends in the same block.
func buildBenchFixture(b *testing.B) []*wire.MsgBlock {
	key := benchKey()
	payTo := testnode.P2TR(key.PubKey())
	params := &chaincfg.RegressionNetParams
	payloads := benchPayloads(b)
	prev := params.GenesisBlock.Header
	blocks := make([]*wire.MsgBlock, 0, benchEmptyBlocks+benchPayloadBlocks)
	mine := func(txs ...*wire.MsgTx) {
		h := int32(len(blocks) + 1)
		// Timestamps from 2023 on: btcd enforces P2SH (and with it witness checks) by
		// block time, after April 2012; the regtest genesis is from 2011.
		ts := time.Unix(1_700_000_000+int64(h), 0)
		blk, err := testnode.BuildBlock(prev.BlockHash(), h, ts, payTo, uint64(h), txs)
		require.NoError(b, err)
		blocks = append(blocks, blk)
		prev = blk.Header
	}
	for range benchEmptyBlocks {
		mine()
	}
	for i := range benchPayloadBlocks {
		fundH := int32(i + 1)
		cb := blocks[fundH-1].Transactions[0]
		fundOut := cb.TxOut[0]
		commit := wire.NewMsgTx(2)
		commit.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Hash: cb.TxHash()}, Sequence: wire.MaxTxInSequenceNum - 2})
		var scripts, cbs [][]byte
		for _, body := range payloads[i] {
			script, err := bitai.EnvelopeScript(bitai.XOnly(key), "", body)
			require.NoError(b, err)
			pk, ctrl, err := bitai.CommitOutput(key.PubKey(), script)
			require.NoError(b, err)
			scripts, cbs = append(scripts, script), append(cbs, ctrl)
			commit.AddTxOut(wire.NewTxOut(2_000, pk))
		}
		change := blockchain.CalcBlockSubsidy(fundH, params) - 2*2_000 - 1_000
		commit.AddTxOut(wire.NewTxOut(change, payTo))
		require.NoError(b, testnode.SignKeyPath(commit, []*wire.TxOut{fundOut}, []*btcec.PrivateKey{key}))
		txs := []*wire.MsgTx{commit}
		for j := range scripts {
			reveal := bitai.RevealSkeleton(wire.OutPoint{Hash: commit.TxHash(), Index: uint32(j)}, wire.NewTxOut(testnode.DustLimit, payTo))
			fetcher := txscript.NewCannedPrevOutputFetcher(commit.TxOut[j].PkScript, commit.TxOut[j].Value)
			require.NoError(b, bitai.SignReveal(reveal, 0, fetcher, scripts[j], cbs[j], key))
			txs = append(txs, reveal)
		}
		mine(txs...)
	}
	return blocks
}

// cpuSeconds is this process's user+system CPU time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// procCPUSeconds is another process's user+system CPU time (Linux /proc), or 0.
func procCPUSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the ")" of the command name: state is field 3; utime 14, stime 15.
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ
}

// benchRate is a throughput over a block range.
type benchRate struct {
	blocks int
	bytes  int64
	dur    time.Duration
	cpu    float64 // CPU seconds of this process (and btcd) spent in the phase
}

func (r benchRate) blocksPerSec() float64 { return float64(r.blocks) / r.dur.Seconds() }
func (r benchRate) mbPerSec() float64     { return float64(r.bytes) / 1e6 / r.dur.Seconds() }
func (r benchRate) String() string {
	return fmt.Sprintf("%.1f blocks/s %.2f MB/s (%.1f s, %.1f CPU-s)", r.blocksPerSec(), r.mbPerSec(), r.dur.Seconds(), r.cpu)
}

// BenchmarkIndexerCatchUp measures, on one fixture chain served by a real btcd:
// (a) fetching the payload blocks (getblock + deserialize, as many in flight as the
// follower's prefetch), (b) BIP340 verification alone of all their BitAI txs on all
// cores, (c) the full indexer catching up over them, each in blocks/s and MB/s of
// block data, the ratio c / min(a, b) (goal ≥ 0.8), and the indexer's rate on the
// empty blocks. Run it once: go test ./indexer -run '^$' -bench CatchUp -benchtime 1x
func BenchmarkIndexerCatchUp(b *testing.B) {
	blocks := loadBenchFixture(b)
	n := testnode.Start(b, testnode.WithTimeout(2*time.Minute))
	ctx := context.Background()
	cl := n.Client()
	start := time.Now()
	for _, blk := range blocks {
		require.NoError(b, cl.SubmitBlock(ctx, blk))
	}
	tip := n.Tip(b)
	require.Equal(b, blocks[len(blocks)-1].BlockHash(), tip.Hash)
	b.Logf("btcd accepted %d blocks in %s", len(blocks), time.Since(start).Round(time.Millisecond))
	payload := blocks[benchEmptyBlocks:]
	var payloadBytes int64
	for _, blk := range payload {
		payloadBytes += int64(blk.SerializeSize())
	}

	// (a) getblock + deserialize, DefaultPrefetch in flight.
	a := benchRate{blocks: len(payload), bytes: payloadBytes}
	start = time.Now()
	cpu0 := cpuSeconds() + procCPUSeconds(n.PID())
	var next atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := next.Add(1) - 1; int(i) < len(payload); i = next.Add(1) - 1 {
				h, err := cl.BlockHash(ctx, benchEmptyBlocks+1+i)
				if err == nil {
					_, err = cl.Block(ctx, h)
				}
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	a.dur = time.Since(start)
	a.cpu = cpuSeconds() + procCPUSeconds(n.PID()) - cpu0

	// (b) BIP340 alone, all cores.
	depID := regtest(b).ID()
	var jobs []bitai.SigJob
	for _, blk := range payload {
		for _, tx := range blk.Transactions {
			for _, c := range bitai.AcceptTx(tx) {
				raws, _, err := bitai.DecodePayload(c.Encoding, c.Body[1:])
				require.NoError(b, err)
				for _, raw := range raws {
					t, err := bitai.DecodeTx(raw)
					require.NoError(b, err)
					jobs = append(jobs, t.SigJob(depID))
				}
			}
		}
	}
	bv := benchRate{blocks: len(payload), bytes: payloadBytes}
	start = time.Now()
	cpu0 = cpuSeconds()
	errs := bitai.VerifyAll(jobs)
	bv.dur = time.Since(start)
	bv.cpu = cpuSeconds() - cpu0
	for _, err := range errs {
		require.NoError(b, err)
	}

	// (c) the full indexer from an empty datadir.
	var c, empty benchRate
	for i := 0; i < b.N; i++ {
		var mu sync.Mutex
		at := map[uint32]time.Time{}
		cpuAt := map[uint32]float64{}
		var late atomic.Int32
		var busy, idle time.Duration // handler time and waits between handlers, payload blocks
		var mark time.Time
		hook := func(point string, h uint32) {
			if point == "prepare-in-handler" && h > benchEmptyBlocks {
				late.Add(1)
			}
			if h > benchEmptyBlocks {
				switch point {
				case "connect-start":
					now := time.Now()
					if !mark.IsZero() {
						idle += now.Sub(mark)
					}
					mark = now
				case "connect-after-commit":
					now := time.Now()
					busy += now.Sub(mark)
					mark = now
				}
			}
			if point == "connect-after-commit" && (h == 1 || h == benchEmptyBlocks || h == uint32(len(blocks))) {
				mu.Lock()
				at[h] = time.Now()
				cpuAt[h] = cpuSeconds() + procCPUSeconds(n.PID())
				mu.Unlock()
			}
		}
		b.ResetTimer()
		ix := startIndexer(b, cl, b.TempDir(), func(c *Config) { c.testHook = hook; c.Logger = nil })
		waitFor(b, ix, tip.Hash, 30*time.Minute)
		b.StopTimer()
		b.Logf("payload blocks prepared in the handler instead of the prefetch stage: %d", late.Load())
		b.Logf("block loop over the payload blocks: %s applying and committing, %s waiting for the next prepared block",
			busy.Round(time.Millisecond), idle.Round(time.Millisecond))
		mu.Lock()
		c = benchRate{blocks: len(payload), bytes: payloadBytes, dur: at[uint32(len(blocks))].Sub(at[benchEmptyBlocks]),
			cpu: cpuAt[uint32(len(blocks))] - cpuAt[benchEmptyBlocks]}
		empty = benchRate{blocks: benchEmptyBlocks - 1, dur: at[benchEmptyBlocks].Sub(at[1])}
		mu.Unlock()
		st, err := ix.API().Block(ctx, uint32(len(blocks)))
		require.NoError(b, err)
		applied := st.Summary.KindCounts[statemachine.EventTxApplied]
		require.Equal(b, uint32(benchInfers+benchTransfers), applied, "every tx of the last block applies: %+v", st.Events[:3])
		sctx, cancel := context.WithTimeout(ctx, time.Minute)
		require.NoError(b, ix.Stop(sctx))
		cancel()
	}
	ratio := c.blocksPerSec() / min(a.blocksPerSec(), bv.blocksPerSec())
	b.ReportMetric(a.blocksPerSec(), "a_blocks/s")
	b.ReportMetric(a.mbPerSec(), "a_MB/s")
	b.ReportMetric(bv.blocksPerSec(), "b_blocks/s")
	b.ReportMetric(bv.mbPerSec(), "b_MB/s")
	b.ReportMetric(c.blocksPerSec(), "c_blocks/s")
	b.ReportMetric(c.mbPerSec(), "c_MB/s")
	b.ReportMetric(ratio, "c/min(a,b)")
	b.ReportMetric(empty.blocksPerSec(), "empty_blocks/s")
	fmt.Printf("BenchmarkIndexerCatchUp: %d payload blocks (%.1f MB, %d sigs, GOMAXPROCS %d): "+
		"(a) getblock+deserialize %s | (b) BIP340 alone %s (%.0f sigs/s) | (c) indexer %s | c/min(a,b) = %.2f | empty blocks %.1f blocks/s\n",
		len(payload), float64(payloadBytes)/1e6, len(jobs), runtime.GOMAXPROCS(0),
		a, bv, float64(len(jobs))/bv.dur.Seconds(), c, ratio, empty.blocksPerSec())
	_ = chainhash.Hash{}
}
