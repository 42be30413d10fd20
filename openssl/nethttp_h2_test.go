package openssl

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
	"golang.org/x/net/http2"
)

// serverMakingListener is a listener of a caller's own that makes its
// connections with Server, as a program wrapping a plain net.Listener does.
type serverMakingListener struct {
	net.Listener
	config   *Config
	accepted chan *Conn
}

func (l *serverMakingListener) Accept() (net.Conn, error) {
	raw, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	c, err := Server(raw, l.config)
	if err != nil {
		raw.Close()
		return nil, err
	}
	if l.accepted != nil {
		l.accepted <- c
	}
	return c, nil
}

// serveAndWait runs serve and returns what it returns; serve must return by
// itself (the bound only turns a Serve that keeps accepting into a failure,
// stopped by closing l).
func serveAndWait(t *testing.T, l net.Listener, serve func() error, poke func()) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- serve() }()
	if poke != nil {
		poke()
	}
	select {
	case err := <-done:
		return err
	case <-time.After(testTimeout):
		l.Close()
		<-done
		t.Fatal("Serve kept accepting connections it speaks HTTP/1.1 over after agreeing to h2")
		return nil
	}
}

// The crypto/tls idiom srv.Serve(tls.NewListener(l, cfg)) ported line by
// line: a Config that offers "h2" under net/http's Server.Serve is refused
// at first use with ErrHTTP2OverNetHTTP, naming what to use instead, for
// Listen, NewListener, http.Serve and a caller's listener that calls
// Server (refused at its first connection, which a crypto/tls HTTP/2
// client makes). net/http would otherwise agree to h2 and answer in
// HTTP/1.1 (curl: "Empty reply from server"; Go's HTTP/2 client: "frame
// too large").
func TestNetHTTPServeRefusesH2(t *testing.T) {
	scfg := serverConfig(0)
	t.Cleanup(scfg.Free)
	handler := http.HandlerFunc(echoHandler)
	check := func(t *testing.T, err error) {
		t.Helper()
		if !errors.Is(err, ErrHTTP2OverNetHTTP) || !strings.Contains(err.Error(), "openssl.Serve") {
			t.Fatalf("Serve returned %v, want ErrHTTP2OverNetHTTP naming openssl.Serve", err)
		}
	}
	t.Run("Listen", func(t *testing.T) {
		l, err := Listen("tcp", "127.0.0.1:0", scfg)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		srv := &http.Server{Handler: handler}
		check(t, serveAndWait(t, l, func() error { return srv.Serve(l) }, nil))
	})
	t.Run("NewListener/http.Serve", func(t *testing.T) {
		l := NewListener(listenLoopback(t), scfg)
		check(t, serveAndWait(t, l, func() error { return http.Serve(l, handler) }, nil))
	})
	t.Run("callers-listener", func(t *testing.T) {
		inner := listenLoopback(t)
		l := &serverMakingListener{Listener: inner, config: scfg}
		srv := &http.Server{Handler: handler}
		var clientErr error
		err := serveAndWait(t, l, func() error { return srv.Serve(l) }, func() {
			h2c := &http.Client{Transport: &http2.Transport{TLSClientConfig: goClientConfig(0)}, Timeout: testTimeout}
			resp, err := h2c.Get("https://" + inner.Addr().String() + "/")
			if err == nil {
				resp.Body.Close()
			}
			clientErr = err
		})
		check(t, err)
		if clientErr == nil {
			t.Fatal("the HTTP/2 client got a response from a server that refused its connection")
		}
	})
	// A listener offering only http/1.1 is served by net/http as before.
	t.Run("without-h2", func(t *testing.T) {
		cfg := serverConfig(0)
		cfg.NextProtos = []string{"http/1.1"}
		defer cfg.Free()
		l, err := Listen("tcp", "127.0.0.1:0", cfg)
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: handler, ConnContext: ConnContext}
		done := make(chan error, 1)
		go func() { done <- srv.Serve(l) }()
		c := goHTTPClient(0, true)
		checkEcho(t, c, "https://localhost:"+portOf(l.Addr())+"/", []byte("x"), "HTTP/1.1", true)
		c.CloseIdleConnections()
		srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Fatalf("Serve returned %v", err)
		}
	})
}

