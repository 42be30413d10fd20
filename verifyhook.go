package libssl

// This file: the certificate-verify callback
// (SSL_CTX_set_cert_verify_callback) and the certificate callback
// (SSL_CTX_set_cert_cb), whose Go values travel as cgo.Handle values in an
// SSL_CTX ex_data slot of shim_ctxhooks.c (the hook slot).

/*
#include "shim.h"
*/
import "C"

import (
	"runtime/cgo"
	"sync"
)

// CertVerifyCallback replaces libssl's verification of the peer's chain
// (SSL_CTX_set_cert_verify_callback): libssl calls it once per chain the
// peer sends, with the SSL (valid during the call only) and the chain's
// X509_STORE_CTX. It returns the verdict: true accepts the chain. To run
// libssl's own verification (the verify mode, verify callback and trust
// store of the SSL), it calls v.Verify. On false, libssl fails the
// handshake with the alert the store's error maps to (set one with
// v.SetError; X509_V_ERR_APPLICATION_VERIFICATION gives handshake_failure).
// A panic fails the verification and is raised again by the method that
// ran the handshake.
type CertVerifyCallback func(s *SSL, v *CertVerifyContext) bool

// CertVerifyContext is the X509_STORE_CTX of a CertVerifyCallback, valid
// during the call only: afterwards its methods return ErrVerifyContextDone.
type CertVerifyContext struct {
	mu    sync.Mutex
	store *C.X509_STORE_CTX
}

// X509VErrApplicationVerification is X509_V_ERR_APPLICATION_VERIFICATION,
// the store error for a chain an application rejected.
const X509VErrApplicationVerification = int(C.X509_V_ERR_APPLICATION_VERIFICATION)

func (v *CertVerifyContext) with(f func(x *C.X509_STORE_CTX) error) error {
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

// Verify runs libssl's verification of the chain (X509_verify_cert), with
// the SSL's verify callback, and reports its verdict. err is not nil only
// when v is no longer valid.
func (v *CertVerifyContext) Verify() (ok bool, err error) {
	err = v.with(func(x *C.X509_STORE_CTX) error {
		ok = c_store_ctx_verify(x) == nil
		return nil
	})
	return ok, err
}

// Error returns the store's error (X509_STORE_CTX_get_error), X509_V_OK (0)
// when there is none.
func (v *CertVerifyContext) Error() int {
	e := 0
	_ = v.with(func(x *C.X509_STORE_CTX) error { e = int(c_store_ctx_get_error(x)); return nil })
	return e
}

// SetError sets the store's error (X509_STORE_CTX_set_error), which libssl
// reports as the SSL's verify result and maps to the alert it sends.
func (v *CertVerifyContext) SetError(code int) error {
	return v.with(func(x *C.X509_STORE_CTX) error { c_store_ctx_set_error(x, C.int(code)); return nil })
}

// PeerChainDER returns the certificates the peer sent, leaf first, as DER
// (X509_STORE_CTX_get0_cert and X509_STORE_CTX_get0_untrusted, which
// libssl fills with the peer's chain). The copies are the caller's.
func (v *CertVerifyContext) PeerChainDER() ([][]byte, error) { return v.certs(0) }

// VerifiedChainDER returns the chain X509_verify_cert built, leaf first and
// ending at the trust anchor (X509_STORE_CTX_get0_chain), as DER: nil before
// Verify. The copies are the caller's.
func (v *CertVerifyContext) VerifiedChainDER() ([][]byte, error) { return v.certs(1) }

func (v *CertVerifyContext) certs(which int) (out [][]byte, err error) {
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

// derList calls get for the length, then for the 4-byte-length-prefixed
// DER items, and splits them.
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

// SetCertVerifyCallback sets or, with nil, removes the context's
// certificate-verify callback (SSL_CTX_set_cert_verify_callback). As in
// libssl, a handshake uses the callback of the SSL's current context
// (after SSL_set_SSL_CTX, the new one's). Set it before connections are
// made from the context.
func (c *Ctx) SetCertVerifyCallback(cb CertVerifyCallback) error {
	return c.setHook(C.LS_HOOK_CERT_VERIFY, cb)
}

// CertCallback is the certificate callback (SSL_CTX_set_cert_cb): on a
// server it runs after the ClientHello was processed (after the servername
// callback), on a client when the server asks for a certificate. It may set
// the SSL's certificate and key (SSL.UseCertificatePEM, UsePrivateKeyPEM,
// ...). Returning false fails the handshake with an internal_error alert.
// s is valid during the call only. A panic fails the handshake and is
// raised again by the method that ran it.
type CertCallback func(s *SSL) bool

// SetCertCallback sets or, with nil, removes the context's certificate
// callback (SSL_CTX_set_cert_cb). As in libssl, SSL_new copies it into the
// SSL, and SSL_set_SSL_CTX replaces it with the new context's. Set it
// before connections are made from the context.
func (c *Ctx) SetCertCallback(cb CertCallback) error {
	return c.setHook(C.LS_HOOK_CERT, cb)
}

func (c *Ctx) setHook(which C.int, v any) error {
	return use(c, func(p *C.SSL_CTX) error {
		var h C.uintptr_t
		switch f := v.(type) {
		case CertVerifyCallback:
			if f != nil {
				h = C.uintptr_t(cgo.NewHandle(f))
			}
		case CertCallback:
			if f != nil {
				h = C.uintptr_t(cgo.NewHandle(f))
			}
		case KeylogCallback:
			if f != nil {
				h = C.uintptr_t(cgo.NewHandle(f))
			}
		}
		return c_ctx_set_hook_handle(p, which, h)
	})
}

// PeerCANamesDER returns, on a client, the CA names the server sent with
// its certificate request (SSL_get_client_CA_list), as DER-encoded X.509
// names, as crypto/tls's CertificateRequestInfo.AcceptableCAs holds them.
func (s *SSL) PeerCANamesDER() ([][]byte, error) {
	return use2(s, func(p *C.SSL) ([][]byte, error) {
		return derList(func(b *C.uchar, n C.int) (int, error) { return c_ssl_peer_ca_names_der(p, b, n) })
	})
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
	v := &CertVerifyContext{store: x}
	defer func() {
		v.mu.Lock()
		v.store = nil
		v.mu.Unlock()
		if p := recover(); p != nil {
			keepPanic(p)
			c_store_ctx_set_error(x, C.X509_V_ERR_APPLICATION_VERIFICATION)
			res = 0
		}
	}()
	if cb(ssl, v) {
		return 1
	}
	if c_store_ctx_get_error(x) == C.X509_V_OK {
		c_store_ctx_set_error(x, C.X509_V_ERR_APPLICATION_VERIFICATION)
	}
	return 0
}

//export libsslGoCert
func libsslGoCert(h C.uintptr_t, s *C.SSL) (res C.int) {
	cb, _ := cgo.Handle(h).Value().(CertCallback)
	if cb == nil {
		return 1
	}
	ssl := borrowedSSL(s)
	if ssl == nil {
		return 0
	}
	defer ssl.Free()
	defer func() {
		if p := recover(); p != nil {
			keepPanic(p)
			res = 0
		}
	}()
	if cb(ssl) {
		return 1
	}
	return 0
}
