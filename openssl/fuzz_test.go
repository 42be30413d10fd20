package openssl

// Fuzz targets for the connection layer: an openssl.Conn, as server
// (FuzzConnServer) or client (FuzzConnClient), against a peer that runs a
// script the fuzzer writes. The seed corpus under testdata/fuzz/<Name>/ runs
// in every `go test`; mk/fuzz-conn.mk runs the engine.
//
// Input: the first byte picks the transport (bit 0: loopback TCP, else
// net.Pipe); the rest is a script of operations, one byte each (the value
// modulo 9), some followed by an argument byte:
//
//	0, 1, 2  data n:   the next n input bytes, as they are
//	3        flight a: the next a>>1 bytes (0: all the rest) of a real first
//	                   flight of the other role (a&1: TLS 1.2, else 1.3), so
//	                   that the fuzzer gets past the first message
//	4        stall a:  no output for a ms (at most 30, 100 in all)
//	5        close:    close the transport; the script ends
//	6        hang:     stop writing, keep the transport open; the script ends
//	7        mute:     stop reading what the Conn sends
//	8        halfclose: TCP CloseWrite (net.Pipe: close); the script ends
//
// A script that ends otherwise closes the transport. The Conn runs under a
// deadline: Handshake, then (if it succeeded) Write and Read, then Close.
// Each input must end without a panic, within the deadline plus a slack,
// with no goroutine left in the Conn or the peer, and with the destruction
// probe back where it was (every SSL and session destroyed by Close).

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	fuzzDeadline = 100 * time.Millisecond
	// fuzzSlack: the machine is a loaded two-core one; a hang is a wait for
	// something that never comes, which this bound still catches.
	fuzzSlack     = 2 * time.Second
	fuzzStallMax  = 30 * time.Millisecond
	fuzzStallSum  = 100 * time.Millisecond
	fuzzOps       = 9
	fuzzCloseWait = 5 * time.Second // Close's own bound on close_notify
)

// recorder keeps every Write on a net.Conn, one entry per call.
type recorder struct {
	net.Conn
	mu     sync.Mutex
	writes [][]byte
}

func (r *recorder) Write(b []byte) (int, error) {
	r.mu.Lock()
	r.writes = append(r.writes, append([]byte(nil), b...))
	r.mu.Unlock()
	return r.Conn.Write(b)
}

func (r *recorder) all() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Join(r.writes, nil)
}

func (r *recorder) first() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.writes) == 0 {
		return nil
	}
	return r.writes[0]
}

// transcript runs a handshake and one exchange between an openssl client
// and server over net.Pipe at version v, and returns what each wrote: the
// client's ClientHello and whole transcript, the server's first flight and
// whole transcript.
type transcriptT struct{ clientFirst, clientAll, serverFirst, serverAll []byte }

func transcript(tb testing.TB, v uint16) transcriptT {
	tb.Helper()
	scfg, ccfg := serverConfig(v), clientConfig(v)
	defer scfg.Free()
	defer ccfg.Free()
	ccfg.ClientSessionCache = nil
	a, b := net.Pipe()
	ra, rb := &recorder{Conn: a}, &recorder{Conn: b}
	cl, err := Client(ra, ccfg)
	if err != nil {
		tb.Fatal(err)
	}
	sv, err := Server(rb, scfg)
	if err != nil {
		tb.Fatal(err)
	}
	deadline(cl)
	deadline(sv)
	errc := make(chan error, 1)
	go func() {
		buf := make([]byte, 5)
		_, err := sv.Read(buf)
		if err == nil {
			_, err = sv.Write([]byte("pong\n"))
		}
		if err == nil {
			_, err = sv.Read(buf) // the client's close_notify
			if errors.Is(err, io.EOF) {
				err = nil
			}
		}
		sv.Close()
		errc <- err
	}()
	_, err = cl.Write([]byte("ping\n"))
	if err == nil {
		_, err = readFull(cl, 5)
	}
	cl.Close()
	if serr := <-errc; err != nil || serr != nil {
		tb.Fatalf("transcript: client %v, server %v", err, serr)
	}
	return transcriptT{ra.first(), ra.all(), rb.first(), rb.all()}
}

