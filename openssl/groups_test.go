// The crypto/tls ConnectionState fields these tests compare with (CurveID,
// HelloRetryRequest) are Go 1.25 and 1.26 API.

//go:build go1.26

package openssl

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	libssl "github.com/libssl-go/libssl"
)

// has35 reports whether the linked libssl has OpenSSL 3.5's groups and
// group-list syntax (the ML-KEM hybrids, "*" key-share marks).
func has35() bool { return libssl.RuntimeVersion() >= 0x30500000 }

// ffdhe2048PEM is RFC 7919's ffdhe2048 group as DH parameters
// (openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048).
var ffdhe2048PEM = []byte(`-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz
+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a
87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7
YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi
7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD
ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==
-----END DH PARAMETERS-----
`)

// ecParamsPEM are parameters of another key type (P-256).
var ecParamsPEM = []byte(`-----BEGIN EC PARAMETERS-----
BggqhkjOPQMBBw==
-----END EC PARAMETERS-----
`)

// X25519MLKEM768 with crypto/tls in both roles: from OpenSSL 3.5 both
// sides agree on the hybrid; before, the binding leaves the group out (as
// crypto/tls ignores CurveIDs it lacks) and both agree on X25519.
func TestX25519MLKEM768WithCryptoTLS(t *testing.T) {
	want := tls.X25519MLKEM768
	if !has35() {
		want = tls.X25519 // this libssl is older than 3.5: ML-KEM hybrids need 3.5
	}
	prefs := []tls.CurveID{tls.X25519MLKEM768, tls.X25519}
	t.Run("GoServer", func(t *testing.T) {
		cfg := clientConfig(VersionTLS13)
		cfg.CurvePreferences = prefs
		defer cfg.Free()
		g := goServerConfig(t, VersionTLS13)
		g.CurvePreferences = prefs
		c, err, gst, gerr := pairGoServer(t, cfg, g)
		if err != nil || gerr != nil {
			t.Fatalf("ours %v, crypto/tls %v", err, gerr)
		}
		st := c.OpenSSLState()
		if st.CurveID != want || gst.CurveID != want {
			t.Fatalf("CurveID: ours %v (%q), crypto/tls %v; want %v", st.CurveID, st.NegotiatedGroup, gst.CurveID, want)
		}
		if gst.HelloRetryRequest {
			t.Fatal("crypto/tls sent a HelloRetryRequest: the client's first key share was not for its first group")
		}
	})
	t.Run("GoClient", func(t *testing.T) {
		cfg := serverConfig(VersionTLS13)
		cfg.CurvePreferences = prefs
		defer cfg.Free()
		g := goClientConfig(VersionTLS13)
		g.CurvePreferences = prefs
		r := pairGoClient(t, cfg, g)
		if r.ourErr != nil || r.goErr != nil {
			t.Fatalf("ours %v, crypto/tls %v", r.ourErr, r.goErr)
		}
		if st := r.ours.OpenSSLState(); st.CurveID != want || r.goState.CurveID != want {
			t.Fatalf("CurveID: ours %v (%q), crypto/tls %v; want %v", st.CurveID, st.NegotiatedGroup, r.goState.CurveID, want)
		}
	})
}

