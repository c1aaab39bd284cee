package bitai

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// VerifierConfig sizes a Verifier. Zero values pick the defaults.
type VerifierConfig struct {
	// Workers is the number of goroutines; 0 means runtime.GOMAXPROCS(0).
	Workers int
	// ChunkSize is how many jobs a worker takes at a time; 0 means 64.
	ChunkSize int
}

// Verifier spreads BIP340 checks across cores. btcec has no batch verification, so
// each signature is verified on its own (DECISIONS D3); the verifier only
// parallelises. It holds no state between calls and is safe for concurrent use.
type Verifier struct {
	workers int
	chunk   int
}

// NewVerifier returns a Verifier for cfg.
func NewVerifier(cfg VerifierConfig) *Verifier {
	v := &Verifier{workers: cfg.Workers, chunk: cfg.ChunkSize}
	if v.workers <= 0 {
		v.workers = runtime.GOMAXPROCS(0)
	}
	if v.chunk <= 0 {
		v.chunk = 64
	}
	return v
}

// VerifyAll checks every job and returns one result per job, in the jobs' order
// (nil for a valid signature). The result does not depend on scheduling.
func (v *Verifier) VerifyAll(jobs []SigJob) []error {
	errs := make([]error, len(jobs))
	chunks := (len(jobs) + v.chunk - 1) / v.chunk
	workers := min(v.workers, chunks)
	if workers <= 1 {
		for i := range jobs {
			errs[i] = jobs[i].Verify()
		}
		return errs
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				c := int(next.Add(1) - 1)
				if c >= chunks {
					return
				}
				end := min((c+1)*v.chunk, len(jobs))
				for i := c * v.chunk; i < end; i++ {
					errs[i] = jobs[i].Verify()
				}
			}
		})
	}
	wg.Wait()
	return errs
}

// VerifyAll checks jobs on all cores with the default Verifier.
func VerifyAll(jobs []SigJob) []error {
	return NewVerifier(VerifierConfig{}).VerifyAll(jobs)
}
