package libssl

// This file: options, modes, protocol versions, ciphers, names and limits of an SSL.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"
import "unsafe"

// SetOptions sets option bits (SSL_set_options).
func (s *SSL) SetOptions(o Options) error {
	return use(s, func(p *C.SSL) error {
		c_SSL_set_options(p, C.uint64_t(o))
		return nil
	})
}

// ClearOptions clears option bits (SSL_clear_options).
func (s *SSL) ClearOptions(o Options) error {
	return use(s, func(p *C.SSL) error {
		c_SSL_clear_options(p, C.uint64_t(o))
		return nil
	})
}

// Options returns SSL_get_options; 0 on a freed handle.
func (s *SSL) Options() Options {
	return get(s, 0, func(p *C.SSL) Options {
		return Options(c_SSL_get_options(p))
	})
}

// SetMode sets mode bits (SSL_set_mode).
func (s *SSL) SetMode(m Mode) error {
	return use(s, func(p *C.SSL) error {
		c_ssl_set_mode(p, C.long(m))
		return nil
	})
}

// ClearMode clears mode bits (SSL_clear_mode).
func (s *SSL) ClearMode(m Mode) error {
	return use(s, func(p *C.SSL) error {
		c_ssl_clear_mode(p, C.long(m))
		return nil
	})
}

// Mode returns SSL_get_mode; 0 on a freed handle.
func (s *SSL) Mode() Mode {
	return get(s, 0, func(p *C.SSL) Mode {
		return Mode(c_ssl_get_mode(p))
	})
}

// SetMinProtoVersion sets SSL_set_min_proto_version (0: no minimum).
func (s *SSL) SetMinProtoVersion(v ProtocolVersion) error { return s.setProto(0, v) }

// SetMaxProtoVersion sets SSL_set_max_proto_version (0: no maximum).
func (s *SSL) SetMaxProtoVersion(v ProtocolVersion) error { return s.setProto(1, v) }

func (s *SSL) setProto(which int, v ProtocolVersion) error {
	return use(s, func(p *C.SSL) error {
		if which == 0 {
			return c_ssl_set_min_proto(p, C.int(v))
		}
		return c_ssl_set_max_proto(p, C.int(v))
	})
}

// MinProtoVersion returns SSL_get_min_proto_version; 0 on a freed handle.
func (s *SSL) MinProtoVersion() ProtocolVersion { return s.getProto(0) }

// MaxProtoVersion returns SSL_get_max_proto_version; 0 on a freed handle.
func (s *SSL) MaxProtoVersion() ProtocolVersion { return s.getProto(1) }

func (s *SSL) getProto(which int) ProtocolVersion {
	return get(s, 0, func(p *C.SSL) ProtocolVersion {
		if which == 0 {
			return ProtocolVersion(c_ssl_get_min_proto(p))
		}
		return ProtocolVersion(c_ssl_get_max_proto(p))
	})
}

// SetCipherList sets the SSL's own TLS 1.2-and-older cipher list
// (SSL_set_cipher_list).
func (s *SSL) SetCipherList(list string) error {
	cs := C.CString(list)
	defer C.free(unsafe.Pointer(cs))
	return use(s, func(p *C.SSL) error {
		return c_SSL_set_cipher_list(p, cs)
	})
}

// SetCiphersuites sets the SSL's TLS 1.3 ciphersuites (SSL_set_ciphersuites).
func (s *SSL) SetCiphersuites(list string) error {
	cs := C.CString(list)
	defer C.free(unsafe.Pointer(cs))
	return use(s, func(p *C.SSL) error {
		return c_SSL_set_ciphersuites(p, cs)
	})
}

// Ciphers returns the names of the SSL's enabled ciphers in preference order
// (SSL_get_ciphers); nil on a freed handle.
func (s *SSL) Ciphers() []string {
	return get(s, nil, func(p *C.SSL) []string {
		return cipherNames(func(buf *C.char, n C.int) C.int { return c_ssl_cipher_names(p, buf, n) })
	})
}

