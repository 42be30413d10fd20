package openssl

// OCSP stapling (the status_request extension, RFC 6066 and RFC 8446
// section 4.4.2.1) and certificate revocation lists.
//
// A server staples the chosen certificate's Certificate.OCSPStaple when a
// client asks: the status callback (SSL_CTX_set_tlsext_status_cb), which
// libssl runs once the certificate is chosen (after the servername
// callback), sets a copy (SSL_set_tlsext_status_ocsp_resp) or answers
// SSL_TLSEXT_ERR_NOACK when that certificate has none.
//
// A client always asks for a staple, as crypto/tls's does
// (SSL_CTX_set_tlsext_status_type; not on a caller's Config.Ctx, which the
// caller configures), and exposes it as
// ConnectionState.OCSPResponse. When one arrives and the client verifies
// the server, libcrypto checks it in the client's status callback, which
// libssl runs after it verified the chain (libssl.SSL.CheckOCSPResponse:
// the signer must be the issuer or a responder it authorised, chaining to
// RootCAs; the response must hold the leaf's status and be current within
// libssl.DefaultOCSPSkew). A response that fails the check, or says the
// certificate is revoked or unknown, fails the handshake with an
// *OCSPError and a bad_certificate_status_response alert to the server.
// No staple is not an error: VerifyConnection may require one.
//
// In TLS 1.2 the staple arrives in the CertificateStatus message, after
// the certificate was verified: a client's VerifyConnection then runs in
// the status callback, so that it sees OCSPResponse, and its error is sent
// as bad_certificate_status_response (the only refusal that callback has).
// In TLS 1.3 the staple comes with the certificate and VerifyConnection
// runs where it always does.

import (
	"bytes"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	libssl "github.com/libssl-go/libssl"
)

// OCSPError is a handshake failure caused by the OCSP response the server
// stapled: the certificate is revoked or unknown to the responder (Cause
// 0), or the response did not pass libcrypto's check (Cause says which
// step, Err has the check's *libssl.OCSPCheckError).
type OCSPError struct {
	Status           libssl.OCSPCertStatus // what the response says, when it says it
	RevocationReason int                   // CRLReason code, libssl.OCSPNoReason when none
	RevokedAt        time.Time             // zero unless revoked
	Cause            libssl.OCSPCheckCause // 0: the response was valid
	Err              error                 // the check's error, nil when Cause is 0
}

func (e *OCSPError) Error() string {
	if e.Cause != 0 {
		return "openssl: the server's stapled OCSP response was refused: " + e.Err.Error()
	}
	switch e.Status {
	case libssl.OCSPRevoked:
		s := "openssl: the server's certificate is revoked (OCSP)"
		if e.RevocationReason != libssl.OCSPNoReason {
			s += ": " + libssl.OCSPReasonString(e.RevocationReason)
		}
		if !e.RevokedAt.IsZero() {
			s += ", since " + e.RevokedAt.UTC().Format(time.RFC3339)
		}
		return s
	case libssl.OCSPUnknown:
		return "openssl: the server's certificate status is unknown to its OCSP responder"
	}
	return fmt.Sprintf("openssl: OCSP status %v", e.Status)
}

func (e *OCSPError) Unwrap() error { return e.Err }

// configureRevocation sets up stapling and CRLs on a context the Config
// built: a client asks for a staple and checks it; a server whose
// certificates (or GetCertificate) may staple gets the status callback;
// CRLs go into the verify store with the CRL-check flags.
func (cfg *Config) configureRevocation(ctx *libssl.Ctx, isClient bool) error {
	if isClient {
		if err := ctx.SetStatusTypeOCSP(); err != nil {
			if errors.Is(err, libssl.ErrUnsupported) {
				return nil // a build without OCSP: no stapling
			}
			return fmt.Errorf("openssl: SSL_CTX_set_tlsext_status_type: %w", err)
		}
		if err := ctx.SetStatusCallback(statusCallback); err != nil {
			return fmt.Errorf("openssl: SSL_CTX_set_tlsext_status_cb: %w", err)
		}
	} else if cfg.GetCertificate != nil || cfg.hasStaple() {
		if err := ctx.SetStatusCallback(statusCallback); err != nil {
			return fmt.Errorf("openssl: SSL_CTX_set_tlsext_status_cb: %w", err)
		}
	}
	if len(cfg.CRLs) == 0 {
		return nil
	}
	for i, crl := range cfg.CRLs {
		if _, err := ctx.AddCRL(crl); err != nil {
			return fmt.Errorf("openssl: Config.CRLs[%d]: %w", i, err)
		}
	}
	flags := libssl.VFlagCRLCheck
	if cfg.CRLCheckAll {
		flags |= libssl.VFlagCRLCheckAll
	}
	if err := ctx.SetVerifyParamFlags(flags); err != nil {
		return fmt.Errorf("openssl: Config.CRLs: %w", err)
	}
	return nil
}

