package sslapitest

import (
	"testing"
	"time"

	libssl "github.com/libssl-go/libssl"
)

// sessionTest is execute_test_session(maxprot, use_int_cache, use_ext_cache,
// s_options): a client that caches sessions (internally and/or through the
// new/remove session callbacks, counted), a resumption, a session replaced
// by SSL_set_session, a failed connection that must drop its session from the
// cache, then the same on the server, where the external cache's lookup
// (SSL_CTX_sess_set_get_cb) serves the final TLS 1.2 resumption.
func sessionTest(t *testing.T, maxprot libssl.ProtocolVersion, useInt, useExt bool, sOptions libssl.Options) {
	noLeaks(t)
	numNewSessTick := 1
	if maxprot == libssl.TLS1_3 {
		numNewSessTick = 2 // TLS 1.3 sends 2 NewSessionTickets
	}
	var newCalled, removeCalled, getCalled int
	var getSessVal *libssl.Session
	// get_session_cb: counts, and returns get_sess_val with *copy = 1.
	getCB := func(*libssl.SSL, []byte) (*libssl.Session, bool) {
		getCalled++
		return getSessVal, true
	}
	newCB := func(_ *libssl.SSL, sess *libssl.Session) {
		newCalled++
		sess.Free() // the reference is ours; it is not needed
	}
	removeCB := func(sess *libssl.Session) {
		removeCalled++
		sess.Free()
	}
	counts := func(step string, wantNew, wantRemove int) {
		t.Helper()
		if useExt && (newCalled != wantNew || removeCalled != wantRemove) {
			t.Errorf("%s: new-session callback %d times, remove %d; want %d and %d", step, newCalled, removeCalled, wantNew, wantRemove)
		}
	}
	reset := func() { newCalled, removeCalled, getCalled = 0, 0, 0 }

	sctx, cctx := ctxPair(t, libssl.TLS1, 0)
	// Only the max protocol version, so that a connection can be made to
	// fail later.
	must(t, cctx.SetMinProtoVersion(maxprot))
	must(t, cctx.SetMaxProtoVersion(maxprot))
	if useExt {
		must(t, cctx.SetSessionCallbacks(newCB, removeCB))
	}
	if useInt {
		must(t, cctx.SetSessionCacheMode(libssl.SessCacheClient))
	} else {
		must(t, cctx.SetSessionCacheMode(libssl.SessCacheClient|libssl.SessCacheNoInternalStore))
	}
	if sOptions != 0 {
		must(t, sctx.SetOptions(sOptions))
	}

	p1 := objects(t, sctx, cctx)
	must(t, connect(p1))
	sess1 := p1.Client.Session()
	if sess1 == nil {
		t.Fatal("SSL_get1_session(clientssl1) = NULL")
	}
	defer func() { sess1.Free() }()

	// Already in the cache: SSL_CTX_add_session must fail.
	if useInt {
		if err := cctx.AddSession(sess1); err == nil {
			t.Error("SSL_CTX_add_session(cctx, sess1) succeeded; the session should already be cached")
		}
	}
	counts("first connection", numNewSessTick, 0)

	reset()
	p2 := objects(t, sctx, cctx)
	must(t, p2.Client.SetSession(sess1))
	must(t, connect(p2))
	if !p2.Client.SessionReused() {
		t.Fatal("SSL_session_reused(clientssl2) = 0")
	}
	if maxprot == libssl.TLS1_3 {
		// TLS 1.3 makes a new session even on resumption, and removes the
		// ticket it used from the cache (tickets are used once).
		counts("TLS 1.3 resumption", 1, 1)
	} else {
		counts("TLS 1.2 resumption", 0, 0)
	}

	sess1.Free()
	if sess1 = p2.Client.Session(); sess1 == nil {
		t.Fatal("SSL_get1_session(clientssl2) = NULL")
	}
	shutdownConn(p2)

	reset()
	p2 = objects(t, sctx, cctx)
	must(t, connect(p2))
	sess2 := p2.Client.Session()
	if sess2 == nil {
		t.Fatal("SSL_get1_session(clientssl2) = NULL")
	}
	defer func() { sess2.Free() }()
	counts("third connection", numNewSessTick, 0)

	// This clears sess2 from the cache: it is a "bad" session (see the
	// SSL_set_session manual).
	reset()
	must(t, p2.Client.SetSession(sess1))
	counts("SSL_set_session over an open session", 0, 1)
	if !p2.Client.SessionIs(sess1) {
		t.Fatal("SSL_get_session(clientssl2) != sess1")
	}
	if useInt {
		// Not in the cache any more: add succeeds, and so does remove.
		if err := cctx.AddSession(sess2); err != nil {
			t.Errorf("SSL_CTX_add_session(cctx, sess2): %v; it should not be cached", err)
		}
		if !cctx.RemoveSession(sess2) {
			t.Error("SSL_CTX_remove_session(cctx, sess2) = 0 after adding it")
		}
	}
	reset()
	// Not in the cache, so removing fails.
	if cctx.RemoveSession(sess2) {
		t.Error("SSL_CTX_remove_session(cctx, sess2) = 1; it should not be cached")
	}
	counts("SSL_CTX_remove_session of an uncached session", 0, 1)

	// Force a connection failure: mismatched protocol versions.
	reset()
	must(t, sctx.SetMaxProtoVersion(libssl.TLS1_1))
	p3 := objects(t, sctx, cctx)
	must(t, p3.Client.SetSession(sess1))
	if err := connect(p3); err == nil {
		t.Fatal("connection with server max TLS 1.1 succeeded")
	}
	// The failed connection removed its session from the cache.
	counts("failed connection", 0, 1)
	if useInt {
		// sess2 is not there either, so adding it succeeds.
		if err := cctx.AddSession(sess2); err != nil {
			t.Errorf("SSL_CTX_add_session(cctx, sess2) after the failed connection: %v", err)
		}
	}

	// Now the server side. Internal caching is the default there.
	if useExt {
		must(t, cctx.SetSessionCallbacks(nil, nil))
		must(t, sctx.SetSessionCallbacks(newCB, removeCB))
		must(t, sctx.SetSessionGetCallback(getCB))
		getSessVal = nil
	}
	must(t, cctx.SetSessionCacheMode(libssl.SessCacheOff))
	if !useInt {
		must(t, sctx.SetSessionCacheMode(libssl.SessCacheServer|libssl.SessCacheNoInternalStore))
	}
	p1.Free()
	p2.Free()
	sess1.Free()
	sess2.Free()

	must(t, sctx.SetMaxProtoVersion(maxprot))
	if maxprot == libssl.TLS1_2 {
		must(t, sctx.SetOptions(libssl.OpNoTicket))
	}
	reset()
	p1 = objects(t, sctx, cctx)
	must(t, connect(p1))
	if sess1 = p1.Client.Session(); sess1 == nil {
		t.Fatal("SSL_get1_session(clientssl1) = NULL")
	}
	if sess2 = p1.Server.Session(); sess2 == nil {
		t.Fatal("SSL_get1_session(serverssl1) = NULL")
	}
	if useInt {
		if maxprot == libssl.TLS1_3 && !useExt {
			// A TLS 1.3 server does not add the session to its internal
			// cache, unless there is an external cache too.
			if sctx.RemoveSession(sess2) {
				t.Error("SSL_CTX_remove_session(sctx, sess2) = 1; a TLS 1.3 server session should not be cached")
			}
		} else if err := sctx.AddSession(sess2); err == nil {
			t.Error("SSL_CTX_add_session(sctx, sess2) succeeded; the server should have cached it")
		}
	}
	if useExt {
		counts("server's first connection", numNewSessTick, 0)
		if getCalled != 0 {
			t.Errorf("server's first connection: get-session callback ran %d times, want 0", getCalled)
		}
		// Delete the session from the internal cache to force a lookup
		// from the external cache; copy it first, as
		// SSL_CTX_remove_session also marks it non-resumable.
		if useInt && maxprot != libssl.TLS1_3 {
			tmp, err := sess2.Dup()
			must(t, err)
			if !sctx.RemoveSession(sess2) {
				t.Fatal("SSL_CTX_remove_session(sctx, sess2) = 0")
			}
			sess2.Free()
			sess2 = tmp
		}
	}

	reset()
	getSessVal = sess2
	p2 = objects(t, sctx, cctx)
	must(t, p2.Client.SetSession(sess1))
	must(t, connect(p2))
	if !p2.Client.SessionReused() {
		t.Error("SSL_session_reused(clientssl2) = 0 on the server-cache resumption")
	}
	if useExt {
		wantNew, wantGet := 0, 1
		if maxprot == libssl.TLS1_3 {
			wantNew, wantGet = 1, 0
		}
		counts("server-cache resumption", wantNew, 0)
		if getCalled != wantGet {
			t.Errorf("server-cache resumption: get-session callback ran %d times, want %d", getCalled, wantGet)
		}
	}
	p1.Free()
	p2.Free()
	p3.Free()
}

