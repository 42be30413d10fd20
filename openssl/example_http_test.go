package openssl_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/libssl-go/libssl/internal/testcerts"
	"github.com/libssl-go/libssl/openssl"
)

// Serving HTTP/2 and HTTP/1.1 over libssl with net/http and
// golang.org/x/net/http2, and calling it with an http.Client over libssl.
// Handlers get the connection's TLS state from openssl.RequestTLS (and, for
// HTTP/2 or with Serve, from r.TLS).
func ExampleServe() {
	tc := testcerts.Get() // in a program: your certificate, key and CA
	srvCfg := &openssl.Config{
		Certificates: []openssl.Certificate{{CertPEM: tc.LeafChain, KeyPEM: tc.LeafKey}},
		NextProtos:   []string{"h2", "http/1.1"},
	}
	defer srvCfg.Free()
	l, err := openssl.Listen("tcp", "127.0.0.1:0", srvCfg)
	if err != nil {
		panic(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := openssl.RequestTLS(r)
		fmt.Fprintf(w, "%s over TLS 1.%d, ALPN %s", r.Proto, st.Version-0x0301, st.NegotiatedProtocol)
	})}
	done := make(chan error, 1)
	go func() { done <- openssl.Serve(srv, l) }()

	cliCfg := &openssl.Config{RootCAs: tc.CACert}
	defer cliCfg.Free()
	tr := &openssl.Transport{Config: cliCfg}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	resp, err := client.Get("https://localhost:" + port + "/")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body))
	fmt.Println("client:", resp.Proto, "resp.TLS set:", resp.TLS != nil && resp.TLS.HandshakeComplete)

	srv.Close()
	fmt.Println("Serve:", <-done)
	// Output:
	// HTTP/2.0 over TLS 1.3, ALPN h2
	// client: HTTP/2.0 resp.TLS set: true
	// Serve: http: Server closed
}

// The crypto/tls idiom srv.Serve(listener) with "h2" offered: net/http
// would speak HTTP/1.1 on connections that agreed to HTTP/2, so Serve
// returns ErrHTTP2OverNetHTTP at once; openssl.Serve(srv, l) is the way.
func ExampleErrHTTP2OverNetHTTP() {
	tc := testcerts.Get()
	cfg := &openssl.Config{
		Certificates: []openssl.Certificate{{CertPEM: tc.LeafChain, KeyPEM: tc.LeafKey}},
		NextProtos:   []string{"h2", "http/1.1"},
	}
	defer cfg.Free()
	l, err := openssl.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		panic(err)
	}
	err = (&http.Server{}).Serve(l)
	fmt.Println(errors.Is(err, openssl.ErrHTTP2OverNetHTTP))
	// Output: true
}