func (cfg *Config) hasStaple() bool {
	for _, c := range cfg.Certificates {
		if len(c.OCSPStaple) > 0 {
			return true
		}
	}
	return false
}

// statusCallback is the status callback of the Config's contexts: on a
// server it staples the chosen certificate's OCSPStaple, on a client it
// records and checks the staple.
func statusCallback(s *libssl.SSL) int {
	c := connOf(s)
	if s.IsServer() {
		if c == nil {
			return libssl.StatusServerNoAck
		}
		staple := c.stapleFor(s)
		if len(staple) == 0 {
			return libssl.StatusServerNoAck
		}
		if err := s.SetOCSPResponse(staple); err != nil {
			c.hooks.hookErr = fmt.Errorf("openssl: stapling Certificate.OCSPStaple: %w", err)
			return libssl.StatusServerAlertFatal
		}
		return libssl.StatusServerOK
	}
	if c == nil {
		return libssl.StatusClientAccept
	}
	if len(s.OCSPResponse()) > 0 && c.peerVerifies() {
		if err := checkStaple(s); err != nil {
			c.hooks.hookErr = err
			return libssl.StatusClientReject
		}
	}
	if c.hooks.vcDeferred {
		c.hooks.vcDeferred = false
		if err := c.runDeferredVerifyConnection(s); err != nil {
			c.hooks.hookErr = err
			return libssl.StatusClientReject
		}
	}
	return libssl.StatusClientAccept
}

// checkStaple checks the response a verifying client received; nil when
// it says the certificate is good.
func checkStaple(s *libssl.SSL) error {
	st, err := s.CheckOCSPResponse(0)
	if err != nil {
		var ce *libssl.OCSPCheckError
		if errors.As(err, &ce) {
			e := &OCSPError{Cause: ce.Cause, Err: err, RevocationReason: libssl.OCSPNoReason}
			if ce.Status != nil {
				e.Status, e.RevocationReason, e.RevokedAt = ce.Status.Status, ce.Status.RevocationReason, ce.Status.RevokedAt
			}
			return e
		}
		return fmt.Errorf("openssl: checking the stapled OCSP response: %w", err)
	}
	if st.Status == libssl.OCSPGood {
		return nil
	}
	return &OCSPError{Status: st.Status, RevocationReason: st.RevocationReason, RevokedAt: st.RevokedAt}
}

// stapleFor returns the OCSPStaple of the certificate the server chose:
// the one GetCertificate returned, else the Certificates entry whose leaf
// the SSL uses (SSL_get_certificate).
func (c *Conn) stapleFor(s *libssl.SSL) []byte {
	if c.hooks.chosen != nil {
		return c.hooks.chosen.OCSPStaple
	}
	cfg := c.hooks.active
	if !cfg.hasStaple() {
		return nil
	}
	leaf := s.Certificate()
	if leaf == nil {
		return nil
	}
	der, err := leaf.DER()
	leaf.Free()
	if err != nil {
		return nil
	}
	for _, cert := range cfg.Certificates {
		if len(cert.OCSPStaple) > 0 && bytes.Equal(firstCertDER(cert.CertPEM), der) {
			return cert.OCSPStaple
		}
	}
	return nil
}

// firstCertDER is the DER of a PEM chain's first certificate, nil when
// there is none.
func firstCertDER(certPEM []byte) []byte {
	rest := certPEM
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil
		}
		if b.Type == "CERTIFICATE" {
			return b.Bytes
		}
	}
}

// defersVerifyConnection reports whether a client's VerifyConnection waits
// for the status callback: TLS 1.2 on a context the Config built (which
// asks for a staple), where the staple arrives after the certificate.
func (c *Conn) defersVerifyConnection(s *libssl.SSL) bool {
	return c.isClient && c.config.Ctx == nil && s.Version() < libssl.TLS1_3 && s.StatusType() == libssl.StatusTypeOCSP
}

// runDeferredVerifyConnection runs a TLS 1.2 client's VerifyConnection
// from the status callback, with the staple.
func (c *Conn) runDeferredVerifyConnection(s *libssl.SSL) error {
	f := c.hooks.active.VerifyConnection
	if f == nil {
		return nil
	}
	raw, err := s.PeerCertChainDER()
	if err != nil {
		return fmt.Errorf("openssl: reading the peer's chain: %w", err)
	}
	st := c.stateDuring(s, raw, c.parseVerified())
	c.hooks.vcRan = true
	if err := f(st); err != nil {
		return fmt.Errorf("openssl: Config.VerifyConnection: %w", err)
	}
	return nil
}
