package libssl_test

import (
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
)

func TestNewAndFreeProbe(t *testing.T) {
	p := newProbe(t)
	ctx := must(libssl.NewCtx(libssl.TLSMethod))
	p.expect("NewCtx", obj(0, 1, 0))
	s := must(libssl.New(ctx))
	p.expect("New", obj(1, 1, 0))
	ctx.Free()
	// SSL_new took references on the context: it lives on with the SSL.
	p.expect("Ctx.Free while an SSL holds it", obj(1, 1, 0))
	c2 := s.Ctx()
	if c2 == nil || c2.Method() != libssl.TLSMethod {
		t.Fatalf("Ctx() after the app freed its ctx: %v", c2)
	}
	c2.Free()
	p.expect("Ctx().Free", obj(1, 1, 0))
	s.Free()
	p.expect("SSL.Free", obj(0, 0, 0))
	s.Free()
	ctx.Free()
	p.expect("second Free of each", obj(0, 0, 0))
}

func TestNewNilCtx(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p := newProbe(t)
	s, err := libssl.New(nil)
	if s != nil || err == nil {
		t.Fatalf("New(nil) = %v, %v; want nil and an error", s, err)
	}
	var e *libssl.Error
	if !errors.As(err, &e) {
		t.Fatalf("New(nil) error %T, want *libssl.Error", err)
	}
	last, ok := e.Last()
	if !ok || last.Library != libssl.LibSSL || last.Reason != libssl.ReasonNullSSLCtx {
		t.Fatalf("New(nil) queue %+v, want ERR_LIB_SSL/SSL_R_NULL_SSL_CTX", e.Entries)
	}
	want := uint64(0x0A0000C3)
	if !libssl.Is3() {
		want = 0x140BA0C3
	}
	if last.Code != want {
		t.Errorf("packed code %#x, want %#x", last.Code, want)
	}
	if !libssl.ErrorQueueEmpty() {
		t.Error("the failed call left entries on this thread's error queue")
	}
	// The text is ERR_print_errors' line less the thread id:
	// error:CODE:library:function:reason:file:line:data
	text := regexp.MustCompile(`^error:[0-9A-F]{8}:SSL routines:SSL_new:null ssl ctx:[^:]*ssl_lib\.c:\d+:$`)
	if !text.MatchString(err.Error()) || !strings.Contains(err.Error(), fmt.Sprintf("%08X", want)) {
		t.Errorf("error text %q is not OpenSSL's", err.Error())
	}
	p.expect("New(nil)", obj(0, 0, 0))
}

func TestUpRefProbe(t *testing.T) {
	p := newProbe(t)
	ctx := must(libssl.NewCtx(libssl.TLSMethod))
	defer ctx.Free()
	s := must(libssl.New(ctx))
	u := must(s.UpRef())
	if u == s {
		t.Fatal("UpRef returned the receiver; it must return a new handle")
	}
	if !u.SameObject(s) {
		t.Fatal("UpRef handle is not on the same object")
	}
	p.expect("UpRef", obj(1, 1, 0))
	s.Free()
	p.expect("first of two Frees", obj(1, 1, 0))
	if u.IsServer() != true || u.Version() != libssl.TLS1_3 {
		t.Fatal("the up-ref'd handle is not usable after the other was freed")
	}
	u.Free()
	p.expect("second of two Frees", obj(0, 1, 0))

	cu := must(ctx.UpRef())
	if !cu.SameObject(ctx) || cu == ctx {
		t.Fatal("Ctx.UpRef must give a new handle on the same object")
	}
	cu.Free()
	p.expect("Ctx.UpRef then Free", obj(0, 1, 0))
}

func TestDupFreshIsDistinct(t *testing.T) {
	p := newProbe(t)
	ctx := must(libssl.NewCtx(libssl.TLSMethod))
	s := must(libssl.New(ctx))
	d := must(s.Dup())
	if d.SameObject(s) {
		t.Fatal("Dup of a fresh SSL returned the same object")
	}
	p.expect("Dup of a fresh SSL", obj(2, 1, 0))
	ctx.Free()
	s.Free()
	p.expect("free original and ctx", obj(1, 1, 0))
	d.Free()
	p.expect("free the copy", obj(0, 0, 0))
}

