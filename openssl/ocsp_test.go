package openssl

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
	"golang.org/x/crypto/ocsp"
)

func revCert(c *testcerts.Issued, staple []byte) Certificate {
	return Certificate{CertPEM: c.ChainPEM, KeyPEM: c.KeyPEM, OCSPStaple: staple}
}

func goRevCert(t *testing.T, c *testcerts.Issued, staple []byte) tls.Certificate {
	t.Helper()
	cert, err := tls.X509KeyPair(c.ChainPEM, c.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	cert.OCSPStaple = staple
	return cert
}

func revPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(testcerts.GetRevocation().CACert)
	return p
}

func revClientConfig(v uint16) *Config {
	return &Config{RootCAs: testcerts.GetRevocation().CACert, ServerName: "localhost", MinVersion: v, MaxVersion: v}
}

// Our server staples Certificate.OCSPStaple for a crypto/tls client, which
// reads it back as tls.ConnectionState.OCSPResponse: for the certificate
// of Certificates, for the one chosen by name among several, and for the
// one GetCertificate returns; a certificate without one staples nothing.
// Each staple is a response for its own certificate: from 3.6 libssl sends
// no other.
func TestOCSPStapleToGoClient(t *testing.T) {
	r := testcerts.GetRevocation()
	localStaple := r.Server.OCSPResponse(testcerts.Good, testcerts.OCSPOptions{})
	other := issueCert(t, "other.example", "other.example")
	otherStaple := testCAStaple(t, other)
	for _, ver := range versions {
		for _, tc := range []struct {
			name, sni string
			cfg       func() *Config
			want      []byte
		}{
			{"Certificates", "localhost", func() *Config {
				return &Config{Certificates: []Certificate{revCert(r.Server, localStaple)}}
			}, localStaple},
			{"no staple", "localhost", func() *Config {
				return &Config{Certificates: []Certificate{revCert(r.Server, nil)}}
			}, nil},
			{"by name, default", "localhost", func() *Config {
				o := other
				o.OCSPStaple = otherStaple
				return &Config{Certificates: []Certificate{revCert(r.Server, localStaple), o}}
			}, localStaple},
			{"by name, second", "other.example", func() *Config {
				o := other
				o.OCSPStaple = otherStaple
				return &Config{Certificates: []Certificate{revCert(r.Server, localStaple), o}}
			}, otherStaple},
			{"by name, second without one", "other.example", func() *Config {
				return &Config{Certificates: []Certificate{revCert(r.Server, localStaple), other}}
			}, nil},
			{"GetCertificate", "other.example", func() *Config {
				return &Config{
					Certificates: []Certificate{revCert(r.Server, localStaple)},
					GetCertificate: func(h *ClientHelloInfo) (*Certificate, error) {
						o := other
						o.OCSPStaple = otherStaple
						return &o, nil
					},
				}
			}, otherStaple},
		} {
			t.Run(ver.name+" "+tc.name, func(t *testing.T) {
				cfg := tc.cfg()
				cfg.MinVersion, cfg.MaxVersion = ver.v, ver.v
				defer cfg.Free()
				res := pairGoClient(t, cfg, &tls.Config{ServerName: tc.sni, InsecureSkipVerify: true, MinVersion: ver.v, MaxVersion: ver.v})
				if res.ourErr != nil || res.goErr != nil {
					t.Fatalf("ours %v, crypto/tls %v", res.ourErr, res.goErr)
				}
				if !bytes.Equal(res.goState.OCSPResponse, tc.want) {
					t.Errorf("crypto/tls saw %d bytes of staple, want %d", len(res.goState.OCSPResponse), len(tc.want))
				}
				if got := res.ours.OpenSSLState().OCSPResponse; got != nil {
					t.Errorf("the server's OCSPResponse = %x, want nil", got)
				}
			})
		}
	}
}

