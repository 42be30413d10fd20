package sslapitest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/sslpair"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// The helpers below play the part of OpenSSL's test/helpers/ssltestlib.c
// (create_ssl_ctx_pair, create_ssl_objects, create_ssl_connection,
// shutdown_ssl_connection). In C the two SSLs share a pair of memory BIOs, so
// what one writes is at once readable by the other; here each side has its
// own BIOs and pump moves the bytes, so every helper that reads pumps first.

// is3 reports whether the running libssl is 3.0 or newer.
func is3() bool { return libssl.RuntimeVersion() >= 0x30000000 }

// noLeaks records the destruction probe and checks, when the test ends and
// after every cleanup registered later has run, that no SSL, SSL_CTX or
// SSL_SESSION made during the test is still alive in C. It must be called
// before anything is made.
func noLeaks(t *testing.T) {
	t.Helper()
	before := libssl.LiveObjects()
	t.Cleanup(func() {
		if after := libssl.LiveObjects(); after != before {
			t.Errorf("destruction probe: live objects %+v at the start, %+v at the end", before, after)
		}
	})
}

// must fails the test at once on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// ctxPair mirrors create_ssl_ctx_pair(TLS_server_method, TLS_client_method,
// min, max): a server context with the test certificate and key (and, on 3.0,
// SSL_OP_ALLOW_CLIENT_RENEGOTIATION as the C helper sets), a client context,
// both limited to [min, max] (0: no limit). The contexts are freed when the
// test ends; tests that free them earlier may (Free is idempotent).
func ctxPair(t *testing.T, min, max libssl.ProtocolVersion) (sctx, cctx *libssl.Ctx) {
	t.Helper()
	return ctxPairMethods(t, libssl.TLSServerMethod, libssl.TLSClientMethod, min, max, true)
}

func ctxPairMethods(t *testing.T, sm, cm libssl.Method, min, max libssl.ProtocolVersion, withCert bool) (sctx, cctx *libssl.Ctx) {
	t.Helper()
	sctx, err := libssl.NewCtx(sm)
	must(t, err)
	t.Cleanup(sctx.Free)
	cctx, err = libssl.NewCtx(cm)
	must(t, err)
	t.Cleanup(cctx.Free)
	if libssl.OpAllowClientRenegotiation != 0 {
		must(t, sctx.SetOptions(libssl.OpAllowClientRenegotiation))
	}
	for _, c := range []*libssl.Ctx{sctx, cctx} {
		if min != 0 {
			must(t, c.SetMinProtoVersion(min))
		}
		if max != 0 {
			must(t, c.SetMaxProtoVersion(max))
		}
	}
	if withCert {
		cs := testcerts.Get()
		must(t, sctx.UseCertificatePEM(cs.LeafCert))
		must(t, sctx.UsePrivateKeyPEM(cs.LeafKey))
		must(t, sctx.CheckPrivateKey())
	}
	return sctx, cctx
}

// objects mirrors create_ssl_objects: a server and a client SSL wired
// together. The pair is freed when the test ends (or earlier by the test).
func objects(t *testing.T, sctx, cctx *libssl.Ctx) *sslpair.Pair {
	t.Helper()
	p, err := sslpair.New(cctx, sctx)
	must(t, err)
	t.Cleanup(p.Free)
	return p
}

// reuseClient mirrors create_ssl_objects with an existing client SSL: a new
// server SSL from sctx, and fresh BIOs for both. The old server SSL is freed.
func reuseClient(t *testing.T, p *sslpair.Pair, sctx *libssl.Ctx) {
	t.Helper()
	s, err := libssl.New(sctx)
	must(t, err)
	must(t, s.SetAcceptState())
	p.Server.Free()
	p.Server = s
	must(t, p.Rewire())
}

// bareConnect mirrors create_bare_ssl_connection: SSL_connect on the client,
// then SSL_accept on the server, in turn, until both are done. What one side
// writes is moved to the other before the other's step, as with C's shared
// BIOs, so each side sees the same flights at the same calls as in C (the
// info callback tests depend on it). A side that fails ends the loop after
// the other side has had one more step to read the alert.
func bareConnect(p *sslpair.Pair) error {
	var cdone, sdone bool
	var cerr, serr error
	step := func(s *libssl.SSL, done *bool, ferr *error) error {
		if *done || *ferr != nil {
			return nil
		}
		err := s.Handshake()
		if _, perr := p.Pump(); perr != nil {
			return perr
		}
		switch {
		case err == nil:
			*done = true
		case !errors.Is(err, libssl.ErrWantRead) && !errors.Is(err, libssl.ErrWantWrite):
			*ferr = err
		}
		return nil
	}
	for i := 0; i < 1000; i++ {
		if err := step(p.Client, &cdone, &cerr); err != nil {
			return err
		}
		if err := step(p.Server, &sdone, &serr); err != nil {
			return err
		}
		if cerr != nil || serr != nil {
			if cerr != nil {
				_ = step(p.Server, &sdone, &serr)
				return fmt.Errorf("client handshake: %w", cerr)
			}
			_ = step(p.Client, &cdone, &cerr)
			return fmt.Errorf("server handshake: %w", serr)
		}
		if cdone && sdone {
			return nil
		}
	}
	return errors.New("handshake made no progress")
}

