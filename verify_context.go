package libssl

// This file: VerifyContext, the X509_STORE_CTX that libssl hands a verify
// callback (SSL_CTX_set_verify) or a certificate-verify callback
// (SSL_CTX_set_cert_verify_callback), valid only during the call; and the
// decoder of the DER lists the C side encodes (ls_der_list).

/*
#include "shim.h"
*/
import "C"

import (
	"errors"
	"sync"
)

// VerifyContext is the X509_STORE_CTX of a VerifyCallback or a
// CertVerifyCallback. It is valid only while its callback runs: afterwards
// (and on a nil one) every method returns ErrVerifyContextDone.
type VerifyContext struct {
	mu    sync.Mutex
	store *C.X509_STORE_CTX // nil once the callback returned
	chain bool              // a CertVerifyCallback's: the whole chain, before X509_verify_cert
}

// ErrVerifyContextDone is returned by a VerifyContext used after the
// callback it was given to has returned (or a nil one). It also matches
// ErrFreed: the X509_STORE_CTX behind it is gone.
var ErrVerifyContextDone error = &sentinel{msg: "libssl: VerifyContext used after its verify callback returned", wrap: ErrFreed}

// ErrVerifyInVerifyCallback is returned by VerifyContext.Verify in a
// VerifyCallback: libssl runs that callback from inside X509_verify_cert,
// which cannot run again on the same X509_STORE_CTX.
var ErrVerifyInVerifyCallback = errors.New("libssl: VerifyContext.Verify called in a verify callback (X509_verify_cert is already running); it is for a CertVerifyCallback")

// X509VErrApplicationVerification is X509_V_ERR_APPLICATION_VERIFICATION,
// the store error for a chain an application rejected.
const X509VErrApplicationVerification = int(C.X509_V_ERR_APPLICATION_VERIFICATION)

// openVerifyContext makes the context for the callback that receives x;
// close ends it.
func openVerifyContext(x *C.X509_STORE_CTX, chain bool) *VerifyContext {
	return &VerifyContext{store: x, chain: chain}
}

func (v *VerifyContext) close() {
	v.mu.Lock()
	v.store = nil
	v.mu.Unlock()
}

