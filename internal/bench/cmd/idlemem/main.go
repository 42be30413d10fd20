// Command idlemem reports the memory each idle TLS 1.3 connection holds: n
// connections over loopback TCP (10,000 by default), each handshaken with
// one small exchange each way (the client writes 64 bytes and reads 64
// back, taking the server's session tickets first), then left idle. For
// package openssl, beside crypto/tls and a C program using libssl directly
// (internal/bench/c/idlec.c, built by this run with CC, CGO_CFLAGS and
// CGO_LDFLAGS so that it links the libssl the package links). The -release variants
// (libssl-release: Config.ReleaseBuffers; c-release) set
// SSL_MODE_RELEASE_BUFFERS, which shows what libssl's record buffers are of
// the total. libssl runs on the socket (Config.SocketIO's default over TCP);
// libssl-mem is the same on memory BIOs.
//
// Each end of the connections lives in a process of its own: n connections
// are 2n descriptors, more than this machine's limit of 20,000 for one
// process at n = 10,000, and each end's heap is then its own to measure.
// The parent starts the server process, then the client process (-role),
// and drives them through two states:
//
//	held     every connection open, no goroutine on it
//	reading  one goroutine per connection blocked in Read (the shape of a
//	         net/http server, or of a client transport's read loop)
//
// Per connection, as the delta over a baseline taken after one warm-up
// connection in the same process, divided by n:
//
//	Go heap   live heap objects after GC (MemStats.HeapAlloc)
//	stacks    goroutine stacks (MemStats.StackInuse)
//	C heap    glibc mallinfo2 in use (uordblks + hblkhd): libssl's SSL
//	          objects, their record buffers and BIOs, measured with
//	          glibc's per-thread cache off in every end's process
//	          (GLIBC_TUNABLES=glibc.malloc.tcache_count=0), so that it is
//	          what the connections hold: mallinfo2 counts the chunks a
//	          thread's cache keeps as in use, a Go end has about 15-20
//	          threads whose caches stay full, and idlec's worker threads
//	          have exited (their caches emptied) before it measures. At
//	          n = 3,000 the Go client's caches came to 600-800 B per
//	          connection. -tcache measures with the caches on.
//	RSS       the resident set (/proc/self/statm)
//
// and the top allocation sites of the live Go heap (the heap profile,
// sampled at -memprofilerate 4096 and scaled as pprof scales it, by the
// innermost frame in the implementation's code), which name the
// openssl.Conn's own buffers ("Conn bufs"). The C program has one state (no
// goroutines) and reports C heap and RSS.
//
//	idlemem [-n 10000] [-impl libssl,libssl-release,libssl-mem,cryptotls,c,c-release]
//	        [-profile DIR] [-memprofilerate 4096] [-tcache]
//
// -profile writes each Go end's heap profile in the reading state
// (DIR/<impl>-<side>.pprof; read with go tool pprof -sample_index=inuse_space
// -top). It is a development command: `make idlemem`.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
	"github.com/libssl-go/libssl/openssl"
)

// runTimeout bounds one implementation's run (both processes).
const runTimeout = 5 * time.Minute

func main() {
	role := flag.String("role", "", "run one end in this process: server or client (used by the report)")
	impl := flag.String("impl", "libssl,libssl-release,libssl-mem,cryptotls,c,c-release", "implementations to measure (with -role: one)")
	n := flag.Int("n", 10000, "connections")
	certs := flag.String("certs", "", "directory of ca.pem, chain.pem, key.pem (with -role)")
	addr := flag.String("addr", "", "the server's address (with -role client)")
	profile := flag.String("profile", "", "with -role: write the heap profile here; else a directory for them")
	rate := flag.Int("memprofilerate", 4096, "runtime.MemProfileRate in the ends' processes (1: every allocation, exact sites, slower)")
	flag.BoolVar(&keepThreadCache, "tcache", false, "measure with glibc's per-thread malloc cache on (its chunks count as C heap in use)")
	flag.Parse()
	runtime.MemProfileRate = *rate
	if *role != "" {
		if err := runSide(*role, *impl, *n, *certs, *addr, *profile); err != nil {
			fmt.Fprintf(os.Stderr, "idlemem %s %s: %v\n", *role, *impl, err)
			os.Exit(1)
		}
		return
	}
	if err := report(os.Stdout, strings.Split(*impl, ","), *n, *profile); err != nil {
		fmt.Fprintln(os.Stderr, "idlemem:", err)
		os.Exit(1)
	}
}

