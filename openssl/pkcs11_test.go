package openssl

// Private keys that live in a PKCS #11 token (SoftHSM) and never leave it,
// reached through pkcs11-provider in a library context of their own, and
// used by Config.Certificates, GetCertificate and GetClientCertificate.
// Debian trixie and later ship both (the image legs install them); where
// either is missing the tests skip naming it, unless
// LIBSSL_GO_REQUIRE_PKCS11=1, which turns the skip into a failure.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/libssl-go/libssl"
)

const requirePKCS11Env = "LIBSSL_GO_REQUIRE_PKCS11"

// softToken is a SoftHSM token of one test, holding the private key of a
// leaf the test CA issued for "localhost", and a library context with the
// default provider and pkcs11-provider on SoftHSM.
type softToken struct {
	util     string // softhsm2-util
	label    string
	lc       *libssl.LibCtx
	keyURI   string // the leaf's private key in the token
	certFile string // the leaf and the CA, in PEM
	caFile   string
	leafDER  []byte
}

const tokenPIN = "4711"

var tokenSeq atomic.Int64

// missingPKCS11 handles a machine without SoftHSM or pkcs11-provider: under
// LIBSSL_GO_REQUIRE_PKCS11=1 (the images that install them) it fails,
// naming what is missing; elsewhere it asserts what such a machine gives a
// program, that a pkcs11: URI does not load and says so, and logs what is
// missing. The caller's test then ends (newSoftToken returns nil).
func missingPKCS11(t *testing.T, format string, args ...any) {
	t.Helper()
	what := fmt.Sprintf(format, args...)
	if os.Getenv(requirePKCS11Env) == "1" {
		t.Fatalf("%s=1, but %s", requirePKCS11Env, what)
	}
	objs, err := libssl.LoadStore("pkcs11:token=libssl-go;object=leaf;type=private", &libssl.StoreOptions{PIN: []byte(tokenPIN)})
	if err == nil {
		objs.Free()
		t.Fatalf("%s, yet a pkcs11: URI loaded in the default library context", what)
	}
	t.Logf("%s: the token tests end after checking that a pkcs11: URI fails to load (%v)", what, err)
}

