package statemachine

import (
	"testing"
	"time"
)

func TestZZBombTime(t *testing.T) {
	b := loadFuzzBase(t)
	start := time.Now()
	bodies, encs := [][]byte{brotliBomb(t)}, []string{"br"}
	applyBodies(t, b.m, b.st.clone(), 2, bodies, encs)
	t.Log("bomb", time.Since(start))
	start = time.Now()
	for _, s := range b.seeds {
		bodies, encs, rest := unframe(s)
		applyBodies(t, b.m, b.st.clone(), 2, bodies, encs, rest)
	}
	t.Log("seeds", time.Since(start))
}