// row is one end in one state, per connection.
type row struct {
	impl, side, state                 string
	goHeap, stacks, cHeap, rss, grtns float64
	sites                             []site
	n                                 int
}

func perConn(s, base sample, n int) row {
	d := func(a, b uint64) float64 { return (float64(a) - float64(b)) / float64(n) }
	return row{goHeap: d(s.GoHeap, base.GoHeap), stacks: d(s.Stacks, base.Stacks),
		cHeap: d(s.CHeap, base.CHeap), rss: d(s.RSS, base.RSS),
		grtns: float64(s.Goroutines-base.Goroutines) / float64(n), sites: s.Sites, n: n}
}

func report(w io.Writer, impls []string, n int, profileDir string) error {
	dir, err := os.MkdirTemp("", "idlemem")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if profileDir != "" {
		if err := os.MkdirAll(profileDir, 0o755); err != nil {
			return err
		}
	}
	tc := testcerts.Get()
	for name, data := range map[string][]byte{"ca.pem": tc.CACert, "chain.pem": tc.LeafChain, "key.pem": tc.LeafKey} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "OpenSSL %s, %s, n=%d idle TLS 1.3 connections over loopback TCP (X25519, TLS_AES_128_GCM_SHA256, ECDSA P-256)\n",
		libssl.RuntimeVersionText(), runtime.Version(), n)
	var rows []row
	for _, impl := range impls {
		start := time.Now()
		var rs []row
		if impl == "c" || impl == "c-release" {
			rs, err = runC(dir, n, impl == "c-release")
		} else {
			rs, err = runGo(impl, dir, n, profileDir)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", impl, err)
		}
		fmt.Fprintf(w, "%s: %.1f s\n", impl, time.Since(start).Seconds())
		rows = append(rows, rs...)
	}
	fmt.Fprintf(w, "\nbytes per connection (delta over the baseline / n)\n")
	fmt.Fprintf(w, "%-14s %-7s %-8s %10s %10s %10s %10s %10s %10s\n", "impl", "side", "state", "Go heap", "Conn bufs", "stacks", "C heap", "RSS", "goroutines")
	for _, r := range rows {
		bufs := "-"
		if strings.HasPrefix(r.impl, "libssl") {
			bufs = fmt.Sprintf("%.0f", connBuffers(r))
		}
		fmt.Fprintf(w, "%-14s %-7s %-8s %10.0f %10s %10.0f %10.0f %10.0f %10.2f\n", r.impl, r.side, r.state, r.goHeap, bufs, r.stacks, r.cHeap, r.rss, r.grtns)
	}
	fmt.Fprintf(w, "\nConn bufs: the live Go heap allocated in openssl/conn.go outside newConn (the Conn's buffers, pooled or its own)\n")
	fmt.Fprintf(w, "openssl.Conn struct: %d bytes (reflect; allocated in newConn, in its size class)\n",
		reflect.TypeOf((*openssl.Conn)(nil)).Elem().Size())
	fmt.Fprintf(w, "\nlive Go heap by allocation site, bytes per connection (innermost frame in the implementation;\n")
	fmt.Fprintf(w, "for the reading state, the sites that differ from the held state by 64 B or more)\n")
	held := map[string]map[string]float64{}
	for _, r := range rows {
		if len(r.sites) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s %s %s:\n", r.impl, r.side, r.state)
		key := r.impl + " " + r.side
		if r.state == "held" {
			held[key] = map[string]float64{}
		}
		for _, s := range r.sites {
			b := s.Bytes / float64(r.n)
			if r.state == "held" {
				held[key][s.Where] = b
			}
			if h, ok := held[key]; ok && r.state != "held" && math.Abs(b-h[s.Where]) < 64 {
				continue
			}
			if b >= 8 {
				fmt.Fprintf(w, "  %10.0f  %s\n", b, trimModule(s.Where))
			}
		}
	}
	return nil
}

