package openssl

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"testing"
	"time"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// expiredLeaf is a leaf for "localhost" signed by the test CA that expired
// a minute ago.
func expiredLeaf(t *testing.T) (certPEM, keyPEM []byte) {
	return caLeaf(t, time.Now().Add(-time.Minute))
}

// caLeaf is a leaf for the DNS name "localhost" alone (no IP address),
// signed by the test CA, valid until notAfter.
func caLeaf(t *testing.T, notAfter time.Time) (certPEM, keyPEM []byte) {
	tc := testcerts.Get()
	cb, _ := pem.Decode(tc.CACert)
	kb, _ := pem.Decode(tc.CAKey)
	ca, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	caKey, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(k)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
}

// echoServer answers each connection's first 4 bytes and reads to the end.
func echoServer(t *testing.T, scfg *Config) string {
	l, err := Listen("tcp", "127.0.0.1:0", scfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
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
	return l.Addr().String()
}

// sessionFrom dials with cfg, reads the server's answer (and so its
// tickets) and returns the session's DER.
func sessionFrom(t *testing.T, addr string, cfg *Config) []byte {
	t.Helper()
	c, err := Dial("tcp", addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	deadline(c)
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if _, err := readFull(c, 4); err != nil {
		t.Fatal(err)
	}
	der, err := c.GetSession()
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// Resumption never widens trust: a session is resumed only if
// its server would pass the resuming client's own verification.
func TestResumptionNeverWidensTrust(t *testing.T) {
	tc := testcerts.Get()
	expCert, expKey := expiredLeaf(t)
	for _, ver := range versions {
		t.Run(ver.name, func(t *testing.T) {
			scfg := serverConfig(ver.v)
			defer scfg.Free()
			addr := echoServer(t, scfg)
			insecure := &Config{InsecureSkipVerify: true, ServerName: "localhost", MinVersion: ver.v, MaxVersion: ver.v}
			defer insecure.Free()
			strict := &Config{RootCAs: tc.SelfCert, ServerName: "localhost", MinVersion: ver.v, MaxVersion: ver.v,
				ClientSessionCache: NewLRUClientSessionCache(4)}
			defer strict.Free()
			good := &Config{RootCAs: tc.CACert, ServerName: "localhost", MinVersion: ver.v, MaxVersion: ver.v}
			defer good.Free()

			// A fresh connection with the strict Config is refused.
			if c, err := Dial("tcp", addr, strict); err == nil {
				c.Close()
				t.Fatal("strict Config connected without a session")
			}
			der := sessionFrom(t, addr, insecure)

			// The bypass: the insecure session offered with DialSession.
			c, err := DialSession("tcp", addr, strict, der)
			if err == nil {
				st := c.OpenSSLState()
				c.Close()
				t.Fatalf("resumed=%v with VerifyResult %d: a session made without verification widened the strict Config's trust", st.DidResume, st.VerifyResult)
			}
			if !errors.Is(err, ErrSessionNotTrusted) {
				t.Fatalf("DialSession: %v, want ErrSessionNotTrusted", err)
			}

			// The same session through the strict Config's cache: not offered,
			// the full handshake fails verification.
			s, err := libssl.UnmarshalSessionDER(der)
			if err != nil {
				t.Fatal(err)
			}
			strict.ClientSessionCache.Put("localhost", s)
			c, err = Dial("tcp", addr, strict)
			var ve *CertificateVerificationError
			if err == nil {
				c.Close()
				t.Fatal("the cached insecure session let the strict Config connect")
			}
			if !errors.As(err, &ve) {
				t.Fatalf("cached session: %v, want a full handshake failing verification", err)
			}

			// A session for "localhost" offered when dialling another name on
			// the same server.
			other := &Config{RootCAs: tc.CACert, ServerName: "other.example", MinVersion: ver.v, MaxVersion: ver.v}
			defer other.Free()
			goodDER := sessionFrom(t, addr, good)
			if c, err := DialSession("tcp", addr, other, goodDER); err == nil {
				c.Close()
				t.Fatal("a session for localhost resumed as other.example")
			} else if !errors.Is(err, ErrSessionNotTrusted) {
				t.Fatalf("session for another host: %v, want ErrSessionNotTrusted", err)
			}
			// The right name still resumes.
			c, err = DialSession("tcp", addr, good, goodDER)
			if err != nil || !c.ConnectionState().DidResume {
				t.Fatalf("the good session did not resume: %v", err)
			}
			c.Close()

			// A tampered DER is an error, never a resumption.
			bad := append([]byte(nil), goodDER...)
			bad[len(bad)/2] ^= 0xff
			if c, err := DialSession("tcp", addr, good, bad); err == nil {
				resumed := c.ConnectionState().DidResume
				c.Close()
				if resumed {
					t.Fatal("a tampered session resumed")
				}
			}

			// A session whose certificate has expired since.
			ecfg := &Config{Certificates: []Certificate{{CertPEM: append(expCert, tc.CACert...), KeyPEM: expKey}},
				MinVersion: ver.v, MaxVersion: ver.v}
			defer ecfg.Free()
			eaddr := echoServer(t, ecfg)
			expDER := sessionFrom(t, eaddr, insecure)
			if c, err := DialSession("tcp", eaddr, good, expDER); err == nil {
				c.Close()
				t.Fatal("a session with an expired certificate resumed")
			} else if !errors.Is(err, ErrSessionNotTrusted) {
				t.Fatalf("expired: %v, want ErrSessionNotTrusted", err)
			}
		})
	}
}

// Distinct Configs get distinct session id contexts: a server Config does
// not resume a session another server Config made (here with another
// client-auth policy), even through one shared SSL_SESSION.
func TestSessionIDContextPerConfig(t *testing.T) {
	a, b := serverConfig(VersionTLS12), serverConfig(VersionTLS12)
	defer a.Free()
	defer b.Free()
	if _, err := a.ctx(false); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ctx(false); err != nil {
		t.Fatal(err)
	}
	if string(a.sidCtx) == string(b.sidCtx) || len(a.sidCtx) == 0 {
		t.Fatalf("two Configs share the session id context %x", a.sidCtx)
	}
}

// A resumed client is held to the server Config's current
// ClientAuth. Two Configs share one caller-made SSL_CTX (so libssl resumes
// across them); a session made under NoClientCert must not let a client
// without a certificate into the Config that requires one.
func TestResumedClientHeldToClientAuth(t *testing.T) {
	tc := testcerts.Get()
	for _, ver := range versions {
		t.Run(ver.name, func(t *testing.T) {
			ctx, err := libssl.NewCtx(libssl.TLSMethod)
			if err != nil {
				t.Fatal(err)
			}
			defer ctx.Free()
			for _, err := range []error{ctx.UseCertificatePEM(tc.LeafChain), ctx.UsePrivateKeyPEM(tc.LeafKey),
				ctx.AddTrustedCertPEM(tc.CACert), ctx.SetSessionIDContext([]byte("shared on purpose")),
				ctx.SetMinProtoVersion(libssl.ProtocolVersion(ver.v)), ctx.SetMaxProtoVersion(libssl.ProtocolVersion(ver.v))} {
				if err != nil {
					t.Fatal(err)
				}
			}
			open := &Config{Ctx: ctx}
			strictCfg := &Config{Ctx: ctx, ClientAuth: RequireAndVerifyClientCert}
			ccfg := &Config{RootCAs: tc.CACert, ServerName: "localhost", MinVersion: ver.v, MaxVersion: ver.v}
			defer ccfg.Free()
			der := sessionFrom(t, echoServer(t, open), ccfg)
			addr := echoServer(t, strictCfg)
			c, err := DialSession("tcp", addr, ccfg, der)
			if err == nil {
				deadline(c)
				// TLS 1.3: the server's verdict comes after the client's
				// handshake; the echo shows whether the server let us in.
				_, _ = c.Write([]byte("ping"))
				_, err = readFull(c, 4)
				resumed := c.ConnectionState().DidResume
				c.Close()
				if err == nil {
					t.Fatalf("a client without a certificate got in (resumed=%v) under RequireAndVerifyClientCert", resumed)
				}
			}
		})
	}
}

// A session this Config verified itself skips the new verification only for
// the name its handshake verified (the fast path): offered for
// another name that its certificate does not cover, it is refused.
func TestOwnSessionTrustedOnlyForItsName(t *testing.T) {
	tc := testcerts.Get()
	certPEM, keyPEM := caLeaf(t, time.Now().Add(time.Hour)) // "localhost", not 127.0.0.1
	for _, ver := range versions {
		t.Run(ver.name, func(t *testing.T) {
			scfg := &Config{Certificates: []Certificate{{CertPEM: append(append([]byte(nil), certPEM...), tc.CACert...), KeyPEM: keyPEM}},
				MinVersion: ver.v, MaxVersion: ver.v}
			defer scfg.Free()
			addr := echoServer(t, scfg) // 127.0.0.1:port
			_, port, err := net.SplitHostPort(addr)
			if err != nil {
				t.Fatal(err)
			}
			byName := net.JoinHostPort("localhost", port)
			// No ServerName: Dial verifies the host part of the address.
			cfg := &Config{RootCAs: tc.CACert, MinVersion: ver.v, MaxVersion: ver.v, ClientSessionCache: NewLRUClientSessionCache(4)}
			defer cfg.Free()
			der := sessionFrom(t, byName, cfg)
			c, err := DialSession("tcp", byName, cfg, der)
			if err != nil {
				t.Fatalf("the own session for localhost: %v", err)
			}
			resumed := c.ConnectionState().DidResume
			c.Close()
			if !resumed {
				t.Fatal("the own session did not resume for its own name")
			}
			if c, err := DialSession("tcp", addr, cfg, der); err == nil {
				st := c.ConnectionState()
				c.Close()
				t.Fatalf("an own session for localhost was offered to 127.0.0.1 (resumed=%v), which its certificate does not cover", st.DidResume)
			} else if !errors.Is(err, ErrSessionNotTrusted) {
				t.Fatalf("own session for another name: %v, want ErrSessionNotTrusted", err)
			}
		})
	}
}
