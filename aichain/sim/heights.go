package sim

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bitai-l2/bitai/bitai"
	"github.com/bitai-l2/bitai/statemachine"
)

// height evaluates a height expression of the scenario language: a number, or
// NAME[±K] where NAME is
//
//	tip                    the last block
//	last                   the last settled batch's l1Height
//	min                    the lowest l1Height the next block accepts: tip + 1 − SubmitWindow
//	epoch:N                N·epochBlocks
//	freeze, escape         the last batch's height + FreezeBlocks / EscapeBlocks
//	confirm:L              the confirm height c of request or deposit L
//	commit:L, reveal:L     c + commitTimeout, c + revealTimeout of request L
//	deadline:L             request L's deadline
//	reclaim:L              the first height L may be reclaimed at
func (r *Runner) height(expr string) (uint32, error) {
	base, off := expr, int64(0)
	if i := strings.LastIndexAny(expr, "+-"); i > 0 {
		v, err := strconv.ParseInt(expr[i:], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("sim: height %q: %w", expr, err)
		}
		base, off = expr[:i], v
	}
	v, err := r.heightName(base)
	if err != nil {
		return 0, err
	}
	if h := int64(v) + off; h >= 0 {
		return uint32(h), nil
	}
	return 0, fmt.Errorf("sim: height %q is negative", expr)
}

func (r *Runner) heightName(s string) (uint32, error) {
	if n, err := strconv.ParseUint(s, 10, 32); err == nil {
		return uint32(n), nil
	}
	name, arg, _ := strings.Cut(s, ":")
	p := r.Main.Params
	switch name {
	case "tip":
		return r.W.Tip(), nil
	case "epoch":
		n, err := strconv.ParseUint(arg, 10, 32)
		return uint32(n) * p.EpochBlocks, err
	case "min":
		return max(r.W.Tip()+1, bitai.SubmitWindow) - bitai.SubmitWindow, nil
	case "last":
		set, _ := r.W.Settlement(r.Main.ID)
		return set.L1Height, nil
	case "freeze", "escape":
		set, _ := r.W.Settlement(r.Main.ID)
		if name == "freeze" {
			return set.BatchHeight + bitai.FreezeBlocks, nil
		}
		return set.BatchHeight + bitai.EscapeBlocks, nil
	}
	id, ok := r.object(arg)
	if !ok {
		return 0, fmt.Errorf("sim: height %q: %s is not mined", s, arg)
	}
	st := r.W.state()
	if d, ok, _ := statemachine.GetDeposit(st, id); ok {
		switch name {
		case "confirm":
			return d.ConfirmHeight, nil
		case "reclaim":
			return d.ConfirmHeight + p.ForceDelay + bitai.SubmitWindow + 1, nil
		}
	}
	q, ok, _ := statemachine.GetRequest(st, id)
	if !ok {
		return 0, fmt.Errorf("sim: height %q: %s is no request or deposit", s, arg)
	}
	switch name {
	case "confirm":
		return q.ConfirmHeight, nil
	case "commit":
		return q.ConfirmHeight + p.CommitTimeout, nil
	case "reveal":
		return q.ConfirmHeight + p.RevealTimeout, nil
	case "deadline":
		return q.Deadline, nil
	case "reclaim":
		return q.Deadline + bitai.SubmitWindow + 1, nil
	}
	return 0, fmt.Errorf("sim: height %q", s)
}
