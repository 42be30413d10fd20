package openssl

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/libssl-go/libssl/internal/testcerts"
)

// Generous bounds: the tests run on a loaded two-core machine.
const testTimeout = 30 * time.Second

var versions = []struct {
	name string
	v    uint16
}{{"TLS1.2", VersionTLS12}, {"TLS1.3", VersionTLS13}}

func serverConfig(v uint16) *Config {
	tc := testcerts.Get()
	return &Config{
		Certificates: []Certificate{{CertPEM: tc.LeafChain, KeyPEM: tc.LeafKey}},
		MinVersion:   v, MaxVersion: v,
		NextProtos: []string{"h2", "http/1.1"},
	}
}

func clientConfig(v uint16) *Config {
	tc := testcerts.Get()
	return &Config{
		RootCAs:    tc.CACert,
		ServerName: "localhost",
		MinVersion: v, MaxVersion: v,
		NextProtos:         []string{"http/1.1", "h2"},
		ClientSessionCache: NewLRUClientSessionCache(8),
	}
}

func goServerConfig(t testing.TB, v uint16) *tls.Config {
	tc := testcerts.Get()
	cert, err := tls.X509KeyPair(tc.LeafChain, tc.LeafKey)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: v, MaxVersion: v, NextProtos: []string{"h2", "http/1.1"}}
}

func goClientConfig(v uint16) *tls.Config {
	tc := testcerts.Get()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(tc.CACert)
	return &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: v, MaxVersion: v,
		NextProtos: []string{"http/1.1", "h2"}, ClientSessionCache: tls.NewLRUClientSessionCache(8)}
}

func listenLoopback(t testing.TB) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func deadline(c net.Conn) { _ = c.SetDeadline(time.Now().Add(testTimeout)) }

// echoOnce reads one line-sized message and writes back its reply, then
// waits for the peer's close_notify and closes.
func readFull(c io.Reader, n int) ([]byte, error) {
	b := make([]byte, n)
	_, err := io.ReadFull(c, b)
	return b, err
}

// expectEOF reads until the peer's close_notify and fails on anything else.
func expectEOF(t testing.TB, c io.Reader) {
	t.Helper()
	var b [1]byte
	n, err := c.Read(b[:])
	if n != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("read after peer close: n=%d err=%v, want io.EOF", n, err)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("read after peer close: truncation %v, want clean io.EOF", err)
	}
}

// certFiles writes PEM files for the openssl CLI.
func certFiles(t testing.TB, pems map[string][]byte) map[string]string {
	dir := t.TempDir()
	out := map[string]string{}
	for name, data := range pems {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		out[name] = p
	}
	return out
}
