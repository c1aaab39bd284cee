package statemachine

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bitai-l2/bitai/aichain"
	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/zkhash"
	"github.com/cockroachdb/datadriven"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/stretchr/testify/require"
)

// query handles `state ...`: it prints the named records through the query API.
func (s *scenario) query(t testing.TB, d *datadriven.TestData) string {
	st := s.state()
	var out strings.Builder
	for _, arg := range d.CmdArgs {
		if arg.Key == "set" || arg.Key == "exit" {
			out.WriteString(s.queryOne(t, st, arg.Key, "", arg.Vals))
			continue
		}
		for _, v := range arg.Vals {
			out.WriteString(s.queryOne(t, st, arg.Key, v, arg.Vals))
		}
	}
	return out.String()
}

func (s *scenario) queryOne(t testing.TB, st State, what, v string, vals []string) string {
	switch what {
	case "account":
		a, err := GetAccount(st, s.key(v))
		require.NoError(t, err)
		return fmt.Sprintf("account %s: balance=%d nonce=%d\n", v, a.Balance, a.NextNonce)
	case "model":
		m, ok, err := GetModel(st, s.obj(v))
		require.NoError(t, err)
		if !ok {
			return fmt.Sprintf("model %s: absent\n", v)
		}
		return fmt.Sprintf("model %s: creator=%s creatorFee=%d height=%d name=%q\n", v, s.name(m.Creator), m.CreatorFee, m.Height, m.Name)
	case "eternal":
		e, ok, err := GetEternal(st, s.obj(v))
		require.NoError(t, err)
		if !ok {
			return fmt.Sprintf("eternal %s: absent\n", v)
		}
		return fmt.Sprintf("eternal %s: owner=%s model=%s fee=%d prompt=%q\n", v, s.name(e.Owner), s.name(e.Model), e.Fee, e.SystemPrompt)
	case "chain":
		return s.queryChain(t, st, v)
	case "request":
		q, ok, err := GetRequest(st, s.obj(v))
		require.NoError(t, err)
		if !ok {
			return fmt.Sprintf("request %s: absent\n", v)
		}
		return fmt.Sprintf("request %s: chain=%s inbox=%d requester=%s eternal=%s model=%s fees=%d+%d+%d confirm=%d deadline=%d status=%d\n",
			v, s.name(q.ChainID), q.InboxIndex, s.name(q.Requester), s.name(q.EternalID), s.name(q.ModelID),
			q.EternalFee, q.CreatorFee, q.ChainFee, q.ConfirmHeight, q.Deadline, q.Status)
	case "deposit":
		dp, ok, err := GetDeposit(st, s.obj(v))
		require.NoError(t, err)
		if !ok {
			return fmt.Sprintf("deposit %s: absent\n", v)
		}
		return fmt.Sprintf("deposit %s: chain=%s inbox=%d depositor=%s amount=%d confirm=%d status=%d\n",
			v, s.name(dp.ChainID), dp.InboxIndex, s.name(dp.Depositor), dp.Amount, dp.ConfirmHeight, dp.Status)
	case "message":
		m, ok, err := GetMessage(st, s.obj(v))
		require.NoError(t, err)
		if !ok {
			return fmt.Sprintf("message %s: absent\n", v)
		}
		oh := L2OpHash(m.L2Op)
		require.Equal(t, oh.Bytes(), m.L2OpHash)
		op := fmt.Sprintf("%q", m.L2Op.Data)
		if o, err := aichain.DecodeOpRecord(m.L2Op); err == nil {
			op = fmt.Sprintf("%s(%d bytes)", o.Kind, len(m.L2Op.Data))
		}
		return fmt.Sprintf("message %s: chain=%s inbox=%d sender=%s confirm=%d op=v%d:%s\n",
			v, s.name(m.ChainID), m.InboxIndex, s.name(m.Sender), m.ConfirmHeight, m.L2Op.Version, op)
	case "inbox":
		return s.queryInbox(t, st, v)
	case "settlement":
		return s.querySettlement(t, st, v)
	case "exit":
		return s.queryExit(t, st, vals)
	case "set":
		require.Len(t, vals, 2, "set=(K,SET)")
		ins, cs := s.key(vals[0]), s.sets[vals[1]]
		set, err := GetChunkSet(st, ins, cs.hash)
		require.NoError(t, err)
		n, err := GetPendingChunkBytes(st, ins)
		require.NoError(t, err)
		if set == nil {
			return fmt.Sprintf("set %s/%s: absent; key pending=%d\n", vals[0], vals[1], n)
		}
		idx := make([]uint16, len(set.Parts))
		for i, p := range set.Parts {
			idx[i] = p.Index
		}
		return fmt.Sprintf("set %s/%s: count=%d first=%d parts=%v bytes=%d; key pending=%d\n",
			vals[0], vals[1], set.Count, set.FirstHeight, idx, set.PendingBytes(), n)
	}
	t.Fatalf("unknown state query %q", what)
	return ""
}

