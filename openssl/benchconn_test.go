package openssl

// BenchmarkConn: the connection layer over loopback TCP, with P = 1, 2, 8
// and 64 concurrent connections, for three implementations in the same run:
//
//	impl=c          internal/bench/c/cconn.c, libssl driven directly (2P threads)
//	impl=libssl     this package
//	impl=cryptotls  Go's crypto/tls, for the reader
//
// Operations (sub-benchmark op=):
//
//	HS13Full, HS13Resumed, HS12Full, HS12Resumed
//	    one handshake on a new TCP connection: the client dials, both
//	    handshake, the server writes one byte and notes whether the
//	    handshake resumed, the client reads the byte (a TLS 1.3 client
//	    takes its tickets in) and closes (close_notify); the server reads to
//	    the close_notify and closes. N handshakes are spread over P workers;
//	    a worker is a listener, a client goroutine and a server goroutine
//	    (in C: a client thread and a server thread). Every resumed
//	    handshake must resume, every full one must not. Each worker first
//	    runs one untimed handshake (warm-up; fills the client's session
//	    cache). Clients share one session cache (in C: a mutex and the
//	    newest resumable session).
//	Bulk
//	    64 MiB EACH WAY AT ONCE (full duplex), spread over P connections
//	    (64 MiB / P each way on each); connections are set up and
//	    handshaken untimed. Per connection end one goroutine writes in
//	    16 KiB Writes while another Reads (in C one thread per end drives a
//	    non-blocking socket with poll, SSL_write and SSL_read: an SSL may not
//	    be used by two threads at once). Every byte read is checked against
//	    its direction's pattern (byte k is k mod 251) and each direction
//	    must deliver exactly its count. MB/s counts both directions (128 MiB
//	    per op).
//
// ns/op is wall time per handshake (so handshakes/s is 1e9/(ns/op), also
// reported as hs/s) or per 64+64 MiB; cpu-ns/op is the process's user and
// system CPU time (getrusage, every thread: the Go runtime's and the
// kernel's work for it included) over the same region, per op, which a
// loaded machine disturbs less than wall time and which, unlike
// callgrind's user-space instruction counts, sees system calls, spinning
// and cache misses; sys-ns/op is its system part and vcsw/op the voluntary
// context switches (threads that blocked in the kernel: poll, epoll_wait,
// futex), which tell the kernel's share from user space's. Material as in bench_test.go: X25519,
// ECDSA P-256, TLS_AES_128_GCM_SHA256 (TLS 1.3) or
// ECDHE-ECDSA-AES128-GCM-SHA256 (TLS 1.2).
//
// Under callgrind (internal/bench/instrconn.sh) the measured region is bracketed by
// callgrind's zero and dump requests (cbench.InstrZero/InstrDump here, the
// same client requests in cconn.c), so the dump holds the instructions of
// the N operations on every thread. With LIBSSL_CCONN_CALLGRIND=DIR set,
// impl=c runs the C program under callgrind, its output in DIR/c.N; with
// LIBSSL_CCONN_CACHEGRIND=DIR, under cachegrind (the whole program, self
// cost per function: internal/bench/cmd/instrprofile).
//
// Run with `make bench-conn` (tables) or `make bench-conn-smoke` (each
// benchmark once).

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	instr "github.com/libssl-go/libssl/internal/bench/cbench"
)

// connBulkTotal is the bytes each way of one Bulk op: 64 MiB, or
// LIBSSL_CONN_BULK_MIB MiB (instruction runs, which report per MiB; the C
// program gets the same value as CCONN_BULK_MIB).
var connBulkTotal = func() int {
	if s := os.Getenv("LIBSSL_CONN_BULK_MIB"); s != "" {
		if m, err := strconv.Atoi(s); err == nil && m > 0 {
			return m << 20
		}
	}
	return 64 << 20
}()

const (
	connChunk   = 16 << 10
	connPeriod  = 251
	connTimeout = 2 * time.Minute // no connection may take longer
)

// connPattern[k] = k mod 251: the bytes at stream offset o are
// connPattern[o%251:].
var connPattern = func() []byte {
	p := make([]byte, connChunk+connPeriod)
	for i := range p {
		p[i] = byte(i % connPeriod)
	}
	return p
}()

type connOp struct {
	name, cmode string
	version     uint16
	resume      bool
	bulk        bool
}

var connOps = []connOp{
	{"HS13Full", "hs13full", VersionTLS13, false, false},
	{"HS13Resumed", "hs13resumed", VersionTLS13, true, false},
	{"HS12Full", "hs12full", VersionTLS12, false, false},
	{"HS12Resumed", "hs12resumed", VersionTLS12, true, false},
	{"Bulk", "bulk", VersionTLS13, false, true},
}