// connect mirrors create_ssl_connection: the handshakes, then two SSL_read
// calls on the client that must find no application data, so that a TLS 1.3
// client has processed the server's NewSessionTicket messages.
func connect(p *sslpair.Pair) error {
	if err := bareConnect(p); err != nil {
		return err
	}
	for i := 0; i < 2; i++ {
		if _, err := p.Pump(); err != nil {
			return err
		}
		var b [1]byte
		n, err := p.Client.Read(b[:])
		if err == nil && n > 0 {
			return fmt.Errorf("client read %d bytes of application data after the handshake", n)
		}
		if err != nil && !errors.Is(err, libssl.ErrWantRead) {
			return fmt.Errorf("client read after the handshake: %w", err)
		}
	}
	return nil
}

// shutdownConn mirrors shutdown_ssl_connection: SSL_shutdown on the client
// and on the server (results ignored, as in C), then SSL_free of both.
func shutdownConn(p *sslpair.Pair) {
	_, _ = p.Client.Shutdown()
	_, _ = p.Pump()
	_, _ = p.Server.Shutdown()
	_, _ = p.Pump()
	p.Free()
}

// read pumps, then reads once from s (SSL_read).
func read(p *sslpair.Pair, s *libssl.SSL, buf []byte) (int, error) {
	if _, err := p.Pump(); err != nil {
		return 0, err
	}
	return s.Read(buf)
}

// write pumps, writes on s (SSL_write) and pumps again.
func write(p *sslpair.Pair, s *libssl.SSL, b []byte) (int, error) {
	if _, err := p.Pump(); err != nil {
		return 0, err
	}
	n, err := s.Write(b)
	if _, perr := p.Pump(); perr != nil && err == nil {
		err = perr
	}
	return n, err
}

// shutdown pumps, calls SSL_shutdown on s, and pumps what it sent. It returns
// libssl's result as C does: 1 done, 0 sent, -1 failed (with the error).
func shutdown(p *sslpair.Pair, s *libssl.SSL) (int, error) {
	if _, err := p.Pump(); err != nil {
		return -1, err
	}
	done, err := s.Shutdown()
	_, _ = p.Pump()
	switch {
	case err != nil:
		return -1, err
	case done:
		return 1, nil
	}
	return 0, nil
}

// code returns the SSL_get_error verdict carried by err, or SSLErrorNone.
func code(err error) libssl.SSLErrorCode {
	var e *libssl.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return libssl.SSLErrorNone
}

// versions lists the protocol versions a test that C runs for TLS 1.3 and
// TLS 1.2 (execute_test_session and friends) runs for, in C's order.
var versions = []libssl.ProtocolVersion{libssl.TLS1_3, libssl.TLS1_2}

// connectDTLS is create_ssl_connection for DTLS. The C helper gives DTLS a
// datagram BIO (bio_s_mempacket_test) that hands the SSL one packet per read;
// a memory BIO is a byte stream, and a DTLS read that took several records at
// once could cut the last one. So this moves one record at a time from each
// side's write BIO to the other's read BIO and lets both sides run in
// between, which gives each read exactly one datagram.
func connectDTLS(p *sslpair.Pair) error {
	cw, cr, sw, sr := p.Client.WBIO(), p.Client.RBIO(), p.Server.WBIO(), p.Server.RBIO()
	defer func() {
		for _, b := range []*libssl.BIO{cw, cr, sw, sr} {
			b.Free()
		}
	}()
	cdone, sdone := false, false
	for i := 0; i < 10000; i++ {
		if !cdone {
			if err := p.Client.Handshake(); err == nil {
				cdone = true
			} else if !errors.Is(err, libssl.ErrWantRead) && !errors.Is(err, libssl.ErrWantWrite) {
				return fmt.Errorf("client handshake: %w", err)
			}
		}
		if !sdone {
			if err := p.Server.Handshake(); err == nil {
				sdone = true
			} else if !errors.Is(err, libssl.ErrWantRead) && !errors.Is(err, libssl.ErrWantWrite) {
				return fmt.Errorf("server handshake: %w", err)
			}
		}
		m1, err := moveRecord(cw, sr)
		if err != nil {
			return err
		}
		m2, err := moveRecord(sw, cr)
		if err != nil {
			return err
		}
		if !m1 && !m2 {
			if cdone && sdone {
				return nil
			}
			return fmt.Errorf("DTLS handshake stalled (client done %v, server done %v)", cdone, sdone)
		}
	}
	return errors.New("DTLS handshake did not finish")
}

// moveRecord moves one DTLS record (13-byte header, length in bytes 11-12)
// from one BIO to another, and reports whether there was one.
func moveRecord(from, to *libssl.BIO) (bool, error) {
	if from.Pending() == 0 {
		return false, nil
	}
	hdr := make([]byte, 13)
	if n, err := from.Read(hdr); err != nil || n != len(hdr) {
		return false, fmt.Errorf("DTLS record header: %d bytes, %v", n, err)
	}
	body := make([]byte, int(hdr[11])<<8|int(hdr[12]))
	if len(body) > 0 {
		if n, err := from.Read(body); err != nil || n != len(body) {
			return false, fmt.Errorf("DTLS record body: %d of %d bytes, %v", n, len(body), err)
		}
	}
	if _, err := to.Write(append(hdr, body...)); err != nil {
		return false, err
	}
	return true, nil
}

// isolated runs the calling test alone in a child process (this test binary
// with -test.run) and reports its outcome; it returns true in the parent,
// which must then return, and false in the child, which runs the test. A
// test whose code can crash the process (a cgo callback rule broken in the
// root package) fails on its own this way instead of ending the package run.
func isolated(t *testing.T) bool {
	t.Helper()
	const env = "SSLAPITEST_ISOLATED"
	if os.Getenv(env) == t.Name() {
		return false
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), env+"="+t.Name())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s failed in its child process: %v\n%s", t.Name(), err, out)
	}
	t.Logf("child process:\n%s", out)
	return true
}
