package openssl

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// testPSK is the key both sides share in these tests: 32 bytes, the size of
// SHA-256's output (TLS_AES_128_GCM_SHA256, the default suite of a PSK).
var testPSK = PreSharedKey{Identity: []byte("client1"), Key: bytes.Repeat([]byte{0x5a}, 32)}

func pskClientConfig(k PreSharedKey) *Config {
	tc := testcerts.Get()
	return &Config{ServerName: "localhost", RootCAs: tc.CACert, PreSharedKeys: []PreSharedKey{k}}
}

// pskServerConfig is a PSK server, with the test certificate when withCert.
func pskServerConfig(withCert bool, keys ...PreSharedKey) *Config {
	cfg := &Config{PreSharedKeys: keys}
	if withCert {
		tc := testcerts.Get()
		cfg.Certificates = []Certificate{{CertPEM: tc.LeafChain, KeyPEM: tc.LeafKey}}
	}
	return cfg
}

func pskFlags(k PreSharedKey) []string {
	return []string{"-psk", hex.EncodeToString(k.Key), "-psk_identity", string(k.Identity)}
}

// We are the client of `openssl s_server -psk ... -nocert`: the handshake
// uses the PSK (no certificate), data flows both ways and the identity is
// reported. A wrong key fails on both sides with libssl's binder error
// (illegal_parameter alert); an identity s_server does not know fails, as
// it has no certificate to fall back to.
func TestPSKClientAgainstOpenSSLServer(t *testing.T) {
	t.Run("match", func(t *testing.T) {
		addr, _, _ := startOpenSSLServer(t, append(pskFlags(testPSK), "-nocert", "-tls1_3", "-naccept", "1", "-rev")...)
		cfg := pskClientConfig(testPSK)
		defer cfg.Free()
		c, err := Dial("tcp", addr, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		deadline(c)
		if _, err := c.Write([]byte("hello\n")); err != nil {
			t.Fatal(err)
		}
		if got, err := readFull(c, 6); err != nil || string(got) != "olleh\n" {
			t.Fatalf("read %q, %v", got, err)
		}
		st := c.OpenSSLState()
		if !st.DidUsePSK || string(st.PSKIdentity) != "client1" || len(st.PeerCertificates) != 0 || st.Version != VersionTLS13 {
			t.Errorf("state: DidUsePSK %v, identity %q, %d peer certificates, version %#x", st.DidUsePSK, st.PSKIdentity, len(st.PeerCertificates), st.Version)
		}
		_, _ = c.Write([]byte("CLOSE\n"))
		expectEOF(t, c)
	})
	for _, tc := range []struct {
		name       string
		key        PreSharedKey
		clientText string
		serverText string
	}{
		{"wrong key", PreSharedKey{Identity: testPSK.Identity, Key: bytes.Repeat([]byte{1}, 32)}, binderAlertText(), "binder does not verify"},
		{"unknown identity", PreSharedKey{Identity: []byte("nobody"), Key: testPSK.Key}, "alert handshake failure", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, done, stderr := startOpenSSLServer(t, append(pskFlags(testPSK), "-nocert", "-tls1_3", "-naccept", "1", "-rev")...)
			cfg := pskClientConfig(tc.key)
			defer cfg.Free()
			c, err := Dial("tcp", addr, cfg)
			if err == nil {
				c.Close()
				t.Fatal("the handshake succeeded")
			}
			if !strings.Contains(err.Error(), tc.clientText) {
				t.Errorf("client error %q, want %q", err, tc.clientText)
			}
			waitExit(t, done) // -naccept 1: it exits after this connection
			if !strings.Contains(stderr.String(), tc.serverText) {
				t.Errorf("s_server did not report %q:\n%s", tc.serverText, stderr.String())
			}
		})
	}
}

