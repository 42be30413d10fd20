package main

// One end of the measurement, run in a child process: -role server or
// -role client. The parent (main.go) drives it through stdin ("read",
// "quit") and reads its samples as JSON lines on stdout.

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/libssl-go/libssl/openssl"
)

// msgSize is the one small exchange each way.
const msgSize = 64

// ioTimeout bounds each connection's handshake and exchange.
const ioTimeout = 60 * time.Second

// dialers is how many connections the client makes at once.
const dialers = 16

type tlsConn interface {
	net.Conn
	Handshake() error
}

// material is the certificate material the parent wrote: one set for all
// processes, the C program's included.
type material struct{ ca, chain, key []byte }

func loadMaterial(dir string) (material, error) {
	var m material
	var err error
	for _, f := range []struct {
		p    *[]byte
		name string
	}{{&m.ca, "ca.pem"}, {&m.chain, "chain.pem"}, {&m.key, "key.pem"}} {
		if *f.p, err = os.ReadFile(filepath.Join(dir, f.name)); err != nil {
			return m, err
		}
	}
	return m, nil
}

// impls make the two ends of each implementation. Both use TLS 1.3 only,
// TLS_AES_128_GCM_SHA256, X25519, no client session cache (the client reads
// the tickets and drops them), client verification of "localhost".
type ends struct {
	client func(net.Conn) (tlsConn, error)
	server func(net.Conn) (tlsConn, error)
}

func makeEnds(impl string, m material, certDir string) (ends, error) {
	switch impl {
	case "libssl", "libssl-release", "libssl-mem":
		// libssl-release sets Config.ReleaseBuffers (SSL_MODE_RELEASE_BUFFERS:
		// libssl frees an SSL's record buffers whenever they are empty);
		// libssl-mem runs on memory BIOs (Config.SocketIO) instead of the
		// socket.
		scfg := &openssl.Config{
			Certificates: []openssl.Certificate{{CertPEM: m.chain, KeyPEM: m.key}},
			MinVersion:   openssl.VersionTLS13, MaxVersion: openssl.VersionTLS13,
			CipherSuites: "TLS_AES_128_GCM_SHA256",
		}
		ccfg := &openssl.Config{
			RootCAs: m.ca, ServerName: "localhost",
			MinVersion: openssl.VersionTLS13, MaxVersion: openssl.VersionTLS13,
			CipherSuites: "TLS_AES_128_GCM_SHA256",
		}
		switch impl {
		case "libssl-release":
			scfg.ReleaseBuffers, ccfg.ReleaseBuffers = true, true
		case "libssl-mem":
			scfg.SocketIO, ccfg.SocketIO = openssl.SocketIOOff, openssl.SocketIOOff
		}
		return ends{
			client: func(c net.Conn) (tlsConn, error) { return openssl.Client(c, ccfg) },
			server: func(c net.Conn) (tlsConn, error) { return openssl.Server(c, scfg) },
		}, nil
	case "cryptotls":
		cert, err := tls.X509KeyPair(m.chain, m.key)
		if err != nil {
			return ends{}, err
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(m.ca)
		curves := []tls.CurveID{tls.X25519}
		scfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13,
			MaxVersion: tls.VersionTLS13, CurvePreferences: curves}
		ccfg := &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: tls.VersionTLS13,
			MaxVersion: tls.VersionTLS13, CurvePreferences: curves}
		return ends{
			client: func(c net.Conn) (tlsConn, error) { return tls.Client(c, ccfg), nil },
			server: func(c net.Conn) (tlsConn, error) { return tls.Server(c, scfg), nil },
		}, nil
	}
	return ends{}, fmt.Errorf("unknown implementation %q", impl)
}

