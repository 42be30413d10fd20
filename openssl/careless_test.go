package openssl

import (
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	libssl "github.com/libssl-go/libssl"
)

// Careless programs: calls a program should not make, or not make in that
// order. Each row must give a defined error or work: never a crash, a race
// report (run it under -race), a stuck goroutine or an SSL left alive.

const carelessRounds = 20 // each race is run this many times

// closedClass: what an operation cut off by Close may return.
func closedClass(err error) bool {
	var fe *FailedError
	return errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrClosedPipe) || errors.As(err, &fe) ||
		strings.Contains(errString(err), "use of closed network connection")
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// connPair returns a client and a server Conn over loopback TCP or
// net.Pipe; the test frees everything.
func connPair(t *testing.T, tcp bool, scfg, ccfg *Config) (*Conn, *Conn) {
	t.Helper()
	var a, b net.Conn
	if tcp {
		a, b = tcpPair(t)
	} else {
		a, b = net.Pipe()
	}
	cl, sv := conns(t, a, b, scfg, ccfg)
	deadline(cl)
	deadline(sv)
	t.Cleanup(func() {
		// Over net.Pipe a close_notify waits (up to 5 s) for a reader: the
		// server's transport is drained while the client closes.
		done := make(chan struct{})
		go func() { _, _ = io.Copy(io.Discard, b); close(done) }()
		cl.Close()
		<-done
		sv.Close()
	})
	return cl, sv
}

// conns makes a client Conn over a and a server Conn over b.
func conns(t *testing.T, a, b net.Conn, scfg, ccfg *Config) (*Conn, *Conn) {
	t.Helper()
	cl, err := Client(a, ccfg)
	if err != nil {
		t.Fatal(err)
	}
	sv, err := Server(b, scfg)
	if err != nil {
		t.Fatal(err)
	}
	return cl, sv
}

// race runs op and Close released together, and checks op's result. The
// peer's transport is drained, so that a close_notify never waits on it.
func race(t *testing.T, c, peer *Conn, op func() error) {
	t.Helper()
	drained := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, peer.NetConn()); close(drained) }()
	defer func() { <-drained }()
	start := make(chan struct{})
	res := make(chan error, 1)
	go func() {
		<-start
		res <- op()
	}()
	close(start)
	cerr := c.Close()
	select {
	case err := <-res:
		if err != nil && !closedClass(err) {
			t.Fatalf("the operation Close cut off returned %v (%T), want nil or a closed-connection error", err, err)
		}
	case <-time.After(testTimeout):
		t.Fatalf("the operation did not return after Close:\n%s", strings.Join(connGoroutines(), "\n\n"))
	}
	if cerr != nil && !closedClass(cerr) && !strings.Contains(cerr.Error(), "close_notify") {
		t.Fatalf("Close: %v", cerr)
	}
}

type carelessRow struct {
	name string
	run  func(t *testing.T, tcp bool, scfg, ccfg *Config)
}

