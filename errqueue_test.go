package libssl_test

// Error queue: many goroutines make failing calls at once, each a
// different kind of failure, and each error must carry exactly the entries of
// its own call, as the same call made alone does. OpenSSL's queue is per OS
// thread and goroutines move between threads, so an entry read in a second
// cgo call, or a queue not cleared before a call, shows up here as an entry
// from another goroutine's call.

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// fingerprint is what identifies an error's entries; it leaves out nothing
// that one call could borrow from another.
func fingerprint(err error) string {
	var e *libssl.Error
	if !errors.As(err, &e) {
		return fmt.Sprintf("not an *Error: %T %v", err, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s ret=%d code=%v dropped=%d", e.Op, e.Ret, e.Code, e.Dropped)
	for _, en := range e.Entries {
		fmt.Fprintf(&b, "\n  %#x %d/%d %s %s:%d %q", en.Code, en.Library, en.Reason, en.Func, en.File, en.Line, en.Data)
	}
	return b.String()
}

type failingCall struct {
	name string
	call func() error // fails, the same way every time
	good func() error // a neighbouring call that succeeds
}

func failingCalls(t *testing.T) []failingCall {
	cs := testcerts.Get()
	// The client trusts nothing, so verification of the server fails.
	sctx := serverCtx(t, ctxOpts{version: libssl.TLS1_3})
	t.Cleanup(sctx.Free)
	cctx := must(libssl.NewCtx(libssl.TLSClientMethod))
	t.Cleanup(cctx.Free)
	check(t, cctx.SetVerify(libssl.VerifyPeer, nil))
	withCtx := func(f func(c *libssl.Ctx) error) func() error {
		return func() error {
			c, err := libssl.NewCtx(libssl.TLSMethod)
			if err != nil {
				return err
			}
			defer c.Free()
			return f(c)
		}
	}
	return []failingCall{
		{"New(nil)", func() error { s, err := libssl.New(nil); s.Free(); return err },
			withCtx(func(c *libssl.Ctx) error { s, err := libssl.New(c); s.Free(); return err })},
		{"SetCipherList", withCtx(func(c *libssl.Ctx) error { return c.SetCipherList("NO-SUCH-CIPHER") }),
			withCtx(func(c *libssl.Ctx) error { return c.SetCipherList("DEFAULT") })},
		{"SetCiphersuites", withCtx(func(c *libssl.Ctx) error { return c.SetCiphersuites("TLS_NO_SUCH") }),
			withCtx(func(c *libssl.Ctx) error { return c.SetCiphersuites("TLS_AES_128_GCM_SHA256") })},
		{"UseCertificatePEM", withCtx(func(c *libssl.Ctx) error {
			return c.UseCertificatePEM([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
		}), withCtx(func(c *libssl.Ctx) error { return c.UseCertificatePEM(cs.LeafCert) })},
		{"UsePrivateKeyPEM mismatch", withCtx(func(c *libssl.Ctx) error {
			if err := c.UseCertificatePEM(cs.LeafCert); err != nil {
				return fmt.Errorf("setup: %w", err)
			}
			return c.UsePrivateKeyPEM(cs.SelfKey)
		}), withCtx(func(c *libssl.Ctx) error { return c.UsePrivateKeyPEM(cs.LeafKey) })},
		{"SetSessionIDContext", withCtx(func(c *libssl.Ctx) error { return c.SetSessionIDContext(make([]byte, 40)) }),
			withCtx(func(c *libssl.Ctx) error { return c.SetSessionIDContext([]byte("ok")) })},
		{"UnmarshalSessionDER", func() error {
			s, err := libssl.UnmarshalSessionDER([]byte{0x30, 0x03, 0x02, 0x01, 0x01})
			s.Free()
			return err
		},
			func() error { return nil }},
		{"LoadVerifyLocations", withCtx(func(c *libssl.Ctx) error { return c.LoadVerifyLocations("/nonexistent/ca.pem", "") }),
			func() error { return nil }},
		{"Handshake untrusted", func() error {
			p := newPair(t, cctx, sctx)
			defer p.Free()
			err := p.Handshake()
			var e *libssl.Error
			if errors.As(err, &e) {
				return e // without sslpair's wrapping, which names the side
			}
			return err
		}, func() error { return nil }},
	}
}

func TestErrorQueueIsolation(t *testing.T) {
	calls := failingCalls(t)
	// The fingerprint of each call made alone, on a locked thread, and
	// twice, to show it is stable.
	want := make([]string, len(calls))
	func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		for i, c := range calls {
			err := c.call()
			if err == nil {
				t.Fatalf("%s did not fail", c.name)
			}
			want[i] = fingerprint(err)
			if got := fingerprint(c.call()); got != want[i] {
				t.Fatalf("%s is not deterministic:\n%s\nthen\n%s", c.name, want[i], got)
			}
			if !strings.Contains(want[i], "\n") {
				t.Fatalf("%s failed with no queue entry: %s", c.name, want[i])
			}
			if !libssl.ErrorQueueEmpty() {
				t.Fatalf("%s left entries on the thread's queue", c.name)
			}
		}
	}()
	workers, iters := 24, 60
	if testing.Short() {
		iters = 15
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	failures := 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < iters; i++ {
				k := (w + i) % len(calls)
				c := calls[k]
				got := fingerprint(c.call())
				gerr := c.good()
				runtime.Gosched()
				if got != want[k] || gerr != nil {
					mu.Lock()
					failures++
					if failures <= 5 {
						t.Errorf("worker %d call %s:\n got %s\nwant %s\n(succeeding neighbour: %v)", w, c.name, got, want[k], gerr)
					}
					mu.Unlock()
				}
			}
		}(w)
	}
	wg.Wait()
	if failures > 0 {
		t.Fatalf("%d calls saw entries that were not their own", failures)
	}
	if dirty := dirtyThreads(); dirty > 0 {
		t.Fatalf("%d OS threads have entries left on their error queue", dirty)
	}
}