func (s *scenario) queryChain(t testing.TB, st State, v string) string {
	c, ok, err := GetChain(st, s.obj(v))
	require.NoError(t, err)
	if !ok {
		return fmt.Sprintf("chain %s: absent\n", v)
	}
	require.Equal(t, ParamsHash(c.Params), c.ParamsHash)
	names := func(ks [][32]byte) string {
		out := make([]string, len(ks))
		for i, k := range ks {
			out[i] = s.name(k)
		}
		return strings.Join(out, ",")
	}
	models := make([][32]byte, len(c.Models))
	for i, m := range c.Models {
		models[i] = m
	}
	out := fmt.Sprintf("chain %s: admin=%s height=%d models=[%s] sequencers=[%s]\n",
		v, s.name(c.Admin), c.Height, names(models), names(c.Sequencers))
	if r, ok, err := GetRotation(st, s.obj(v)); err == nil && ok {
		out += fmt.Sprintf("  rotation at %d: [%s]\n", r.EffectiveHeight, names(r.Sequencers))
	}
	return out
}

// queryInbox prints a chain's inbox and checks its accumulator chain against zkhash.
func (s *scenario) queryInbox(t testing.TB, st State, v string) string {
	id := s.obj(v)
	n, err := InboxLen(st, id)
	require.NoError(t, err)
	es, err := InboxEntries(st, id, 0, n+10)
	require.NoError(t, err)
	require.Len(t, es, int(n))
	checkAccChain(t, st, id, es)
	out := fmt.Sprintf("inbox %s: len=%d\n", v, n)
	for i, e := range es {
		out += fmt.Sprintf("  %d: kind=%d id=%s confirm=%d\n", i, e.Kind, s.name(e.ID), e.ConfirmHeight)
	}
	return out
}

// accounts lists every stored account in key order.
func (s *scenario) accounts(t testing.TB) string {
	var out strings.Builder
	err := s.state().Iterate([]byte{PrefixAccount}, func(k, v []byte) (bool, error) {
		var a Account
		require.NoError(t, a.UnmarshalBinary(v))
		fmt.Fprintf(&out, "%s: balance=%d nonce=%d\n", s.name([32]byte(k[1:])), a.Balance, a.NextNonce)
		return true, nil
	})
	require.NoError(t, err)
	return out.String()
}

// checkReplay applies h's blocks on a fresh database, Prepare running for all of them
// first and concurrently: the dump digests and state hashes must match block by block.
func checkReplay(t *testing.T, h *harness) {
	if len(h.blocks) == 0 {
		return
	}
	r := newHarnessWith(t, h.dep, h.verifier)
	preps := make([]*PreparedBlock, len(h.blocks))
	errs := make(chan error, len(h.blocks))
	for i, b := range h.blocks {
		go func() {
			p, err := r.m.Prepare(context.Background(), b, h.heights[i])
			preps[i] = p
			errs <- err
		}()
	}
	for range h.blocks {
		require.NoError(t, <-errs)
	}
	for i := range h.blocks {
		require.Equal(t, h.dumps[i], r.dumpDigest(), "dump before block %d", i)
		r.height = h.heights[i]
		r.applyPrepared(preps[i])
		require.Equal(t, h.hashes[i], r.stateHash, "state hash after block %d", i)
	}
	require.Equal(t, h.dumpDigest(), r.dumpDigest())
}

