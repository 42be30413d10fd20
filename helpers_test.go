package libssl_test

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/sslpair"
	"github.com/libssl-go/libssl/internal/testcerts"
)

func TestMain(m *testing.M) {
	if err := libssl.InitError(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Fprintf(os.Stderr, "libssl: header %s, runtime %s\n", libssl.HeaderVersionText(), libssl.RuntimeVersionText())
	// The 1.1.1w leg sets this so that a build that silently picked up the
	// system's OpenSSL fails instead of passing on the wrong version.
	if want := os.Getenv("LIBSSL_GO_EXPECT_RUNTIME"); want != "" {
		if got := libssl.VersionString(libssl.RuntimeVersion()); got != want {
			fmt.Fprintf(os.Stderr, "FAIL: running against OpenSSL %s, want %s\n", got, want)
			os.Exit(2)
		}
		if got := libssl.VersionString(libssl.HeaderVersion()); got != want {
			fmt.Fprintf(os.Stderr, "FAIL: built against OpenSSL headers %s, want %s\n", got, want)
			os.Exit(2)
		}
	}
	code := m.Run()
	if code == 0 {
		// Every object made by the suite must be destroyed once the handles
		// are gone: the Go and C counts agree at the end.
		if live, ok := settle(libssl.Objects{}); !ok {
			fmt.Fprintf(os.Stderr, "FAIL: objects still alive after the suite: %+v\n", live)
			code = 1
		}
	}
	os.Exit(code)
}

// settle runs the GC until the probe reads want (cleanups run late and
// asynchronously), for at most 10 s.
func settle(want libssl.Objects) (libssl.Objects, bool) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		live := libssl.LiveObjects()
		if live == want {
			return live, true
		}
		if time.Now().After(deadline) {
			return live, false
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// probe records the destruction probe at a point in a test.
type probe struct {
	t    *testing.T
	base libssl.Objects
}

func newProbe(t *testing.T) *probe {
	t.Helper()
	return &probe{t: t, base: libssl.LiveObjects()}
}

// delta returns live objects now minus at the start.
func (p *probe) delta() libssl.Objects {
	now := libssl.LiveObjects()
	return libssl.Objects{SSL: now.SSL - p.base.SSL, Ctx: now.Ctx - p.base.Ctx, Session: now.Session - p.base.Session}
}

// expect fails the test unless the delta is exactly want.
func (p *probe) expect(step string, want libssl.Objects) {
	p.t.Helper()
	if got := p.delta(); got != want {
		p.t.Fatalf("%s: live objects delta %+v, want %+v", step, got, want)
	}
}

func obj(ssl, ctx, sess int64) libssl.Objects {
	return libssl.Objects{SSL: ssl, Ctx: ctx, Session: sess}
}

// must returns v, or panics (failing the test) on err.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type ctxOpts struct {
	version  libssl.ProtocolVersion // 0: negotiate (TLS 1.3)
	noTicket bool
	sidCtx   string
}

// serverCtx makes a server context with the CA-signed localhost leaf.
func serverCtx(t testing.TB, o ctxOpts) *libssl.Ctx {
	t.Helper()
	cs := testcerts.Get()
	c, err := libssl.NewCtx(libssl.TLSServerMethod)
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		c.UseCertificatePEM(cs.LeafChain),
		c.UsePrivateKeyPEM(cs.LeafKey),
		c.CheckPrivateKey(),
		c.SetMinProtoVersion(o.version),
		c.SetMaxProtoVersion(o.version),
	} {
		if err != nil {
			c.Free()
			t.Fatal(err)
		}
	}
	if o.noTicket {
		_ = c.SetOptions(libssl.OpNoTicket)
	}
	sid := o.sidCtx
	if sid == "" {
		sid = "libssl-go-test"
	}
	if err := c.SetSessionIDContext([]byte(sid)); err != nil {
		t.Fatal(err)
	}
	return c
}

// clientCtx makes a client context that trusts the test CA and caches its
// sessions on the client side.
func clientCtx(t testing.TB, o ctxOpts) *libssl.Ctx {
	t.Helper()
	c, err := libssl.NewCtx(libssl.TLSClientMethod)
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		c.AddTrustedCertPEM(testcerts.Get().CACert),
		c.SetMinProtoVersion(o.version),
		c.SetMaxProtoVersion(o.version),
		c.SetVerify(libssl.VerifyPeer, nil),
		c.SetSessionCacheMode(libssl.SessCacheClient),
	} {
		if err != nil {
			c.Free()
			t.Fatal(err)
		}
	}
	return c
}

func newPair(t testing.TB, cctx, sctx *libssl.Ctx) *sslpair.Pair {
	t.Helper()
	p, err := sslpair.New(cctx, sctx)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func wouldBlock(err error) bool {
	return errors.Is(err, libssl.ErrWantRead) || errors.Is(err, libssl.ErrWantWrite)
}
