package sim

import (
	"fmt"
	"strconv"
	"strings"
)

// Action is one step of a scenario or a recorded run: a command and its
// arguments, written as one line "cmd key=value key=value …" (a bare word is a
// flag). Scenario files (datadriven) and shrunk traces use the same language;
// docs/aichain-protocol.md §8 lists the commands.
type Action struct {
	Cmd  string
	Args []Arg
}

// Arg is one key=value argument; Val is "" for a flag.
type Arg struct {
	Key, Val string
}

// ParseAction parses one line.
func ParseAction(line string) (Action, error) {
	f := strings.Fields(line)
	if len(f) == 0 {
		return Action{}, fmt.Errorf("sim: empty action")
	}
	a := Action{Cmd: f[0]}
	for _, s := range f[1:] {
		k, v, _ := strings.Cut(s, "=")
		a.Args = append(a.Args, Arg{Key: k, Val: v})
	}
	return a, nil
}

// String writes the action back as one line.
func (a Action) String() string {
	var b strings.Builder
	b.WriteString(a.Cmd)
	for _, x := range a.Args {
		b.WriteByte(' ')
		b.WriteString(x.Key)
		if x.Val != "" {
			b.WriteByte('=')
			b.WriteString(x.Val)
		}
	}
	return b.String()
}

// act builds an action from key/value pairs ("flag" alone is a flag).
func act(cmd string, kv ...string) Action {
	a := Action{Cmd: cmd}
	for i := 0; i < len(kv); i += 2 {
		v := ""
		if i+1 < len(kv) {
			v = kv[i+1]
		}
		if kv[i] == "" || (v == "" && i+1 < len(kv)) {
			continue
		}
		a.Args = append(a.Args, Arg{Key: kv[i], Val: v})
	}
	return a
}

// Get returns an argument's value ("" if absent).
func (a Action) Get(key string) string {
	for _, x := range a.Args {
		if x.Key == key {
			return x.Val
		}
	}
	return ""
}

// Has reports whether an argument or flag is present.
func (a Action) Has(key string) bool {
	for _, x := range a.Args {
		if x.Key == key {
			return true
		}
	}
	return false
}

// Int returns an integer argument, or def if absent.
func (a Action) Int(key string, def int64) (int64, error) {
	v := a.Get(key)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("sim: %s: %s=%q: %w", a.Cmd, key, v, err)
	}
	return n, nil
}

// Uint returns an unsigned argument, or def if absent.
func (a Action) Uint(key string, def uint64) (uint64, error) {
	v := a.Get(key)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("sim: %s: %s=%q: %w", a.Cmd, key, v, err)
	}
	return n, nil
}