// fuzzEnv is what a target builds once: the configs (their contexts
// built), the real flights, a loopback listener.
type fuzzEnv struct {
	cfg     *Config
	flights [2][]byte // [0] TLS 1.3, [1] TLS 1.2: the other role's first flight
	ln      net.Listener
	accept  chan net.Conn
}

func newFuzzEnv(f *testing.F, server bool) *fuzzEnv {
	t13, t12 := transcript(f, VersionTLS13), transcript(f, VersionTLS12)
	e := &fuzzEnv{accept: make(chan net.Conn)}
	if server {
		e.cfg = serverConfig(0)
		e.flights = [2][]byte{t13.clientFirst, t12.clientFirst}
	} else {
		e.cfg = clientConfig(0)
		e.cfg.ClientSessionCache = nil
		e.flights = [2][]byte{t13.serverFirst, t12.serverFirst}
	}
	if _, err := e.cfg.ctx(!server); err != nil {
		f.Fatal(err)
	}
	f.Cleanup(e.cfg.Free)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	e.ln = ln
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(e.accept)
				return
			}
			e.accept <- c
		}
	}()
	f.Cleanup(func() { ln.Close() })
	settleProbe()
	return e
}

// transport returns the Conn's end and the peer's end.
func (e *fuzzEnv) transport(t *testing.T, tcp bool) (net.Conn, net.Conn) {
	if !tcp {
		return net.Pipe()
	}
	a, err := net.Dial("tcp", e.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b, ok := <-e.accept
	if !ok {
		t.Fatal("the listener closed")
	}
	return a, b
}

// fuzzPeer runs the script on p until it ends or the Conn's side goes away.
// It returns when its transport is closed and its reader has ended.
func fuzzPeer(p net.Conn, script []byte, flights [2][]byte, release <-chan struct{}) {
	muted := atomic.Bool{}
	readerDone := make(chan struct{})
	go func() { // drains what the Conn sends, until muted or closed
		defer close(readerDone)
		buf := make([]byte, 32<<10)
		for !muted.Load() {
			if _, err := p.Read(buf); err != nil {
				return
			}
		}
	}()
	defer func() {
		p.Close()
		<-readerDone
	}()
	var cursor [2]int
	var stalled time.Duration
	for i := 0; i < len(script); {
		op := script[i] % fuzzOps
		i++
		arg := func() int {
			if i >= len(script) {
				return 0
			}
			i++
			return int(script[i-1])
		}
		var out []byte
		switch op {
		case 0, 1, 2:
			n := min(arg(), len(script)-i)
			out = script[i : i+n]
			i += n
		case 3:
			a := arg()
			fl := flights[a&1]
			rest := fl[cursor[a&1]:]
			n := a >> 1
			if n == 0 || n > len(rest) {
				n = len(rest)
			}
			out = rest[:n]
			cursor[a&1] += n
		case 4:
			d := min(time.Duration(arg())*time.Millisecond, fuzzStallMax, fuzzStallSum-stalled)
			stalled += d
			if d > 0 {
				tm := time.NewTimer(d)
				select {
				case <-tm.C:
				case <-release:
					tm.Stop()
					return
				}
			}
		case 5:
			return
		case 6:
			<-release
			return
		case 7:
			muted.Store(true)
		case 8:
			if tc, ok := p.(*net.TCPConn); ok {
				_ = tc.CloseWrite()
				<-release
			}
			return
		}
		if len(out) > 0 {
			// The Conn may have stopped reading: its Close ends this write
			// (net.Pipe) or the deadline does (TCP buffers).
			_ = p.SetWriteDeadline(time.Now().Add(fuzzDeadline + fuzzSlack))
			if _, err := p.Write(out); err != nil {
				return
			}
		}
	}
}

func fuzzConn(t *testing.T, e *fuzzEnv, server bool, data []byte) {
	if len(data) == 0 {
		return
	}
	tcp := data[0]&1 == 1
	base := probeNow()
	fds := openFDs()
	mine, theirs := e.transport(t, tcp)
	release := make(chan struct{})
	peerDone := make(chan struct{})
	go func() {
		fuzzPeer(theirs, data[1:], e.flights, release)
		close(peerDone)
	}()
	var c *Conn
	var err error
	if server {
		c, err = Server(mine, e.cfg)
	} else {
		c, err = Client(mine, e.cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_ = c.SetDeadline(start.Add(fuzzDeadline))
	// The Conn runs on its own goroutine, so that a hang is reported (with
	// the stacks) instead of stopping the run.
	herrc := make(chan error, 1)
	connDone := make(chan struct{})
	go func() {
		defer close(connDone)
		herr := c.Handshake()
		herrc <- herr
		if herr == nil {
			_, _ = c.Write([]byte("ping\n"))
			var b [64]byte
			_, _ = c.Read(b[:])
		}
		_ = c.Close()
	}()
	bound := fuzzDeadline + fuzzSlack
	hung := time.NewTimer(bound)
	defer hung.Stop()
	select {
	case herr := <-herrc:
		if herr == nil {
			// Close may wait its own bound for close_notify to go out.
			hung.Reset(bound + fuzzCloseWait)
		}
		select {
		case <-connDone:
		case <-hung.C:
			t.Fatalf("the Conn's Write, Read or Close did not return within %v:\n%s", bound+fuzzCloseWait, strings.Join(connGoroutines(), "\n\n"))
		}
	case <-hung.C:
		t.Fatalf("the Conn's Handshake did not return within %v of a %v deadline:\n%s", bound, fuzzDeadline, strings.Join(connGoroutines(), "\n\n"))
	}
	close(release)
	select {
	case <-peerDone:
	case <-time.After(fuzzSlack):
		t.Fatal("the peer did not end after the Conn's Close: the Conn's transport was not closed")
	}
	noConnGoroutines(t, fuzzSlack)
	probeBack(t, base)
	if tcp {
		if n := openFDs(); n > fds {
			t.Fatalf("open file descriptors: %d, %d before", n, fds)
		}
	}
}

func FuzzConnServer(f *testing.F) {
	e := newFuzzEnv(f, true)
	for _, s := range builtinConnSeeds(true) {
		f.Add(s.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzConn(t, e, true, data) })
}

func FuzzConnClient(f *testing.F) {
	e := newFuzzEnv(f, false)
	for _, s := range builtinConnSeeds(false) {
		f.Add(s.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzConn(t, e, false, data) })
}

type connSeed struct {
	name string
	data []byte
}

// builtinConnSeeds are the scripts that do not depend on a recorded
// transcript (those are in testdata/fuzz, written by
// TestWriteConnFuzzSeeds).
func builtinConnSeeds(server bool) []connSeed {
	_ = server
	return []connSeed{
		{"flight13-pipe", []byte{0, 3, 0}},
		{"flight12-tcp", []byte{1, 3, 1}},
		{"flight13-hang", []byte{0, 3, 0, 6}},
	}
}

// dataOps encodes b as data operations of at most 255 bytes.
func dataOps(b []byte) []byte {
	var out []byte
	for len(b) > 0 {
		n := min(len(b), 255)
		out = append(out, 0, byte(n))
		out = append(out, b[:n]...)
		b = b[n:]
	}
	return out
}

// connSeeds are the committed seeds: real transcripts recorded now, cut and
// mutated, and garbage.
func connSeeds(tb testing.TB, server bool) []connSeed {
	t13, t12 := transcript(tb, VersionTLS13), transcript(tb, VersionTLS12)
	peer13, peer12 := t13.serverAll, t12.serverAll
	if server {
		peer13, peer12 = t13.clientAll, t12.clientAll
	}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	flip := func(b []byte, at int) []byte {
		b = append([]byte(nil), b...)
		b[at%len(b)] ^= 0x40
		return b
	}
	var s []connSeed
	add := func(name string, data []byte) { s = append(s, connSeed{name, data}) }
	for _, tr := range []struct {
		name string
		b    []byte
	}{{"tls13", peer13}, {"tls12", peer12}} {
		add("transcript-"+tr.name+"-pipe", cat([]byte{0}, dataOps(tr.b)))
		add("transcript-"+tr.name+"-tcp", cat([]byte{1}, dataOps(tr.b)))
		add("transcript-"+tr.name+"-cut-header", cat([]byte{0}, dataOps(tr.b[:3])))
		add("transcript-"+tr.name+"-cut-midrecord", cat([]byte{1}, dataOps(tr.b[:len(tr.b)/3])))
		add("transcript-"+tr.name+"-cut-hang", cat([]byte{0}, dataOps(tr.b[:len(tr.b)/2]), []byte{6}))
		add("transcript-"+tr.name+"-flip-type", cat([]byte{0}, dataOps(flip(tr.b, 0))))
		add("transcript-"+tr.name+"-flip-length", cat([]byte{0}, dataOps(flip(tr.b, 3))))
		add("transcript-"+tr.name+"-flip-body", cat([]byte{1}, dataOps(flip(tr.b, 40))))
		add("transcript-"+tr.name+"-bytewise-stalls", func() []byte {
			out := []byte{0}
			for _, c := range tr.b[:min(len(tr.b), 40)] {
				out = append(out, 0, 1, c, 4, 2)
			}
			return out
		}())
		add("transcript-"+tr.name+"-mute-halfclose", cat([]byte{1, 7}, dataOps(tr.b[:len(tr.b)/2]), []byte{8}))
	}
	add("garbage", cat([]byte{0}, dataOps([]byte("\x00\xff\x13\x37garbage that is no TLS record at all\r\n"))))
	add("http-request", cat([]byte{1}, dataOps([]byte("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"))))
	add("header-16k-then-hang", []byte{0, 0, 5, 0x16, 0x03, 0x03, 0x40, 0x00, 6})
	add("oversized-record", cat([]byte{0}, dataOps(cat([]byte{0x16, 0x03, 0x03, 0x48, 0x01}, make([]byte, 600)))))
	add("fatal-alert", []byte{0, 0, 7, 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28})
	add("warning-alert-then-flight", []byte{0, 0, 7, 0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x00, 3, 0})
	add("close-at-once", []byte{1, 5})
	add("hang-at-once", []byte{0, 6})
	add("flight-then-garbage", cat([]byte{0, 3, 0}, dataOps([]byte("\x17\x03\x03\x00\x05hello"))))
	return s
}

// TestConnFuzzSeeds checks that the committed seed corpus of both targets
// holds every seed connSeeds makes, each a valid corpus file (the seeds'
// bytes differ run to run: transcripts carry fresh randoms, so names are
// compared, and go test runs the files themselves). With
// LIBSSL_GO_WRITE_FUZZ_SEEDS=1 it rewrites the corpus first (after a change
// of the script format).
func TestConnFuzzSeeds(t *testing.T) {
	write := os.Getenv("LIBSSL_GO_WRITE_FUZZ_SEEDS") == "1"
	for _, target := range []struct {
		name   string
		server bool
	}{{"FuzzConnServer", true}, {"FuzzConnClient", false}} {
		dir := filepath.Join("testdata", "fuzz", target.name)
		if write {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for _, s := range connSeeds(t, target.server) {
			path := filepath.Join(dir, s.name)
			if write {
				text := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s.data)
				if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("%s: seed %s missing from the corpus (LIBSSL_GO_WRITE_FUZZ_SEEDS=1 rewrites it): %v", target.name, s.name, err)
				continue
			}
			if !bytes.HasPrefix(b, []byte("go test fuzz v1\n[]byte(")) {
				t.Errorf("%s: %s is not a corpus file of one []byte", target.name, path)
			}
		}
	}
}
