package costmodel

import "math"

// Byte sizes of DA records when the record is bytes (!FieldDA), from which the
// number of 31-byte chunks the circuit must unpack follows.
const (
	daRequestBytes  = 4   // slot index, request tree index
	daCommitBytes   = 35  // slot u16, j u8, commitment 32
	daRevealBytes   = 51  // slot u16, j u8, digest 32, salt 16
	daResolveBytes  = 2   // slot u16
	daDepositBytes  = 6   // account index u32, flags
	daWithdrawBytes = 80  // account, nonce, amount, recipient
	l2OpBytes       = 110 // the largest forced op (without its signature)
	epochCacheSize  = 4   // epochs a batch can touch when EpochCache
)

// Ops lists the circuit's slot kinds for this config with their line items and
// how many of each one settled inference needs: one request arrival (inbox
// slot), 3 commits, 3 reveals, 1 resolve, plus its 1/Batch share of every
// per-batch cost (fixed work, withdrawal slots and, with typed queues, the
// deposit and forced-op slots).
func (c Config) Ops() []Op {
	perBatch := 1 / float64(c.Batch)
	var ops []Op
	if c.Universal {
		ops = append(ops, Op{Name: "inbox slot (universal: request, deposit or forced op)", PerInf: 1, Lines: c.universalSlot()})
	} else {
		ops = append(ops, Op{Name: "inbox slot (request queue)", PerInf: 1, Lines: c.requestSlot()})
	}
	ops = append(ops,
		Op{Name: "commit (signed)", PerInf: 3, Lines: c.commit()},
		Op{Name: "reveal (unsigned)", PerInf: 3, Lines: c.reveal()},
		Op{Name: "resolve (unsigned)", PerInf: 1, Lines: c.resolve()},
	)
	if c.Group {
		ops = append(ops, Op{Name: "request group (one request-leaf update per batch)", PerInf: c.GroupsPerInf, Lines: c.group()})
	}
	ops = append(ops,
		Op{Name: "withdrawal (signed)", PerInf: float64(c.Withdrawals) * perBatch, Lines: c.withdrawal()},
		Op{Name: "per-batch fixed", PerInf: perBatch, Lines: c.batchFixed()},
	)
	if !c.Universal {
		ops = append(ops,
			Op{Name: "inbox slot (deposit queue)", PerInf: float64(c.TypedDeposit) * perBatch, Lines: c.depositSlot()},
			Op{Name: "inbox slot (forced-op queue)", PerInf: float64(c.TypedMessage) * perBatch, Lines: c.messageSlot()},
		)
	}
	return ops
}

// da is a record's share of dataHash: its field elements absorbed, or its
// bytes unpacked chunk by chunk and absorbed.
func (c Config) da(fields, bytes int) []Line {
	if c.FieldDA {
		return []Line{{"dataHash: record as field elements", c.hash(fields), 1}}
	}
	chunks := int(math.Ceil(float64(bytes) / 31))
	return []Line{
		{"dataHash: record bytes unpacked", c.pack(), float64(chunks)},
		{"dataHash: chunks absorbed", c.hash(chunks), 1},
	}
}

// fullLeaf is the hash of a whole request leaf.
func (c Config) fullLeaf() []Line {
	if c.SplitLeaf {
		return []Line{
			{"request header hash", c.hash(ReqHeaderFields), 1},
			{"request slot hashes", c.hash(ReqSlotFields), 3},
			{"request leaf (header, 3 slots)", c.hash(4), 1},
		}
	}
	return []Line{{"request leaf hash (flat)", c.hash(ReqHeaderFields + 3*ReqSlotFields), 1}}
}

// scale multiplies every line's count.
func scale(k float64, ls []Line) []Line {
	out := make([]Line, len(ls))
	for i, l := range ls {
		l.Count *= k
		out[i] = l
	}
	return out
}

// slotUpdate is an ungrouped request-leaf update that changes one slot.
func (c Config) slotUpdate() []Line {
	ls := []Line{{"request tree update", c.update(c.ReqDepth), 1}}
	if c.SplitLeaf {
		return append(ls, Line{"old and new slot hash and leaf", c.hash(ReqSlotFields), 4})
	}
	return append(ls, scale(2, c.fullLeaf())...)
}

func (c Config) acctUpdate() []Line {
	return []Line{
		{"account tree update", c.update(c.AcctDepth), 1},
		{"old and new account leaf", c.hash(AccountLeafFields), 2},
	}
}

