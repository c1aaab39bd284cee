package sim

import (
	"flag"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

var simShow = flag.Uint64("simshow", 0, "print the trace and reports of one random run")

func TestSimShow(t *testing.T) {
	if *simShow == 0 {
		t.Skip("-simshow=SEED")
	}
	vk := loadVK(t)
	res, err := RandomRun(vk, *simShow, RandomOptions{})
	require.NoError(t, err)
	steps, v, err := Replay(vk, res.Trace)
	require.NoError(t, err)
	for _, s := range steps {
		fmt.Println(">", s.Action.String())
		if s.Out != "" {
			fmt.Println(s.Out)
		}
	}
	fmt.Println("violation:", v, "stats:", res.Stats)
}
