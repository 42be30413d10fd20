package libssl

// This file: verification of the peer on an SSL: mode, depth, parameters, host and IP, result.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"
import (
	"unsafe"
)

// VerifyMode returns SSL_get_verify_mode; 0 on a freed handle.
func (s *SSL) VerifyMode() VerifyMode {
	return get(s, 0, func(p *C.SSL) VerifyMode {
		return VerifyMode(c_SSL_get_verify_mode(p))
	})
}

// HasVerifyCallback reports whether SSL_get_verify_callback is non-NULL.
func (s *SSL) HasVerifyCallback() bool {
	return get(s, false, func(p *C.SSL) bool {
		return c_ssl_has_verify_cb(p) != 0
	})
}

// SetVerifyDepth sets SSL_set_verify_depth.
func (s *SSL) SetVerifyDepth(depth int) error {
	return use(s, func(p *C.SSL) error {
		c_SSL_set_verify_depth(p, C.int(depth))
		return nil
	})
}

// VerifyDepth returns SSL_get_verify_depth; 0 on a freed handle.
func (s *SSL) VerifyDepth() int {
	return get(s, 0, func(p *C.SSL) int {
		return int(c_SSL_get_verify_depth(p))
	})
}

// SetVerifyParamFlags sets X509_V_FLAG_* bits on the SSL's verify parameters
// (X509_VERIFY_PARAM_set_flags on SSL_get0_param).
func (s *SSL) SetVerifyParamFlags(f VerifyParamFlags) error {
	return use(s, func(p *C.SSL) error {
		c_ssl_set_verify_param_flags(p, C.ulong(f))
		return nil
	})
}

// VerifyParamFlags returns X509_VERIFY_PARAM_get_flags(SSL_get0_param(s));
// 0 on a freed handle.
func (s *SSL) VerifyParamFlags() VerifyParamFlags {
	return get(s, 0, func(p *C.SSL) VerifyParamFlags {
		return VerifyParamFlags(c_ssl_get_verify_param_flags(p))
	})
}

// SetVerifyHost sets the host name the peer's certificate must match
// (SSL_set1_host); "" clears it.
func (s *SSL) SetVerifyHost(name string) error {
	var cs *C.char
	if name != "" {
		cs = C.CString(name)
		defer C.free(unsafe.Pointer(cs))
	}
	return use(s, func(p *C.SSL) error {
		return c_ssl_set1_host(p, cs)
	})
}

// SetVerifyIP sets the IP address (IPv4 or IPv6 text) the peer's certificate
// must carry as a subjectAltName (X509_VERIFY_PARAM_set1_ip_asc on
// SSL_get0_param).
func (s *SSL) SetVerifyIP(ip string) error {
	cs := C.CString(ip)
	defer C.free(unsafe.Pointer(cs))
	return use(s, func(p *C.SSL) error {
		return c_ssl_set1_ip_asc(p, cs)
	})
}

// VerifyResult returns SSL_get_verify_result (X509_V_OK is 0); -1 on a freed
// handle.
func (s *SSL) VerifyResult() int {
	return get(s, -1, func(p *C.SSL) int {
		return int(c_SSL_get_verify_result(p))
	})
}

// VerifyResultString returns the text of an X509_V_* result
// (X509_verify_cert_error_string), e.g. "hostname mismatch".
func VerifyResultString(v int) string {
	return goString(c_X509_verify_cert_error_string(C.long(v)))
}

// VerifyErrIPAddressMismatch is X509_V_ERR_IP_ADDRESS_MISMATCH: the peer's
// certificate does not carry the IP address set with SetVerifyIP.
const VerifyErrIPAddressMismatch = C.X509_V_ERR_IP_ADDRESS_MISMATCH
