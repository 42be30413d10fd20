package libssl_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// SSL_R_LIBRARY_HAS_NO_CIPHERS, the reason SSL_CTX_new_ex gives when the
// context's providers offer no cipher for its query.
const reasonLibraryHasNoCiphers = 161

// libCtxTest skips the test before OpenSSL 3.0 (TestLibCtxNeedsOpenSSL3
// covers 1.1.1) and locks its goroutine to its thread until it ends, so that
// the library contexts it frees were used on that thread alone (see LibCtx).
func libCtxTest(t *testing.T) {
	t.Helper()
	if libssl.RuntimeVersion() < 0x30000000 {
		t.Skipf("the linked %s has no library contexts; TestLibCtxNeedsOpenSSL3 asserts that each call of them fails there with ErrUnsupported", libssl.RuntimeVersionText())
	}
	runtime.LockOSThread()
	t.Cleanup(runtime.UnlockOSThread)
}

// noCiphersError asserts that err is SSL_CTX_new_ex's own failure for a
// context whose providers offer no cipher.
func noCiphersError(t *testing.T, err error) *libssl.Error {
	t.Helper()
	var e *libssl.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	if e.Op != "SSL_CTX_new_ex" || !e.HasReason(libssl.LibSSL, reasonLibraryHasNoCiphers) ||
		!strings.Contains(err.Error(), "library has no ciphers") {
		t.Fatalf("error %+v (%v), want SSL_CTX_new_ex failing with libssl's \"library has no ciphers\"", e, err)
	}
	return e
}

// ctxPairIn makes a server context with the test leaf and a client context
// trusting the test CA, both in l with the query propq.
func ctxPairIn(t *testing.T, l *libssl.LibCtx, propq string) (cctx, sctx *libssl.Ctx) {
	t.Helper()
	cs := testcerts.Get()
	sctx = must(libssl.NewCtxEx(l, propq, libssl.TLSServerMethod))
	t.Cleanup(sctx.Free)
	check(t, sctx.UseCertificatePEM(cs.LeafChain))
	check(t, sctx.UsePrivateKeyPEM(cs.LeafKey))
	cctx = must(libssl.NewCtxEx(l, propq, libssl.TLSClientMethod))
	t.Cleanup(cctx.Free)
	check(t, cctx.AddTrustedCertPEM(cs.CACert))
	check(t, cctx.SetVerify(libssl.VerifyPeer, nil))
	return cctx, sctx
}

func handshake(t testing.TB, cctx, sctx *libssl.Ctx) error {
	t.Helper()
	p := newPair(t, cctx, sctx)
	defer p.Free()
	return p.Handshake()
}

// A context with only the base provider (no algorithms) or the null
// provider (nothing) has no cipher for a TLS context: SSL_CTX_new_ex fails
// and its error says so. The same context with the default provider loaded
// then handshakes with a default-context peer: the providers decided.
func TestNewCtxExWithoutAlgorithmsFails(t *testing.T) {
	for _, prov := range []string{"base", "null"} {
		t.Run(prov, func(t *testing.T) {
			libCtxTest(t)
			l := must(libssl.NewLibCtx())
			defer l.Free()
			p := must(l.LoadProvider(prov))
			defer p.Free()
			if l.ProviderAvailable("default") {
				t.Fatal("the default provider is available after loading only " + prov)
			}
			for _, m := range []libssl.Method{libssl.TLSClientMethod, libssl.TLSServerMethod} {
				c, err := libssl.NewCtxEx(l, "", m)
				if err == nil {
					c.Free()
					t.Fatalf("NewCtxEx in a context with only the %s provider succeeded", prov)
				}
				noCiphersError(t, err)
			}

			d := must(l.LoadProvider("default"))
			defer d.Free()
			cctx := must(libssl.NewCtxEx(l, "", libssl.TLSClientMethod))
			defer cctx.Free()
			check(t, cctx.AddTrustedCertPEM(testcerts.Get().CACert))
			check(t, cctx.SetVerify(libssl.VerifyPeer, nil))
			sctx := serverCtx(t, ctxOpts{}) // the default context
			defer sctx.Free()
			check(t, handshake(t, cctx, sctx))
		})
	}
}

