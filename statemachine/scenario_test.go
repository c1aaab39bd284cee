package statemachine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/bitai-l2/bitai/bitai"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"
)

// scenario runs one datadriven file (testdata/scenarios/*) on a fresh harness.
//
// Commands:
//
//	tx <name> <kind> [from=K] [fee=N] [nonce=N] [expiry=H] [inscriber=K] [dep=other] [badsig] ...
//	    build and sign a BitAI tx; the object it creates is named <name> too
//	chunkset <name> [br] parts=N (txs=(a,b) | filler=BYTES)
//	    split a payload (or filler bytes) into N chunk bodies
//	block
//	    one Bitcoin tx per input line, its inputs/outputs separated by "|":
//	      payload K [br] tx...   (a tx named !HEX is those raw bytes)   raw K HEX [br]   bomb K   badleaf K tx...
//	      chunk K SET I [count=N] [enc=br|plain] [data=bad]   burn K AMOUNT
//	    prints the block's events
//	empty [n=N]            apply N empty blocks, print their events
//	skip to=H              the next block is at height H. Heights in between are never
//	                       applied: schedules (rotations, set expiry) fire only at their
//	                       exact height, so never skip over one.
//	state account=(..) eternal=X model=X chain=X request=X deposit=X message=X inbox=X set=(K,SET)
//	      settlement=C exit=(C,i)
//	accounts               every account in key order
//	batch, l2              the L2 side: see scenario_l2_test.go
type scenario struct {
	*harness
	names        map[[32]byte]string
	txs          map[string]*bitai.Tx
	sets         map[string]*chunkSet
	pendingNonce map[[32]byte]uint64
}

type chunkSet struct {
	enc    string
	hash   [32]byte
	bodies [][]byte
}

func newScenario(t testing.TB) *scenario {
	s := &scenario{
		harness: newHarness(t, testDeployment(t)),
		names:   map[[32]byte]string{}, txs: map[string]*bitai.Tx{},
		sets: map[string]*chunkSet{}, pendingNonce: map[[32]byte]uint64{},
	}
	s.key("faucet")
	return s
}

// TestScenarios runs every scenario file; -rewrite regenerates their expected output.
// After each file it replays the file's blocks on a fresh database (determinism) and
// undoes them one by one (undo records), checking dumps and hashes.
func TestScenarios(t *testing.T) {
	datadriven.Walk(t, filepath.Join("testdata", "scenarios"), func(t *testing.T, path string) {
		s := newScenario(t)
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			s.t = t
			return s.run(t, d)
		})
		s.t = t
		checkReplay(t, s.harness)
		checkUndo(t, s.harness)
	})
}

func (s *scenario) run(t testing.TB, d *datadriven.TestData) string {
	switch d.Cmd {
	case "tx":
		s.buildTx(t, d)
		for _, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				f := strings.Fields(line)
				require.Equal(t, "tx", f[0], "%s: %q", d.Pos, line)
				s.buildTx(t, &datadriven.TestData{Pos: d.Pos, Cmd: "tx", CmdArgs: parseArgs(f[1:])})
			}
		}
		return ""
	case "chunkset":
		s.chunkSet(t, d)
		return ""
	case "block":
		var txs []*wire.MsgTx
		for _, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				txs = append(txs, s.btcTx(t, d, line))
			}
		}
		return s.applyAndPrint(s.makeBlock(txs...), false)
	case "empty":
		n := newArgs(t, d, 0).u64("n", 1)
		var out strings.Builder
		for range n {
			out.WriteString(s.applyAndPrint(s.makeBlock(), true))
		}
		return out.String()
	case "skip":
		to := uint32(newArgs(t, d, 0).u64("to", 0))
		require.GreaterOrEqual(t, to, s.height, "%s: skip backwards", d.Pos)
		s.height = to
		return fmt.Sprintf("next height %d\n", to)
	case "batch":
		return s.batch(t, d)
	case "l2":
		return s.l2State(t, d)
	case "state":
		return s.query(t, d)
	case "accounts":
		return s.accounts(t)
	}
	t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
	return ""
}

// parseArgs parses `key`, `key=val` and `key=(a,b)` words (no spaces inside).
func parseArgs(words []string) []datadriven.CmdArg {
	out := make([]datadriven.CmdArg, 0, len(words))
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		arg := datadriven.CmdArg{Key: k}
		if ok {
			v = strings.TrimSuffix(strings.TrimPrefix(v, "("), ")")
			arg.Vals = strings.Split(v, ",")
		}
		out = append(out, arg)
	}
	return out
}

// applyAndPrint applies a block and renders its events (prefixed by height if asked).
func (s *scenario) applyAndPrint(b *wire.MsgBlock, withHeight bool) string {
	h := s.height
	res := s.apply(b)
	clear(s.pendingNonce)
	var out strings.Builder
	for _, e := range res.Events {
		if withHeight {
			fmt.Fprintf(&out, "h%d ", h)
		}
		out.WriteString(s.fmtEvent(e))
		out.WriteByte('\n')
	}
	return out.String()
}

