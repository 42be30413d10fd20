//go:build spacemonkey

package openssl

// Interop with github.com/spacemonkeygo/openssl, the binding this package
// replaces. It builds only against OpenSSL 1.1.1, so these tests run on the
// 1.1.1w leg only, with -tags spacemonkey (`make test-spacemonkey`).
//
// What they establish, TLS 1.2 and 1.3:
//   - our client <-> its server and its client <-> our server: handshake,
//     data both ways, close_notify both ways, a resumed second handshake;
//   - a session exported as DER by its client (Conn.GetSession) is resumed
//     by ours (DialSession) against our server;
//   - a session exported by ours (Conn.GetSession, i2d_SSL_SESSION) is
//     resumed by its client (DialSession) against its server. Its
//     DialSession passes a Go pointer to a Go pointer to d2i_SSL_SESSION, so
//     under the default cgocheck it panics: that case runs in a subprocess,
//     once with the default setting (the panic is asserted and logged as a
//     finding) and once with GODEBUG=cgocheck=0 (resumption must work).
//
// Its conventions, asserted as they are: on the peer's close_notify its
// Read returns io.EOF and has already answered with its own close_notify
// and closed the transport (it calls Close itself). Its client contexts set
// no session id context, as ours do, so that client sessions move between
// the two libraries.

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/libssl-go/libssl/internal/testcerts"
	sm "github.com/spacemonkeygo/openssl"
)

// smSessionIDContext is the session id context its server contexts set.
var smSessionIDContext = []byte("libssl-go/openssl")

