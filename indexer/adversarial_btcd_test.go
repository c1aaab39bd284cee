package indexer

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/btcnode/testnode"
	"github.com/bitai-l2/bitai/statemachine"
)

// envelope assembles a tapscript <key> OP_CHECKSIG OP_FALSE OP_IF "ord" <fields…>
// OP_0 <body pushes…> OP_ENDIF <tail…> from raw pieces, so tests can break the
// template in one place.
type envelope struct {
	key    [32]byte
	fields [][]byte // each: tag push ‖ value push
	body   [][]byte // each pushed with the smallest data push
	noBody bool     // leave out the OP_0 separator
	tail   []byte   // raw opcodes after OP_ENDIF
}

func push(b []byte) []byte {
	switch n := len(b); {
	case n <= 75:
		return append([]byte{byte(n)}, b...)
	case n <= 255:
		return append([]byte{txscript.OP_PUSHDATA1, byte(n)}, b...)
	default:
		return append([]byte{txscript.OP_PUSHDATA2, byte(n), byte(n >> 8)}, b...)
	}
}

func field(tag byte, v string) []byte { return append([]byte{1, tag}, push([]byte(v))...) }

// bitaiFields are the template's fields (tag 1, [tag 9,] tag 7).
func bitaiFields(encoding string) [][]byte {
	f := [][]byte{field(1, bitai.ContentType)}
	if encoding != "" {
		f = append(f, field(9, encoding))
	}
	return append(f, field(7, bitai.Metaprotocol))
}

func (e envelope) script() []byte {
	s := append(push(e.key[:]), txscript.OP_CHECKSIG, txscript.OP_FALSE, txscript.OP_IF)
	s = append(s, push([]byte("ord"))...)
	for _, f := range e.fields {
		s = append(s, f...)
	}
	if !e.noBody {
		s = append(s, txscript.OP_0)
	}
	for _, b := range e.body {
		s = append(s, push(b)...)
	}
	s = append(s, txscript.OP_ENDIF)
	return append(s, e.tail...)
}

// inscribeScript commits to script under leafVersion (0xc0: signed by key; any other
// version is not executed, so the witness is just script and control block) and
// returns commit and reveal, unsent.
func inscribeScript(t *testing.T, n *testnode.Node, key *btcec.PrivateKey, script []byte, leafVersion txscript.TapscriptLeafVersion) (*wire.MsgTx, *wire.MsgTx) {
	t.Helper()
	leaf := txscript.NewTapLeaf(leafVersion, script)
	tree := txscript.AssembleTaprootScriptTree(leaf)
	root := tree.RootNode.TapHash()
	pk, err := txscript.PayToTaprootScript(txscript.ComputeTaprootOutputKey(key.PubKey(), root[:]))
	require.NoError(t, err)
	ctrl := tree.LeafMerkleProofs[0].ToControlBlock(key.PubKey())
	cb, err := ctrl.ToBytes()
	require.NoError(t, err)
	out := wire.NewTxOut(testnode.DustLimit, testnode.P2TR(key.PubKey()))
	fee := bitai.VSize(bitai.RevealWeight(len(script), out)) * 3
	commit, op := n.Fund(t, pk, fee+out.Value)
	reveal := bitai.RevealSkeleton(op, out)
	if leafVersion == txscript.BaseLeafVersion {
		fetcher := txscript.NewCannedPrevOutputFetcher(pk, fee+out.Value)
		require.NoError(t, bitai.SignReveal(reveal, 0, fetcher, script, cb, key))
	} else {
		reveal.TxIn[0].Witness = wire.TxWitness{script, cb}
	}
	return commit, reveal
}

