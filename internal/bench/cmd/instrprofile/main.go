// Command instrprofile says where the instructions of one BenchmarkConn
// operation go, for C, the binding and crypto/tls side by side: the
// instructions per operation of each implementation, by category (libssl
// and libcrypto, libc, the binding's Go code, its C shim, cgo's glue and
// the runtime's cgo transitions, the runtime's scheduler, netpoll,
// allocation and GC, the net and poll packages, the rest of the standard
// library), as a Markdown table, and with -top the functions of each
// implementation whose counts differ most from C's (C's own costliest
// functions for impl=c, or when C is not among -impl).
//
// It counts with cachegrind (valgrind --tool=cachegrind --cache-sim=no),
// whose self cost per function is exact whatever Go's goroutine switches do
// to a call graph (callgrind's attribution loses its way across them). A
// whole run is counted, so each implementation runs with N and 2N
// operations and the difference over N is one operation: the set-up, the
// warm-up and the test binary's start cancel. The Go implementations run
// with GOMAXPROCS=1 (see internal/bench/instrconn.sh: under valgrind a
// second P spins for whole time slices); impl=c runs the C program
// (internal/bench/c/cconn.c) under cachegrind through
// LIBSSL_CCONN_CACHEGRIND.
//
//	instrprofile [-bin openssl.test] [-op HS12Resumed] [-p 1] [-n 80]
//	             [-impl c,libssl,cryptotls] [-top 0]
//
// -bin is a test binary of package openssl (go test -c ./openssl); without
// it the command builds one. It runs from the repository's root (the
// benchmarks read openssl/testdata). `make bench-conn-profile`. About two
// minutes for a resumed handshake at -n 80 on two cores.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

func main() {
	bin := flag.String("bin", "", "test binary of package openssl (built when empty)")
	op := flag.String("op", "HS12Resumed", "BenchmarkConn operation: HS13Full, HS13Resumed, HS12Full, HS12Resumed, Bulk")
	p := flag.Int("p", 1, "concurrent connections (BenchmarkConn's P)")
	n := flag.Int("n", 80, "operations of the shorter run (the longer runs 2n)")
	impls := flag.String("impl", "c,libssl,cryptotls", "implementations, comma-separated (c, libssl, libssl-mem, cryptotls)")
	top := flag.Int("top", 0, "also list the costliest functions of each implementation")
	flag.Parse()
	if err := run(*bin, *op, *p, *n, strings.Split(*impls, ","), *top, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "instrprofile:", err)
		os.Exit(1)
	}
}

func run(bin, op string, p, n int, impls []string, top int, w io.Writer) error {
	if n < 1 || p < 1 {
		return fmt.Errorf("-n and -p must be at least 1")
	}
	if _, err := exec.LookPath("valgrind"); err != nil {
		return fmt.Errorf("needs valgrind: %w", err)
	}
	tmp, err := os.MkdirTemp("", "instrprofile")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if bin == "" {
		bin = filepath.Join(tmp, "openssl.test")
		cmd := exec.Command("go", "test", "-c", "-o", bin, "./openssl")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("building the test binary (run from the repository's root): %w", err)
		}
	}
	if bin, err = filepath.Abs(bin); err != nil {
		return err
	}
	per := map[string]map[string]float64{} // impl -> function -> instructions per op
	for _, im := range impls {
		var costs [2]map[string]int64
		for i, k := range []int{n, 2 * n} {
			if costs[i], err = count(bin, tmp, op, p, im, k); err != nil {
				return err
			}
		}
		fns := map[string]float64{}
		for f, c := range costs[1] {
			fns[f] += float64(c)
		}
		for f, c := range costs[0] {
			fns[f] -= float64(c)
		}
		for f := range fns {
			fns[f] /= float64(n)
		}
		per[im] = fns
	}
	writeTable(w, op, p, impls, per)
	if top > 0 {
		for _, im := range impls {
			writeTop(w, im, per[im], per["c"], top)
		}
	}
	return nil
}