// legacyInstalled reports whether the legacy provider can be loaded here.
func legacyInstalled() bool {
	l := must(libssl.NewLibCtx())
	defer l.Free()
	p, err := l.TryLoadProvider("legacy", false)
	if err != nil {
		return false
	}
	p.Free()
	return true
}

// The legacy provider (legacy.so on the host) loads into a context:
// ProviderAvailable follows the load and the unload, and Unload is
// idempotent per handle: a second Unload of one handle does not take the
// activation of another handle on the same provider.
func TestLegacyProviderLoadUnload(t *testing.T) {
	libCtxTest(t)
	l := must(libssl.NewLibCtx())
	defer l.Free()
	if !legacyInstalled() {
		// Not installed here (Debian trixie and later: the package
		// openssl-provider-legacy, which the image legs install): loading
		// it is a clear error naming it, and leaves it unavailable.
		_, err := l.LoadProvider("legacy")
		if err == nil || !strings.Contains(err.Error(), "legacy") || l.ProviderAvailable("legacy") {
			t.Fatalf("loading the legacy provider where it is not installed: %v", err)
		}
		return
	}
	if l.ProviderAvailable("legacy") {
		t.Fatal("legacy available before it was loaded")
	}
	a := must(l.LoadProvider("legacy"))
	if a.Name() != "legacy" || !l.ProviderAvailable("legacy") {
		t.Fatalf("after LoadProvider: Name %q, available %v", a.Name(), l.ProviderAvailable("legacy"))
	}
	b := must(l.TryLoadProvider("legacy", false))
	check(t, a.Unload())
	check(t, a.Unload())
	a.Free()
	if a.Name() != "" {
		t.Errorf("Name after Unload = %q, want \"\"", a.Name())
	}
	if !l.ProviderAvailable("legacy") {
		t.Fatal("unloading one handle three times took the other handle's activation")
	}
	check(t, b.Unload())
	if l.ProviderAvailable("legacy") {
		t.Fatal("legacy still available after every handle unloaded it")
	}
	if _, err := l.LoadProvider("no-such-provider"); err == nil {
		t.Fatal("loading a provider that does not exist succeeded")
	}
}

// fips=yes without a FIPS provider: SSL_CTX_new_ex fails, and the error
// names the query and what libssl found missing; the same through a
// context's default properties.
func TestNewCtxExFIPSWithoutProvider(t *testing.T) {
	libCtxTest(t)
	var nilCtx *libssl.LibCtx
	if nilCtx.ProviderAvailable("fips") {
		// This machine's default context has a FIPS provider: the query
		// then finds its algorithms.
		c := must(libssl.NewCtxEx(nil, "fips=yes", libssl.TLSClientMethod))
		c.Free()
		return
	}
	c, err := libssl.NewCtxEx(nil, "fips=yes", libssl.TLSClientMethod)
	if err == nil {
		c.Free()
		t.Fatal("NewCtxEx(nil, \"fips=yes\") succeeded without a FIPS provider")
	}
	noCiphersError(t, err)
	if !strings.Contains(err.Error(), `"fips=yes"`) {
		t.Errorf("error %q does not name the query", err)
	}

	l := must(libssl.NewLibCtx())
	defer l.Free()
	if l.DefaultPropertiesFIPSEnabled() {
		t.Fatal("a new context has fips=yes")
	}
	check(t, l.SetDefaultProperties("fips=yes"))
	if !l.DefaultPropertiesFIPSEnabled() {
		t.Fatal("DefaultPropertiesFIPSEnabled false after SetDefaultProperties(fips=yes)")
	}
	if nilCtx.DefaultPropertiesFIPSEnabled() {
		t.Fatal("setting one context's properties changed the default context's")
	}
	c, err = libssl.NewCtxEx(l, "", libssl.TLSServerMethod)
	if err == nil {
		c.Free()
		t.Fatal("NewCtxEx in a fips=yes context succeeded without a FIPS provider")
	}
	noCiphersError(t, err)
}

// keptLibCtxs holds the library contexts (and their providers) that several
// threads used, for the life of the test process (see LibCtx).
var keptLibCtxs []any

