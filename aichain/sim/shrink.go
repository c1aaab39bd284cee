package sim

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Step is one replayed action with its report.
type Step struct {
	Action Action
	Out    string
}

// Replay runs a trace from a fresh world and returns every step's report; it
// stops at the first violation (returned) or error.
func Replay(vk []byte, trace []Action) ([]Step, *Violation, error) {
	r := NewRunner(vk, 1)
	defer r.Close()
	var steps []Step
	for _, a := range trace {
		out, err := r.Exec(a)
		steps = append(steps, Step{Action: a, Out: out})
		if v, ok := IsViolation(err); ok {
			return steps, v, nil
		}
		if err != nil {
			return steps, nil, err
		}
	}
	return steps, nil, nil
}

// Shrink reduces a failing trace to a smaller one that still violates the same
// invariant, by delta debugging (ddmin) over its actions: the setup stays, every
// other action may go, and blocks stay where they are. At most budget replays.
func Shrink(vk []byte, trace []Action, inv string, budget int) []Action {
	fails := func(t []Action) bool {
		if budget <= 0 {
			return false
		}
		budget--
		_, v, err := Replay(vk, t)
		return err == nil && v != nil && v.Invariant == inv
	}
	if _, v, _ := Replay(vk, trace); v != nil {
		trace = cutAfter(trace, v)
	}
	head, body := trace[:1], compactMines(trace[1:])
	n := 2
	for len(body) >= 2 && budget > 0 {
		chunk := (len(body) + n - 1) / n
		reduced := false
		for start := 0; start < len(body); start += chunk {
			end := min(start+chunk, len(body))
			cand := append(append([]Action{}, body[:start]...), body[end:]...)
			if fails(append(append([]Action{}, head...), cand...)) {
				body, n, reduced = cand, max(n-1, 2), true
				break
			}
		}
		if !reduced {
			if n >= len(body) {
				break
			}
			n = min(2*n, len(body))
		}
	}
	return append(append([]Action{}, head...), compactMines(body)...)
}

// cutAfter drops what follows the block at which v was found.
func cutAfter(trace []Action, v *Violation) []Action {
	// Replaying the whole trace stops at the violation anyway; keeping every
	// action is correct, only slower. Trim trailing actions after the last mine
	// that could reach v's height is left to ddmin.
	return trace
}

// compactMines merges consecutive "mine" actions without an order into one
// "mine n=K", so ddmin sees fewer steps.
func compactMines(trace []Action) []Action {
	var out []Action
	for _, a := range trace {
		if a.Cmd == "mine" && !a.Has("order") && !a.Has("to") && len(out) > 0 {
			last := &out[len(out)-1]
			if last.Cmd == "mine" && !last.Has("order") && !last.Has("to") {
				n, _ := last.Int("n", 1)
				k, _ := a.Int("n", 1)
				*last = act("mine", "n", fmt.Sprint(n+k))
				continue
			}
		}
		out = append(out, a)
	}
	return out
}

// WriteScenario writes a trace as a datadriven scenario file with its reports as
// the expected output; a violation is the last step's report.
func WriteScenario(path, header string, steps []Step, v *Violation) error {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(header), "\n") {
		b.WriteString("# " + l + "\n")
	}
	for i, s := range steps {
		b.WriteString("\n" + s.Action.String() + "\n----\n")
		out := s.Out
		if v != nil && i == len(steps)-1 {
			out = strings.TrimSpace(out + "\nVIOLATION " + v.Error())
		}
		if out != "" {
			b.WriteString(out + "\n")
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("sim: scenario dir: %w", err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("sim: write scenario: %w", err)
	}
	return nil
}
