package openssl

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"time"

	"golang.org/x/net/http2"
)

// Transport is an http.RoundTripper whose HTTPS connections are libssl
// connections made with Config. It speaks HTTP/2 to servers that select
// "h2" by ALPN (through golang.org/x/net/http2) and HTTP/1.1 to the others
// (through net/http), and every response carries the connection's state as
// crypto/tls describes it in resp.TLS. Plain http:// requests go through
// net/http unchanged.
//
//	client := &http.Client{Transport: &openssl.Transport{Config: cfg}}
//
// A connection is never handed to the wrong protocol: a connection offered
// "h2" that selected anything else is used for HTTP/1.1, and connections
// dialled for HTTP/1.1 offer only "http/1.1". The Config's own NextProtos
// and ServerName are not used (the host of each URL is the name sent and
// verified); proxies are not supported. The zero value is ready to use; a
// nil Config uses the defaults (the system's roots). A Transport must not
// be copied after first use.
type Transport struct {
	// Config makes the connections; nil means the defaults.
	Config *Config
	// DisableHTTP2 makes every connection offer only "http/1.1".
	DisableHTTP2 bool

	once  sync.Once
	h1    *http.Transport
	h2    *http2.Transport
	mu    sync.Mutex
	isH1  map[string]bool    // addresses whose server did not select h2
	spare map[string][]*Conn // handshaken HTTP/1.1 connections not yet in use
}

var errNotH2 = errors.New("openssl: the server did not select h2")

func (t *Transport) init() {
	t.once.Do(func() {
		t.isH1 = map[string]bool{}
		t.spare = map[string][]*Conn{}
		t.h1 = &http.Transport{
			DialTLSContext:        t.dialH1,
			MaxIdleConnsPerHost:   16,
			IdleConnTimeout:       90 * time.Second,
			ExpectContinueTimeout: time.Second,
		}
		t.h2 = &http2.Transport{
			DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
				return t.dialH2(ctx, network, addr)
			},
		}
	})
}

func (t *Transport) config() *Config {
	if t.Config == nil {
		return defaultConfig
	}
	return t.Config
}

// dialH2 offers h2 and http/1.1. A connection that did not select h2 is
// kept for the HTTP/1.1 side and the request is sent there.
func (t *Transport) dialH2(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := dial(ctx, network, addr, t.config(), nil, []string{"h2", "http/1.1"}, true)
	if err != nil {
		return nil, err
	}
	if c.ConnectionState().NegotiatedProtocol == "h2" {
		return c, nil
	}
	t.mu.Lock()
	t.isH1[addr] = true
	t.spare[addr] = append(t.spare[addr], c)
	t.mu.Unlock()
	return nil, errNotH2
}

// dialH1 hands out a spare connection for addr, or dials one that offers
// only http/1.1.
func (t *Transport) dialH1(ctx context.Context, network, addr string) (net.Conn, error) {
	t.mu.Lock()
	if s := t.spare[addr]; len(s) > 0 {
		c := s[len(s)-1]
		t.spare[addr] = s[:len(s)-1]
		t.mu.Unlock()
		return c, nil
	}
	t.mu.Unlock()
	return dial(ctx, network, addr, t.config(), nil, []string{"http/1.1"}, true)
}

// RoundTrip sends req over HTTP/2 when the server selects it, else over
// HTTP/1.1, and fills resp.TLS with the connection's tls.ConnectionState.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.init()
	if req.URL == nil || req.URL.Scheme != "https" {
		return t.h1.RoundTrip(req)
	}
	addr := canonicalAddr(req)
	t.mu.Lock()
	h1 := t.DisableHTTP2 || t.isH1[addr]
	t.mu.Unlock()
	if !h1 {
		resp, err := t.h2.RoundTrip(req)
		if err == nil || !errors.Is(err, errNotH2) {
			return resp, err
		}
		// Nothing was sent: the dial ended before the request.
	}
	var conn net.Conn
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { conn = i.Conn }}
	treq := req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	resp, err := t.h1.RoundTrip(treq)
	if err != nil {
		return nil, err
	}
	resp.Request = req
	if c, ok := conn.(*Conn); ok && resp.TLS == nil {
		st := c.ConnectionState()
		resp.TLS = &st
	}
	return resp, nil
}

// CloseIdleConnections closes the idle connections of both protocols and
// the spare ones.
func (t *Transport) CloseIdleConnections() {
	t.init()
	t.h1.CloseIdleConnections()
	t.h2.CloseIdleConnections()
	t.mu.Lock()
	spare := t.spare
	t.spare = map[string][]*Conn{}
	t.mu.Unlock()
	for _, s := range spare {
		for _, c := range s {
			c.Close()
		}
	}
}

func canonicalAddr(req *http.Request) string {
	host, port := req.URL.Hostname(), req.URL.Port()
	if port == "" {
		port = "443"
	}
	return net.JoinHostPort(host, port)
}

