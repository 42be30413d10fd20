package libssl_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"testing"
	"time"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
)

func x509Of(t *testing.T, certPEM []byte) *libssl.X509 {
	t.Helper()
	x, err := libssl.ParseX509PEM(certPEM)
	check(t, err)
	t.Cleanup(x.Free)
	return x
}

// trustCtx is a client context that trusts the revocation test CA.
func trustCtx(t *testing.T) *libssl.Ctx {
	t.Helper()
	c, err := libssl.NewCtx(libssl.TLSClientMethod)
	check(t, err)
	t.Cleanup(c.Free)
	check(t, c.AddTrustedCertPEM(testcerts.GetRevocation().CACert))
	return c
}

// CheckOCSPResponse returns what a response signed by the issuer (or by a
// responder it authorised) says of the certificate, with its times, and
// names the step that refused any other response.
func TestCheckOCSPResponse(t *testing.T) {
	r := testcerts.GetRevocation()
	ctx := trustCtx(t)
	leaf, issuer := x509Of(t, r.Server.CertPEM), x509Of(t, r.CACert)
	strangerLeaf, strangerCA := x509Of(t, r.Stranger.CertPEM), x509Of(t, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.Untrusted.Raw}))
	otherKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	check(t, err)
	now := time.Now()
	tryLater, err := libssl.NewOCSPResponseDER(libssl.OCSPResponseTryLater)
	check(t, err)
	good := r.Server.OCSPResponse(testcerts.Good, testcerts.OCSPOptions{})
	for _, tc := range []struct {
		name          string
		der           []byte
		leaf, issuer  *libssl.X509
		skew          time.Duration
		status        libssl.OCSPCertStatus
		reason        int
		cause         libssl.OCSPCheckCause
		hasNextUpdate bool
	}{
		{name: "good", der: good, status: libssl.OCSPGood, reason: libssl.OCSPNoReason, hasNextUpdate: true},
		{name: "revoked", der: r.Server.OCSPResponse(testcerts.Revoked, testcerts.OCSPOptions{Reason: 1}),
			status: libssl.OCSPRevoked, reason: 1, hasNextUpdate: true},
		{name: "unknown", der: r.Server.OCSPResponse(testcerts.Unknown, testcerts.OCSPOptions{}),
			status: libssl.OCSPUnknown, reason: libssl.OCSPNoReason, hasNextUpdate: true},
		{name: "delegated responder", der: r.Server.OCSPResponse(testcerts.Good, testcerts.OCSPOptions{SignedBy: r.Responder}),
			status: libssl.OCSPGood, reason: libssl.OCSPNoReason, hasNextUpdate: true},
		{name: "no nextUpdate", der: r.Server.OCSPResponse(testcerts.Good, testcerts.OCSPOptions{NoNextUpdate: true}),
			status: libssl.OCSPGood, reason: libssl.OCSPNoReason},
		{name: "expired within the skew", der: r.Server.OCSPResponse(testcerts.Good, testcerts.OCSPOptions{NextUpdate: now.Add(-time.Minute)}),
			status: libssl.OCSPGood, reason: libssl.OCSPNoReason, hasNextUpdate: true},
		{name: "expired", der: r.Server.OCSPResponse(testcerts.Good, testcerts.OCSPOptions{ThisUpdate: now.Add(-3 * time.Hour), NextUpdate: now.Add(-time.Hour)}),
			cause: libssl.OCSPOutsideValidity},
		{name: "expired beyond a short skew", der: r.Server.OCSPResponse(testcerts.Good, testcerts.OCSPOptions{NextUpdate: now.Add(-time.Minute)}),
			skew: 10 * time.Second, cause: libssl.OCSPOutsideValidity},
		{name: "not yet valid", der: r.Server.OCSPResponse(testcerts.Good, testcerts.OCSPOptions{ThisUpdate: now.Add(time.Hour)}),
			cause: libssl.OCSPOutsideValidity},
		{name: "bad signature", der: r.Server.OCSPResponse(testcerts.Good, testcerts.OCSPOptions{SignedByKey: otherKey}),
			cause: libssl.OCSPBadSignature},
		{name: "untrusted signer", der: r.Stranger.OCSPResponse(testcerts.Good, testcerts.OCSPOptions{}),
			leaf: strangerLeaf, issuer: strangerCA, cause: libssl.OCSPBadSignature},
		{name: "responder not authorised", der: r.Server.OCSPResponse(testcerts.Good, testcerts.OCSPOptions{SignedBy: r.Client}),
			cause: libssl.OCSPBadSignature},
		{name: "for another certificate", der: r.Revoked.OCSPResponse(testcerts.Good, testcerts.OCSPOptions{}),
			cause: libssl.OCSPNotForCertificate},
		{name: "garbage", der: []byte("not an OCSP response"), cause: libssl.OCSPMalformed},
		{name: "truncated", der: good[:len(good)/2], cause: libssl.OCSPMalformed},
		{name: "trailing byte", der: append(append([]byte(nil), good...), 0), cause: libssl.OCSPMalformed},
		{name: "empty", der: nil, cause: libssl.OCSPMalformed},
		{name: "tryLater", der: tryLater, cause: libssl.OCSPNotSuccessful},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, i := leaf, issuer
			if tc.leaf != nil {
				l, i = tc.leaf, tc.issuer
			}
			st, err := libssl.CheckOCSPResponse(tc.der, l, i, libssl.OCSPCheckOptions{Ctx: ctx, Skew: tc.skew})
			if tc.cause != 0 {
				var ce *libssl.OCSPCheckError
				if !errors.As(err, &ce) || ce.Cause != tc.cause {
					t.Fatalf("CheckOCSPResponse = %+v, %v; want an *OCSPCheckError with cause %v", st, err, tc.cause)
				}
				if tc.cause == libssl.OCSPNotSuccessful && ce.ResponseStatus != libssl.OCSPResponseTryLater {
					t.Errorf("ResponseStatus = %d, want tryLater", ce.ResponseStatus)
				}
				if tc.cause == libssl.OCSPOutsideValidity && (ce.Status == nil || ce.Status.Status != libssl.OCSPGood) {
					t.Errorf("an out-of-date response's Status = %+v, want the good entry", ce.Status)
				}
				return
			}
			if err != nil {
				t.Fatalf("CheckOCSPResponse: %v", err)
			}
			if st.Status != tc.status || st.RevocationReason != tc.reason {
				t.Errorf("status %v reason %d, want %v %d", st.Status, st.RevocationReason, tc.status, tc.reason)
			}
			if d := st.ThisUpdate.Sub(now.Add(-time.Hour)); d < -2*time.Second || d > 2*time.Second {
				t.Errorf("ThisUpdate = %v, want about an hour ago (%v)", st.ThisUpdate, now.Add(-time.Hour))
			}
			if st.NextUpdate.IsZero() == tc.hasNextUpdate {
				t.Errorf("NextUpdate = %v, want set: %v", st.NextUpdate, tc.hasNextUpdate)
			}
			if tc.status == libssl.OCSPRevoked {
				if d := st.RevokedAt.Sub(now.Add(-2 * time.Hour)); d < -2*time.Second || d > 2*time.Second {
					t.Errorf("RevokedAt = %v, want about two hours ago", st.RevokedAt)
				}
			} else if !st.RevokedAt.IsZero() {
				t.Errorf("RevokedAt = %v on a %v status", st.RevokedAt, st.Status)
			}
		})
	}
	// The signer chains through an untrusted intermediate only when it is
	// given: a store that trusts nothing refuses even the good response.
	empty, err := libssl.NewCtx(libssl.TLSClientMethod)
	check(t, err)
	defer empty.Free()
	var ce *libssl.OCSPCheckError
	if _, err := libssl.CheckOCSPResponse(good, leaf, issuer, libssl.OCSPCheckOptions{Ctx: empty}); !errors.As(err, &ce) || ce.Cause != libssl.OCSPBadSignature {
		t.Errorf("with an empty store: %v, want OCSPBadSignature", err)
	}
	if _, err := libssl.CheckOCSPResponse(good, leaf, issuer, libssl.OCSPCheckOptions{}); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("without a Ctx: %v, want ErrFreed", err)
	}
}

