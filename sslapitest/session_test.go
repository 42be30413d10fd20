package sslapitest

import (
	"testing"
	"time"

	libssl "github.com/libssl-go/libssl"
)

// sessionTest is execute_test_session(maxprot, use_int_cache, use_ext_cache,
// s_options) for the internal cache: a client that caches sessions, a
// resumption, a session replaced by SSL_set_session, a failed connection
// that must drop its session from the cache, then the same on the server.
// The external-cache half needs the SSL_CTX_sess_set_*_cb callbacks.
func sessionTest(t *testing.T, maxprot libssl.ProtocolVersion, sOptions libssl.Options) {
	noLeaks(t)
	sctx, cctx := ctxPair(t, libssl.TLS1, 0)
	// Only the max protocol version, so that a connection can be made to
	// fail later.
	must(t, cctx.SetMinProtoVersion(maxprot))
	must(t, cctx.SetMaxProtoVersion(maxprot))
	must(t, cctx.SetSessionCacheMode(libssl.SessCacheClient))
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
	if err := cctx.AddSession(sess1); err == nil {
		t.Error("SSL_CTX_add_session(cctx, sess1) succeeded; the session should already be cached")
	}

	p2 := objects(t, sctx, cctx)
	must(t, p2.Client.SetSession(sess1))
	must(t, connect(p2))
	if !p2.Client.SessionReused() {
		t.Fatal("SSL_session_reused(clientssl2) = 0")
	}

	sess1.Free()
	if sess1 = p2.Client.Session(); sess1 == nil {
		t.Fatal("SSL_get1_session(clientssl2) = NULL")
	}
	shutdownConn(p2)

	p2 = objects(t, sctx, cctx)
	must(t, connect(p2))
	sess2 := p2.Client.Session()
	if sess2 == nil {
		t.Fatal("SSL_get1_session(clientssl2) = NULL")
	}
	defer func() { sess2.Free() }()

	// This clears sess2 from the cache: it is a "bad" session (see the
	// SSL_set_session manual).
	must(t, p2.Client.SetSession(sess1))
	if !p2.Client.SessionIs(sess1) {
		t.Fatal("SSL_get_session(clientssl2) != sess1")
	}
	// Not in the cache any more: add succeeds, and so does remove.
	if err := cctx.AddSession(sess2); err != nil {
		t.Errorf("SSL_CTX_add_session(cctx, sess2): %v; it should not be cached", err)
	}
	if !cctx.RemoveSession(sess2) {
		t.Error("SSL_CTX_remove_session(cctx, sess2) = 0 after adding it")
	}
	// Not in the cache, so removing fails.
	if cctx.RemoveSession(sess2) {
		t.Error("SSL_CTX_remove_session(cctx, sess2) = 1; it should not be cached")
	}

	// Force a connection failure: mismatched protocol versions.
	must(t, sctx.SetMaxProtoVersion(libssl.TLS1_1))
	p3 := objects(t, sctx, cctx)
	must(t, p3.Client.SetSession(sess1))
	if err := connect(p3); err == nil {
		t.Fatal("connection with server max TLS 1.1 succeeded")
	}
	// The failed connection removed its session from the cache, so adding
	// sess2 succeeds (it is not there either).
	if err := cctx.AddSession(sess2); err != nil {
		t.Errorf("SSL_CTX_add_session(cctx, sess2) after the failed connection: %v", err)
	}

	// Now the server side. Internal caching is the default there.
	must(t, cctx.SetSessionCacheMode(libssl.SessCacheOff))
	p1.Free()
	p2.Free()
	sess1.Free()
	sess2.Free()

	must(t, sctx.SetMaxProtoVersion(maxprot))
	if maxprot == libssl.TLS1_2 {
		must(t, sctx.SetOptions(libssl.OpNoTicket))
	}
	p1 = objects(t, sctx, cctx)
	must(t, connect(p1))
	if sess1 = p1.Client.Session(); sess1 == nil {
		t.Fatal("SSL_get1_session(clientssl1) = NULL")
	}
	if sess2 = p1.Server.Session(); sess2 == nil {
		t.Fatal("SSL_get1_session(serverssl1) = NULL")
	}
	if maxprot == libssl.TLS1_3 {
		// A TLS 1.3 server does not add the session to its internal cache
		// (without an external cache).
		if sctx.RemoveSession(sess2) {
			t.Error("SSL_CTX_remove_session(sctx, sess2) = 1; a TLS 1.3 server session should not be cached")
		}
	} else if err := sctx.AddSession(sess2); err == nil {
		t.Error("SSL_CTX_add_session(sctx, sess2) succeeded; the server should have cached it")
	}

	p2 = objects(t, sctx, cctx)
	must(t, p2.Client.SetSession(sess1))
	must(t, connect(p2))
	if !p2.Client.SessionReused() {
		t.Error("SSL_session_reused(clientssl2) = 0 on the server-cache resumption")
	}
	p1.Free()
	p2.Free()
	p3.Free()
}