// Our client reads what a crypto/tls server staples and checks it:
// a good response passes and shows in both ConnectionStates; revoked and
// unknown, and responses that fail the check, fail the handshake with an
// *OCSPError, and crypto/tls hears bad_certificate_status_response. A
// client that does not verify takes any staple unchecked.
func TestOCSPClientAgainstGoServer(t *testing.T) {
	r := testcerts.GetRevocation()
	otherKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	good := r.Server.OCSPResponse(testcerts.Good, testcerts.OCSPOptions{})
	for _, ver := range versions {
		for _, tc := range []struct {
			name     string
			staple   []byte
			insecure bool
			status   libssl.OCSPCertStatus
			cause    libssl.OCSPCheckCause
			fails    bool
			reason   string
		}{
			{name: "good", staple: good},
			{name: "none", staple: nil},
			{name: "good from a delegated responder", staple: r.Server.OCSPResponse(testcerts.Good, testcerts.OCSPOptions{SignedBy: r.Responder})},
			{name: "revoked", staple: r.Server.OCSPResponse(testcerts.Revoked, testcerts.OCSPOptions{Reason: 1}),
				fails: true, status: libssl.OCSPRevoked, reason: "revoked (OCSP): keyCompromise"},
			{name: "unknown", staple: r.Server.OCSPResponse(testcerts.Unknown, testcerts.OCSPOptions{}),
				fails: true, status: libssl.OCSPUnknown, reason: "unknown"},
			{name: "garbage", staple: []byte("garbage"), fails: true, cause: libssl.OCSPMalformed},
			{name: "truncated", staple: good[:len(good)-10], fails: true, cause: libssl.OCSPMalformed},
			{name: "for another certificate", staple: r.Revoked.OCSPResponse(testcerts.Good, testcerts.OCSPOptions{}),
				fails: true, cause: libssl.OCSPNotForCertificate},
			{name: "bad signature", staple: r.Server.OCSPResponse(testcerts.Good, testcerts.OCSPOptions{SignedByKey: otherKey}),
				fails: true, cause: libssl.OCSPBadSignature},
			{name: "expired", staple: r.Server.OCSPResponse(testcerts.Good, testcerts.OCSPOptions{
				ThisUpdate: time.Now().Add(-3 * time.Hour), NextUpdate: time.Now().Add(-time.Hour)}),
				fails: true, cause: libssl.OCSPOutsideValidity},
			{name: "revoked, not verifying", staple: r.Server.OCSPResponse(testcerts.Revoked, testcerts.OCSPOptions{}), insecure: true},
		} {
			t.Run(ver.name+" "+tc.name, func(t *testing.T) {
				want := tc.staple
				// From 3.6 libssl decodes a staple itself: a client that
				// receives one that is not a DER OCSPResponse fails the
				// handshake with the decoder's error, before any callback
				// (so no *OCSPError).
				libsslDecodes := tc.cause == libssl.OCSPMalformed && libssl.RuntimeVersion() >= 0x30600000
				cfg := revClientConfig(ver.v)
				cfg.InsecureSkipVerify = tc.insecure
				defer cfg.Free()
				gcfg := &tls.Config{Certificates: []tls.Certificate{goRevCert(t, r.Server, tc.staple)}, MinVersion: ver.v, MaxVersion: ver.v}
				ours, ourErr, goState, goErr := pairGoServer(t, cfg, gcfg)
				if libsslDecodes {
					var oe *OCSPError
					if ourErr == nil || errors.As(ourErr, &oe) || !strings.Contains(ourErr.Error(), "asn1") {
						t.Fatalf("handshake: %v, want libssl's ASN.1 decoding error", ourErr)
					}
					return
				}
				if !tc.fails {
					if ourErr != nil || goErr != nil {
						t.Fatalf("ours %v, crypto/tls %v", ourErr, goErr)
					}
					if got := ours.OpenSSLState().OCSPResponse; !bytes.Equal(got, want) {
						t.Errorf("OpenSSLState().OCSPResponse = %d bytes, want %d", len(got), len(want))
					}
					if got := ours.ConnectionState().OCSPResponse; !bytes.Equal(got, want) {
						t.Errorf("ConnectionState().OCSPResponse = %d bytes, want %d", len(got), len(want))
					}
					return
				}
				var oe *OCSPError
				if !errors.As(ourErr, &oe) {
					t.Fatalf("handshake: %v, want an *OCSPError", ourErr)
				}
				if oe.Cause != tc.cause || tc.cause == 0 && oe.Status != tc.status {
					t.Errorf("OCSPError %+v, want cause %v status %v", oe, tc.cause, tc.status)
				}
				if tc.reason != "" && !strings.Contains(ourErr.Error(), tc.reason) {
					t.Errorf("error %q does not say %q", ourErr, tc.reason)
				}
				if tc.status == libssl.OCSPRevoked && (oe.RevocationReason != 1 || oe.RevokedAt.IsZero()) {
					t.Errorf("revoked: reason %d at %v, want keyCompromise at a time", oe.RevocationReason, oe.RevokedAt)
				}
				if tc.cause != 0 {
					var ce *libssl.OCSPCheckError
					if !errors.As(ourErr, &ce) || ce.Cause != tc.cause {
						t.Errorf("the error does not wrap the check's *OCSPCheckError: %v", ourErr)
					}
				}
				// In TLS 1.3 libssl's client sends its alert before it has
				// switched to the handshake keys, which crypto/tls, already
				// reading with them, reports as a bad record MAC
				// (TestOCSPRejectAlert shows that alert to a libssl server).
				if goErr == nil || ver.v == VersionTLS12 && !strings.Contains(goErr.Error(), "bad certificate status response") {
					t.Errorf("crypto/tls server: %v, want the bad_certificate_status_response alert", goErr)
				}
				if goState.HandshakeComplete && ver.v == VersionTLS12 {
					t.Errorf("crypto/tls completed a TLS 1.2 handshake our client refused")
				}
			})
		}
	}
}

