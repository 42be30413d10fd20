package libssl_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"testing"
	"time"

	libssl "github.com/libssl-go/libssl"
)

// rsaCertPEM makes a self-signed RSA certificate and its key, for cipher
// suites that need an RSA server (DHE-RSA).
func rsaCertPEM(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "dhe-server"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}

// A TLS 1.2 server offering only DHE-RSA and holding no DH parameters
// completes the handshake only with automatic parameters (SetDHAuto). The
// client offers no FFDHE group: from OpenSSL 4.0 a group the two share
// (RFC 7919) also gives the server DH parameters, automatic or not.
func TestSetDHAutoEnablesDHE(t *testing.T) {
	certPEM, keyPEM := rsaCertPEM(t)
	for _, auto := range []bool{false, true} {
		sctx, err := libssl.NewCtx(libssl.TLSServerMethod)
		if err != nil {
			t.Fatal(err)
		}
		cctx, err := libssl.NewCtx(libssl.TLSClientMethod)
		if err != nil {
			t.Fatal(err)
		}
		for _, err := range []error{
			sctx.UseCertificatePEM(certPEM), sctx.UsePrivateKeyPEM(keyPEM),
			sctx.SetMaxProtoVersion(libssl.TLS1_2), cctx.SetMaxProtoVersion(libssl.TLS1_2),
			sctx.SetCipherList("DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=1"),
			cctx.SetCipherList("DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=1"),
			cctx.SetGroupsList("X25519:P-256"),
		} {
			check(t, err)
		}
		if auto {
			check(t, sctx.SetDHAuto(true))
		}
		p := newPair(t, cctx, sctx)
		err = p.Handshake()
		if auto && err != nil {
			t.Errorf("with SetDHAuto(true): handshake failed: %v", err)
		}
		if !auto && err == nil {
			t.Errorf("without DH parameters: DHE handshake succeeded")
		}
		p.Free()
		sctx.Free()
		cctx.Free()
	}
}

// NegotiatedGroupID is the group's NID for a group that has one (X25519),
// 0 before a handshake, and (0, false) on a freed handle.
func TestNegotiatedGroupID(t *testing.T) {
	if libssl.RuntimeVersion() < 0x30000000 {
		sctx := serverCtx(t, ctxOpts{version: libssl.TLS1_2})
		defer sctx.Free()
		s, err := libssl.New(sctx)
		check(t, err)
		defer s.Free()
		if _, ok := s.NegotiatedGroupID(); ok {
			t.Error("NegotiatedGroupID answered on a build without SSL_get_negotiated_group")
		}
		return
	}
	_, _, run := handshakeGroup(t, libssl.TLS1_3, "X25519")
	c, s := run()
	x25519 := libssl.ObjectNID("X25519")
	for name, h := range map[string]*libssl.SSL{"client": c, "server": s} {
		if id, ok := h.NegotiatedGroupID(); !ok || id != x25519 {
			t.Errorf("%s NegotiatedGroupID = %d, %v; want X25519 %d", name, id, ok, x25519)
		}
	}
}

// CompressCerts is OpenSSL 3.2's: before it, ErrUnsupported; from it, a
// context holding a certificate compresses it (Debian's builds have zlib).
func TestCompressCerts(t *testing.T) {
	sctx := serverCtx(t, ctxOpts{version: libssl.TLS1_3})
	defer sctx.Free()
	err := sctx.CompressCerts(0)
	if libssl.HeaderVersion() < 0x30200000 {
		if !errors.Is(err, libssl.ErrUnsupported) {
			t.Errorf("CompressCerts on %s = %v, want ErrUnsupported", libssl.RuntimeVersionText(), err)
		}
		return
	}
	if err != nil {
		t.Errorf("CompressCerts: %v", err)
	}
}