// count runs one implementation for k operations under cachegrind and
// returns the self instructions by "file:function".
func count(bin, tmp, op string, p int, impl string, k int) (map[string]int64, error) {
	dir, err := os.MkdirTemp(tmp, impl)
	if err != nil {
		return nil, err
	}
	sel := fmt.Sprintf("^BenchmarkConn$/^op=%s$/^P=%d$/^impl=%s$", op, p, impl)
	args := []string{"-test.run", "^$", "-test.bench", sel, "-test.benchtime", strconv.Itoa(k) + "x"}
	var cmd *exec.Cmd
	out := filepath.Join(dir, "cg")
	if impl == "c" {
		cmd = exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "LIBSSL_CCONN_CACHEGRIND="+dir)
		out = filepath.Join(dir, "c."+strconv.Itoa(k))
	} else {
		cmd = exec.Command("valgrind", append([]string{"--tool=cachegrind", "--cache-sim=no", "--quiet",
			"--cachegrind-out-file=" + out, bin}, args...)...)
		cmd.Env = append(os.Environ(), "GOMAXPROCS=1", "GODEBUG=asyncpreemptoff=1,cpu.rdtscp=off")
	}
	cmd.Dir = "openssl"
	b, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("%s at %d ops: %w\n%s", impl, k, err, b)
	}
	if !regexp.MustCompile(`(?m)^BenchmarkConn/op=` + op + `/P=\d+/impl=` + regexp.QuoteMeta(impl) + `\S*\s+` + strconv.Itoa(k) + `\s`).Match(b) {
		return nil, fmt.Errorf("%s at %d ops: no benchmark line in its output:\n%s", impl, k, b)
	}
	return parseCachegrind(out)
}

// parseCachegrind sums a cachegrind output file's Ir by file and function.
func parseCachegrind(path string) (map[string]int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	costs := map[string]int64{}
	var fl, fn string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "fl="):
			fl = line[3:]
		case strings.HasPrefix(line, "fn="):
			fn = line[3:]
		case line != "" && line[0] >= '0' && line[0] <= '9':
			fields := strings.Fields(line)
			if len(fields) < 2 {
				continue
			}
			ir, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%s: %q: %w", path, line, err)
			}
			costs[fl+":"+fn] += ir
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(costs) == 0 {
		return nil, fmt.Errorf("%s: no costs", path)
	}
	return costs, nil
}

// The runtime's functions that enter and leave C (cgocall and the syscall
// bookkeeping around it; Go's own system calls pass through some of them
// too).
var cgoTransition = regexp.MustCompile(`cgocall|asmcgocall|entersyscall|exitsyscall|runtime\.save$|cgoNoCallback|getcallerfp|gosave_systemstack_switch|_cgo_topofstack|cgoCheck|cgoUse|cgoIsGoPointer|cgocallback`)
var allocGC = regexp.MustCompile(`malloc|mgc|mbitmap|mheap|mcache|mcentral|sweep|scan|gcDrain|gcWork|mspan|markroot|greyobject|findObject|wbBuf|mwbbuf|bulkBarrier|memclr|special|newobject|growslice|makeslice|heapBits|nextFree|tinyalloc|writeHeapBits|typePointers|gcAssist|gcStart|mcleanup|mfinal`)
var scheduler = regexp.MustCompile(`proc\.go|lock_|sema|chan\.go|select\.go|park|runq|time\.go|timer|nanotime|futex|os_linux|signal|stack\.go|mcall|gogo|gosched|morestack|systemstack|preempt|atomic`)

// category is where a function's instructions are counted in the table.
func category(key string) string {
	file, fn, _ := strings.Cut(key, ":")
	goroot := strings.Contains(file, "/src/runtime/") || strings.Contains(file, "/src/internal/runtime/")
	gostd := strings.Contains(file, "/go/src/") || strings.HasPrefix(file, "/usr/local/go/")
	switch {
	case goroot && cgoTransition.MatchString(fn):
		return "Go runtime: cgo transitions"
	case goroot && allocGC.MatchString(file+" "+fn):
		return "Go runtime: allocation and GC"
	case goroot && strings.Contains(file+" "+fn, "netpoll"):
		return "Go runtime: netpoll"
	case goroot && scheduler.MatchString(file+" "+fn):
		return "Go runtime: scheduler, timers, locks"
	case goroot:
		return "Go runtime: other"
	case gostd && regexp.MustCompile(`/src/(internal/poll|net|syscall|internal/syscall|os)/`).MatchString(file):
		return "Go net, poll, syscall"
	case gostd && regexp.MustCompile(`/src/(crypto|vendor/golang.org/x/crypto)/`).MatchString(file):
		return "Go crypto (crypto/tls and its primitives)"
	case gostd:
		return "Go standard library, other"
	case strings.HasPrefix(file, "./"):
		return "libc"
	case file == "???":
		return "libssl and libcrypto"
	case strings.HasSuffix(file, "_test.go"):
		return "benchmark harness (_test.go)"
	case strings.HasSuffix(file, ".go"):
		return "the binding's Go code"
	case strings.HasSuffix(file, ".c") || strings.HasSuffix(file, ".h"):
		if strings.Contains(file, "_cgo_") || strings.Contains(file, "cgo-gcc") {
			return "cgo glue"
		}
		return "the binding's C shim"
	case strings.Contains(file, "_cgo_") || strings.Contains(file, "cgo"):
		return "cgo glue"
	}
	return "other (" + file + ")"
}

