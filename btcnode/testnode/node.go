package testnode

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"

	"github.com/bitai-l2/bitai/btcnode"
)

const (
	// readyTimeout bounds btcd's start until its RPC answers.
	readyTimeout = 30 * time.Second
	// stopGrace is how long btcd gets after SIGTERM before SIGKILL. The regtest
	// chain is wiped on every start anyway, so a clean shutdown buys nothing.
	stopGrace = 500 * time.Millisecond
	// startTries covers the race between picking a free port and btcd binding it.
	startTries = 3
	// logTail is how many bytes of btcd's log a failed start prints.
	logTail = 4000
)

// Params are the chain parameters every test node runs with.
var Params = &chaincfg.RegressionNetParams

// Node is one btcd regtest process owned by a test: loopback only, free ports, temp
// datadir, killed by PID in t.Cleanup. Its coinbases pay a BIP86 key-path address of
// its own key, which funds Fund.
type Node struct {
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the process has been waited for
	dir     string
	rpcAddr string
	p2pAddr string
	client  *btcnode.Client
	timeout time.Duration

	key      *btcec.PrivateKey
	pkScript []byte
	nonce    atomic.Uint64 // coinbase extra nonce for MineBlockOn

	wallet wallet
}

// Option tunes Start.
type Option func(*options)

type options struct {
	args    []string
	key     *btcec.PrivateKey
	timeout time.Duration
}

// WithArgs adds btcd flags (e.g. "--txindex").
func WithArgs(args ...string) Option {
	return func(o *options) { o.args = append(o.args, args...) }
}

// WithKey sets the node's key (its coinbases and Fund change pay BIP86 P2TR of it).
// By default each node of a test process gets its own fixed key.
func WithKey(k *btcec.PrivateKey) Option { return func(o *options) { o.key = k } }

// WithTimeout sets the client's per-call timeout (default 10 s).
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// nodeCount numbers nodes in this test process (for their default keys).
var nodeCount atomic.Uint64

// Start launches btcd on regtest and waits until its RPC answers. It skips the test
// under -short. On failure it prints the tail of btcd's log and fails the test.
func Start(t testing.TB, opts ...Option) *Node {
	t.Helper()
	if testing.Short() {
		t.Skip("real btcd: skipped with -short")
	}
	o := options{timeout: 10 * time.Second}
	for _, f := range opts {
		f(&o)
	}
	if o.key == nil {
		o.key = DefaultKey(nodeCount.Add(1))
	}
	bin, err := Binary()
	require.NoError(t, err)

	n := &Node{key: o.key, pkScript: P2TR(o.key.PubKey()), timeout: o.timeout}
	n.wallet.spent = make(map[wire.OutPoint]bool)
	var lastErr error
	for try := 0; try < startTries; try++ {
		n.dir = t.TempDir()
		if lastErr = n.start(t, bin, o.args); lastErr == nil {
			return n
		}
		t.Logf("btcd start %d failed: %v\n--- btcd log tail ---\n%s", try+1, lastErr, n.logTail())
		if !errors.Is(lastErr, errAddrInUse) {
			break
		}
	}
	t.Fatalf("btcd did not start: %v", lastErr)
	return nil
}

var errAddrInUse = errors.New("address in use")

// start runs one attempt: exec btcd, register its cleanup, wait for RPC.
func (n *Node) start(t testing.TB, bin string, extra []string) error {
	rpcPort, p2pPort, err := freePorts()
	if err != nil {
		return err
	}
	n.rpcAddr = fmt.Sprintf("127.0.0.1:%d", rpcPort)
	n.p2pAddr = fmt.Sprintf("127.0.0.1:%d", p2pPort)
	var secret [16]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return err
	}
	user, pass := "testnode", hex.EncodeToString(secret[:])
	addr, err := address.NewAddressTaproot(n.pkScript[2:], Params)
	if err != nil {
		return err
	}
	args := append([]string{
		"--regtest",
		"--datadir=" + filepath.Join(n.dir, "data"),
		"--logdir=" + filepath.Join(n.dir, "logs"),
		"--configfile=/dev/null",
		"--rpcuser=" + user, "--rpcpass=" + pass,
		"--rpclisten=" + n.rpcAddr, "--listen=" + n.p2pAddr,
		"--notls", "--nodnsseed", "--nobanning",
		"--rejectnonstd", "--norelaypriority", "--limitfreerelay=0", "--blockprioritysize=0",
		"--utxocachemaxsize=16", "--trickleinterval=50ms",
		"--miningaddr=" + addr.EncodeAddress(),
	}, extra...)
	out, err := os.Create(filepath.Join(n.dir, "btcd.out"))
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr, cmd.Dir = out, out, n.dir
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("exec btcd: %w", err)
	}
	n.cmd, n.exited = cmd, make(chan struct{})
	go func() {
		cmd.Wait()
		out.Close()
		close(n.exited)
	}()
	t.Cleanup(n.stop)

	n.client, err = btcnode.New(btcnode.Config{Host: n.rpcAddr, User: user, Pass: pass, Timeout: n.timeout})
	if err != nil {
		return err
	}
	return n.waitReady()
}