// A CurvePreferences of groups the linked libssl lacks only is an error
// matching ErrUnsupported that names the version; from 3.5 it works.
func TestCurvePreferencesOnlyMLKEM(t *testing.T) {
	cfg := clientConfig(VersionTLS13)
	cfg.CurvePreferences = []tls.CurveID{tls.X25519MLKEM768}
	defer cfg.Free()
	_, err := cfg.ctx(true)
	if has35() {
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	// This libssl is older than 3.5, which X25519MLKEM768 needs.
	if !errors.Is(err, libssl.ErrUnsupported) || !strings.Contains(err.Error(), "X25519MLKEM768 needs OpenSSL 3.5") {
		t.Fatalf("got %v, want ErrUnsupported naming 3.5", err)
	}
}

// A client that offers X25519MLKEM768 first (a key share for its first
// group only) to a server that has only P-256 falls back cleanly: the
// server asks again with a HelloRetryRequest and both agree on P-256.
func TestKeyShareFallbackHelloRetryRequest(t *testing.T) {
	cfg := clientConfig(VersionTLS13)
	cfg.CurvePreferences = []tls.CurveID{tls.X25519MLKEM768, tls.X25519, tls.CurveP256}
	defer cfg.Free()
	t.Run("GoServer", func(t *testing.T) {
		g := goServerConfig(t, VersionTLS13)
		g.CurvePreferences = []tls.CurveID{tls.CurveP256}
		c, err, gst, gerr := pairGoServer(t, cfg, g)
		if err != nil || gerr != nil {
			t.Fatalf("ours %v, crypto/tls %v", err, gerr)
		}
		if !gst.HelloRetryRequest {
			t.Fatal("crypto/tls sent no HelloRetryRequest")
		}
		if st := c.OpenSSLState(); st.CurveID != tls.CurveP256 || gst.CurveID != tls.CurveP256 {
			t.Fatalf("CurveID ours %v, crypto/tls %v", st.CurveID, gst.CurveID)
		}
	})
	t.Run("OurServer", func(t *testing.T) {
		shares, err := keySharesSeen(t, cfg, "P-256")
		if err != nil {
			t.Fatal(err)
		}
		first := []uint16{uint16(tls.X25519MLKEM768)}
		if !has35() {
			first = []uint16{uint16(tls.X25519)} // before 3.5 the hybrid is left out
		}
		want := [][]uint16{first, {uint16(tls.CurveP256)}}
		if !slices.EqualFunc(shares, want, slices.Equal[[]uint16]) {
			t.Fatalf("key shares per ClientHello %v, want %v (the second after a HelloRetryRequest)", shares, want)
		}
	})
}

// Config.KeyShares decides the key shares of the first ClientHello, as
// the server sees them on the wire (the key_share extension read in its
// ClientHello callback): from 3.5 any groups of CurvePreferences, so that a
// P-256-only server needs no HelloRetryRequest; before 3.5 only the first
// group, and any other list is an error matching ErrUnsupported.
func TestKeySharesOnTheWire(t *testing.T) {
	cfg := clientConfig(VersionTLS13)
	cfg.CurvePreferences = []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384}
	cfg.KeyShares = []tls.CurveID{tls.X25519, tls.CurveP256}
	defer cfg.Free()
	shares, err := keySharesSeen(t, cfg, "P-256")
	if !has35() {
		// This libssl is older than 3.5: one key share, for the first group.
		if !errors.Is(err, libssl.ErrUnsupported) || !strings.Contains(err.Error(), "need OpenSSL 3.5") {
			t.Fatalf("got %v, want ErrUnsupported naming 3.5", err)
		}
		cfg2 := clientConfig(VersionTLS13)
		cfg2.CurvePreferences = cfg.CurvePreferences
		cfg2.KeyShares = []tls.CurveID{tls.X25519}
		defer cfg2.Free()
		if shares, err = keySharesSeen(t, cfg2, "X25519"); err != nil {
			t.Fatal(err)
		}
		if want := [][]uint16{{uint16(tls.X25519)}}; !slices.EqualFunc(shares, want, slices.Equal[[]uint16]) {
			t.Fatalf("key shares %v, want %v", shares, want)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	want := [][]uint16{{uint16(tls.X25519), uint16(tls.CurveP256)}}
	if !slices.EqualFunc(shares, want, slices.Equal[[]uint16]) {
		t.Fatalf("key shares per ClientHello %v, want %v (one ClientHello, no HelloRetryRequest)", shares, want)
	}
}

// A KeyShares group outside CurvePreferences is an error naming it.
func TestKeySharesNotInCurvePreferences(t *testing.T) {
	cfg := clientConfig(VersionTLS13)
	cfg.CurvePreferences = []tls.CurveID{tls.X25519}
	cfg.KeyShares = []tls.CurveID{tls.CurveP256}
	defer cfg.Free()
	if _, err := cfg.ctx(true); err == nil || !strings.Contains(err.Error(), "Config.KeyShares: CurveP256 is not in Config.CurvePreferences") {
		t.Fatalf("got %v", err)
	}
}

// keySharesSeen runs a TLS 1.3 handshake from cfg to a binding server
// whose groups are serverGroups and returns the groups of the key_share
// extension of each ClientHello it read, in order.
func keySharesSeen(t *testing.T, cfg *Config, serverGroups string) ([][]uint16, error) {
	t.Helper()
	if _, err := cfg.ctx(true); err != nil {
		return nil, err
	}
	tc := testcertsForGroups()
	sctx, err := libssl.NewCtx(libssl.TLSServerMethod)
	if err != nil {
		t.Fatal(err)
	}
	defer sctx.Free()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(sctx.UseCertificatePEM(tc.cert))
	must(sctx.UsePrivateKeyPEM(tc.key))
	must(sctx.SetGroupsList(serverGroups))
	var mu sync.Mutex
	var seen [][]uint16
	must(sctx.SetClientHelloCallback(func(s *libssl.SSL, alert *int) libssl.ClientHelloResult {
		body, _ := s.ClientHelloExtension(51) // key_share
		mu.Lock()
		seen = append(seen, keyShareGroups(body))
		mu.Unlock()
		return libssl.ClientHelloSuccess
	}))
	scfg := &Config{Ctx: sctx}
	r := pairOurs(t, cfg, scfg)
	if r != nil {
		t.Fatal(r)
	}
	mu.Lock()
	defer mu.Unlock()
	return seen, nil
}

// keyShareGroups parses a ClientHello's key_share body (RFC 8446 section
// 4.2.8: a list of group, key pairs) into its groups.
func keyShareGroups(b []byte) []uint16 {
	if len(b) < 2 {
		return nil
	}
	b = b[2:]
	var out []uint16
	for len(b) >= 4 {
		g, n := binary.BigEndian.Uint16(b), int(binary.BigEndian.Uint16(b[2:]))
		out = append(out, g)
		if len(b) < 4+n {
			break
		}
		b = b[4+n:]
	}
	return out
}

// pairOurs runs a handshake between a binding client and a binding server
// over net.Pipe; the errors of both sides joined, or nil.
func pairOurs(t *testing.T, ccfg, scfg *Config) error {
	t.Helper()
	c, s, err := pairOursConns(t, ccfg, scfg)
	if c != nil {
		c.Close()
	}
	if s != nil {
		s.Close()
	}
	return err
}

// pairOursConns is pairOurs returning both (closed by the caller) Conns.
func pairOursConns(t *testing.T, ccfg, scfg *Config) (client, server *Conn, err error) {
	t.Helper()
	a, b := net.Pipe()
	_ = a.SetDeadline(time.Now().Add(testTimeout))
	_ = b.SetDeadline(time.Now().Add(testTimeout))
	sc, err := Server(b, scfg)
	if err != nil {
		a.Close()
		b.Close()
		return nil, nil, err
	}
	cc, err := Client(a, ccfg)
	if err != nil {
		a.Close()
		sc.Close()
		return nil, nil, err
	}
	serr := make(chan error, 1)
	go func() { serr <- sc.Handshake() }()
	cerr := cc.Handshake()
	if cerr != nil {
		a.Close()
	}
	return cc, sc, errors.Join(cerr, <-serr)
}

// Config.SignatureSchemes on a client: its signature_algorithms extension
// holds exactly those schemes (crypto/tls's ClientHelloInfo), the server
// signs with one of them, and ConnectionState.SignatureScheme names it.
func TestSignatureSchemesClient(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.name, func(t *testing.T) {
			schemes := []tls.SignatureScheme{tls.PSSWithSHA256, tls.ECDSAWithP256AndSHA256, tls.Ed25519}
			cfg := clientConfig(ver.v)
			cfg.SignatureSchemes = schemes
			defer cfg.Free()
			g := goServerConfig(t, ver.v)
			var offered []tls.SignatureScheme
			g.GetConfigForClient = func(h *tls.ClientHelloInfo) (*tls.Config, error) {
				offered = h.SignatureSchemes
				return nil, nil
			}
			c, err, _, gerr := pairGoServer(t, cfg, g)
			if err != nil || gerr != nil {
				t.Fatalf("ours %v, crypto/tls %v", err, gerr)
			}
			if !slices.Equal(offered, schemes) {
				t.Fatalf("offered %v, want %v", offered, schemes)
			}
			// The test certificate is ECDSA P-256.
			if got := c.OpenSSLState().SignatureScheme; got != tls.ECDSAWithP256AndSHA256 {
				t.Fatalf("SignatureScheme %v, want %v", got, tls.ECDSAWithP256AndSHA256)
			}
		})
	}
}