// What to use instead, with the peers a user meets: the same Config (h2
// and http/1.1) under Serve gives curl with its default arguments (which
// offer h2) and crypto/tls's HTTP/2 client HTTP/2, and net/http's
// Transport HTTP/1.1; under http.Server.Serve with "h2" left out, all
// three get HTTP/1.1.
func TestNetHTTPH2WhatToUseInstead(t *testing.T) {
	curl := peerTool(t, "curl", "curl")
	tc := testcerts.Get()
	f := certFiles(t, map[string][]byte{"ca.pem": tc.CACert})
	for _, m := range httpModes {
		t.Run(m.name, func(t *testing.T) {
			addr := startHTTPServer(t, m, 0)
			port := portOf(mustAddr(addr))
			url := "https://localhost:" + port + "/echo"
			want := "HTTP/1.1"
			if offersH2(m.alpn) {
				want = "HTTP/2.0"
			}
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			out, err := exec.CommandContext(ctx, curl, "-sS", "--fail", "--cacert", f["ca.pem"],
				"--resolve", "localhost:"+port+":127.0.0.1", url).CombinedOutput()
			if err != nil || string(out) != "hello "+want {
				t.Fatalf("curl (default arguments): %v: %q, want %q", err, out, "hello "+want)
			}
			h2c := &http.Client{Transport: &http.Transport{TLSClientConfig: goClientConfig(0), ForceAttemptHTTP2: true}}
			defer h2c.CloseIdleConnections()
			checkEcho(t, h2c, url, []byte("h2 client"), want, true)
			h1 := goHTTPClient(0, false)
			defer h1.CloseIdleConnections()
			checkEcho(t, h1, url, []byte("net/http"), "HTTP/1.1", true)
		})
	}
}

// goH2Server is a crypto/tls HTTPS server that prefers h2.
func goH2Server(t *testing.T) string {
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello "+r.Proto)
	}))
	ts.EnableHTTP2 = true
	ts.TLS = goServerConfig(t, VersionTLS13)
	ts.TLS.MaxVersion = 0
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return "localhost:" + portOf(ts.Listener.Addr())
}

