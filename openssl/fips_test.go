//go:build libssl_fips

package openssl

// Configs in a library context that loaded a real FIPS provider, with the
// property query "fips=yes", against crypto/tls peers: what they negotiate
// is FIPS-approved, and what the FIPS provider lacks is refused.
//
// These tests exist only in a build with the libssl_fips tag, made where a
// FIPS provider is: `make fips` builds them in an image that has one
// (ci/fips.Dockerfile: fips.so built from the trixie leg's own OpenSSL
// source, installed with that leg's fipsinstall), and runs them with
// LIBSSL_GO_FIPS_CONF naming the openssl config that activates it (and
// base). In that build a missing or unusable config is a failure. Without
// a FIPS provider, TestConfigPropertyQueryFIPSWithoutFIPSProvider asserts
// the refusal instead.

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
)

const fipsConfEnv = "LIBSSL_GO_FIPS_CONF"

// fipsLibCtx returns a library context loaded with the config
// LIBSSL_GO_FIPS_CONF names, which has the FIPS provider available; the
// test frees it at its end. An unset variable, a libssl without library
// contexts (1.1.1), a config that does not load or loads no FIPS provider
// are failures: this build is made for a FIPS provider.
func fipsLibCtx(t *testing.T) *libssl.LibCtx {
	t.Helper()
	conf := os.Getenv(fipsConfEnv)
	if conf == "" {
		t.Fatalf("%s is unset: no FIPS provider config to load (the libssl_fips build runs where one is: make fips)", fipsConfEnv)
	}
	l, err := libssl.NewLibCtx()
	if err != nil {
		t.Fatalf("NewLibCtx: %v", err)
	}
	t.Cleanup(l.Free)
	if err := l.LoadConfig(conf); err != nil {
		t.Fatalf("LoadConfig(%s=%s): %v", fipsConfEnv, conf, err)
	}
	if !l.ProviderAvailable("fips") {
		t.Fatalf("LoadConfig(%s) succeeded, but the library context has no fips provider", conf)
	}
	return l
}

// inFIPS puts cfg in library context l with the property query "fips=yes".
func inFIPS(cfg *Config, l *libssl.LibCtx) *Config {
	cfg.LibraryContext, cfg.PropertyQuery = l, "fips=yes"
	return cfg
}

// fipsResult is one handshake between a Conn and a crypto/tls peer.
type fipsResult struct {
	ours    ConnectionState
	peerSig string // OBJ_nid2sn of SSL_get_peer_signature_type_nid; "" when the peer did not sign
	ourErr  error
	goErr   error
}

// fipsHandshake runs one handshake over loopback TCP between a Conn made
// from cfg (a server when ourServer, else a client) and a crypto/tls peer
// made from gcfg, then one byte each way. It records the Conn's state and
// the type of the signature the peer made, read before the Conn closes.
func fipsHandshake(t *testing.T, cfg *Config, gcfg *tls.Config, ourServer bool) fipsResult {
	t.Helper()
	l := listenLoopback(t)
	goDone := make(chan error, 1)
	peer := func(nc net.Conn) {
		deadline(nc)
		var c *tls.Conn
		if ourServer {
			c = tls.Client(nc, gcfg)
		} else {
			c = tls.Server(nc, gcfg)
		}
		err := c.Handshake()
		if err == nil {
			var b []byte
			if _, err = c.Write([]byte{'g'}); err == nil {
				if b, err = readFull(c, 1); err == nil && b[0] != 'o' {
					err = errors.New("crypto/tls peer read the wrong byte")
				}
			}
		}
		c.Close()
		goDone <- err
	}
	var nc net.Conn
	var err error
	if ourServer {
		go func() {
			c, err := net.Dial("tcp", l.Addr().String())
			if err != nil {
				goDone <- err
				return
			}
			peer(c)
		}()
		nc, err = l.Accept()
	} else {
		go func() {
			c, err := l.Accept()
			if err != nil {
				goDone <- err
				return
			}
			peer(c)
		}()
		nc, err = net.Dial("tcp", l.Addr().String())
	}
	if err != nil {
		t.Fatal(err)
	}
	deadline(nc)
	var c *Conn
	if ourServer {
		c, err = Server(nc, cfg)
	} else {
		c, err = Client(nc, cfg)
	}
	var r fipsResult
	if err != nil {
		nc.Close()
		r.ourErr = err
		r.goErr = <-goDone
		return r
	}
	if r.ourErr = c.Handshake(); r.ourErr == nil {
		r.ours = c.OpenSSLState()
		if err := c.WithSSL(func(s *libssl.SSL) error {
			if nid, ok := s.PeerSignatureTypeNID(); ok {
				r.peerSig = libssl.ObjectShortName(nid)
			}
			return nil
		}); err != nil {
			t.Errorf("WithSSL: %v", err)
		}
		var b []byte
		if b, r.ourErr = readFull(c, 1); r.ourErr == nil && b[0] != 'g' {
			r.ourErr = errors.New("Conn read the wrong byte")
		}
		if r.ourErr == nil {
			_, r.ourErr = c.Write([]byte{'o'})
		}
	}
	c.Close()
	r.goErr = <-goDone
	return r
}

