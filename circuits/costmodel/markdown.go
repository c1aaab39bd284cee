package costmodel

import (
	"fmt"
	"math"
	"strings"
)

// CostsOf returns the marginal R1CS cost of every measurement.
func CostsOf(ms []Measurement) Costs {
	c := Costs{}
	for _, m := range ms {
		c[m.ID], _ = m.Marginal()
	}
	return c
}

// Recommended is the design point docs/aichain-costmodel.md recommends: every
// step of Steps on Poseidon2 width 4 with 4-ary trees and a depth-16 request
// tree.
func Recommended() Config {
	cs := StepConfigs(TreeKind{4, 4}, 16)
	return cs[len(cs)-1]
}

func num(f float64) string {
	n := int64(math.Round(f))
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func frac(f float64) string {
	if f == math.Trunc(f) {
		return fmt.Sprint(int64(f))
	}
	return fmt.Sprintf("%.4g", f)
}

// GadgetTable renders the measured gadgets: the marginal cost of one instance
// in R1CS and SCS, and the one-off cost a gadget adds to a circuit (harness
// assert, lookup tables) where it is not zero or one.
func GadgetTable(ms []Measurement) string {
	var b strings.Builder
	b.WriteString("| gadget | one instance computes | R1CS | SCS | one-off |\n|---|---|---:|---:|---:|\n")
	for _, m := range ms {
		g, _ := GadgetByID(m.ID)
		r, s := m.Marginal()
		fixed := float64(m.At[0].R1CS) - float64(m.Reps[0])*r
		one := ""
		if math.Abs(fixed) > 1.5 {
			one = num(fixed)
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", m.ID, g.Desc, frac(r), frac(s), one)
	}
	return b.String()
}

// StepsTable renders constraints per settled inference after each step of
// Steps (rows) for every tree kind (columns), at one request-tree depth.
func StepsTable(costs Costs, reqDepth int) (string, error) {
	var b strings.Builder
	b.WriteString("| step |")
	for _, k := range TreeKinds {
		fmt.Fprintf(&b, " %s |", k)
	}
	b.WriteString("\n|---|" + strings.Repeat("---:|", len(TreeKinds)) + "\n")
	rows := make([][]string, len(Steps()))
	for _, k := range TreeKinds {
		for i, c := range StepConfigs(k, reqDepth) {
			r, err := c.Evaluate(costs)
			if err != nil {
				return "", err
			}
			rows[i] = append(rows[i], num(r.PerInf))
		}
	}
	for i, s := range Steps() {
		fmt.Fprintf(&b, "| %d. %s | %s |\n", i, s.Name, strings.Join(rows[i], " | "))
	}
	return b.String(), nil
}

// Breakdown renders one config's ops and, with lines, their line items.
func Breakdown(c Config, costs Costs, lines bool) (string, error) {
	r, err := c.Evaluate(costs)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("| op | uses per settled inference | constraints per use | per settled inference |\n|---|---:|---:|---:|\n")
	for _, op := range r.Ops {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", op.Name, frac(op.PerInf), num(op.Each), num(op.Each*op.PerInf))
	}
	fmt.Fprintf(&b, "| **total** | | | **%s** |\n", num(r.PerInf))
	if !lines {
		return b.String(), nil
	}
	b.WriteString("\n")
	b.WriteString("| op | line | unit | count | constraints |\n|---|---|---|---:|---:|\n")
	for _, op := range r.Ops {
		for _, l := range op.Lines {
			u, err := c.Cost(costs, l.Unit)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&b, "| %s | %s | `%s` | %s | %s |\n", op.Name, l.What, l.Unit, frac(l.Count), num(u*l.Count))
		}
	}
	return b.String(), nil
}

// Variant is a named change to a config for the sensitivity table.
type Variant struct {
	Name  string
	Apply func(*Config)
}

// Variants are the sensitivity checks docs/aichain-costmodel.md shows for the
// recommended design and for the same design at width 2.
func Variants() []Variant {
	return []Variant{
		{"as recommended (N = 16, K = 16)", func(*Config) {}},
		{"K = 3N = 48 credit slots (every miner of the batch distinct)", func(c *Config) { c.CreditSlots = 3 * c.Batch }},
		{"7 request groups per inference (every commit and reveal in its own batch)", func(c *Config) { c.GroupsPerInf = 7 }},
		{"N = 4 (K = 4)", func(c *Config) { c.Batch, c.CreditSlots = 4, 4 }},
		{"N = 8 (K = 8)", func(c *Config) { c.Batch, c.CreditSlots = 8, 8 }},
		{"N = 32 (K = 32)", func(c *Config) { c.Batch, c.CreditSlots = 32, 32 }},
		{"request tree depth 32", func(c *Config) { c.ReqDepth = 32 }},
		{"no request groups, split leaf", func(c *Config) { c.Group, c.SplitLeaf = false, true }},
		{"no request groups, flat leaf", func(c *Config) { c.Group = false }},
		{"credits not aggregated (3 miner-tree updates per resolve)", func(c *Config) { c.Aggregate = false }},
		{"range checks by lookup (std/rangecheck, one BSB22 commitment)", func(c *Config) { c.Lookups = true }},
	}
}

// SensitivityTable renders Variants for the recommended kind and width 2.
func SensitivityTable(costs Costs) (string, error) {
	kinds := []TreeKind{Recommended().Kind, {2, 2}}
	var b strings.Builder
	b.WriteString("| variant |")
	for _, k := range kinds {
		fmt.Fprintf(&b, " %s |", k)
	}
	b.WriteString("\n|---|" + strings.Repeat("---:|", len(kinds)) + "\n")
	for _, v := range Variants() {
		fmt.Fprintf(&b, "| %s |", v.Name)
		for _, k := range kinds {
			c := Recommended()
			c.Kind = k
			v.Apply(&c)
			r, err := c.Evaluate(costs)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&b, " %s |", num(r.PerInf))
		}
		b.WriteString("\n")
	}
	return b.String(), nil
}

// Sections are the generated blocks of docs/aichain-costmodel.md by name.
func Sections(ms []Measurement) (map[string]string, error) {
	costs := CostsOf(ms)
	out := map[string]string{"gadgets": GadgetTable(ms)}
	var err error
	if out["steps-r16"], err = StepsTable(costs, 16); err != nil {
		return nil, err
	}
	if out["steps-r32"], err = StepsTable(costs, 32); err != nil {
		return nil, err
	}
	if out["breakdown"], err = Breakdown(Recommended(), costs, true); err != nil {
		return nil, err
	}
	w2 := Recommended()
	w2.Kind = TreeKind{2, 2}
	if out["breakdown-w2"], err = Breakdown(w2, costs, false); err != nil {
		return nil, err
	}
	if out["breakdown-baseline"], err = Breakdown(Baseline(), costs, false); err != nil {
		return nil, err
	}
	if out["sensitivity"], err = SensitivityTable(costs); err != nil {
		return nil, err
	}
	return out, nil
}