// CurrentCipher returns the negotiated cipher's name
// (SSL_get_current_cipher, SSL_CIPHER_get_name), or "".
func (s *SSL) CurrentCipher() string {
	return get(s, "", func(p *C.SSL) string { return goString(c_ssl_current_cipher(p)) })
}

// CurrentCipherID returns the negotiated cipher's two-byte IANA id
// (SSL_CIPHER_get_protocol_id on SSL_get_current_cipher), the number Go's
// crypto/tls calls the cipher suite; 0 without one.
func (s *SSL) CurrentCipherID() uint16 {
	return get(s, 0, func(p *C.SSL) uint16 { return uint16(c_ssl_current_cipher_id(p)) })
}

// SetSecurityLevel sets SSL_set_security_level.
func (s *SSL) SetSecurityLevel(level int) error {
	return use(s, func(p *C.SSL) error {
		c_SSL_set_security_level(p, C.int(level))
		return nil
	})
}

// SecurityLevel returns SSL_get_security_level; 0 on a freed handle.
func (s *SSL) SecurityLevel() int {
	return get(s, 0, func(p *C.SSL) int {
		return int(c_SSL_get_security_level(p))
	})
}

// SetReadAhead sets SSL_set_read_ahead.
func (s *SSL) SetReadAhead(on bool) error {
	return use(s, func(p *C.SSL) error {
		c_SSL_set_read_ahead(p, cbool(on))
		return nil
	})
}

// ReadAhead returns SSL_get_read_ahead; false on a freed handle.
func (s *SSL) ReadAhead() bool {
	return get(s, false, func(p *C.SSL) bool {
		return c_SSL_get_read_ahead(p) != 0
	})
}

// SetMaxCertList sets SSL_set_max_cert_list, the largest peer chain accepted.
func (s *SSL) SetMaxCertList(n int) error {
	return use(s, func(p *C.SSL) error {
		c_ssl_set_max_cert_list(p, C.long(n))
		return nil
	})
}

// MaxCertList returns SSL_get_max_cert_list; 0 on a freed handle.
func (s *SSL) MaxCertList() int {
	return get(s, 0, func(p *C.SSL) int {
		return int(c_ssl_get_max_cert_list(p))
	})
}

// SetNumTickets sets SSL_set_num_tickets.
func (s *SSL) SetNumTickets(n int) error {
	return use(s, func(p *C.SSL) error {
		return c_SSL_set_num_tickets(p, C.size_t(n))
	})
}

// NumTickets returns SSL_get_num_tickets; 0 on a freed handle.
func (s *SSL) NumTickets() int {
	return get(s, 0, func(p *C.SSL) int {
		return int(c_SSL_get_num_tickets(p))
	})
}

// SetHostName sets the SNI host name a client sends
// (SSL_set_tlsext_host_name).
func (s *SSL) SetHostName(name string) error {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	return use(s, func(p *C.SSL) error {
		return c_ssl_set_host_name(p, cs)
	})
}

// ServerName returns SSL_get_servername(s, TLSEXT_NAMETYPE_host_name): the
// name a client set, or on a server the name the client sent; "" if none.
func (s *SSL) ServerName() string {
	return get(s, "", func(p *C.SSL) string {
		return goString(c_SSL_get_servername(p, C.TLSEXT_NAMETYPE_host_name))
	})
}

// SetSessionIDContext sets SSL_set_session_id_context (at most 32 bytes).
func (s *SSL) SetSessionIDContext(id []byte) error {
	var ptr *C.uchar
	if len(id) > 0 {
		ptr = (*C.uchar)(unsafe.Pointer(&id[0]))
	}
	return use(s, func(p *C.SSL) error {
		return c_SSL_set_session_id_context(p, ptr, C.uint(len(id)))
	})
}
