package openssl

import (
	"bytes"
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"testing"
)

// Against a crypto/tls server: ExportKeyingMaterial gives crypto/tls's
// bytes (with and without context), TLSUnique is crypto/tls's (TLS 1.2;
// nil for TLS 1.3 on both), the group CurvePreferences asked for is the
// one negotiated, and the server's certificate given as a tls.Certificate
// works.
func TestStateAgainstCryptoTLS(t *testing.T) {
	for _, v := range versions {
		for _, curve := range []tls.CurveID{tls.CurveP384, tls.X25519} {
			t.Run(v.name+"/"+curve.String(), func(t *testing.T) {
				l := listenLoopback(t)
				g := goServerConfig(t, v.v)
				g.CurvePreferences = []tls.CurveID{curve}
				type res struct {
					st  tls.ConnectionState
					err error
				}
				done := make(chan res, 1)
				go func() {
					nc, err := l.Accept()
					if err != nil {
						done <- res{err: err}
						return
					}
					deadline(nc)
					gs := tls.Server(nc, g)
					err = gs.Handshake()
					st := gs.ConnectionState()
					if err == nil {
						_, err = readFull(gs, 1)
					}
					gs.Close()
					done <- res{st, err}
				}()
				cfg := clientConfig(v.v)
				// P-256 stays on the list: in TLS 1.2 the groups also bound
				// the curves of ECDSA certificates, and the test CA's is P-256.
				cfg.CurvePreferences = []tls.CurveID{curve, tls.CurveP256}
				defer cfg.Free()
				nc, err := net.Dial("tcp", l.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				deadline(nc)
				c, err := Client(nc, cfg)
				if err != nil {
					t.Fatal(err)
				}
				if err := c.Handshake(); err != nil {
					t.Fatal(err)
				}
				st := c.OpenSSLState()
				var ekm [3][]byte
				for i, ctx := range [][]byte{nil, {}, []byte("context")} {
					if ekm[i], err = st.ExportKeyingMaterial("EXPERIMENTAL test", ctx, 32); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := c.Write([]byte("x")); err != nil {
					t.Fatal(err)
				}
				r := <-done
				c.Close()
				if r.err != nil {
					t.Fatal(r.err)
				}
				for i, ctx := range [][]byte{nil, {}, []byte("context")} {
					want, err := r.st.ExportKeyingMaterial("EXPERIMENTAL test", ctx, 32)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(ekm[i], want) {
						t.Errorf("ExportKeyingMaterial(context %q): %x, crypto/tls %x", ctx, ekm[i], want)
					}
				}
				if !bytes.Equal(st.TLSUnique, r.st.TLSUnique) || (v.v == VersionTLS12) != (len(st.TLSUnique) == 12) {
					t.Errorf("TLSUnique %x, crypto/tls %x", st.TLSUnique, r.st.TLSUnique)
				}
				if st.CurveID != curve || st.NegotiatedGroup == "" {
					t.Errorf("group %q (%v), want %v", st.NegotiatedGroup, st.CurveID, curve)
				}
				if _, err := st.ExportKeyingMaterial("EXPERIMENTAL test", nil, 32); err == nil {
					t.Errorf("ExportKeyingMaterial after Close: no error")
				}
			})
		}
	}
}

// A libssl server: its TLSUnique and exported keys match the crypto/tls
// client's, also on a resumption (where tls-unique is the server's
// Finished). The certificate comes from LoadX509KeyPair.
func TestStateServerResumption(t *testing.T) {
	tc := certFiles(t, map[string][]byte{"c.pem": testcertsLeafChain(), "k.pem": testcertsLeafKey()})
	cert, err := LoadX509KeyPair(tc["c.pem"], tc["k.pem"])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadX509KeyPair(filepath.Join(t.TempDir(), "none"), tc["k.pem"]); !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("missing file: %v", err)
	}
	cfg := &Config{Certificates: []Certificate{cert}, MinVersion: VersionTLS12, MaxVersion: VersionTLS12}
	defer cfg.Free()
	g := goClientConfig(VersionTLS12)
	var uniques [][]byte
	for i := 0; i < 2; i++ {
		var ours []byte
		cfg.VerifyConnection = nil
		r := pairGoClient(t, cfg, g)
		if r.ourErr != nil || r.goErr != nil {
			t.Fatal(r.ourErr, r.goErr)
		}
		ours = r.ours.OpenSSLState().TLSUnique
		if !bytes.Equal(ours, r.goState.TLSUnique) || len(ours) != 12 {
			t.Errorf("handshake %d: TLSUnique %x, crypto/tls %x", i, ours, r.goState.TLSUnique)
		}
		if r.goState.DidResume != (i == 1) {
			t.Errorf("handshake %d: resumed %v", i, r.goState.DidResume)
		}
		uniques = append(uniques, ours)
	}
	if bytes.Equal(uniques[0], uniques[1]) {
		t.Errorf("the same tls-unique twice")
	}
}

// CertificateFromTLS: a server certificate given as crypto/tls's parsed
// objects serves the same chain.
func TestCertificateFromTLS(t *testing.T) {
	gc, err := tls.X509KeyPair(testcertsLeafChain(), testcertsLeafKey())
	if err != nil {
		t.Fatal(err)
	}
	cert, err := CertificateFromTLS(gc)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &Config{Certificates: []Certificate{cert}}
	defer cfg.Free()
	r := pairGoClient(t, cfg, goClientConfig(VersionTLS13))
	if r.ourErr != nil || r.goErr != nil || len(r.goState.PeerCertificates) != 2 {
		t.Fatal(r.ourErr, r.goErr)
	}
	if _, err := CertificateFromTLS(tls.Certificate{}); err == nil {
		t.Error("empty tls.Certificate accepted")
	}
	if _, err := X509KeyPair(testcertsLeafChain(), testcertsOtherKey()); err == nil {
		t.Error("mismatched key accepted")
	}
}
