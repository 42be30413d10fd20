package libssl

/*
#include <stdlib.h>
#include "shim_alpn.h"
*/
import "C"

import (
	"errors"
	"runtime"
	"unsafe"
)

// ALPN (RFC 7301), and the other SSL-level calls the connection layer
// (package openssl) needs: the peer's chain as DER, the IP address a
// certificate must match, the cipher's protocol id and verify result texts.

// encodeALPN turns protocol names into ALPN's wire format, each name prefixed
// by its length. Names must be 1 to 255 bytes long.
func encodeALPN(protos []string) ([]byte, error) {
	var b []byte
	for _, p := range protos {
		if len(p) == 0 || len(p) > 255 {
			return nil, errors.New("libssl: an ALPN protocol name must be 1 to 255 bytes long")
		}
		b = append(b, byte(len(p)))
		b = append(b, p...)
	}
	return b, nil
}

func decodeALPN(b []byte) []string {
	var out []string
	for len(b) > 0 {
		n := int(b[0])
		if 1+n > len(b) {
			break
		}
		out = append(out, string(b[1:1+n]))
		b = b[1+n:]
	}
	return out
}

func bytesPtr(b []byte) *C.uchar {
	if len(b) == 0 {
		return nil
	}
	return (*C.uchar)(unsafe.Pointer(&b[0]))
}

// SetALPNProtos sets the protocols a client offers, most preferred first
// (SSL_CTX_set_alpn_protos). libssl copies the list. An empty list stops
// offering ALPN. SSL objects made later inherit the list.
func (c *Ctx) SetALPNProtos(protos []string) error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	wire, err := encodeALPN(protos)
	if err != nil {
		return err
	}
	r := C.ls_alpn_ctx_set_protos(p, bytesPtr(wire), C.int(len(wire)))
	runtime.KeepAlive(wire)
	runtime.KeepAlive(c)
	// SSL_CTX_set_alpn_protos returns 0 on success.
	return result("SSL_CTX_set_alpn_protos", r, r.ret != 0)
}

// SetALPNProtos sets the protocols this client SSL offers, most preferred
// first (SSL_set_alpn_protos), replacing the context's list. libssl copies
// the list. An empty list stops offering ALPN.
func (s *SSL) SetALPNProtos(protos []string) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	wire, err := encodeALPN(protos)
	if err != nil {
		return err
	}
	r := C.ls_alpn_ssl_set_protos(p, bytesPtr(wire), C.int(len(wire)))
	runtime.KeepAlive(wire)
	runtime.KeepAlive(s)
	// SSL_set_alpn_protos returns 0 on success.
	return result("SSL_set_alpn_protos", r, r.ret != 0)
}

// SetALPNSelect makes a server choose the protocol for clients that offer
// ALPN (SSL_CTX_set_alpn_select_cb with a callback written in C): the first
// protocol of protos, in the server's order of preference, that the client
// also offered. When there is none, a strict server fails the handshake with
// the no_application_protocol alert (as RFC 7301 asks and Go's crypto/tls
// does); otherwise it ignores the client's extension and selects nothing.
//
// The list is copied into C memory owned by the SSL_CTX (an ex_data slot
// whose free function releases it with the context); no Go memory is kept.
// An empty protos removes the list and the callback. Like every SSL_CTX
// setting, it must not be changed while handshakes run on the context.
func (c *Ctx) SetALPNSelect(protos []string, strict bool) error {
	p := c.ptr()
	if p == nil {
		return ErrFreed
	}
	wire, err := encodeALPN(protos)
	if err != nil {
		return err
	}
	fatal := C.int(0)
	if strict {
		fatal = 1
	}
	r := C.ls_alpn_ctx_set_select(p, bytesPtr(wire), C.int(len(wire)), fatal)
	runtime.KeepAlive(wire)
	runtime.KeepAlive(c)
	return result("SSL_CTX_set_alpn_select_cb", r, r.ret != 1)
}