// softhsmModule is the SoftHSM PKCS #11 module, where Debian installs it.
func softhsmModule() string {
	for _, p := range []string{"/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so", "/usr/lib64/softhsm/libsofthsm2.so"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// softhsmUtil runs softhsm2-util (with the test's SOFTHSM2_CONF).
func (tok *softToken) softhsmUtil(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(tok.util, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("softhsm2-util %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// SoftHSM reads SOFTHSM2_CONF once per process, when the first library
// context loads pkcs11-provider, and pkcs11-provider then stays loaded: a
// library context that carried connections or loaded a key is kept for the
// life of the process (see libssl.LibCtx). So the tests share one token
// directory, made once with a token per test, each holding the key of its
// own leaf, before any test loads the provider.
var softhsm struct {
	once   sync.Once
	dir    string
	err    error
	tokens []*softToken
}

// softTokens is how many tokens the process prepares: four tests use one
// each, so -count up to 3.
const softTokens = 12

func prepareSoftTokens(t *testing.T, util string) error {
	dir, err := os.MkdirTemp("", "libssl-go-softhsm-")
	if err != nil {
		return err
	}
	softhsm.dir = dir
	tokens := filepath.Join(dir, "tokens")
	if err := os.Mkdir(tokens, 0o700); err != nil {
		return err
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	writeFile(t, conf, "directories.tokendir = "+tokens+"\nobjectstore.backend = file\nlog.level = ERROR\n")
	if err := os.Setenv("SOFTHSM2_CONF", conf); err != nil {
		return err
	}
	caFile := writeFile(t, filepath.Join(dir, "ca.pem"), string(testcertsCA()))
	for i := 1; i <= softTokens; i++ {
		tok := &softToken{util: util, label: fmt.Sprintf("libssl-go-%d", i), caFile: caFile} // at most 32 characters
		tok.softhsmUtil(t, "--init-token", "--free", "--label", tok.label, "--pin", tokenPIN, "--so-pin", "0815")
		leaf := issueCert(t, "localhost", "localhost")
		tok.certFile = writeFile(t, filepath.Join(dir, tok.label+"-chain.pem"), string(leaf.CertPEM))
		b, _ := pem.Decode(leaf.CertPEM)
		tok.leafDER = b.Bytes
		keyFile := writeFile(t, filepath.Join(dir, "key.pk8"), string(leaf.KeyPEM))
		tok.softhsmUtil(t, "--import", keyFile, "--token", tok.label, "--id", "01", "--label", "leaf-key", "--pin", tokenPIN)
		if err := os.Remove(keyFile); err != nil { // from here on, the key is only in the token
			return err
		}
		tok.keyURI = "pkcs11:token=" + tok.label + ";object=leaf-key;type=private"
		softhsm.tokens = append(softhsm.tokens, tok)
	}
	return nil
}

// TestMain removes the shared token directory once every test has run.
func TestMain(m *testing.M) {
	code := m.Run()
	if softhsm.dir != "" {
		os.RemoveAll(softhsm.dir)
	}
	os.Exit(code)
}

// newSoftToken gives the test the next prepared token (a fresh leaf whose
// key is only in the token) and loads pkcs11-provider, after the default
// provider, into a new library context through an OpenSSL config file
// (LibCtx.LoadConfig).
func newSoftToken(t *testing.T) *softToken {
	t.Helper()
	if libssl.RuntimeVersion() < 0x30000000 {
		missingPKCS11(t, "pkcs11-provider needs OpenSSL 3.0 (linked: %s)", libssl.RuntimeVersionText())
		return nil
	}
	util, err := exec.LookPath("softhsm2-util")
	if err != nil {
		missingPKCS11(t, "no softhsm2-util (Debian package softhsm2): %v", err)
		return nil
	}
	module := softhsmModule()
	if module == "" {
		missingPKCS11(t, "no SoftHSM PKCS #11 module libsofthsm2.so (Debian package softhsm2)")
		return nil
	}
	softhsm.once.Do(func() { softhsm.err = prepareSoftTokens(t, util) })
	if softhsm.err != nil {
		t.Fatalf("preparing the SoftHSM tokens: %v", softhsm.err)
	}
	i := int(tokenSeq.Add(1))
	if i > len(softhsm.tokens) {
		t.Fatalf("the %d SoftHSM tokens this process prepared are used up (-count above 3?)", len(softhsm.tokens))
	}
	tok := *softhsm.tokens[i-1]
	dir := t.TempDir()

	tok.lc, err = libssl.NewLibCtx()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tok.lc.Free)
	// The default provider first: pkcs11-provider then serves only what
	// names it (the token's keys), and libssl's digests, ciphers and key
	// exchange stay the default provider's.
	cnf := writeFile(t, filepath.Join(dir, "openssl.cnf"), `openssl_conf = openssl_init
[openssl_init]
providers = providers
[providers]
default = default_provider
pkcs11 = pkcs11_provider
[default_provider]
activate = 1
[pkcs11_provider]
pkcs11-module-path = `+module+`
activate = 1
`)
	if err := tok.lc.LoadConfig(cnf); err != nil {
		missingPKCS11(t, "pkcs11-provider does not load (Debian package pkcs11-provider): %v", err)
		return nil
	}
	if !tok.lc.ProviderAvailable("pkcs11") {
		missingPKCS11(t, "pkcs11-provider is not available after loading its config")
		return nil
	}
	return &tok
}

func writeFile(t *testing.T, path, data string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func (tok *softToken) opts(pin string) *libssl.StoreOptions {
	return &libssl.StoreOptions{LibCtx: tok.lc, PIN: []byte(pin)}
}

// certificate loads the leaf from its file and its key from the token.
func (tok *softToken) certificate(t *testing.T) Certificate {
	t.Helper()
	cert, err := LoadCertificateFromStore(tok.certFile, tok.keyURI, tok.opts(tokenPIN))
	if err != nil {
		t.Fatalf("LoadCertificateFromStore(%s, %s): %v", tok.certFile, tok.keyURI, err)
	}
	t.Cleanup(cert.Key.Free)
	if cert.Key == nil || len(cert.KeyPEM) != 0 {
		t.Fatal("the token's key did not come back as a handle only")
	}
	return cert
}

func (tok *softToken) checkLeaf(t *testing.T, who string, peer []*x509.Certificate) {
	t.Helper()
	if len(peer) == 0 || !bytes.Equal(peer[0].Raw, tok.leafDER) {
		t.Fatalf("%s did not get the leaf whose key is in the token", who)
	}
}

// TestPKCS11ServerKeyInToken: a server whose key is in the token serves a
// crypto/tls client (TLS 1.2 and 1.3) and curl; the key cannot be used
// outside pkcs11-provider's library context, since it never leaves the
// token (softhsm2-util imports keys sensitive and not extractable).
func TestPKCS11ServerKeyInToken(t *testing.T) {
	tok := newSoftToken(t)
	if tok == nil {
		return
	}
	cert := tok.certificate(t)
	cfg := &Config{LibraryContext: tok.lc, Certificates: []Certificate{cert}}
	defer cfg.Free()
	for _, v := range versions {
		g := goClientConfig(v.v)
		g.RootCAs = caPool()
		r := pairGoClient(t, cfg, g)
		if r.ourErr != nil || r.goErr != nil {
			t.Fatalf("%s: server with the token's key: ours %v, crypto/tls client %v", v.name, r.ourErr, r.goErr)
		}
		tok.checkLeaf(t, "the crypto/tls client ("+v.name+")", r.goState.PeerCertificates)
	}

	t.Run("curl", func(t *testing.T) {
		curl := peerTool(t, "curl", "curl")
		l := listenLoopback(t)
		done := make(chan error, 1)
		go func() { done <- serveHTTPOnce(l, cfg) }()
		port := l.Addr().(*net.TCPAddr).Port
		url := fmt.Sprintf("https://localhost:%d/", port)
		out, err := exec.Command(curl, "-sS", "--max-time", "30", "--cacert", tok.caFile,
			"--resolve", fmt.Sprintf("localhost:%d:127.0.0.1", port), url).CombinedOutput()
		if serr := <-done; err != nil || serr != nil {
			t.Fatalf("curl %s: %v (%s); our server: %v", url, err, out, serr)
		}
		if string(out) != "signed in the token\n" {
			t.Fatalf("curl got %q", out)
		}
	})

	// The openssl command, given the same URI, reaches the key (its
	// public half matches the leaf) but cannot write out its private half:
	// softhsm2-util imports keys sensitive and not extractable, and
	// pkcs11-provider cannot export what the token will not give.
	t.Run("not extractable", func(t *testing.T) {
		ossl := peerTool(t, "openssl", "openssl")
		pkey := func(args ...string) (string, error) {
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			cmd := exec.CommandContext(ctx, ossl, append([]string{"pkey", "-provider", "default", "-provider", "pkcs11",
				"-passin", "pass:" + tokenPIN, "-in", tok.keyURI}, args...)...)
			cmd.Env = append(os.Environ(), "PKCS11_PROVIDER_MODULE="+softhsmModule())
			out, err := cmd.CombinedOutput()
			return string(out), err
		}
		pub, _ := pkey("-pubout")
		leafCert, err := x509.ParseCertificate(tok.leafDER)
		if err != nil {
			t.Fatal(err)
		}
		spki, err := x509.MarshalPKIXPublicKey(leafCert.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := pem.Decode([]byte(pub))
		if b == nil || b.Type != "PUBLIC KEY" || !bytes.Equal(b.Bytes, spki) {
			t.Fatalf("openssl pkey -pubout on %s did not give the leaf's public key:\n%s", tok.keyURI, pub)
		}
		priv, err := pkey()
		if strings.Contains(priv, "PRIVATE KEY-----") {
			t.Fatalf("openssl pkey wrote out the token's private key (%v):\n%s", err, priv)
		}
	})
}

// serveHTTPOnce answers one HTTPS request on l with a Conn of cfg.
func serveHTTPOnce(l net.Listener, cfg *Config) error {
	nc, err := l.Accept()
	if err != nil {
		return err
	}
	deadline(nc)
	c, err := Server(nc, cfg)
	if err != nil {
		nc.Close()
		return err
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		if line == "\r\n" {
			break
		}
	}
	_, err = c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 20\r\nConnection: close\r\n\r\nsigned in the token\n"))
	return err
}

// TestPKCS11ClientKeyInToken: a client whose key is in the token
// authenticates to a crypto/tls server that requires and verifies a client
// certificate, through Config.Certificates and through
// GetClientCertificate.
func TestPKCS11ClientKeyInToken(t *testing.T) {
	tok := newSoftToken(t)
	if tok == nil {
		return
	}
	cert := tok.certificate(t)
	for _, viaHook := range []bool{false, true} {
		cfg := clientConfig(VersionTLS13)
		cfg.LibraryContext = tok.lc
		if viaHook {
			cfg.GetClientCertificate = func(*CertificateRequestInfo) (*Certificate, error) { return &cert, nil }
		} else {
			cfg.Certificates = []Certificate{cert}
		}
		g := goServerConfig(t, VersionTLS13)
		g.ClientAuth, g.ClientCAs = tls.RequireAndVerifyClientCert, caPool()
		_, ourErr, st, goErr := pairGoServer(t, cfg, g)
		cfg.Free()
		if ourErr != nil || goErr != nil {
			t.Fatalf("GetClientCertificate %v: client with the token's key: ours %v, crypto/tls server %v", viaHook, ourErr, goErr)
		}
		tok.checkLeaf(t, "the crypto/tls server", st.PeerCertificates)
	}
}

// TestPKCS11GetCertificate: GetCertificate returns a Certificate whose Key
// is in the token (SSL_use_PrivateKey on the connection).
func TestPKCS11GetCertificate(t *testing.T) {
	tok := newSoftToken(t)
	if tok == nil {
		return
	}
	cert := tok.certificate(t)
	cfg := serverConfig(VersionTLS13) // its own certificate is not the token's
	cfg.LibraryContext = tok.lc
	cfg.GetCertificate = func(*ClientHelloInfo) (*Certificate, error) { return &cert, nil }
	defer cfg.Free()
	g := goClientConfig(VersionTLS13)
	g.RootCAs = caPool()
	r := pairGoClient(t, cfg, g)
	if r.ourErr != nil || r.goErr != nil {
		t.Fatalf("GetCertificate with the token's key: ours %v, crypto/tls client %v", r.ourErr, r.goErr)
	}
	tok.checkLeaf(t, "the crypto/tls client", r.goState.PeerCertificates)
}

// TestPKCS11Errors: a wrong PIN, a URI naming no key and a token deleted
// under a running server are errors that say so, not a crash or a hang.
func TestPKCS11Errors(t *testing.T) {
	tok := newSoftToken(t)
	if tok == nil {
		return
	}
	t.Run("wrong PIN", func(t *testing.T) {
		_, err := LoadCertificateFromStore(tok.certFile, tok.keyURI, tok.opts("0000"))
		if err == nil {
			t.Fatal("a wrong PIN loaded the key")
		}
		checkNoKeyErr(t, err, tok.keyURI)
	})
	t.Run("no such object", func(t *testing.T) {
		uri := "pkcs11:token=" + tok.label + ";object=absent;type=private"
		_, err := LoadCertificateFromStore(tok.certFile, uri, tok.opts(tokenPIN))
		if err == nil {
			t.Fatal("a URI naming no object gave a key")
		}
		checkNoKeyErr(t, err, uri)
	})
	t.Run("token deleted", func(t *testing.T) {
		cert := tok.certificate(t)
		cfg := &Config{LibraryContext: tok.lc, Certificates: []Certificate{cert}}
		defer cfg.Free()
		g := goClientConfig(VersionTLS13)
		g.RootCAs = caPool()
		g.ClientSessionCache = nil // each handshake signs: no resumption
		if r := pairGoClient(t, cfg, g); r.ourErr != nil || r.goErr != nil {
			t.Fatalf("before the token is deleted: ours %v, crypto/tls %v", r.ourErr, r.goErr)
		}
		tok.softhsmUtil(t, "--delete-token", "--token", tok.label)
		// SoftHSM keeps a key it has loaded in the process's memory: the
		// running server goes on signing with it, within the deadline.
		for i := 0; i < 2; i++ {
			if r := pairGoClient(t, cfg, g); r.ourErr != nil || r.goErr != nil {
				t.Fatalf("handshake %d after the token was deleted: ours %v, crypto/tls %v", i, r.ourErr, r.goErr)
			}
		}
		// Loading the key again fails, naming it: SoftHSM 2.6.1 still finds
		// the loaded private key but no longer the public key object that
		// pkcs11-provider matches the certificate with.
		cert2, err := LoadCertificateFromStore(tok.certFile, tok.keyURI, tok.opts(tokenPIN))
		if err == nil {
			cert2.Key.Free()
			t.Fatal("the key loaded again from a deleted token")
		}
		if !strings.Contains(err.Error(), "openssl: LoadCertificateFromStore: ") || !strings.Contains(err.Error(), tok.keyURI) ||
			!(strings.Contains(err.Error(), "does not match the certificate") || strings.Contains(err.Error(), "no private key at")) {
			t.Fatalf("loading the key of a deleted token: %v", err)
		}
	})
}

// checkNoKeyErr checks the error of a key load that found nothing at uri:
// LoadStore's, and LoadCertificateFromStore's note on what that means for
// a token.
func checkNoKeyErr(t *testing.T, err error, uri string) {
	t.Helper()
	if err == nil {
		t.Fatalf("a key came from %s", uri)
	}
	for _, want := range []string{
		"openssl: LoadCertificateFromStore: no private key at " + uri + " (no such key, or a wrong PIN",
		"no certificate or private key found at " + uri,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q, want it to say %q", err, want)
		}
	}
}