func TestDupAfterHandshakeStepIsSameObject(t *testing.T) {
	p := newProbe(t)
	sctx, cctx := serverCtx(t, ctxOpts{}), clientCtx(t, ctxOpts{})
	pair := newPair(t, cctx, sctx)
	// One handshake step: the client writes its ClientHello and waits.
	if err := pair.Client.Handshake(); !errors.Is(err, libssl.ErrWantRead) {
		t.Fatalf("first handshake step: %v, want want-read", err)
	}
	if !pair.Client.InInit() || pair.Client.InBefore() {
		t.Fatal("after one step the client should be in init and not before")
	}
	// The ClientHello step made the client's (not yet resumable) session.
	p.expect("pair", obj(2, 2, 1))
	d := must(pair.Client.Dup())
	if !d.SameObject(pair.Client) || d == pair.Client {
		t.Fatal("Dup after a handshake step must be a new handle on the same object")
	}
	p.expect("Dup mid-handshake", obj(2, 2, 1))
	pair.Client.Free()
	p.expect("free original", obj(2, 2, 1))
	d.Free()
	p.expect("free dup", obj(1, 2, 0))
	pair.Free()
	sctx.Free()
	cctx.Free()
	p.expect("all freed", obj(0, 0, 0))
}

func TestDupAfterFinishedHandshake(t *testing.T) {
	p := newProbe(t)
	sctx, cctx := serverCtx(t, ctxOpts{}), clientCtx(t, ctxOpts{})
	defer sctx.Free()
	defer cctx.Free()
	pair := newPair(t, cctx, sctx)
	check(t, pair.Handshake())
	for _, side := range []*libssl.SSL{pair.Client, pair.Server} {
		d := must(side.Dup())
		if !d.SameObject(side) {
			t.Fatal("Dup after the handshake must return the same object")
		}
		d.Free()
	}
	pair.Free()
	runtime.GC()
	p.expect("after the pair is freed", obj(0, 2, 0))
}

func TestSessionOwnership(t *testing.T) {
	p := newProbe(t)
	sctx, cctx := serverCtx(t, ctxOpts{version: libssl.TLS1_2}), clientCtx(t, ctxOpts{version: libssl.TLS1_2})
	defer sctx.Free()
	defer cctx.Free()
	pair := newPair(t, cctx, sctx)
	if pair.Client.Session() != nil {
		t.Fatal("a fresh SSL has a session")
	}
	check(t, pair.Handshake())
	// One session object on each side.
	p.expect("handshake", obj(2, 2, 2))
	sess := pair.Client.Session()
	if sess == nil || !pair.Client.SessionIs(sess) {
		t.Fatal("Session() must return the SSL's current session")
	}
	p.expect("Session()", obj(2, 2, 2))
	check(t, pair.Shutdown())
	pair.Free()
	// The client ctx's cache holds one reference, our handle another. With
	// tickets (the TLS 1.2 default) the server cache stays empty, so the
	// server's session went with its SSL.
	p.expect("SSLs freed", obj(0, 2, 1))
	if cctx.CachedSessions() != 1 || sctx.CachedSessions() != 0 {
		t.Fatalf("cache sizes client %d server %d, want 1 and 0", cctx.CachedSessions(), sctx.CachedSessions())
	}
	sess.Free()
	sess.Free()
	p.expect("Session freed twice (the cache keeps it)", obj(0, 2, 1))
	cctx.Free()
	sctx.Free()
	p.expect("contexts freed (their caches release the sessions)", obj(0, 0, 0))
}

