package statemachine

// Settlement values (rules S-23, S-24).

// Settlement is a chain's settlement state (rule S-23): its last settled batch, or
// the genesis state before the first one, and its bridge:
//
//	settlement = number u64 ‖ root [32] ‖ l1Height u32 ‖ inboxTo u64 ‖ bridge u64 ‖
//	             batchHeight u32
//
// number, root, l1Height and inboxTo are the last settled batch's (0, the genesis
// root, the registration height and 0 before any batch); bridge is the sats the chain
// holds for its L2 (credited deposits and answered chain fees, less withdrawals and
// exits); batchHeight is the Bitcoin height the last batch settled at (the
// registration height before any batch), from which EscapeBlocks and FreezeBlocks
// count.
type Settlement struct {
	Number      uint64
	Root        [32]byte
	L1Height    uint32
	InboxTo     uint64
	Bridge      uint64
	BatchHeight uint32
}

// settlementLen is the encoded length of a Settlement.
const settlementLen = 8 + 32 + 4 + 8 + 8 + 4

// MarshalBinary encodes the settlement state.
func (s Settlement) MarshalBinary() ([]byte, error) {
	w := writer{b: make([]byte, 0, settlementLen)}
	w.u64(s.Number)
	w.b32(s.Root)
	w.u32(s.L1Height)
	w.u64(s.InboxTo)
	w.u64(s.Bridge)
	w.u32(s.BatchHeight)
	return w.b, nil
}

// UnmarshalBinary decodes a settlement state strictly.
func (s *Settlement) UnmarshalBinary(b []byte) error {
	r := reader{b: b, what: "settlement"}
	s.Number = r.u64()
	s.Root = r.b32()
	s.L1Height = r.u32()
	s.InboxTo = r.u64()
	s.Bridge = r.u64()
	s.BatchHeight = r.u32()
	return r.done()
}

// ExitRecord is a paid Exit (rule S-24), stored once per (chain, account index):
//
//	exit = recipient [32] ‖ amount u64 ‖ height u32
type ExitRecord struct {
	Recipient [32]byte
	Amount    uint64
	Height    uint32
}

// MarshalBinary encodes the exit record.
func (e ExitRecord) MarshalBinary() ([]byte, error) {
	w := writer{b: make([]byte, 0, 44)}
	w.b32(e.Recipient)
	w.u64(e.Amount)
	w.u32(e.Height)
	return w.b, nil
}

// UnmarshalBinary decodes an exit record strictly.
func (e *ExitRecord) UnmarshalBinary(b []byte) error {
	r := reader{b: b, what: "exit"}
	e.Recipient = r.b32()
	e.Amount = r.u64()
	e.Height = r.u32()
	return r.done()
}
