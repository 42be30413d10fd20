package conformance

import (
	"slices"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/diag"
	"github.com/libssl-go/libssl/internal/testcerts"
)

func init() {
	register(
		Check{
			ID:      "C08",
			Claim:   "SSL_dup copies options, mode, min/max protocol version, read_ahead, max_cert_list, security level, shutdown flags and the SSL_METHOD; of the Settings, only the BIOs, SNI host name, quiet shutdown and number of tickets are not copied.",
			Short:   "SSL_dup copies the basic settings",
			Page:    pageNew,
			Outcome: "copied (min=max=0x303, seclevel 0); not copied: BIOs, SNI, quiet shutdown, num tickets",
			run:     checkC08,
		},
		Check{
			ID:      "C09",
			Claim:   "SSL_dup copies the verify mode, verify callback, verify depth, X509_VERIFY_PARAM flags and the info callback.",
			Short:   "SSL_dup copies verify settings and callbacks",
			Page:    pageNew,
			Outcome: "copied",
			run:     checkC09,
		},
		Check{
			ID:      "C10",
			Claim:   "SSL_dup copies an SSL-specific cipher list (same ciphers) and deep-copies the CA name list.",
			Short:   "SSL_dup copies cipher list, deep-copies CA list",
			Page:    pageNew,
			Outcome: "same 4 ciphers (not the context's); CA list of 1, other stack, equal name",
			run:     checkC10,
		},
		Check{
			ID:      "C11",
			Claim:   "SSL_dup copies ex_data values and calls each index's dup_func once.",
			Short:   "SSL_dup copies ex_data, one dup_func call",
			Page:    pageNew,
			Outcome: "copied; 1 call",
			run:     checkC11,
		},
		Check{
			ID:      "C12",
			Claim:   "Without a session, SSL_dup deep-copies the CERT: the copy has the same X509 and EVP_PKEY objects, but SSL_use_certificate on the copy does not affect the original.",
			Short:   "SSL_dup deep-copies the CERT",
			Page:    pageNew,
			Outcome: "same objects at first; independent afterwards",
			run:     checkC12,
		},
		Check{
			ID:      "C14",
			Claim:   "SSL_dup keeps the role and handshake function and copies the session-id context: a dup of a connect-state TLS_method SSL handshakes as a client, a dup of an accept-state server serves the original certificate and its sid_ctx.",
			Short:   "SSL_dup keeps role, handshake function, sid_ctx",
			Page:    pageNew,
			Outcome: "client dup handshakes; server dup serves the leaf with sid_ctx of length 7",
			run:     checkC14,
		},
		Check{
			ID:      "C15",
			Claim:   "SSL_dup after a finished handshake returns the same SSL with one more reference, for client and server.",
			Short:   "SSL_dup after the handshake: same object",
			Page:    pageNew,
			Outcome: "same pointer; two SSL_free needed",
			run:     checkC15,
		},
		Check{
			ID:      "C16",
			Claim:   "SSL_dup in the middle of a handshake (after the first SSL_do_handshake returned WANT_READ) returns the same SSL.",
			Short:   "SSL_dup mid-handshake: same object",
			Page:    pageNew,
			Outcome: "same pointer (in_init=1, in_before=0)",
			run:     checkC16,
		},
		Check{
			ID:      "C18",
			Claim:   "After SSL_shutdown and SSL_clear of a finished connection, SSL_dup makes a distinct SSL again, sharing the kept session.",
			Short:   "SSL_dup after shutdown+clear: distinct again",
			Page:    pageNew,
			Outcome: "distinct; same session",
			run:     checkC18,
		},
	)
}

func checkC08(e *env) {
	ctx := newCtx(e, libssl.TLSMethod)
	s := newSSL(e, ctx)
	opts := libssl.OpNoTicket | libssl.OpCipherServerPreference
	mode := libssl.ModeReleaseBuffers | libssl.ModeEnablePartialWrite
	bio, err := libssl.NewMemBIO()
	e.must("BIO_new", err)
	own(e, bio)
	e.must("SSL_set_ssl_method", s.SetMethod(libssl.TLSClientMethod))
	e.must("SSL_set_options", s.SetOptions(opts))
	e.must("SSL_set_mode", s.SetMode(mode))
	e.must("SSL_set_min_proto_version", s.SetMinProtoVersion(libssl.TLS1_2))
	e.must("SSL_set_max_proto_version", s.SetMaxProtoVersion(libssl.TLS1_2))
	e.must("SSL_set_read_ahead", s.SetReadAhead(true))
	e.must("SSL_set_max_cert_list", s.SetMaxCertList(12345))
	e.must("SSL_set_security_level", s.SetSecurityLevel(0))
	e.must("SSL_set_shutdown", s.SetShutdownState(libssl.SentShutdown))
	// Settings SSL_dup does not copy.
	e.must("SSL_set_tlsext_host_name", s.SetHostName("example.test"))
	e.must("SSL_set_quiet_shutdown", s.SetQuietShutdown(true))
	e.must("SSL_set_num_tickets", s.SetNumTickets(5))
	e.must("SSL_set_bio", s.SetBIO(bio, bio))

	d := dup(e, s)
	e.expect("dup_distinct", !d.SameObject(s), true)
	e.expect("method", d.Method(), libssl.TLSClientMethod)
	e.expect("options_has_set_bits", d.Options()&opts == opts, true)
	e.expect("options_equal", d.Options() == s.Options(), true)
	e.expect("mode_has_set_bits", d.Mode()&mode == mode, true)
	e.expect("mode_equal", d.Mode() == s.Mode(), true)
	e.expect("min_proto", d.MinProtoVersion(), libssl.TLS1_2)
	e.expect("max_proto", d.MaxProtoVersion(), libssl.TLS1_2)
	e.expect("read_ahead", d.ReadAhead(), true)
	e.expect("max_cert_list", d.MaxCertList(), 12345)
	e.expect("security_level", d.SecurityLevel(), 0)
	e.expect("shutdown", int(d.ShutdownState()), int(libssl.SentShutdown))
	e.expect("not_copied", settingsDiff(s.Settings(), d.Settings()), "HasRBIO,HasWBIO,NumTickets,QuietShutdown,ServerName")
}

