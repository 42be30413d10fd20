package openssl

import (
	"crypto/tls"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/libssl-go/libssl"
)

// has3 reports whether the linked libssl has library contexts and
// providers (OpenSSL 3.0 and later).
func has3() bool {
	return libssl.HeaderVersion() >= 0x30000000 && libssl.RuntimeVersion() >= 0x30000000
}

// newLibCtxWith makes a library context with the named providers loaded;
// the test frees the context and unloads the providers at its end.
func newLibCtxWith(t *testing.T, providers ...string) *libssl.LibCtx {
	t.Helper()
	l, err := libssl.NewLibCtx()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Free)
	for _, name := range providers {
		p, err := l.LoadProvider(name)
		if err != nil {
			t.Fatalf("OSSL_PROVIDER_load(%q): %v", name, err)
		}
		t.Cleanup(p.Free)
	}
	return l
}

// A Config whose library context has only the base provider (encoders,
// decoders, no algorithms) cannot make an SSL_CTX: libssl finds no
// cipher. The error is the Config's, at first use, and names both libssl's
// reason and the providers the library context had.
func TestConfigLibraryContextWithoutAlgorithms(t *testing.T) {
	if !has3() {
		// 1.1.1: no library context can be made at all.
		if _, err := libssl.NewLibCtx(); !errors.Is(err, libssl.ErrUnsupported) {
			t.Fatalf("NewLibCtx on 1.1.1: %v, want ErrUnsupported", err)
		}
		return
	}
	for _, provider := range []string{"base", "null"} {
		t.Run(provider, func(t *testing.T) {
			cfg := clientConfig(VersionTLS13)
			cfg.LibraryContext = newLibCtxWith(t, provider)
			defer cfg.Free()
			l := listenLoopback(t)
			go func() {
				if c, err := l.Accept(); err == nil {
					c.Close()
				}
			}()
			_, err := Dial("tcp", l.Addr().String(), cfg)
			if err == nil {
				t.Fatal("a client in a library context with only the " + provider + " provider dialled")
			}
			msg := err.Error()
			for _, want := range []string{"SSL_CTX_new_ex", "library has no ciphers", "Config.LibraryContext", "providers loaded: " + provider} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}
		})
	}
}

// "fips=yes" with no FIPS provider in the library context fails at first
// use, and the error says that no loaded provider offers FIPS algorithms.
func TestConfigPropertyQueryFIPSWithoutFIPSProvider(t *testing.T) {
	if !has3() {
		// 1.1.1: a property query is an error at first use naming 3.0.
		cfg := serverConfig(VersionTLS13)
		cfg.PropertyQuery = "fips=yes"
		defer cfg.Free()
		if _, err := cfg.ctx(false); err == nil || !strings.Contains(err.Error(), "needs OpenSSL 3.0") {
			t.Fatalf("PropertyQuery on 1.1.1: %v, want an error naming OpenSSL 3.0", err)
		}
		return
	}
	for _, tc := range []struct {
		name string
		lib  func(t *testing.T) *libssl.LibCtx
	}{
		{"default library context", func(*testing.T) *libssl.LibCtx { return nil }},
		{"own library context", func(t *testing.T) *libssl.LibCtx { return newLibCtxWith(t, "default") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := tc.lib(t)
			cfg := serverConfig(VersionTLS13)
			cfg.LibraryContext, cfg.PropertyQuery = l, "fips=yes"
			defer cfg.Free()
			if l.ProviderAvailable("fips") {
				// A FIPS provider is loaded: the same Config builds
				// (make fips runs the handshakes).
				if _, err := cfg.ctx(false); err != nil {
					t.Fatalf(`PropertyQuery "fips=yes" with a FIPS provider loaded: %v`, err)
				}
				return
			}
			r := pairGoClient(t, cfg, goClientConfig(VersionTLS13))
			if r.ourErr == nil {
				t.Fatal(`a server with PropertyQuery "fips=yes" and no FIPS provider handshook`)
			}
			msg := r.ourErr.Error()
			for _, want := range []string{`"fips=yes"`, "no FIPS provider", "library has no ciphers"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}
		})
	}
}

// Two Configs in two library contexts run side by side in one process:
// each serves crypto/tls clients with its own providers and property
// query, concurrently, and freeing one's library context handle (and then
// the Config) leaves the other working. The library context outlives its
// handle while the Config's SSL_CTX holds it.
func TestConfigTwoLibraryContextsSideBySide(t *testing.T) {
	if !has3() {
		// 1.1.1: no library context can be made at all.
		if _, err := libssl.NewLibCtx(); !errors.Is(err, libssl.ErrUnsupported) {
			t.Fatalf("NewLibCtx on 1.1.1: %v, want ErrUnsupported", err)
		}
		return
	}
	la := newLibCtxWith(t, "default")
	lb := newLibCtxWith(t, "base", "default")
	a := serverConfig(VersionTLS13)
	a.LibraryContext, a.PropertyQuery = la, "provider=default"
	defer a.Free()
	b := serverConfig(VersionTLS12)
	b.LibraryContext, b.PropertyQuery = lb, "?provider=default"
	defer b.Free()
	run := func(cfg *Config, v uint16, suite uint16) error {
		gc := goClientConfig(v)
		if v == VersionTLS12 {
			gc.CipherSuites = []uint16{suite}
		}
		r := pairGoClient(t, cfg, gc)
		if r.ourErr != nil || r.goErr != nil {
			return errors.Join(r.ourErr, r.goErr)
		}
		if v == VersionTLS12 && r.goState.CipherSuite != suite {
			t.Errorf("suite %#x, want %#x", r.goState.CipherSuite, suite)
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 4; i++ {
		wg.Add(2)
		go func() { defer wg.Done(); errs <- run(a, VersionTLS13, 0) }()
		go func() {
			defer wg.Done()
			errs <- run(b, VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// The handles go; the SSL_CTXs keep their library contexts.
	la.Free()
	lb.Free()
	if err := run(a, VersionTLS13, 0); err != nil {
		t.Fatalf("after the library context's handle was freed: %v", err)
	}
	b.Free()
	if err := run(a, VersionTLS13, 0); err != nil {
		t.Fatalf("after the other Config was freed: %v", err)
	}
}

// On 1.1.1 there are no library contexts: NewLibCtx and a Config with a
// PropertyQuery fail with an error that matches ErrUnsupported and says
// what is needed.
func TestConfigLibraryContextNeeds3(t *testing.T) {
	if has3() {
		// The other branch: 3.0 and later make library contexts.
		l, err := libssl.NewLibCtx()
		if err != nil {
			t.Fatalf("NewLibCtx on %s: %v", libssl.RuntimeVersionText(), err)
		}
		l.Free()
		return
	}
	_, err := libssl.NewLibCtx()
	if !errors.Is(err, libssl.ErrUnsupported) || !strings.Contains(err.Error(), "needs OpenSSL 3.0") {
		t.Errorf("NewLibCtx on 1.1.1: %v", err)
	}
	cfg := serverConfig(VersionTLS13)
	cfg.PropertyQuery = "fips=yes"
	defer cfg.Free()
	r := pairGoClient(t, cfg, goClientConfig(VersionTLS13))
	if !errors.Is(r.ourErr, libssl.ErrUnsupported) || !strings.Contains(r.ourErr.Error(), "needs OpenSSL 3.0") {
		t.Errorf("Config with PropertyQuery on 1.1.1: %v", r.ourErr)
	}
}