// Config.SignatureSchemes on a server: its CertificateRequest lists
// exactly those schemes (crypto/tls's CertificateRequestInfo), and the
// client's signature is reported as the peer's SignatureScheme.
func TestSignatureSchemesServer(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.name, func(t *testing.T) {
			schemes := []tls.SignatureScheme{tls.ECDSAWithP384AndSHA384, tls.ECDSAWithP256AndSHA256}
			cfg := serverConfig(ver.v)
			cfg.SignatureSchemes = schemes
			cfg.ClientAuth = RequireAnyClientCert
			defer cfg.Free()
			g := goClientConfig(ver.v)
			gcert, err := tls.X509KeyPair(testcertsLeafChain(), testcertsLeafKey())
			if err != nil {
				t.Fatal(err)
			}
			var asked []tls.SignatureScheme
			g.GetClientCertificate = func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
				asked = cri.SignatureSchemes
				return &gcert, nil
			}
			r := pairGoClient(t, cfg, g)
			if r.ourErr != nil || r.goErr != nil {
				t.Fatalf("ours %v, crypto/tls %v", r.ourErr, r.goErr)
			}
			if !slices.Equal(asked, schemes) {
				t.Fatalf("CertificateRequest schemes %v, want %v", asked, schemes)
			}
			// The client's key is ECDSA P-256: TLS 1.3 ties the scheme to
			// the curve, TLS 1.2's ecdsa_sha384 (the same code point as
			// ecdsa_secp384r1_sha384) does not, and the client takes the
			// server's first.
			want := tls.ECDSAWithP256AndSHA256
			if ver.v == VersionTLS12 {
				want = schemes[0]
			}
			if got := r.ours.OpenSSLState().SignatureScheme; got != want {
				t.Fatalf("SignatureScheme %v, want %v", got, want)
			}
		})
	}
}

