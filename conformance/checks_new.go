package conformance

import (
	libssl "github.com/libssl-go/libssl"
)

const pageNew = "SSL_new(3)"

func init() {
	register(
		Check{
			ID:      "C01",
			Claim:   "SSL_new(NULL) returns NULL and queues ERR_LIB_SSL/SSL_R_NULL_SSL_CTX (195).",
			Short:   "SSL_new(NULL) fails with SSL_R_NULL_SSL_CTX",
			Page:    pageNew,
			Outcome: "NULL; ERR_LIB_SSL, reason 195",
			ByLine: []Expectation{
				{Line: Line111, Text: "NULL; err 0x140BA0C3 (func SSL_F_SSL_NEW = 186)",
					Values: map[string]string{"code": "0x140BA0C3", "func_code": "186"}},
				{Line: Line3, Text: "NULL; err 0x0A0000C3 (no function code)",
					Values: map[string]string{"code": "0x0A0000C3", "func_code": "0"}},
			},
			run: checkC01,
		},
		Check{
			ID:      "C02",
			Claim:   "SSL_new holds a reference on its SSL_CTX: the context outlives the application's SSL_CTX_free and is destroyed by SSL_free.",
			Short:   "SSL_new holds a reference on its SSL_CTX",
			Page:    pageNew,
			Outcome: "ctx alive after app SSL_CTX_free, SSL_get_SSL_CTX usable; destroyed on SSL_free",
			run:     checkC02,
		},
		Check{
			ID:      "C03",
			Claim:   "SSL_new takes a second (session-context) reference: after SSL_set_SSL_CTX(s, ctx2) the first context survives the application's free until SSL_free.",
			Short:   "SSL_new takes a second (session-ctx) reference",
			Page:    pageNew,
			Outcome: "ctx1 alive after SSL_set_SSL_CTX and app free; destroyed on SSL_free",
			run:     checkC03,
		},
		Check{
			ID:      "C05",
			Claim:   "A fresh SSL is in_before and in_init, not finished, has no session and no BIOs, uses the context's method, reports SSL_version 0x304, and SSL_is_server is 1 for TLS_method and 0 for TLS_client_method.",
			Short:   "fresh SSL state and getters",
			Page:    pageNew,
			Outcome: "in_before=1 in_init=1 finished=0 no session/BIOs, ctx method, version 0x304, is_server 1/0",
			run:     checkC05,
		},
		Check{
			ID:      "C06",
			Claim:   "SSL_up_ref returns 1 and each reference needs its own SSL_free; SSL_free(NULL) and SSL_SESSION_free(NULL) are no-ops.",
			Short:   "SSL_up_ref: one SSL_free per reference",
			Page:    pageNew,
			Outcome: "1; freed on the 2nd SSL_free; NULL frees do nothing",
			run:     checkC06,
		},
		Check{
			ID:      "C07",
			Claim:   "SSL_dup of a fresh SSL returns a distinct SSL on the same context, holding its own context references.",
			Short:   "SSL_dup of a fresh SSL is a distinct object",
			Page:    pageNew,
			Outcome: "distinct; ctx survives free of original and app ctx until the copy is freed",
			run:     checkC07,
		},
	)
}

func checkC01(e *env) {
	s, err := libssl.New(nil)
	if s != nil {
		own(e, s)
	}
	e.expect("ret_null", s == nil, true)
	if err == nil {
		e.fatalf("SSL_new(NULL) returned no error")
	}
	last := lastError(e, err)
	e.expect("lib", last.Library, libssl.LibSSL)
	e.expect("reason", last.Reason, 195)
	e.expectLine("code", hex(last.Code))
	// The function field of a 1.1.1 packed code (ERR_GET_FUNC); 3.x codes
	// have none, so the same bits read 0.
	e.expectLine("func_code", (last.Code>>12)&0xFFF)
}

