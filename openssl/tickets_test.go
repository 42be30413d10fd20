package openssl

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// defaultServerConfig and defaultClientConfig set only what a TLS
// connection needs: a certificate, and roots with a name.
func defaultServerConfig() *Config {
	tc := testcerts.Get()
	return &Config{Certificates: []Certificate{{CertPEM: tc.LeafChain, KeyPEM: tc.LeafKey}}}
}

func defaultClientConfig() *Config {
	return &Config{RootCAs: testcerts.Get().CACert, ServerName: "localhost"}
}

// Ours to ours over net.Pipe (which has no buffer) with default
// Configs: both handshakes complete. The server's TLS 1.3 tickets must not
// be written while nobody reads them.
func TestPipeHandshakeDefaultConfig(t *testing.T) {
	scfg, ccfg := defaultServerConfig(), defaultClientConfig()
	defer scfg.Free()
	defer ccfg.Free()
	a, b := net.Pipe()
	cl, sv := conns(t, a, b, scfg, ccfg)
	// Nobody reads the close_notify alerts on net.Pipe: end the pipe first.
	defer sv.Close()
	defer cl.Close()
	defer a.Close()
	deadline(cl)
	deadline(sv)
	errc := make(chan error, 1)
	go func() { errc <- sv.Handshake() }()
	if err := cl.Handshake(); err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("server handshake: %v", err)
	}
	if v := cl.ConnectionState().Version; v != tls.VersionTLS13 {
		t.Fatalf("version %#x, want TLS 1.3 by default", v)
	}
	// Data still flows, and the tickets reach a client that reads.
	go func() { _, err := sv.Write([]byte("hi")); errc <- err }()
	if got, err := readFull(cl, 2); err != nil || string(got) != "hi" {
		t.Fatalf("read %q, %v", got, err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if _, err := cl.GetSession(); err != nil {
		t.Fatalf("no resumable session after reading the server's data: %v", err)
	}
}

// A client that writes 1 MiB and closes without reading
// anything. The server must read all of it, then io.EOF, and its Close must
// report no error, in every run, with our client and crypto/tls's.
func TestClientWritesThenClosesNoLoss(t *testing.T) {
	runs := 40
	if testing.Short() {
		runs = 10 // make test; make ci runs all 40 (test-long)
	}
	payload := randomBytes(1<<20, 3)
	for _, ver := range versions {
		for _, peer := range []string{"ours", "crypto/tls"} {
			t.Run(ver.name+"/"+peer, func(t *testing.T) {
				lost, closeErrs := clientWritesThenCloses(t, ver.v, peer, payload, runs)
				t.Logf("%d runs: %d lost data, %d server Close errors", runs, lost, closeErrs)
				if lost != 0 || closeErrs != 0 {
					t.Fatalf("%d of %d runs lost data, %d server Close errors", lost, runs, closeErrs)
				}
			})
		}
	}
}

func clientWritesThenCloses(t *testing.T, v uint16, peer string, payload []byte, runs int) (lost, closeErrs int) {
	scfg := serverConfig(v)
	defer scfg.Free()
	l, err := Listen("tcp", "127.0.0.1:0", scfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ccfg := clientConfig(v)
	defer ccfg.Free()
	gcfg := goClientConfig(v)
	for i := 0; i < runs; i++ {
		type result struct {
			n        int
			readErr  error
			closeErr error
		}
		res := make(chan result, 1)
		go func() {
			nc, err := l.Accept()
			if err != nil {
				res <- result{readErr: err}
				return
			}
			deadline(nc)
			got, err := io.ReadAll(nc)
			if err == nil && !bytes.Equal(got, payload) {
				err = errors.New("payload differs")
			}
			res <- result{n: len(got), readErr: err, closeErr: nc.Close()}
		}()
		var c net.Conn
		if peer == "ours" {
			c, err = Dial("tcp", l.Addr().String(), ccfg)
		} else {
			c, err = tls.Dial("tcp", l.Addr().String(), gcfg)
		}
		if err != nil {
			t.Fatal(err)
		}
		deadline(c)
		if _, err := c.Write(payload); err != nil {
			t.Fatalf("run %d: client write: %v", i, err)
		}
		if err := c.Close(); err != nil {
			t.Fatalf("run %d: client close: %v", i, err)
		}
		r := <-res
		if r.readErr != nil || r.n != len(payload) {
			lost++
			t.Logf("run %d: server read %d of %d bytes: %v", i, r.n, len(payload), r.readErr)
		}
		if r.closeErr != nil {
			closeErrs++
			t.Logf("run %d: server Close: %v", i, r.closeErr)
		}
	}
	return lost, closeErrs
}

// Clients that read still get the server's tickets and resume: our client
// and crypto/tls's against our TLS 1.3 server that answers once.
func TestTicketsReachReadingClients(t *testing.T) {
	scfg := serverConfig(VersionTLS13)
	defer scfg.Free()
	l, err := Listen("tcp", "127.0.0.1:0", scfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				deadline(nc)
				if b, err := readFull(nc, 4); err == nil {
					_, _ = nc.Write(b)
					_, _ = io.Copy(io.Discard, nc)
				}
			}()
		}
	}()
	ccfg := clientConfig(VersionTLS13)
	defer ccfg.Free()
	gcfg := goClientConfig(VersionTLS13)
	for i := 0; i < 2; i++ {
		c, err := Dial("tcp", l.Addr().String(), ccfg)
		if err != nil {
			t.Fatal(err)
		}
		deadline(c)
		if _, err := c.Write([]byte("ping")); err != nil {
			t.Fatal(err)
		}
		if _, err := readFull(c, 4); err != nil {
			t.Fatal(err)
		}
		if c.ConnectionState().DidResume != (i == 1) {
			t.Fatalf("ours, conn %d: resumed %v", i, c.ConnectionState().DidResume)
		}
		c.Close()
		g, err := tls.Dial("tcp", l.Addr().String(), gcfg)
		if err != nil {
			t.Fatal(err)
		}
		deadline(g)
		if _, err := g.Write([]byte("ping")); err != nil {
			t.Fatal(err)
		}
		if _, err := readFull(g, 4); err != nil {
			t.Fatal(err)
		}
		if g.ConnectionState().DidResume != (i == 1) {
			t.Fatalf("crypto/tls, conn %d: resumed %v", i, g.ConnectionState().DidResume)
		}
		g.Close()
	}
}