// requestBody is a request arrival without its entry hash.
func (c Config) requestBody() []Line {
	ls := []Line{
		{"clock: confirmHeight <= inboxClock, deadline", c.less(), 2},
		{"epoch of confirmHeight (div by EpochBlocks)", g("divmod.64by32"), 1},
	}
	if c.EpochCache {
		ls = append(ls, Line{"epoch leaf from the batch cache", mux(epochCacheSize), EpochLeafFields})
	} else {
		ls = append(ls,
			Line{"epoch leaves i, i+1 (set in force)", c.verify(EpochDepth), 2},
			Line{"epoch leaf hashes", c.hash(EpochLeafFields), 2},
			Line{"fromEpoch_i <= e < fromEpoch_i+1", c.less(), 2},
		)
	}
	ls = append(ls,
		Line{"seed H(block hash limbs, requestID)", c.hash(3), 1},
		Line{"3 draws mod n, n-1, n-2", g("draw3"), 1},
		Line{"at least 3 eligible miners", g("cmp.lt64.bool"), 1},
		Line{"miner array lookups", c.verify(ArrayDepth), 3},
		Line{"miner array leaf hashes", c.hash(ArrayLeafFields), 3},
		Line{"request leaf insert (empty slot)", c.update(c.ReqDepth), 1},
	)
	ls = append(ls, c.fullLeaf()...)
	return append(ls, c.da(2, daRequestBytes)...)
}

func (c Config) requestSlot() []Line {
	ls := []Line{
		{"inbox entry hash", c.hash(RequestEntryFields), 1},
		{"inbox accumulator step", c.hash(2), 1},
	}
	return append(ls, c.requestBody()...)
}

func (c Config) depositBody() []Line {
	ls := []Line{
		{"credit window: l1Height <= confirmHeight + ForceDelay", g("cmp.lt64.bool"), 1},
		{"amount and new balance < 2^64", c.range64(), 2},
	}
	ls = append(ls, c.acctUpdate()...)
	if c.KeyIndexL1 {
		ls = append(ls, Line{"leaf key equals deposit key, or leaf empty", g("iszero"), 3})
	} else {
		ls = append(ls,
			Line{"key index: indexed-tree low leaf and insert", c.update(c.AcctDepth), 2},
			Line{"key index: low < key < next", g("cmp.lt.full"), 2},
		)
	}
	return append(ls, c.da(2, daDepositBytes)...)
}

func (c Config) depositSlot() []Line {
	ls := []Line{
		{"inbox entry hash", c.hash(DepositEntryFields), 1},
		{"inbox accumulator step", c.hash(2), 1},
	}
	return append(ls, c.depositBody()...)
}

// credits pays up to 3 miners and the treasury.
func (c Config) credits() []Line {
	if c.Aggregate {
		return []Line{
			{"credit table: entry matches miner", mux(c.CreditSlots), 4},
			{"credit table: balance and stake writes", tableWrite(c.CreditSlots), 8},
		}
	}
	if c.MinerTree {
		return []Line{
			{"miner tree updates (3 miners)", c.update(MinerDepth), 3},
			{"old and new miner leaves", c.hash(MinerLeafFields), 6},
		}
	}
	return scale(4, c.acctUpdate())
}

// forcedBody is what a forced op adds to an inbox slot besides the entry hash:
// opening the op, and the union of the forced kinds' work not already paid by
// a request (request-leaf update) or a deposit (account update).
func (c Config) forcedBody() []Line {
	var ls []Line
	if c.FieldDA {
		ls = append(ls, Line{"open l2Op: hash of its fields", c.hash(L2OpFields), 1})
	} else {
		chunks := int(math.Ceil(float64(l2OpBytes) / 31))
		ls = append(ls,
			Line{"open l2Op: bytes unpacked", c.pack(), float64(chunks)},
			Line{"open l2Op: chunks hashed", c.hash(chunks + 1), 1},
		)
	}
	if !c.ForcedSigL1 {
		ls = append(ls,
			Line{"forced op signature", c.eddsa(), 1},
			Line{"forced op signed message", c.hash(WithdrawMsgFields), 1},
		)
	}
	ls = append(ls,
		Line{"kind dispatch (fields routed to shared gadgets)", mux(4), 24},
		Line{"forced commit/reveal: message, opening, key", c.hash(CommitMsgFields), 1},
		Line{"forced reveal: opening", c.hash(OpeningFields), 1},
		Line{"forced commit: key hash", c.hash(2), 1},
		Line{"forced resolve: 2 of 3", g("maj3"), 1},
		Line{"forced op windows", c.less(), 3},
		Line{"forced resolve: outcome entry", c.hash(OutcomeFields), 1},
		Line{"forced withdrawal: list entry", c.hash(WithdrawalFields), 1},
	)
	return append(ls, c.credits()...)
}

func (c Config) messageSlot() []Line {
	ls := []Line{
		{"inbox entry hash", c.hash(MessageEntryFields), 1},
		{"inbox accumulator step", c.hash(2), 1},
		{"request leaf update (forced commit/reveal/resolve)", c.update(c.ReqDepth), 1},
	}
	ls = append(ls, scale(2, c.fullLeaf())...)
	ls = append(ls, c.acctUpdate()...)
	return append(ls, c.forcedBody()...)
}

