package conformance

import (
	"slices"

	libssl "github.com/libssl-go/libssl"
)

const pageClear = "SSL_clear(3)"

func init() {
	register(
		Check{
			ID:      "C19",
			Claim:   "SSL_clear returns 1 (fresh or finished) and resets init_finished to 0, in_before to 1, the shutdown flags, session_reused and SSL_version (to 0x304) and the method (to the context's), and throws away buffered unread application data.",
			Short:   "SSL_clear resets the connection state",
			Page:    pageClear,
			Outcome: "1; finished 0, before 1, shutdown 0, reused 0, version 0x304, SSL_pending 6→0, method → ctx's",
			run:     checkC19,
		},
		Check{
			ID:      "C20",
			Claim:   "SSL_clear keeps the BIOs, options, verify settings, the SSL's own cipher list, SNI, ex_data, role and context; the cleared client handshakes again without SSL_set_connect_state.",
			Short:   "SSL_clear keeps the configuration",
			Page:    pageClear,
			Outcome: "kept; second handshake succeeds",
			run:     checkC20,
		},
		Check{
			ID:      "C22",
			Claim:   "TLS 1.2 stateful: SSL_clear of an open server SSL removes the session from the server cache, NULLs SSL_get_session, makes the session non-resumable, and the client cannot resume.",
			Short:   "server clear of an open session drops it (TLS 1.2 stateful)",
			Page:    pageClear,
			Outcome: "cache 1→0, NULL, not resumable, reused 0",
			run:     checkC22,
		},
		Check{
			ID:      "C23",
			Claim:   "TLS 1.2 stateful: after the server's SSL_shutdown, SSL_clear keeps the session cached and current and resumable, and the client resumes.",
			Short:   "server shutdown+clear keeps the session (TLS 1.2 stateful)",
			Page:    pageClear,
			Outcome: "cache 1→1, kept, resumable, reused 1",
			run:     checkC23,
		},
		Check{
			ID:      "C25",
			Claim:   "Client, TLS 1.2 and TLS 1.3: SSL_clear without SSL_shutdown drops the session and marks the application's copy non-resumable, so it cannot be resumed.",
			Short:   "client clear without shutdown invalidates the session",
			Page:    pageClear,
			Outcome: "SSL_get_session NULL; resumable 1→0; reused 0 (both versions)",
			run:     checkC25,
		},
		Check{
			ID:      "C26",
			Claim:   "Client, TLS 1.2 (session id) and TLS 1.3 (ticket): SSL_shutdown then SSL_clear keeps the same session and peer certificate, and reconnecting the same SSL resumes.",
			Short:   "client shutdown+clear keeps the session and resumes",
			Page:    pageClear,
			Outcome: "same session and peer cert; reused 1 (both versions)",
			run:     checkC26,
		},
		Check{
			ID:      "C27",
			Claim:   "A session that was set but not used yet, or whose handshake is in progress, is not open: SSL_clear without shutdown keeps it, still resumable.",
			Short:   "set-but-unused or mid-handshake session is not open",
			Page:    pageClear,
			Outcome: "kept and resumable in both cases",
			run:     checkC27,
		},
		Check{
			ID:      "C28",
			Claim:   "SSL_clear returns 0 with ERR_R_INTERNAL_ERROR while a TLS 1.2 renegotiation is pending, having already dropped and invalidated the open session, without resetting the state.",
			Short:   "SSL_clear fails while a renegotiation is pending",
			Page:    pageClear,
			Outcome: "0; session NULL and not resumable; init finished still 1",
			ByLine: []Expectation{
				{Line: Line111, Text: "0; reason 68 (ERR_R_INTERNAL_ERROR), func SSL_F_SSL_CLEAR (SSL_clear)",
					Values: map[string]string{"reason": "68", "func": "SSL_clear"}},
				{Line: Line3, Text: "0; reason 786691 (ERR_R_INTERNAL_ERROR with its flags), func SSL_clear",
					Values: map[string]string{"reason": "786691", "func": "SSL_clear"}},
				// 3.5 moved the reset into ossl_ssl_connection_reset, which
				// raises the error (measured on 3.5.7 in the trixie image).
				{Line: Line35, Text: "0; reason 786691 (ERR_R_INTERNAL_ERROR with its flags), func ossl_ssl_connection_reset",
					Values: map[string]string{"reason": "786691", "func": "ossl_ssl_connection_reset"}},
			},
			run: checkC28,
		},
	)
}

