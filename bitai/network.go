package bitai

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"slices"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// Error kinds of networks and deployments.
const (
	// ErrUnknownNetwork: a network name bitai has no deployment for.
	ErrUnknownNetwork = ErrorKind("ErrUnknownNetwork")
	// ErrBadAllocation: a genesis allocation list with a repeated key, a zero amount
	// or a total above MaxUint64 (rule N-4).
	ErrBadAllocation = ErrorKind("ErrBadAllocation")
	// ErrNotActivated: BitAI has no activation on this network (rule N-6).
	ErrNotActivated = ErrorKind("ErrNotActivated")
)

// Network is a Bitcoin network BitAI can run on (rule N-1).
type Network struct {
	Name   string           // "mainnet", "testnet4", "signet", "simnet" or "regtest"
	Net    wire.BitcoinNet  // the network magic
	Params *chaincfg.Params // btcd's chain parameters (read only)
}

// The networks of rule N-1.
var (
	MainNet  = Network{Name: "mainnet", Net: wire.MainNet, Params: &chaincfg.MainNetParams}
	TestNet4 = Network{Name: "testnet4", Net: wire.TestNet4, Params: &chaincfg.TestNet4Params}
	SigNet   = Network{Name: "signet", Net: wire.SigNet, Params: &chaincfg.SigNetParams}
	SimNet   = Network{Name: "simnet", Net: wire.SimNet, Params: &chaincfg.SimNetParams}
	RegTest  = Network{Name: "regtest", Net: wire.TestNet, Params: &chaincfg.RegressionNetParams}
)

// Allocation is a genesis balance (rule N-4): Amount sats to the x-only key Key.
type Allocation struct {
	Key    [32]byte
	Amount uint64
}

// CircuitActivation is a circuit id the deployment accepts in ChainRegister from
// Height on (rule N-10).
type CircuitActivation struct {
	ID     ID
	Height uint32
}

// Deployment is BitAI's consensus configuration on one network (rules N-2 to N-8).
type Deployment struct {
	Network          Network
	ProtocolVersion  uint8
	Activated        bool   // false: no activation exists on this network (rule N-6)
	ActivationHeight uint32 // first Bitcoin height whose BitAI payloads and burns count
	Allocations      []Allocation
	KnownCircuits    []CircuitActivation
	Bounds           ChainBounds // caps ChainRegister enforces on chain params
}

// AllocHash returns the genesis allocation hash (rule N-4):
//
//	allocHash = TaggedHash("BitAI/alloc", count u32 ‖ (key [32] ‖ amount u64)…)
//
// with entries sorted by key ascending. Repeated keys, zero amounts and totals above
// MaxUint64 are ErrBadAllocation.
func AllocHash(allocs []Allocation) ([32]byte, error) {
	sorted := slices.Clone(allocs)
	slices.SortFunc(sorted, func(a, b Allocation) int { return bytes.Compare(a.Key[:], b.Key[:]) })
	b := binary.BigEndian.AppendUint32(nil, uint32(len(sorted)))
	var total uint64
	for i, a := range sorted {
		if i > 0 && a.Key == sorted[i-1].Key {
			return [32]byte{}, ruleError(ErrBadAllocation, "allocation: key %x repeated", a.Key)
		}
		if a.Amount == 0 {
			return [32]byte{}, ruleError(ErrBadAllocation, "allocation: key %x has amount 0", a.Key)
		}
		if total+a.Amount < total {
			return [32]byte{}, ruleError(ErrBadAllocation, "allocation: total overflows uint64")
		}
		total += a.Amount
		b = append(b, a.Key[:]...)
		b = binary.BigEndian.AppendUint64(b, a.Amount)
	}
	return taggedHash(TagAlloc, b), nil
}

// ComputeID returns the deployment id (rule N-3):
//
//	deploymentID = TaggedHash("BitAI/deployment", protocolVersion u8 ‖ magic u32 LE ‖
//	                          activationHeight u32 BE ‖ allocHash [32])
//
// The magic is little-endian as on Bitcoin's wire; everything else big-endian.
func (d *Deployment) ComputeID() ([32]byte, error) {
	ah, err := AllocHash(d.Allocations)
	if err != nil {
		return [32]byte{}, err
	}
	b := []byte{d.ProtocolVersion}
	b = binary.LittleEndian.AppendUint32(b, uint32(d.Network.Net))
	b = binary.BigEndian.AppendUint32(b, d.ActivationHeight)
	b = append(b, ah[:]...)
	return taggedHash(TagDeployment, b), nil
}