var connPs = []int{1, 2, 8, 64}

type connImpl struct {
	name           string
	client, server func(net.Conn) (hsConn, error)
	// resumed reports whether a server connection's handshake resumed.
	resumed func(hsConn) bool
}

func connImpls(b *testing.B, op connOp) []connImpl {
	// libssl runs on the socket (SocketIOAuto over TCP), libssl-mem on
	// memory BIOs (SocketIOOff), with otherwise equal Configs.
	scfg, ccfg := benchConnConfigs(b, op, SocketIOAuto)
	mscfg, mccfg := benchConnConfigs(b, op, SocketIOOff)
	gs := goServerConfig(b, op.version)
	gs.NextProtos = nil
	gs.CurvePreferences = []tls.CurveID{tls.X25519}
	gc := goClientConfig(op.version)
	gc.NextProtos = nil
	gc.CurvePreferences = []tls.CurveID{tls.X25519}
	gc.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256} // TLS 1.2 only; 1.3 picks AES-128-GCM on AES hardware
	if !op.resume {
		gc.ClientSessionCache = nil
	}
	return []connImpl{
		{
			name:    "libssl",
			client:  func(c net.Conn) (hsConn, error) { return Client(c, ccfg) },
			server:  func(c net.Conn) (hsConn, error) { return Server(c, scfg) },
			resumed: func(c hsConn) bool { return c.(*Conn).SessionReused() },
		},
		{
			name:    "libssl-mem",
			client:  func(c net.Conn) (hsConn, error) { return Client(c, mccfg) },
			server:  func(c net.Conn) (hsConn, error) { return Server(c, mscfg) },
			resumed: func(c hsConn) bool { return c.(*Conn).SessionReused() },
		},
		{
			name:    "cryptotls",
			client:  func(c net.Conn) (hsConn, error) { return tls.Client(c, gc), nil },
			server:  func(c net.Conn) (hsConn, error) { return tls.Server(c, gs), nil },
			resumed: func(c hsConn) bool { return c.(*tls.Conn).ConnectionState().DidResume },
		},
	}
}

// benchConnConfigs returns BenchmarkConn's server and client Configs for
// op, on the path mode chooses; the benchmark frees them.
func benchConnConfigs(b *testing.B, op connOp, mode SocketIO) (*Config, *Config) {
	scfg := serverConfig(op.version)
	scfg.NextProtos = nil
	ccfg := clientConfig(op.version)
	ccfg.NextProtos = nil
	ccfg.CipherSuites = "TLS_AES_128_GCM_SHA256"
	ccfg.CipherList = "ECDHE-ECDSA-AES128-GCM-SHA256"
	scfg.SocketIO, ccfg.SocketIO = mode, mode
	if !op.resume {
		ccfg.ClientSessionCache = nil
	}
	b.Cleanup(func() {
		if c, ok := ccfg.ClientSessionCache.(*LRUClientSessionCache); ok {
			c.Clear()
		}
		ccfg.Free()
		scfg.Free()
	})
	return scfg, ccfg
}

func BenchmarkConn(b *testing.B) {
	// The C program is built when an impl=c benchmark first runs: the Go
	// implementations' instruction runs under callgrind run no
	// subprocess (callgrind stumbles over a child's SIGCHLD).
	dir := b.TempDir()
	var cb *cbench
	runC := func(b *testing.B, op connOp, p int) {
		if cb == nil {
			cb = buildCIn(b, dir, "cconn")
		}
		cb.runConn(b, op, p)
	}
	for _, op := range connOps {
		b.Run("op="+op.name, func(b *testing.B) {
			for _, p := range connPs {
				b.Run("P="+strconv.Itoa(p), func(b *testing.B) {
					b.Run("impl=c", func(b *testing.B) { runC(b, op, p) })
					for _, im := range connImpls(b, op) {
						b.Run("impl="+im.name, func(b *testing.B) {
							if op.bulk {
								benchBulkP(b, im, p)
							} else {
								benchHandshakesP(b, im, p, op.resume)
							}
						})
					}
				})
			}
		})
	}
}

// cpuUse is the process's CPU use so far, every thread: user and system
// time (cpu), system time alone (sys), and voluntary context switches
// (vcsw: a thread that blocked in the kernel, in epoll_wait, futex or poll).
type cpuUse struct{ cpu, sys, vcsw int64 }

