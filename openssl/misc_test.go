package openssl

import (
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

// A client that dials a server whose certificate names another host fails
// with a verification error by default, against our server and Go's.
func TestHostnameMismatchFailsByDefault(t *testing.T) {
	tc := testcerts.Get()
	other := &Config{Certificates: []Certificate{{CertPEM: tc.OtherCert, KeyPEM: tc.OtherKey}}}
	defer other.Free()
	l, err := Listen("tcp", "127.0.0.1:0", other)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			deadline(c)
			_ = c.(*Conn).Handshake()
			c.Close()
		}
	}()
	cfg := &Config{RootCAs: tc.CACert} // ServerName from the address: "localhost"
	defer cfg.Free()
	addr := "localhost:" + portOf(l.Addr())
	c, err := Dial("tcp", addr, cfg)
	if err == nil {
		c.Close()
		t.Fatal("dial succeeded against a certificate for other.example")
	}
	var ve *CertificateVerificationError
	if !errors.As(err, &ve) || ve.VerifyResult != libssl.VerifyErrHostnameMismatch {
		t.Fatalf("err = %v, want a hostname-mismatch CertificateVerificationError", err)
	}
	// Untrusted chain: a client with no matching root.
	c, err = Dial("tcp", addr, &Config{RootCAs: tc.SelfCert, ServerName: "other.example"})
	if err == nil {
		c.Close()
	}
	if !errors.As(err, &ve) {
		t.Fatalf("dial with an untrusting root: %v", err)
	}
	// The right name verifies.
	c, err = Dial("tcp", addr, &Config{RootCAs: tc.CACert, ServerName: "other.example"})
	if err != nil {
		t.Fatalf("dial with the right name: %v", err)
	}
	if err := c.VerifyHostname("other.example"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	// Against crypto/tls too, by IP: the leaf names 127.0.0.1, the other does not.
	cert, _ := tls.X509KeyPair(tc.OtherCert, tc.OtherKey)
	gl, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	defer gl.Close()
	go func() {
		for {
			c, err := gl.Accept()
			if err != nil {
				return
			}
			deadline(c)
			_ = c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	c, err = Dial("tcp", gl.Addr().String(), &Config{RootCAs: tc.CACert})
	if err == nil {
		c.Close()
	}
	if !errors.As(err, &ve) || ve.VerifyResult != libssl.VerifyErrIPAddressMismatch {
		t.Fatalf("dial by IP: %v", err)
	}
}

func portOf(a net.Addr) string { return itoa(a.(*net.TCPAddr).Port) }

// pair returns a connected client and server over loopback TCP.
func pair(t *testing.T, v uint16) (*Conn, *Conn) {
	t.Helper()
	scfg, ccfg := serverConfig(v), clientConfig(v)
	t.Cleanup(scfg.Free)
	t.Cleanup(ccfg.Free)
	l := listenLoopback(t)
	ch := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept()
		ch <- c
	}()
	raw, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	cl, err := Client(raw, ccfg)
	if err != nil {
		t.Fatal(err)
	}
	sraw := <-ch
	if sraw == nil {
		t.Fatal("accept failed")
	}
	sv, err := Server(sraw, scfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close(); sv.Close() })
	return cl, sv
}

func handshakeBoth(t *testing.T, a, b *Conn) {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- b.Handshake() }()
	if err := a.Handshake(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// Deadlines interrupt a blocked Read (retryably) and a blocked handshake;
// HandshakeContext honours cancellation.
func TestDeadlinesAndContext(t *testing.T) {
	cl, _ := pair(t, VersionTLS13)
	// The server never answers: the client's handshake must time out.
	_ = cl.SetDeadline(time.Now().Add(200 * time.Millisecond))
	err := cl.Handshake()
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("handshake with deadline: %v, want a timeout", err)
	}

	cl, _ = pair(t, VersionTLS13)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	if err := cl.HandshakeContext(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("HandshakeContext: %v, want context.Canceled", err)
	}

	cl, sv := pair(t, VersionTLS13)
	deadline(cl)
	deadline(sv)
	handshakeBoth(t, cl, sv)
	_ = sv.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	var b [8]byte
	if _, err := sv.Read(b[:]); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("read with deadline: %v, want a timeout", err)
	}
	// The timeout is not fatal for reads.
	deadline(sv)
	if _, err := cl.Write([]byte("late")); err != nil {
		t.Fatal(err)
	}
	if n, err := io.ReadFull(sv, b[:4]); err != nil || string(b[:n]) != "late" {
		t.Fatalf("read after timeout: %q %v", b[:n], err)
	}
}

// A transport that ends without close_notify is reported as truncation,
// not io.EOF; a Close during a blocked Write ends the Write.
func TestTruncationAndCloseDuringWrite(t *testing.T) {
	cl, sv := pair(t, VersionTLS12)
	deadline(cl)
	deadline(sv)
	handshakeBoth(t, cl, sv)
	_ = sv.NetConn().Close() // no close_notify
	var b [8]byte
	_, err := cl.Read(b[:])
	if err == nil || errors.Is(err, io.EOF) || !errors.Is(err, libssl.ErrUnexpectedEOF) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("read after truncation: %v", err)
	}

	cl, sv = pair(t, VersionTLS13)
	deadline(cl)
	deadline(sv)
	handshakeBoth(t, cl, sv)
	// Close waits for the Write up to its bound before it gives up on it:
	// a short bound keeps the test short.
	setCloseBound(t, 200*time.Millisecond)
	werr := make(chan error, 1)
	go func() {
		big := make([]byte, 64<<20) // the server never reads: this blocks
		_, err := cl.Write(big)
		werr <- err
	}()
	time.Sleep(200 * time.Millisecond)
	_ = cl.Close()
	select {
	case err := <-werr:
		if err == nil {
			t.Fatal("write completed though nobody read")
		}
	case <-time.After(testTimeout):
		t.Fatal("Close did not end the blocked Write")
	}
	if _, err := cl.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
}

// ALPN: the server's list is held by its SSL_CTX; without a common protocol
// the handshake fails (no_application_protocol).
func TestALPNNoOverlap(t *testing.T) {
	scfg := serverConfig(VersionTLS13)
	defer scfg.Free()
	ctx, err := scfg.ctx(false)
	if err != nil {
		t.Fatal(err)
	}
	if got := ctx.ALPNSelect(); len(got) != 2 || got[0] != "h2" || got[1] != "http/1.1" {
		t.Fatalf("ALPNSelect = %q", got)
	}
	a, b := net.Pipe()
	ccfg := clientConfig(VersionTLS13)
	ccfg.NextProtos = []string{"spdy/1"}
	defer ccfg.Free()
	cl, sv := conns(t, a, b, scfg, ccfg)
	deadline(cl)
	deadline(sv)
	errc := make(chan error, 1)
	go func() { errc <- sv.Handshake(); sv.Close() }()
	if err := cl.Handshake(); err == nil {
		t.Fatal("client handshake succeeded without a common protocol")
	}
	if err := <-errc; err == nil {
		t.Fatal("server handshake succeeded without a common protocol")
	}
	cl.Close()
}