func checkC09(e *env) {
	ctx := newCtx(e, libssl.TLSMethod)
	s := newSSL(e, ctx)
	mode := libssl.VerifyPeer | libssl.VerifyFailIfNoPeerCert
	flags := libssl.VFlagX509Strict | libssl.VFlagPartialChain
	e.must("SSL_set_verify", s.SetVerify(mode, func(ok bool, _ *libssl.VerifyContext) bool { return ok }))
	e.must("SSL_set_verify_depth", s.SetVerifyDepth(7))
	e.must("X509_VERIFY_PARAM_set_flags", s.SetVerifyParamFlags(flags))
	e.must("SSL_set_info_callback", s.SetInfoCallback(func(int, int) {}))
	d := dup(e, s)
	e.expect("dup_distinct", !d.SameObject(s), true)
	e.expect("verify_mode", int(d.VerifyMode()), int(mode))
	e.expect("verify_callback", d.HasVerifyCallback(), true)
	e.expect("verify_depth", d.VerifyDepth(), 7)
	e.expect("param_flags_has_set_bits", d.VerifyParamFlags()&flags == flags, true)
	e.expect("param_flags_equal", d.VerifyParamFlags() == s.VerifyParamFlags(), true)
	e.expect("info_callback", d.HasInfoCallback(), true)
}

func checkC10(e *env) {
	ctx := newCtx(e, libssl.TLSMethod)
	s := newSSL(e, ctx)
	e.must("SSL_set_cipher_list", s.SetCipherList("ECDHE-ECDSA-AES128-GCM-SHA256"))
	e.must("SSL_add1_to_CA_list", s.AddCAName(testcerts.Get().CACert))
	d := dup(e, s)
	orig, got := s.Ciphers(), d.Ciphers()
	e.expect("orig_ciphers", len(orig), 4)
	e.expect("dup_ciphers", len(got), 4)
	e.expect("dup_ciphers_equal", slices.Equal(orig, got), true)
	e.expect("dup_ciphers_not_ctx", !slices.Equal(got, ctx.Ciphers()), true)
	e.expect("dup_ca_count", len(d.CANames()), 1)
	e.expect("dup_ca_name", d.CANames(), []string{testcerts.Get().CAName})
	// A stack of its own: a name added to the duplicate's list
	// (SSL_add1_to_CA_list) does not appear in the original's.
	e.must("SSL_add1_to_CA_list(dup)", d.AddCAName(testcerts.Get().SelfCert))
	e.expect("dup_ca_other_stack", len(d.CANames()) == 2 && len(s.CANames()) == 1, true)
}

func checkC11(e *env) {
	ctx := newCtx(e, libssl.TLSMethod)
	s := newSSL(e, ctx)
	v := &struct{ n int }{42}
	e.must("SSL_set_ex_data", s.SetUserData(v))
	before := diag.ExDataDupCalls()
	d := dup(e, s)
	e.expect("dup_func_calls", diag.ExDataDupCalls()-before, int64(1))
	got, _ := d.UserData().(*struct{ n int })
	e.expect("dup_ex_data_same_value", got == v, true)
	e.expect("orig_ex_data_same_value", s.UserData() == any(v), true)
	// The duplicate holds the value in its own right: it is still there
	// after the original's SSL_free.
	s.Free()
	got, _ = d.UserData().(*struct{ n int })
	e.expect("dup_ex_data_after_orig_free", got == v, true)
}

