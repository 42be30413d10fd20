package libssl

// This file: checking an OCSP response for one certificate, all of it done
// by libcrypto (shim_ocsp.c): the response's status, its signature and
// signer, the certificate's entry and its validity window.

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"time"
)

// OCSPCertStatus is a certificate's status in an OCSP response
// (V_OCSP_CERTSTATUS_*).
type OCSPCertStatus int

// The certificate statuses.
const (
	OCSPGood    OCSPCertStatus = 0 // V_OCSP_CERTSTATUS_GOOD
	OCSPRevoked OCSPCertStatus = 1 // V_OCSP_CERTSTATUS_REVOKED
	OCSPUnknown OCSPCertStatus = 2 // V_OCSP_CERTSTATUS_UNKNOWN
)

func (s OCSPCertStatus) String() string {
	switch s {
	case OCSPGood:
		return "good"
	case OCSPRevoked:
		return "revoked"
	case OCSPUnknown:
		return "unknown"
	}
	return fmt.Sprintf("OCSPCertStatus(%d)", int(s))
}

// OCSPNoReason is the RevocationReason of a status that gives none
// (OCSP_REVOKED_STATUS_NOSTATUS).
const OCSPNoReason = -1

// ocspReasons are the CRLReason names of RFC 5280 section 5.3.1, by code.
var ocspReasons = []string{"unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
	"superseded", "cessationOfOperation", "certificateHold", "", "removeFromCRL",
	"privilegeWithdrawn", "aACompromise"}

// OCSPReasonString returns the RFC 5280 name of a revocation reason
// (OCSP_REVOKED_STATUS_*, the CRLReason codes), "none" for OCSPNoReason.
func OCSPReasonString(reason int) string {
	if reason == OCSPNoReason {
		return "none"
	}
	if reason >= 0 && reason < len(ocspReasons) && ocspReasons[reason] != "" {
		return ocspReasons[reason]
	}
	return fmt.Sprintf("reason %d", reason)
}

// OCSPSingleStatus is what an OCSP response says of one certificate
// (OCSP_resp_find_status).
type OCSPSingleStatus struct {
	Status OCSPCertStatus
	// RevocationReason is the CRLReason of a revoked certificate,
	// OCSPNoReason when the response gives none.
	RevocationReason int
	// RevokedAt is the revocation time of a revoked certificate; ThisUpdate
	// and NextUpdate bound the status's validity. Zero when absent.
	RevokedAt, ThisUpdate, NextUpdate time.Time
}

// OCSPCheckCause says which step of an OCSP response check failed.
type OCSPCheckCause int

// The causes, in the order of the steps.
const (
	// OCSPMalformed: not one whole DER OCSPResponse (d2i_OCSP_RESPONSE),
	// or no response at all.
	OCSPMalformed OCSPCheckCause = 1
	// OCSPNotSuccessful: the responseStatus is not successful
	// (OCSP_response_status; OCSPCheckError.ResponseStatus has it).
	OCSPNotSuccessful OCSPCheckCause = 2
	// OCSPNoBasicResponse: no basic response (OCSP_response_get1_basic).
	OCSPNoBasicResponse OCSPCheckCause = 3
	// OCSPBadSignature: the signature or the signer does not verify
	// (OCSP_basic_verify): a bad signature, a signer that does not chain
	// to the store, or one the issuer did not authorise.
	OCSPBadSignature OCSPCheckCause = 4
	// OCSPNotForCertificate: the response holds no status for the
	// certificate (OCSP_resp_find_status with OCSP_cert_to_id's id).
	OCSPNotForCertificate OCSPCheckCause = 5
	// OCSPOutsideValidity: thisUpdate is in the future or nextUpdate in
	// the past beyond the allowed skew (OCSP_check_validity).
	OCSPOutsideValidity OCSPCheckCause = 6
	// OCSPInternal: libcrypto could not run the check (memory, OCSP_cert_to_id).
	OCSPInternal OCSPCheckCause = 7
)