// We are the server of `openssl s_client -psk ...`, PSK-only and with a
// certificate: the handshake uses the PSK and reports its identity. With a
// certificate, an identity we do not know falls back to a certificate
// handshake; without one it fails. A wrong key fails with the binder error.
func TestPSKServerAgainstOpenSSLClient(t *testing.T) {
	for _, tc := range []struct {
		name     string
		withCert bool
		key      PreSharedKey
		usePSK   bool
		fail     string // our error, when the handshake fails
	}{
		{"PSK only", false, testPSK, true, ""},
		{"with certificate", true, testPSK, true, ""},
		{"unknown identity, certificate fallback", true, PreSharedKey{Identity: []byte("nobody"), Key: testPSK.Key}, false, ""},
		{"unknown identity, no certificate", false, PreSharedKey{Identity: []byte("nobody"), Key: testPSK.Key}, false, "no suitable signature algorithm"},
		{"wrong key", true, PreSharedKey{Identity: testPSK.Identity, Key: bytes.Repeat([]byte{1}, 32)}, false, "binder does not verify"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scfg := pskServerConfig(tc.withCert, testPSK)
			defer scfg.Free()
			l, err := Listen("tcp", "127.0.0.1:0", scfg)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			c, sc := startSClient(t, l, "ping\n", append([]string{"-tls1_3", "-quiet"}, pskFlags(tc.key)...)...)
			herr := c.Handshake()
			if tc.fail != "" {
				c.Close()
				werr := sc.wait()
				if herr == nil || !strings.Contains(herr.Error(), tc.fail) || werr == nil {
					t.Fatalf("handshake: %v (want %q); s_client: %v\n%s", herr, tc.fail, werr, sc.stderr.String())
				}
				return
			}
			if herr != nil {
				t.Fatalf("handshake: %v\n%s", herr, sc.stderr.String())
			}
			if got, err := readFull(c, 5); err != nil || string(got) != "ping\n" {
				t.Fatalf("read %q, %v\n%s", got, err, sc.stderr.String())
			}
			if _, err := c.Write([]byte("pong\n")); err != nil {
				t.Fatal(err)
			}
			st := c.OpenSSLState()
			if st.DidUsePSK != tc.usePSK || tc.usePSK && string(st.PSKIdentity) != "client1" || !tc.usePSK && st.PSKIdentity != nil {
				t.Errorf("state: DidUsePSK %v, identity %q; want %v", st.DidUsePSK, st.PSKIdentity, tc.usePSK)
			}
			if err := c.Close(); err != nil {
				t.Fatalf("close: %v", err)
			}
			if err := sc.wait(); err != nil || !strings.Contains(sc.out.String(), "pong") {
				t.Fatalf("s_client: %v, stdout %q\n%s", err, sc.out.String(), sc.stderr.String())
			}
		})
	}
}

