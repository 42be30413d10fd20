package openssl

// LoadCertificateFromStore with file: URIs and plain paths (OSSL_STORE's
// file store, in every OpenSSL 3.x), and a Certificate whose private key
// is a handle (Certificate.Key), against crypto/tls peers.

import (
	"bytes"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// hasStore reports whether the linked libssl has OSSL_STORE (3.0 and
// later); on 1.1.1 it first asserts that LoadCertificateFromStore says why
// it cannot work there, which is all a test can check on that version.
func hasStore(t *testing.T, certFile, keyFile string) bool {
	t.Helper()
	if libssl.RuntimeVersion() >= 0x30000000 {
		return true
	}
	_, err := LoadCertificateFromStore(certFile, keyFile, nil)
	if !errors.Is(err, libssl.ErrUnsupported) || !strings.Contains(err.Error(), "needs OpenSSL 3.0") {
		t.Fatalf("LoadCertificateFromStore on %s = %v, want ErrUnsupported saying it needs OpenSSL 3.0", libssl.RuntimeVersionText(), err)
	}
	return false
}

// storeFiles writes the test leaf's chain, its key, the chain and key in one
// file, and another leaf's key.
func storeFiles(t *testing.T) (chain, key, both, otherKey string) {
	t.Helper()
	tc := testcerts.Get()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("chain.pem", tc.LeafChain), write("key.pem", tc.LeafKey),
		write("both.pem", append(append([]byte(nil), tc.LeafChain...), tc.LeafKey...)),
		write("other-key.pem", tc.OtherKey)
}

// pemDERs returns the DER of each CERTIFICATE block of b, in order.
func pemDERs(b []byte) [][]byte {
	var out [][]byte
	for {
		var blk *pem.Block
		if blk, b = pem.Decode(b); blk == nil {
			return out
		}
		if blk.Type == "CERTIFICATE" {
			out = append(out, blk.Bytes)
		}
	}
}

func TestLoadCertificateFromStoreFile(t *testing.T) {
	chain, key, both, _ := storeFiles(t)
	if !hasStore(t, "file:"+chain, "file:"+key) {
		return
	}
	tc := testcerts.Get()
	for _, tt := range []struct{ name, cert, key string }{
		{"file URIs", "file:" + chain, "file:" + key},
		{"plain paths", chain, key},
		{"one file", "file:" + both, "file:" + both},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cert, err := LoadCertificateFromStore(tt.cert, tt.key, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer cert.Key.Free()
			if cert.Key == nil || len(cert.KeyPEM) != 0 {
				t.Fatalf("Key %v, KeyPEM %d bytes: want the key as a handle only", cert.Key, len(cert.KeyPEM))
			}
			got, want := pemDERs(cert.CertPEM), pemDERs(tc.LeafChain)
			if len(got) != len(want) {
				t.Fatalf("CertPEM holds %d certificates, want the file's %d", len(got), len(want))
			}
			for i := range want {
				if !bytes.Equal(got[i], want[i]) {
					t.Errorf("certificate %d differs from the file's", i)
				}
			}
			cfg := &Config{Certificates: []Certificate{cert}}
			defer cfg.Free()
			r := pairGoClient(t, cfg, goClientConfig(VersionTLS13))
			if r.ourErr != nil || r.goErr != nil {
				t.Fatalf("server with the store's key: ours %v, crypto/tls client %v", r.ourErr, r.goErr)
			}
			if pc := r.goState.PeerCertificates; len(pc) == 0 || !bytes.Equal(pc[0].Raw, want[0]) {
				t.Fatal("the crypto/tls client did not get the store's leaf")
			}
		})
	}
}