type connKey struct{}

// ConnContext is an http.Server.ConnContext that records the connection in
// the request's context, where RequestConn and RequestTLS find it:
//
//	srv := &http.Server{Handler: h, ConnContext: openssl.ConnContext}
//	srv.Serve(openssl.Listen("tcp", addr, cfg))
//
// (net/http fills Request.TLS only for a *tls.Conn.) Serve sets it.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if tc, ok := c.(*Conn); ok {
		return context.WithValue(ctx, connKey{}, tc)
	}
	return ctx
}

// RequestConn returns the *Conn a request arrived on, when the server was
// set up with ConnContext (or Serve), else nil.
func RequestConn(r *http.Request) *Conn {
	c, _ := r.Context().Value(connKey{}).(*Conn)
	return c
}

// RequestTLS returns the TLS state of the connection a request arrived on:
// r.TLS when the server filled it with a completed handshake (x/net/http2
// does, from Conn.ConnectionState, and so does net/http when it is given
// connections already handshaken, as Serve does), else the state of
// RequestConn(r); nil when neither is known. (net/http fills r.TLS for
// any conn with a ConnectionState method, but reads it before the first
// Read: over http.Server.Serve(Listen(...)) r.TLS is then the zero
// state, with HandshakeComplete false.)
func RequestTLS(r *http.Request) *tls.ConnectionState {
	if r.TLS != nil && r.TLS.HandshakeComplete {
		return r.TLS
	}
	if c := RequestConn(r); c != nil {
		st := c.ConnectionState()
		if st.HandshakeComplete {
			return &st
		}
	}
	return nil
}

// Serve serves srv's handler on l, whose Accept returns *Conn (Listen,
// NewListener): HTTP/2 (golang.org/x/net/http2) on connections that selected
// "h2" by ALPN, HTTP/1.1 (srv itself) on the others. For HTTP/2 the Config
// must list "h2" in NextProtos. Handlers find the TLS state in r.TLS for
// HTTP/2 and through RequestTLS for both. It configures srv for HTTP/2
// (http2.ConfigureServer) and sets srv.ConnContext (keeping the one already
// there); srv.Shutdown and srv.Close stop it. srv.Shutdown ends HTTP/2
// connections gracefully (x/net/http2 sends GOAWAY); srv.Close closes the
// HTTP/1.1 ones but not HTTP/2 connections already being served: they end
// with their clients (use Shutdown, or close the clients' idle connections). The handshake of each
// connection is bounded by srv.ReadHeaderTimeout, else srv.ReadTimeout,
// else 10 s. It returns what srv.Serve returns.
func Serve(srv *http.Server, l net.Listener) error {
	h2s := &http2.Server{}
	if err := http2.ConfigureServer(srv, h2s); err != nil {
		return err
	}
	user := srv.ConnContext
	srv.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		if user != nil {
			ctx = user(ctx, c)
		}
		return ConnContext(ctx, c)
	}
	h1 := &chanListener{Listener: l, conns: make(chan net.Conn), done: make(chan struct{})}
	go h1.acceptLoop(srv, h2s)
	return srv.Serve(h1)
}

// chanListener gives srv.Serve the HTTP/1.1 connections; closing it closes
// the real listener.
type chanListener struct {
	net.Listener
	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
	mu        sync.Mutex
	err       error
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.err != nil {
			return nil, l.err
		}
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	var err error
	l.closeOnce.Do(func() {
		err = l.Listener.Close()
		close(l.done)
	})
	return err
}

func (l *chanListener) acceptLoop(srv *http.Server, h2s *http2.Server) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			l.mu.Lock()
			l.err = err
			l.mu.Unlock()
			l.Close()
			return
		}
		go l.serveConn(srv, h2s, nc)
	}
}

func (l *chanListener) serveConn(srv *http.Server, h2s *http2.Server, nc net.Conn) {
	c, ok := nc.(*Conn)
	if !ok {
		l.handOff(nc)
		return
	}
	timeout := srv.ReadHeaderTimeout
	if timeout <= 0 {
		timeout = srv.ReadTimeout
	}
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	err := c.HandshakeContext(ctx)
	cancel()
	if err != nil {
		if srv.ErrorLog != nil {
			srv.ErrorLog.Printf("openssl: TLS handshake error from %s: %v", c.RemoteAddr(), err)
		}
		c.Close()
		return
	}
	if c.ConnectionState().NegotiatedProtocol != "h2" {
		l.handOff(c)
		return
	}
	base := context.Background()
	if srv.BaseContext != nil {
		base = srv.BaseContext(l)
	}
	ctx = srv.ConnContext(base, c)
	h2s.ServeConn(c, &http2.ServeConnOpts{Context: ctx, BaseConfig: srv, Handler: srv.Handler})
}

func (l *chanListener) handOff(c net.Conn) {
	select {
	case l.conns <- c:
	case <-l.done:
		c.Close()
	}
}
