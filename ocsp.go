package libssl

// This file: OCSP stapling (the status_request extension, RFC 6066): the
// status callback (SSL_CTX_set_tlsext_status_cb), the response a server
// staples and a client reads, and the DER of a bare OCSP response.

/*
#include "shim.h"
*/
import "C"

import "runtime/cgo"

// StatusCallback is the status callback. On a server it runs when a client
// asked for a certificate status: it staples a response with
// s.SetOCSPResponse and returns StatusServerOK, StatusServerNoAck (staple
// nothing) or StatusServerAlertFatal (fail the handshake). On a client it
// runs when the server's certificate arrives, reads s.OCSPResponse and
// returns StatusClientAccept, StatusClientReject (fail the handshake with
// bad_certificate_status_response) or StatusClientError (fail it with an
// internal error). s is valid during the call only.
type StatusCallback func(s *SSL) int

// The status callback's results.
const (
	StatusServerOK         = C.SSL_TLSEXT_ERR_OK
	StatusServerNoAck      = C.SSL_TLSEXT_ERR_NOACK
	StatusServerAlertFatal = C.SSL_TLSEXT_ERR_ALERT_FATAL
	StatusClientAccept     = 1
	StatusClientReject     = 0
	StatusClientError      = -1
)

// SetStatusCallback sets or, with nil, removes the context's status
// callback (SSL_CTX_set_tlsext_status_cb, with a callback written in C
// that finds cb in the context's box). As in libssl, a connection runs the
// callback of its current context. A client asks for a status only after
// SetStatusTypeOCSP. A panic in cb fails the handshake (the failure result
// of the side) and is raised again by the method that ran the handshake.
func (c *Ctx) SetStatusCallback(cb StatusCallback) error {
	return c.setCallback(cbStatus, cb, cb != nil, 0)
}

//export libsslGoStatus
func libsslGoStatus(h C.uintptr_t, s *C.SSL) (res C.int) {
	fail := C.int(StatusClientError)
	if C.SSL_is_server(s) == 1 {
		fail = StatusServerAlertFatal
	}
	cb, _ := cgo.Handle(h).Value().(StatusCallback)
	if cb == nil {
		return fail
	}
	ssl := borrowedSSL(s)
	if ssl == nil {
		return fail
	}
	defer ssl.Free()
	defer func() {
		if p := recover(); p != nil {
			keepPanic(p)
			res = fail
		}
	}()
	return C.int(cb(ssl))
}

// SetStatusTypeOCSP makes a client connection ask for the server's OCSP
// response (SSL_set_tlsext_status_type with TLSEXT_STATUSTYPE_ocsp).
func (s *SSL) SetStatusTypeOCSP() error {
	return use(s, func(p *C.SSL) error { return c_ssl_set_status_type_ocsp(p) })
}

// SetStatusTypeOCSP makes the context's client connections ask for the
// server's OCSP response (SSL_CTX_set_tlsext_status_type with
// TLSEXT_STATUSTYPE_ocsp).
func (c *Ctx) SetStatusTypeOCSP() error {
	return use(c, func(p *C.SSL_CTX) error { return c_ctx_set_status_type_ocsp(p) })
}

// SetOCSPResponse sets the response a server staples
// (SSL_set_tlsext_status_ocsp_resp), typically from its status callback.
// der is copied into memory libssl owns. Before OpenSSL 3.6 its bytes are
// sent as they are; from 3.6 libssl decodes them as an OCSPResponse and
// staples nothing when they are not one (OCSPResponse then reads back
// nothing). An empty der is an error.
func (s *SSL) SetOCSPResponse(der []byte) error {
	const op = "SSL_set_tlsext_status_ocsp_resp"
	return use(s, func(p *C.SSL) error {
		if len(der) == 0 {
			return errInput(op, "an empty OCSP response")
		}
		if len(der) > maxIO {
			return errInput(op, "an OCSP response too long")
		}
		return c_ssl_set_ocsp_resp(p, bytesPtr(der), C.int(len(der)))
	})
}

// OCSPResponse returns a copy of the OCSP response (SSL_get_tlsext_status_ocsp_resp):
// on a client the one the server stapled, on a server the one set by
// SetOCSPResponse. nil when there is none or the handle is freed.
func (s *SSL) OCSPResponse() []byte {
	return get(s, nil, func(p *C.SSL) []byte {
		b := copyOut(func(buf *C.uchar, cap C.int) C.int { return c_ssl_ocsp_resp(p, buf, cap) })
		return b
	})
}

// The OCSP response statuses (OCSP_RESPONSE_STATUS_*, RFC 6960).
const (
	OCSPResponseSuccessful       = 0
	OCSPResponseMalformedRequest = 1
	OCSPResponseInternalError    = 2
	OCSPResponseTryLater         = 3
	OCSPResponseSigRequired      = 5
	OCSPResponseUnauthorized     = 6
)

// NewOCSPResponseDER returns the DER of an OCSP response with the given
// status and no response body (OCSP_response_create(status, NULL), then
// i2d_OCSP_RESPONSE), a new Go copy. A status RFC 6960 does not define is
// an error, as is a build without OCSP (ErrUnsupported).
func NewOCSPResponseDER(status int) ([]byte, error) {
	const op = "OCSP_response_create"
	if initErr != nil {
		return nil, initErr
	}
	if !featureOCSP.built() {
		return nil, unsupported(op)
	}
	switch status {
	case OCSPResponseSuccessful, OCSPResponseMalformedRequest, OCSPResponseInternalError,
		OCSPResponseTryLater, OCSPResponseSigRequired, OCSPResponseUnauthorized:
	default:
		return nil, errInput(op, "not an OCSP response status")
	}
	n, err := c_ocsp_response_der(C.int(status), nil, 0)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, n)
	m, err := c_ocsp_response_der(C.int(status), bytesPtr(buf), C.int(n))
	if err != nil {
		return nil, err
	}
	if m != n {
		return nil, &Error{Op: "i2d_OCSP_RESPONSE", Ret: int64(m), internal: "the encoding changed length between two calls"}
	}
	return buf, nil
}

// OCSPResponseStatus decodes der as one whole OCSP response
// (d2i_OCSP_RESPONSE) and returns its status (OCSP_response_status). Bytes
// that are not one DER OCSP response give an error.
func OCSPResponseStatus(der []byte) (int, error) {
	const op = "d2i_OCSP_RESPONSE"
	if initErr != nil {
		return 0, initErr
	}
	if !featureOCSP.built() {
		return 0, unsupported(op)
	}
	if len(der) == 0 {
		return 0, errInput(op, "empty input")
	}
	if len(der) > maxIO {
		return 0, errInput(op, "input too long")
	}
	n, err := c_ocsp_response_status(bytesPtr(der), C.int(len(der)))
	if err != nil {
		return 0, err
	}
	return n, nil
}
