package conformance

import (
	libssl "github.com/libssl-go/libssl"
)

const pageSetSession = "SSL_set_session(3)"

func init() {
	register(
		Check{
			ID:      "C30",
			Claim:   "With session tickets (the TLS 1.2 and TLS 1.3 default) the server cache is never populated; a server-side SSL_clear of an open SSL NULLs its session but the client still resumes.",
			Short:   "tickets: server cache empty, server clear harmless",
			Page:    pageClear,
			Outcome: "cache 0→0, server session NULL, reused 1 (both versions)",
			run:     checkC30,
		},
		Check{
			ID:      "C31",
			Claim:   "TLS 1.3 with server SSL_OP_NO_TICKET: one cache entry per ticket; SSL_clear of the open server removes only the current one, and the client's latest ticket no longer resumes.",
			Short:   "TLS 1.3 stateful tickets: clear drops the current one",
			Page:    pageClear,
			Outcome: "cache 2→1, reused 0",
			run:     checkC31,
		},
		Check{
			ID:      "C32",
			Claim:   "SSL_free without SSL_shutdown treats the session as bad: the TLS 1.2 stateful server cache goes 1→0 and the client's held session becomes non-resumable; after SSL_shutdown both stay.",
			Short:   "SSL_free of an open connection invalidates the session",
			Page:    pageClear,
			Outcome: "no shutdown: cache 1→0, not resumable; shutdown: cache 1→1, resumable",
			run:     checkC32,
		},
		Check{
			ID:      "C33",
			Claim:   "SSL_set_session takes its own reference; SSL_get1_session returns the same object with a reference that outlives SSL_free.",
			Short:   "SSL_set_session takes a reference; get1 outlives SSL_free",
			Page:    pageSetSession,
			Outcome: "alive after app free and after SSL_free; destroyed on the last free",
			run:     checkC33,
		},
		Check{
			ID:      "C34",
			Claim:   "SSL_set_session(s, NULL) returns 1, also on a fresh SSL, clears the session and releases the SSL's reference.",
			Short:   "SSL_set_session(NULL) releases the session",
			Page:    pageSetSession,
			Outcome: "1; released",
			run:     checkC34,
		},
		Check{
			ID:      "C35",
			Claim:   "Resumption: with TLS 1.2 reused=1 and SSL_get_session is the set object; with TLS 1.3 reused=1 and the set object is current until the tickets are read, then a different resumable object is.",
			Short:   "resumption keeps or replaces the set session",
			Page:    pageSetSession,
			Outcome: "TLS 1.2: reused, same object; TLS 1.3: reused, same until tickets, then a new resumable one",
			run:     checkC35,
		},
		Check{
			ID:      "C37",
			Claim:   "SSL_set_session on an open connection removes the old session from the cache and marks it non-resumable (server SSL_set_session(s, NULL); client SSL_set_session(c, other)).",
			Short:   "SSL_set_session on an open connection drops the old session",
			Page:    pageSetSession,
			Outcome: "server cache 2→1, old sessions not resumable",
			run:     checkC37,
		},
		Check{
			ID:      "C39",
			Claim:   "SSL_set_session does not check the session's origin: a session from client context A (sid_ctx \"A\") is accepted by an SSL from context B, and the handshake then fails with SSL_R_ATTEMPT_TO_REUSE_SESSION_IN_DIFFERENT_CONTEXT (272), in TLS 1.2 and 1.3.",
			Short:   "SSL_set_session accepts a foreign session; handshake fails",
			Page:    pageSetSession,
			Outcome: "returns 1; handshake fails with reason 272 (both versions)",
			run:     checkC39,
		},
		Check{
			ID:      "C40",
			Claim:   "A TLS 1.3 client's session right after the handshake (before NewSessionTicket) is not resumable, and after SSL_read a new resumable object replaces it; a TLS 1.2 session is resumable at once.",
			Short:   "TLS 1.3 session resumable only after the ticket",
			Page:    pageSetSession,
			Outcome: "TLS 1.3: 0, then a new object, resumable; TLS 1.2: 1",
			run:     checkC40,
		},
	)
}

