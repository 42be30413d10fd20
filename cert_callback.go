package libssl

// This file: the certificate callback (SSL_CTX_set_cert_cb), and the CA
// names a client reads in it.

/*
#include "shim.h"
*/
import "C"

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
// SSL, and SSL_set_SSL_CTX replaces it with the new context's.
func (c *Ctx) SetCertCallback(cb CertCallback) error {
	return c.setCallback(cbCert, cb, cb != nil, 0)
}

// PeerCANamesDER returns, on a client, the CA names the server sent with
// its certificate request (SSL_get_client_CA_list), as DER-encoded X.509
// names, as crypto/tls's CertificateRequestInfo.AcceptableCAs holds them.
func (s *SSL) PeerCANamesDER() ([][]byte, error) {
	return use2(s, func(p *C.SSL) ([][]byte, error) {
		return derList(func(b *C.uchar, n C.int) (int, error) { return c_ssl_peer_ca_names_der(p, b, n) })
	})
}

//export libsslGoCert
func libsslGoCert(h C.uintptr_t, s *C.SSL) C.int {
	return callSSLCallback(h, s, C.int(1), C.int(0), func(cb CertCallback, ssl *SSL) C.int {
		if cb(ssl) {
			return 1
		}
		return 0
	})
}
