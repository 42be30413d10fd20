package openssl

import (
	"crypto/ecdh"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// echKey makes an RFC 9849 ECHConfig (X25519, HKDF-SHA256, AES-128-GCM)
// for publicName with a fresh key, in crypto/tls's type.
func echKey(t testing.TB, id byte, publicName string, retry bool) tls.EncryptedClientHelloKey {
	t.Helper()
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var body []byte
	body = append(body, id)
	body = binary.BigEndian.AppendUint16(body, 0x0020) // DHKEM(X25519, HKDF-SHA256)
	body = binary.BigEndian.AppendUint16(body, uint16(len(k.PublicKey().Bytes())))
	body = append(body, k.PublicKey().Bytes()...)
	body = binary.BigEndian.AppendUint16(body, 4)
	body = binary.BigEndian.AppendUint16(body, 1) // HKDF-SHA256
	body = binary.BigEndian.AppendUint16(body, 1) // AES-128-GCM
	body = append(body, 0)                        // maximum_name_length
	body = append(body, byte(len(publicName)))
	body = append(body, publicName...)
	body = binary.BigEndian.AppendUint16(body, 0) // no extensions
	cfg := binary.BigEndian.AppendUint16(nil, libssl.ECHConfigVersion)
	cfg = binary.BigEndian.AppendUint16(cfg, uint16(len(body)))
	cfg = append(cfg, body...)
	return tls.EncryptedClientHelloKey{Config: cfg, PrivateKey: k.Bytes(), SendAsRetry: retry}
}

// echList is the ECHConfigList of the keys' configs.
func echList(keys ...tls.EncryptedClientHelloKey) []byte {
	var all []byte
	for _, k := range keys {
		all = append(all, k.Config...)
	}
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(all))), all...)
}

// The names of the ECH tests: the client asks for echInner in the
// encrypted ClientHello; the ECHConfigs' public name is echPublic. The
// servers' certificate is valid for both.
const (
	echInner  = "inner.example"
	echPublic = "public.example"
)

