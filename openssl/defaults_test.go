package openssl

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// mtlsHandshake runs our client (with clientCert, or none) against our
// server over TCP and returns the server's handshake error and the number
// of peer certificates it recorded.
func mtlsHandshake(t *testing.T, scfg *Config, clientCert *Certificate, v uint16) (int, error) {
	t.Helper()
	l := listenLoopback(t)
	type res struct {
		err   error
		certs int
	}
	ch := make(chan res, 1)
	go func() {
		raw, err := l.Accept()
		if err != nil {
			ch <- res{err: err}
			return
		}
		sv, err := Server(raw, scfg)
		if err != nil {
			raw.Close()
			ch <- res{err: err}
			return
		}
		deadline(sv)
		err = sv.Handshake()
		if err == nil {
			// TLS 1.3 servers judge the client's certificate after the
			// client's handshake has completed: answer once so that the
			// client learns the result.
			_, err = sv.Write([]byte("ok"))
		}
		ch <- res{err, len(sv.ConnectionState().PeerCertificates)}
		sv.Close()
	}()
	ccfg := clientConfig(v)
	ccfg.ClientSessionCache = nil
	if clientCert != nil {
		ccfg.Certificates = []Certificate{*clientCert}
	}
	defer ccfg.Free()
	c, err := Dial("tcp", l.Addr().String(), ccfg)
	if err == nil {
		deadline(c)
		_, _ = readFull(c, 2)
		c.Close()
	}
	r := <-ch
	return r.certs, r.err
}