var carelessRows = []carelessRow{
	{"close-races-read", func(t *testing.T, tcp bool, scfg, ccfg *Config) {
		for i := 0; i < carelessRounds; i++ {
			cl, sv := connPair(t, tcp, scfg, ccfg)
			handshakeBoth(t, cl, sv)
			race(t, cl, sv, func() error { var b [8]byte; _, err := cl.Read(b[:]); return err })
		}
	}},
	{"close-races-write", func(t *testing.T, tcp bool, scfg, ccfg *Config) {
		big := make([]byte, 8<<20) // more than the transport buffers: it blocks
		for i := 0; i < carelessRounds; i++ {
			cl, sv := connPair(t, tcp, scfg, ccfg)
			handshakeBoth(t, cl, sv)
			race(t, cl, sv, func() error { _, err := cl.Write(big); return err })
		}
	}},
	{"close-races-handshake", func(t *testing.T, tcp bool, scfg, ccfg *Config) {
		for i := 0; i < carelessRounds; i++ {
			cl, sv := connPair(t, tcp, scfg, ccfg)
			race(t, cl, sv, cl.Handshake)
		}
	}},
	{"write-after-timed-out-write", func(t *testing.T, tcp bool, scfg, ccfg *Config) {
		cl, sv := connPair(t, tcp, scfg, ccfg)
		handshakeBoth(t, cl, sv)
		_ = cl.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		_, err := cl.Write(make([]byte, 8<<20)) // nobody reads
		if !isTimeout(err) {
			t.Fatalf("first Write: %v, want a timeout", err)
		}
		deadline(cl)
		start := time.Now()
		n, err := cl.Write([]byte("more"))
		if n != 0 || err == nil || !isTimeout(err) {
			t.Fatalf("Write after a timed-out Write: %d, %v; want 0 and the timeout again (part of a record may have gone out)", n, err)
		}
		if time.Since(start) > time.Second {
			t.Fatal("the second Write waited instead of failing at once")
		}
	}},
	{"config-freed-while-in-use", func(t *testing.T, tcp bool, _, _ *Config) {
		scfg, ccfg := serverConfig(0), clientConfig(0)
		ccfg.ClientSessionCache = nil
		cl, sv := connPair(t, tcp, scfg, ccfg)
		handshakeBoth(t, cl, sv)
		scfg.Free()
		ccfg.Free()
		exchange(t, cl, sv) // the connections hold their own SSL_CTX reference
		if _, err := Client(nil, ccfg); !errors.Is(err, libssl.ErrFreed) || !strings.Contains(errString(err), "Config used after Free") {
			t.Fatalf("Client with a freed Config: %v", err)
		}
	}},
	{"config-freed-during-dials", func(t *testing.T, tcp bool, _, _ *Config) {
		scfg, ccfg := serverConfig(0), clientConfig(0)
		ccfg.ClientSessionCache = nil
		var wg sync.WaitGroup
		start := make(chan struct{})
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for i := 0; i < 5; i++ {
					a, b := net.Pipe()
					cl, err1 := Client(a, ccfg)
					sv, err2 := Server(b, scfg)
					if err1 != nil || err2 != nil {
						for _, err := range []error{err1, err2} {
							if err != nil && !errors.Is(err, libssl.ErrFreed) {
								t.Errorf("Client/Server racing Config.Free: %v", err)
							}
						}
						a.Close()
						b.Close()
						if cl != nil {
							cl.Close()
						}
						if sv != nil {
							sv.Close()
						}
						continue
					}
					deadline(cl)
					deadline(sv)
					errc := make(chan error, 1)
					go func() { errc <- sv.Handshake() }()
					if err := cl.Handshake(); err != nil {
						t.Errorf("handshake of a Conn made before Free: %v", err)
					}
					if err := <-errc; err != nil {
						t.Errorf("server handshake of a Conn made before Free: %v", err)
					}
					cl.Close()
					sv.Close()
				}
			}()
		}
		close(start)
		scfg.Free()
		ccfg.Free()
		wg.Wait()
	}},
	{"ctx-freed-while-in-use", func(t *testing.T, tcp bool, scfg, _ *Config) {
		ctx, err := libssl.NewCtx(libssl.TLSMethod)
		if err != nil {
			t.Fatal(err)
		}
		ccfg := &Config{Ctx: ctx, InsecureSkipVerify: true}
		cl, sv := connPair(t, tcp, scfg, ccfg)
		handshakeBoth(t, cl, sv)
		ctx.Free()
		exchange(t, cl, sv)
		if _, err := Client(nil, ccfg); !errors.Is(err, libssl.ErrFreed) {
			t.Fatalf("Client with a freed Config.Ctx: %v, want libssl.ErrFreed", err)
		}
	}},
	{"session-freed-while-conn-uses-it", func(t *testing.T, tcp bool, _, _ *Config) {
		// Configs of its own: the server's cache holds the session until
		// its context goes, with the last connection.
		scfg, ccfg := serverConfig(0), clientConfig(VersionTLS12)
		ccfg.ClientSessionCache = nil
		defer scfg.Free()
		defer ccfg.Free()
		cl, sv := connPair(t, tcp, scfg, ccfg)
		handshakeBoth(t, cl, sv)
		exchange(t, cl, sv)
		s := cl.Session()
		if s == nil {
			t.Fatal("no session")
		}
		cl.Close()
		sv.Close()
		cl, sv = connPair(t, tcp, scfg, ccfg)
		if err := cl.SetSession(s); err != nil {
			t.Fatal(err)
		}
		s.Free() // the Conn keeps its own reference
		handshakeBoth(t, cl, sv)
		if !cl.SessionReused() {
			t.Fatal("the offered session was not resumed")
		}
		exchange(t, cl, sv)
		if err := cl.SetSession(s); !errors.Is(err, libssl.ErrFreed) {
			t.Fatalf("SetSession with a freed session: %v, want libssl.ErrFreed", err)
		}
	}},
	{"concurrent-handshakes", func(t *testing.T, tcp bool, scfg, ccfg *Config) {
		cl, sv := connPair(t, tcp, scfg, ccfg)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for _, c := range []*Conn{cl, sv} {
			for g := 0; g < 4; g++ {
				wg.Add(1)
				go func() { defer wg.Done(); errs <- c.Handshake() }()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent Handshake: %v", err)
			}
		}
		exchange(t, cl, sv)
	}},
	{"concurrent-read-write-close", func(t *testing.T, tcp bool, scfg, ccfg *Config) {
		for i := 0; i < carelessRounds; i++ {
			cl, sv := connPair(t, tcp, scfg, ccfg)
			handshakeBoth(t, cl, sv)
			go func() { _, _ = io.Copy(io.Discard, sv) }()
			var wg sync.WaitGroup
			start := make(chan struct{})
			results := make(chan error, 4)
			ops := []func() error{
				func() error { var b [8]byte; _, err := cl.Read(b[:]); return err },
				func() error { _, err := cl.Write(make([]byte, 100<<10)); return err },
				cl.Handshake,
				func() error { _, err := cl.GetSession(); return nilIfSessionErr(err) },
			}
			for _, op := range ops {
				wg.Add(1)
				go func() { defer wg.Done(); <-start; results <- op() }()
			}
			close(start)
			_ = cl.Close()
			wg.Wait()
			close(results)
			for err := range results {
				if err != nil && !closedClass(err) {
					t.Fatalf("an operation racing Close: %v (%T)", err, err)
				}
			}
			sv.Close()
		}
	}},
}

