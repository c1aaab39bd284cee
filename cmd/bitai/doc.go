// Command bitai is the one binary of the BitAI VM pipeline. It owns command-line
// parsing, flag conventions shared by every subcommand (--datadir, --network, --rpc,
// --rpcuser/--rpcpass, --rpccookie, --rpccert/--notls, --json, --log-level) and
// wiring of the packages underneath; it must never hold protocol or storage logic
// itself.
//
// Subcommands so far: version, inspect tx. Later issues add wallet, inscribe,
// inscriber status, index, state, bench and devnet.
package main