// VerifyConnection sees the staple and can require one: in TLS 1.3 it
// comes with the certificate, in TLS 1.2 VerifyConnection waits for the
// CertificateStatus message.
func TestOCSPVerifyConnectionRequiresStaple(t *testing.T) {
	r := testcerts.GetRevocation()
	good := r.Server.OCSPResponse(testcerts.Good, testcerts.OCSPOptions{})
	errNoStaple := errors.New("no OCSP staple")
	for _, ver := range versions {
		for _, staple := range [][]byte{good, nil} {
			name := ver.name + " stapled"
			if staple == nil {
				name = ver.name + " not stapled"
			}
			t.Run(name, func(t *testing.T) {
				cfg := revClientConfig(ver.v)
				defer cfg.Free()
				ran := 0
				cfg.VerifyConnection = func(cs ConnectionState) error {
					ran++
					if len(cs.OCSPResponse) == 0 {
						return errNoStaple
					}
					if !bytes.Equal(cs.OCSPResponse, good) || len(cs.PeerCertificates) == 0 || len(cs.VerifiedChains) == 0 {
						return errors.New("incomplete state")
					}
					return nil
				}
				gcfg := &tls.Config{Certificates: []tls.Certificate{goRevCert(t, r.Server, staple)}, MinVersion: ver.v, MaxVersion: ver.v}
				_, ourErr, _, goErr := pairGoServer(t, cfg, gcfg)
				if ran != 1 {
					t.Errorf("VerifyConnection ran %d times, want once", ran)
				}
				if staple != nil {
					if ourErr != nil || goErr != nil {
						t.Fatalf("ours %v, crypto/tls %v", ourErr, goErr)
					}
					return
				}
				if !errors.Is(ourErr, errNoStaple) {
					t.Errorf("handshake: %v, want VerifyConnection's error", ourErr)
				}
				if goErr == nil {
					t.Error("crypto/tls server: the handshake succeeded")
				}
			})
		}
	}
}