// checkFIPSApproved fails unless r is a TLS 1.3 connection with an AES-GCM
// suite and the key exchange group wantGroup, and the peer signed with sig
// (OpenSSL's short name of the signature type).
func checkFIPSApproved(t *testing.T, r fipsResult, wantGroup, sig string) {
	t.Helper()
	if r.ourErr != nil || r.goErr != nil {
		t.Fatalf("handshake in the FIPS library context: ours %v; crypto/tls %v", r.ourErr, r.goErr)
	}
	st := r.ours
	if st.Version != VersionTLS13 {
		t.Errorf("version %#x, want TLS 1.3", st.Version)
	}
	switch st.CipherSuite {
	case tls.TLS_AES_128_GCM_SHA256, tls.TLS_AES_256_GCM_SHA384:
	default:
		t.Errorf("cipher suite %s (%s), want TLS 1.3 AES-GCM", tls.CipherSuiteName(st.CipherSuite), st.CipherName)
	}
	if st.NegotiatedGroup != wantGroup {
		t.Errorf("group %q (CurveID %d), want %q", st.NegotiatedGroup, st.CurveID, wantGroup)
	}
	if r.peerSig != sig {
		t.Errorf("peer signature type %q, want %q", r.peerSig, sig)
	}
}

// rsaSelfSigned is a self-signed RSA-2048 certificate for "localhost" and
// its key, both PEM.
func rsaSelfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
}

// The key exchange groups a crypto/tls peer offers, and what a Conn in the
// FIPS library context negotiates with each: crypto/tls's defaults start
// with X25519MLKEM768, which OpenSSL 3.5's FIPS provider offers under
// "fips=yes" (approved for its ML-KEM part); with classical groups only,
// X25519 first, it passes over X25519, which it does not offer as a TLS
// group, for P-256.
var fipsGroupCases = []struct {
	name   string
	curves []tls.CurveID
	want   string // OpenSSL's name of the negotiated group
}{
	{"crypto/tls default groups", nil, "X25519MLKEM768"},
	{"X25519 P-256 P-384", []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384}, "prime256v1"},
}

// A client in the FIPS library context handshakes with a crypto/tls server
// (ChaCha20 among its TLS 1.3 suites): TLS 1.3, AES-GCM, an approved
// group, and the server's signature, verified by the FIPS provider, is
// ECDSA for an ECDSA certificate and RSA-PSS for an RSA one.
func TestFIPSClientAgainstGoServer(t *testing.T) {
	l := fipsLibCtx(t)
	tc := testcerts.Get()
	rsaCert, rsaKey := rsaSelfSigned(t)
	for _, tt := range []struct {
		name           string
		chain, key, ca []byte
		wantSig        string
	}{
		{"ECDSA P-256", tc.LeafChain, tc.LeafKey, tc.CACert, "id-ecPublicKey"},
		{"RSA-2048", rsaCert, rsaKey, rsaCert, "RSASSA-PSS"},
	} {
		for _, g := range fipsGroupCases {
			t.Run(tt.name+"/"+g.name, func(t *testing.T) {
				cert, err := tls.X509KeyPair(tt.chain, tt.key)
				if err != nil {
					t.Fatal(err)
				}
				cfg := inFIPS(&Config{RootCAs: tt.ca, ServerName: "localhost"}, l)
				defer cfg.Free()
				gcfg := &tls.Config{Certificates: []tls.Certificate{cert}, CurvePreferences: g.curves}
				checkFIPSApproved(t, fipsHandshake(t, cfg, gcfg, false), g.want, tt.wantSig)
			})
		}
	}
}