func cpuNow(b *testing.B) cpuUse {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return cpuUse{cpu: ru.Utime.Nano() + ru.Stime.Nano(), sys: ru.Stime.Nano(), vcsw: ru.Nvcsw}
}

// reportCPU reports the CPU use since u0 per op: cpu-ns/op (user and
// system), sys-ns/op and vcsw/op.
func reportCPU(b *testing.B, u0 cpuUse) {
	u := cpuNow(b)
	n := float64(b.N)
	b.ReportMetric(float64(u.cpu-u0.cpu)/n, "cpu-ns/op")
	b.ReportMetric(float64(u.sys-u0.sys)/n, "sys-ns/op")
	b.ReportMetric(float64(u.vcsw-u0.vcsw)/n, "vcsw/op")
}

// share is worker k's part of n operations over p workers.
func share(n, p, k int) int {
	s := n / p
	if k < n%p {
		s++
	}
	return s
}

// firstErr keeps the first error of several goroutines.
type firstErr struct {
	once sync.Once
	err  error
}

func (f *firstErr) set(err error) {
	if err != nil {
		f.once.Do(func() { f.err = err })
	}
}

// clientHS is one handshake connection, client side.
func clientHS(im connImpl, addr string) error {
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	_ = raw.SetDeadline(time.Now().Add(connTimeout))
	c, err := im.client(raw)
	if err != nil {
		raw.Close()
		return err
	}
	if err := c.Handshake(); err != nil {
		c.Close()
		return fmt.Errorf("client handshake: %w", err)
	}
	var one [1]byte
	if _, err := io.ReadFull(c, one[:]); err != nil {
		c.Close()
		return fmt.Errorf("client read: %w", err)
	}
	return c.Close()
}

// serverHS is one handshake connection, server side; it reports whether the
// handshake resumed.
func serverHS(im connImpl, l net.Listener) (bool, error) {
	raw, err := l.Accept()
	if err != nil {
		return false, err
	}
	_ = raw.SetDeadline(time.Now().Add(connTimeout))
	c, err := im.server(raw)
	if err != nil {
		raw.Close()
		return false, err
	}
	defer c.Close()
	if err := c.Handshake(); err != nil {
		return false, fmt.Errorf("server handshake: %w", err)
	}
	if _, err := c.Write([]byte{1}); err != nil {
		return false, fmt.Errorf("server write: %w", err)
	}
	resumed := im.resumed(c)
	if _, err := io.Copy(io.Discard, c); err != nil { // to the client's close_notify
		return false, fmt.Errorf("server read: want close_notify: %w", err)
	}
	return resumed, nil
}