func smServerCtx(t testing.TB, v uint16) *sm.Ctx {
	t.Helper()
	tc := testcerts.Get()
	ctx := smNewCtx(t, v)
	// A server's session id context, as our servers set one; clients set
	// none (ours neither), so client sessions move between the two.
	if err := ctx.SetSessionId(smSessionIDContext); err != nil {
		t.Fatal(err)
	}
	cert, err := sm.LoadCertificateFromPEM(tc.LeafCert)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := sm.LoadCertificateFromPEM(tc.CACert)
	if err != nil {
		t.Fatal(err)
	}
	key, err := sm.LoadPrivateKeyFromPEM(tc.LeafKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := ctx.UseCertificate(cert); err != nil {
		t.Fatal(err)
	}
	if err := ctx.AddChainCertificate(ca); err != nil {
		t.Fatal(err)
	}
	if err := ctx.UsePrivateKey(key); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func smClientCtx(t testing.TB, v uint16) *sm.Ctx {
	t.Helper()
	ctx := smNewCtx(t, v)
	ca, err := sm.LoadCertificateFromPEM(testcerts.Get().CACert)
	if err != nil {
		t.Fatal(err)
	}
	if err := ctx.GetCertificateStore().AddCertificate(ca); err != nil {
		t.Fatal(err)
	}
	ctx.SetVerifyMode(sm.VerifyPeer)
	return ctx
}

// smNewCtx: TLSv1_2_method for TLS 1.2; for TLS 1.3 its NewCtx (TLS_method,
// it has no TLS 1.3 constant) and our side pins the version.
func smNewCtx(t testing.TB, v uint16) *sm.Ctx {
	t.Helper()
	var ctx *sm.Ctx
	var err error
	if v == VersionTLS12 {
		ctx, err = sm.NewCtxWithVersion(sm.TLSv1_2)
	} else {
		ctx, err = sm.NewCtx()
	}
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

// smPeer runs its side of the exchange: read "ping", write "pong", read
// until our close_notify (its Read then reports io.EOF and has already sent
// its own close_notify and closed), and reports whether the
// handshake resumed.
func smPeer(c *sm.Conn) (reused bool, err error) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(testTimeout))
	if err := c.Handshake(); err != nil {
		return false, err
	}
	if got, err := readFull(c, 4); err != nil || string(got) != "ping" {
		return false, errors.Join(errors.New("spacemonkeygo side: want ping"), err)
	}
	if _, err := c.Write([]byte("pong")); err != nil {
		return false, err
	}
	var b [1]byte
	if n, err := c.Read(b[:]); n != 0 || err != io.EOF {
		return false, fmt.Errorf("spacemonkeygo side at our close_notify: n=%d err=%v, want io.EOF", n, err)
	}
	return c.SessionReused(), nil
}

// ourPeer runs our side: write "ping", read "pong", CloseWrite (our
// close_notify), read its close_notify as a clean io.EOF, Close. It returns
// the state and the session as DER (Session().MarshalDER(), before Close).
func ourPeer(t *testing.T, c *Conn, v uint16) (ConnectionState, []byte) {
	t.Helper()
	defer c.Close()
	deadline(c)
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if got, err := readFull(c, 4); err != nil || string(got) != "pong" {
		t.Fatalf("read %q, %v; want pong", got, err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	expectEOF(t, c)
	st := c.OpenSSLState()
	if st.Version != v {
		t.Fatalf("version %#x, want %#x", st.Version, v)
	}
	s := c.Session()
	if s == nil {
		t.Fatal("no session")
	}
	defer s.Free()
	der, err := s.MarshalDER()
	if err != nil {
		t.Fatal(err)
	}
	return st, der
}

type smResult struct {
	reused bool
	err    error
}

// smServe accepts n connections with its server and runs smPeer on each.
func smServe(t *testing.T, v uint16, n int) (addr string, results <-chan smResult) {
	l := listenLoopback(t)
	sl := sm.NewListener(l, smServerCtx(t, v))
	ch := make(chan smResult, n)
	go func() {
		for i := 0; i < n; i++ {
			c, err := sl.Accept()
			if err != nil {
				ch <- smResult{err: err}
				return
			}
			reused, err := smPeer(c.(*sm.Conn))
			ch <- smResult{reused, err}
		}
	}()
	return l.Addr().String(), ch
}

func wantResult(t *testing.T, ch <-chan smResult, reused bool) {
	t.Helper()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("spacemonkeygo side: %v", r.err)
		}
		if r.reused != reused {
			t.Fatalf("spacemonkeygo side: SessionReused = %v, want %v", r.reused, reused)
		}
	case <-time.After(testTimeout):
		t.Fatal("spacemonkeygo side: no result")
	}
}

func TestSpacemonkeyServerOurClient(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.name, func(t *testing.T) {
			addr, results := smServe(t, ver.v, 2)
			cfg := clientConfig(ver.v)
			cfg.NextProtos = nil
			defer cfg.Free()
			for i, resume := range []bool{false, true} {
				c, err := Dial("tcp", addr, cfg)
				if err != nil {
					t.Fatalf("handshake %d: %v", i, err)
				}
				if st, _ := ourPeer(t, c, ver.v); st.DidResume != resume {
					t.Fatalf("handshake %d: DidResume = %v, want %v", i, st.DidResume, resume)
				}
				wantResult(t, results, resume)
			}
		})
	}
}

// smDial connects its client to addr, checks "localhost" and offers session
// (its DialSession does the same, with the host part of addr).
func smDial(t *testing.T, addr string, ctx *sm.Ctx) *sm.Conn {
	t.Helper()
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := sm.Client(raw, ctx)
	if err != nil {
		raw.Close()
		t.Fatal(err)
	}
	if err := c.SetTlsExtHostName("localhost"); err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(testTimeout))
	if err := c.Handshake(); err != nil {
		t.Fatal(err)
	}
	if err := c.VerifyHostname("localhost"); err != nil {
		t.Fatal(err)
	}
	return c
}