// A server verifies client certificates against ClientCAs only.
// The "system store" is SSL_CERT_FILE, which OpenSSL's default verify paths
// read: a client certificate that only it vouches for is refused, unless
// ClientCAsFromSystem asks for the system's store.
func TestClientCertsVerifyAgainstClientCAsOnly(t *testing.T) {
	tc := testcerts.Get()
	sys := filepath.Join(t.TempDir(), "system.pem")
	if err := os.WriteFile(sys, tc.SelfCert, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SSL_CERT_FILE", sys)
	t.Setenv("SSL_CERT_DIR", t.TempDir())
	self := &Certificate{CertPEM: tc.SelfCert, KeyPEM: tc.SelfKey}
	signed := &Certificate{CertPEM: tc.OtherCert, KeyPEM: tc.OtherKey}
	for _, ver := range versions {
		t.Run(ver.name, func(t *testing.T) {
			scfg := serverConfig(ver.v)
			scfg.ClientCAs = tc.CACert
			scfg.ClientAuth = RequireAndVerifyClientCert
			defer scfg.Free()
			if _, err := mtlsHandshake(t, scfg, self, ver.v); err == nil {
				t.Fatal("a client certificate trusted only by the system store was accepted with ClientCAs set")
			}
			if n, err := mtlsHandshake(t, scfg, signed, ver.v); err != nil || n == 0 {
				t.Fatalf("a client certificate from ClientCAs: %v (%d certs)", err, n)
			}
			sys := serverConfig(ver.v)
			sys.ClientCAs = tc.CACert
			sys.ClientCAsFromSystem = true
			sys.ClientAuth = RequireAndVerifyClientCert
			defer sys.Free()
			if n, err := mtlsHandshake(t, sys, self, ver.v); err != nil || n != 1 {
				t.Fatalf("ClientCAsFromSystem: the system-trusted certificate was refused: %v (%d certs)", err, n)
			}
		})
	}
}

// The five client-auth policies with crypto/tls's numbering,
// against no certificate, one ClientCAs signed, and a self-signed one.
func TestClientAuthModes(t *testing.T) {
	tc := testcerts.Get()
	self := &Certificate{CertPEM: tc.SelfCert, KeyPEM: tc.SelfKey}
	signed := &Certificate{CertPEM: tc.OtherCert, KeyPEM: tc.OtherKey}
	type want struct {
		ok    bool
		certs int
	}
	cases := []struct {
		mode                 ClientAuthType
		none, signedW, selfW want
	}{
		{NoClientCert, want{true, 0}, want{true, 0}, want{true, 0}},
		{RequestClientCert, want{true, 0}, want{true, 1}, want{true, 1}},
		{RequireAnyClientCert, want{false, 0}, want{true, 1}, want{true, 1}},
		{VerifyClientCertIfGiven, want{true, 0}, want{true, 1}, want{false, 0}},
		{RequireAndVerifyClientCert, want{false, 0}, want{true, 1}, want{false, 0}},
	}
	for _, ver := range versions {
		for _, cs := range cases {
			t.Run(fmt.Sprintf("%s/ClientAuthType(%d)", ver.name, int(cs.mode)), func(t *testing.T) {
				scfg := serverConfig(ver.v)
				scfg.ClientCAs = tc.CACert
				// The value crypto/tls gives the mode, not the name.
				scfg.ClientAuth = ClientAuthType(cs.mode)
				defer scfg.Free()
				for _, c := range []struct {
					name string
					cert *Certificate
					w    want
				}{{"none", nil, cs.none}, {"signed", signed, cs.signedW}, {"self-signed", self, cs.selfW}} {
					n, err := mtlsHandshake(t, scfg, c.cert, ver.v)
					if (err == nil) != c.w.ok || (err == nil && n < c.w.certs) || (err == nil && c.w.certs == 0 && n != 0) {
						t.Errorf("client cert %s: server err %v, %d peer certs; want ok=%v, %d certs", c.name, err, n, c.w.ok, c.w.certs)
					}
				}
			})
		}
	}
}

// A Config that cannot work: each is an error at
// first use that starts with "openssl:" and names the field.
func TestConfigErrorsNameTheField(t *testing.T) {
	tc := testcerts.Get()
	cert := func(c, k []byte) []Certificate { return []Certificate{{CertPEM: c, KeyPEM: k}} }
	cases := []struct {
		name, field string
		server      bool
		cfg         *Config
	}{
		{"min above max", "Config.MinVersion", false, &Config{InsecureSkipVerify: true, MinVersion: VersionTLS13, MaxVersion: VersionTLS12}},
		{"unknown version", "Config.MaxVersion", false, &Config{InsecureSkipVerify: true, MaxVersion: 0x0399}},
		{"bad cert PEM", "Config.Certificates[0].CertPEM", true, &Config{Certificates: cert([]byte("not PEM"), tc.LeafKey)}},
		{"bad key PEM", "Config.Certificates[0].KeyPEM", true, &Config{Certificates: cert(tc.LeafCert, []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))}},
		{"key of another cert", "Config.Certificates[0].KeyPEM", true, &Config{Certificates: cert(tc.LeafCert, tc.SelfKey)}},
		{"bad RootCAs", "Config.RootCAs", false, &Config{ServerName: "localhost", RootCAs: []byte("garbage")}},
		{"bad ClientCAs", "Config.ClientCAs", true, &Config{Certificates: cert(tc.LeafChain, tc.LeafKey), ClientCAs: []byte("garbage")}},
		{"unknown ClientAuth", "Config.ClientAuth", true, &Config{Certificates: cert(tc.LeafChain, tc.LeafKey), ClientAuth: ClientAuthType(7)}},
		{"verify without ClientCAs", "Config.ClientCAs", true, &Config{Certificates: cert(tc.LeafChain, tc.LeafKey), ClientAuth: RequireAndVerifyClientCert}},
		{"bad CipherList", "Config.CipherList", false, &Config{InsecureSkipVerify: true, CipherList: "NO-SUCH-CIPHER"}},
	}
	for _, cs := range cases {
		t.Run(cs.name, func(t *testing.T) {
			defer cs.cfg.Free()
			a, b := net.Pipe()
			defer a.Close()
			defer b.Close()
			var c *Conn
			var err error
			if cs.server {
				c, err = Server(a, cs.cfg)
			} else {
				c, err = Client(a, cs.cfg)
			}
			if err == nil {
				c.Close()
				t.Fatal("the Config was accepted")
			}
			if !strings.HasPrefix(err.Error(), "openssl:") || !strings.Contains(err.Error(), cs.field) {
				t.Fatalf("error %q: want it to start with \"openssl:\" and name %s", err, cs.field)
			}
			// The same error again at the next use.
			if cs.server {
				_, err2 := Server(b, cs.cfg)
				if err2 == nil || err2.Error() != err.Error() {
					t.Fatalf("second use: %v", err2)
				}
			}
		})
	}
	// Listen reports it too, before listening.
	if _, err := Listen("tcp", "127.0.0.1:0", &Config{Certificates: cert(tc.LeafCert, tc.SelfKey)}); err == nil ||
		!strings.Contains(err.Error(), "Config.Certificates[0].KeyPEM") {
		t.Fatalf("Listen: %v", err)
	}
}