// waitReady polls getblockcount until btcd answers or exits.
func (n *Node) waitReady() error {
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-n.exited:
			if bytes.Contains([]byte(n.logTail()), []byte("address already in use")) {
				return fmt.Errorf("btcd exited: %w", errAddrInUse)
			}
			return fmt.Errorf("btcd exited early: %v", n.cmd.ProcessState)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := n.client.BlockCount(ctx)
		cancel()
		if err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("btcd RPC not ready after %v", readyTimeout)
}

// stop ends the process by PID: SIGCONT (in case it is paused), SIGTERM, SIGKILL
// after stopGrace, then waits for it.
func (n *Node) stop() {
	p := n.cmd.Process
	select {
	case <-n.exited:
		return
	default:
	}
	_ = p.Signal(syscall.SIGCONT)
	_ = p.Signal(syscall.SIGTERM)
	select {
	case <-n.exited:
		return
	case <-time.After(stopGrace):
	}
	_ = p.Kill()
	<-n.exited
}

// logTail returns the end of btcd's output.
func (n *Node) logTail() string {
	b, err := os.ReadFile(filepath.Join(n.dir, "btcd.out"))
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	if len(b) > logTail {
		b = b[len(b)-logTail:]
	}
	return string(b)
}

// LogTail returns the last few KB of btcd's log, for failure messages.
func (n *Node) LogTail() string { return n.logTail() }

// Client returns the node's RPC client.
func (n *Node) Client() *btcnode.Client { return n.client }

// RPCAddr returns "127.0.0.1:port" of the RPC listener.
func (n *Node) RPCAddr() string { return n.rpcAddr }

// P2PAddr returns "127.0.0.1:port" of the P2P listener.
func (n *Node) P2PAddr() string { return n.p2pAddr }

// PID returns btcd's process id.
func (n *Node) PID() int { return n.cmd.Process.Pid }

// Key returns the node's key (its coinbases pay P2TR of it).
func (n *Node) Key() *btcec.PrivateKey { return n.key }

// PkScript returns the node's BIP86 P2TR output script.
func (n *Node) PkScript() []byte { return n.pkScript }

// Pause stops btcd with SIGSTOP and waits until all its threads are stopped: its
// sockets stay open (the kernel still accepts connections) but nothing answers, like
// a hung node. Resume continues it.
func (n *Node) Pause(t testing.TB) {
	t.Helper()
	require.NoError(t, n.cmd.Process.Signal(syscall.SIGSTOP))
	require.NoError(t, waitStopped(n.PID()))
}

// Resume continues a paused btcd (SIGCONT).
func (n *Node) Resume(t testing.TB) {
	t.Helper()
	require.NoError(t, n.cmd.Process.Signal(syscall.SIGCONT))
}

// ctx returns a context bounded by the client timeout, for helper calls.
func (n *Node) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), n.timeout)
}

// DefaultKey returns the fixed test key number i (sha256 of a label and i).
func DefaultKey(i uint64) *btcec.PrivateKey {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], i)
	seed := sha256.Sum256(append([]byte("bitai/testnode/key"), b[:]...))
	k, _ := btcec.PrivKeyFromBytes(seed[:])
	return k
}

// P2TR returns the BIP86 key-path P2TR script (OP_1 <32-byte tweaked key>) of pub.
func P2TR(pub *btcec.PublicKey) []byte {
	out := txscript.ComputeTaprootKeyNoScript(pub)
	s, err := txscript.PayToTaprootScript(out)
	if err != nil {
		panic(err) // only fails for a nil key
	}
	return s
}

// XOnly returns the 32-byte x-only serialization of pub.
func XOnly(pub *btcec.PublicKey) []byte { return schnorr.SerializePubKey(pub) }

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// Binary returns the path of the pinned btcd, from `go tool -n btcd` (run once per
// test process). Tests exec that path directly: killing a `go tool` wrapper would
// orphan btcd.
func Binary() (string, error) {
	binOnce.Do(func() {
		out, err := exec.Command("go", "tool", "-n", "btcd").Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				err = fmt.Errorf("%w: %s", err, ee.Stderr)
			}
			binErr = fmt.Errorf("go tool -n btcd: %w", err)
			return
		}
		binPath = strings.TrimSpace(string(out))
	})
	return binPath, binErr
}

// freePorts returns two distinct free loopback TCP ports.
func freePorts() (int, int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range 2 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, 0, err
		}
		ls = append(ls, l)
	}
	return ls[0].Addr().(*net.TCPAddr).Port, ls[1].Addr().(*net.TCPAddr).Port, nil
}
