package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/spf13/cobra"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/btcnode"
	"github.com/bitai-l2/bitai/inscriber"
	"github.com/bitai-l2/bitai/inscriber/fees"
	"github.com/bitai-l2/bitai/inscriber/wallet"
	"github.com/bitai-l2/bitai/store"
)

// inscribeFlags are `bitai inscribe`'s own flags.
type inscribeFlags struct {
	File        string
	Encoding    string
	Depth       int32
	FeeFloor    int64
	FeeCap      int64
	Deadline    int32
	StartHeight int32
	Chain       int
}

func newInscribeCmd(g *globalFlags) *cobra.Command {
	f := &inscribeFlags{}
	cmd := &cobra.Command{
		Use:   "inscribe --file F|-",
		Short: "Inscribe a payload into Bitcoin and wait until it is confirmed at --depth",
		Long: `Inscribe a BitAI payload: the file holds its encoded bytes E (a raw envelope body
without its kind byte, as bitai.EncodePayload writes it; --encoding br when E is brotli),
"-" reads standard input. The payload is stored in <datadir>/inscriber and driven in the
foreground through commit, reveal, fee bumps (RBF towards --fee-cap as the deadline
nears) and reorgs until it is confirmed at --depth; payloads too large for one reveal are
chunked. Interrupting loses nothing: running the same command again resumes (the same
bytes are never inscribed twice), and so does any later inscribe on the datadir. While
an inscriber runs on the datadir, inscribe hands the payload to it over
<datadir>/inscriber.sock and waits. Fund the wallet first: bitai wallet address.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runInscribe(cmd, g, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.File, "file", "", `payload file (E), or "-" for standard input (required)`)
	fl.StringVar(&f.Encoding, "encoding", "", `encoding of E: "" (plain) or "br" (brotli)`)
	fl.Int32Var(&f.Depth, "depth", 6, "confirmations to wait for (a reporting level: a deeper reorg still re-inscribes)")
	fl.Int64Var(&f.FeeFloor, "fee-floor", 1, "least fee rate, sat/vB (the node's estimate is clamped to [floor, cap])")
	fl.Int64Var(&f.FeeCap, "fee-cap", inscriber.DefaultFeeCap, "highest fee rate, sat/vB; commits are funded for reveals at this rate")
	fl.Int32Var(&f.Deadline, "deadline", inscriber.DefaultDeadlineBlocks, "blocks until the fee rate reaches the cap, for payloads without tx expiry")
	fl.Int32Var(&f.StartHeight, "start-height", 0, "first run only: the wallet birthday, blocks above it are scanned for coins (0: the node's tip)")
	fl.IntVar(&f.Chain, "chain", 0, "whole payloads per chained stream for payloads enqueued together (0: independent pairs)")
	return cmd
}

func runInscribe(cmd *cobra.Command, g *globalFlags, f *inscribeFlags) error {
	if f.File == "" {
		return usageError{errors.New("inscribe: --file is required (\"-\" reads standard input)")}
	}
	if f.Encoding != "" && f.Encoding != bitai.EncodingBrotli {
		return usageError{fmt.Errorf("inscribe: --encoding %q: want \"\" or %q", f.Encoding, bitai.EncodingBrotli)}
	}
	if f.Depth < 1 {
		return usageError{fmt.Errorf("inscribe: --depth %d: at least 1", f.Depth)}
	}
	e, err := readPayloadFile(f.File, cmd.InOrStdin())
	if err != nil {
		return err
	}
	if len(e) == 0 {
		return inscriber.ErrEmptyPayload
	}
	log, err := g.logger(cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	params, err := networkParams(g)
	if err != nil {
		return err
	}
	keys, err := inscriberKeys(g.DataDir, params)
	if err != nil {
		return err
	}
	for {
		db, running, err := openInscriberDB(g.DataDir)
		if err != nil {
			return err
		}
		if !running {
			defer db.Close()
			return inscribeHere(cmd, g, f, e, db, keys, params, log)
		}
		log.Info("an inscriber runs on this datadir; handing the payload to it", "socket", filepath.Join(g.DataDir, inscriber.SocketName))
		err = inscribeViaSocket(cmd, g, f, e)
		if !errors.Is(err, errSocketGone) {
			return err
		}
		log.Info("the running inscriber stopped; carrying on here")
	}
}

// inscribeHere runs the inscriber over db in the foreground until the payload is
// confirmed at the depth, serving the socket meanwhile.
func inscribeHere(cmd *cobra.Command, g *globalFlags, f *inscribeFlags, e []byte, db *store.DB, keys *wallet.Keys,
	params *chaincfg.Params, log *slog.Logger) error {
	client, err := inscriberNodeClient(g)
	if err != nil {
		return err
	}
	wal, err := wallet.New(keys, wallet.DefaultLookahead)
	if err != nil {
		return err
	}
	cfg := inscriber.Config{
		DB: db, Keys: keys, Wallet: wal, Node: client,
		Fees:   fees.NodeFeeSource{Client: client, Floor: f.FeeFloor, Cap: f.FeeCap},
		FeeCap: f.FeeCap, DeadlineBlocks: f.Deadline, StartHeight: f.StartHeight, Chain: f.Chain, Logger: log,
	}
	if client.Backend() == btcnode.BackendBtcd {
		cfg.Notifier = client
	}
	in, err := inscriber.New(cfg)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	if err := in.Start(ctx); err != nil {
		return err
	}
	defer stopInscriber(in, log)
	sock, err := inscriber.ServeSocket(g.DataDir, &inscriber.Local{In: in, Wal: wal, Params: params}, log)
	if err != nil {
		return err
	}
	defer sock.Close(context.Background())

	log.Info("catching up with the node")
	if err := in.WaitSynced(ctx); err != nil {
		return interrupted(err)
	}
	info, err := in.Enqueue(ctx, e, f.Encoding, inscriber.EnqueueOptions{})
	if err != nil {
		return err
	}
	logEnqueued(log, info)
	info, err = in.Wait(ctx, info.ID, f.Depth)
	if err != nil {
		return interrupted(err)
	}
	return printPayload(cmd.OutOrStdout(), g, info)
}

// inscribeViaSocket hands the payload to the running inscriber and polls it until
// the payload reaches the depth.
func inscribeViaSocket(cmd *cobra.Command, g *globalFlags, f *inscribeFlags, e []byte) error {
	ctx := cmd.Context()
	c := inscriber.NewSocketClient(g.DataDir)
	info, err := c.Enqueue(ctx, e, f.Encoding)
	if err != nil {
		return socketErr(ctx, err)
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		if info.State == "confirmed" && info.Depth >= f.Depth {
			return printPayload(cmd.OutOrStdout(), g, info)
		}
		if info.State == "abandoned" || info.State == "swept" {
			return fmt.Errorf("payload %d was abandoned: %s", info.ID, info.Note)
		}
		select {
		case <-ctx.Done():
			return interrupted(ctx.Err())
		case <-tick.C:
		}
		if info, err = c.Payload(ctx, info.ID); err != nil {
			return socketErr(ctx, err)
		}
	}
}

// errSocketGone: the running inscriber went away (its payloads are stored; the
// command carries on by running the inscriber itself).
var errSocketGone = errors.New("the running inscriber went away")

// socketErr tells a transport failure (the server is gone) from the server's answer.
func socketErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return interrupted(ctx.Err())
	}
	if errors.Is(err, inscriber.ErrSocket) || errors.Is(err, inscriber.ErrUnknownPayload) {
		return err
	}
	return fmt.Errorf("%w: %w", errSocketGone, err)
}

func stopInscriber(in *inscriber.Inscriber, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := in.Stop(ctx); err != nil {
		log.Warn("inscriber did not stop cleanly", "err", err)
	}
}

// interrupted turns a cancelled wait into a message that says how to go on.
func interrupted(err error) error {
	if errors.Is(err, context.Canceled) {
		return errors.New("interrupted; the payload is stored: run the same command again to resume")
	}
	return err
}

func logEnqueued(log *slog.Logger, info inscriber.PayloadInfo) {
	if info.Existing {
		log.Info("payload already stored; resuming", "payload", info.ID, "state", info.State)
		return
	}
	log.Info("payload stored", "payload", info.ID, "bytes", info.Size, "deadline", info.Deadline)
}

// readPayloadFile reads the payload (at most one byte over MaxPayloadBytes, so an
// oversized one is refused by Enqueue with a clear error rather than read whole).
func readPayloadFile(name string, stdin io.Reader) ([]byte, error) {
	r := stdin
	if name != "-" {
		fh, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("payload file: %w", err)
		}
		defer fh.Close()
		r = fh
	}
	e, err := io.ReadAll(io.LimitReader(r, bitai.MaxPayloadBytes+1))
	if err != nil {
		return nil, fmt.Errorf("payload file: %w", err)
	}
	if len(e) > bitai.MaxPayloadBytes {
		return nil, fmt.Errorf("%w: more than MaxPayloadBytes = %d bytes", inscriber.ErrPayloadTooLarge, bitai.MaxPayloadBytes)
	}
	return e, nil
}

func newInscriberCmd(g *globalFlags) *cobra.Command {
	root := &cobra.Command{Use: "inscriber", Short: "Inspect the inscriber's payloads"}
	var id string
	status := &cobra.Command{
		Use:   "status",
		Short: "Print every payload: state, depth, txids and fees (asks a running inscriber over its socket)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			api, err := openInscriberAPI(g, false)
			if err != nil {
				return err
			}
			defer api.close()
			ctx := cmd.Context()
			if id != "" {
				n, err := strconv.ParseUint(id, 10, 64)
				if err != nil {
					return usageError{fmt.Errorf("--id %q: %w", id, err)}
				}
				info, err := api.Payload(ctx, n)
				if err != nil {
					return err
				}
				return printPayload(cmd.OutOrStdout(), g, info)
			}
			rep, err := api.Status(ctx)
			if err != nil {
				return err
			}
			if g.JSON {
				return writeJSON(cmd.OutOrStdout(), rep)
			}
			return printReport(cmd.OutOrStdout(), rep, api.local)
		},
	}
	status.Flags().StringVar(&id, "id", "", "print only this payload")
	root.AddCommand(status)
	return root
}

func printReport(w io.Writer, rep *inscriber.Report, stopped bool) error {
	p := &printer{w: w}
	p.f("tip %d %s", rep.TipHeight, rep.TipHash)
	if stopped {
		p.f("  (no inscriber running; as of its last run)")
	}
	p.f("\n")
	if rep.Error != "" {
		p.f("error: %s\n", rep.Error)
	}
	if p.err != nil {
		return p.err
	}
	for _, info := range rep.Payloads {
		if err := writePayloadText(w, info); err != nil {
			return err
		}
	}
	if len(rep.Payloads) == 0 {
		_, err := fmt.Fprintln(w, "no payloads")
		return err
	}
	return nil
}

func printPayload(w io.Writer, g *globalFlags, info inscriber.PayloadInfo) error {
	if g.JSON {
		return writeJSON(w, info)
	}
	return writePayloadText(w, info)
}

func writePayloadText(w io.Writer, info inscriber.PayloadInfo) error {
	p := &printer{w: w}
	state := info.State
	if info.Depth > 0 {
		state = fmt.Sprintf("%s at %d (depth %d)", state, info.Height, info.Depth)
	}
	p.f("payload %d  %s  %d bytes", info.ID, state, info.Size)
	if info.Batch != 0 {
		p.f("  batch %d %s", info.Batch, info.Mode)
	}
	p.f("  fees %d sat\n", info.Fees)
	tx := func(role string, t inscriber.TxInfo) {
		conf := "unconfirmed"
		if t.Confirmed > 0 {
			conf = fmt.Sprintf("confirmed at %d", t.Confirmed)
		} else if !t.Sent {
			conf = "not sent"
		}
		p.f("  %-6s %s  v%d  fee %d sat  %d sat/vB  %d vB  %s\n", role, t.TxID, t.Version, t.Fee, t.Rate, t.VSize, conf)
	}
	if info.Commit != nil {
		tx("commit", *info.Commit)
	}
	for _, r := range info.Reveals {
		tx("reveal", r)
	}
	for _, s := range info.Sweeps {
		tx("sweep", s)
	}
	for _, d := range info.Duplicates {
		p.f("  duplicate (an earlier version also confirmed; harmless) %s\n", d)
	}
	if info.Note != "" {
		p.f("  note: %s\n", info.Note)
	}
	return p.err
}