// handshakes runs count(k) handshakes on each worker k, a client and a
// server goroutine per worker, and returns how many resumed.
func handshakes(im connImpl, ls []net.Listener, count func(k int) int) (int64, error) {
	var wg sync.WaitGroup
	var fe firstErr
	var resumed atomic.Int64
	for k, l := range ls {
		n := count(k)
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < n; i++ {
				if err := clientHS(im, l.Addr().String()); err != nil {
					fe.set(err)
					l.Close() // unblocks the server's Accept
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < n; i++ {
				r, err := serverHS(im, l)
				if err != nil {
					fe.set(err)
					l.Close()
					return
				}
				if r {
					resumed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return resumed.Load(), fe.err
}

func benchHandshakesP(b *testing.B, im connImpl, p int, resume bool) {
	ls := make([]net.Listener, p)
	for k := range ls {
		ls[k] = listenLoopback(b)
	}
	if _, err := handshakes(im, ls, func(int) int { return 1 }); err != nil { // warm-up
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuNow(b)
	instr.InstrZero()
	resumed, err := handshakes(im, ls, func(k int) int { return share(b.N, p, k) })
	instr.InstrDump()
	b.StopTimer()
	reportCPU(b, cpu0)
	if err != nil {
		b.Fatal(err)
	}
	if want := map[bool]int64{true: int64(b.N)}[resume]; resumed != want {
		b.Fatalf("%d of %d handshakes resumed, want %d", resumed, b.N, want)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hs/s")
}

// bulkEnd sends n bytes of the pattern in 16 KiB Writes from one goroutine
// while another Reads n bytes and checks them.
func bulkEnd(c net.Conn, n int, fe *firstErr, wg *sync.WaitGroup) {
	wg.Add(2)
	go func() {
		defer wg.Done()
		for sent := 0; sent < n; sent += connChunk {
			if _, err := c.Write(connPattern[sent%connPeriod:][:connChunk]); err != nil {
				fe.set(fmt.Errorf("bulk write: %w", err))
				c.Close()
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		buf := make([]byte, connChunk)
		for got := 0; got < n; {
			m, err := c.Read(buf)
			if got+m > n || !bytes.Equal(buf[:m], connPattern[got%connPeriod:][:m]) {
				fe.set(errors.New("bulk: the bytes read are not the bytes written"))
				c.Close()
				return
			}
			got += m
			if err != nil {
				fe.set(fmt.Errorf("bulk read after %d of %d bytes: %w", got, n, err))
				c.Close()
				return
			}
		}
	}()
}

func benchBulkP(b *testing.B, im connImpl, p int) {
	if connBulkTotal%(connChunk*p) != 0 {
		b.Fatalf("%d bytes do not split into 16 KiB writes over %d connections", connBulkTotal, p)
	}
	type pair struct{ cl, sv hsConn }
	pairs := make([]pair, p)
	for k := range pairs {
		l := listenLoopback(b)
		ch := make(chan net.Conn, 1)
		go func() { c, _ := l.Accept(); ch <- c }()
		craw, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		sraw := <-ch
		if sraw == nil {
			b.Fatal("accept failed")
		}
		cl, err := im.client(craw)
		if err != nil {
			b.Fatal(err)
		}
		sv, err := im.server(sraw)
		if err != nil {
			b.Fatal(err)
		}
		pairs[k] = pair{cl, sv}
		defer cl.Close()
		defer sv.Close()
		_ = cl.SetDeadline(time.Now().Add(connTimeout))
		_ = sv.SetDeadline(time.Now().Add(connTimeout))
		errc := make(chan error, 1)
		go func() { errc <- sv.Handshake() }()
		if err := cl.Handshake(); err != nil {
			b.Fatal(err)
		}
		if err := <-errc; err != nil {
			b.Fatal(err)
		}
	}
	per := b.N * (connBulkTotal / p)
	b.SetBytes(2 * int64(connBulkTotal))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuNow(b)
	instr.InstrZero()
	var wg sync.WaitGroup
	var fe firstErr
	for _, pr := range pairs {
		bulkEnd(pr.cl, per, &fe, &wg)
		bulkEnd(pr.sv, per, &fe, &wg)
	}
	wg.Wait()
	instr.InstrDump()
	b.StopTimer()
	reportCPU(b, cpu0)
	if fe.err != nil {
		b.Fatal(fe.err)
	}
}

var cconnCPU = regexp.MustCompile(`cpu_ns=(\d+) sys_ns=(\d+) vcsw=(\d+)`)

// runConn runs internal/bench/c/cconn.c for b.N operations with p connections and
// reports its elapsed time as ns/op.
func (cb *cbench) runConn(b *testing.B, op connOp, p int) {
	ctx, cancel := context.WithTimeout(context.Background(), cbenchTimeout)
	defer cancel()
	args := []string{cb.bin, op.cmode, strconv.Itoa(p), strconv.Itoa(b.N), cb.ca, cb.chain, cb.key}
	if dir := os.Getenv("LIBSSL_CCONN_CALLGRIND"); dir != "" {
		args = append([]string{"valgrind", "--tool=callgrind", "--quiet", "--dump-instr=no", "--dump-line=no",
			"--callgrind-out-file=" + filepath.Join(dir, "c."+strconv.Itoa(b.N))}, args...)
	} else if dir := os.Getenv("LIBSSL_CCONN_CACHEGRIND"); dir != "" {
		args = append([]string{"valgrind", "--tool=cachegrind", "--cache-sim=no", "--quiet",
			"--cachegrind-out-file=" + filepath.Join(dir, "c."+strconv.Itoa(b.N))}, args...)
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "CCONN_BULK_MIB="+strconv.Itoa(connBulkTotal>>20))
	ns, stdout := runC(b, "cconn "+op.cmode, cmd, map[bool]int{true: b.N}[op.resume])
	b.ReportMetric(ns/float64(b.N), "ns/op")
	m := cconnCPU.FindStringSubmatch(stdout)
	if m == nil {
		b.Fatalf("cconn output without cpu_ns, sys_ns and vcsw: %q", stdout)
	}
	for i, unit := range []string{"cpu-ns/op", "sys-ns/op", "vcsw/op"} {
		v, _ := strconv.ParseFloat(m[1+i], 64)
		b.ReportMetric(v/float64(b.N), unit)
	}
	b.ReportMetric(0, "B/op")
	b.ReportMetric(0, "allocs/op")
	if op.bulk {
		b.ReportMetric(2*float64(connBulkTotal)*float64(b.N)/ns*1e3, "MB/s")
	} else {
		b.ReportMetric(float64(b.N)/ns*1e9, "hs/s")
	}
}
