package libssl

// This file: certificate revocation lists in a context's verify store and
// the verify flags that make verification consult them.

/*
#include "shim.h"
*/
import "C"

// VerifyErrCertRevoked is X509_V_ERR_CERT_REVOKED, the verify result of a
// chain with a certificate a CRL revokes.
const VerifyErrCertRevoked = int(C.X509_V_ERR_CERT_REVOKED)

// AddCRL adds certificate revocation lists to the context's certificate
// store (X509_STORE_add_crl on SSL_CTX_get_cert_store; the store takes its
// own references): every CRL of PEM text (PEM_read_bio_X509_CRL), or one
// whole DER CRL (d2i_X509_CRL) when data starts with a DER SEQUENCE. It
// returns how many were added. The CRLs are consulted only once the
// context's verify flags have VFlagCRLCheck (SetVerifyParamFlags).
func (c *Ctx) AddCRL(data []byte) (int, error) {
	const op = "X509_STORE_add_crl"
	return use2(c, func(p *C.SSL_CTX) (int, error) {
		if len(data) == 0 {
			return 0, errInput(op, "empty input")
		}
		if len(data) > maxIO {
			return 0, errInput(op, "input too long")
		}
		b, n := pemArgs(data)
		return c_ctx_add_crls(p, b, n)
	})
}

// SetVerifyParamFlags sets X509_V_FLAG_* bits on the context's verify
// parameters (X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param)), which each
// SSL made from the context afterwards copies: VFlagCRLCheck checks the
// leaf against the store's CRLs, VFlagCRLCheckAll (with VFlagCRLCheck)
// every certificate of the chain.
func (c *Ctx) SetVerifyParamFlags(f VerifyParamFlags) error {
	return use(c, func(p *C.SSL_CTX) error {
		c_ctx_set_verify_param_flags(p, C.ulong(f))
		return nil
	})
}

// VerifyParamFlags returns X509_VERIFY_PARAM_get_flags(SSL_CTX_get0_param(c));
// 0 on a freed handle.
func (c *Ctx) VerifyParamFlags() VerifyParamFlags {
	return get(c, 0, func(p *C.SSL_CTX) VerifyParamFlags {
		return VerifyParamFlags(c_ctx_get_verify_param_flags(p))
	})
}