func TestSetSessionOwnership(t *testing.T) {
	sctx, cctx := serverCtx(t, ctxOpts{version: libssl.TLS1_2}), clientCtx(t, ctxOpts{version: libssl.TLS1_2})
	defer sctx.Free()
	defer cctx.Free()
	_ = cctx.SetSessionCacheMode(libssl.SessCacheOff)
	_ = sctx.SetSessionCacheMode(libssl.SessCacheOff)
	// Two sessions to play with, held only by our handles.
	var sessions []*libssl.Session
	for i := 0; i < 2; i++ {
		pair := newPair(t, cctx, sctx)
		check(t, pair.Handshake())
		check(t, pair.Shutdown())
		sessions = append(sessions, pair.Client.Session())
		pair.Free()
	}
	a, b := sessions[0], sessions[1]
	defer a.Free()
	defer b.Free()
	if a.SameObject(b) {
		t.Fatal("two handshakes gave one session")
	}
	p := newProbe(t)
	s := must(libssl.New(cctx))
	p.expect("New", obj(1, 0, 0))
	check(t, s.SetSession(nil))
	p.expect("SetSession(nil) on a fresh SSL", obj(1, 0, 0))
	check(t, s.SetSession(a))
	check(t, s.SetSession(a))
	a2 := s.Session()
	if !a2.SameObject(a) {
		t.Fatal("Session() after SetSession(a) is not a")
	}
	a2.Free()
	check(t, s.SetSession(b))
	if !s.SessionIs(b) {
		t.Fatal("SetSession(b) did not replace a")
	}
	// Our handle on a is now the only reference: freeing it destroys a.
	a.Free()
	p.expect("a freed while the SSL holds b", obj(1, 0, -1))
	b.Free()
	p.expect("b freed by us, still held by the SSL", obj(1, 0, -1))
	check(t, s.SetSession(nil))
	if s.HasSession() {
		t.Fatal("SetSession(nil) left a session")
	}
	p.expect("SetSession(nil) released b", obj(1, 0, -2))
	s.Free()
	p.expect("SSL freed", obj(0, 0, -2))
}

func TestClearKeepsObjects(t *testing.T) {
	p := newProbe(t)
	ctx := must(libssl.NewCtx(libssl.TLSMethod))
	s := must(libssl.New(ctx))
	check(t, s.SetConnectState())
	check(t, s.Clear())
	check(t, s.Clear())
	p.expect("Clear twice", obj(1, 1, 0))
	if s.IsServer() {
		t.Fatal("Clear dropped the client role")
	}
	s.Free()
	ctx.Free()
	p.expect("freed", obj(0, 0, 0))
}

func TestFreedAndNilHandles(t *testing.T) {
	ctx := must(libssl.NewCtx(libssl.TLSMethod))
	s := must(libssl.New(ctx))
	sess := (*libssl.Session)(nil)
	s.Free()
	ctx.Free()
	var nilSSL *libssl.SSL
	for name, h := range map[string]*libssl.SSL{"freed": s, "nil": nilSSL} {
		if _, err := h.Dup(); !errors.Is(err, libssl.ErrFreed) {
			t.Errorf("%s Dup: %v", name, err)
		}
		if _, err := h.UpRef(); !errors.Is(err, libssl.ErrFreed) {
			t.Errorf("%s UpRef: %v", name, err)
		}
		if err := h.Clear(); !errors.Is(err, libssl.ErrFreed) {
			t.Errorf("%s Clear: %v", name, err)
		}
		if err := h.SetSession(sess); !errors.Is(err, libssl.ErrFreed) {
			t.Errorf("%s SetSession: %v", name, err)
		}
		if err := h.Handshake(); !errors.Is(err, libssl.ErrFreed) {
			t.Errorf("%s Handshake: %v", name, err)
		}
		if _, err := h.Write([]byte("x")); !errors.Is(err, libssl.ErrFreed) {
			t.Errorf("%s Write: %v", name, err)
		}
		if h.Session() != nil || h.Ctx() != nil || h.SessionReused() || h.SameObject(h) {
			t.Errorf("%s getters must return zero values", name)
		}
		if diff := cmp.Diff(libssl.Settings{}, h.Settings()); diff != "" {
			t.Errorf("%s Settings must be zero (-want +got):\n%s", name, diff)
		}
		h.Free()
	}
	if _, err := libssl.New(ctx); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("New with a freed ctx: %v, want ErrFreed", err)
	}
	if err := ctx.SetOptions(libssl.OpNoTicket); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("freed ctx SetOptions: %v", err)
	}
	var ns *libssl.Session
	if _, err := ns.MarshalDER(); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("nil session MarshalDER: %v", err)
	}
	ns.Free()
}

