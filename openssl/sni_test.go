package openssl

import (
	"crypto/tls"
	"errors"
	"strings"
	"testing"
)

func leafCN(st tls.ConnectionState) string {
	if len(st.PeerCertificates) == 0 {
		return ""
	}
	return st.PeerCertificates[0].Subject.CommonName
}

// Several certificates: the one whose leaf names the host the crypto/tls
// client asks for is served, exact names before wildcards, the first one
// for unknown names and for a client that sends no SNI.
func TestSNICertificates(t *testing.T) {
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			cfg := &Config{
				Certificates: []Certificate{
					issueCert(t, "default", "default.example"),
					issueCert(t, "wild", "*.example.com"),
					issueCert(t, "exact", "a.example.com"),
				},
				MinVersion: v.v, MaxVersion: v.v,
			}
			defer cfg.Free()
			for _, tc := range []struct{ sni, want string }{
				{"a.example.com", "exact"},
				{"b.example.com", "wild"},
				{"B.Example.Com", "wild"},
				{"default.example", "default"},
				{"unknown.test", "default"},
				{"", "default"},
			} {
				gcfg := &tls.Config{ServerName: tc.sni, InsecureSkipVerify: true, MinVersion: v.v, MaxVersion: v.v}
				r := pairGoClient(t, cfg, gcfg)
				if r.goErr != nil || r.ourErr != nil {
					t.Fatalf("sni %q: client %v, server %v", tc.sni, r.goErr, r.ourErr)
				}
				if got := leafCN(r.goState); got != tc.want {
					t.Errorf("sni %q: served %q, want %q", tc.sni, got, tc.want)
				}
				if got := r.ours.OpenSSLState().ServerName; !strings.EqualFold(got, tc.sni) {
					t.Errorf("sni %q: ServerName %q", tc.sni, got)
				}
			}
		})
	}
}

// GetCertificate chooses per name; nil falls back to Certificates; an
// error fails the handshake with an alert the client sees, and the
// server's error names the hook and wraps the hook's error.
func TestGetCertificate(t *testing.T) {
	special := issueCert(t, "special", "special.test")
	hookErr := errors.New("no certificate for you")
	var seen []string
	cfg := &Config{
		Certificates: []Certificate{issueCert(t, "default", "default.test")},
		GetCertificate: func(h *ClientHelloInfo) (*Certificate, error) {
			seen = append(seen, h.ServerName)
			if h.Conn == nil {
				t.Error("ClientHelloInfo.Conn is nil")
			}
			switch h.ServerName {
			case "special.test":
				return &special, nil
			case "refused.test":
				return nil, hookErr
			}
			return nil, nil
		},
	}
	defer cfg.Free()
	for _, v := range versions {
		r := pairGoClient(t, cfg, &tls.Config{ServerName: "special.test", RootCAs: caPool(), MinVersion: v.v, MaxVersion: v.v})
		if r.goErr != nil || r.ourErr != nil || leafCN(r.goState) != "special" {
			t.Fatalf("%s special: %v %v %q", v.name, r.goErr, r.ourErr, leafCN(r.goState))
		}
		r = pairGoClient(t, cfg, &tls.Config{ServerName: "other.test", InsecureSkipVerify: true, MinVersion: v.v, MaxVersion: v.v})
		if r.goErr != nil || r.ourErr != nil || leafCN(r.goState) != "default" {
			t.Fatalf("%s fallback: %v %v %q", v.name, r.goErr, r.ourErr, leafCN(r.goState))
		}
		r = pairGoClient(t, cfg, &tls.Config{ServerName: "refused.test", InsecureSkipVerify: true, MinVersion: v.v, MaxVersion: v.v})
		if r.goErr == nil || !strings.Contains(r.goErr.Error(), "unrecognized name") {
			t.Errorf("%s refused: client error %v, want an unrecognized_name alert", v.name, r.goErr)
		}
		if !errors.Is(r.ourErr, hookErr) || !strings.Contains(r.ourErr.Error(), "GetCertificate") {
			t.Errorf("%s refused: server error %v", v.name, r.ourErr)
		}
	}
	if len(seen) != 6 {
		t.Errorf("GetCertificate ran %d times, want 6: %q", len(seen), seen)
	}
}

// GetConfigForClient moves the connection to another Config: its
// certificate, ALPN, ClientAuth policy and version bounds apply.
func TestGetConfigForClient(t *testing.T) {
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			other := &Config{
				Certificates: []Certificate{issueCert(t, "other", "other.test")},
				NextProtos:   []string{"other-proto"},
				ClientAuth:   RequireAndVerifyClientCert,
				ClientCAs:    caPoolPEM(),
				MinVersion:   v.v, MaxVersion: v.v,
			}
			defer other.Free()
			base := &Config{
				Certificates: []Certificate{issueCert(t, "base", "base.test")},
				NextProtos:   []string{"base-proto"},
				MinVersion:   VersionTLS12,
				GetConfigForClient: func(h *ClientHelloInfo) (*Config, error) {
					if h.ServerName == "other.test" {
						return other, nil
					}
					return nil, nil
				},
			}
			defer base.Free()
			// The base Config: no client certificate asked for.
			r := pairGoClient(t, base, &tls.Config{ServerName: "base.test", RootCAs: caPool(), NextProtos: []string{"base-proto", "other-proto"}, MinVersion: v.v, MaxVersion: v.v})
			if r.goErr != nil || r.ourErr != nil || leafCN(r.goState) != "base" || r.goState.NegotiatedProtocol != "base-proto" {
				t.Fatalf("base: %v %v %q %q", r.goErr, r.ourErr, leafCN(r.goState), r.goState.NegotiatedProtocol)
			}
			// The other Config requires a client certificate: without one
			// the handshake fails.
			r = pairGoClient(t, base, &tls.Config{ServerName: "other.test", RootCAs: caPool(), NextProtos: []string{"base-proto", "other-proto"}, MinVersion: v.v, MaxVersion: v.v})
			if r.ourErr == nil {
				t.Fatalf("other without a client certificate: server accepted")
			}
			cc := issueCert(t, "client", "client.test")
			gcert, err := tls.X509KeyPair(cc.CertPEM, cc.KeyPEM)
			if err != nil {
				t.Fatal(err)
			}
			r = pairGoClient(t, base, &tls.Config{ServerName: "other.test", RootCAs: caPool(), Certificates: []tls.Certificate{gcert},
				NextProtos: []string{"base-proto", "other-proto"}, MinVersion: v.v, MaxVersion: v.v})
			if r.goErr != nil || r.ourErr != nil {
				t.Fatalf("other: %v %v", r.goErr, r.ourErr)
			}
			if leafCN(r.goState) != "other" || r.goState.NegotiatedProtocol != "other-proto" {
				t.Errorf("other: served %q, ALPN %q", leafCN(r.goState), r.goState.NegotiatedProtocol)
			}
			st := r.ours.OpenSSLState()
			if len(st.PeerCertificates) == 0 || st.PeerCertificates[0].Subject.CommonName != "client" || len(st.VerifiedChains) != 1 {
				t.Errorf("other: client certificate not verified: %d certs, %d chains", len(st.PeerCertificates), len(st.VerifiedChains))
			}
		})
	}
}

func caPoolPEM() []byte { return testcertsCA() }
