package libssl_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	libssl "github.com/libssl-go/libssl"
)

// extCacheServer makes a TLS 1.2 server context whose sessions live only in
// an external cache (SSL_SESS_CACHE_SERVER | NO_INTERNAL, no tickets), so a
// resumption must go through the session lookup callback.
func extCacheServer(t *testing.T) *libssl.Ctx {
	t.Helper()
	sctx := serverCtx(t, ctxOpts{version: libssl.TLS1_2, noTicket: true})
	check(t, sctx.SetSessionCacheMode(libssl.SessCacheServer|libssl.SessCacheNoInternal))
	return sctx
}

// firstSession runs one full handshake and returns the client's session and
// the DER of the server's (what an external cache would store).
func firstSession(t *testing.T, cctx, sctx *libssl.Ctx) (client *libssl.Session, serverDER []byte) {
	t.Helper()
	var der []byte
	check(t, sctx.SetSessionCallbacks(func(_ *libssl.SSL, sess *libssl.Session) {
		defer sess.Free()
		der = must(sess.MarshalDER())
	}, nil))
	p := newPair(t, cctx, sctx)
	defer p.Free()
	check(t, p.Handshake())
	check(t, p.Shutdown()) // else SSL_free makes the session non-resumable
	check(t, sctx.SetSessionCallbacks(nil, nil))
	if der == nil {
		t.Fatal("the server's new-session callback did not run")
	}
	return p.Client.Session(), der
}

// resume connects a client offering sess and reports whether it resumed.
func resume(t *testing.T, cctx, sctx *libssl.Ctx, sess *libssl.Session) bool {
	t.Helper()
	p := newPair(t, cctx, sctx)
	defer p.Free()
	check(t, p.Client.SetSession(sess))
	check(t, p.Handshake())
	check(t, p.Shutdown())
	return p.Server.SessionReused()
}

// The lookup callback with copy true (C's default *copy = 1): libssl takes
// a reference of its own, the callback's handle stays valid and is freed by
// its owner; the server resumes, the callback saw the session id the client
// offered, and SSL_CTX_sess_cb_hits counts it. The probe shows every
// reference released: a missing up-ref would free the session under the
// handle (a crash or a negative count), an extra one would leak it.
func TestSessionGetCallbackCopy(t *testing.T) {
	pr := newProbe(t)
	func() {
		sctx, cctx := extCacheServer(t), clientCtx(t, ctxOpts{version: libssl.TLS1_2})
		defer sctx.Free()
		defer cctx.Free()
		csess, der := firstSession(t, cctx, sctx)
		defer csess.Free()
		stored := must(libssl.UnmarshalSessionDER(der))
		defer stored.Free()
		var seen [][]byte
		check(t, sctx.SetSessionGetCallback(func(s *libssl.SSL, id []byte) (*libssl.Session, bool) {
			seen = append(seen, id)
			if !bytes.Equal(id, stored.ID()) {
				return nil, true
			}
			return stored, true
		}))
		for i := 0; i < 2; i++ {
			if !resume(t, cctx, sctx, csess) {
				t.Fatalf("resumption %d: the server did a full handshake (lookups %x, client id %x, stored %x)", i, seen, csess.ID(), stored.ID())
			}
		}
		if len(seen) != 2 || !bytes.Equal(seen[0], csess.ID()) {
			t.Fatalf("lookups %x, want two of the client's id %x", seen, csess.ID())
		}
		if st := sctx.SessionStats(); st.CbHits != 2 {
			t.Fatalf("sess_cb_hits %d, want 2", st.CbHits)
		}
		if !stored.IsResumable() {
			t.Fatal("the callback's handle is no longer usable after libssl used the session")
		}
	}()
	pr.expect("after freeing everything", obj(0, 0, 0))
}

