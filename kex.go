package libssl

// #include "shim.h"
import "C"

// SetDHAuto turns libssl's automatic choice of DH parameters for DHE
// cipher suites on or off (SSL_CTX_set_dh_auto): on, a server without
// parameters of its own uses the built-in group matching its security
// level. (From OpenSSL 4.0 an FFDHE group the client offers in
// supported_groups gives the server parameters too, with the setting off.)
// Nothing is owned or kept.
func (c *Ctx) SetDHAuto(on bool) error {
	v := C.int(0)
	if on {
		v = 1
	}
	return use(c, func(p *C.SSL_CTX) error { return c_ctx_set_dh_auto(p, v) })
}

// CompressCerts pre-compresses the context's certificate chains for the
// TLS 1.3 compressed_certificate extension (SSL_CTX_compress_certs): alg is
// a TLSEXT_comp_cert_* value, 0 for every algorithm the build has. It fails
// when the build has no compression algorithm, and before OpenSSL 3.2 with
// an error matching ErrUnsupported. Nothing is owned or kept.
func (c *Ctx) CompressCerts(alg int) error {
	return use(c, func(p *C.SSL_CTX) error { return c_SSL_CTX_compress_certs(p, C.int(alg)) })
}

// NegotiatedGroupID returns the group of the handshake's key exchange as
// SSL_get_negotiated_group gives it: the group's NID, or
// TLSEXT_nid_unknown (0x1000000) | its TLS group id for a group without a
// NID (the ML-KEM hybrids, curveSM2); 0 when there is none. ok is false
// before OpenSSL 3.0, which lacks the call, or on a freed handle.
func (s *SSL) NegotiatedGroupID() (id int, ok bool) {
	return nidResult(get(s, C.int(-1), func(p *C.SSL) C.int { return c_ssl_negotiated_group_id(p) }))
}
