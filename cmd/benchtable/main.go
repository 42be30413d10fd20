// Command benchtable reads `go test -bench BenchmarkOps` output on standard
// input (several -count runs) and prints, per operation, the median C ns/op,
// the median Go ns/op (goroutine locked to its thread, as the C loop is),
// their ratio, the target and whether it is met, and for handshakes the
// median of an unlocked goroutine.
package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// target is how close to C the binding must be for an operation: a ratio
// (Go/C at most) or an absolute overhead in ns over C.
type target struct {
	ratio    float64
	overhead float64
}

var targets = map[string]target{
	"NewFree": {ratio: 1.20}, "DupFree": {ratio: 1.20}, "SetSession": {ratio: 1.20},
	"Clear": {ratio: 1.6}, "UpRefFree": {overhead: 120},
	"Handshake13Full": {ratio: 1.02}, "Handshake13Resumed": {ratio: 1.02},
	"Handshake12Full": {ratio: 1.02}, "Handshake12Resumed": {ratio: 1.02},
}

var line = regexp.MustCompile(`^BenchmarkOps/(\w+)/(c|go|go-unlocked)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op`)

func median(v []float64) float64 {
	sort.Float64s(v)
	n := len(v)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

func main() {
	samples := map[string]map[string][]float64{}
	var order []string
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		fmt.Fprintln(os.Stderr, sc.Text())
		m := line.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		if samples[m[1]] == nil {
			samples[m[1]] = map[string][]float64{}
			order = append(order, m[1])
		}
		v, _ := strconv.ParseFloat(m[3], 64)
		samples[m[1]][m[2]] = append(samples[m[1]][m[2]], v)
	}
	if len(order) == 0 {
		fmt.Fprintln(os.Stderr, "benchtable: no BenchmarkOps lines on input")
		os.Exit(1)
	}
	fmt.Printf("| op | C ns/op | Go ns/op | ratio | target | met | Go unlocked ns/op (ratio) |\n|---|---:|---:|---:|---|---|---:|\n")
	for _, op := range order {
		c, g := median(samples[op]["c"]), median(samples[op]["go"])
		ratio := g / c
		t, ok := targets[op]
		tgt, met := "-", "-"
		switch {
		case ok && t.ratio > 0:
			tgt = fmt.Sprintf("<= %.2fx", t.ratio)
			met = yes(ratio <= t.ratio)
		case ok:
			tgt = fmt.Sprintf("<= C + %.0f ns", t.overhead)
			met = yes(g-c <= t.overhead)
		}
		unlocked := "-"
		if u := samples[op]["go-unlocked"]; len(u) > 0 {
			m := median(u)
			unlocked = fmt.Sprintf("%.0f (%.2f)", m, m/c)
		}
		fmt.Printf("| %s | %.0f | %.0f | %.2f | %s | %s | %s |\n", op, c, g, ratio, tgt, met, unlocked)
	}
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
