package openssl

// The C baseline of the benchmarks: internal/bench/c/cbench.c does with libssl
// directly what bench_test.go does through the binding and with crypto/tls.
// Each benchmark builds it once (with CC, CGO_CFLAGS and CGO_LDFLAGS, so it
// links the libssl the package links) and its .../c sub-benchmarks run it
// with the benchmark's N, reporting the C program's own elapsed time as
// ns/op. Over "pipe" the C program uses a socketpair, its analogue of
// net.Pipe.

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// cBaselines is the folder of the C baseline programs, from this package's.
const cBaselines = "../internal/bench/c"

// cbenchTimeout bounds one run of the C program.
const cbenchTimeout = 10 * time.Minute

type cbench struct {
	bin, ca, chain, key string
}

// buildCBench compiles internal/bench/c/cbench.c into a temporary directory and
// writes the certificate material beside it.
func buildCBench(b *testing.B) *cbench { return buildC(b, "cbench") }

// buildC compiles internal/bench/c/NAME.c into a temporary directory and writes the
// certificate material beside it.
func buildC(b *testing.B, name string) *cbench { return buildCIn(b, b.TempDir(), name) }

// buildCIn is buildC into dir.
func buildCIn(b *testing.B, dir, name string) *cbench {
	b.Helper()
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "gcc"
	}
	cb := &cbench{bin: filepath.Join(dir, name)}
	args := []string{"-std=c99", "-Wall", "-Wextra", "-Werror", "-pthread", "-o", cb.bin}
	if cf := os.Getenv("CGO_CFLAGS"); cf != "" {
		args = append(args, strings.Fields(cf)...)
	} else {
		args = append(args, "-O2", "-g") // cgo's default
	}
	args = append(args, filepath.Join(cBaselines, name+".c"))
	args = append(args, strings.Fields(os.Getenv("CGO_LDFLAGS"))...)
	args = append(args, "-lssl", "-lcrypto")
	if out, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
		b.Fatalf("%s %s: %v\n%s", cc, strings.Join(args, " "), err, out)
	}
	tc := testcerts.Get()
	for _, f := range []struct {
		path *string
		name string
		data []byte
	}{{&cb.ca, "ca.pem", tc.CACert}, {&cb.chain, "chain.pem", tc.LeafChain}, {&cb.key, "key.pem", tc.LeafKey}} {
		*f.path = filepath.Join(dir, f.name)
		if err := os.WriteFile(*f.path, f.data, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	return cb
}

var cbenchOut = regexp.MustCompile(`elapsed_ns=(\d+) n=(\d+) resumed=(\d+)`)

// runC runs a C baseline (timed alone), checks that it ran against the
// libssl the package runs with and resumed as many handshakes as wanted,
// and returns its own elapsed time in ns and its output.
func runC(b *testing.B, name string, cmd *exec.Cmd, wantResumed int) (float64, string) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	b.ResetTimer()
	err := cmd.Run()
	b.StopTimer()
	if err != nil {
		b.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, stderr.String())
	}
	if want := "runtime " + libssl.RuntimeVersionText(); !strings.Contains(stderr.String(), want) {
		b.Fatalf("%s ran against another libssl than the package (want %q): %s", name, want, stderr.String())
	}
	m := cbenchOut.FindStringSubmatch(stdout.String())
	if m == nil {
		b.Fatalf("%s output: %q", name, stdout.String())
	}
	ns, _ := strconv.ParseFloat(m[1], 64)
	if resumed, _ := strconv.Atoi(m[3]); resumed != wantResumed {
		b.Fatalf("%s: %d of %d handshakes resumed, want %d", name, resumed, b.N, wantResumed)
	}
	return ns, stdout.String()
}

// run runs the C program for b.N operations and reports its elapsed time as
// the benchmark's ns/op (and MB/s when bytes is set).
func (cb *cbench) run(b *testing.B, mode, transport string, bytesPerOp int64) {
	ctx, cancel := context.WithTimeout(context.Background(), cbenchTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, cb.bin, mode, transport, strconv.Itoa(b.N), cb.ca, cb.chain, cb.key)
	ns, _ := runC(b, "cbench "+mode, cmd, map[bool]int{true: b.N}[mode == "resumed"])
	b.ReportMetric(ns/float64(b.N), "ns/op")
	// -benchmem would otherwise divide the Go side's exec bookkeeping by N;
	// the C program allocates nothing on the Go heap.
	b.ReportMetric(0, "B/op")
	b.ReportMetric(0, "allocs/op")
	if bytesPerOp > 0 {
		b.ReportMetric(float64(bytesPerOp)*float64(b.N)/ns*1e3, "MB/s")
	}
}
