package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/bitai-l2/bitai/inscriber"
)

func newWalletCmd(g *globalFlags) *cobra.Command {
	w := &cobra.Command{
		Use:   "wallet",
		Short: "The inscriber's own BIP86 wallet (its seed is <datadir>/seed)",
		Long: `The inscriber's own BIP86 taproot wallet. The seed is created on first use as
<datadir>/seed (mode 0600); keep it safe. Coins are learned from the blocks the
inscriber follows, so balance and utxos are as of the inscriber's tip (printed). While
an inscriber runs on the datadir these commands ask it over <datadir>/inscriber.sock.`,
	}
	w.AddCommand(&cobra.Command{
		Use:   "address",
		Short: "Print a new receiving address (fund the inscriber by paying to it)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			api, err := openInscriberAPI(g, true)
			if err != nil {
				return err
			}
			defer api.close()
			addr, err := api.NewAddress(cmd.Context())
			if err != nil {
				return err
			}
			if g.JSON {
				return writeJSON(cmd.OutOrStdout(), map[string]string{"address": addr})
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), addr)
			return err
		},
	})
	w.AddCommand(&cobra.Command{
		Use:   "balance",
		Short: "Print the confirmed and unconfirmed balance in satoshis",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rep, api, err := walletReport(cmd, g)
			if err != nil {
				return err
			}
			if g.JSON {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"confirmed": rep.Confirmed, "unconfirmed": rep.Unconfirmed, "tip": api.tip})
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "confirmed %d sat\nunconfirmed %d sat\n%s", rep.Confirmed, rep.Unconfirmed, tipNote(api))
			return err
		},
	})
	w.AddCommand(&cobra.Command{
		Use:   "utxos",
		Short: "List the wallet's unspent outputs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rep, api, err := walletReport(cmd, g)
			if err != nil {
				return err
			}
			if g.JSON {
				return writeJSON(cmd.OutOrStdout(), rep.UTXOs)
			}
			out := cmd.OutOrStdout()
			for _, u := range rep.UTXOs {
				reserved := ""
				if u.Reserved != "" {
					reserved = "  reserved"
				}
				if _, err := fmt.Fprintf(out, "%s  %d sat  height %d  %s%s\n", u.OutPoint, u.Value, u.Height, u.Address, reserved); err != nil {
					return err
				}
			}
			_, err = fmt.Fprint(out, tipNote(api))
			return err
		},
	})
	return w
}

func walletReport(cmd *cobra.Command, g *globalFlags) (*inscriber.WalletReport, *inscriberAPI, error) {
	api, err := openInscriberAPI(g, true)
	if err != nil {
		return nil, nil, err
	}
	defer api.close()
	rep, err := api.Wallet(cmd.Context())
	return rep, api, err
}

// tipNote says which height a report read from a stopped inscriber's database is as
// of (a running one is current).
func tipNote(api *inscriberAPI) string {
	if !api.local {
		return ""
	}
	return fmt.Sprintf("(as of height %d, the last block the inscriber processed)\n", api.tip)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