func (v *VerifyContext) with(f func(x *C.X509_STORE_CTX) error) error {
	if v == nil {
		return ErrVerifyContextDone
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.store == nil {
		return ErrVerifyContextDone
	}
	return f(v.store)
}

// Depth returns the depth in the chain of the certificate being verified,
// 0 for the leaf (X509_STORE_CTX_get_error_depth). In a CertVerifyCallback
// it is meaningful after Verify (the depth of the error, if any).
func (v *VerifyContext) Depth() (int, error) {
	d := 0
	err := v.with(func(x *C.X509_STORE_CTX) error { d = int(c_X509_STORE_CTX_get_error_depth(x)); return nil })
	return d, err
}

// ErrorCode returns the store's error (X509_STORE_CTX_get_error): an
// X509_V_* code, X509_V_OK (0) when there is none. In a VerifyCallback it
// is the error of the certificate at Depth.
func (v *VerifyContext) ErrorCode() (int, error) {
	e := 0
	err := v.with(func(x *C.X509_STORE_CTX) error { e = int(c_X509_STORE_CTX_get_error(x)); return nil })
	return e, err
}

// SetErrorCode sets the store's error (X509_STORE_CTX_set_error), which
// libssl reports as the SSL's verify result and maps to the alert it sends.
func (v *VerifyContext) SetErrorCode(code int) error {
	return v.with(func(x *C.X509_STORE_CTX) error { c_store_ctx_set_error(x, C.int(code)); return nil })
}

// Certificate returns the certificate being verified
// (X509_STORE_CTX_get_current_cert), up-ref'd into an owned handle; nil
// when there is none (in a CertVerifyCallback, before Verify).
func (v *VerifyContext) Certificate() (*X509, error) {
	var out *X509
	err := v.with(func(x *C.X509_STORE_CTX) error {
		var c *C.X509
		if err := c_store_ctx_get1_current_cert(x, &c); err != nil {
			return err
		}
		if c != nil {
			out = wrapX509(c)
		}
		return nil
	})
	return out, err
}

// Verify runs libssl's verification of the chain (X509_verify_cert), with
// the SSL's verify mode, verify callback and trust store, and reports its
// verdict. It is for a CertVerifyCallback: in a VerifyCallback it returns
// ErrVerifyInVerifyCallback. err is otherwise not nil only when v is no
// longer valid.
func (v *VerifyContext) Verify() (ok bool, err error) {
	err = v.with(func(x *C.X509_STORE_CTX) error {
		if !v.chain {
			return ErrVerifyInVerifyCallback
		}
		ok = c_store_ctx_verify(x) == nil
		return nil
	})
	return ok, err
}

// PeerChainDER returns the certificates the peer sent, leaf first, as DER
// (X509_STORE_CTX_get0_cert and X509_STORE_CTX_get0_untrusted, which
// libssl fills with the peer's chain). The copies are the caller's.
func (v *VerifyContext) PeerChainDER() ([][]byte, error) { return v.certs(0) }

// VerifiedChainDER returns the chain X509_verify_cert built, leaf first and
// ending at the trust anchor (X509_STORE_CTX_get0_chain), as DER: nil in a
// CertVerifyCallback before Verify; in a VerifyCallback, the chain built so
// far. The copies are the caller's.
func (v *VerifyContext) VerifiedChainDER() ([][]byte, error) { return v.certs(1) }

func (v *VerifyContext) certs(which int) (out [][]byte, err error) {
	err = v.with(func(x *C.X509_STORE_CTX) error {
		if which == 0 {
			// The untrusted stack holds the leaf first on both roles
			// (ssl_verify_cert_chain); without one, the leaf alone.
			out, err = derList(func(b *C.uchar, n C.int) (int, error) { return c_store_ctx_certs_der(x, 0, b, n) })
			if err == nil && len(out) == 0 {
				out, err = derList(func(b *C.uchar, n C.int) (int, error) { return c_store_ctx_certs_der(x, 2, b, n) })
			}
			return err
		}
		out, err = derList(func(b *C.uchar, n C.int) (int, error) { return c_store_ctx_certs_der(x, C.int(which), b, n) })
		return err
	})
	return out, err
}

// derList decodes what a C helper writes with ls_der_list (each item's DER
// after its length as 4 big-endian bytes): it calls get for the length,
// then for the items, again when the list changed between the two calls.
func derList(get func(*C.uchar, C.int) (int, error)) ([][]byte, error) {
	for {
		n, err := get(nil, 0)
		if err != nil || n == 0 {
			return nil, err
		}
		buf := make([]byte, n)
		m, err := get(bytesPtr(buf), C.int(n))
		if err != nil {
			return nil, err
		}
		if m != n {
			continue
		}
		var out [][]byte
		for len(buf) >= 4 {
			l := int(buf[0])<<24 | int(buf[1])<<16 | int(buf[2])<<8 | int(buf[3])
			buf = buf[4:]
			if l > len(buf) {
				return nil, &Error{Op: "i2d", internal: "bad length"}
			}
			out = append(out, buf[:l:l])
			buf = buf[l:]
		}
		return out, nil
	}
}

// SSLErrorWantRetryVerify is SSL_ERROR_WANT_RETRY_VERIFY (OpenSSL 3.0 and
// later; 1.1.1's headers lack the name, hence the number): a handshake step
// stopped because a verify callback asked for a retry (SetRetryVerify).
const SSLErrorWantRetryVerify SSLErrorCode = 12

// ErrWantRetryVerify matches (errors.Is) the *Error of a handshake step that
// stopped with SSL_ERROR_WANT_RETRY_VERIFY: a verify callback called
// VerifyContext.SetRetryVerify. Call the step again to run the verification
// again.
var ErrWantRetryVerify error = &sentinel{msg: "libssl: SSL_ERROR_WANT_RETRY_VERIFY"}

// SetRetryVerify asks libssl to suspend the handshake after this
// verification (SSL_set_retry_verify on the SSL whose chain is verified).
// It is meant for a client: libssl acts on it only while it processes the
// server's certificate (3.0 accepts the call on a server too, to no
// effect the man page promises). The callback then returns true,
// as C's returns 1: the handshake step returns an *Error matching
// ErrWantRetryVerify, and the next step runs the verification again, from
// the start, with the callback. On a context whose callback has returned
// it gives ErrVerifyContextDone; on OpenSSL 1.1.1, which lacks the
// function, ErrUnsupported.
func (v *VerifyContext) SetRetryVerify() error {
	return v.with(func(x *C.X509_STORE_CTX) error {
		return c_store_ctx_retry_verify(x)
	})
}