// nilIfSessionErr: GetSession on a closed Conn says so in an error of its
// own, which is defined.
func nilIfSessionErr(err error) error {
	if err != nil && (strings.Contains(err.Error(), "connection is closed") || errors.Is(err, ErrSessionNotResumable)) {
		return nil
	}
	return err
}

// exchange sends a line each way.
func exchange(t *testing.T, cl, sv *Conn) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		b, err := readFull(sv, 4)
		if err == nil && string(b) != "ping" {
			err = errors.New("server read " + string(b))
		}
		if err == nil {
			_, err = sv.Write([]byte("pong"))
		}
		errc <- err
	}()
	if _, err := cl.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if b, err := readFull(cl, 4); err != nil || string(b) != "pong" {
		t.Fatalf("client read %q, %v", b, err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func TestCarelessPrograms(t *testing.T) {
	scfg, ccfg := serverConfig(0), clientConfig(0)
	ccfg.ClientSessionCache = nil
	defer scfg.Free()
	defer ccfg.Free()
	for _, row := range carelessRows {
		for _, tr := range []string{"tcp", "pipe"} {
			t.Run(row.name+"/"+tr, func(t *testing.T) {
				settleProbe()
				base := probeNow()
				t.Cleanup(func() {
					// After the row's own cleanups (Close of every Conn).
					noConnGoroutines(t, hostileSlack)
					probeBack(t, base)
				})
				row.run(t, tr == "tcp", scfg, ccfg)
			})
		}
	}
}
