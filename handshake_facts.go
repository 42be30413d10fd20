package libssl

// This file: facts of a completed handshake that a TLS 1.2 peer may ask
// about: whether the extended master secret was used, and how many
// renegotiations ran.

/*
#include "shim.h"
*/
import "C"

// ExtendedMasterSecret reports whether the handshake used the extended
// master secret (RFC 7627; SSL_get_extms_support returned 1): the
// extension of TLS 1.0 to 1.2, which libssl records in the session. false
// before a handshake and on a freed handle.
func (s *SSL) ExtendedMasterSecret() bool {
	return get(s, false, func(p *C.SSL) bool { return c_ssl_extms(p) == 1 })
}

// TotalRenegotiations returns how many renegotiations the connection has
// started (SSL_total_renegotiations); 0 on a freed handle.
func (s *SSL) TotalRenegotiations() int {
	return get(s, 0, func(p *C.SSL) int { return int(c_ssl_total_renegotiations(p)) })
}