// test_session_with_only_int_cache.
func TestSessionWithOnlyIntCache(t *testing.T) {
	for _, v := range versions {
		t.Run(v.String(), func(t *testing.T) { sessionTest(t, v, 0) })
	}
}

// test_session_wo_ca_names: the same with SSL_OP_DISABLE_TLSEXT_CA_NAMES on
// the server. That option exists since 3.0.
func TestSessionWithoutCANames(t *testing.T) {
	if opDisableTLSExtCANames == 0 {
		t.Skipf("SSL_OP_DISABLE_TLSEXT_CA_NAMES does not exist in %s (added in 3.0)", libssl.RuntimeVersionText())
	}
	for _, v := range versions {
		t.Run(v.String(), func(t *testing.T) { sessionTest(t, v, opDisableTLSExtCANames) })
	}
}

// test_session_timeout: sessions in a context's cache expire in the order of
// their expiry time; SSL_CTX_flush_sessions(t) removes those expired at t
// and keeps the rest, and t = 0 removes all. C makes three sessions with
// SSL_SESSION_new, gives them times now-10, now and now+10 with
// SSL_SESSION_set_time and a timeout of 10 s, and checks the cache's internal
// list pointers. The Go API lacks SSL_SESSION_new and SSL_SESSION_set_time/
// set_timeout, so the three sessions come from TLS 1.2 handshakes on a client
// context whose session timeout (SSL_CTX_set_timeout) is 10, 20 and 30 s, and
// membership is read from SSL_CTX_sess_number. C's last step
// (SSL_SESS_CACHE_UPDATE_TIME, 3.0) needs SSL_SESSION_set_time too.
func TestSessionTimeout(t *testing.T) {
	noLeaks(t)
	sctx, cctx := ctxPair(t, libssl.TLS1_2, libssl.TLS1_2)
	// Session ids, not tickets: each session has its own id in the cache.
	must(t, sctx.SetOptions(libssl.OpNoTicket))
	var sessions [3]*libssl.Session
	for i := range sessions {
		must(t, cctx.SetTimeout(time.Duration(10*(i+1))*time.Second))
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
	expiry := func(s *libssl.Session) time.Time { return s.Time().Add(s.Timeout()) }

	ctx, err := libssl.NewCtx(libssl.TLSMethod)
	must(t, err)
	defer ctx.Free()
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
			t.Errorf("after SSL_CTX_flush_sessions(%d): %d sessions cached, want %d", at.Unix(), n, want)
		}
	}
	add()
	// Each flush time lies 5 s past one session's expiry and well before the
	// next one's (the three were made within a second or so).
	flush(expiry(early).Add(5*time.Second), 2)  // removes early
	flush(expiry(middle).Add(5*time.Second), 1) // removes middle
	flush(expiry(late).Add(5*time.Second), 0)   // removes late
	add()
	flush(time.Unix(0, 0), 0) // t = 0 removes all of them
}