// chunkBodies splits a payload of txs into chunk bodies of at most 80 bytes.
func chunkBodies(t *testing.T, txs ...*bitai.Tx) ([][]byte, [32]byte) {
	t.Helper()
	body := payloadBody(t, txs...)
	parts, err := bitai.SplitChunks("", body[1:], 80)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(parts), 3)
	ch, r := bitai.ParseChunk(parts[0])
	require.Equal(t, bitai.ReasonNone, r)
	return parts, ch.PayloadHash
}

// TestAdversarialBtcd mines hostile BitAI data into real btcd blocks (MineBlockOn,
// consensus-valid but often non-standard) and runs the full indexer over them: every
// acceptance-predicate failure it can express on chain, a chunk set with a repeated
// chunk and a chunk from another key, a set missing a chunk, a window overrun and a
// brotli bomb. Each is ignored with its reason in the block's events, nothing halts,
// and honest payloads among them apply.
func TestAdversarialBtcd(t *testing.T) {
	n := testnode.Start(t)
	ctx := context.Background()
	dep := regtest(t)
	n.Generate(t, 130)
	f := newSender(t, dep, faucet())
	bob := newSender(t, dep, nil)
	k1, k2 := newSender(t, dep, nil), newSender(t, dep, nil)
	good := func(s string) []byte { return append([]byte{bitai.BodyKindPayload}, []byte(s)...) }

	type expect struct {
		name   string
		txid   chainhash.Hash
		kind   statemachine.EventKind
		reason bitai.Reason
	}
	var want []expect
	var blockX []*wire.MsgTx
	add := func(name string, kind statemachine.EventKind, reason bitai.Reason, script []byte, lv txscript.TapscriptLeafVersion) {
		c, r := inscribeScript(t, n, k1.key, script, lv)
		blockX = append(blockX, c, r)
		want = append(want, expect{name, r.TxHash(), kind, reason})
	}
	ign := statemachine.EventCandidateIgnored
	key := k1.pub()
	add("data after OP_ENDIF", ign, bitai.ReasonTemplateEnd,
		envelope{key: key, fields: bitaiFields(""), body: [][]byte{good("x")}, tail: []byte{txscript.OP_NOP}}.script(), txscript.BaseLeafVersion)
	add("encoding gzip", ign, bitai.ReasonEncodingUnsupported,
		envelope{key: key, fields: bitaiFields("gzip"), body: [][]byte{good("x")}}.script(), txscript.BaseLeafVersion)
	add("no metaprotocol", ign, bitai.ReasonTemplateMetaprotocol,
		envelope{key: key, fields: [][]byte{field(1, bitai.ContentType)}, body: [][]byte{good("x")}}.script(), txscript.BaseLeafVersion)
	add("other content type", ign, bitai.ReasonTemplateContentType,
		envelope{key: key, fields: [][]byte{field(1, "text/plain"), field(7, bitai.Metaprotocol)}, body: [][]byte{good("x")}}.script(), txscript.BaseLeafVersion)
	add("extra field", ign, bitai.ReasonTemplateField,
		envelope{key: key, fields: append(bitaiFields(""), field(5, "meta")), body: [][]byte{good("x")}}.script(), txscript.BaseLeafVersion)
	add("short push not last", ign, bitai.ReasonBodyPush,
		envelope{key: key, fields: bitaiFields(""), body: [][]byte{good("x"), []byte("y")}}.script(), txscript.BaseLeafVersion)
	add("empty body", ign, bitai.ReasonBodyEmpty,
		envelope{key: key, fields: bitaiFields("")}.script(), txscript.BaseLeafVersion)
	add("body kind 2", ign, bitai.ReasonBodyKind,
		envelope{key: key, fields: bitaiFields(""), body: [][]byte{{2, 1, 2}}}.script(), txscript.BaseLeafVersion)
	add("leaf version 0xc2", ign, bitai.ReasonLeafVersion,
		envelope{key: key, fields: bitaiFields(""), body: [][]byte{good("x")}}.script(), 0xc2)

	// A brotli bomb: 5 MiB of zeros behind a few bytes.
	var bomb bytes.Buffer
	w := brotli.NewWriterLevel(&bomb, 9)
	_, err := w.Write(make([]byte, 5<<20))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	add("brotli bomb", statemachine.EventPayloadIgnored, bitai.ReasonPayloadBrotli, // decoding past the cap (rule P-*)
		envelope{key: key, fields: bitaiFields("br"), body: [][]byte{append([]byte{0}, bomb.Bytes()...)}}.script(), txscript.BaseLeafVersion)

	// Chunk set A by k1: chunks 0 and 1 in X, chunk 1 again (repeat) and chunk 1 by k2
	// (another key: its own set), the last chunk in X+1 completes the set.
	tOK := f.transfer(t, bob.pub(), 1000) // nonce 0: a valid whole payload in X
	tA := f.transfer(t, bob.pub(), 31_337)
	partsA, hashA := chunkBodies(t, tA)
	chunk := func(name string, s *sender, part []byte, kind statemachine.EventKind, reason bitai.Reason) *wire.MsgTx {
		in := n.Inscribe(t, "", part, testnode.InscribeOptions{Key: s.key, NoBroadcast: true})
		want = append(want, expect{name, in.Reveal.TxHash(), kind, reason})
		blockX = append(blockX, in.Commit, in.Reveal)
		return in.Reveal
	}
	chunk("A chunk 0", k1, partsA[0], statemachine.EventChunkAccepted, bitai.ReasonNone)
	chunk("A chunk 1", k1, partsA[1], statemachine.EventChunkAccepted, bitai.ReasonNone)
	chunk("A chunk 1 repeated", k1, partsA[1], statemachine.EventChunkIgnored, bitai.ReasonChunkRepeat)
	chunk("A chunk 1 by another key", k2, partsA[1], statemachine.EventChunkAccepted, bitai.ReasonNone)
	// Set B by k1 misses its middle chunk; set C by k1 gets its second chunk too late.
	partsB, hashB := chunkBodies(t, f.transfer(t, bob.pub(), 1))
	chunk("B chunk 0", k1, partsB[0], statemachine.EventChunkAccepted, bitai.ReasonNone)
	chunk("B chunk 2", k1, partsB[2], statemachine.EventChunkAccepted, bitai.ReasonNone)
	partsC, hashC := chunkBodies(t, f.transfer(t, bob.pub(), 2))
	chunk("C chunk 0", k1, partsC[0], statemachine.EventChunkAccepted, bitai.ReasonNone)
	// A valid whole payload among the junk applies.
	okIns := n.Inscribe(t, "", payloadBody(t, tOK), testnode.InscribeOptions{Key: k2.key, NoBroadcast: true})
	blockX = append(blockX, okIns.Commit, okIns.Reveal)

	ix := btcdIndexer(t, n, t.TempDir())
	x := n.MineBlockOn(t, n.Tip(t).Hash, blockX...)
	xh := uint32(n.Tip(t).Height)
	// X+1: A's remaining chunks complete it (and its tx applies).
	var blockX1 []*wire.MsgTx
	for _, part := range partsA[2:] {
		in := n.Inscribe(t, "", part, testnode.InscribeOptions{Key: k1.key, NoBroadcast: true})
		blockX1 = append(blockX1, in.Commit, in.Reveal)
	}
	n.MineBlockOn(t, x.BlockHash(), blockX1...)
	// Empty blocks to X+6, then C's chunk 1 at X+7, past the window.
	for range 5 {
		n.MineBlockOn(t, n.Tip(t).Hash)
	}
	inC1 := n.Inscribe(t, "", partsC[1], testnode.InscribeOptions{Key: k1.key, NoBroadcast: true})
	tip := n.MineBlockOn(t, n.Tip(t).Hash, inC1.Commit, inC1.Reveal).BlockHash()
	waitFor(t, ix, tip, 60*time.Second)
	require.NoError(t, ix.Err(), "nothing halts")

	blkX, err := ix.API().Block(ctx, xh)
	require.NoError(t, err)
	for _, w := range want {
		var found bool
		for _, e := range blkX.Events {
			if e.BitcoinTxID == w.txid && e.Kind == w.kind.String() {
				found = true
				require.Equal(t, uint16(w.reason), e.ReasonCode, "%s: %s", w.name, e.Reason)
			}
		}
		require.True(t, found, "%s: no %s event for %s in %+v", w.name, w.kind, w.txid, blkX.Events)
	}

	// Set A completed in X+1: its tx applied there; the valid payload applied in X.
	inc, err := ix.API().Tx(ctx, Hash32(tA.TxID()))
	require.NoError(t, err)
	require.Equal(t, TxApplied, inc.Status)
	require.Equal(t, xh+1, inc.Effective.Height)
	okInfo, err := ix.API().Tx(ctx, Hash32(tOK.TxID()))
	require.NoError(t, err)
	require.Equal(t, TxApplied, okInfo.Status)
	require.Equal(t, xh, okInfo.Effective.Height)

	// X+7: sets B (missing chunk), C and k2's copy of A expire at block start; C's
	// late chunk opens a new set.
	blk7, err := ix.API().Block(ctx, xh+7)
	require.NoError(t, err)
	expired := map[Hash32][32]byte{}
	for _, e := range blk7.Events {
		if e.Kind == statemachine.EventSetExpired.String() {
			expired[e.ID] = e.Account
		}
	}
	require.Equal(t, k1.pub(), expired[Hash32(hashB)], "set B expired")
	require.Equal(t, k1.pub(), expired[Hash32(hashC)], "set C expired")
	require.Equal(t, k2.pub(), expired[Hash32(hashA)], "k2's copy of A expired")
	var late bool
	for _, e := range blk7.Events {
		late = late || (e.BitcoinTxID == inC1.Reveal.TxHash() && e.Kind == statemachine.EventChunkAccepted.String())
	}
	require.True(t, late, "C's late chunk starts a new set: %+v", blk7.Events)

	acct, err := ix.API().Account(ctx, Hash32(bob.pub()))
	require.NoError(t, err)
	require.Equal(t, uint64(31_337+1000), acct.Balance)
}