// The lookup callback with copy false (C's *copy = 0): the handle's
// reference passes to libssl, the handle reads as freed afterwards, and the
// probe shows libssl released it (a reference kept by both would leak one
// session per lookup; none kept would free it while libssl uses it).
func TestSessionGetCallbackGivesReference(t *testing.T) {
	pr := newProbe(t)
	func() {
		sctx, cctx := extCacheServer(t), clientCtx(t, ctxOpts{version: libssl.TLS1_2})
		defer sctx.Free()
		defer cctx.Free()
		csess, der := firstSession(t, cctx, sctx)
		defer csess.Free()
		var given []*libssl.Session
		check(t, sctx.SetSessionGetCallback(func(s *libssl.SSL, id []byte) (*libssl.Session, bool) {
			sess := must(libssl.UnmarshalSessionDER(der))
			given = append(given, sess)
			return sess, false
		}))
		for i := 0; i < 3; i++ {
			if !resume(t, cctx, sctx, csess) {
				t.Fatalf("resumption %d: the server did a full handshake", i)
			}
		}
		for i, g := range given {
			if g.ID() != nil || !errors.Is(must2(g.MarshalDER()), libssl.ErrFreed) {
				t.Fatalf("handle %d still holds its reference after giving it to libssl", i)
			}
			g.Free() // a no-op now
		}
	}()
	pr.expect("after freeing everything", obj(0, 0, 0))
}

func must2(_ []byte, err error) error { return err }

// A panic in the lookup callback makes the lookup find nothing (a full
// handshake) and is raised again by the Handshake call that ran it.
func TestSessionGetCallbackPanicIsRaisedAgain(t *testing.T) {
	pr := newProbe(t)
	func() {
		sctx, cctx := extCacheServer(t), clientCtx(t, ctxOpts{version: libssl.TLS1_2})
		defer sctx.Free()
		defer cctx.Free()
		csess, _ := firstSession(t, cctx, sctx)
		defer csess.Free()
		type boom struct{}
		check(t, sctx.SetSessionGetCallback(func(*libssl.SSL, []byte) (*libssl.Session, bool) { panic(boom{}) }))
		p := newPair(t, cctx, sctx)
		defer p.Free()
		check(t, p.Client.SetSession(csess))
		if got := catch(func() { _ = p.Handshake() }); got != (boom{}) {
			t.Fatalf("Handshake raised %v, want boom{}", got)
		}
		check(t, p.Handshake())
		if p.Server.SessionReused() {
			t.Fatal("the server resumed although its lookup callback panicked")
		}
	}()
	pr.expect("after freeing everything", obj(0, 0, 0))
}

// The ClientHello callback sees the client's offer (SNI, cipher ids,
// supported_versions, legacy version, extension types) before libssl acts
// on it; RETRY suspends the handshake with SSL_ERROR_WANT_CLIENT_HELLO_CB
// and the callback runs again on resumption; ERROR fails it with the alert
// the callback chose.
func TestClientHelloCallback(t *testing.T) {
	pr := newProbe(t)
	func() {
		sctx, cctx := serverCtx(t, ctxOpts{}), clientCtx(t, ctxOpts{})
		defer sctx.Free()
		defer cctx.Free()
		calls := 0
		var sni string
		var vers []libssl.ProtocolVersion
		var legacy libssl.ProtocolVersion
		var ciphers []uint16
		var exts []int
		check(t, sctx.SetClientHelloCallback(func(s *libssl.SSL, al *int) libssl.ClientHelloResult {
			calls++
			sni, vers, legacy = s.ClientHelloServerName(), s.ClientHelloSupportedVersions(), s.ClientHelloLegacyVersion()
			ciphers, exts = s.ClientHelloCiphers(), s.ClientHelloExtensionTypes()
			if calls == 1 {
				return libssl.ClientHelloRetry
			}
			return libssl.ClientHelloSuccess
		}))
		p := newPair(t, cctx, sctx)
		defer p.Free()
		check(t, p.Client.SetHostName("example.test"))
		err := p.Handshake()
		var le *libssl.Error
		if !errors.As(err, &le) || le.Code != libssl.SSLErrorWantClientHelloCB || calls != 1 {
			t.Fatalf("first handshake: %v after %d calls, want SSL_ERROR_WANT_CLIENT_HELLO_CB after 1", err, calls)
		}
		check(t, p.Handshake())
		if calls != 2 {
			t.Fatalf("callback ran %d times, want 2", calls)
		}
		if sni != "example.test" || legacy != libssl.TLS1_2 || len(vers) == 0 || vers[0] != libssl.TLS1_3 {
			t.Fatalf("sni %q legacy %v versions %v", sni, legacy, vers)
		}
		if !contains16(ciphers, p.Client.CurrentCipherID()) || !containsInt(exts, 0) || !containsInt(exts, 43) {
			t.Fatalf("ciphers %x (negotiated %x), extensions %v", ciphers, p.Client.CurrentCipherID(), exts)
		}
		// Outside the callback the accessors read nothing.
		if p.Server.ClientHelloCiphers() != nil || p.Server.ClientHelloServerName() != "" {
			t.Fatal("ClientHello accessors read something after the callback")
		}

		// ERROR with the callback's alert.
		check(t, sctx.SetClientHelloCallback(func(s *libssl.SSL, al *int) libssl.ClientHelloResult {
			*al = 112 // unrecognized_name
			return libssl.ClientHelloError
		}))
		q := newPair(t, cctx, sctx)
		defer q.Free()
		if err := q.Handshake(); err == nil {
			t.Fatal("handshake succeeded although the ClientHello callback failed it")
		}
		if st := q.Client.StateString(); st == "" {
			t.Fatal("no state string")
		}
	}()
	pr.expect("after freeing everything", obj(0, 0, 0))
}

