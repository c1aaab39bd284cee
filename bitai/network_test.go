package bitai

import (
	"crypto/sha256"
	"encoding/binary"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/stretchr/testify/require"
)

func TestNetworks(t *testing.T) {
	cases := []struct {
		name      string
		magic     uint32
		activated bool
		height    uint32
		seed      string
	}{
		{"mainnet", 0xd9b4bef9, false, 0, ""},
		{"testnet4", 0x283f161c, false, 0, ""},
		{"signet", 0x40cf030a, false, 0, ""},
		{"simnet", 0x12141c16, true, 300, "bitai simnet faucet"},
		{"regtest", 0xdab5bffa, true, 1, "bitai regtest faucet"},
	}
	require.Equal(t, []string{"mainnet", "testnet4", "signet", "simnet", "regtest"}, NetworkNames())
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := mustDeployment(t, c.name)
			require.NoError(t, d.Validate())
			require.Equal(t, c.name, d.Network.Name)
			require.Equal(t, c.magic, uint32(d.Network.Net))
			require.Equal(t, d.Network.Net, d.Network.Params.Net)
			require.Equal(t, ProtocolVersion, d.ProtocolVersion)
			require.Equal(t, c.activated, d.Activated)
			require.Equal(t, c.height, d.ActivationHeight)
			require.Equal(t, DefaultChainBounds(), d.Bounds)
			byNet, err := DeploymentForNet(wire.BitcoinNet(c.magic))
			require.NoError(t, err)
			require.Equal(t, d, byNet)
			if !c.activated {
				require.ErrorIs(t, d.RequireActivated(), ErrNotActivated)
				require.Empty(t, d.Allocations)
				require.Empty(t, d.KnownCircuits)
				return
			}
			require.NoError(t, d.RequireActivated())
			// The faucet key is SHA256(seed), computed here independently.
			k := sha256.Sum256([]byte(c.seed))
			priv := FaucetKey(c.seed)
			require.Equal(t, k[:], priv.Serialize())
			require.Equal(t, []Allocation{{Key: [32]byte(schnorr.SerializePubKey(priv.PubKey())),
				Amount: 100_000_000_000_000}}, d.Allocations)
			tc := CircuitID([]byte("bitai-test-circuit-v0"))
			require.Equal(t, []CircuitActivation{{ID: tc, Height: c.height}}, d.KnownCircuits)
			require.True(t, d.CircuitActive(tc, c.height))
			require.False(t, d.CircuitActive(tc, c.height-1))
			require.False(t, d.CircuitActive(testID(1), c.height))
		})
	}
	_, err := DeploymentFor("testnet3")
	require.ErrorIs(t, err, ErrUnknownNetwork)
	_, err = DeploymentForNet(wire.TestNet3)
	require.ErrorIs(t, err, ErrUnknownNetwork)
}

func TestDeploymentForReturnsCopies(t *testing.T) {
	d := mustDeployment(t, "regtest")
	id := d.ID()
	d.Allocations[0].Amount = 1
	d.KnownCircuits[0].Height = 99
	d.ActivationHeight = 7
	again := mustDeployment(t, "regtest")
	require.Equal(t, id, again.ID())
	require.Equal(t, uint64(FaucetAmount), again.Allocations[0].Amount)
	require.Equal(t, uint32(1), again.KnownCircuits[0].Height)
}

// TestDeploymentID recomputes rule N-3 and N-4 byte by byte.
func TestDeploymentID(t *testing.T) {
	seen := map[[32]byte]string{}
	for _, name := range NetworkNames() {
		d := mustDeployment(t, name)
		alloc := binary.BigEndian.AppendUint32(nil, uint32(len(d.Allocations)))
		for _, a := range d.Allocations {
			alloc = append(alloc, a.Key[:]...)
			alloc = binary.BigEndian.AppendUint64(alloc, a.Amount)
		}
		ah := refTaggedHash("BitAI/alloc", alloc)
		m := uint32(d.Network.Net)
		pre := []byte{2, byte(m), byte(m >> 8), byte(m >> 16), byte(m >> 24)} // ProtocolVersion 2
		pre = binary.BigEndian.AppendUint32(pre, d.ActivationHeight)
		want := refTaggedHash("BitAI/deployment", pre, ah[:])
		require.Equal(t, want, d.ID(), name)
		require.NotContains(t, seen, want, "%s repeats %s's id", name, seen[want])
		seen[want] = name
	}
	// The regtest magic goes on the wire as fa bf b5 da.
	d := mustDeployment(t, "regtest")
	ah, err := AllocHash(d.Allocations)
	require.NoError(t, err)
	require.Equal(t, refTaggedHash("BitAI/deployment",
		[]byte{2, 0xfa, 0xbf, 0xb5, 0xda, 0, 0, 0, 1}, ah[:]), d.ID()) // ProtocolVersion 2

	// Every input of the id matters.
	for _, mutate := range []func(d *Deployment){
		func(d *Deployment) { d.ProtocolVersion = 3 },
		func(d *Deployment) { d.ActivationHeight++ },
		func(d *Deployment) { d.Allocations[0].Amount-- },
		func(d *Deployment) { d.Network = SimNet },
	} {
		d2 := d.Clone()
		mutate(d2)
		require.NotEqual(t, d.ID(), d2.ID())
	}
}

func TestAllocHash(t *testing.T) {
	a := []Allocation{{Key: testKey(3), Amount: 30}, {Key: testKey(1), Amount: 10}, {Key: testKey(2), Amount: 20}}
	h, err := AllocHash(a)
	require.NoError(t, err)
	sorted := []Allocation{a[1], a[2], a[0]}
	hs, err := AllocHash(sorted)
	require.NoError(t, err)
	require.Equal(t, h, hs, "order of the input does not matter")
	require.Equal(t, Allocation{Key: testKey(3), Amount: 30}, a[0], "input not reordered")
	empty, err := AllocHash(nil)
	require.NoError(t, err)
	require.Equal(t, refTaggedHash("BitAI/alloc", []byte{0, 0, 0, 0}), empty)

	for _, c := range []struct {
		name   string
		allocs []Allocation
	}{
		{"duplicate key", []Allocation{{Key: testKey(1), Amount: 1}, {Key: testKey(2), Amount: 1}, {Key: testKey(1), Amount: 2}}},
		{"zero amount", []Allocation{{Key: testKey(1), Amount: 0}}},
		{"total overflows", []Allocation{{Key: testKey(1), Amount: 1 << 63}, {Key: testKey(2), Amount: 1 << 63}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := AllocHash(c.allocs)
			require.ErrorIs(t, err, ErrBadAllocation)
			d := &Deployment{Allocations: c.allocs, Bounds: DefaultChainBounds()}
			require.ErrorIs(t, d.Validate(), ErrBadAllocation)
			_, err = d.ComputeID()
			require.ErrorIs(t, err, ErrBadAllocation)
			require.Panics(t, func() { d.ID() })
		})
	}
	d := &Deployment{KnownCircuits: []CircuitActivation{{ID: ID{1}}}, Bounds: DefaultChainBounds()}
	require.ErrorIs(t, d.Validate(), ErrBadObjectID)
}