// TestActivationRefusedBtcd indexes one btcd regtest chain, then points the same
// datadir at another (as after a wiped regtest): the indexer refuses with
// ErrActivationMismatch before touching the index, and a datadir of another
// deployment is refused at Start.
func TestActivationRefusedBtcd(t *testing.T) {
	a, b := testnode.Start(t), testnode.Start(t)
	a.Generate(t, 3)
	b.Generate(t, 5)
	dir := t.TempDir()
	ix := btcdIndexer(t, a, dir)
	waitFor(t, ix, a.Tip(t).Hash, 30*time.Second)
	before, tipBefore := dumpOf(t, ix.API())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, ix.Stop(ctx))

	cfg := Config{Chain: b.Client(), Deployment: regtest(t), DataDir: dir, Logger: testLogger(t), RetryMin: 10 * time.Millisecond}
	other, err := New(cfg)
	require.NoError(t, err)
	err = other.Run(ctx)
	require.ErrorIs(t, err, ErrActivationMismatch)
	require.ErrorContains(t, err, "wiped regtest")

	api, err := OpenAPI(context.Background(), dir)
	require.NoError(t, err)
	after, tipAfter := dumpOf(t, api)
	require.NoError(t, api.Close())
	require.Equal(t, before, after, "the refused run left the index alone")
	require.Equal(t, tipBefore, tipAfter)

	dep := regtest(t)
	dep.ActivationHeight = 2
	cfg.Deployment = dep
	wrong, err := New(cfg)
	require.NoError(t, err)
	require.ErrorIs(t, wrong.Start(ctx), ErrWrongDatadir)
}