// A client's status callback checks the stapled response against the
// chain it verified (SSL.CheckOCSPResponse): good passes, revoked is
// reported as such, and a connection that got no response says so.
func TestSSLCheckOCSPResponse(t *testing.T) {
	r := testcerts.GetRevocation()
	for _, v := range []libssl.ProtocolVersion{libssl.TLS1_2, libssl.TLS1_3} {
		for _, tc := range []struct {
			name   string
			staple []byte
			status libssl.OCSPCertStatus
			cause  libssl.OCSPCheckCause
		}{
			{"good", r.Server.OCSPResponse(testcerts.Good, testcerts.OCSPOptions{}), libssl.OCSPGood, 0},
			{"revoked", r.Server.OCSPResponse(testcerts.Revoked, testcerts.OCSPOptions{Reason: 4}), libssl.OCSPRevoked, 0},
			{"none", nil, 0, libssl.OCSPMalformed},
		} {
			t.Run(v.String()+" "+tc.name, func(t *testing.T) {
				sctx := revServerCtx(t, r.Server, v)
				cctx := trustCtx(t)
				check(t, cctx.SetVerify(libssl.VerifyPeer, nil))
				check(t, sctx.SetStatusCallback(func(s *libssl.SSL) int {
					if tc.staple == nil {
						return libssl.StatusServerNoAck
					}
					check(t, s.SetOCSPResponse(tc.staple))
					return libssl.StatusServerOK
				}))
				check(t, cctx.SetStatusTypeOCSP())
				var got libssl.OCSPSingleStatus
				var gotErr error
				ran := 0
				check(t, cctx.SetStatusCallback(func(s *libssl.SSL) int {
					ran++
					got, gotErr = s.CheckOCSPResponse(0)
					return libssl.StatusClientAccept
				}))
				p := newPair(t, cctx, sctx)
				defer p.Free()
				check(t, p.Handshake())
				if ran != 1 {
					t.Fatalf("client status callback ran %d times", ran)
				}
				if tc.cause != 0 {
					var ce *libssl.OCSPCheckError
					if !errors.As(gotErr, &ce) || ce.Cause != tc.cause {
						t.Errorf("CheckOCSPResponse: %v, want cause %v", gotErr, tc.cause)
					}
					return
				}
				if gotErr != nil || got.Status != tc.status {
					t.Errorf("CheckOCSPResponse = %+v, %v; want status %v", got, gotErr, tc.status)
				}
			})
		}
	}
}