func checkC19(e *env) {
	// Fresh.
	ctx := newCtx(e, libssl.TLSMethod)
	f := newSSL(e, ctx)
	e.expect("fresh_clear_ret", f.Clear() == nil, true)

	// The method goes back to the context's.
	e.must("SSL_set_ssl_method", f.SetMethod(libssl.TLSClientMethod))
	e.expect("method_before_clear", f.Method(), libssl.TLSClientMethod)
	e.must("SSL_clear", f.Clear())
	e.expect("method_after_clear", f.Method(), libssl.TLSMethod)

	// Finished: a TLS 1.2 resumption with unread data and a sent
	// close_notify.
	v := libssl.TLS1_2
	sctx := serverCtx(e, ctxConfig{version: v, noTicket: true})
	cctx := clientCtx(e, ctxConfig{version: v})
	p := connect(e, cctx, sctx, false)
	sess := session(e, p.Client)
	e.must("shutdown", p.Shutdown())
	p.Free()
	p = newPair(e, cctx, sctx)
	e.must("SSL_set_session", p.Client.SetSession(sess))
	e.must("handshake", p.Handshake())
	_, err := p.Server.Write([]byte("1234567"))
	e.must("SSL_write", err)
	_, err = p.Pump()
	e.must("pump", err)
	var b [1]byte
	_, err = p.Client.Read(b[:])
	e.must("SSL_read", err)
	_, err = p.Client.Shutdown()
	e.must("SSL_shutdown", err)
	c := p.Client
	e.expect("init_finished_before", c.IsInitFinished(), true)
	e.expect("reused_before", c.SessionReused(), true)
	e.expect("version_before", c.Version(), v)
	e.expect("pending_before", c.Pending(), 6)
	e.expect("shutdown_before", int(c.ShutdownState()), int(libssl.SentShutdown))
	e.expect("finished_clear_ret", c.Clear() == nil, true)
	e.expect("init_finished_after", c.IsInitFinished(), false)
	e.expect("in_before_after", c.InBefore(), true)
	e.expect("shutdown_after", int(c.ShutdownState()), 0)
	e.expect("reused_after", c.SessionReused(), false)
	e.expect("version_after", c.Version(), libssl.TLS1_3)
	e.expect("pending_after", c.Pending(), 0)
}

func checkC20(e *env) {
	sctx, cctx := serverCtx(e, ctxConfig{}), clientCtx(e, ctxConfig{})
	p := newPair(e, cctx, sctx)
	c := p.Client
	v := &struct{ n int }{20}
	e.must("SSL_set_options", c.SetOptions(libssl.OpNoCompression|libssl.OpCipherServerPreference))
	e.must("SSL_set_verify_depth", c.SetVerifyDepth(5))
	e.must("SSL_set_cipher_list", c.SetCipherList("ECDHE-ECDSA-AES128-GCM-SHA256"))
	e.must("SSL_set_tlsext_host_name", c.SetHostName("localhost"))
	e.must("SSL_set_ex_data", c.SetUserData(v))
	rb, wb := own(e, c.RBIO()), own(e, c.WBIO())
	before := c.Settings()
	e.must("handshake", p.Handshake())
	e.must("shutdown", p.Shutdown())
	e.must("SSL_clear(client)", c.Clear())
	e.must("SSL_clear(server)", p.Server.Clear())
	after := c.Settings()
	rb2, wb2 := own(e, c.RBIO()), own(e, c.WBIO())
	cc := own(e, c.Ctx())
	e.expect("rbio_kept", rb2.SameObject(rb), true)
	e.expect("wbio_kept", wb2.SameObject(wb), true)
	e.expect("options_kept", after.Options == before.Options, true)
	e.expect("verify_kept", after.VerifyMode == libssl.VerifyPeer && after.VerifyDepth == 5 &&
		after.VerifyParamFlags == before.VerifyParamFlags, true)
	e.expect("ciphers_kept", slices.Equal(after.Ciphers, before.Ciphers) && len(after.Ciphers) == 4, true)
	e.expect("sni_kept", after.ServerName, "localhost")
	e.expect("ex_data_kept", c.UserData() == any(v), true)
	e.expect("client_role_kept", c.IsServer(), false)
	e.expect("server_role_kept", p.Server.IsServer(), true)
	e.expect("ctx_kept", cc.SameObject(cctx), true)
	e.expect("second_handshake_ok", p.Handshake() == nil, true)
}

func checkC22(e *env) { serverClear(e, false) }
func checkC23(e *env) { serverClear(e, true) }