// A client whose schemes cannot verify the server's key fails the
// handshake; a scheme without an OpenSSL name is an error naming the field.
func TestSignatureSchemesRefused(t *testing.T) {
	cfg := clientConfig(VersionTLS13)
	cfg.SignatureSchemes = []tls.SignatureScheme{tls.Ed25519}
	defer cfg.Free()
	_, err, _, gerr := pairGoServer(t, cfg, goServerConfig(t, VersionTLS13))
	if err == nil || gerr == nil {
		t.Fatalf("handshake with only Ed25519 against an ECDSA server: ours %v, crypto/tls %v", err, gerr)
	}
	bad := clientConfig(VersionTLS13)
	bad.SignatureSchemes = []tls.SignatureScheme{0x1234}
	defer bad.Free()
	if _, err := bad.ctx(true); err == nil || !strings.Contains(err.Error(), "Config.SignatureSchemes: SignatureScheme(4660) (0x1234) has no OpenSSL name") {
		t.Fatalf("got %v", err)
	}
}

// rsaCertForGroups is a self-signed RSA 2048 certificate for "localhost",
// made once: TLS 1.2 DHE-RSA suites need an RSA key.
var rsaCertForGroups = sync.OnceValue(func() struct{ cert, key []byte } {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		panic(err)
	}
	kd, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic(err)
	}
	return struct{ cert, key []byte }{
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}),
	}
})

// testcertsForGroups is the ECDSA test leaf as a cert/key pair.
func testcertsForGroups() struct{ cert, key []byte } {
	return struct{ cert, key []byte }{testcertsLeafChain(), testcertsLeafKey()}
}

const dheSuite = "DHE-RSA-AES128-GCM-SHA256"

// dheConfigs are a TLS 1.2 server with the RSA certificate and a client,
// both limited to the DHE-RSA suite.
func dheConfigs() (server, client *Config) {
	rc := rsaCertForGroups()
	server = &Config{Certificates: []Certificate{{CertPEM: rc.cert, KeyPEM: rc.key}},
		MinVersion: VersionTLS12, MaxVersion: VersionTLS12, CipherList: dheSuite}
	client = &Config{InsecureSkipVerify: true, MinVersion: VersionTLS12, MaxVersion: VersionTLS12, CipherList: dheSuite}
	return server, client
}