// revServerCtx is a server context with an issued certificate.
func revServerCtx(t *testing.T, c *testcerts.Issued, v libssl.ProtocolVersion) *libssl.Ctx {
	t.Helper()
	s, err := libssl.NewCtx(libssl.TLSServerMethod)
	check(t, err)
	t.Cleanup(s.Free)
	check(t, s.UseCertificatePEM(c.ChainPEM))
	check(t, s.UsePrivateKeyPEM(c.KeyPEM))
	check(t, s.SetMinProtoVersion(v))
	check(t, s.SetMaxProtoVersion(v))
	return s
}

// CRLs in the context's store revoke a server's certificate once the
// context checks them (X509_V_FLAG_CRL_CHECK): the handshake fails with
// X509_V_ERR_CERT_REVOKED; without the flag the CRL is not consulted, and
// a certificate it does not list passes. PEM and DER both load.
func TestCtxAddCRL(t *testing.T) {
	r := testcerts.GetRevocation()
	crlDER := r.CRL(r.Revoked)
	crlPEM := pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crlDER})
	for _, tc := range []struct {
		name   string
		server *testcerts.Issued
		crl    []byte
		flags  libssl.VerifyParamFlags
		want   int
	}{
		{"revoked, DER, leaf", r.Revoked, crlDER, libssl.VFlagCRLCheck, libssl.VerifyErrCertRevoked},
		{"revoked, PEM, chain", r.Revoked, crlPEM, libssl.VFlagCRLCheck | libssl.VFlagCRLCheckAll, libssl.VerifyErrCertRevoked},
		{"not listed", r.Server, crlPEM, libssl.VFlagCRLCheck | libssl.VFlagCRLCheckAll, libssl.VerifyOK},
		{"flag off", r.Revoked, crlDER, 0, libssl.VerifyOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sctx := revServerCtx(t, tc.server, libssl.TLS1_3)
			cctx := trustCtx(t)
			check(t, cctx.SetVerify(libssl.VerifyPeer, nil))
			if n, err := cctx.AddCRL(tc.crl); err != nil || n != 1 {
				t.Fatalf("AddCRL = %d, %v; want 1", n, err)
			}
			if tc.flags != 0 {
				check(t, cctx.SetVerifyParamFlags(tc.flags))
			}
			if got := cctx.VerifyParamFlags(); got&tc.flags != tc.flags {
				t.Errorf("VerifyParamFlags = %#x, want %#x set", got, tc.flags)
			}
			p := newPair(t, cctx, sctx)
			defer p.Free()
			err := p.Handshake()
			if got := p.Client.VerifyResult(); got != tc.want || (err == nil) != (tc.want == libssl.VerifyOK) {
				t.Errorf("handshake: %v, verify result %d (%s); want %d", err, got, libssl.VerifyResultString(got), tc.want)
			}
		})
	}
	c := trustCtx(t)
	for _, bad := range [][]byte{nil, []byte("no CRL here"), crlDER[:len(crlDER)-1], r.CACert} {
		if n, err := c.AddCRL(bad); err == nil {
			t.Errorf("AddCRL(%.20q) = %d, nil; want an error", bad, n)
		}
	}
	c.Free()
	if _, err := c.AddCRL(crlDER); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("AddCRL on a freed Ctx: %v", err)
	}
}