// Two library contexts side by side, each with its own providers and
// query, handshake concurrently. Freeing a's handle midway disturbs neither
// (a's SSL_CTXs keep the context), and freeing a's last users (SSL_CTXs,
// provider: OSSL_LIB_CTX_free) while b handshakes disturbs neither b's
// handshakes nor its providers. a lives on this goroutine, locked to its
// thread, so that no other thread holds OpenSSL's per-thread state of the
// freed context (see LibCtx); b, used on many threads, is kept.
func TestLibCtxSideBySide(t *testing.T) {
	libCtxTest(t)
	hasLegacy := legacyInstalled()
	made0, freed0, kept0 := libssl.LibCtxCounts()
	a := must(libssl.NewLibCtx())
	defer a.Free()
	b := must(libssl.NewLibCtx())
	pa := must(a.LoadProvider("default"))
	defer pa.Free()
	keptLibCtxs = append(keptLibCtxs, b, must(b.LoadProvider("default")))
	if hasLegacy {
		keptLibCtxs = append(keptLibCtxs, must(b.LoadProvider("legacy")))
	}
	if a.ProviderAvailable("legacy") || b.ProviderAvailable("legacy") != hasLegacy {
		t.Fatal("a provider loaded into one context shows in the other")
	}
	ca, sa := ctxPairIn(t, a, "provider=default")
	cb, sb := ctxPairIn(t, b, "?provider=legacy")

	const rounds = 8
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	run := func(c, s *libssl.Ctx) {
		defer wg.Done()
		for i := 0; i < rounds; i++ {
			if err := handshake(t, c, s); err != nil {
				errs <- err
				return
			}
		}
	}
	wg.Add(2)
	go run(cb, sb)
	go run(cb, sb)
	for i := 0; i < rounds; i++ {
		check(t, handshake(t, ca, sa))
		if i == rounds/2 {
			a.Free()
		}
	}
	ca.Free()
	sa.Free()
	pa.Free()
	// a carried connections: its last user's Free ends it by keeping the
	// OSSL_LIB_CTX (see LibCtx), not by OSSL_LIB_CTX_free.
	if made, freed, kept := libssl.LibCtxCounts(); made-made0 != 2 || freed-freed0 != 0 || kept-kept0 != 1 {
		t.Fatalf("made %d, freed %d, kept %d library contexts; want 2 made, a kept", made-made0, freed-freed0, kept-kept0)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if b.ProviderAvailable("legacy") != hasLegacy || !b.ProviderAvailable("default") {
		t.Fatal("freeing one context unloaded the other's providers")
	}
	check(t, handshake(t, cb, sb))
}

// storeFiles writes the test leaf's chain and key (PEM) into a temporary
// directory and returns the chain+key file's path.
func storeFiles(t *testing.T) (dir, chainAndKey string) {
	t.Helper()
	cs := testcerts.Get()
	dir = t.TempDir()
	chainAndKey = filepath.Join(dir, "chain-and-key.pem")
	if err := os.WriteFile(chainAndKey, append(append([]byte{}, cs.LeafChain...), cs.LeafKey...), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, chainAndKey
}

// Free on a LibCtx while an SSL_CTX, a Provider and a store-loaded
// certificate and key made in it are alive does not free the OSSL_LIB_CTX
// (real OSSL_LIB_CTX_free calls, counted in C); it is freed exactly once,
// when the last of them goes, whichever that is.
func TestLibCtxFreedByLastUser(t *testing.T) {
	libCtxTest(t)
	_, path := storeFiles(t)
	// A context ends once, by OSSL_LIB_CTX_free or by being kept (these
	// load a key, so they are kept: see LibCtx).
	counts := func() int64 { _, f, k := libssl.LibCtxCounts(); return f + k }
	probe := newProbe(t)
	for _, last := range []string{"SSL_CTX", "Provider", "certificate", "key", "LibCtx"} {
		t.Run(last, func(t *testing.T) {
			libCtxTest(t)
			hasLegacy := legacyInstalled()
			made0, _, kept0 := libssl.LibCtxCounts()
			base := counts()
			l := must(libssl.NewLibCtx())
			prov := must(l.LoadProvider("default"))
			// legacy's teardown reaches its library context: freeing the
			// context before the SSL_CTX has released its algorithms crashes.
			var legacy *libssl.Provider
			if hasLegacy {
				legacy = must(l.LoadProvider("legacy"))
			}
			ctx := must(libssl.NewCtxEx(l, "", libssl.TLSServerMethod))
			objs := must(libssl.LoadStore(path, &libssl.StoreOptions{LibCtx: l}))
			if len(objs.Certificates) != 2 || len(objs.PrivateKeys) != 1 {
				t.Fatalf("loaded %d certificates and %d keys, want 2 and 1", len(objs.Certificates), len(objs.PrivateKeys))
			}
			users := map[string]func(){
				"LibCtx":  l.Free,
				"SSL_CTX": ctx.Free,
				"Provider": func() {
					prov.Free()
					if legacy != nil {
						legacy.Free()
					}
				},
				"certificate": func() { objs.Certificates[0].Free(); objs.Certificates[1].Free() },
				"key":         objs.PrivateKeys[0].Free,
			}
			for _, name := range []string{"LibCtx", "SSL_CTX", "Provider", "certificate", "key"} {
				if name == last {
					continue
				}
				users[name]()
				users[name]() // every Free is idempotent
				if n := counts() - base; n != 0 {
					t.Fatalf("the context ended %d times after %s.Free while the %s was alive", n, name, last)
				}
			}
			users[last]()
			if n := counts() - base; n != 1 {
				t.Fatalf("the context ended %d times after the last user (%s) went, want 1", n, last)
			}
			users[last]()
			l.Free()
			if n := counts() - base; n != 1 {
				t.Fatalf("the context ended %d times after Free again, want 1", n)
			}
			if made, _, kept := libssl.LibCtxCounts(); made-made0 != 1 || kept-kept0 != 1 {
				t.Fatalf("%d library contexts made, %d kept; want 1 and 1 (a key was loaded into it)", made-made0, kept-kept0)
			}
		})
	}
	probe.expect("every SSL_CTX destroyed", obj(0, 0, 0))
}

// The version gate of library contexts and stores: on 1.1.1 every function
// returns an error matching ErrUnsupported that says it needs OpenSSL 3.0,
// and nothing crashes on nil handles; on 3.0 and later none of them does
// (the since= gates of shim.def match the headers).
func TestLibCtxNeedsOpenSSL3(t *testing.T) {
	if libssl.RuntimeVersion() >= 0x30000000 {
		libCtxTest(t)
		l := must(libssl.NewLibCtx())
		defer l.Free()
		_, path := storeFiles(t)
		for name, err := range map[string]error{
			"SetProviderSearchPath": l.SetProviderSearchPath(t.TempDir()),
			"SetDefaultProperties":  l.SetDefaultProperties("provider=default"),
			"NewCtxEx":              second(libssl.NewCtxEx(l, "", libssl.TLSClientMethod)),
			"LoadStore":             second(libssl.LoadStore(path, &libssl.StoreOptions{LibCtx: l})),
		} {
			if errors.Is(err, libssl.ErrUnsupported) {
				t.Errorf("%s on %s: %v", name, libssl.RuntimeVersionText(), err)
			}
		}
		return
	}
	var l *libssl.LibCtx
	_, path := storeFiles(t)
	calls := map[string]error{
		"NewLibCtx":             second(libssl.NewLibCtx()),
		"LoadConfig":            l.LoadConfig("/dev/null"),
		"SetProviderSearchPath": l.SetProviderSearchPath("/tmp"),
		"SetDefaultProperties":  l.SetDefaultProperties("fips=yes"),
		"LoadProvider":          second(l.LoadProvider("default")),
		"TryLoadProvider":       second(l.TryLoadProvider("default", true)),
		"NewCtxEx":              second(libssl.NewCtxEx(nil, "", libssl.TLSClientMethod)),
		"NewCtxEx fips=yes":     second(libssl.NewCtxEx(nil, "fips=yes", libssl.TLSClientMethod)),
		"LoadStore":             second(libssl.LoadStore(path, nil)),
	}
	for name, err := range calls {
		if !errors.Is(err, libssl.ErrUnsupported) || !strings.Contains(fmt.Sprint(err), "needs OpenSSL 3.0") {
			t.Errorf("%s on %s: %v, want ErrUnsupported saying it needs OpenSSL 3.0", name, libssl.RuntimeVersionText(), err)
		}
	}
	if l.ProviderAvailable("default") || l.DefaultPropertiesFIPSEnabled() {
		t.Error("ProviderAvailable or DefaultPropertiesFIPSEnabled true without library contexts")
	}
	l.Free()
	var p *libssl.Provider
	if p.Name() != "" || p.Unload() != nil {
		t.Error("a nil Provider has a name or fails to unload")
	}
	p.Free()
	var o *libssl.StoreObjects
	o.Free()
}

func second[T any](_ T, err error) error { return err }

// A library context is really freed (OSSL_LIB_CTX_free) only when the
// binding knows no other thread holds OpenSSL's per-thread state of it:
// one used only on the thread that made it, with no connection and no
// loaded key, is freed; one that carried a connection, or that a call
// reached from another thread, is kept (see LibCtx). Either way it ends
// exactly once.
func TestLibCtxFreedOnlyWhenConfined(t *testing.T) {
	libCtxTest(t)
	// Each subtest runs on a goroutine of its own, which libCtxTest's lock
	// does not hold to a thread: a confined context's calls must all run on
	// one thread, so the subtests lock theirs.
	ends := func(t *testing.T, use func(l *libssl.LibCtx, c *libssl.Ctx)) (freed, kept int64) {
		t.Helper()
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		_, f0, k0 := libssl.LibCtxCounts()
		l := must(libssl.NewLibCtx())
		p := must(l.LoadProvider("default"))
		c := must(libssl.NewCtxEx(l, "", libssl.TLSServerMethod))
		use(l, c)
		c.Free()
		p.Free()
		l.Free()
		_, f, k := libssl.LibCtxCounts() // reaps this thread's parked record
		return f - f0, k - k0
	}
	t.Run("confined", func(t *testing.T) {
		if f, k := ends(t, func(*libssl.LibCtx, *libssl.Ctx) {}); f != 1 || k != 0 {
			t.Fatalf("freed %d, kept %d; want freed 1", f, k)
		}
	})
	t.Run("confined, SSL_CTX last", func(t *testing.T) {
		// The SSL_CTX's release parks the context until its SSL_CTX_free
		// has returned (legacy's teardown reads the context).
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		hasLegacy := legacyInstalled()
		_, f0, k0 := libssl.LibCtxCounts()
		l := must(libssl.NewLibCtx())
		p := must(l.LoadProvider("default"))
		var legacy *libssl.Provider
		if hasLegacy {
			legacy = must(l.LoadProvider("legacy"))
		}
		c := must(libssl.NewCtxEx(l, "", libssl.TLSServerMethod))
		p.Free()
		if legacy != nil {
			legacy.Free()
		}
		l.Free()
		if _, f, k := libssl.LibCtxCounts(); f != f0 || k != k0 {
			t.Fatalf("the context ended while its SSL_CTX was alive (freed %d, kept %d)", f-f0, k-k0)
		}
		c.Free()
		if _, f, k := libssl.LibCtxCounts(); f-f0 != 1 || k != k0 {
			t.Fatalf("freed %d, kept %d after the SSL_CTX went; want freed 1", f-f0, k-k0)
		}
	})
	t.Run("connection", func(t *testing.T) {
		f, k := ends(t, func(_ *libssl.LibCtx, c *libssl.Ctx) { must(libssl.New(c)).Free() })
		if f != 0 || k != 1 {
			t.Fatalf("freed %d, kept %d; want kept 1", f, k)
		}
	})
	t.Run("another thread", func(t *testing.T) {
		f, k := ends(t, func(l *libssl.LibCtx, _ *libssl.Ctx) {
			done := make(chan struct{})
			go func() {
				// A goroutine locked to a thread of its own, which exits
				// with it (it never unlocks): surely another thread.
				runtime.LockOSThread()
				l.ProviderAvailable("default")
				close(done)
			}()
			<-done
		})
		if f != 0 || k != 1 {
			t.Fatalf("freed %d, kept %d; want kept 1", f, k)
		}
	})
}
