package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/btcsuite/btcd/wire/v2"
	"github.com/spf13/cobra"

	"github.com/bitai-l2/bitai/bitai"
)

// maxInspectHex caps the hex read from an argument or stdin: a 4 MB block-sized
// transaction is 8 MB of hex, more is not a Bitcoin transaction.
const maxInspectHex = 2*4_000_000 + 2

func newInspectCmd(g *globalFlags) *cobra.Command {
	inspect := &cobra.Command{
		Use:   "inspect",
		Short: "Inspect Bitcoin data for BitAI content",
	}
	inspect.AddCommand(&cobra.Command{
		Use:   "tx <raw-hex | ->",
		Short: "Print every ord envelope of a raw transaction and decode BitAI payloads",
		Long: `Print every ord envelope of a raw transaction (input, offset, leaf version, content type,
encoding, metaprotocol, pointer, body length and sha256, ord's flags), every proof-of-burn
output, and for BitAI envelopes whether the acceptance predicate holds (and why not) and the
decoded BitAI transactions. "-" reads the hex from standard input.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{errors.New("inspect tx takes exactly one argument: raw transaction hex, or - for stdin")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := readTxHex(args[0], cmd.InOrStdin())
			if err != nil {
				return err
			}
			tx, err := decodeRawTx(raw)
			if err != nil {
				return err
			}
			dep, err := bitai.DeploymentFor(g.Network)
			if err != nil {
				return usageError{err}
			}
			rep := inspectTx(tx, dep)
			if g.JSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			return rep.writeText(cmd.OutOrStdout())
		},
	})
	return inspect
}

// readTxHex returns the hex argument, or standard input when arg is "-".
func readTxHex(arg string, stdin io.Reader) (string, error) {
	if arg != "-" {
		return arg, nil
	}
	b, err := io.ReadAll(io.LimitReader(stdin, maxInspectHex+1))
	if err != nil {
		return "", fmt.Errorf("reading stdin: %w", err)
	}
	if len(b) > maxInspectHex {
		return "", fmt.Errorf("stdin: more than %d hex characters, not a Bitcoin transaction", maxInspectHex)
	}
	return string(b), nil
}

// decodeRawTx parses hex (surrounding whitespace allowed) into a transaction and
// rejects bytes after it.
func decodeRawTx(s string) (*wire.MsgTx, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("no transaction hex given")
	}
	if len(s) > maxInspectHex {
		return nil, fmt.Errorf("%d hex characters, more than a Bitcoin transaction can have", len(s))
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("transaction hex: %w", err)
	}
	tx := new(wire.MsgTx)
	r := bytes.NewReader(b)
	if err := tx.Deserialize(r); err != nil {
		return nil, fmt.Errorf("decoding transaction (%d bytes): %w", len(b), err)
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("decoding transaction: %d bytes after the transaction", r.Len())
	}
	return tx, nil
}