func checkC02(e *env) {
	ctx := newCtx(e, libssl.TLSMethod)
	s := newSSL(e, ctx)
	ctx.Free()
	e.expect("ctx_live_after_app_free", e.delta().Ctx, 1)
	c := s.Ctx()
	if c != nil {
		own(e, c)
	}
	e.expect("get_ssl_ctx_usable", c != nil && c.Method() == libssl.TLSMethod, true)
	c.Free()
	s.Free()
	e.expect("ctx_live_after_ssl_free", e.delta().Ctx, 0)
}

func checkC03(e *env) {
	ctx1 := newCtx(e, libssl.TLSMethod)
	ctx2 := newCtx(e, libssl.TLSMethod)
	s := newSSL(e, ctx1)
	e.must("SSL_set_SSL_CTX", s.SetSSLCtx(ctx2))
	cur := own(e, s.Ctx())
	e.expect("ctx_is_ctx2", cur.SameObject(ctx2), true)
	cur.Free()
	ctx1.Free()
	ctx2.Free()
	// ctx2 lives through the SSL's ctx reference, ctx1 through the session
	// context reference SSL_new took.
	e.expect("ctx_live_after_app_frees", e.delta().Ctx, 2)
	s.Free()
	e.expect("ctx_live_after_ssl_free", e.delta().Ctx, 0)
}

func checkC05(e *env) {
	for _, m := range []struct {
		prefix string
		method libssl.Method
		server bool
	}{{"tls_", libssl.TLSMethod, true}, {"client_", libssl.TLSClientMethod, false}} {
		ctx := newCtx(e, m.method)
		s := newSSL(e, ctx)
		st := s.Settings()
		e.expect(m.prefix+"in_before", s.InBefore(), true)
		e.expect(m.prefix+"in_init", s.InInit(), true)
		e.expect(m.prefix+"init_finished", s.IsInitFinished(), false)
		e.expect(m.prefix+"has_session", s.HasSession(), false)
		e.expect(m.prefix+"has_rbio", st.HasRBIO, false)
		e.expect(m.prefix+"has_wbio", st.HasWBIO, false)
		e.expect(m.prefix+"method_is_ctx_method", s.Method() == ctx.Method() && s.Method() == m.method, true)
		e.expect(m.prefix+"version", s.Version(), libssl.TLS1_3)
		e.expect(m.prefix+"is_server", s.IsServer(), m.server)
		s.Free()
		ctx.Free()
	}
}

func checkC06(e *env) {
	ctx := newCtx(e, libssl.TLSMethod)
	s := newSSL(e, ctx)
	u, err := s.UpRef()
	if u != nil {
		own(e, u)
	}
	e.expect("up_ref_ok", err == nil && u != nil, true)
	e.expect("up_ref_same_object", u.SameObject(s), true)
	s.Free()
	e.expect("ssl_live_after_first_free", e.delta().SSL, 1)
	e.expect("usable_after_first_free", u.Version(), libssl.TLS1_3)
	u.Free()
	e.expect("ssl_live_after_second_free", e.delta().SSL, 0)
	before := e.delta()
	// SSL_free(NULL), SSL_CTX_free(NULL), SSL_SESSION_free(NULL): the Free
	// methods of nil handles make exactly those calls.
	var nilSSL *libssl.SSL
	var nilCtx *libssl.Ctx
	var nilSess *libssl.Session
	nilSSL.Free()
	nilCtx.Free()
	nilSess.Free()
	e.expect("free_null_noop", e.delta() == before, true)
}

func checkC07(e *env) {
	ctx := newCtx(e, libssl.TLSMethod)
	s := newSSL(e, ctx)
	d := dup(e, s)
	e.expect("dup_distinct", !d.SameObject(s), true)
	dc := own(e, d.Ctx())
	e.expect("dup_same_ctx", dc.SameObject(ctx), true)
	dc.Free()
	e.expect("ssl_live_after_dup", e.delta().SSL, 2)
	s.Free()
	ctx.Free()
	e.expect("ctx_live_after_orig_and_app_free", e.delta().Ctx, 1)
	d.Free()
	e.expect("ctx_live_after_dup_free", e.delta().Ctx, 0)
}
