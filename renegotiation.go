package libssl

// This file: TLS 1.2 renegotiation beyond SSL_renegotiate (ssl_state.go):
// secure renegotiation (RFC 5746) and abbreviated renegotiation.

/*
#include "shim.h"
*/
import "C"

// SecureRenegotiationSupport reports whether the peer supports secure
// renegotiation (SSL_get_secure_renegotiation_support, RFC 5746); false
// before a handshake, for TLS 1.3 (which has no renegotiation) and on a
// freed handle.
func (s *SSL) SecureRenegotiationSupport() bool {
	return get(s, false, func(p *C.SSL) bool { return c_ssl_secure_reneg_support(p) == 1 })
}

// RenegotiateAbbreviated schedules a renegotiation that resumes the
// current session (SSL_renegotiate_abbreviated); the next handshake, read
// or write step runs it. It fails on TLS 1.3 and where libssl does not
// allow renegotiation (SSL_OP_NO_RENEGOTIATION).
func (s *SSL) RenegotiateAbbreviated() error {
	return use(s, func(p *C.SSL) error { return c_SSL_renegotiate_abbreviated(p) })
}