// A TLS 1.3 client's session before the server's ticket has
// been read is not handed out as resumable; after reading it is, and it
// resumes.
func TestSessionBeforeTicket(t *testing.T) {
	scfg := serverConfig(VersionTLS13)
	defer scfg.Free()
	ccfg := clientConfig(VersionTLS13)
	ccfg.ClientSessionCache = nil
	defer ccfg.Free()
	l, err := Listen("tcp", "127.0.0.1:0", scfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				deadline(nc)
				if b, err := readFull(nc, 4); err == nil {
					_, _ = nc.Write(b)
					_, _ = io.Copy(io.Discard, nc)
				}
			}()
		}
	}()
	c, err := Dial("tcp", l.Addr().String(), ccfg)
	if err != nil {
		t.Fatal(err)
	}
	deadline(c)
	if der, err := c.GetSession(); !errors.Is(err, ErrSessionNotResumable) {
		t.Fatalf("GetSession before the ticket: %d bytes, %v; want ErrSessionNotResumable", len(der), err)
	}
	if s := c.Session(); s != nil {
		s.Free()
		t.Fatal("Session before the ticket returned a session")
	}
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if _, err := readFull(c, 4); err != nil {
		t.Fatal(err)
	}
	der, err := c.GetSession()
	if err != nil {
		t.Fatalf("GetSession after reading: %v", err)
	}
	c.Close()
	c2, err := DialSession("tcp", l.Addr().String(), ccfg, der)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if !c2.SessionReused() {
		t.Fatal("the session saved after the ticket did not resume")
	}
	s, err := libssl.UnmarshalSessionDER(der)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Free()
	if !s.IsResumable() {
		t.Fatal("saved session not resumable")
	}
}

// HandshakeContext gives up when its context ends, also while
// another goroutine holds the handshake, against a peer that never answers.
func TestHandshakeContextWhileAnotherHandshakes(t *testing.T) {
	l := listenLoopback(t)
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			accepted <- c // never answers; closed at the end
		}
	}()
	ccfg := defaultClientConfig()
	defer ccfg.Free()
	raw, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c, err := Client(raw, ccfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	deadline(c) // bounds the test if HandshakeContext fails to
	srv := <-accepted
	defer srv.Close()
	first := make(chan error, 1)
	go func() { first <- c.Handshake() }()
	// Let the first handshake take the lock: wait until the ClientHello has
	// reached the peer.
	var hello [5]byte
	deadline(srv)
	if _, err := io.ReadFull(srv, hello[:]); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	second := make(chan error, 1)
	go func() { second <- c.HandshakeContext(ctx) }()
	select {
	case err := <-second:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("HandshakeContext = %v, want context.DeadlineExceeded", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("HandshakeContext still blocked 5 s after its 100 ms context ended")
	}
	// The connection was closed: the first handshake ends too.
	if err := <-first; err == nil {
		t.Fatal("the first handshake succeeded on a closed connection")
	}
}

// ctxOnWrite cancels a context once the transport has written n times.
type ctxOnWrite struct {
	net.Conn
	n      int
	cancel context.CancelFunc
}

func (c *ctxOnWrite) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	if c.n--; c.n == 0 {
		c.cancel()
	}
	return n, err
}

