package openssl_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
	"github.com/libssl-go/libssl/openssl"
)

// A server whose algorithms come only from the providers its Config's
// library context loaded, and from those only the ones the property query
// admits: here the default provider; with a FIPS provider loaded (see
// LibCtx.LoadConfig) the query "fips=yes" restricts the connections to
// FIPS algorithms. Other Configs of the same program keep their own
// library contexts. On OpenSSL 1.1.1, which has no library contexts, the
// program falls back to the default one.
func ExampleConfig_propertyQuery() {
	tc := testcerts.Get()
	srvCfg := &openssl.Config{Certificates: []openssl.Certificate{{CertPEM: tc.LeafChain, KeyPEM: tc.LeafKey}}}
	defer srvCfg.Free()
	l, err := libssl.NewLibCtx()
	switch {
	case errors.Is(err, libssl.ErrUnsupported): // OpenSSL 1.1.1
	case err != nil:
		panic(err)
	default:
		defer l.Free() // the Config's SSL_CTXs keep the library context
		p, err := l.LoadProvider("default")
		if err != nil {
			panic(err)
		}
		defer p.Free()
		srvCfg.LibraryContext, srvCfg.PropertyQuery = l, "provider=default"
	}
	ln, err := openssl.Listen("tcp", "127.0.0.1:0", srvCfg)
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	go serve(ln, func(c *openssl.Conn, line string) string { return "hello, " + line })

	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(tc.CACert)
	c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: roots, ServerName: "localhost"})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	fmt.Fprintln(c, "crypto/tls")
	line := make([]byte, 64)
	n, _ := c.Read(line)
	fmt.Print(string(line[:n]))
	fmt.Println(tls.VersionName(c.ConnectionState().Version))
	// Output:
	// hello, crypto/tls
	// TLS 1.3
}

// A server whose private key is loaded through OSSL_STORE and stays a
// handle (Certificate.Key) rather than PEM: here from a file, and the same
// with a pkcs11: URI once pkcs11-provider is loaded into the library
// context (StoreOptions.LibCtx), where the key never leaves the token. On
// OpenSSL 1.1.1, which has no OSSL_STORE_open_ex, the program falls back
// to PEM files.
func ExampleLoadCertificateFromStore() {
	tc := testcerts.Get()
	dir, err := os.MkdirTemp("", "openssl-store-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "server.pem")
	if err := os.WriteFile(path, append(append([]byte{}, tc.LeafChain...), tc.LeafKey...), 0o600); err != nil {
		panic(err)
	}

	cert, err := openssl.LoadCertificateFromStore("file:"+path, "file:"+path, &libssl.StoreOptions{})
	switch {
	case errors.Is(err, libssl.ErrUnsupported): // OpenSSL 1.1.1
		if cert, err = openssl.LoadX509KeyPair(path, path); err != nil {
			panic(err)
		}
	case err != nil:
		panic(err)
	default:
		defer cert.Key.Free() // the Config's SSL_CTX holds its own reference
	}
	srvCfg := &openssl.Config{Certificates: []openssl.Certificate{cert}}
	defer srvCfg.Free()
	ln, err := openssl.Listen("tcp", "127.0.0.1:0", srvCfg)
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	go serve(ln, func(c *openssl.Conn, line string) string { return "hello, " + line })

	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(tc.CACert)
	c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: roots, ServerName: "localhost"})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	fmt.Fprintln(c, "crypto/tls")
	line := make([]byte, 64)
	n, _ := c.Read(line)
	fmt.Print(string(line[:n]))
	// Output:
	// hello, crypto/tls
}
