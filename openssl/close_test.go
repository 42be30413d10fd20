package openssl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	libssl "github.com/libssl-go/libssl"
)

// net/http closes a client connection as soon as it has read the response
// of a request sent without keep-alive, while the goroutine that wrote the
// request may still be inside Conn.Write. That Close must still send
// close_notify: a connection freed without it takes its session out of
// every cache, and the next connection does a full handshake. Every
// connection after the first must resume.
func TestHTTPCloseKeepsSessionsResumable(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 60
	}
	for _, ver := range versions {
		for _, m := range httpModes {
			t.Run(ver.name+"/"+m.name, func(t *testing.T) {
				addr := startHTTPServer(t, m, ver.v)
				ccfg := clientConfig(ver.v)
				ccfg.NextProtos = []string{"http/1.1"}
				t.Cleanup(ccfg.Free)
				var mu sync.Mutex
				var resumed []bool
				tr := &http.Transport{
					DisableKeepAlives: true,
					DialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
						c, err := DialContext(ctx, network, addr, ccfg)
						if err == nil {
							mu.Lock()
							resumed = append(resumed, c.ConnectionState().DidResume)
							mu.Unlock()
						}
						return c, err
					},
				}
				t.Cleanup(tr.CloseIdleConnections)
				client := &http.Client{Transport: tr, Timeout: testTimeout}
				for i := 0; i < n; i++ {
					resp, err := client.Get("https://" + addr + "/")
					if err != nil {
						t.Fatalf("request %d: %v", i, err)
					}
					body, err := io.ReadAll(resp.Body)
					resp.Body.Close()
					if err != nil || !strings.HasPrefix(string(body), "hello HTTP/1.1") {
						t.Fatalf("request %d: body %q, %v", i, body, err)
					}
				}
				mu.Lock()
				defer mu.Unlock()
				if len(resumed) != n {
					t.Fatalf("%d connections for %d requests without keep-alive", len(resumed), n)
				}
				var lost []string
				for i, r := range resumed {
					if r != (i > 0) {
						lost = append(lost, fmt.Sprint(i))
					}
				}
				if len(lost) > 0 {
					t.Fatalf("%d of %d connections did not resume as expected (the first must not, every other must): %s",
						len(lost), n, strings.Join(lost, " "))
				}
			})
		}
	}
}

// closeTransports are the transports the Close tests run over: TCP on
// loopback, with small socket buffers so that a large Write stays in
// flight until the peer reads, and net.Pipe, which holds nothing.
var closeTransports = []struct {
	name string
	pair func(t *testing.T) (client, server net.Conn)
}{
	{"tcp", func(t *testing.T) (net.Conn, net.Conn) {
		a, b := acceptedPair(t, listenLoopback(t))
		for _, c := range []net.Conn{a, b} {
			tc := c.(*net.TCPConn)
			_ = tc.SetReadBuffer(32 << 10)
			_ = tc.SetWriteBuffer(32 << 10)
			t.Cleanup(func() { tc.Close() })
		}
		return a, b
	}},
	{"pipe", func(t *testing.T) (net.Conn, net.Conn) {
		a, b := net.Pipe()
		t.Cleanup(func() { a.Close(); b.Close() })
		return a, b
	}},
}

// closePayload is larger than what both TCP sockets of closeTransports
// buffer: a Write of it stays in flight until the peer reads.
const closePayload = 4 << 20

// closePair makes a client and a server over raw transports with the given
// Configs (so that connections share the client's session cache), with
// generous deadlines. Cleanup closes the transports, then both (which
// frees them without waiting on a peer that does not read).
func closePair(t *testing.T, a, b net.Conn, ccfg, scfg *Config) (cl, sv *Conn) {
	t.Helper()
	cl, sv = conns(t, a, b, scfg, ccfg)
	deadline(cl)
	deadline(sv)
	t.Cleanup(func() { a.Close(); b.Close(); cl.Close(); sv.Close() })
	return cl, sv
}

// closeConfigs are a client and a server Config for v, freed at the end of
// the test.
func closeConfigs(t *testing.T, v uint16) (ccfg, scfg *Config) {
	ccfg, scfg = clientConfig(v), serverConfig(v)
	t.Cleanup(ccfg.Free)
	t.Cleanup(scfg.Free)
	return ccfg, scfg
}