// `openssl s_client -status` asks our server for the staple and prints the
// response it got.
func TestOCSPStapleToOpenSSLClient(t *testing.T) {
	r := testcerts.GetRevocation()
	staple := r.Server.OCSPResponse(testcerts.Good, testcerts.OCSPOptions{})
	for _, ver := range versions {
		t.Run(ver.name, func(t *testing.T) {
			flag := map[uint16]string{VersionTLS12: "-tls1_2", VersionTLS13: "-tls1_3"}[ver.v]
			f := certFiles(t, map[string][]byte{"ca.pem": r.CACert})
			scfg := &Config{Certificates: []Certificate{revCert(r.Server, staple)}, MinVersion: ver.v, MaxVersion: ver.v}
			defer scfg.Free()
			l, err := Listen("tcp", "127.0.0.1:0", scfg)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			c, sc := startSClient(t, l, "ping\n", "-servername", "localhost",
				"-CAfile", f["ca.pem"], "-verify_return_error", flag, "-status")
			if got, err := readFull(c, 5); err != nil || string(got) != "ping\n" {
				t.Fatalf("read %q, %v\n%s", got, err, sc.stderr.String())
			}
			c.Close()
			if err := sc.wait(); err != nil {
				t.Fatalf("s_client: %v\n%s\n%s", err, sc.out.String(), sc.stderr.String())
			}
			for _, want := range []string{"OCSP Response Status: successful", "Cert Status: good"} {
				if !strings.Contains(sc.out.String(), want) {
					t.Errorf("s_client output lacks %q:\n%s", want, sc.out.String())
				}
			}
		})
	}
}

// Config.CRLs: a client refuses a server whose certificate a CRL revokes,
// and a server that verifies client certificates refuses a revoked one,
// with X509_V_ERR_CERT_REVOKED; certificates the CRL does not list pass.
// CRLCheckAll checks the whole chain (the CA's CRL covers its own entry).
func TestConfigCRLs(t *testing.T) {
	r := testcerts.GetRevocation()
	crlDER := r.CRL(r.Revoked, r.RevClient)
	crlPEM := pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crlDER})
	for _, ver := range versions {
		for _, all := range []bool{false, true} {
			sfx := ""
			if all {
				sfx = " CRLCheckAll"
			}
			t.Run(ver.name+" client"+sfx, func(t *testing.T) {
				for _, tc := range []struct {
					server  *testcerts.Issued
					revoked bool
				}{{r.Server, false}, {r.Revoked, true}} {
					cfg := revClientConfig(ver.v)
					cfg.CRLs, cfg.CRLCheckAll = [][]byte{crlDER}, all
					gcfg := &tls.Config{Certificates: []tls.Certificate{goRevCert(t, tc.server, nil)}, MinVersion: ver.v, MaxVersion: ver.v}
					_, ourErr, _, goErr := pairGoServer(t, cfg, gcfg)
					cfg.Free()
					checkRevoked(t, "client", ver.v, tc.revoked, ourErr, goErr)
				}
			})
			t.Run(ver.name+" server"+sfx, func(t *testing.T) {
				for _, tc := range []struct {
					client  *testcerts.Issued
					revoked bool
				}{{r.Client, false}, {r.RevClient, true}} {
					cfg := &Config{Certificates: []Certificate{revCert(r.Server, nil)}, MinVersion: ver.v, MaxVersion: ver.v,
						ClientAuth: RequireAndVerifyClientCert, ClientCAs: r.CACert, CRLs: [][]byte{crlPEM}, CRLCheckAll: all}
					gcfg := &tls.Config{RootCAs: revPool(), ServerName: "localhost", MinVersion: ver.v, MaxVersion: ver.v,
						Certificates: []tls.Certificate{goRevCert(t, tc.client, nil)}}
					res := pairGoClient(t, cfg, gcfg)
					cfg.Free()
					checkRevoked(t, "server", ver.v, tc.revoked, res.ourErr, res.goErr)
				}
			})
		}
	}
	bad := &Config{CRLs: [][]byte{[]byte("not a CRL")}, RootCAs: r.CACert}
	defer bad.Free()
	if _, err := bad.ctx(true); err == nil || !strings.Contains(err.Error(), "Config.CRLs[0]") {
		t.Errorf("a Config with a bad CRL: %v, want an error naming Config.CRLs[0]", err)
	}
}