func writeTable(w io.Writer, op string, p int, impls []string, per map[string]map[string]float64) {
	cats := map[string]map[string]float64{}
	totals := map[string]float64{}
	for im, fns := range per {
		for f, v := range fns {
			c := category(f)
			if cats[c] == nil {
				cats[c] = map[string]float64{}
			}
			cats[c][im] += v
			totals[im] += v
		}
	}
	names := make([]string, 0, len(cats))
	for c := range cats {
		names = append(names, c)
	}
	largest := func(c string) float64 {
		m := 0.0
		for _, v := range cats[c] {
			m = max(m, abs(v))
		}
		return m
	}
	sort.Slice(names, func(i, j int) bool { return largest(names[i]) > largest(names[j]) })
	fmt.Fprintf(w, "instructions per op, op=%s P=%d (cachegrind, whole runs at N and 2N)\n\n", op, p)
	fmt.Fprintf(w, "| category | %s |\n|---|%s\n", strings.Join(impls, " | "), strings.Repeat("---:|", len(impls)))
	for _, c := range names {
		if largest(c) < 100 {
			continue
		}
		fmt.Fprintf(w, "| %s |", c)
		for _, im := range impls {
			fmt.Fprintf(w, " %s |", thousands(cats[c][im]))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprint(w, "| total |")
	for _, im := range impls {
		fmt.Fprintf(w, " %s |", thousands(totals[im]))
	}
	fmt.Fprintln(w)
	if base, ok := totals["c"]; ok && base > 0 {
		fmt.Fprint(w, "| ÷ c |")
		for _, im := range impls {
			fmt.Fprintf(w, " %.2f |", totals[im]/base)
		}
		fmt.Fprintln(w)
	}
}

// writeTop lists the k functions of impl with the most instructions per op
// or, when C's run is there (base), the k whose count differs most from
// C's: where the gap is.
func writeTop(w io.Writer, impl string, fns, base map[string]float64, k int) {
	type fv struct {
		f    string
		v, d float64
	}
	var l []fv
	for f, v := range fns {
		l = append(l, fv{f, v, v - base[f]})
	}
	if base != nil && impl != "c" {
		for f, v := range base {
			if _, ok := fns[f]; !ok {
				l = append(l, fv{f, 0, -v})
			}
		}
		sort.Slice(l, func(i, j int) bool { return abs(l[i].d) > abs(l[j].d) })
		fmt.Fprintf(w, "\n%s: the %d functions whose instructions per op differ most from c's\n", impl, k)
		fmt.Fprintf(w, "%12s %12s  %-40s %s\n", impl+"-c", impl, "category", "file:function")
		for i := 0; i < k && i < len(l); i++ {
			fmt.Fprintf(w, "%12s %12s  %-40s %s\n", thousands(l[i].d), thousands(l[i].v), category(l[i].f), l[i].f)
		}
		return
	}
	sort.Slice(l, func(i, j int) bool { return abs(l[i].v) > abs(l[j].v) })
	fmt.Fprintf(w, "\n%s: the %d costliest functions, instructions per op\n", impl, k)
	for i := 0; i < k && i < len(l); i++ {
		fmt.Fprintf(w, "%12s  %-40s %s\n", thousands(l[i].v), category(l[i].f), l[i].f)
	}
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// thousands formats v rounded, with commas.
func thousands(v float64) string {
	s := strconv.FormatInt(int64(v+0.5*sign(v)), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}