// establish handshakes cl and sv and has the server send a message that the
// client reads, so that the client holds its session (a TLS 1.3 server's
// tickets go out with its first output).
func establish(t *testing.T, cl, sv *Conn) {
	t.Helper()
	handshakeBoth(t, cl, sv)
	errc := make(chan error, 1)
	go func() { _, err := sv.Write([]byte("hi")); errc <- err }()
	if b, err := readFull(cl, 2); err != nil || string(b) != "hi" {
		t.Fatalf("client read %q, %v", b, err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// checkResumes makes a new connection with the same Configs and asserts
// that it resumes the client's cached session.
func checkResumes(t *testing.T, pair func(*testing.T) (net.Conn, net.Conn), ccfg, scfg *Config) {
	t.Helper()
	a, b := pair(t)
	cl, sv := closePair(t, a, b, ccfg, scfg)
	handshakeBoth(t, cl, sv)
	if !cl.ConnectionState().DidResume || !sv.ConnectionState().DidResume {
		t.Fatalf("the next connection did not resume (client %v, server %v)",
			cl.ConnectionState().DidResume, sv.ConnectionState().DidResume)
	}
}

// waitUntil polls cond until it holds, and fails the test if it does not
// within testTimeout.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func writeInFlight(c *Conn) bool { return c.activeCall.Load()&^1 != 0 }
func closeBegun(c *Conn) bool    { return c.activeCall.Load()&1 != 0 }

// startWrite runs c.Write(b) on a goroutine and returns its result's
// channel once the Write is in flight.
func startWrite(t *testing.T, c *Conn, b []byte) <-chan writeResult {
	t.Helper()
	res := make(chan writeResult, 1)
	go func() {
		n, err := c.Write(b)
		res <- writeResult{n, err}
	}()
	waitUntil(t, "the Write is in flight", func() bool { return writeInFlight(c) })
	return res
}

type writeResult struct {
	n   int
	err error
}

// startClose runs c.Close on a goroutine and returns its result's channel
// once Close has begun (no Write can enter any more).
func startClose(t *testing.T, c *Conn) <-chan error {
	t.Helper()
	res := make(chan error, 1)
	go func() { res <- c.Close() }()
	waitUntil(t, "Close has begun", func() bool { return closeBegun(c) })
	return res
}

func recvWithin[T any](t *testing.T, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(testTimeout):
		t.Fatalf("%s did not return", what)
		panic("unreachable")
	}
}

// A Close while a Write is blocked on a peer that does not read yet waits
// for the Write: once the peer reads, the Write completes, the peer reads
// all of its data and then io.EOF (close_notify, not a truncation), Close
// returns nil, and the client's session stays resumable.
func TestCloseWaitsForWriteInFlight(t *testing.T) {
	for _, tr := range closeTransports {
		for _, ver := range versions {
			t.Run(tr.name+"/"+ver.name, func(t *testing.T) {
				ccfg, scfg := closeConfigs(t, ver.v)
				a, b := tr.pair(t)
				cl, sv := closePair(t, a, b, ccfg, scfg)
				establish(t, cl, sv)
				data := randomBytes(closePayload, 2)
				wres := startWrite(t, cl, data)
				cres := startClose(t, cl)
				if _, err := cl.Write([]byte("late")); !errors.Is(err, net.ErrClosed) {
					t.Fatalf("a Write after Close began: %v, want net.ErrClosed", err)
				}
				got := make([]byte, len(data))
				if n, err := io.ReadFull(sv, got); err != nil || sum(got) != sum(data) {
					t.Fatalf("the server read %d of %d bytes (sha256 %s, want %s): %v", n, len(data), sum(got), sum(data), err)
				}
				expectEOF(t, sv)
				if w := recvWithin(t, "Write", wres); w.n != len(data) || w.err != nil {
					t.Fatalf("Write = %d, %v; want %d, nil", w.n, w.err, len(data))
				}
				if err := recvWithin(t, "Close", cres); err != nil {
					t.Fatalf("Close = %v", err)
				}
				if err := cl.Close(); !errors.Is(err, net.ErrClosed) {
					t.Fatalf("second Close = %v, want net.ErrClosed", err)
				}
				checkResumes(t, tr.pair, ccfg, scfg)
			})
		}
	}
}

// setCloseBound shortens Close's bound for one test.
func setCloseBound(t *testing.T, d time.Duration) {
	closeBoundNanos.Store(int64(d))
	t.Cleanup(func() { closeBoundNanos.Store(0) })
}

// freed reports whether c has freed its SSL.
func freed(c *Conn) bool {
	return errors.Is(c.WithSSL(func(*libssl.SSL) error { return nil }), net.ErrClosed)
}

// A Close during a Write blocked on a peer that never reads returns at the
// bound (shortened here): the transport's write deadline ends the Write,
// and Close reports that close_notify could not be sent in time with an
// error matching os.ErrDeadlineExceeded. The SSL is freed.
func TestCloseBoundedWhenPeerNeverReads(t *testing.T) {
	setCloseBound(t, 100*time.Millisecond)
	for _, tr := range closeTransports {
		t.Run(tr.name, func(t *testing.T) {
			ccfg, scfg := closeConfigs(t, VersionTLS13)
			a, b := tr.pair(t)
			cl, sv := closePair(t, a, b, ccfg, scfg)
			establish(t, cl, sv)
			_ = cl.SetWriteDeadline(time.Time{}) // only Close's bound ends the Write
			wres := startWrite(t, cl, make([]byte, closePayload))
			cres := make(chan error, 1)
			go func() { cres <- cl.Close() }()
			if err := recvWithin(t, "Close", cres); !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("Close = %v, want an error matching os.ErrDeadlineExceeded", err)
			}
			if w := recvWithin(t, "Write", wres); w.err == nil || w.n == closePayload {
				t.Fatalf("Write = %d, %v; want an error", w.n, w.err)
			}
			if !freed(cl) {
				t.Fatal("the SSL is still held after Close and the Write returned")
			}
		})
	}
}

// stallingConn is a transport whose writes, once stall is set, block
// until it is closed, whatever its deadlines: a Write stuck where Close's
// write deadline cannot reach it.
type stallingConn struct {
	net.Conn
	stall   atomic.Bool
	stalled chan struct{} // closed when a write first blocks
	once    sync.Once
	closed  chan struct{}
	cOnce   sync.Once
}

func newStallingConn(c net.Conn) *stallingConn {
	return &stallingConn{Conn: c, stalled: make(chan struct{}), closed: make(chan struct{})}
}

func (s *stallingConn) Write(b []byte) (int, error) {
	if s.stall.Load() {
		s.once.Do(func() { close(s.stalled) })
		<-s.closed
		return 0, net.ErrClosed
	}
	return s.Conn.Write(b)
}

func (s *stallingConn) SetWriteDeadline(time.Time) error { return nil }

func (s *stallingConn) SetDeadline(t time.Time) error { return s.Conn.SetReadDeadline(t) }

func (s *stallingConn) Close() error {
	s.cOnce.Do(func() { close(s.closed) })
	return s.Conn.Close()
}

// A Close during a Write stuck where the write deadline does not reach
// gives up at the bound: it closes the transport without close_notify and
// returns an error matching os.ErrDeadlineExceeded; the Write then ends
// with an error and frees the SSL, and the peer reads a truncation.
func TestCloseGivesUpOnStuckWrite(t *testing.T) {
	setCloseBound(t, 100*time.Millisecond)
	for _, tr := range closeTransports {
		t.Run(tr.name, func(t *testing.T) {
			ccfg, scfg := closeConfigs(t, VersionTLS13)
			a, b := tr.pair(t)
			sa := newStallingConn(a)
			cl, sv := closePair(t, sa, b, ccfg, scfg)
			establish(t, cl, sv)
			sa.stall.Store(true)
			wres := make(chan writeResult, 1)
			go func() { n, err := cl.Write([]byte("stuck")); wres <- writeResult{n, err} }()
			recvWithin(t, "the stalled transport write", sa.stalled)
			cres := make(chan error, 1)
			go func() { cres <- cl.Close() }()
			if err := recvWithin(t, "Close", cres); !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("Close = %v, want an error matching os.ErrDeadlineExceeded", err)
			}
			if w := recvWithin(t, "Write", wres); w.err == nil {
				t.Fatalf("Write = %d, nil; want an error", w.n)
			}
			if !freed(cl) {
				t.Fatal("the SSL is still held after the Write returned")
			}
			var buf [1]byte
			if _, err := sv.Read(buf[:]); !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("the server read %v, want a truncation (no close_notify)", err)
			}
			if err := cl.Close(); !errors.Is(err, net.ErrClosed) {
				t.Fatalf("second Close = %v, want net.ErrClosed", err)
			}
		})
	}
}

