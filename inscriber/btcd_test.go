package inscriber

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestInscribeSizes inscribes payloads of 1 B, 100 KB, 390 KB and 1.5 MB (chunked)
// through real btcd and reads them back from the chain with the protocol's own
// acceptance predicate and chunk reassembly: each is there exactly once, identical.
func TestInscribeSizes(t *testing.T) {
	node := startNode(t)
	h := newHarness(t, node, nil)
	h.fundWallet(50_000_000, 50_000_000, 50_000_000, 50_000_000)
	h.start()
	h.sync()

	sizes := []struct {
		name   string
		size   int
		chunks int
	}{
		{"1B", 1, 0},
		{"100KB", 100_000, 0},
		{"390KB", 390_000, 0},
		{"1.5MB", 1_500_000, 4},
	}
	ids := make([]uint64, len(sizes))
	bodies := make([][]byte, len(sizes))
	for i, sz := range sizes {
		bodies[i] = randomBytes(t, sz.size)
		info, err := h.in.Enqueue(context.Background(), bodies[i], "", EnqueueOptions{})
		require.NoError(t, err, sz.name)
		ids[i] = info.ID
	}
	h.mineUntilDepth(1, 8, ids...)

	oc := scanChain(t, node, 1)
	for i, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			info, err := h.in.Payload(ids[i])
			require.NoError(t, err)
			sum := payloadSum("", bodies[i])
			require.Equal(t, 1, oc.count[sum], "payload on chain exactly once")
			require.Equal(t, bodies[i], oc.body[sum])
			want := max(sz.chunks, 1)
			require.Len(t, info.Reveals, want)
			for _, r := range info.Reveals {
				require.NotZero(t, r.Confirmed)
			}
			require.NotNil(t, info.Commit)
			require.NotZero(t, info.Commit.Confirmed)
		})
	}
	// A payload fits one reveal up to MaxRevealBody; the 1.5 MB one needed chunks.
	require.Greater(t, 1_500_000, maxWholeBody(""))
	require.Less(t, 390_001, maxWholeBody(""))
}