// serverClear runs C22 (without shutdown) and C23 (with).
func serverClear(e *env, shutdown bool) {
	v := libssl.TLS1_2
	sctx := serverCtx(e, ctxConfig{version: v, noTicket: true})
	cctx := clientCtx(e, ctxConfig{version: v})
	p := connect(e, cctx, sctx, false)
	e.expect("cache_after_handshake", sctx.CachedSessions(), 1)
	ss := session(e, p.Server)
	cs := session(e, p.Client)
	if shutdown {
		_, err := p.Server.Shutdown()
		e.must("SSL_shutdown(server)", err)
	}
	e.must("SSL_clear(server)", p.Server.Clear())
	e.expect("cache_after_clear", sctx.CachedSessions(), btoi(shutdown))
	e.expect("server_session_kept", p.Server.SessionIs(ss), shutdown)
	e.expect("server_session_null", !p.Server.HasSession(), !shutdown)
	e.expect("session_resumable", ss.IsResumable(), shutdown)
	closeClient(e, p)
	p.Free()
	e.expect("client_session_resumable", cs.IsResumable(), true)
	e.expect("reused", resumes(e, cctx, sctx, cs), shutdown)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func checkC25(e *env) {
	for _, v := range versions() {
		n := vname(v)
		sctx := serverCtx(e, ctxConfig{version: v, noTicket: v == libssl.TLS1_2})
		cctx := clientCtx(e, ctxConfig{version: v})
		p := connect(e, cctx, sctx, v == libssl.TLS1_3)
		sess := session(e, p.Client)
		e.expect(n+"resumable_before", sess.IsResumable(), true)
		e.must("SSL_clear", p.Client.Clear())
		e.expect(n+"session_null", !p.Client.HasSession(), true)
		e.expect(n+"resumable_after", sess.IsResumable(), false)
		p.Free()
		e.expect(n+"reused", resumes(e, cctx, sctx, sess), false)
	}
}

func checkC26(e *env) {
	for _, v := range versions() {
		n := vname(v)
		// TLS 1.2 by session id (server cache), TLS 1.3 by ticket.
		sctx := serverCtx(e, ctxConfig{version: v, noTicket: v == libssl.TLS1_2})
		cctx := clientCtx(e, ctxConfig{version: v})
		p := connect(e, cctx, sctx, v == libssl.TLS1_3)
		sess := session(e, p.Client)
		e.must("shutdown", p.Shutdown())
		e.must("SSL_clear(client)", p.Client.Clear())
		e.expect(n+"same_session", p.Client.SessionIs(sess), true)
		peer := p.Client.PeerCertificate()
		if peer != nil {
			own(e, peer)
		}
		e.expect(n+"peer_cert_kept", peer != nil && peer.Equal(leafX509(e)), true)
		e.must("SSL_clear(server)", p.Server.Clear())
		e.must("rewire", p.Rewire())
		e.must("second handshake", p.Handshake())
		e.expect(n+"reused", p.Client.SessionReused(), true)
		p.Free()
	}
}

func checkC27(e *env) {
	v := libssl.TLS1_2
	sess := isolatedSession(e, v)
	sctx := serverCtx(e, ctxConfig{version: v})
	cctx := clientCtx(e, ctxConfig{version: v})

	// Set but unused.
	c := newSSL(e, cctx)
	e.must("SSL_set_session", c.SetSession(sess))
	e.must("SSL_clear", c.Clear())
	e.expect("unused_shutdown", int(c.ShutdownState()), 0)
	e.expect("unused_kept", c.SessionIs(sess), true)
	e.expect("unused_resumable", sess.IsResumable(), true)
	c.Free()

	// Handshake in progress.
	p := newPair(e, cctx, sctx)
	e.must("SSL_set_session", p.Client.SetSession(sess))
	e.expect("first_step_want_read", wantRead(p.Client.Handshake()), true)
	e.expect("in_init", p.Client.InInit(), true)
	e.must("SSL_clear", p.Client.Clear())
	e.expect("in_progress_kept", p.Client.SessionIs(sess), true)
	e.expect("in_progress_resumable", sess.IsResumable(), true)
}

func checkC28(e *env) {
	v := libssl.TLS1_2
	sctx := serverCtx(e, ctxConfig{version: v})
	cctx := clientCtx(e, ctxConfig{version: v})
	p := connect(e, cctx, sctx, false)
	sess := session(e, p.Client)
	e.must("SSL_renegotiate", p.Client.Renegotiate())
	e.expect("renegotiate_pending", p.Client.RenegotiatePending(), true)
	err := p.Client.Clear()
	e.expect("clear_ret", err == nil, false)
	if err != nil {
		last := lastError(e, err)
		e.expect("lib", last.Library, libssl.LibSSL)
		e.expectLine("reason", last.Reason)
		e.expectLine("func", last.Func)
	}
	e.expect("session_null", !p.Client.HasSession(), true)
	e.expect("session_resumable", sess.IsResumable(), false)
	e.expect("init_finished", p.Client.IsInitFinished(), true)
}