// smClientExchange runs its client's side: write "ping", read "pong" (and
// with it a TLS 1.3 ticket), export the session, close (close_notify), and
// read nothing more.
func smClientExchange(t *testing.T, c *sm.Conn) []byte {
	t.Helper()
	defer c.Close()
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if got, err := readFull(c, 4); err != nil || string(got) != "pong" {
		t.Fatalf("spacemonkeygo client read %q, %v; want pong", got, err)
	}
	der, err := c.GetSession()
	if err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	if n, err := c.Read(b[:]); n != 0 || err != io.EOF {
		t.Fatalf("spacemonkeygo client after our close_notify: n=%d err=%v, want io.EOF", n, err)
	}
	return der
}

// ourServe accepts n connections with our server: read "ping", write
// "pong", close_notify, then read its close_notify as io.EOF.
func ourServe(t *testing.T, v uint16, n int) (addr string, states <-chan error, resumed <-chan bool) {
	cfg := serverConfig(v)
	cfg.NextProtos = nil
	t.Cleanup(cfg.Free)
	l := NewListener(listenLoopback(t), cfg)
	errc := make(chan error, n)
	rc := make(chan bool, n)
	go func() {
		for i := 0; i < n; i++ {
			nc, err := l.Accept()
			if err != nil {
				errc <- err
				return
			}
			c := nc.(*Conn)
			err = func() error {
				defer c.Close()
				deadline(c)
				if got, err := readFull(c, 4); err != nil || string(got) != "ping" {
					return errors.Join(errors.New("our server: want ping"), err)
				}
				if _, err := c.Write([]byte("pong")); err != nil {
					return err
				}
				if err := c.CloseWrite(); err != nil {
					return err
				}
				var b [1]byte
				if n, err := c.Read(b[:]); n != 0 || !errors.Is(err, io.EOF) {
					return errors.Join(errors.New("our server: want io.EOF at its close_notify"), err)
				}
				st := c.ConnectionState()
				if st.Version != v {
					return errors.New("our server: wrong version")
				}
				rc <- st.DidResume
				return nil
			}()
			errc <- err
		}
	}()
	return l.Addr().String(), errc, rc
}

func wantServed(t *testing.T, errc <-chan error, rc <-chan bool, resumed bool) {
	t.Helper()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(testTimeout):
		t.Fatal("our server: no result")
	}
	if got := <-rc; got != resumed {
		t.Fatalf("our server: DidResume = %v, want %v", got, resumed)
	}
}

func TestSpacemonkeyClientOurServer(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.name, func(t *testing.T) {
			addr, errc, rc := ourServe(t, ver.v, 3)
			ctx := smClientCtx(t, ver.v)

			// Full handshake; its session exported as DER.
			c := smDial(t, addr, ctx)
			der := smClientExchange(t, c)
			wantServed(t, errc, rc, false)

			// Its session, resumed by our client (DialSession, DER).
			cfg := clientConfig(ver.v)
			cfg.NextProtos = nil
			cfg.ClientSessionCache = nil
			defer cfg.Free()
			oc, err := DialSession("tcp", addr, cfg, der)
			if err != nil {
				t.Fatal(err)
			}
			if st := ourPeerNoCloseCheck(t, oc, ver.v); !st.DidResume {
				t.Fatal("our client did not resume the session exported by spacemonkeygo")
			}
			wantServed(t, errc, rc, true)

			// And its client again, full (no session offered): still fine
			// after our resumption.
			der2 := smClientExchange(t, smDial(t, addr, ctx))
			if len(der2) == 0 {
				t.Fatal("empty session")
			}
			wantServed(t, errc, rc, false)
		})
	}
}

// ourPeerNoCloseCheck is ourPeer against our own server, which closes first.
func ourPeerNoCloseCheck(t *testing.T, c *Conn, v uint16) ConnectionState {
	t.Helper()
	defer c.Close()
	deadline(c)
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if got, err := readFull(c, 4); err != nil || string(got) != "pong" {
		t.Fatalf("read %q, %v; want pong", got, err)
	}
	expectEOF(t, c)
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	st := c.OpenSSLState()
	if st.Version != v {
		t.Fatalf("version %#x, want %#x", st.Version, v)
	}
	return st
}

