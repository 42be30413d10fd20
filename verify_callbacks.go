package libssl

// This file: the verify callback (SSL_CTX_set_verify, SSL_set_verify) and
// the certificate-verify callback (SSL_CTX_set_cert_verify_callback), both
// given a VerifyContext.

/*
#include "shim.h"
*/
import "C"

import "runtime/cgo"

// VerifyCallback is called by libssl for each certificate of the peer's chain
// (SSL_CTX_set_verify / SSL_set_verify's callback), from inside
// X509_verify_cert. preverifyOK is libssl's verdict so far; the callback
// returns the verdict to keep. v describes the certificate (Depth,
// ErrorCode, Certificate) and is valid only during the call; its Verify
// returns ErrVerifyInVerifyCallback. A panic in the callback fails the
// verification and is raised again by the method (Handshake, Read, ...)
// that ran it.
type VerifyCallback func(preverifyOK bool, v *VerifyContext) bool

// CertVerifyCallback replaces libssl's verification of the peer's chain
// (SSL_CTX_set_cert_verify_callback): libssl calls it once per chain the
// peer sends, with the SSL (valid during the call only) and the chain's
// X509_STORE_CTX as a VerifyContext (valid during the call only). It
// returns the verdict: true accepts the chain. To run libssl's own
// verification (the verify mode, verify callback and trust store of the
// SSL), it calls v.Verify. On false, libssl fails the handshake with the
// alert the store's error maps to (set one with v.SetErrorCode;
// X509VErrApplicationVerification, the default, gives handshake_failure).
// A panic fails the verification and is raised again by the method that
// ran the handshake.
type CertVerifyCallback func(s *SSL, v *VerifyContext) bool

// SetVerify sets the verify mode and callback (SSL_set_verify) on this SSL
// only. As in libssl, a nil cb sets the mode and leaves the SSL's callback
// as it was (SSL_set_verify(s, mode, NULL) changes only the mode; unlike
// SSL_CTX_set_verify, it never removes a callback). The callback travels as
// a cgo.Handle in the SSL's box; SSL_dup copies it.
func (s *SSL) SetVerify(mode VerifyMode, cb VerifyCallback) error {
	return s.setCallback(cbVerify, cb, cb != nil, C.int(mode))
}

// SetVerify sets the verify mode and callback (SSL_CTX_set_verify). A nil
// cb leaves libssl's default verdicts in place. As in libssl, SSL objects
// made later (SSL_new) copy both; SSLs that exist already keep theirs.
func (c *Ctx) SetVerify(mode VerifyMode, cb VerifyCallback) error {
	return c.setCallback(cbVerify, cb, cb != nil, C.int(mode))
}

// SetCertVerifyCallback sets or, with nil, removes the context's
// certificate-verify callback (SSL_CTX_set_cert_verify_callback). As in
// libssl, a handshake uses the callback of the SSL's current context
// (after SSL_set_SSL_CTX, the new one's).
func (c *Ctx) SetCertVerifyCallback(cb CertVerifyCallback) error {
	return c.setCallback(cbCertVerify, cb, cb != nil, 0)
}

// VerifyCallbackFrom reports whether the SSL's verify callback is the one
// set on ctx, as C code compares SSL_get_verify_callback(s) with
// SSL_CTX_get_verify_callback(ctx). An SSL made from ctx shares its
// callback until either side changes it (SSL_CTX_set_verify on ctx, or
// SetVerify with a callback on the SSL); SSL_set_SSL_CTX and SSL_dup keep
// the SSL's. Go functions are not comparable, so identity is that of a
// SetVerify call: the same function set again on ctx is a new callback
// here, where C would see the same pointer. Two absent callbacks are equal,
// as two NULLs are. False on a freed or nil handle.
func (s *SSL) VerifyCallbackFrom(ctx *Ctx) bool {
	return get(s, false, func(p *C.SSL) bool {
		return get(ctx, false, func(c *C.SSL_CTX) bool {
			return c_ssl_verify_cb_from(p, c) == 1
		})
	})
}

//export libsslGoVerify
func libsslGoVerify(h C.uintptr_t, s *C.SSL, ok C.int, x *C.X509_STORE_CTX) (res C.int) {
	cb, _ := cgo.Handle(h).Value().(VerifyCallback)
	if cb == nil {
		return ok
	}
	v := openVerifyContext(x, false)
	defer func() {
		v.close()
		if p := recover(); p != nil {
			keepPanic(p)
			res = 0
		}
	}()
	if cb(ok != 0, v) {
		return 1
	}
	return 0
}

//export libsslGoCertVerify
func libsslGoCertVerify(h C.uintptr_t, s *C.SSL, x *C.X509_STORE_CTX) (res C.int) {
	cb, _ := cgo.Handle(h).Value().(CertVerifyCallback)
	if cb == nil {
		if c_store_ctx_verify(x) == nil {
			return 1
		}
		return 0
	}
	ssl := borrowedSSL(s)
	if ssl == nil {
		c_store_ctx_set_error(x, C.X509_V_ERR_OUT_OF_MEM)
		return 0
	}
	defer ssl.Free()
	v := openVerifyContext(x, true)
	defer func() {
		v.close()
		if p := recover(); p != nil {
			keepPanic(p)
			c_store_ctx_set_error(x, C.X509_V_ERR_APPLICATION_VERIFICATION)
			res = 0
		}
	}()
	if cb(ssl, v) {
		return 1
	}
	if c_X509_STORE_CTX_get_error(x) == C.X509_V_OK {
		c_store_ctx_set_error(x, C.X509_V_ERR_APPLICATION_VERIFICATION)
	}
	return 0
}
