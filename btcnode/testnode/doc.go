// Package testnode runs real btcd (regtest) for tests: the binary from
// `go tool -n btcd` (pinned with go get -tool; resolved once per test process and
// exec'd directly, since killing a `go tool` wrapper orphans btcd), loopback only,
// free ports, a temp --datadir/--logdir, --configfile=/dev/null and mainnet-like
// policy: --rejectnonstd --norelaypriority --blockprioritysize=0, plus
// --limitfreerelay=0, without which btcd still relays zero-fee txs up to 15 kB/min
// through its rate limiter (mempool.go checkFees) even with --norelaypriority.
// --nobanning and --trickleinterval=50ms keep multi-node tests quick. Each node is
// killed by PID in t.Cleanup (SIGCONT, SIGTERM, SIGKILL after a short grace, wait),
// and on Linux also by the kernel if the test process dies first. Start skips the
// test under -short.
//
// A node mines to the BIP86 P2TR address of its own key; Fund spends those
// coinbases (mining 110 blocks the first time on an empty chain). MineBlockOn builds
// blocks with exactly the chosen txs on any parent, so tests build competing branches
// and leave txs out; Pause/Resume (SIGSTOP/SIGCONT) simulate a hung node (a regtest
// restart would wipe the chain); ConnectTo/Disconnect join and split nodes for
// P2P reorgs.
//
// MineBlockOn follows btcd's integration/rpctest.CreateBlock, whose gotchas are:
//   - Sibling blocks collide: CreateBlock's coinbase is <height> <extraNonce 0>, so
//     two blocks with the same txs on the same parent are the same block (submitblock
//     then says "already have block"). MineBlockOn adds a per-node counter.
//   - The timestamp defaults to parent + 1 s, which can be at or below the median
//     time past when ancestors' clocks went backwards; MineBlockOn uses one second
//     past max(parent time, MTP of 11 blocks).
//   - The coinbase pays only the subsidy: fees of the included txs are burned (valid,
//     since a coinbase may claim less).
//   - The witness commitment is added only if some tx has a witness; it must be
//     added before the merkle root is computed, and it sets the coinbase witness.
//   - Bits = PowLimitBits only works where the chain never retargets (regtest;
//     simnet retargets and ReduceMinDifficulty is not modelled).
//   - The block version must be ≥ 4 (BIP65 is active from height 1 on regtest).
//   - Txs are not reordered: a tx must follow any tx of the same block it spends.
//   - submitblock reports a refusal as a string result ("rejected: ..."), not as an
//     RPC error (btcnode maps it to ErrBlockRejected), and btcd silently accepts a
//     block whose parent it does not know as an orphan.
//   - solveBlock starts one goroutine per CPU; on regtest about two nonces suffice, so
//     MineBlockOn solves in a plain loop.
//
// Other btcd facts tests must expect (DESIGN.md §8, research/spike-btcd.md):
// btcd creates ~/.btcd on every start regardless of --datadir (user.Current() beats
// $HOME); gettxout ignores mempool spends (Fund keeps its own spent set); txs relay
// between peers by trickle (50 ms with these flags), blocks at once; a reorg delivered
// by a peer can leave btcd's mempool wrong, so decide confirmation from blocks;
// invalidateblock returns the disconnected txs to the mempool and generate re-mines
// them.
package testnode