func TestDroppedHandlesAreCollected(t *testing.T) {
	if _, ok := settle(libssl.LiveObjects()); !ok {
		t.Fatal("probe not stable before the test")
	}
	p := newProbe(t)
	before := libssl.CleanupFrees()
	sctx, cctx := serverCtx(t, ctxOpts{version: libssl.TLS1_2}), clientCtx(t, ctxOpts{version: libssl.TLS1_2})
	keep := must(libssl.New(cctx))
	func() {
		// Handles dropped without Free: SSLs, dups, up-refs, sessions, ctxs.
		for i := 0; i < 50; i++ {
			s := must(libssl.New(cctx))
			_ = must(s.Dup())
			_ = must(s.UpRef())
		}
		pair := newPair(t, cctx, sctx)
		check(t, pair.Handshake())
		_ = pair.Client.Session()
		_ = must(keep.UpRef())
		_ = keep.Ctx()
	}()
	sctx, cctx = nil, nil
	// Everything but keep (and the ctx keep holds) must go, and keep must not.
	if live, ok := settle(libssl.Objects{SSL: p.base.SSL + 1, Ctx: p.base.Ctx + 1, Session: p.base.Session}); !ok {
		t.Fatalf("after GC: live %+v, base %+v", live, p.base)
	}
	if keep.Version() != libssl.TLS1_3 || keep.IsServer() {
		t.Fatal("the handle still in use was disturbed")
	}
	if n := libssl.CleanupFrees() - before; n < 150 {
		t.Errorf("cleanups released %d references, want at least 150", n)
	}
	keep.Free()
	// keep's context may still have references from dropped handles whose
	// cleanups have not run yet (the object counted alive either way).
	if live, ok := settle(p.base); !ok {
		t.Fatalf("after keep.Free: live %+v, want %+v", live, p.base)
	}
}

func TestUserDataTravelsWithDup(t *testing.T) {
	ctx := must(libssl.NewCtx(libssl.TLSMethod))
	defer ctx.Free()
	s := must(libssl.New(ctx))
	type tag struct{ n int }
	v := &tag{42}
	check(t, s.SetUserData(v))
	before := libssl.ExDataDupCalls()
	d := must(s.Dup())
	if got := libssl.ExDataDupCalls() - before; got != 1 {
		t.Errorf("dup_func ran %d times, want 1", got)
	}
	if d.UserData() != any(v) {
		t.Fatalf("dup user data %v, want the original's", d.UserData())
	}
	s.Free()
	if d.UserData() != any(v) {
		t.Fatal("user data lost when the original was freed")
	}
	check(t, d.SetUserData(nil))
	if d.UserData() != nil {
		t.Fatal("SetUserData(nil) kept the value")
	}
	d.Free()
}

// SSL_dup deep-copies the CA name list: the duplicate has a stack of its
// own (SSL_get0_CA_list), holding the same names.
func TestDupCopiesCAListStack(t *testing.T) {
	ctx := must(libssl.NewCtx(libssl.TLSMethod))
	defer ctx.Free()
	s := must(libssl.New(ctx))
	defer s.Free()
	check(t, s.AddCAName(testcerts.Get().CACert))
	d := must(s.Dup())
	defer d.Free()
	if a, b := libssl.CAListIdentity(s), libssl.CAListIdentity(d); a == 0 || b == 0 || a == b {
		t.Errorf("CA list stacks: original %#x, duplicate %#x; want two stacks", a, b)
	}
	if got, want := d.CANames(), s.CANames(); !cmp.Equal(got, want) {
		t.Errorf("duplicate's CA names %q, want the original's %q", got, want)
	}
}