// HandshakeContext at the edge: the context ends as the client's handshake
// completes (at its last write, the Finished). Either the handshake
// reports the context's error and the connection is closed, or it reports
// success and the connection works: never success over a transport whose
// deadline was moved into the past.
func TestHandshakeContextEndsAtCompletion(t *testing.T) {
	scfg, ccfg := defaultServerConfig(), defaultClientConfig()
	defer scfg.Free()
	defer ccfg.Free()
	var nilCount, errCount int
	for i := 0; i < 30; i++ {
		a, b := net.Pipe()
		ctx, cancel := context.WithCancel(context.Background())
		cl, err := Client(&ctxOnWrite{Conn: a, n: 2, cancel: cancel}, ccfg)
		if err != nil {
			t.Fatal(err)
		}
		sv, err := Server(b, scfg)
		if err != nil {
			t.Fatal(err)
		}
		deadline(sv)
		_ = a.SetDeadline(time.Now().Add(testTimeout))
		srvDone := make(chan error, 1)
		go func() {
			if err := sv.Handshake(); err != nil {
				srvDone <- err
				return
			}
			b, err := readFull(sv, 1)
			if err == nil {
				_, err = sv.Write(b)
			}
			srvDone <- err
		}()
		err = cl.HandshakeContext(ctx)
		cancel()
		if err == nil {
			nilCount++
			if _, err := cl.Write([]byte("x")); err != nil {
				t.Fatalf("run %d: handshake returned nil but Write failed: %v", i, err)
			}
			if _, err := readFull(cl, 1); err != nil {
				t.Fatalf("run %d: handshake returned nil but Read failed: %v", i, err)
			}
			if err := <-srvDone; err != nil {
				t.Fatalf("run %d: server: %v", i, err)
			}
		} else {
			errCount++
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("run %d: %v, want context.Canceled", i, err)
			}
			if _, err := cl.Write([]byte("x")); err == nil {
				t.Fatalf("run %d: handshake failed but the connection still writes", i)
			}
			<-srvDone
		}
		cl.Close()
		sv.Close()
	}
	t.Logf("30 runs: %d nil (connection usable), %d context.Canceled (connection closed)", nilCount, errCount)
}

// Conn.Read and Conn.Write accept a buffer that is a field of a struct
// holding Go pointers (net/http reads into such a 1-byte array), under the
// default cgo check and GOEXPERIMENT=cgocheck2.
func TestBufferInsidePointerStruct(t *testing.T) {
	scfg, ccfg := serverConfig(VersionTLS13), clientConfig(VersionTLS13)
	defer scfg.Free()
	defer ccfg.Free()
	a, b := net.Pipe()
	cl, _ := Client(a, ccfg)
	sv, _ := Server(b, scfg)
	defer sv.Close()
	defer cl.Close()
	defer a.Close() // nobody reads the close_notify alerts on net.Pipe
	deadline(cl)
	deadline(sv)
	type holder struct {
		next *holder
		name *string
		buf  [1]byte
	}
	name := "h"
	errc := make(chan error, 1)
	go func() {
		h := &holder{name: &name}
		h.next = h
		for i := 0; i < 3; i++ {
			if _, err := io.ReadFull(sv, h.buf[:]); err != nil {
				errc <- err
				return
			}
			if _, err := sv.Write(h.buf[:]); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	h := &holder{name: &name}
	h.next = h
	for i := 0; i < 3; i++ {
		h.buf[0] = byte('a' + i)
		if _, err := cl.Write(h.buf[:]); err != nil {
			t.Fatal(err)
		}
		h.buf[0] = 0
		if _, err := io.ReadFull(cl, h.buf[:]); err != nil || h.buf[0] != byte('a'+i) {
			t.Fatalf("read %q, %v", h.buf[0], err)
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}