// renegotiate starts a renegotiation from c (SSL_renegotiate, then one
// handshake step whose output, HelloRequest or ClientHello, is flushed).
func renegotiate(t *testing.T, c *Conn) {
	t.Helper()
	err := c.withSSL(func(s *libssl.SSL) error {
		err := s.Renegotiate()
		if err == nil {
			err = s.Handshake()
			if errors.Is(err, libssl.ErrWantRead) {
				err = nil
			}
		}
		return err
	})
	if err != nil {
		t.Fatalf("starting renegotiation: %v", err)
	}
	if err := c.flush(); err != nil {
		t.Fatal(err)
	}
}

// Renegotiation is refused by default in both roles; with
// AllowRenegotiation on both sides it completes.
func TestRenegotiationRefusedByDefault(t *testing.T) {
	for _, initiator := range []string{"server", "client"} {
		for _, allow := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s-initiated/allow=%v", initiator, allow), func(t *testing.T) {
				scfg, ccfg := serverConfig(VersionTLS12), clientConfig(VersionTLS12)
				ccfg.ClientSessionCache = nil
				// The initiator always allows it; the other side decides.
				if initiator == "server" {
					scfg.AllowRenegotiation, ccfg.AllowRenegotiation = true, allow
				} else {
					scfg.AllowRenegotiation, ccfg.AllowRenegotiation = allow, true
				}
				defer scfg.Free()
				defer ccfg.Free()
				l := listenLoopback(t)
				done := make(chan error, 1)
				var sv *Conn
				go func() {
					raw, err := l.Accept()
					if err != nil {
						done <- err
						return
					}
					sv, _ = Server(raw, scfg)
					deadline(sv)
					done <- sv.Handshake()
				}()
				cl, err := Dial("tcp", l.Addr().String(), ccfg)
				if err != nil {
					t.Fatal(err)
				}
				defer cl.Close()
				deadline(cl)
				if err := <-done; err != nil {
					t.Fatal(err)
				}
				defer sv.Close()
				init, peer := sv, cl
				if initiator == "client" {
					init, peer = cl, sv
				}
				renegotiate(t, init)
				// The peer reads the request with the data that follows it and
				// answers; the initiator then reads the answer, which carries the
				// rest of the renegotiation or the refusal.
				go func() {
					b, err := readFull(peer, 4)
					if err == nil {
						_, err = peer.Write(b)
					}
					done <- err
				}()
				_, rerr := init.Write([]byte("ping"))
				if rerr == nil {
					_, rerr = readFull(init, 4)
				} else {
					init.NetConn().Close() // ends the peer's Read
				}
				perr := <-done
				pending := false
				_ = init.withSSL(func(s *libssl.SSL) error { pending = s.RenegotiatePending(); return nil })
				t.Logf("initiator: %v; peer: %v; renegotiation pending: %v", rerr, perr, pending)
				if allow && (rerr != nil || perr != nil || pending) {
					t.Fatalf("allowed renegotiation did not complete: initiator %v, peer %v, pending %v", rerr, perr, pending)
				}
				// Refused: the peer answered with a no_renegotiation alert
				// (SSL_R_NO_RENEGOTIATION at the initiator).
				if !allow && (rerr == nil || !strings.Contains(rerr.Error(), "no renegotiation")) {
					t.Fatalf("renegotiation not refused with no_renegotiation: initiator %v, peer %v", rerr, perr)
				}
			})
		}
	}
}