func checkC30(e *env) {
	for _, v := range versions() {
		n := vname(v)
		sctx := serverCtx(e, ctxConfig{version: v})
		cctx := clientCtx(e, ctxConfig{version: v})
		e.expect(n+"cache_before", sctx.CachedSessions(), 0)
		p := connect(e, cctx, sctx, v == libssl.TLS1_3)
		e.expect(n+"cache_after_handshake", sctx.CachedSessions(), 0)
		cs := session(e, p.Client)
		e.must("SSL_clear(server)", p.Server.Clear())
		e.expect(n+"server_session_null", !p.Server.HasSession(), true)
		e.expect(n+"cache_after_clear", sctx.CachedSessions(), 0)
		closeClient(e, p)
		p.Free()
		e.expect(n+"client_session_resumable", cs.IsResumable(), true)
		e.expect(n+"reused", resumes(e, cctx, sctx, cs), true)
	}
}

func checkC31(e *env) {
	v := libssl.TLS1_3
	sctx := serverCtx(e, ctxConfig{version: v, noTicket: true})
	cctx := clientCtx(e, ctxConfig{version: v})
	p := connect(e, cctx, sctx, true)
	e.expect("cache_after_handshake", sctx.CachedSessions(), 2)
	cs := session(e, p.Client)
	e.must("SSL_clear(server)", p.Server.Clear())
	e.expect("cache_after_clear", sctx.CachedSessions(), 1)
	closeClient(e, p)
	p.Free()
	e.expect("client_session_resumable", cs.IsResumable(), true)
	e.expect("reused", resumes(e, cctx, sctx, cs), false)
}

func checkC32(e *env) {
	v := libssl.TLS1_2
	for _, shutdown := range []bool{false, true} {
		n := "no_shutdown_"
		if shutdown {
			n = "shutdown_"
		}
		sctx := serverCtx(e, ctxConfig{version: v, noTicket: true})
		cctx := clientCtx(e, ctxConfig{version: v})
		p := connect(e, cctx, sctx, false)
		e.expect(n+"cache_after_handshake", sctx.CachedSessions(), 1)
		cs := session(e, p.Client)
		if shutdown {
			e.must("shutdown", p.Shutdown())
		}
		p.Free()
		e.expect(n+"cache_after_free", sctx.CachedSessions(), btoi(shutdown))
		e.expect(n+"client_session_resumable", cs.IsResumable(), shutdown)
	}
}

func checkC33(e *env) {
	sess := isolatedSession(e, libssl.TLS1_2)
	e.expect("session_live_start", e.delta().Session, 1)
	ctx := newCtx(e, libssl.TLSClientMethod)
	c := newSSL(e, ctx)
	e.expect("set_ret", c.SetSession(sess) == nil, true)
	g := c.Session()
	if g == nil {
		e.fatalf("SSL_get1_session returned NULL after SSL_set_session")
	}
	own(e, g)
	e.expect("get1_same_object", g.SameObject(sess), true)
	sess.Free()
	e.expect("session_live_after_app_free", e.delta().Session, 1)
	c.Free()
	e.expect("session_live_after_ssl_free", e.delta().Session, 1)
	g.Free()
	e.expect("session_live_after_last_free", e.delta().Session, 0)
}

func checkC34(e *env) {
	ctx := newCtx(e, libssl.TLSClientMethod)
	f := newSSL(e, ctx)
	e.expect("fresh_set_null_ret", f.SetSession(nil) == nil, true)
	e.expect("fresh_session_null", !f.HasSession(), true)
	sess := isolatedSession(e, libssl.TLS1_2)
	e.must("SSL_set_session", f.SetSession(sess))
	sess.Free()
	e.expect("session_live_held_by_ssl", e.delta().Session, 1)
	e.expect("set_null_ret", f.SetSession(nil) == nil, true)
	e.expect("session_null", !f.HasSession(), true)
	e.expect("session_live_after_set_null", e.delta().Session, 0)
}