func (c OCSPCheckCause) String() string {
	switch c {
	case OCSPMalformed:
		return "not a DER OCSP response"
	case OCSPNotSuccessful:
		return "response status is not successful"
	case OCSPNoBasicResponse:
		return "no basic response"
	case OCSPBadSignature:
		return "signature or signer does not verify"
	case OCSPNotForCertificate:
		return "no status for this certificate"
	case OCSPOutsideValidity:
		return "outside its validity period"
	case OCSPInternal:
		return "internal error"
	}
	return fmt.Sprintf("OCSPCheckCause(%d)", int(c))
}

// OCSPCheckError is the failure of an OCSP response check: the step that
// failed and libcrypto's error queue of that step.
type OCSPCheckError struct {
	Cause OCSPCheckCause
	// ResponseStatus is the response's status (OCSPResponse*) once it
	// decoded, -1 before.
	ResponseStatus int
	// Status is what the response says of the certificate, for
	// OCSPOutsideValidity (the entry was found but is not current).
	Status *OCSPSingleStatus
	Err    error // the *Error of the call
}

func (e *OCSPCheckError) Error() string {
	s := "OCSP response check failed: " + e.Cause.String()
	if e.Cause == OCSPNotSuccessful {
		s += fmt.Sprintf(" (%d)", e.ResponseStatus)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *OCSPCheckError) Unwrap() error { return e.Err }

// DefaultOCSPSkew is the clock skew CheckOCSPResponse allows on
// thisUpdate and nextUpdate when none is given: 5 minutes, the default
// validity period of `openssl ocsp` (OCSP_check_validity's nsec).
const DefaultOCSPSkew = 5 * time.Minute

// OCSPCheckOptions are CheckOCSPResponse's inputs beside the response.
type OCSPCheckOptions struct {
	// Ctx is the context whose certificate store (SSL_CTX_get_cert_store)
	// the response's signer must chain to (OCSP_basic_verify's store).
	// Required.
	Ctx *Ctx
	// Intermediates are untrusted certificates OCSP_basic_verify may use
	// to find and chain the signer (its certs argument), typically the
	// chain the peer sent. The caller keeps its references.
	Intermediates []*X509
	// Skew is the clock skew allowed on thisUpdate and nextUpdate
	// (OCSP_check_validity's nsec); 0 means DefaultOCSPSkew. No maximum
	// age is imposed (maxsec -1).
	Skew time.Duration
}

// CheckOCSPResponse decodes der as an OCSP response and returns what it
// says of leaf, whose issuer is issuer, after libcrypto checked it:
// d2i_OCSP_RESPONSE (all of der), OCSP_response_status (successful),
// OCSP_response_get1_basic, OCSP_basic_verify (flags 0: the signer is
// found among the response's certificates, opts.Intermediates and issuer,
// chains
// to opts.Ctx's store and is the issuer or a responder it authorised),
// OCSP_cert_to_id(NULL, leaf, issuer) and OCSP_resp_find_status, then
// OCSP_check_validity with opts.Skew. A revoked or unknown status is not
// an error: it is in the result. A failed step is an *OCSPCheckError. The
// handles are borrowed for the call. A build without OCSP gives
// ErrUnsupported.
func CheckOCSPResponse(der []byte, leaf, issuer *X509, opts OCSPCheckOptions) (OCSPSingleStatus, error) {
	const op = "OCSP_basic_verify"
	if initErr != nil {
		return OCSPSingleStatus{}, initErr
	}
	if !featureOCSP.built() {
		return OCSPSingleStatus{}, unsupported(op)
	}
	if len(der) == 0 {
		return OCSPSingleStatus{}, &OCSPCheckError{Cause: OCSPMalformed, ResponseStatus: -1, Err: errInput("d2i_OCSP_RESPONSE", "empty input")}
	}
	if len(der) > maxIO {
		return OCSPSingleStatus{}, errInput("d2i_OCSP_RESPONSE", "input too long")
	}
	lp, ip, cp := leaf.ptr(), issuer.ptr(), opts.Ctx.ptr()
	if lp == nil || ip == nil || cp == nil {
		return OCSPSingleStatus{}, fmt.Errorf("%s: leaf, issuer and opts.Ctx: %w", op, ErrFreed)
	}
	certs := make([]*C.X509, 0, len(opts.Intermediates))
	for _, x := range opts.Intermediates {
		p := x.ptr()
		if p == nil {
			return OCSPSingleStatus{}, fmt.Errorf("%s: opts.Intermediates: %w", op, ErrFreed)
		}
		certs = append(certs, p)
	}
	var certsp **C.X509
	if len(certs) > 0 {
		certsp = &certs[0]
	}
	var out [5]C.int
	var t [3]C.int64_t
	out[3] = -1
	err := c_ocsp_check(bytesPtr(der), C.int(len(der)), lp, ip, certsp, C.int(len(certs)), cp,
		skewSeconds(opts.Skew), &out[0], &t[0])
	runtime.KeepAlive(leaf)
	runtime.KeepAlive(issuer)
	runtime.KeepAlive(opts.Ctx)
	runtime.KeepAlive(opts.Intermediates)
	runtime.KeepAlive(certs)
	return ocspResult(err, out, t)
}

// CheckOCSPResponse checks the OCSP response a client connection received
// (SSL_get_tlsext_status_ocsp_resp) for the server's leaf, as the
// package-level CheckOCSPResponse does: the issuer is the next certificate
// of the verified chain (SSL_get0_verified_chain; of the chain the server
// sent, SSL_get_peer_cert_chain, when none was verified), the signer is
// verified against the store of the SSL's context with that chain as
// untrusted certificates, and skew is OCSP_check_validity's (0:
// DefaultOCSPSkew). Meant for the status callback of a verifying client,
// which runs after the chain was verified. No response is an
// *OCSPCheckError with OCSPMalformed.
func (s *SSL) CheckOCSPResponse(skew time.Duration) (OCSPSingleStatus, error) {
	if !featureOCSP.built() {
		return OCSPSingleStatus{}, unsupported("OCSP_basic_verify")
	}
	return use2(s, func(p *C.SSL) (OCSPSingleStatus, error) {
		var out [5]C.int
		var t [3]C.int64_t
		out[3] = -1
		err := c_ssl_ocsp_check(p, skewSeconds(skew), &out[0], &t[0])
		return ocspResult(err, out, t)
	})
}

func skewSeconds(d time.Duration) C.long {
	if d <= 0 {
		d = DefaultOCSPSkew
	}
	return C.long(d / time.Second)
}

// ocspResult turns lsh_ocsp_check's outputs into the result.
func ocspResult(err error, out [5]C.int, t [3]C.int64_t) (OCSPSingleStatus, error) {
	cause := OCSPCheckCause(out[0])
	var st *OCSPSingleStatus
	if cause == 0 || cause == OCSPOutsideValidity {
		st = &OCSPSingleStatus{Status: OCSPCertStatus(out[1]), RevocationReason: int(out[2])}
		set := int(out[4])
		unix := func(bit int, v C.int64_t) time.Time {
			if set&bit == 0 {
				return time.Time{}
			}
			return time.Unix(int64(v), 0).UTC()
		}
		st.RevokedAt, st.ThisUpdate, st.NextUpdate = unix(1, t[0]), unix(2, t[1]), unix(4, t[2])
	}
	if err == nil && cause == 0 {
		return *st, nil
	}
	if cause == 0 {
		cause = OCSPInternal
	}
	return OCSPSingleStatus{}, &OCSPCheckError{Cause: cause, ResponseStatus: int(out[3]), Status: st, Err: err}
}

// StatusType returns the certificate status type the SSL asks for
// (SSL_get_tlsext_status_type): StatusTypeOCSP after SetStatusTypeOCSP,
// else StatusTypeNone (-1); 0, which is neither, on a nil or freed handle.
func (s *SSL) StatusType() int {
	return get(s, 0, func(p *C.SSL) int { return int(c_ssl_get_status_type(p)) })
}

// StatusType returns the certificate status type the context's client
// connections ask for (SSL_CTX_get_tlsext_status_type): StatusTypeOCSP
// after SetStatusTypeOCSP, else StatusTypeNone; 0, which is neither, on a
// nil or freed handle.
func (c *Ctx) StatusType() int {
	return get(c, 0, func(p *C.SSL_CTX) int { return int(c_ctx_get_status_type(p)) })
}

// The certificate status types (TLSEXT_STATUSTYPE_*).
const (
	StatusTypeNone = -1
	StatusTypeOCSP = C.TLSEXT_STATUSTYPE_ocsp
)
