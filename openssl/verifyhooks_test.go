package openssl

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"
	"testing"

	"github.com/libssl-go/libssl/internal/testcerts"
)

// VerifyPeerCertificate on a client sees the chain the crypto/tls server
// sent and the verified chain ending at the CA; its error fails the
// handshake with a handshake_failure alert and an error naming the hook.
func TestVerifyPeerCertificateClient(t *testing.T) {
	tc := testcerts.Get()
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			var raw [][]byte
			var chains [][]*x509.Certificate
			calls := 0
			cfg := clientConfig(v.v)
			cfg.VerifyPeerCertificate = func(r [][]byte, c [][]*x509.Certificate) error {
				calls++
				raw, chains = r, c
				return nil
			}
			defer cfg.Free()
			c, err, _, gerr := pairGoServer(t, cfg, goServerConfig(t, v.v))
			if err != nil || gerr != nil {
				t.Fatal(err, gerr)
			}
			if calls != 1 || len(raw) != 2 || !bytes.Equal(raw[0], tc.LeafDER) || !bytes.Equal(raw[1], tc.CADER) {
				t.Fatalf("calls %d, raw chain of %d", calls, len(raw))
			}
			if len(chains) != 1 || len(chains[0]) != 2 || !bytes.Equal(chains[0][0].Raw, tc.LeafDER) || !bytes.Equal(chains[0][1].Raw, tc.CADER) {
				t.Fatalf("verified chains %v", chains)
			}
			st := c.ConnectionState()
			if len(st.VerifiedChains) != 1 || !bytes.Equal(st.VerifiedChains[0][1].Raw, tc.CADER) {
				t.Errorf("ConnectionState.VerifiedChains %v", st.VerifiedChains)
			}

			hookErr := errors.New("pinned key mismatch")
			cfg2 := clientConfig(v.v)
			cfg2.VerifyPeerCertificate = func([][]byte, [][]*x509.Certificate) error { return hookErr }
			defer cfg2.Free()
			_, err, _, gerr = pairGoServer(t, cfg2, goServerConfig(t, v.v))
			if !errors.Is(err, hookErr) || !strings.Contains(err.Error(), "VerifyPeerCertificate") {
				t.Errorf("client error %v", err)
			}
			// TLS 1.2: the handshake_failure alert
			// (X509_V_ERR_APPLICATION_VERIFICATION). TLS 1.3: libssl's
			// client sends its alert before it has handshake keys, so
			// crypto/tls reads a record it cannot decrypt, as for any
			// failed verification (the control case below).
			want := "handshake failure"
			if v.v == VersionTLS13 {
				cfg3 := clientConfig(v.v)
				cfg3.RootCAs = testcerts.Get().SelfCert // the server's CA is not trusted
				defer cfg3.Free()
				_, cerr, _, cgerr := pairGoServer(t, cfg3, goServerConfig(t, v.v))
				var ve *CertificateVerificationError
				if !errors.As(cerr, &ve) || cgerr == nil {
					t.Fatalf("control: client %v, server %v", cerr, cgerr)
				}
				want = cgerr.Error()
			}
			if gerr == nil || !strings.Contains(gerr.Error(), want) {
				t.Errorf("server error %v, want %q", gerr, want)
			}
		})
	}
}

// With InsecureSkipVerify the hooks still run, with no verified chains, as
// crypto/tls's do, and their error still fails the handshake.
func TestVerifyHooksInsecure(t *testing.T) {
	for _, v := range versions {
		calls := 0
		cfg := &Config{InsecureSkipVerify: true, MinVersion: v.v, MaxVersion: v.v,
			VerifyPeerCertificate: func(raw [][]byte, chains [][]*x509.Certificate) error {
				calls++
				if len(raw) == 0 || chains != nil {
					t.Errorf("raw %d, chains %v", len(raw), chains)
				}
				return errors.New("refused")
			}}
		_, err, _, gerr := pairGoServer(t, cfg, goServerConfig(t, v.v))
		if err == nil || gerr == nil || calls != 1 {
			t.Errorf("%s: client %v, server %v, calls %d", v.name, err, gerr, calls)
		}
		cfg.Free()
	}
}

