package openssl

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// panicWriter is a KeyLogWriter whose Write panics with v.
type panicWriter struct{ v any }

func (w panicWriter) Write([]byte) (int, error) { panic(w.v) }

// hookPanicBound turns a Close or a later call that hangs into a failure;
// nothing waits on it when the call returns.
const hookPanicBound = 10 * time.Second

// TestHookPanicReleasesConn: a panic in a Config hook reaches the caller of
// Handshake with the hook's own value, and leaves nothing locked behind: a
// Close after the caller recovered (as net/http's conn.serve does) returns
// promptly and frees the SSL, and a later Handshake (before Close), Read,
// Write or Handshake (after) returns an error instead of hanging or running
// the hook again.
func TestHookPanicReleasesConn(t *testing.T) {
	for _, tc := range []struct {
		name   string
		client bool // the hook runs on our client (else on our server)
		set    func(cfg *Config, v any)
		peer   func(*tls.Config) // adjusts the crypto/tls peer's config
	}{
		{name: "GetCertificate", set: func(cfg *Config, v any) {
			cfg.GetCertificate = func(*ClientHelloInfo) (*Certificate, error) { panic(v) }
		}},
		{name: "GetConfigForClient", set: func(cfg *Config, v any) {
			cfg.GetConfigForClient = func(*ClientHelloInfo) (*Config, error) { panic(v) }
		}},
		{name: "VerifyPeerCertificate", client: true, set: func(cfg *Config, v any) {
			cfg.VerifyPeerCertificate = func([][]byte, [][]*x509.Certificate) error { panic(v) }
		}},
		{name: "VerifyConnection", client: true, set: func(cfg *Config, v any) {
			cfg.VerifyConnection = func(ConnectionState) error { panic(v) }
		}},
		{name: "GetClientCertificate", client: true, set: func(cfg *Config, v any) {
			cfg.GetClientCertificate = func(*CertificateRequestInfo) (*Certificate, error) { panic(v) }
		}, peer: func(g *tls.Config) { g.ClientAuth = tls.RequestClientCert }},
		{name: "KeyLogWriter", client: true, set: func(cfg *Config, v any) {
			cfg.KeyLogWriter = panicWriter{v}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cfg *Config
			var gcfg *tls.Config
			if tc.client {
				cfg, gcfg = clientConfig(VersionTLS13), goServerConfig(t, VersionTLS13)
				cfg.ClientSessionCache = nil
			} else {
				cfg, gcfg = serverConfig(VersionTLS13), goClientConfig(VersionTLS13)
			}
			value := &struct{ hook string }{tc.name}
			tc.set(cfg, value)
			if tc.peer != nil {
				tc.peer(gcfg)
			}
			settleProbe()
			base := probeNow()

			a, b := net.Pipe()
			deadline(b)
			peerDone := make(chan struct{})
			go func() {
				defer close(peerDone)
				var p *tls.Conn
				if tc.client {
					p = tls.Server(b, gcfg)
				} else {
					p = tls.Client(b, gcfg)
				}
				_ = p.Handshake()
				_ = b.Close()
			}()
			var c *Conn
			var err error
			if tc.client {
				c, err = Client(a, cfg)
			} else {
				c, err = Server(a, cfg)
			}
			if err != nil {
				t.Fatal(err)
			}

			got, herr := func() (r any, err error) {
				defer func() { r = recover() }()
				return nil, c.Handshake()
			}()
			if got != any(value) {
				t.Errorf("recovered %v (Handshake returned %v), want the hook's panic value %v", got, herr, value)
			}

			within(t, "Handshake after the recovered panic", true, c.Handshake)
			within(t, "Close after the recovered panic", false, c.Close)
			within(t, "Read after Close", true, func() error { _, err := c.Read(make([]byte, 1)); return err })
			within(t, "Write after Close", true, func() error { _, err := c.Write([]byte("x")); return err })
			within(t, "Handshake after Close", true, c.Handshake)
			<-peerDone
			cfg.Free()
			probeBack(t, base)
		})
	}
}

// within runs op and fails t when it does not return within hookPanicBound,
// panics, or returns no error when wantErr.
func within(t *testing.T, what string, wantErr bool, op func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("panic: %v", p)
			}
		}()
		done <- op()
	}()
	timer := time.NewTimer(hookPanicBound)
	defer timer.Stop()
	select {
	case err := <-done:
		if err != nil && strings.HasPrefix(err.Error(), "panic: ") {
			t.Errorf("%s: %v", what, err)
		} else if wantErr && err == nil {
			t.Errorf("%s: no error", what)
		}
	case <-timer.C:
		t.Fatalf("%s: still blocked after %v", what, hookPanicBound)
	}
}