func echServerCert(t testing.TB) (Certificate, tls.Certificate) {
	c := issueCert(t, echInner, echInner, echPublic)
	g, err := tls.X509KeyPair(c.CertPEM, c.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return c, g
}

func echClientConfig(list []byte) *Config {
	return &Config{RootCAs: testcertsCA(), ServerName: echInner, EncryptedClientHelloConfigList: list}
}

func echGoClientConfig(list []byte) *tls.Config {
	return &tls.Config{RootCAs: caPool(), ServerName: echInner, MinVersion: tls.VersionTLS13, EncryptedClientHelloConfigList: list}
}

func needECH(t *testing.T) {
	t.Helper()
	if !libssl.ECHBuilt() {
		t.Skipf("the linked %s has no ECH (needs OpenSSL 4.0); TestECHConfigUnsupported asserts the error there", libssl.RuntimeVersionText())
	}
}

// TestECHConfigUnsupported: below OpenSSL 4.0 each ECH field is an error
// at first use that matches ErrUnsupported and says it needs OpenSSL 4.0;
// from 4.0 the same Configs build.
func TestECHConfigUnsupported(t *testing.T) {
	cert, _ := echServerCert(t)
	key := echKey(t, 1, echPublic, true)
	cases := map[string]struct {
		cfg      *Config
		isClient bool
	}{
		"EncryptedClientHelloConfigList": {echClientConfig(echList(key)), true},
		"EncryptedClientHelloGREASE":     {&Config{RootCAs: testcertsCA(), ServerName: echInner, EncryptedClientHelloGREASE: true}, true},
		"EncryptedClientHelloKeys":       {&Config{Certificates: []Certificate{cert}, EncryptedClientHelloKeys: []tls.EncryptedClientHelloKey{key}}, false},
	}
	for name, c := range cases {
		_, err := c.cfg.ctx(c.isClient)
		c.cfg.Free()
		if libssl.ECHBuilt() {
			if err != nil {
				t.Errorf("%s on %s: %v", name, libssl.RuntimeVersionText(), err)
			}
			continue
		}
		if !errors.Is(err, libssl.ErrUnsupported) || !strings.Contains(err.Error(), "needs OpenSSL 4.0") || !strings.Contains(err.Error(), name) {
			t.Errorf("%s on %s: %v, want ErrUnsupported naming the field and OpenSSL 4.0", name, libssl.RuntimeVersionText(), err)
		}
	}
}

// TestECHServerAgainstGoClient: a crypto/tls client with the server's
// ECHConfigList is accepted by a Config with EncryptedClientHelloKeys; both
// report ECHAccepted, and the server sees the inner name.
func TestECHServerAgainstGoClient(t *testing.T) {
	needECH(t)
	cert, _ := echServerCert(t)
	key := echKey(t, 7, echPublic, true)
	cfg := &Config{Certificates: []Certificate{cert}, EncryptedClientHelloKeys: []tls.EncryptedClientHelloKey{key}}
	defer cfg.Free()
	r := pairGoClient(t, cfg, echGoClientConfig(echList(key)))
	if r.ourErr != nil || r.goErr != nil {
		t.Fatalf("server: %v; crypto/tls client: %v", r.ourErr, r.goErr)
	}
	if !r.goState.ECHAccepted {
		t.Error("crypto/tls client: ECHAccepted false")
	}
	st := r.ours.OpenSSLState()
	if !st.ECHAccepted || st.ServerName != echInner {
		t.Errorf("server: ECHAccepted %v, ServerName %q; want true, %q", st.ECHAccepted, st.ServerName, echInner)
	}
	if !r.ours.ConnectionState().ECHAccepted {
		t.Error("server: tls.ConnectionState.ECHAccepted false")
	}
}

// TestECHClientAgainstGoServer: a Config with EncryptedClientHelloConfigList
// is accepted by a crypto/tls server with the keys; both report
// ECHAccepted, and the crypto/tls server saw the inner name.
func TestECHClientAgainstGoServer(t *testing.T) {
	needECH(t)
	_, gcert := echServerCert(t)
	key := echKey(t, 9, echPublic, true)
	var seen string
	gcfg := &tls.Config{Certificates: []tls.Certificate{gcert}, EncryptedClientHelloKeys: []tls.EncryptedClientHelloKey{key},
		GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) { seen = h.ServerName; return nil, nil }}
	cfg := echClientConfig(echList(key))
	defer cfg.Free()
	ours, err, gst, gerr := pairGoServer(t, cfg, gcfg)
	if err != nil || gerr != nil {
		t.Fatalf("client: %v; crypto/tls server: %v", err, gerr)
	}
	if !gst.ECHAccepted || seen != echInner {
		t.Errorf("crypto/tls server: ECHAccepted %v, name %q; want true, %q", gst.ECHAccepted, seen, echInner)
	}
	if !ours.OpenSSLState().ECHAccepted || !ours.ConnectionState().ECHAccepted {
		t.Error("client: ECHAccepted false")
	}
}

// TestECHClientRejectedRetry: a crypto/tls server with other keys rejects
// the client's ECH: the handshake fails with an *ECHRejectionError whose
// RetryConfigList is the server's, and a second Config with it succeeds.
func TestECHClientRejectedRetry(t *testing.T) {
	needECH(t)
	_, gcert := echServerCert(t)
	stale := echKey(t, 1, echPublic, false)
	current := echKey(t, 2, echPublic, true)
	gcfg := &tls.Config{Certificates: []tls.Certificate{gcert}, EncryptedClientHelloKeys: []tls.EncryptedClientHelloKey{current}}
	cfg := echClientConfig(echList(stale))
	defer cfg.Free()
	_, err, _, _ := pairGoServer(t, cfg, gcfg)
	var rej *ECHRejectionError
	if !errors.As(err, &rej) {
		t.Fatalf("client with a stale config: %v, want an *ECHRejectionError", err)
	}
	if string(rej.RetryConfigList) != string(echList(current)) {
		t.Fatalf("RetryConfigList = %x, want the server's %x", rej.RetryConfigList, echList(current))
	}
	cfg2 := echClientConfig(rej.RetryConfigList)
	defer cfg2.Free()
	ours, err, gst, gerr := pairGoServer(t, cfg2, gcfg)
	if err != nil || gerr != nil || !gst.ECHAccepted || !ours.OpenSSLState().ECHAccepted {
		t.Fatalf("retry: client %v, server %v, ECHAccepted %v", err, gerr, gst.ECHAccepted)
	}
}