// Binding to binding: both sides' Configs with PSKs. The server accepts
// any of its keys by identity; a client whose identity it does not know
// gets the certificate handshake (verified as usual); a Config whose
// MaxVersion is TLS 1.2 is an error at first use that says PSKs need TLS
// 1.3; a Config with an empty identity or key or a suite that is not TLS
// 1.3 is an error naming the field.
func TestPSKBindingToBinding(t *testing.T) {
	other := PreSharedKey{Identity: []byte("client2"), Key: bytes.Repeat([]byte{0x33}, 32), CipherSuite: 0x1303}
	sha384 := PreSharedKey{Identity: []byte("client3"), Key: bytes.Repeat([]byte{0x44}, 48), CipherSuite: 0x1302}
	for _, tc := range []struct {
		name   string
		server []PreSharedKey
		key    PreSharedKey
		usePSK bool
	}{
		{"first key", []PreSharedKey{testPSK, other}, testPSK, true},
		{"second key, same hash", []PreSharedKey{testPSK, other}, other, true},
		{"SHA-384 key", []PreSharedKey{sha384}, sha384, true},
		// The server's suites come in its first PSK's order: SHA-256 wins.
		{"SHA-384 key behind a SHA-256 one", []PreSharedKey{testPSK, sha384}, sha384, false},
		{"unknown identity", []PreSharedKey{testPSK, other}, PreSharedKey{Identity: []byte("nobody"), Key: testPSK.Key}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scfg := pskServerConfig(true, tc.server...)
			defer scfg.Free()
			ccfg := pskClientConfig(tc.key)
			defer ccfg.Free()
			cs, ss := pskPair(t, ccfg, scfg)
			defer cs.Close()
			defer ss.Close()
			for _, c := range []*Conn{cs, ss} {
				st := c.OpenSSLState()
				if st.DidUsePSK != tc.usePSK || tc.usePSK && !bytes.Equal(st.PSKIdentity, tc.key.Identity) {
					t.Errorf("client %v: DidUsePSK %v, identity %q", c.isClient, st.DidUsePSK, st.PSKIdentity)
				}
				if (len(st.PeerCertificates) == 0) != (tc.usePSK || !c.isClient) {
					t.Errorf("client %v: %d peer certificates", c.isClient, len(st.PeerCertificates))
				}
			}
			if tc.key.CipherSuite == 0x1302 && tc.usePSK && cs.OpenSSLState().CipherSuite != 0x1302 {
				t.Errorf("cipher suite %#04x, want the PSK's 0x1302", cs.OpenSSLState().CipherSuite)
			}
		})
	}
	for _, tc := range []struct {
		name string
		cfg  *Config
		want string
	}{
		{"TLS 1.2", &Config{ServerName: "localhost", MaxVersion: VersionTLS12, PreSharedKeys: []PreSharedKey{testPSK}}, "Config.PreSharedKeys are TLS 1.3 external PSKs, but Config.MaxVersion is TLS 1.2"},
		{"empty identity", &Config{ServerName: "localhost", PreSharedKeys: []PreSharedKey{{Key: testPSK.Key}}}, "Config.PreSharedKeys[0].Identity is empty"},
		{"empty key", &Config{ServerName: "localhost", PreSharedKeys: []PreSharedKey{{Identity: []byte("a")}}}, "Config.PreSharedKeys[0].Key is empty"},
		{"TLS 1.2 suite", &Config{ServerName: "localhost", PreSharedKeys: []PreSharedKey{{Identity: []byte("a"), Key: testPSK.Key, CipherSuite: 0xc02f}}}, "not a TLS 1.3 cipher suite"},
	} {
		c1, c2 := net.Pipe()
		_, err := Client(c1, tc.cfg)
		c1.Close()
		c2.Close()
		tc.cfg.Free()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}

// pskPair runs a handshake between a client and a server Conn over TCP
// loopback and returns both.
func pskPair(t *testing.T, ccfg, scfg *Config) (*Conn, *Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	type res struct {
		c   *Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		nc, err := l.Accept()
		if err != nil {
			ch <- res{err: err}
			return
		}
		s, err := Server(nc, scfg)
		if err == nil {
			deadline(s)
			err = s.Handshake()
		}
		ch <- res{s, err}
	}()
	c, err := Dial("tcp", l.Addr().String(), ccfg)
	r := <-ch
	if err != nil || r.err != nil {
		t.Fatalf("client: %v; server: %v", err, r.err)
	}
	deadline(c)
	// Data both ways.
	go func() { _, _ = r.c.Write([]byte("from server")) }()
	if _, err := c.Write([]byte("from client")); err != nil {
		t.Fatal(err)
	}
	if got, err := readFull(c, 11); err != nil || string(got) != "from server" {
		t.Fatalf("client read %q, %v", got, err)
	}
	if got, err := readFull(r.c, 11); err != nil || string(got) != "from client" {
		t.Fatalf("server read %q, %v", got, err)
	}
	return c, r.c
}

func waitExit(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("s_server: %v", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("s_server did not exit")
	}
}

// binderAlertText is the alert a client reads when the server finds its PSK
// binder wrong: libssl sends illegal_parameter in 1.1.1 and 3.0, and
// decrypt_error (RFC 8446's choice) from 3.5 on (3.5.x and 4.0.3 as run
// on the image legs; the versions between are not run here).
func binderAlertText() string {
	if libssl.RuntimeVersion() >= 0x30500000 {
		return "alert decrypt error"
	}
	return "alert illegal parameter"
}