// A Close during a Write whose handshake never completes (the peer never
// answers) closes the transport at once: the Write ends with an error, the
// SSL is freed, and no goroutine is left behind.
func TestCloseDuringWriteInHandshake(t *testing.T) {
	for _, tr := range closeTransports {
		t.Run(tr.name, func(t *testing.T) {
			ccfg, _ := closeConfigs(t, VersionTLS13)
			before := runtime.NumGoroutine()
			a, _ := tr.pair(t)
			cl, err := Client(a, ccfg)
			if err != nil {
				t.Fatal(err)
			}
			deadline(cl)
			wres := startWrite(t, cl, []byte("never sent"))
			cres := make(chan error, 1)
			go func() { cres <- cl.Close() }()
			if err := recvWithin(t, "Close", cres); err != nil {
				t.Fatalf("Close = %v", err)
			}
			if w := recvWithin(t, "Write", wres); w.err == nil || w.n != 0 {
				t.Fatalf("Write = %d, %v; want 0 and an error", w.n, w.err)
			}
			if !freed(cl) {
				t.Fatal("the SSL is still held after the Write returned")
			}
			if err := cl.Close(); !errors.Is(err, net.ErrClosed) {
				t.Fatalf("second Close = %v, want net.ErrClosed", err)
			}
			waitUntil(t, fmt.Sprintf("the goroutines are back to %d (now %d)", before, runtime.NumGoroutine()),
				func() bool { return runtime.NumGoroutine() <= before })
		})
	}
}