func checkC12(e *env) {
	cs := testcerts.Get()
	ctx := serverCtxMethod(e, libssl.TLSMethod, ctxConfig{})
	s := newSSL(e, ctx)
	d := dup(e, s)
	ox, dx := own(e, s.Certificate()), own(e, d.Certificate())
	ok, dk := own(e, s.PrivateKey()), own(e, d.PrivateKey())
	e.expect("same_x509", ox != nil && ox.SameObject(dx), true)
	e.expect("same_pkey", ok != nil && ok.SameObject(dk), true)
	e.must("SSL_use_certificate(dup)", d.UseCertificatePEM(cs.SelfCert))
	e.must("SSL_use_PrivateKey(dup)", d.UsePrivateKeyPEM(cs.SelfKey))
	ox2, dx2 := own(e, s.Certificate()), own(e, d.Certificate())
	ok2, dk2 := own(e, s.PrivateKey()), own(e, d.PrivateKey())
	e.expect("orig_x509_unchanged", ox2.SameObject(ox), true)
	e.expect("orig_pkey_unchanged", ok2.SameObject(ok), true)
	e.expect("dup_x509_changed", dx2 != nil && !dx2.SameObject(ox), true)
	e.expect("dup_pkey_changed", dk2 != nil && !dk2.SameObject(ok), true)
}

func checkC14(e *env) {
	sctx := serverCtx(e, ctxConfig{})
	// A TLS_method client: dup after SSL_set_connect_state.
	gctx := clientCtxMethod(e, libssl.TLSMethod, ctxConfig{})
	c := newSSL(e, gctx)
	e.must("SSL_set_connect_state", c.SetConnectState())
	cd := dup(e, c)
	e.expect("client_dup_distinct", !cd.SameObject(c), true)
	e.expect("client_dup_is_server", cd.IsServer(), false)
	srv := newSSL(e, sctx)
	e.must("SSL_set_accept_state", srv.SetAcceptState())
	p := wrapPair(e, cd, srv)
	e.expect("client_dup_handshake_ok", p.Handshake() == nil, true)
	p.Free()

	// A TLS_method server with its own sid_ctx: dup after
	// SSL_set_accept_state.
	gsctx := serverCtxMethod(e, libssl.TLSMethod, ctxConfig{})
	s := newSSL(e, gsctx)
	e.must("SSL_set_session_id_context", s.SetSessionIDContext([]byte("sidctx7")))
	e.must("SSL_set_accept_state", s.SetAcceptState())
	sd := dup(e, s)
	e.expect("server_dup_distinct", !sd.SameObject(s), true)
	e.expect("server_dup_is_server", sd.IsServer(), true)
	cl := newSSL(e, clientCtx(e, ctxConfig{}))
	e.must("SSL_set_connect_state", cl.SetConnectState())
	p = wrapPair(e, cl, sd)
	e.expect("server_dup_handshake_ok", p.Handshake() == nil, true)
	peer := cl.PeerCertificate()
	if peer != nil {
		own(e, peer)
	}
	e.expect("peer_cert_is_leaf", peer != nil && peer.Equal(leafX509(e)), true)
	sess := sd.Session()
	if sess == nil {
		e.fatalf("server dup has no session after the handshake")
	}
	own(e, sess)
	e.expect("server_sid_ctx", string(sess.IDContext()), "sidctx7")
	e.expect("server_sid_ctx_len", len(sess.IDContext()), 7)
}

func checkC15(e *env) {
	sctx, cctx := serverCtx(e, ctxConfig{}), clientCtx(e, ctxConfig{})
	p := connect(e, cctx, sctx, false)
	cd := dup(e, p.Client)
	sd := dup(e, p.Server)
	e.expect("client_dup_same", cd.SameObject(p.Client), true)
	e.expect("server_dup_same", sd.SameObject(p.Server), true)
	e.expect("ssl_live_after_dups", e.delta().SSL, 2)
	p.Free()
	e.expect("ssl_live_after_first_frees", e.delta().SSL, 2)
	cd.Free()
	sd.Free()
	e.expect("ssl_live_after_second_frees", e.delta().SSL, 0)
}

func checkC16(e *env) {
	sctx, cctx := serverCtx(e, ctxConfig{}), clientCtx(e, ctxConfig{})
	p := newPair(e, cctx, sctx)
	err := p.Client.Handshake()
	e.expect("first_step_want_read", wantRead(err), true)
	e.expect("in_init", p.Client.InInit(), true)
	e.expect("in_before", p.Client.InBefore(), false)
	d := dup(e, p.Client)
	e.expect("dup_same", d.SameObject(p.Client), true)
	e.expect("ssl_live", e.delta().SSL, 2)
}

func checkC18(e *env) {
	sctx, cctx := serverCtx(e, ctxConfig{}), clientCtx(e, ctxConfig{})
	p := connect(e, cctx, sctx, true)
	e.must("shutdown", p.Shutdown())
	e.must("SSL_clear", p.Client.Clear())
	sess := session(e, p.Client)
	d := dup(e, p.Client)
	e.expect("dup_distinct", !d.SameObject(p.Client), true)
	e.expect("dup_shares_session", d.SessionIs(sess), true)
	e.expect("ssl_live", e.delta().SSL, 3)
}
