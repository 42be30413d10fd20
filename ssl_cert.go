package libssl

// This file: an SSL's own certificate and key, the peer's certificate and chain, CA names.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"
import (
	"unsafe"
)

// UseCertificatePEM sets the SSL's own certificate (SSL_use_certificate) and
// chain (SSL_set1_chain) from PEM in memory, leaf first.
func (s *SSL) UseCertificatePEM(pem []byte) error {
	return use(s, func(p *C.SSL) error {
		if len(pem) == 0 {
			return &Error{Op: "SSL_use_certificate", internal: "empty PEM input"}
		}
		b, n := pemArgs(pem)
		return c_ssl_use_cert_pem(p, b, n)
	})
}

// UsePrivateKeyPEM sets the SSL's own private key (SSL_use_PrivateKey) from
// unencrypted PEM in memory.
func (s *SSL) UsePrivateKeyPEM(pem []byte) error {
	return use(s, func(p *C.SSL) error {
		if len(pem) == 0 {
			return &Error{Op: "SSL_use_PrivateKey", internal: "empty PEM input"}
		}
		b, n := pemArgs(pem)
		return c_ssl_use_key_pem(p, b, n)
	})
}

// Certificate returns the SSL's own certificate (SSL_get_certificate),
// up-ref'd (X509_up_ref) into an owned handle, or nil.
func (s *SSL) Certificate() *X509 {
	return get(s, nil, func(p *C.SSL) *X509 {
		var x *C.X509
		if c_ssl_get1_certificate(p, &x) != nil || x == nil {
			return nil
		}
		return wrapX509(x)
	})
}

// PrivateKey returns the SSL's own private key (SSL_get_privatekey),
// up-ref'd (EVP_PKEY_up_ref) into an owned handle, or nil.
func (s *SSL) PrivateKey() *PKey {
	return get(s, nil, func(p *C.SSL) *PKey {
		var k *C.EVP_PKEY
		if c_ssl_get1_privatekey(p, &k) != nil || k == nil {
			return nil
		}
		return wrapPKey(k)
	})
}

// PeerCertificate returns the peer's certificate (SSL_get1_peer_certificate,
// SSL_get_peer_certificate on 1.1.1) as an owned handle, or nil.
func (s *SSL) PeerCertificate() *X509 {
	return get(s, nil, func(p *C.SSL) *X509 {
		x, err := c_ssl_get1_peer_certificate(p)
		if err != nil || x == nil {
			return nil
		}
		return wrapX509(x)
	})
}

// PeerChainLen returns the length of SSL_get_peer_cert_chain; 0 if none.
func (s *SSL) PeerChainLen() int {
	return get(s, 0, func(p *C.SSL) int {
		return int(c_ssl_peer_chain_len(p))
	})
}

// PeerCertChainDER returns SSL_get_peer_cert_chain as DER (i2d_X509), one
// slice per certificate, in the order the peer sent them. As in libssl, a
// client's list starts with the server's leaf while a server's list leaves
// out the client's leaf (see PeerCertificate). Nil when there is no chain.
func (s *SSL) PeerCertChainDER() ([][]byte, error) {
	return use2(s, func(p *C.SSL) ([][]byte, error) {
		return derList(func(b *C.uchar, n C.int) (int, error) { return c_ssl_peer_chain_der(p, b, n) })
	})
}

// AddCAName adds the subject of the first certificate in pem to the SSL's CA
// name list (SSL_add1_to_CA_list).
func (s *SSL) AddCAName(pem []byte) error {
	return use(s, func(p *C.SSL) error {
		if len(pem) == 0 {
			return &Error{Op: "SSL_add1_to_CA_list", internal: "empty PEM input"}
		}
		b, n := pemArgs(pem)
		return c_ssl_add_ca_name_pem(p, b, n)
	})
}

// CANames returns the SSL's CA name list (SSL_get0_CA_list) in RFC 2253
// form (X509_NAME_print_ex); nil when it has none. A name that cannot be
// printed is "".
func (s *SSL) CANames() []string {
	return get(s, nil, func(p *C.SSL) []string {
		n := int(c_ssl_ca_list_count(p))
		if n == 0 {
			return nil
		}
		out := make([]string, 0, n)
		buf := make([]byte, 1024)
		for i := 0; i < n; i++ {
			if c_ssl_ca_name(p, C.int(i), (*C.char)(unsafe.Pointer(&buf[0])), C.int(len(buf))) != nil {
				out = append(out, "")
				continue
			}
			out = append(out, C.GoString((*C.char)(unsafe.Pointer(&buf[0]))))
		}
		return out
	})
}

// caListIdentity returns the address of the SSL's CA name stack
// (SSL_get0_CA_list) as a number, 0 when it has none: a test hook telling
// whether two SSLs share one stack, never a pointer to use.
func (s *SSL) caListIdentity() uintptr {
	return get(s, 0, func(p *C.SSL) uintptr {
		return uintptr(c_ssl_ca_list_ptr(p))
	})
}

// UseCertificate sets the SSL's own certificate from a parsed certificate
// (SSL_use_certificate), which takes a reference of its own on x.
func (s *SSL) UseCertificate(x *X509) error {
	return use(s, func(p *C.SSL) error {
		return use(x, func(xp *C.X509) error { return c_SSL_use_certificate(p, xp) })
	})
}

// UsePrivateKey sets the SSL's own private key (SSL_use_PrivateKey), which
// takes a reference of its own on k.
func (s *SSL) UsePrivateKey(k *PKey) error {
	return use(s, func(p *C.SSL) error {
		return use(k, func(kp *C.EVP_PKEY) error { return c_SSL_use_PrivateKey(p, kp) })
	})
}