func contains16(s []uint16, v uint16) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Only the first panic of a C call exists: once a callback has panicked,
// libssl's later callbacks in the same call get the failure value without
// running Go. A flush that drops two sessions with a remove callback that
// panics each time raises the first panic, and the callback ran once.
func TestFlushRunsNoCallbackAfterAPanic(t *testing.T) {
	sctx, cctx := serverCtx(t, ctxOpts{version: libssl.TLS1_2, noTicket: true}), clientCtx(t, ctxOpts{version: libssl.TLS1_2})
	defer sctx.Free()
	defer cctx.Free()
	check(t, sctx.SetSessionCacheMode(libssl.SessCacheServer))
	for range 2 {
		p := newPair(t, cctx, sctx)
		check(t, p.Handshake())
		check(t, p.Shutdown())
		p.Free()
	}
	if n := sctx.CachedSessions(); n != 2 {
		t.Fatalf("%d sessions cached, want 2", n)
	}
	type boom struct{ n int }
	ran := 0
	check(t, sctx.SetSessionCallbacks(nil, func(s *libssl.Session) { s.Free(); ran++; panic(boom{ran}) }))
	got := catch(func() { _ = sctx.FlushSessions(time.Now().Add(48 * time.Hour)) })
	if got != (boom{1}) {
		t.Errorf("FlushSessions raised %v, want boom{1}", got)
	}
	if ran != 1 {
		t.Errorf("the remove callback ran %d times, want 1 (none after the first panic)", ran)
	}
	if n := libssl.PendingPanics(); n != 0 {
		t.Errorf("%d panics pending after the flush", n)
	}
	if n := sctx.CachedSessions(); n != 0 {
		t.Errorf("%d sessions cached after the flush, want 0", n)
	}
	check(t, sctx.SetSessionCallbacks(nil, nil))
}

// A panic in the remove-session callback that a Ctx call runs is raised
// again by that call: RemoveSession, FlushSessions, AddSession (a full
// cache drops its oldest) and Free (freeing the cache).
func TestRemoveCallbackPanicIsRaisedByCtxCalls(t *testing.T) {
	pr := newProbe(t)
	func() {
		sctx, cctx := serverCtx(t, ctxOpts{version: libssl.TLS1_2, noTicket: true}), clientCtx(t, ctxOpts{version: libssl.TLS1_2})
		defer cctx.Free()
		check(t, sctx.SetSessionCacheMode(libssl.SessCacheServer))
		var sess [2]*libssl.Session
		for i := range sess {
			p := newPair(t, cctx, sctx)
			check(t, p.Handshake())
			check(t, p.Shutdown())
			sess[i] = p.Server.Session()
			p.Free()
			defer sess[i].Free()
		}
		type boom struct{ where string }
		expect := func(where string, f func()) {
			t.Helper()
			check(t, sctx.SetSessionCallbacks(nil, func(s *libssl.Session) { s.Free(); panic(boom{where}) }))
			if got := catch(f); got != (boom{where}) {
				t.Fatalf("%s raised %v, want boom{%q}", where, got, where)
			}
			_ = sctx.SetSessionCallbacks(nil, nil) // ErrFreed after Free
		}
		expect("remove", func() { sctx.RemoveSession(sess[0]) })
		expect("flush", func() { _ = sctx.FlushSessions(time.Now().Add(48 * time.Hour)) })
		if n := sctx.CachedSessions(); n != 0 {
			t.Fatalf("%d sessions cached after the flush, want 0", n)
		}
		check(t, sctx.AddSession(sess[0]))
		check(t, sctx.SetSessionCacheSize(1))
		expect("add", func() { _ = sctx.AddSession(sess[1]) })
		expect("free", sctx.Free)
	}()
	pr.expect("after freeing everything", obj(0, 0, 0))
}