// ALPNSelect returns the server's protocol list set by SetALPNSelect, or nil.
func (c *Ctx) ALPNSelect() []string {
	p := c.ptr()
	if p == nil {
		return nil
	}
	defer runtime.KeepAlive(c)
	for {
		n := C.ls_alpn_ctx_get_select(p, nil, 0)
		if n <= 0 {
			return nil
		}
		buf := make([]byte, int(n))
		if m := C.ls_alpn_ctx_get_select(p, bytesPtr(buf), n); m == n {
			return decodeALPN(buf)
		}
	}
}

// ALPNSelected returns the protocol the handshake agreed on
// (SSL_get0_alpn_selected, copied), or "" when none was.
func (s *SSL) ALPNSelected() string {
	p := s.ptr()
	if p == nil {
		return ""
	}
	var buf [255]byte
	n := C.ls_alpn_selected(p, (*C.uchar)(unsafe.Pointer(&buf[0])), C.int(len(buf)))
	runtime.KeepAlive(s)
	if n <= 0 || int(n) > len(buf) {
		return ""
	}
	return string(buf[:n])
}

// PeerCertChainDER returns SSL_get_peer_cert_chain as DER, one slice per
// certificate, in the order the peer sent them. As in libssl, a client's
// list starts with the server's leaf while a server's list leaves out the
// client's leaf (see PeerCertificate). Nil when there is no chain.
func (s *SSL) PeerCertChainDER() ([][]byte, error) {
	p := s.ptr()
	if p == nil {
		return nil, ErrFreed
	}
	defer runtime.KeepAlive(s)
	for {
		n := C.ls_alpn_peer_chain_der(p, nil, 0)
		if n < 0 {
			return nil, &Error{Op: "i2d_X509", Ret: int64(n), internal: "encoding failed"}
		}
		if n == 0 {
			return nil, nil
		}
		buf := make([]byte, int(n))
		m := C.ls_alpn_peer_chain_der(p, bytesPtr(buf), n)
		if m < 0 {
			return nil, &Error{Op: "i2d_X509", Ret: int64(m), internal: "encoding failed"}
		}
		if m != n {
			continue // the chain changed between the calls
		}
		var out [][]byte
		for len(buf) >= 4 {
			l := int(buf[0])<<24 | int(buf[1])<<16 | int(buf[2])<<8 | int(buf[3])
			buf = buf[4:]
			if l > len(buf) {
				return nil, &Error{Op: "i2d_X509", internal: "bad length"}
			}
			out = append(out, buf[:l:l])
			buf = buf[l:]
		}
		return out, nil
	}
}

// SetVerifyIP sets the IP address (IPv4 or IPv6 text) the peer's certificate
// must carry as a subjectAltName (X509_VERIFY_PARAM_set1_ip_asc on
// SSL_get0_param).
func (s *SSL) SetVerifyIP(ip string) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	cs := C.CString(ip)
	defer C.free(unsafe.Pointer(cs))
	r := C.ls_alpn_ssl_set1_ip_asc(p, cs)
	runtime.KeepAlive(s)
	return result("X509_VERIFY_PARAM_set1_ip_asc", r, r.ret != 1)
}

// CurrentCipherID returns the negotiated cipher's two-byte IANA id
// (SSL_CIPHER_get_protocol_id on SSL_get_current_cipher), the number Go's
// crypto/tls calls the cipher suite; 0 without one.
func (s *SSL) CurrentCipherID() uint16 {
	p := s.ptr()
	if p == nil {
		return 0
	}
	id := C.ls_alpn_current_cipher_id(p)
	runtime.KeepAlive(s)
	return uint16(id)
}

// VerifyResultString returns the text of an X509_V_* result
// (X509_verify_cert_error_string), e.g. "hostname mismatch".
func VerifyResultString(v int) string {
	return C.GoString(C.ls_alpn_verify_string(C.long(v)))
}

// VerifyErrIPAddressMismatch is X509_V_ERR_IP_ADDRESS_MISMATCH: the peer's
// certificate does not carry the IP address set with SetVerifyIP.
const VerifyErrIPAddressMismatch = C.X509_V_ERR_IP_ADDRESS_MISMATCH