const smHelperEnv = "LIBSSL_GO_SMTEST_DIALSESSION" // "addr version hexDER"

// TestSpacemonkeyDialSessionHelper is the subprocess of
// TestSpacemonkeyOurSessionResumedByIt: its DialSession with our session.
func TestSpacemonkeyDialSessionHelper(t *testing.T) {
	arg := os.Getenv(smHelperEnv)
	if arg == "" {
		t.Skip("not available directly: it runs only as the subprocess of the DialSession test")
	}
	f := strings.Fields(arg)
	der, err := hex.DecodeString(f[2])
	if err != nil {
		t.Fatal(err)
	}
	v := VersionTLS12
	if f[1] == "TLS1.3" {
		v = VersionTLS13
	}
	c, err := sm.DialSession("tcp", f[0], smClientCtx(t, v), 0, der)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(testTimeout))
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if got, err := readFull(c, 4); err != nil || string(got) != "pong" {
		t.Fatalf("read %q, %v; want pong", got, err)
	}
	// Its Close sends close_notify; its server then sees it.
	os.Stdout.WriteString("smtest: DialSession done, SessionReused=" + strconv.FormatBool(c.SessionReused()) + "\n")
}

func TestSpacemonkeyOurSessionResumedByIt(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.name, func(t *testing.T) {
			// its server: our full handshake, then two attempts by its client.
			addr, results := smServe(t, ver.v, 3)
			cfg := clientConfig(ver.v)
			cfg.NextProtos = nil
			cfg.ClientSessionCache = nil
			defer cfg.Free()
			c, err := Dial("tcp", addr, cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, der := ourPeer(t, c, ver.v) // reads the TLS 1.3 ticket with "pong"
			wantResult(t, results, false)

			run := func(godebug string) (string, error) {
				ctx, cancel := context.WithTimeout(context.Background(), 2*testTimeout)
				defer cancel()
				cmd := exec.CommandContext(ctx, os.Args[0], "-test.run", "^TestSpacemonkeyDialSessionHelper$", "-test.v", "-test.count=1")
				cmd.Env = append(os.Environ(), smHelperEnv+"="+addr+" "+ver.name+" "+hex.EncodeToString(der))
				if godebug != "" {
					cmd.Env = append(cmd.Env, "GODEBUG="+godebug)
				}
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				err := cmd.Run()
				return out.String(), err
			}

			// Default cgocheck: its DialSession panics in setSession.
			out, err := run("")
			const panicText = "Go pointer to unpinned Go pointer" // cgocheck's words
			switch {
			case err != nil && strings.Contains(out, panicText):
				t.Logf("FINDING: spacemonkeygo DialSession panics under the default cgocheck:\n%s", firstLines(out, panicText, 11))
				// Its TCP connection was made, then dropped before the handshake.
				if r := <-results; r.err == nil {
					t.Fatal("its server completed a handshake with a client that panicked")
				}
			case err == nil && strings.Contains(out, "SessionReused=true"):
				t.Log("spacemonkeygo DialSession no longer panics under the default cgocheck; it resumed our session")
				wantResult(t, results, true)
			default:
				t.Fatalf("its DialSession under the default cgocheck: %v\n%s", err, out)
			}

			// With the check off, its client resumes the session we exported.
			out, err = run("cgocheck=0")
			if err != nil || !strings.Contains(out, "SessionReused=true") {
				t.Fatalf("its DialSession with GODEBUG=cgocheck=0: %v\n%s", err, out)
			}
			wantResult(t, results, true)
		})
	}
}

// firstLines returns n lines of s from the one holding key.
func firstLines(s, key string, n int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.Contains(l, key) {
			return strings.Join(lines[i:min(len(lines), i+n)], "\n")
		}
	}
	return s
}