// btcTx builds one Bitcoin tx from a block line.
func (s *scenario) btcTx(t testing.TB, d *datadriven.TestData, line string) *wire.MsgTx {
	b := s.newBtcTx()
	for _, seg := range strings.Split(line, "|") {
		f := strings.Fields(seg)
		require.GreaterOrEqual(t, len(f), 2, "%s: segment %q", d.Pos, seg)
		switch f[0] {
		case "payload", "badleaf":
			br := len(f) > 2 && f[2] == "br"
			names := f[2:]
			if br {
				names = f[3:]
			}
			var raws [][]byte
			for _, n := range names {
				if raw, ok := strings.CutPrefix(n, "!"); ok {
					b, err := hex.DecodeString(raw)
					require.NoError(t, err)
					raws = append(raws, b)
					continue
				}
				tx, ok := s.txs[n]
				require.True(t, ok, "%s: unknown tx %q", d.Pos, n)
				raw, err := tx.Encode()
				require.NoError(t, err)
				raws = append(raws, raw)
			}
			body, enc := payloadBody(t, br, raws...)
			leaf := byte(0xc0)
			if f[0] == "badleaf" {
				leaf = 0xc2
			}
			b.envelope(t, s.key(f[1]), enc, body, leaf)
		case "raw":
			body, err := hex.DecodeString(f[2])
			require.NoError(t, err)
			enc := ""
			if len(f) > 3 && f[3] == "br" {
				enc = bitai.EncodingBrotli
			}
			b.envelope(t, s.key(f[1]), enc, body, 0xc0)
		case "bomb":
			b.envelope(t, s.key(f[1]), bitai.EncodingBrotli, brotliBomb(t), 0xc0)
		case "chunk":
			s.chunk(t, d, b, f)
		case "burn":
			amt, err := strconv.ParseInt(f[2], 10, 64)
			require.NoError(t, err)
			b.burn(s.key(f[1]), amt)
		default:
			t.Fatalf("%s: unknown segment %q", d.Pos, f[0])
		}
	}
	return b.finish()
}

// brotliBomb is a whole-payload body whose brotli stream decodes to 64 MiB of zeros,
// 16 times MaxPayloadBytes, from a few hundred bytes.
func brotliBomb(t testing.TB) []byte {
	bombOnce.Do(func() {
		var buf bytes.Buffer
		w := brotli.NewWriterLevel(&buf, 1)
		zeros := make([]byte, 1<<20)
		for range 64 {
			if _, err := w.Write(zeros); err != nil {
				panic(err)
			}
		}
		if err := w.Close(); err != nil {
			panic(err)
		}
		bomb = append([]byte{bitai.BodyKindPayload}, buf.Bytes()...)
	})
	require.Less(t, len(bomb), 64<<10)
	return bomb
}

var (
	bombOnce sync.Once
	bomb     []byte
)

// chunkSet handles `chunkset <name> [br] parts=N (txs=(..) | filler=BYTES)`.
func (s *scenario) chunkSet(t testing.TB, d *datadriven.TestData) {
	name := d.CmdArgs[0].Key
	a := newArgs(t, d, 1)
	var enc string
	var e []byte
	if a.has("filler") {
		n := a.u64("filler", 0)
		for seed := sha256.Sum256([]byte(name)); uint64(len(e)) < n; seed = sha256.Sum256(seed[:]) {
			e = append(e, seed[:]...)
		}
		e = e[:n]
	} else {
		var raws [][]byte
		for _, n := range a.list("txs") {
			raw, err := s.txs[n].Encode()
			require.NoError(t, err)
			raws = append(raws, raw)
		}
		var body []byte
		body, enc = payloadBody(t, a.has("br"), raws...)
		e = body[1:]
	}
	parts := a.u64("parts", 2)
	size := (uint64(len(e)) + parts - 1) / parts
	var bodies [][]byte
	if uint64(len(e)) > bitai.MaxPayloadBytes {
		// SplitChunks refuses an oversized E: frame the chunks by hand (rule P-5).
		hash := sha256.Sum256(e)
		for i := uint64(0); i < parts; i++ {
			b := append([]byte{bitai.BodyKindChunk}, hash[:]...)
			b = append(b, byte(i>>8), byte(i), byte(parts>>8), byte(parts))
			bodies = append(bodies, append(b, e[i*size:min((i+1)*size, uint64(len(e)))]...))
		}
	} else {
		var err error
		bodies, err = bitai.SplitChunks(enc, e, bitai.ChunkHeaderLen+int(size))
		require.NoError(t, err, "%s", d.Pos)
	}
	require.Len(t, bodies, int(parts), "%s: chunk count", d.Pos)
	cs := &chunkSet{enc: enc, hash: sha256.Sum256(e), bodies: bodies}
	s.sets[name] = cs
	s.names[cs.hash] = name
}

// chunk adds `chunk K SET I [count=N] [enc=br|plain] [data=bad]` as an input.
func (s *scenario) chunk(t testing.TB, d *datadriven.TestData, b *btcTx, f []string) {
	require.GreaterOrEqual(t, len(f), 4, "%s: chunk K SET I", d.Pos)
	cs, ok := s.sets[f[2]]
	require.True(t, ok, "%s: unknown chunk set %q", d.Pos, f[2])
	i, err := strconv.Atoi(f[3])
	require.NoError(t, err)
	body := append([]byte{}, cs.bodies[i]...)
	enc := cs.enc
	for _, opt := range f[4:] {
		k, v, _ := strings.Cut(opt, "=")
		switch k {
		case "count":
			n, err := strconv.ParseUint(v, 10, 16)
			require.NoError(t, err)
			body[35], body[36] = byte(n>>8), byte(n)
		case "enc":
			enc = map[string]string{"br": bitai.EncodingBrotli, "plain": ""}[v]
		case "data":
			body[len(body)-1] ^= 0xff // same header, other bytes: the set's hash will not match
		default:
			t.Fatalf("%s: chunk option %q", d.Pos, opt)
		}
	}
	b.envelope(t, s.key(f[1]), enc, body, 0xc0)
}