// A Close racing a Write returns nil either way, and the Write either
// completes or returns net.ErrClosed having sent nothing: the peer reads
// all of the data or none of it, then io.EOF.
func TestCloseRacingWrite(t *testing.T) {
	rounds := 100
	if testing.Short() {
		rounds = 20
	}
	data := randomBytes(64<<10, 3)
	for _, tr := range closeTransports {
		t.Run(tr.name, func(t *testing.T) {
			ccfg, scfg := closeConfigs(t, VersionTLS13)
			wrote := 0
			for i := 0; i < rounds; i++ {
				a, b := tr.pair(t)
				cl, sv := closePair(t, a, b, ccfg, scfg)
				establish(t, cl, sv)
				type readResult struct {
					got []byte
					err error
				}
				rres := make(chan readResult, 1)
				go func() { got, err := io.ReadAll(sv); rres <- readResult{got, err} }()
				start := make(chan struct{})
				wres := make(chan writeResult, 1)
				cres := make(chan error, 1)
				go func() { <-start; n, err := cl.Write(data); wres <- writeResult{n, err} }()
				go func() {
					<-start
					// Close after a varying head start for the Write, so
					// that the rounds cover both outcomes.
					for j := 0; j < i%4; j++ {
						runtime.Gosched()
					}
					cres <- cl.Close()
				}()
				close(start)
				w := recvWithin(t, "Write", wres)
				if err := recvWithin(t, "Close", cres); err != nil {
					t.Fatalf("round %d: Close = %v (Write = %d, %v)", i, err, w.n, w.err)
				}
				r := recvWithin(t, "the server's read", rres)
				switch {
				case w.err == nil && w.n == len(data):
					wrote++
					if sum(r.got) != sum(data) {
						t.Fatalf("round %d: the Write completed but the server read %d bytes", i, len(r.got))
					}
				case errors.Is(w.err, net.ErrClosed) && w.n == 0:
					if len(r.got) != 0 {
						t.Fatalf("round %d: the Write was refused but the server read %d bytes", i, len(r.got))
					}
				default:
					t.Fatalf("round %d: Write = %d, %v; want all of it or net.ErrClosed", i, w.n, w.err)
				}
				if r.err != nil {
					t.Fatalf("round %d: the server's read ended with %v, want io.EOF (close_notify)", i, r.err)
				}
			}
			t.Logf("%d of %d Writes went through, the others were refused", wrote, rounds)
		})
	}
}