// checkRevoked checks a handshake against crypto/tls where our side
// checked CRLs. A TLS 1.3 client's alert comes before its handshake keys,
// which crypto/tls reports as a bad record MAC, so there only the failure
// is checked on its side.
func checkRevoked(t *testing.T, role string, v uint16, revoked bool, ourErr, goErr error) {
	t.Helper()
	if !revoked {
		if ourErr != nil || goErr != nil {
			t.Errorf("%s, certificate not revoked: ours %v, crypto/tls %v", role, ourErr, goErr)
		}
		return
	}
	var ve *CertificateVerificationError
	if !errors.As(ourErr, &ve) || ve.VerifyResult != libssl.VerifyErrCertRevoked || !strings.Contains(ve.Error(), "revoked") {
		t.Errorf("%s, revoked certificate: %v, want a CertificateVerificationError with X509_V_ERR_CERT_REVOKED", role, ourErr)
	}
	if goErr == nil || (role == "server" || v == VersionTLS12) && !strings.Contains(goErr.Error(), "revoked") {
		t.Errorf("%s, revoked certificate: crypto/tls %v, want the certificate_revoked alert", role, goErr)
	}
}

// The alert our client sends for a refused staple is
// bad_certificate_status_response in both versions, as a libssl server
// reads it.
func TestOCSPRejectAlert(t *testing.T) {
	r := testcerts.GetRevocation()
	staple := r.Server.OCSPResponse(testcerts.Revoked, testcerts.OCSPOptions{})
	for _, ver := range versions {
		t.Run(ver.name, func(t *testing.T) {
			scfg := &Config{Certificates: []Certificate{revCert(r.Server, staple)}, MinVersion: ver.v, MaxVersion: ver.v}
			defer scfg.Free()
			ccfg := revClientConfig(ver.v)
			defer ccfg.Free()
			l := listenLoopback(t)
			srv := make(chan error, 1)
			go func() {
				nc, err := l.Accept()
				if err != nil {
					srv <- err
					return
				}
				deadline(nc)
				c, err := Server(nc, scfg)
				if err != nil {
					nc.Close()
					srv <- err
					return
				}
				err = c.Handshake()
				if err == nil {
					_, err = c.Read(make([]byte, 1))
				}
				c.Close()
				srv <- err
			}()
			c, err := Dial("tcp", l.Addr().String(), ccfg)
			var oe *OCSPError
			if !errors.As(err, &oe) || oe.Status != libssl.OCSPRevoked {
				t.Errorf("client: %v, want an *OCSPError saying revoked", err)
			}
			if c != nil {
				c.Close()
			}
			if err := <-srv; err == nil || !strings.Contains(err.Error(), "bad certificate status response") {
				t.Errorf("server: %v, want the bad_certificate_status_response alert", err)
			}
		})
	}
}

// testCAStaple is a good OCSP response for cert (issued by the testcerts
// CA, as issueCert makes them), signed by that CA.
func testCAStaple(t testing.TB, cert Certificate) []byte {
	t.Helper()
	tc := testcerts.Get()
	b, _ := pem.Decode(tc.CAKey)
	caKey, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(tc.CADER)
	if err != nil {
		t.Fatal(err)
	}
	lb, _ := pem.Decode(cert.CertPEM)
	leaf, err := x509.ParseCertificate(lb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	der, err := ocsp.CreateResponse(ca, ca, ocsp.Response{Status: ocsp.Good, SerialNumber: leaf.SerialNumber,
		ThisUpdate: now.Add(-time.Hour), NextUpdate: now.Add(24 * time.Hour)}, caKey.(crypto.Signer))
	if err != nil {
		t.Fatal(err)
	}
	return der
}