func checkC35(e *env) {
	for _, v := range versions() {
		n := vname(v)
		sctx := serverCtx(e, ctxConfig{version: v})
		cctx := clientCtx(e, ctxConfig{version: v})
		p := connect(e, cctx, sctx, v == libssl.TLS1_3)
		sess := session(e, p.Client)
		e.must("shutdown", p.Shutdown())
		p.Free()
		p = newPair(e, cctx, sctx)
		e.must("SSL_set_session", p.Client.SetSession(sess))
		e.must("handshake", p.Handshake())
		e.expect(n+"reused", p.Client.SessionReused(), true)
		e.expect(n+"session_is_set_object", p.Client.SessionIs(sess), true)
		if v == libssl.TLS1_3 {
			e.must("read tickets", p.ReadTickets())
			e.expect(n+"session_is_set_object_after_tickets", p.Client.SessionIs(sess), false)
			ns := session(e, p.Client)
			e.expect(n+"new_session_resumable", ns.IsResumable(), true)
		}
		p.Free()
	}
}

func checkC37(e *env) {
	v := libssl.TLS1_2
	sctx := serverCtx(e, ctxConfig{version: v, noTicket: true})
	cctx := clientCtx(e, ctxConfig{version: v})
	p1 := connect(e, cctx, sctx, false)
	p2 := connect(e, cctx, sctx, false)
	e.expect("cache_two_open", sctx.CachedSessions(), 2)

	// Server: SSL_set_session(s, NULL) on an open connection.
	ss := session(e, p1.Server)
	e.expect("server_set_null_ret", p1.Server.SetSession(nil) == nil, true)
	e.expect("cache_after_set_null", sctx.CachedSessions(), 1)
	e.expect("old_server_session_resumable", ss.IsResumable(), false)

	// Client: SSL_set_session(c, other) on an open connection.
	old := session(e, p2.Client)
	other := session(e, p1.Client)
	e.expect("other_resumable", other.IsResumable(), true)
	e.expect("client_set_other_ret", p2.Client.SetSession(other) == nil, true)
	e.expect("client_session_is_other", p2.Client.SessionIs(other), true)
	e.expect("old_client_session_resumable", old.IsResumable(), false)
}

func checkC39(e *env) {
	for _, v := range versions() {
		n := vname(v)
		sctx := serverCtx(e, ctxConfig{version: v})
		actx := clientCtx(e, ctxConfig{version: v, sidCtx: "A"})
		bctx := clientCtx(e, ctxConfig{version: v, sidCtx: "B"})
		p := connect(e, actx, sctx, v == libssl.TLS1_3)
		sess := session(e, p.Client)
		e.must("shutdown", p.Shutdown())
		p.Free()
		e.expect(n+"session_sid_ctx", string(sess.IDContext()), "A")
		p = newPair(e, bctx, sctx)
		e.expect(n+"set_ret", p.Client.SetSession(sess) == nil, true)
		err := p.Handshake()
		e.expect(n+"handshake_failed", err != nil, true)
		e.expect(n+"reason_272", hasReason(err, libssl.ReasonAttemptToReuseSessionInDifferentCtx) &&
			libssl.ReasonAttemptToReuseSessionInDifferentCtx == 272, true)
		p.Free()
	}
}

func checkC40(e *env) {
	for _, v := range versions() {
		n := vname(v)
		sctx := serverCtx(e, ctxConfig{version: v})
		cctx := clientCtx(e, ctxConfig{version: v})
		p := connect(e, cctx, sctx, false)
		sess := session(e, p.Client)
		e.expect(n+"resumable_after_handshake", sess.IsResumable(), v == libssl.TLS1_2)
		e.must("read tickets", p.ReadTickets())
		e.expect(n+"same_object_after_read", p.Client.SessionIs(sess), v == libssl.TLS1_2)
		ns := session(e, p.Client)
		e.expect(n+"resumable_after_read", ns.IsResumable(), true)
		p.Free()
	}
}