// A server in the FIPS library context handshakes with a crypto/tls client
// that authenticates with an ECDSA certificate: TLS 1.3, AES-GCM, an
// approved group, and the client's signature, verified by the FIPS
// provider, is ECDSA.
func TestFIPSServerAgainstGoClient(t *testing.T) {
	l := fipsLibCtx(t)
	tc := testcerts.Get()
	clientCert, err := tls.X509KeyPair(tc.OtherCert, tc.OtherKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range fipsGroupCases {
		t.Run(g.name, func(t *testing.T) {
			cfg := inFIPS(&Config{
				Certificates: []Certificate{{CertPEM: tc.LeafChain, KeyPEM: tc.LeafKey}},
				ClientAuth:   RequireAndVerifyClientCert, ClientCAs: tc.CACert,
			}, l)
			defer cfg.Free()
			gcfg := goClientConfig(0)
			gcfg.NextProtos, gcfg.CurvePreferences = nil, g.curves
			gcfg.Certificates = []tls.Certificate{clientCert}
			r := fipsHandshake(t, cfg, gcfg, true)
			checkFIPSApproved(t, r, g.want, "id-ecPublicKey")
			if len(r.ours.PeerCertificates) == 0 || r.ours.PeerCertificates[0].Subject.CommonName != "other.example" {
				t.Errorf("client certificate not received: %+v", r.ours.PeerCertificates)
			}
		})
	}
}

// fipsServerRefuses checks that a server in the FIPS library context
// refuses the crypto/tls client gcfg with an error that contains reason,
// while the same server in the default library context accepts it (so
// the refusal is the FIPS provider's), and returns what the default one
// negotiated.
func fipsServerRefuses(t *testing.T, l *libssl.LibCtx, gcfg *tls.Config, reason string) ConnectionState {
	t.Helper()
	tc := testcerts.Get()
	server := func() *Config {
		return &Config{Certificates: []Certificate{{CertPEM: tc.LeafChain, KeyPEM: tc.LeafKey}}}
	}
	def := server()
	defer def.Free()
	r := fipsHandshake(t, def, gcfg, true)
	if r.ourErr != nil || r.goErr != nil {
		t.Fatalf("server in the default library context: ours %v; crypto/tls %v", r.ourErr, r.goErr)
	}
	cfg := inFIPS(server(), l)
	defer cfg.Free()
	f := fipsHandshake(t, cfg, gcfg, true)
	if f.ourErr == nil || f.goErr == nil {
		t.Fatalf("server in the FIPS library context: ours %v; crypto/tls %v (negotiated %s, group %q); want both to fail",
			f.ourErr, f.goErr, tls.CipherSuiteName(f.ours.CipherSuite), f.ours.NegotiatedGroup)
	}
	if msg := f.ourErr.Error(); !strings.Contains(msg, reason) {
		t.Errorf("FIPS server's error %q does not say %q", msg, reason)
	}
	return r.ours
}

// ChaCha20-Poly1305 is not in the FIPS provider: a server in the FIPS
// library context refuses a crypto/tls client that offers only
// ECDHE-ECDSA-CHACHA20-POLY1305 with libssl's "no shared cipher" (TLS
// 1.2: crypto/tls does not let a client choose its TLS 1.3 suites).
func TestFIPSRefusesChaCha20(t *testing.T) {
	l := fipsLibCtx(t)
	gcfg := goClientConfig(VersionTLS12)
	gcfg.NextProtos = nil
	gcfg.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}
	st := fipsServerRefuses(t, l, gcfg, "no shared cipher")
	if st.CipherSuite != tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 {
		t.Errorf("default library context negotiated %s, want ChaCha20-Poly1305", tls.CipherSuiteName(st.CipherSuite))
	}
}

// X25519 alone is not a TLS group of OpenSSL 3.5's FIPS provider (its
// X25519 key exchange is "fips=no", and the provider lists no X25519 TLS
// group at all): a server in the FIPS library context refuses a
// crypto/tls client that offers only X25519 with libssl's "no suitable
// key share", and a client in it never offers X25519 to a crypto/tls
// server that accepts only X25519.
func TestFIPSRefusesX25519(t *testing.T) {
	l := fipsLibCtx(t)
	gcfg := goClientConfig(VersionTLS13)
	gcfg.NextProtos, gcfg.CurvePreferences = nil, []tls.CurveID{tls.X25519}
	if st := fipsServerRefuses(t, l, gcfg, "no suitable key share"); st.NegotiatedGroup != "X25519" {
		t.Errorf("default library context negotiated group %q, want X25519", st.NegotiatedGroup)
	}

	tc := testcerts.Get()
	cert, err := tls.X509KeyPair(tc.LeafChain, tc.LeafKey)
	if err != nil {
		t.Fatal(err)
	}
	cfg := inFIPS(&Config{RootCAs: tc.CACert, ServerName: "localhost"}, l)
	defer cfg.Free()
	r := fipsHandshake(t, cfg, &tls.Config{Certificates: []tls.Certificate{cert}, CurvePreferences: []tls.CurveID{tls.X25519}}, false)
	if r.ourErr == nil || r.goErr == nil {
		t.Fatalf("client in the FIPS library context and an X25519-only server: ours %v; crypto/tls %v (group %q); want both to fail",
			r.ourErr, r.goErr, r.ours.NegotiatedGroup)
	}
}
