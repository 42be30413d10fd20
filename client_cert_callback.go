package libssl

// This file: the client certificate callback (SSL_CTX_set_client_cert_cb),
// through which a client without a certificate of its own supplies one
// when the server asks.

/*
#include "shim.h"
*/
import "C"

// ClientCertCallback is the client certificate callback
// (SSL_CTX_set_client_cert_cb): libssl runs it when a server asks for a
// certificate and the SSL has none of its own. It returns the certificate
// and key to send, or nil, nil to send none. The handles stay the
// caller's: the binding gives libssl a reference of its own on each
// (X509_up_ref, EVP_PKEY_up_ref), which libssl keeps in the SSL. A
// certificate without a key (or a key without a certificate) sends none.
// s is valid during the call only. A panic sends no certificate, and is
// raised again by the method that ran the handshake.
type ClientCertCallback func(s *SSL) (cert *X509, key *PKey)

// SetClientCertCallback sets or, with nil, removes the context's client
// certificate callback (SSL_CTX_set_client_cert_cb, with a callback written
// in C that finds cb in the box of the SSL's current context).
func (c *Ctx) SetClientCertCallback(cb ClientCertCallback) error {
	return c.setCallback(cbClientCert, cb, cb != nil, 0)
}

//export libsslGoClientCert
func libsslGoClientCert(h C.uintptr_t, s *C.SSL, px **C.X509, pk **C.EVP_PKEY) C.int {
	return callSSLCallback(h, s, C.int(0), C.int(0), func(cb ClientCertCallback, ssl *SSL) C.int {
		cert, key := cb(ssl)
		if cert == nil || key == nil {
			return 0
		}
		var xp *C.X509
		if use(cert, func(p *C.X509) error {
			if err := c_X509_up_ref(p); err != nil {
				return err
			}
			xp = p
			return nil
		}) != nil {
			return 0
		}
		if use(key, func(p *C.EVP_PKEY) error {
			if err := c_EVP_PKEY_up_ref(p); err != nil {
				return err
			}
			*px, *pk = xp, p
			return nil
		}) != nil {
			c_X509_free(xp)
			return 0
		}
		return 1
	})
}