// The crypto/tls idiom http.Transport{DialTLSContext: ...} ported with a
// Config that offers "h2": the dial fails with ErrHTTP2OverNetHTTP, naming
// Transport, whether the dialler handshakes (DialContext) or not (Client),
// against servers that prefer h2 (crypto/tls's and Serve). net/http would
// otherwise write HTTP/1.1 into an HTTP/2 connection ("malformed HTTP
// response"). Offering only http/1.1 works against both.
func TestNetHTTPTransportRefusesH2(t *testing.T) {
	servers := map[string]string{
		"crypto/tls": goH2Server(t),
		"Serve":      "localhost:" + portOf(mustAddr(startHTTPServer(t, httpModes[1], 0))),
	}
	dialers := map[string]func(cfg *Config) func(ctx context.Context, network, addr string) (net.Conn, error){
		"DialContext": func(cfg *Config) func(ctx context.Context, network, addr string) (net.Conn, error) {
			return func(ctx context.Context, network, addr string) (net.Conn, error) {
				return DialContext(ctx, network, addr, cfg)
			}
		},
		"Client": func(cfg *Config) func(ctx context.Context, network, addr string) (net.Conn, error) {
			return func(ctx context.Context, network, addr string) (net.Conn, error) {
				var d net.Dialer
				raw, err := d.DialContext(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				c, err := Client(raw, cfg)
				if err != nil {
					raw.Close()
					return nil, err
				}
				return c, nil
			}
		},
	}
	for sname, addr := range servers {
		for dname, dialer := range dialers {
			t.Run(sname+"/"+dname, func(t *testing.T) {
				cfg := clientConfig(0) // offers http/1.1 and h2
				defer cfg.Free()
				tr := &http.Transport{DialTLSContext: dialer(cfg)}
				defer tr.CloseIdleConnections()
				resp, err := (&http.Client{Transport: tr, Timeout: testTimeout}).Get("https://" + addr + "/")
				if err == nil {
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					t.Fatalf("the request got %q over a connection that offered h2 to net/http", body)
				}
				if !errors.Is(err, ErrHTTP2OverNetHTTP) || !strings.Contains(err.Error(), "openssl.Transport") {
					t.Fatalf("request: %v, want ErrHTTP2OverNetHTTP naming openssl.Transport", err)
				}
				h1cfg := clientConfig(0)
				h1cfg.NextProtos = []string{"http/1.1"}
				defer h1cfg.Free()
				tr1 := &http.Transport{DialTLSContext: dialer(h1cfg)}
				defer tr1.CloseIdleConnections()
				resp, err = (&http.Client{Transport: tr1, Timeout: testTimeout}).Get("https://" + addr + "/")
				if err != nil {
					t.Fatalf("offering only http/1.1: %v", err)
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || !strings.HasPrefix(string(body), "hello HTTP/1.1") {
					t.Fatalf("offering only http/1.1: %q, %v", body, err)
				}
			})
		}
	}
	// The same dialler outside net/http: x/net/http2 speaks HTTP/2 over it.
	t.Run("http2.Transport", func(t *testing.T) {
		cfg := clientConfig(0)
		cfg.NextProtos = []string{"h2"}
		defer cfg.Free()
		h2t := &http2.Transport{DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			return DialContext(ctx, network, addr, cfg)
		}}
		defer h2t.CloseIdleConnections()
		resp, err := (&http.Client{Transport: h2t, Timeout: testTimeout}).Get("https://" + servers["crypto/tls"] + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "hello HTTP/2.0" {
			t.Fatalf("got %q", body)
		}
	})
}

// A Config whose ALPN is on a Ctx of the caller's, which the package
// cannot read: the handshake that selects "h2" for net/http fails with
// ErrHTTP2OverNetHTTP, on both sides.
func TestNetHTTPH2SelectedThroughCtx(t *testing.T) {
	t.Run("client", func(t *testing.T) {
		ctx, err := libssl.NewCtx(libssl.TLSMethod)
		if err != nil {
			t.Fatal(err)
		}
		defer ctx.Free()
		if err := ctx.SetALPNProtos([]string{"h2", "http/1.1"}); err != nil {
			t.Fatal(err)
		}
		cfg := &Config{Ctx: ctx, InsecureSkipVerify: true}
		defer cfg.Free()
		tr := &http.Transport{DialTLSContext: func(c context.Context, network, addr string) (net.Conn, error) {
			return DialContext(c, network, addr, cfg)
		}}
		defer tr.CloseIdleConnections()
		_, err = (&http.Client{Transport: tr, Timeout: testTimeout}).Get("https://" + goH2Server(t) + "/")
		if !errors.Is(err, ErrHTTP2OverNetHTTP) {
			t.Fatalf("request: %v, want ErrHTTP2OverNetHTTP", err)
		}
	})
	t.Run("server", func(t *testing.T) {
		tc := testcerts.Get()
		ctx, err := libssl.NewCtx(libssl.TLSMethod)
		if err != nil {
			t.Fatal(err)
		}
		defer ctx.Free()
		for _, err := range []error{ctx.UseCertificatePEM(tc.LeafChain), ctx.UsePrivateKeyPEM(tc.LeafKey),
			ctx.SetALPNSelect([]string{"h2", "http/1.1"}, false)} {
			if err != nil {
				t.Fatal(err)
			}
		}
		cfg := &Config{Ctx: ctx}
		defer cfg.Free()
		l := &serverMakingListener{Listener: listenLoopback(t), config: cfg, accepted: make(chan *Conn, 1)}
		srv := &http.Server{Handler: http.HandlerFunc(echoHandler)}
		done := make(chan error, 1)
		go func() { done <- srv.Serve(l) }()
		defer func() { srv.Close(); <-done }()
		h2c := &http.Client{Transport: &http2.Transport{TLSClientConfig: goClientConfig(0)}, Timeout: testTimeout}
		if resp, err := h2c.Get("https://localhost:" + portOf(l.Addr()) + "/"); err == nil {
			resp.Body.Close()
			t.Fatalf("HTTP/2 client: got %s from net/http over an h2 connection", resp.Proto)
		}
		c := <-l.accepted
		if err := c.Handshake(); !errors.Is(err, ErrHTTP2OverNetHTTP) {
			t.Fatalf("the server's handshake: %v, want ErrHTTP2OverNetHTTP", err)
		}
	})
}