// VerifyConnection sees the state (version, ALPN, server name, peer
// certificates); an error fails the handshake. On a server that asks for
// no certificate it runs once the handshake is complete.
func TestVerifyConnection(t *testing.T) {
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			var got ConnectionState
			cfg := clientConfig(v.v)
			cfg.VerifyConnection = func(st ConnectionState) error { got = st; return nil }
			defer cfg.Free()
			_, err, gst, gerr := pairGoServer(t, cfg, goServerConfig(t, v.v))
			if err != nil || gerr != nil {
				t.Fatal(err, gerr)
			}
			if got.Version != v.v || got.NegotiatedProtocol != gst.NegotiatedProtocol || got.ServerName != "localhost" ||
				len(got.PeerCertificates) != 2 || len(got.VerifiedChains) != 1 || got.CipherSuite != gst.CipherSuite || got.CipherSuite == 0 {
				t.Errorf("state %+v", got)
			}
			hookErr := errors.New("wrong ALPN")
			cfg2 := clientConfig(v.v)
			cfg2.VerifyConnection = func(ConnectionState) error { return hookErr }
			defer cfg2.Free()
			_, err, _, gerr = pairGoServer(t, cfg2, goServerConfig(t, v.v))
			if !errors.Is(err, hookErr) || gerr == nil {
				t.Errorf("client %v, server %v", err, gerr)
			}

			// Server side, no client certificate: after the handshake.
			scalls := 0
			scfg := serverConfig(v.v)
			scfg.VerifyConnection = func(st ConnectionState) error {
				scalls++
				if st.Version != v.v || st.ServerName != "localhost" {
					t.Errorf("server state %+v", st)
				}
				return hookErr
			}
			defer scfg.Free()
			r := pairGoClient(t, scfg, goClientConfig(v.v))
			if !errors.Is(r.ourErr, hookErr) || scalls != 1 {
				t.Errorf("server: %v, calls %d", r.ourErr, scalls)
			}
		})
	}
}

// GetClientCertificate runs when the crypto/tls server asks, sees the CA
// names it sent, and its certificate is the one the server gets; an error
// fails the handshake.
func TestGetClientCertificate(t *testing.T) {
	tc := testcerts.Get()
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			cc := issueCert(t, "chosen-client", "client.test")
			var info *CertificateRequestInfo
			cfg := clientConfig(v.v)
			cfg.GetClientCertificate = func(cri *CertificateRequestInfo) (*Certificate, error) {
				info = cri
				return &cc, nil
			}
			defer cfg.Free()
			g := goServerConfig(t, v.v)
			g.ClientAuth = tls.RequireAndVerifyClientCert
			g.ClientCAs = caPool()
			_, err, gst, gerr := pairGoServer(t, cfg, g)
			if err != nil || gerr != nil {
				t.Fatal(err, gerr)
			}
			if info == nil || info.Version != v.v || len(info.AcceptableCAs) != 1 {
				t.Fatalf("request info %+v", info)
			}
			ca, _ := x509.ParseCertificate(tc.CADER)
			if !bytes.Equal(info.AcceptableCAs[0], ca.RawSubject) {
				t.Errorf("AcceptableCAs[0] is not the CA's subject")
			}
			if len(gst.PeerCertificates) == 0 || gst.PeerCertificates[0].Subject.CommonName != "chosen-client" {
				t.Errorf("server got %v", gst.PeerCertificates)
			}
			// Not asked: not called.
			info = nil
			if _, err, _, gerr = pairGoServer(t, cfg, goServerConfig(t, v.v)); err != nil || gerr != nil || info != nil {
				t.Errorf("unasked: %v %v called=%v", err, gerr, info != nil)
			}
			hookErr := errors.New("no client certificate here")
			cfg2 := clientConfig(v.v)
			cfg2.GetClientCertificate = func(*CertificateRequestInfo) (*Certificate, error) { return nil, hookErr }
			defer cfg2.Free()
			_, err, _, gerr = pairGoServer(t, cfg2, g)
			if !errors.Is(err, hookErr) || gerr == nil {
				t.Errorf("hook error: client %v, server %v", err, gerr)
			}
		})
	}
}

// A server's VerifyPeerCertificate sees the crypto/tls client's
// certificate, and an error fails the handshake for the client too.
func TestVerifyPeerCertificateServer(t *testing.T) {
	cc := issueCert(t, "client", "client.test")
	gcert, err := tls.X509KeyPair(cc.CertPEM, cc.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range versions {
		hookErr := errors.New("client not allowed")
		var raw [][]byte
		cfg := serverConfig(v.v)
		cfg.ClientAuth = RequireAndVerifyClientCert
		cfg.ClientCAs = testcerts.Get().CACert
		cfg.VerifyPeerCertificate = func(r [][]byte, c [][]*x509.Certificate) error { raw = r; return hookErr }
		g := goClientConfig(v.v)
		g.Certificates = []tls.Certificate{gcert}
		r := pairGoClient(t, cfg, g)
		if !errors.Is(r.ourErr, hookErr) || r.goErr == nil || len(raw) == 0 {
			t.Errorf("%s: server %v, client %v, raw %d", v.name, r.ourErr, r.goErr, len(raw))
		} else if x, _ := x509.ParseCertificate(raw[0]); x == nil || x.Subject.CommonName != "client" {
			t.Errorf("%s: raw[0] is not the client's leaf", v.name)
		}
		cfg.Free()
	}
}