// exchange runs the handshake and the one exchange: the client writes
// msgSize bytes and reads as many back, the server the reverse. The
// client's read also takes the TLS 1.3 tickets that come before the reply.
func exchange(c tlsConn, isClient bool) error {
	if err := c.SetDeadline(time.Now().Add(ioTimeout)); err != nil {
		return err
	}
	if err := c.Handshake(); err != nil {
		return fmt.Errorf("handshake: %w", err)
	}
	buf := make([]byte, msgSize)
	if isClient {
		if _, err := c.Write(buf); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	if _, err := io.ReadFull(c, buf); err != nil {
		return fmt.Errorf("read: %w", err)
	}
	if !isClient {
		if _, err := c.Write(buf); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	return c.SetDeadline(time.Time{})
}

// sample is one measurement of this process.
type sample struct {
	Event      string `json:"event"`
	Addr       string `json:"addr,omitempty"`
	GoHeap     uint64 `json:"go_heap"`    // live Go heap objects after GC
	Stacks     uint64 `json:"stacks"`     // goroutine stacks
	CHeap      uint64 `json:"c_heap"`     // mallinfo2 in use
	RSS        uint64 `json:"rss"`        // resident set
	Goroutines int    `json:"goroutines"` // runtime.NumGoroutine
	Sites      []site `json:"sites,omitempty"`
}

// site is the Go heap in use allocated at one place: the innermost frame in
// the implementation's own code (package libssl or openssl, or crypto/tls).
type site struct {
	Where string  `json:"where"`
	Bytes float64 `json:"bytes"`
}

func measure(event string, sitesOf string) sample {
	// The heap profile is published up to two cycles late.
	for i := 0; i < 3; i++ {
		runtime.GC()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := sample{Event: event, GoHeap: ms.HeapAlloc, Stacks: ms.StackInuse, CHeap: cHeap(),
		RSS: rss(), Goroutines: runtime.NumGoroutine()}
	if sitesOf != "" {
		s.Sites = sites(sitesOf)
	}
	return s
}

func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

// sites sums the in-use heap profile by allocation site: the innermost
// frame whose function starts with one of the prefixes (else the innermost
// frame outside the runtime). Below MemProfileRate 1 the profile is sampled;
// each record is scaled up as pprof does (by 1/(1-exp(-size/rate))).
func sites(prefixes string) []site {
	n, _ := runtime.MemProfile(nil, false)
	recs := make([]runtime.MemProfileRecord, n+64)
	n, ok := runtime.MemProfile(recs, false)
	if !ok {
		return nil
	}
	rate := float64(runtime.MemProfileRate)
	sum := map[string]float64{}
	for _, r := range recs[:n] {
		if r.InUseBytes() == 0 {
			continue
		}
		b := float64(r.InUseBytes())
		if rate > 1 && r.AllocObjects > 0 {
			b /= 1 - math.Exp(-float64(r.AllocBytes)/float64(r.AllocObjects)/rate)
		}
		sum[siteOf(r.Stack(), strings.Split(prefixes, ","))] += b
	}
	out := make([]site, 0, len(sum))
	for w, b := range sum {
		out = append(out, site{w, b})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Bytes > out[j].Bytes })
	if len(out) > 12 {
		out = out[:12]
	}
	return out
}

func siteOf(stk []uintptr, prefixes []string) string {
	frames := runtime.CallersFrames(stk)
	fallback := ""
	for {
		f, more := frames.Next()
		name := f.Function
		if fallback == "" && !strings.HasPrefix(name, "runtime.") {
			fallback = fmt.Sprintf("%s %s:%d", name, filepath.Base(f.File), f.Line)
		}
		for _, p := range prefixes {
			if strings.HasPrefix(name, p) {
				return fmt.Sprintf("%s %s:%d", name, filepath.Base(f.File), f.Line)
			}
		}
		if !more {
			break
		}
	}
	if fallback == "" {
		fallback = "runtime"
	}
	return fallback
}

// waitBlocked waits until want more goroutines than at base are waiting
// (the readers, parked in the network poller). It polls a condition; it is
// no sleep standing in for one.
func waitBlocked(base uint64, want int) error {
	m := []metrics.Sample{{Name: "/sched/goroutines/waiting:goroutines"}}
	deadline := time.Now().Add(ioTimeout)
	for {
		metrics.Read(m)
		if m[0].Value.Kind() != metrics.KindUint64 {
			return errors.New("runtime/metrics has no /sched/goroutines/waiting")
		}
		if m[0].Value.Uint64() >= base+uint64(want) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d readers blocked after %v", m[0].Value.Uint64()-base, want, ioTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waiting() uint64 {
	m := []metrics.Sample{{Name: "/sched/goroutines/waiting:goroutines"}}
	metrics.Read(m)
	if m[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return m[0].Value.Uint64()
}

// warm runs one handshake and exchange in this process over loopback TCP,
// so that the contexts, libssl's and the runtime's lazily built state exist
// before the baseline.
func warm(e ends) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	errc := make(chan error, 1)
	go func() {
		raw, err := ln.Accept()
		if err != nil {
			errc <- err
			return
		}
		s, err := e.server(raw)
		if err == nil {
			err = exchange(s, false)
			s.Close()
		}
		raw.Close()
		errc <- err
	}()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return err
	}
	c, err := e.client(raw)
	if err == nil {
		err = exchange(c, true)
		c.Close()
	}
	raw.Close()
	if serr := <-errc; err == nil {
		err = serr
	}
	return err
}

// runSide is the child process: one end of n connections.
func runSide(role, impl string, n int, certDir, addr, profile string) error {
	m, err := loadMaterial(certDir)
	if err != nil {
		return err
	}
	e, err := makeEnds(impl, m, certDir)
	if err != nil {
		return err
	}
	if err := warm(e); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	prefixes := "github.com/libssl-go/libssl"
	if impl == "cryptotls" {
		prefixes = "crypto/tls."
	}
	out := json.NewEncoder(os.Stdout)
	in := bufio.NewScanner(os.Stdin)
	expect := func(cmd string) error {
		if !in.Scan() {
			return fmt.Errorf("parent gone before %q: %v", cmd, in.Err())
		}
		if in.Text() != cmd {
			return fmt.Errorf("got %q from the parent, want %q", in.Text(), cmd)
		}
		return nil
	}

	var ln net.Listener
	if role == "server" {
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return err
		}
		defer ln.Close()
	}
	base := measure("base", "")
	if ln != nil {
		base.Addr = ln.Addr().String()
	}
	if err := out.Encode(base); err != nil {
		return err
	}

	conns := make([]tlsConn, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	if role == "server" {
		for i := 0; i < n; i++ {
			raw, err := ln.Accept()
			if err != nil {
				return err
			}
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				c, err := e.server(raw)
				if err == nil {
					err = exchange(c, false)
				}
				if err != nil {
					errs <- fmt.Errorf("connection %d: %w", i, err)
				}
				conns[i] = c
			}(i)
		}
	} else {
		next := make(chan int)
		for w := 0; w < dialers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					raw, err := net.Dial("tcp", addr)
					var c tlsConn
					if err == nil {
						c, err = e.client(raw)
					}
					if err == nil {
						err = exchange(c, true)
					}
					if err != nil {
						errs <- fmt.Errorf("connection %d: %w", i, err)
					}
					conns[i] = c
				}
			}()
		}
		for i := 0; i < n; i++ {
			next <- i
		}
		close(next)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}

	// Held: every connection open, no goroutine on it.
	if err := out.Encode(measure("held", prefixes)); err != nil {
		return err
	}
	// Reading: one goroutine per connection blocked in Read, the shape of
	// a server (net/http) or a client transport's read loop.
	if err := expect("read"); err != nil {
		return err
	}
	w0 := waiting()
	var readers sync.WaitGroup
	for _, c := range conns {
		readers.Add(1)
		go func() {
			defer readers.Done()
			var b [1]byte
			_, _ = c.Read(b[:]) // ends at quit, with the peer's close
		}()
	}
	if err := waitBlocked(w0, n); err != nil {
		return err
	}
	if err := out.Encode(measure("reading", prefixes)); err != nil {
		return err
	}
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	if err := expect("quit"); err != nil {
		return err
	}
	for _, c := range conns {
		c.Close()
	}
	readers.Wait()
	return nil
}