// ID returns the deployment id (rule N-3). It panics on invalid allocations, which
// only a hand-built Deployment can have: check those with Validate first.
func (d *Deployment) ID() [32]byte {
	id, err := d.ComputeID()
	if err != nil {
		panic("bitai: deployment id: " + err.Error())
	}
	return id
}

// Validate checks the allocations (rule N-4), the chain bounds and that known
// circuit ids are valid 248-bit ids.
func (d *Deployment) Validate() error {
	if _, err := AllocHash(d.Allocations); err != nil {
		return err
	}
	for _, c := range d.KnownCircuits {
		if !c.ID.Valid() {
			return ruleError(ErrBadObjectID, "deployment: circuit id %s top byte not zero", c.ID)
		}
	}
	return d.Bounds.Validate()
}

// RequireActivated returns ErrNotActivated for a network without activation (rule N-6).
func (d *Deployment) RequireActivated() error {
	if !d.Activated {
		return ruleError(ErrNotActivated,
			"BitAI is not activated on %s: no activation height or genesis allocation exists", d.Network.Name)
	}
	return nil
}

// CircuitActive reports whether circuit id is known to the deployment at height.
func (d *Deployment) CircuitActive(id ID, height uint32) bool {
	for _, c := range d.KnownCircuits {
		if c.ID == id && height >= c.Height {
			return true
		}
	}
	return false
}

// Clone returns a deep copy.
func (d *Deployment) Clone() *Deployment {
	c := *d
	c.Allocations = slices.Clone(d.Allocations)
	c.KnownCircuits = slices.Clone(d.KnownCircuits)
	return &c
}

// Devnet constants (rules N-7, N-8). The faucet keys are public test keys: anyone
// can spend their allocations, which is the point on regtest and simnet.
const (
	TestCircuitDescriptor   = "bitai-test-circuit-v0"
	RegtestFaucetSeed       = "bitai regtest faucet"
	SimnetFaucetSeed        = "bitai simnet faucet"
	FaucetAmount            = 1_000_000 * 100_000_000 // 1 million BTC in sats
	RegtestActivationHeight = 1
	SimnetActivationHeight  = 300
)

// FaucetKey returns the devnet faucet private key of a seed: SHA256(seed) read as a
// secp256k1 scalar (rule N-7).
func FaucetKey(seed string) *btcec.PrivateKey {
	k := sha256.Sum256([]byte(seed))
	priv, _ := btcec.PrivKeyFromBytes(k[:])
	return priv
}

// deployments is built once at init and only copied afterwards.
var deployments = []*Deployment{
	notActivated(MainNet),
	notActivated(TestNet4),
	notActivated(SigNet),
	devnet(SimNet, SimnetActivationHeight, SimnetFaucetSeed),
	devnet(RegTest, RegtestActivationHeight, RegtestFaucetSeed),
}

func notActivated(n Network) *Deployment {
	return &Deployment{Network: n, ProtocolVersion: ProtocolVersion, Bounds: DefaultChainBounds()}
}

func devnet(n Network, height uint32, seed string) *Deployment {
	return &Deployment{
		Network:          n,
		ProtocolVersion:  ProtocolVersion,
		Activated:        true,
		ActivationHeight: height,
		Allocations:      []Allocation{{Key: XOnly(FaucetKey(seed)), Amount: FaucetAmount}},
		KnownCircuits:    []CircuitActivation{{ID: CircuitID([]byte(TestCircuitDescriptor)), Height: height}},
		Bounds:           DefaultChainBounds(),
	}
}

// NetworkNames returns the names DeploymentFor accepts, in rule N-1's order.
func NetworkNames() []string {
	names := make([]string, len(deployments))
	for i, d := range deployments {
		names[i] = d.Network.Name
	}
	return names
}

// DeploymentFor returns a copy of the named network's deployment.
func DeploymentFor(name string) (*Deployment, error) {
	for _, d := range deployments {
		if d.Network.Name == name {
			return d.Clone(), nil
		}
	}
	return nil, ruleError(ErrUnknownNetwork, "network %q: want one of %v", name, NetworkNames())
}

// DeploymentForNet returns a copy of the deployment on the network with magic net.
func DeploymentForNet(net wire.BitcoinNet) (*Deployment, error) {
	for _, d := range deployments {
		if d.Network.Net == net {
			return d.Clone(), nil
		}
	}
	return nil, ruleError(ErrUnknownNetwork, "network magic 0x%08x is not a BitAI network", uint32(net))
}
