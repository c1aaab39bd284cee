package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/bitai-l2/bitai/indexer"
)

func newStateCmd(g *globalFlags) *cobra.Command {
	state := &cobra.Command{
		Use:   "state",
		Short: "Query the BitAI state index in --datadir (beside a running 'bitai index' too)",
		Long: `Query the index that 'bitai index' builds in --datadir. When 'bitai index' is running
(it holds the database), the query goes to its socket <datadir>/index.sock; otherwise the
database is opened directly. Both give the same answers.`,
	}
	state.AddCommand(
		&cobra.Command{
			Use:   "hash <height | tip>",
			Short: "Print the state hash after the block at a height",
			Args:  stateOneArg("a height, or tip"),
			RunE: func(cmd *cobra.Command, args []string) error {
				return stateHash(cmd, g, args[0])
			},
		},
		&cobra.Command{
			Use:   "dump",
			Short: "Print every key and value of the state namespace, in key order, and the tip it belongs to",
			Long: `Print every key and value of the state namespace (hex, one "key value" line each, in key
order), then "# height <h> block <hash> state_hash <hash> keys <n>". Two indexers agree
exactly when their dumps (and state hashes) are equal. With --json: one {"k","v"} object
per line, then {"tip": ..., "keys": n}.`,
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				return stateDump(cmd, g)
			},
		},
		&cobra.Command{
			Use:   "tx <bitai-txid>",
			Short: "Print every inclusion of a BitAI tx: applied, failed or skipped, with reasons",
			Args:  stateOneArg("a BitAI txid (64 hex characters)"),
			RunE: func(cmd *cobra.Command, args []string) error {
				txid, err := indexer.ParseHash32(args[0])
				if err != nil {
					return usageError{fmt.Errorf("txid: %w", err)}
				}
				return stateQuery(cmd, g, func(api indexer.API) (any, error) { return api.Tx(cmd.Context(), txid) })
			},
		},
		&cobra.Command{
			Use:   "account <x-only key>",
			Short: "Print an account's balance and next nonce",
			Args:  stateOneArg("an x-only key (64 hex characters)"),
			RunE: func(cmd *cobra.Command, args []string) error {
				key, err := indexer.ParseHash32(args[0])
				if err != nil {
					return usageError{fmt.Errorf("key: %w", err)}
				}
				return stateQuery(cmd, g, func(api indexer.API) (any, error) { return api.Account(cmd.Context(), key) })
			},
		},
	)
	return state
}

func stateOneArg(what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != 1 {
			return usageError{fmt.Errorf("expected one argument: %s", what)}
		}
		return nil
	}
}

// stateHash prints the state hash at a height ("tip": the committed tip).
func stateHash(cmd *cobra.Command, g *globalFlags, arg string) error {
	api, err := indexer.OpenAPI(cmd.Context(), g.DataDir)
	if err != nil {
		return err
	}
	defer api.Close()
	var info indexer.StateHashInfo
	if arg == "tip" {
		tip, err := api.Tip(cmd.Context())
		if err != nil {
			return err
		}
		info = indexer.StateHashInfo{Height: tip.Height, BlockHash: tip.Hash, StateHash: tip.StateHash}
	} else {
		h, err := strconv.ParseUint(arg, 10, 32)
		if err != nil {
			return usageError{fmt.Errorf("height %q: %w", arg, err)}
		}
		if info, err = api.StateHash(cmd.Context(), uint32(h)); err != nil {
			if errors.Is(err, indexer.ErrNotFound) {
				if tip, terr := api.Tip(cmd.Context()); terr == nil {
					return fmt.Errorf("%w (the index holds heights %d to %d)", err, tip.ActivationHeight, tip.Height)
				}
			}
			return err
		}
	}
	out := cmd.OutOrStdout()
	if g.JSON {
		return json.NewEncoder(out).Encode(info)
	}
	_, err = fmt.Fprintf(out, "%s\n# height %d block %s\n", info.StateHash, info.Height, info.BlockHash)
	return err
}

// stateDump streams the state namespace.
func stateDump(cmd *cobra.Command, g *globalFlags) error {
	api, err := indexer.OpenAPI(cmd.Context(), g.DataDir)
	if err != nil {
		return err
	}
	defer api.Close()
	w := bufio.NewWriterSize(cmd.OutOrStdout(), 64<<10)
	enc := json.NewEncoder(w)
	var n int64
	tip, err := api.Dump(cmd.Context(), func(k, v []byte) error {
		n++
		if g.JSON {
			return enc.Encode(struct {
				K string `json:"k"`
				V string `json:"v"`
			}{hex.EncodeToString(k), hex.EncodeToString(v)})
		}
		_, err := fmt.Fprintf(w, "%x %x\n", k, v)
		return err
	})
	if err != nil {
		_ = w.Flush()
		return fmt.Errorf("state dump (incomplete output above): %w", err)
	}
	if g.JSON {
		err = enc.Encode(struct {
			Tip  indexer.Tip `json:"tip"`
			Keys int64       `json:"keys"`
		}{tip, n})
	} else {
		_, err = fmt.Fprintf(w, "# height %d block %s state_hash %s keys %d\n", tip.Height, tip.Hash, tip.StateHash, n)
	}
	return errors.Join(err, w.Flush())
}

// stateQuery prints one query's result as indented JSON.
func stateQuery(cmd *cobra.Command, g *globalFlags, q func(indexer.API) (any, error)) error {
	api, err := indexer.OpenAPI(cmd.Context(), g.DataDir)
	if err != nil {
		return err
	}
	defer api.Close()
	res, err := q(api)
	if err != nil {
		return err
	}
	return stateWriteJSON(cmd.OutOrStdout(), res)
}

func stateWriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