// test_session_with_only_int_cache.
func TestSessionWithOnlyIntCache(t *testing.T) {
	for _, v := range versions {
		t.Run(v.String(), func(t *testing.T) { sessionTest(t, v, true, false, 0) })
	}
}

// test_session_with_only_ext_cache. It runs in a child process (isolated),
// so that a crash in the session callbacks fails this test and not the
// whole package.
func TestSessionWithOnlyExtCache(t *testing.T) {
	if isolated(t) {
		return
	}
	for _, v := range versions {
		t.Run(v.String(), func(t *testing.T) { sessionTest(t, v, false, true, 0) })
	}
}

// test_session_with_both_cache, in a child process as above.
func TestSessionWithBothCache(t *testing.T) {
	if isolated(t) {
		return
	}
	for _, v := range versions {
		t.Run(v.String(), func(t *testing.T) { sessionTest(t, v, true, true, 0) })
	}
}

// test_session_wo_ca_names: the internal-cache test with
// SSL_OP_DISABLE_TLSEXT_CA_NAMES on the server. That option exists since
// 3.0; on 1.1.1 the constant is 0, and the same steps run with the CA names
// sent, as 1.1.1 always sends them.
func TestSessionWithoutCANames(t *testing.T) {
	if (opDisableTLSExtCANames == 0) == is3() {
		t.Fatalf("SSL_OP_DISABLE_TLSEXT_CA_NAMES is %#x against %s", uint64(opDisableTLSExtCANames), libssl.RuntimeVersionText())
	}
	for _, v := range versions {
		t.Run(v.String(), func(t *testing.T) { sessionTest(t, v, true, false, opDisableTLSExtCANames) })
	}
}