// TestECHServerRejectsGoClient: a Config whose keys are not the crypto/tls
// client's config rejects it; the client gets tls.ECHRejectionError with
// the server's retry configs (SendAsRetry), which then succeed.
func TestECHServerRejectsGoClient(t *testing.T) {
	needECH(t)
	cert, _ := echServerCert(t)
	stale := echKey(t, 1, echPublic, false)
	current := echKey(t, 2, echPublic, true)
	cfg := &Config{Certificates: []Certificate{cert}, EncryptedClientHelloKeys: []tls.EncryptedClientHelloKey{current}}
	defer cfg.Free()
	r := pairGoClient(t, cfg, echGoClientConfig(echList(stale)))
	var rej *tls.ECHRejectionError
	if !errors.As(r.goErr, &rej) {
		t.Fatalf("crypto/tls client with a stale config: %v, want tls.ECHRejectionError", r.goErr)
	}
	if len(rej.RetryConfigList) == 0 {
		t.Fatal("no retry configs from the server")
	}
	r = pairGoClient(t, cfg, echGoClientConfig(rej.RetryConfigList))
	if r.ourErr != nil || r.goErr != nil || !r.goState.ECHAccepted || !r.ours.OpenSSLState().ECHAccepted {
		t.Fatalf("retry: server %v, client %v, ECHAccepted %v", r.ourErr, r.goErr, r.goState.ECHAccepted)
	}
}

// TestECHGrease: a client with EncryptedClientHelloGREASE completes its
// handshake with a crypto/tls server that has ECH keys, without ECH; a
// crypto/tls client without a config list (which sends GREASE ECH) does
// so with a Config server that has keys.
func TestECHGrease(t *testing.T) {
	needECH(t)
	cert, gcert := echServerCert(t)
	key := echKey(t, 3, echPublic, true)
	gcfg := &tls.Config{Certificates: []tls.Certificate{gcert}, EncryptedClientHelloKeys: []tls.EncryptedClientHelloKey{key}}
	cfg := &Config{RootCAs: testcertsCA(), ServerName: echInner, EncryptedClientHelloGREASE: true}
	defer cfg.Free()
	ours, err, gst, gerr := pairGoServer(t, cfg, gcfg)
	if err != nil || gerr != nil {
		t.Fatalf("GREASE client: %v; crypto/tls server: %v", err, gerr)
	}
	if gst.ECHAccepted || ours.OpenSSLState().ECHAccepted {
		t.Error("GREASE: ECHAccepted true")
	}
	scfg := &Config{Certificates: []Certificate{cert}, EncryptedClientHelloKeys: []tls.EncryptedClientHelloKey{key}}
	defer scfg.Free()
	r := pairGoClient(t, scfg, echGoClientConfig(nil))
	if r.ourErr != nil || r.goErr != nil || r.goState.ECHAccepted || r.ours.OpenSSLState().ECHAccepted {
		t.Fatalf("crypto/tls client without ECH: server %v, client %v, ECHAccepted %v", r.ourErr, r.goErr, r.goState.ECHAccepted)
	}
}

// TestECHBadInput: a garbage ECHConfigList, a truncated key, a key that
// is not its config's and a client limited to TLS 1.2 are clear errors at
// first use.
func TestECHBadInput(t *testing.T) {
	needECH(t)
	cert, _ := echServerCert(t)
	key := echKey(t, 4, echPublic, true)
	other := echKey(t, 4, echPublic, true)
	truncated := key
	truncated.PrivateKey = key.PrivateKey[:16]
	mismatched := key
	mismatched.PrivateKey = other.PrivateKey
	cutConfig := key
	cutConfig.Config = key.Config[:len(key.Config)-3]
	cases := map[string]struct {
		cfg      *Config
		isClient bool
		want     string
	}{
		"garbage list":   {echClientConfig([]byte("not an ECHConfigList")), true, "EncryptedClientHelloConfigList"},
		"TLS 1.2 only":   {&Config{RootCAs: testcertsCA(), ServerName: echInner, MaxVersion: VersionTLS12, EncryptedClientHelloConfigList: echList(key)}, true, "needs TLS 1.3"},
		"truncated key":  {&Config{Certificates: []Certificate{cert}, EncryptedClientHelloKeys: []tls.EncryptedClientHelloKey{truncated}}, false, "EncryptedClientHelloKeys[0]: PrivateKey is not"},
		"mismatched key": {&Config{Certificates: []Certificate{cert}, EncryptedClientHelloKeys: []tls.EncryptedClientHelloKey{mismatched}}, false, "does not match"},
		"cut config":     {&Config{Certificates: []Certificate{cert}, EncryptedClientHelloKeys: []tls.EncryptedClientHelloKey{cutConfig}}, false, "not an encoded ECHConfig"},
	}
	for name, c := range cases {
		_, err := c.cfg.ctx(c.isClient)
		c.cfg.Free()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", name, err, c.want)
		}
	}
}