// connBuffers is the live heap allocated in openssl/conn.go other than by
// its constructor newConn: the Conn's own buffers (made by its methods, or
// by the New of the buffer pools there), per connection.
func connBuffers(r row) float64 {
	var b float64
	for _, s := range r.sites {
		if strings.HasPrefix(s.Where, "github.com/libssl-go/libssl/openssl.") && strings.Contains(s.Where, " conn.go:") &&
			!strings.HasPrefix(s.Where, "github.com/libssl-go/libssl/openssl.newConn ") {
			b += s.Bytes
		}
	}
	return b / float64(r.n)
}

func trimModule(s string) string { return strings.TrimPrefix(s, "github.com/libssl-go/libssl/") }

// keepThreadCache leaves glibc's per-thread malloc cache on in the ends'
// processes (-tcache).
var keepThreadCache bool

// childEnv is the environment of an end's process: this one's, with glibc's
// per-thread cache off unless -tcache.
func childEnv() []string {
	env := os.Environ()
	if keepThreadCache {
		return env
	}
	const off = "glibc.malloc.tcache_count=0"
	for i, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GLIBC_TUNABLES="); ok {
			env[i] = "GLIBC_TUNABLES=" + v + ":" + off
			return env
		}
	}
	return append(env, "GLIBC_TUNABLES="+off)
}

// child is one end's process.
type child struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *json.Decoder
	err bytes.Buffer
}

func startChild(ctx context.Context, args ...string) (*child, error) {
	c := &child{cmd: exec.CommandContext(ctx, os.Args[0], args...)}
	c.cmd.Env = childEnv()
	c.cmd.Stderr = &c.err
	var err error
	if c.in, err = c.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	c.out = json.NewDecoder(bufio.NewReader(stdout))
	return c, c.cmd.Start()
}

func (c *child) next(event string) (sample, error) {
	var s sample
	if err := c.out.Decode(&s); err != nil {
		return s, fmt.Errorf("%v: %v: %s", c.cmd.Args[1:], err, c.err.String())
	}
	if s.Event != event {
		return s, fmt.Errorf("%v: got %q, want %q", c.cmd.Args[1:], s.Event, event)
	}
	return s, nil
}

func (c *child) send(cmd string) error {
	_, err := io.WriteString(c.in, cmd+"\n")
	return err
}

func runGo(impl, dir string, n int, profileDir string) ([]row, error) {
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	args := func(role string) []string {
		a := []string{"-role", role, "-impl", impl, "-n", strconv.Itoa(n), "-certs", dir,
			"-memprofilerate", strconv.Itoa(runtime.MemProfileRate)}
		if profileDir != "" {
			a = append(a, "-profile", filepath.Join(profileDir, impl+"-"+role+".pprof"))
		}
		return a
	}
	srv, err := startChild(ctx, args("server")...)
	if err != nil {
		return nil, err
	}
	defer srv.cmd.Wait()
	defer srv.in.Close()
	sbase, err := srv.next("base")
	if err != nil {
		return nil, err
	}
	cli, err := startChild(ctx, append(args("client"), "-addr", sbase.Addr)...)
	if err != nil {
		return nil, err
	}
	defer cli.cmd.Wait()
	defer cli.in.Close()
	cbase, err := cli.next("base")
	if err != nil {
		return nil, err
	}
	var rows []row
	for _, state := range []string{"held", "reading"} {
		if state == "reading" {
			if err := srv.send("read"); err != nil {
				return nil, err
			}
			if err := cli.send("read"); err != nil {
				return nil, err
			}
		}
		for _, end := range []struct {
			side string
			c    *child
			base sample
		}{{"server", srv, sbase}, {"client", cli, cbase}} {
			s, err := end.c.next(state)
			if err != nil {
				return nil, err
			}
			r := perConn(s, end.base, n)
			r.impl, r.side, r.state = impl, end.side, state
			rows = append(rows, r)
		}
	}
	// The client closes first; the server's readers then end.
	if err := cli.send("quit"); err != nil {
		return nil, err
	}
	if err := cli.cmd.Wait(); err != nil {
		return nil, fmt.Errorf("client: %v: %s", err, cli.err.String())
	}
	if err := srv.send("quit"); err != nil {
		return nil, err
	}
	if err := srv.cmd.Wait(); err != nil {
		return nil, fmt.Errorf("server: %v: %s", err, srv.err.String())
	}
	return rows, nil
}