// TLS 1.2 finite-field DHE between two binding ends: off by default (the
// server has no parameters, so no shared cipher), on with Config.DHE
// (libssl's built-in group for a 2048-bit key) or Config.DHParameters
// (ffdhe2048 from PEM).
func TestDHEBindingToBinding(t *testing.T) {
	for _, tc := range []struct {
		name   string
		set    func(*Config)
		ok     bool
		bits   int
		params bool
	}{
		// Off, and a client offering only ECDHE groups: no DH parameters,
		// so no shared cipher.
		{"Off", func(*Config) {}, false, 0, false},
		// Off, and a client offering libssl's default groups (ffdhe2048
		// and ffdhe3072 among them): from OpenSSL 4.0 the server takes
		// the DH group from them (RFC 7919), before 4.0 it has none.
		{"OffClientOffersFFDHE", func(*Config) {}, libssl.RuntimeVersion() >= 0x40000000, 2048, true},
		{"DHE", func(c *Config) { c.DHE = true }, true, 2048, false},
		{"DHParameters", func(c *Config) { c.DHParameters = ffdhe2048PEM }, true, 2048, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, c := dheConfigs()
			if tc.name == "Off" {
				c.CurvePreferences = []tls.CurveID{tls.X25519, tls.CurveP256}
			}
			tc.set(s)
			defer s.Free()
			defer c.Free()
			cc, sc, err := pairOursConns(t, c, s)
			if cc != nil {
				defer cc.Close()
				defer sc.Close()
			}
			if !tc.ok {
				if err == nil || !strings.Contains(err.Error(), "no shared cipher") {
					t.Fatalf("handshake without DH parameters: %v, want no shared cipher", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := cc.OpenSSLState().CipherName; got != dheSuite {
				t.Fatalf("cipher %q", got)
			}
			var nid int
			var ok bool
			_ = cc.withSSL(func(s *libssl.SSL) error { nid, ok = s.PeerTmpKeyType(); return nil })
			if !ok || nid != 28 { // NID_dhKeyAgreement
				t.Fatalf("the client's peer temporary key is %d (%v), want a DH key", nid, ok)
			}
			if tc.params && libssl.RuntimeVersion() >= 0x30000000 {
				// From 3.0 the group of named parameters is named.
				if g := cc.OpenSSLState().NegotiatedGroup; g != "ffdhe2048" {
					t.Fatalf("client NegotiatedGroup %q, want ffdhe2048", g)
				}
			}
		})
	}
}

// DHParameters that are not DH parameters are an error naming the field.
func TestDHParametersBad(t *testing.T) {
	for _, tc := range []struct {
		name, pem, want string
	}{
		{"EC", string(ecParamsPEM), "not DH"},
		{"Garbage", "-----BEGIN DH PARAMETERS-----\nAAAA\n-----END DH PARAMETERS-----\n", "Config.DHParameters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := dheConfigs()
			s.DHParameters = []byte(tc.pem)
			defer s.Free()
			_, err := s.ctx(false)
			if err == nil || !strings.Contains(err.Error(), "Config.DHParameters") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error naming Config.DHParameters and %q", err, tc.want)
			}
		})
	}
}

// `openssl s_client -cipher DHE-RSA-AES128-GCM-SHA256` against a binding
// server with Config.DHE (crypto/tls has no DHE client).
func TestDHEWithOpenSSLClient(t *testing.T) {
	s, _ := dheConfigs()
	s.DHE = true
	defer s.Free()
	l, err := Listen("tcp", "127.0.0.1:0", s)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, sc := startSClient(t, l, "ping\n", "-tls1_2", "-cipher", dheSuite, "-quiet")
	got, err := readFull(c, 5)
	if err != nil || string(got) != "ping\n" {
		t.Fatalf("read %q, %v\n%s", got, err, sc.stderr.String())
	}
	if _, err := c.Write([]byte("pong\n")); err != nil {
		t.Fatal(err)
	}
	if st := c.OpenSSLState(); st.CipherName != dheSuite {
		t.Fatalf("cipher %q", st.CipherName)
	}
	_ = c.Close()
	if err := sc.wait(); err != nil || !strings.Contains(sc.out.String(), "pong") {
		t.Fatalf("s_client: %v, stdout %q\n%s", err, sc.out.String(), sc.stderr.String())
	}
}
