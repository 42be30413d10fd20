package libssl

// This file: finite-field Diffie-Hellman parameters for TLS 1.2 DHE cipher
// suites (SSL_set_dh_auto, SSL_CTX_set0_tmp_dh_pkey, SSL_set0_tmp_dh_pkey),
// DH parameters read from PEM, and the size of keys.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import "errors"

// evpPKeyDH is EVP_PKEY_DH (NID_dhKeyAgreement).
const evpPKeyDH = 28

// ParseDHParametersPEM reads DH parameters ("-----BEGIN DH
// PARAMETERS-----", as `openssl dhparam` writes them) into a new key
// holding only the parameters (PEM_read_bio_Parameters): a new owned
// handle, for Ctx.SetTmpDHPKey and SSL.SetTmpDHPKey. Text without
// parameters, or parameters of another key type, is an error.
func ParseDHParametersPEM(pem []byte) (*PKey, error) {
	if len(pem) == 0 {
		return nil, errors.New("libssl: ParseDHParametersPEM: no PEM text")
	}
	cs := C.CBytes(pem)
	defer C.free(cs)
	p, err := c_params_from_pem((*C.char)(cs), C.int(len(pem)))
	if err != nil {
		return nil, err
	}
	if id := c_pkey_base_id(p); id != evpPKeyDH {
		c_EVP_PKEY_free(p)
		return nil, errors.New("libssl: ParseDHParametersPEM: the PEM text holds parameters of " +
			ObjectShortName(int(id)) + ", not DH")
	}
	return wrapPKey(p), nil
}

// Bits returns the size of the key in bits (EVP_PKEY_bits): the prime's
// for DH, the modulus's for RSA. 0 on a freed handle.
func (k *PKey) Bits() int {
	return get(k, 0, func(p *C.EVP_PKEY) int { return int(c_pkey_bits(p)) })
}

// SetTmpDHPKey sets the DH parameters the context's servers use for TLS
// 1.2 DHE cipher suites (SSL_CTX_set0_tmp_dh_pkey; SSL_CTX_set_tmp_dh on
// 1.1.1, which copies them). The set0 call takes over a reference: the
// binding up-refs k for it first, so the caller keeps its handle and may
// free it at once. k must hold DH parameters (ParseDHParametersPEM).
func (c *Ctx) SetTmpDHPKey(k *PKey) error {
	return use(c, func(p *C.SSL_CTX) error {
		return use(k, func(kp *C.EVP_PKEY) error { return c_ctx_set_tmp_dh_pkey(p, kp) })
	})
}

// SetTmpDHPKey sets this connection's DH parameters (SSL_set0_tmp_dh_pkey;
// SSL_set_tmp_dh on 1.1.1), with the references of Ctx.SetTmpDHPKey.
func (s *SSL) SetTmpDHPKey(k *PKey) error {
	return use(s, func(p *C.SSL) error {
		return use(k, func(kp *C.EVP_PKEY) error { return c_ssl_set_tmp_dh_pkey(p, kp) })
	})
}

// SetDHAuto turns the automatic choice of DH parameters on or off for
// this connection (SSL_set_dh_auto); see Ctx.SetDHAuto. Nothing is owned
// or kept.
func (s *SSL) SetDHAuto(on bool) error {
	v := C.int(0)
	if on {
		v = 1
	}
	return use(s, func(p *C.SSL) error { return c_ssl_set_dh_auto(p, v) })
}

// TmpKeyBits returns the size in bits of this side's temporary (key
// exchange) key (SSL_get_tmp_key, whose reference is released at once):
// a server's DH prime or curve size while its handshake runs. ok is false
// when there is none or the handle is freed.
func (s *SSL) TmpKeyBits() (bits int, ok bool) {
	return nidResult(get(s, C.int(-1), func(p *C.SSL) C.int { return c_ssl_tmp_key_bits(p) }))
}