// A Close during a Read blocked on the transport sends close_notify and
// ends the Read; Close returns nil.
func TestCloseInterruptsRead(t *testing.T) {
	for _, tr := range closeTransports {
		t.Run(tr.name, func(t *testing.T) {
			ccfg, scfg := closeConfigs(t, VersionTLS13)
			a, b := tr.pair(t)
			cl, sv := closePair(t, a, b, ccfg, scfg)
			establish(t, cl, sv)
			rres := make(chan error, 1)
			go func() { var buf [8]byte; _, err := cl.Read(buf[:]); rres <- err }()
			waitUntil(t, "the Read is under way", func() bool {
				if cl.in.TryLock() {
					cl.in.Unlock()
					return false
				}
				return true
			})
			sres := make(chan error, 1)
			go func() { var buf [1]byte; _, err := sv.Read(buf[:]); sres <- err }()
			if err := cl.Close(); err != nil {
				t.Fatalf("Close = %v", err)
			}
			if err := recvWithin(t, "Read", rres); !errors.Is(err, net.ErrClosed) && !errors.Is(err, io.ErrClosedPipe) {
				t.Fatalf("Read = %v, want the closed transport's error", err)
			}
			if err := recvWithin(t, "the server's Read", sres); err != io.EOF {
				t.Fatalf("the server read %v, want io.EOF (close_notify)", err)
			}
		})
	}
}

// A Close during a Write on a connection that has failed does not wait for
// the Write (there is no close_notify to send): with a bound of an hour,
// it returns the failure at once, and the Write ends and frees the SSL.
func TestCloseDuringWriteOnFailedConn(t *testing.T) {
	setCloseBound(t, time.Hour)
	for _, tr := range closeTransports {
		t.Run(tr.name, func(t *testing.T) {
			ccfg, scfg := closeConfigs(t, VersionTLS13)
			a, b := tr.pair(t)
			cl, sv := closePair(t, a, b, ccfg, scfg)
			establish(t, cl, sv)
			wres := startWrite(t, cl, make([]byte, closePayload))
			// A record that does not decrypt, written on the server's
			// transport beneath its Conn: the client's Read fails.
			bogus := append([]byte{0x17, 0x03, 0x03, 0x00, 0x20}, randomBytes(0x20, 4)...)
			go func() { _, _ = b.Write(bogus) }()
			var buf [8]byte
			if _, err := cl.Read(buf[:]); err == nil || errors.Is(err, io.EOF) {
				t.Fatalf("Read of a bogus record = %v, want a failure", err)
			}
			cres := make(chan error, 1)
			go func() { cres <- cl.Close() }()
			var fe *FailedError
			if err := recvWithin(t, "Close", cres); !errors.As(err, &fe) {
				t.Fatalf("Close = %v, want the connection's failure (a *FailedError)", err)
			}
			if w := recvWithin(t, "Write", wres); w.err == nil {
				t.Fatalf("Write = %d, nil; want an error", w.n)
			}
			if !freed(cl) {
				t.Fatal("the SSL is still held after the Write returned")
			}
		})
	}
}

// A Close while a Read is taking in a stream the peer keeps sending: the
// Read ends with the closed transport's error, never with a record that
// Close's last look at the socket (the unread input it drops so that the
// kernel sends FIN, not a reset) took half of, which libssl would report
// as a bad record MAC. Rounds on TCP (each path under its own run of the
// suite): before Close left a Read's socket alone, about 1 round in 3,000
// failed.
func TestCloseDuringReadOfAStream(t *testing.T) {
	rounds := 1000
	if testing.Short() {
		rounds = 200
	}
	ccfg, scfg := closeConfigs(t, VersionTLS13)
	for i := 0; i < rounds; i++ {
		a, b := tcpPair(t)
		cl, sv := closePair(t, a, b, ccfg, scfg)
		establish(t, cl, sv)
		stop := make(chan struct{})
		sent := make(chan struct{})
		go func() {
			defer close(sent)
			chunk := make([]byte, 1000) // several records per Read
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := sv.Write(chunk); err != nil {
					return
				}
			}
		}()
		rres := make(chan error, 1)
		got := make(chan struct{})
		go func() {
			buf := make([]byte, 700) // Reads end inside records
			first := true
			for {
				if _, err := cl.Read(buf); err != nil {
					rres <- err
					return
				}
				if first {
					close(got)
					first = false
				}
			}
		}()
		<-got
		if err := cl.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			t.Fatalf("round %d: Close = %v", i, err)
		}
		if err := recvWithin(t, "Read", rres); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("round %d: Read = %v, want net.ErrClosed", i, err)
		}
		close(stop)
		sv.Close()
		<-sent
	}
}