// test_session_timeout: sessions in a context's cache expire in the order of
// their expiry time; SSL_CTX_flush_sessions(t) removes those expired at t
// and keeps the rest, and t = 0 removes all. As in C, three sessions are
// added to a fresh context, then given times now-10, now and now+10
// (SSL_SESSION_set_time) and a 10 s timeout (SSL_SESSION_set_timeout) while
// cached. The Go API lacks SSL_SESSION_new, so the sessions come from TLS 1.2
// handshakes (each with its own session id); C's internal list pointers are
// read as SSL_CTX_sess_number. C's last step (SSL_SESS_CACHE_UPDATE_TIME, a
// 3.0 mode the Go API does not name) is not run.
func TestSessionTimeout(t *testing.T) {
	noLeaks(t)
	sctx, cctx := ctxPair(t, libssl.TLS1_2, libssl.TLS1_2)
	// Session ids, not tickets: each session has its own id in the cache.
	must(t, sctx.SetOptions(libssl.OpNoTicket))
	var sessions [3]*libssl.Session
	for i := range sessions {
		p := objects(t, sctx, cctx)
		must(t, connect(p))
		sessions[i] = p.Client.Session()
		if sessions[i] == nil {
			t.Fatal("no client session")
		}
		defer sessions[i].Free()
		shutdownConn(p)
	}
	early, middle, late := sessions[0], sessions[1], sessions[2]

	ctx, err := libssl.NewCtx(libssl.TLSMethod)
	must(t, err)
	defer ctx.Free()
	now := time.Unix(time.Now().Unix(), 0)
	add := func() {
		t.Helper()
		for i, s := range sessions {
			if err := ctx.AddSession(s); err != nil {
				t.Fatalf("SSL_CTX_add_session(session %d): %v", i, err)
			}
		}
		if n := ctx.CachedSessions(); n != 3 {
			t.Fatalf("%d sessions cached after adding 3", n)
		}
	}
	flush := func(at time.Time, want int) {
		t.Helper()
		must(t, ctx.FlushSessions(at))
		if n := ctx.CachedSessions(); n != want {
			t.Errorf("after SSL_CTX_flush_sessions(now%+d): %d sessions cached, want %d", at.Unix()-now.Unix(), n, want)
		}
	}
	add()
	const timeout = 10 * time.Second
	for i, s := range []*libssl.Session{early, middle, late} {
		must(t, s.SetTime(now.Add(time.Duration(i-1)*timeout)))
		must(t, s.SetTimeout(timeout))
	}
	// Still all there.
	if n := ctx.CachedSessions(); n != 3 {
		t.Fatalf("%d sessions cached after setting their times, want 3", n)
	}
	flush(now.Add(timeout-time.Second), 2)    // removes early
	flush(now.Add(timeout+time.Second), 1)    // removes middle
	flush(now.Add(timeout+11*time.Second), 0) // removes late
	add()
	flush(time.Unix(0, 0), 0) // t = 0 removes all of them
}