// applyPrepared is apply for an already prepared block (no block kept for replay).
func (h *harness) applyPrepared(p *PreparedBlock) {
	rec := h.db.NewRecorder()
	defer rec.Close()
	res, err := h.m.ApplyBlock(NewPebbleState(rec), p)
	require.NoError(h.t, err)
	h.stateHash = StateHash(h.stateHash, res.Hash, res.EventsHash, WriteSetHash(rec.WriteSet()))
	require.NoError(h.t, rec.Commit(context.Background()))
	h.height++
}

// checkUndo undoes h's blocks newest first with their undo records: the dump must
// return to its digest before each block, down to the empty state.
func checkUndo(t *testing.T, h *harness) {
	for i := len(h.undos) - 1; i >= 0; i-- {
		require.NoError(t, h.db.Update(context.Background(), h.undos[i].Apply))
		require.Equal(t, h.dumps[i], h.dumpDigest(), "dump after undoing block %d", i)
	}
	empty := true
	require.NoError(t, DumpState(h.db.Pebble(), func(k, v []byte) error { empty = false; return nil }))
	require.True(t, empty, "state left after undoing every block")
}

// checkAccChain recomputes a chain's accumulator from acc[0] and each entry's hash,
// itself recomputed from the request, deposit or message record it points to.
func checkAccChain(t testing.TB, st State, chainID bitai.ID, es []InboxEntry) {
	acc, err := zkhash.InboxAcc0(chainID)
	require.NoError(t, err)
	for i, e := range es {
		stored, ok, err := InboxAcc(st, chainID, uint64(i))
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, acc.Bytes(), stored, "acc[%d]", i)
		var h fr.Element
		switch e.Kind {
		case zkhash.InboxKindRequest:
			q, ok, err := GetRequest(st, e.ID)
			require.NoError(t, err)
			require.True(t, ok)
			require.Equal(t, uint64(i), q.InboxIndex)
			re := zkhash.RequestEntry{ID: e.ID, Requester: q.Requester, EternalID: q.EternalID, ModelID: q.ModelID,
				SystemPromptHash: q.SystemPromptHash, CalldataHash: q.CalldataHash, EternalFee: q.EternalFee,
				ChainFee: q.ChainFee, ConfirmHeight: q.ConfirmHeight, ConfirmBlockHash: q.ConfirmBlockHash, Deadline: q.Deadline}
			h, err = re.Hash()
			require.NoError(t, err)
		case zkhash.InboxKindDeposit:
			d, ok, err := GetDeposit(st, e.ID)
			require.NoError(t, err)
			require.True(t, ok)
			require.Equal(t, uint64(i), d.InboxIndex)
			pt, err := zkhash.ParseL2Account(d.L2Account)
			require.NoError(t, err)
			de := zkhash.DepositEntry{ID: e.ID, L2Account: pt, Amount: d.Amount, ConfirmHeight: d.ConfirmHeight}
			h, err = de.Hash()
			require.NoError(t, err)
		case zkhash.InboxKindMessage:
			m, ok, err := GetMessage(st, e.ID)
			require.NoError(t, err)
			require.True(t, ok)
			require.Equal(t, uint64(i), m.InboxIndex)
			me := zkhash.MessageEntry{ID: e.ID, L2OpHash: zkhash.HashL2Op(append([]byte{m.L2Op.Version}, m.L2Op.Data...)), ConfirmHeight: m.ConfirmHeight}
			h, err = me.Hash()
			require.NoError(t, err)
		}
		require.Equal(t, h.Bytes(), e.EntryHash, "entry %d hash", i)
		acc = zkhash.InboxAccNext(acc, h)
	}
	stored, ok, err := InboxAcc(st, chainID, uint64(len(es)))
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, acc.Bytes(), stored, "acc[len]")
}