var idlecLine = regexp.MustCompile(`side=(\w+) n=(\d+) cheap_base=(\d+) cheap=(\d+) rss_base=(\d+) rss=(\d+)`)

// idlecSource is the C baseline's source, internal/bench/c/idlec.c of the
// module, found from the working directory up to the module's go.mod
// (`make idlemem` runs in the module's root, go test in this package's
// folder).
func idlecSource() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			src := filepath.Join(dir, "internal", "bench", "c", "idlec.c")
			if _, err := os.Stat(src); err != nil {
				return "", fmt.Errorf("the C baseline: %v (run idlemem within the libssl-go module)", err)
			}
			return src, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("the C baseline: no go.mod in %s or above it (run idlemem within the libssl-go module)", wd)
		}
	}
}

// runC builds internal/bench/c/idlec.c (with CC, CGO_CFLAGS, CGO_LDFLAGS,
// as cgo builds the package) into dir and runs it.
func runC(dir string, n int, release bool) ([]row, error) {
	src, err := idlecSource()
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(dir, "idlec")
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "gcc"
	}
	args := []string{"-std=c99", "-Wall", "-Wextra", "-Werror", "-pthread", "-o", bin}
	if cf := os.Getenv("CGO_CFLAGS"); cf != "" {
		args = append(args, strings.Fields(cf)...)
	} else {
		args = append(args, "-O2", "-g")
	}
	args = append(args, src)
	args = append(args, strings.Fields(os.Getenv("CGO_LDFLAGS"))...)
	args = append(args, "-lssl", "-lcrypto")
	if out, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s %s: %v\n%s", cc, strings.Join(args, " "), err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	args = []string{strconv.Itoa(n), filepath.Join(dir, "ca.pem"), filepath.Join(dir, "chain.pem"), filepath.Join(dir, "key.pem")}
	impl := "c"
	if release {
		args = append(args, "release")
		impl = "c-release"
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("idlec: %v: %s", err, stderr.String())
	}
	// The C program must run against the libssl the package runs with.
	if want := "runtime " + libssl.RuntimeVersionText(); !strings.Contains(stderr.String(), want) {
		return nil, fmt.Errorf("idlec ran against another libssl than the package (want %q): %s", want, stderr.String())
	}
	var rows []row
	for _, side := range []string{"server", "client"} {
		var m []string
		for _, l := range idlecLine.FindAllStringSubmatch(stdout.String(), -1) {
			if l[1] == side {
				m = l
			}
		}
		if m == nil {
			return nil, fmt.Errorf("idlec output has no %s line: %q", side, stdout.String())
		}
		v := make([]uint64, 6)
		for i := 2; i < 6+1; i++ {
			v[i-1], _ = strconv.ParseUint(m[i], 10, 64)
		}
		r := perConn(sample{CHeap: v[3], RSS: v[5]}, sample{CHeap: v[2], RSS: v[4]}, n)
		r.impl, r.side, r.state = impl, side, "idle"
		rows = append(rows, r)
	}
	return rows, nil
}