// TestCertificateKeyHandleOutlivesCallersFree: the Config's SSL_CTX holds its
// own reference on Certificate.Key (SSL_CTX_use_PrivateKey), so that the
// caller may free its handle once the context is built.
func TestCertificateKeyHandleOutlivesCallersFree(t *testing.T) {
	chain, key, _, _ := storeFiles(t)
	if !hasStore(t, chain, key) {
		return
	}
	cert, err := LoadCertificateFromStore(chain, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &Config{Certificates: []Certificate{cert}}
	defer cfg.Free()
	if r := pairGoClient(t, cfg, goClientConfig(VersionTLS13)); r.ourErr != nil || r.goErr != nil {
		t.Fatalf("first handshake: ours %v, crypto/tls %v", r.ourErr, r.goErr)
	}
	cert.Key.Free()
	for _, v := range versions {
		if r := pairGoClient(t, cfg, goClientConfig(v.v)); r.ourErr != nil || r.goErr != nil {
			t.Fatalf("%s after the caller freed Key: ours %v, crypto/tls %v", v.name, r.ourErr, r.goErr)
		}
	}
}

// TestCertificateKeyFromStoreAsClientAndHook: a store's key authenticates a
// client to a crypto/tls server that requires a verified certificate, given
// through Config.Certificates and through GetClientCertificate, and serves
// through GetCertificate.
func TestCertificateKeyFromStoreAsClientAndHook(t *testing.T) {
	chain, key, _, _ := storeFiles(t)
	if !hasStore(t, chain, key) {
		return
	}
	cert, err := LoadCertificateFromStore(chain, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cert.Key.Free()
	leaf := pemDERs(cert.CertPEM)[0]
	requireClient := func() *tls.Config {
		g := goServerConfig(t, VersionTLS13)
		g.ClientAuth, g.ClientCAs = tls.RequireAndVerifyClientCert, caPool()
		return g
	}
	checkClient := func(t *testing.T, cfg *Config) {
		defer cfg.Free()
		_, ourErr, st, goErr := pairGoServer(t, cfg, requireClient())
		if ourErr != nil || goErr != nil {
			t.Fatalf("client with the store's key: ours %v, crypto/tls server %v", ourErr, goErr)
		}
		if len(st.PeerCertificates) == 0 || !bytes.Equal(st.PeerCertificates[0].Raw, leaf) {
			t.Fatal("the crypto/tls server did not get the store's leaf")
		}
	}
	t.Run("Certificates", func(t *testing.T) {
		cfg := clientConfig(VersionTLS13)
		cfg.Certificates = []Certificate{cert}
		checkClient(t, cfg)
	})
	t.Run("GetClientCertificate", func(t *testing.T) {
		cfg := clientConfig(VersionTLS13)
		cfg.GetClientCertificate = func(*CertificateRequestInfo) (*Certificate, error) { return &cert, nil }
		checkClient(t, cfg)
	})
	t.Run("GetCertificate", func(t *testing.T) {
		cfg := serverConfig(VersionTLS13)
		cfg.GetCertificate = func(*ClientHelloInfo) (*Certificate, error) { return &cert, nil }
		defer cfg.Free()
		g := goClientConfig(VersionTLS13)
		g.ServerName = "localhost"
		r := pairGoClient(t, cfg, g)
		if r.ourErr != nil || r.goErr != nil {
			t.Fatalf("GetCertificate with Key: ours %v, crypto/tls %v", r.ourErr, r.goErr)
		}
		if pc := r.goState.PeerCertificates; len(pc) == 0 || !bytes.Equal(pc[0].Raw, leaf) {
			t.Fatal("the crypto/tls client did not get the hook's leaf")
		}
	})
}

func TestLoadCertificateFromStoreErrors(t *testing.T) {
	chain, key, _, otherKey := storeFiles(t)
	if !hasStore(t, chain, key) {
		return
	}
	for _, tt := range []struct{ name, cert, key, want string }{
		{"key of another certificate", chain, otherKey, "does not match"},
		{"no key at the key URI", chain, chain, "holds no private key"},
		{"no certificate at the certificate URI", key, key, "holds no certificate"},
		{"missing file", filepath.Join(filepath.Dir(chain), "absent.pem"), key, "No such file or directory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cert, err := LoadCertificateFromStore(tt.cert, tt.key, nil)
			if err == nil {
				cert.Key.Free()
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "openssl: LoadCertificateFromStore: ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q, want one naming LoadCertificateFromStore and %q", err, tt.want)
			}
			if cert.Key != nil || cert.CertPEM != nil {
				t.Fatal("a failed load returned objects")
			}
		})
	}
}

// A Certificate with neither KeyPEM nor Key is refused by name.
func TestCertificateWithoutKey(t *testing.T) {
	cfg := &Config{Certificates: []Certificate{{CertPEM: testcerts.Get().LeafChain}}}
	defer cfg.Free()
	_, err := Server(nil, cfg)
	if err == nil || !strings.Contains(err.Error(), "Config.Certificates[0] has no private key") {
		t.Fatalf("Server with a keyless Certificate: %v", err)
	}
}
