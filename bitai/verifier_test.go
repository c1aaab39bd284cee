package bitai

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/stretchr/testify/require"
)

// sigJobs returns n valid jobs signed by a few keys.
func sigJobs(t testing.TB, n int) []SigJob {
	t.Helper()
	keys := make([]*btcec.PrivateKey, 4)
	for i := range keys {
		keys[i] = FaucetKey(fmt.Sprintf("verifier test key %d", i))
	}
	jobs := make([]SigJob, n)
	for i := range jobs {
		k := keys[i%len(keys)]
		msg := refTaggedHash("test", []byte(fmt.Sprint(i)))
		sig, err := schnorr.Sign(k, msg[:], schnorr.FastSign())
		require.NoError(t, err)
		jobs[i] = SigJob{PubKey: XOnly(k), Msg: msg, Sig: [64]byte(sig.Serialize())}
	}
	return jobs
}

func TestVerifierCatchesBadSigAtIndex(t *testing.T) {
	jobs := sigJobs(t, 301)
	bad := map[int]ErrorKind{0: ErrBadSignature, 150: ErrBadSignature, 151: ErrBadSenderKey, 300: ErrBadSignature}
	jobs[0].Msg[0] ^= 1
	jobs[150].Sig[10] ^= 1
	jobs[151].PubKey = [32]byte(fullBytes())
	jobs[300].Sig[63] ^= 1
	for _, cfg := range []VerifierConfig{{}, {Workers: 1}, {Workers: 3, ChunkSize: 1}, {Workers: 8, ChunkSize: 7},
		{Workers: 2, ChunkSize: 1000}} {
		t.Run(fmt.Sprintf("workers=%d,chunk=%d", cfg.Workers, cfg.ChunkSize), func(t *testing.T) {
			errs := NewVerifier(cfg).VerifyAll(jobs)
			require.Len(t, errs, len(jobs))
			for i, err := range errs {
				if kind, ok := bad[i]; ok {
					require.ErrorIs(t, err, kind, "index %d", i)
				} else {
					require.NoError(t, err, "index %d", i)
				}
			}
		})
	}
	require.Empty(t, VerifyAll(nil))
}

func TestVerifierMatchesTxVerify(t *testing.T) {
	dep := mustDeployment(t, "regtest").ID()
	var jobs []SigJob
	var want []error
	for i, s := range sampleTxs() {
		if i%2 == 0 {
			require.NoError(t, s.tx.Sign(FaucetKey(RegtestFaucetSeed), dep))
		}
		jobs = append(jobs, s.tx.SigJob(dep))
		want = append(want, s.tx.VerifySig(dep))
	}
	require.Equal(t, want, VerifyAll(jobs))
}

// BenchmarkVerify compares one worker with all cores; compare sigs/s.
func BenchmarkVerify(b *testing.B) {
	jobs := sigJobs(b, 1024)
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			v := NewVerifier(VerifierConfig{Workers: workers})
			for b.Loop() {
				for _, err := range v.VerifyAll(jobs) {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N*len(jobs))/b.Elapsed().Seconds(), "sigs/s")
		})
	}
}