func (c Config) universalSlot() []Line {
	ls := []Line{
		{"inbox entry hash (kind-muxed tag and length)", c.hash(RequestEntryFields + 1), 1},
		{"inbox accumulator step", c.hash(2), 1},
	}
	ls = append(ls, c.requestBody()...)
	// The request insert's tree update is shared with forced commit/reveal/
	// resolve; they may rewrite a whole leaf, so one more full leaf is hashed.
	ls = append(ls, c.fullLeaf()...)
	ls = append(ls, c.depositBody()...)
	return append(ls, c.forcedBody()...)
}

func (c Config) commit() []Line {
	ls := []Line{
		{"commit signature", c.eddsa(), 1},
		{"signed message H(chainID, requestID, j, commitment)", c.hash(CommitMsgFields), 1},
		{"signer key matches the slot's key hash", c.hash(2), 1},
		{"commit window", c.less(), 1},
	}
	if !c.Group {
		ls = append(ls, c.slotUpdate()...)
	}
	return append(ls, c.da(3, daCommitBytes)...)
}

func (c Config) reveal() []Line {
	ls := []Line{
		{"commitment opening", c.hash(OpeningFields), 1},
		{"commit phase closed, reveal window", c.less(), 2},
	}
	if !c.Group {
		ls = append(ls, c.slotUpdate()...)
	}
	return append(ls, c.da(4, daRevealBytes)...)
}

func (c Config) resolve() []Line {
	var ls []Line
	if !c.Group {
		ls = append(ls, Line{"request leaf removed", c.update(c.ReqDepth), 1})
		ls = append(ls, c.fullLeaf()...)
	}
	ls = append(ls,
		Line{"2 of 3 equal digests", g("maj3"), 1},
		Line{"reveal phase closed", c.less(), 1},
		Line{"fee split", g("divmod.64by32"), 1},
		Line{"slash = min(stake, slash)", g("cmp.lt64.bool"), 3},
	)
	ls = append(ls, c.credits()...)
	ls = append(ls, Line{"outcome list entry", c.hash(OutcomeFields), 1})
	return append(ls, c.da(1, daResolveBytes)...)
}

func (c Config) group() []Line {
	ls := []Line{
		{"request tree update", c.update(c.ReqDepth), 1},
		{"enable flags and field selects", mux(4), 6},
	}
	return append(ls, scale(2, c.fullLeaf())...)
}

func (c Config) withdrawal() []Line {
	ls := []Line{
		{"withdrawal signature", c.eddsa(), 1},
		{"signed message", c.hash(WithdrawMsgFields), 1},
		{"amount <= balance", c.less(), 1},
		{"withdrawal list entry", c.hash(WithdrawalFields), 1},
	}
	ls = append(ls, c.acctUpdate()...)
	return append(ls, c.da(4, daWithdrawBytes)...)
}

func (c Config) batchFixed() []Line {
	pub := PublicInputFields
	if !c.Universal {
		pub += 4 // two more accumulator ranges
	}
	ls := []Line{
		{"public input hash", c.hash(pub), 1},
		{"state root before and after", c.hash(StateRootFields), 2},
		{"inboxClock = min(l1Height, confirmHeight(inboxTo) - 1)", c.less(), 1},
		{"confirm height of the last consumed entry", mux(c.Batch), 1},
		{"epoch tree append (when the set changed)", c.update(EpochDepth), 1},
		{"epoch leaf", c.hash(EpochLeafFields), 1},
		{"dataHash header", c.hash(4), 1},
	}
	if c.EpochCache {
		ls = append(ls,
			Line{"epoch cache: leaves i, i+1 per cached epoch", c.verify(EpochDepth), 2 * epochCacheSize},
			Line{"epoch cache: leaf hashes", c.hash(EpochLeafFields), 2 * epochCacheSize},
			Line{"epoch cache: range checks", c.less(), 2 * epochCacheSize},
		)
	}
	switch {
	case c.Aggregate && c.MinerTree:
		ls = append(ls,
			Line{"credit write-back: miner tree update", c.update(MinerDepth), float64(c.CreditSlots)},
			Line{"old and new miner leaf", c.hash(MinerLeafFields), 2 * float64(c.CreditSlots)},
		)
	case c.Aggregate:
		ls = append(ls,
			Line{"credit write-back (miners + treasury): account tree update", c.update(c.AcctDepth), float64(c.CreditSlots + 1)},
			Line{"old and new account leaf", c.hash(AccountLeafFields), 2 * float64(c.CreditSlots+1)},
		)
	}
	return ls
}
