// Command benchratio reads `go test -bench` output of the openssl/ package
// on standard input, copies it to standard output, and then prints a table:
// per benchmark and transport, the median ns/op of the C program (.../c),
// the binding (.../libssl) and crypto/tls (.../cryptotls), and the ratios
// binding/C and binding/crypto-tls (above 1: the binding is slower). It
// exits non-zero when the input holds a failure or no benchmark line.
//
// It links the root package so that the table names the libssl the
// benchmarks ran with (it is built with the same environment).
package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	libssl "github.com/libssl-go/libssl"
)

var line = regexp.MustCompile(`^Benchmark(\w+)/(c|libssl|cryptotls)/(\w+)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op`)

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	sort.Float64s(v)
	if n := len(v); n%2 == 1 {
		return v[n/2]
	} else {
		return (v[n/2-1] + v[n/2]) / 2
	}
}

func main() {
	type key struct{ bench, transport string }
	var order []key
	samples := map[key]map[string][]float64{}
	failed := false
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		text := sc.Text()
		fmt.Println(text)
		if strings.HasPrefix(text, "FAIL") || strings.HasPrefix(text, "--- FAIL") || strings.HasPrefix(text, "panic:") {
			failed = true
		}
		m := line.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		k := key{m[1], m[3]}
		if samples[k] == nil {
			samples[k] = map[string][]float64{}
			order = append(order, k)
		}
		ns, _ := strconv.ParseFloat(m[4], 64)
		samples[k][m[2]] = append(samples[k][m[2]], ns)
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
	if failed || len(order) == 0 {
		fmt.Fprintln(os.Stderr, "benchratio: the benchmarks failed or printed nothing")
		os.Exit(1)
	}
	ratio := func(a, b float64) string {
		if a == 0 || b == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f", a/b)
	}
	ms := func(ns float64) string {
		if ns == 0 {
			return "-"
		}
		return fmt.Sprintf("%.3f", ns/1e6)
	}
	fmt.Printf("\nopenssl/ benchmarks on %s (median ms/op; ratio > 1: the binding is slower)\n", libssl.RuntimeVersionText())
	fmt.Printf("%-18s %-9s %10s %10s %10s %9s %18s\n", "benchmark", "transport", "C", "libssl-go", "crypto/tls", "binding/C", "binding/crypto-tls")
	for _, k := range order {
		c, b, g := median(samples[k]["c"]), median(samples[k]["libssl"]), median(samples[k]["cryptotls"])
		fmt.Printf("%-18s %-9s %10s %10s %10s %9s %18s\n", k.bench, k.transport, ms(c), ms(b), ms(g), ratio(b, c), ratio(b, g))
	}
}
