package libssl_test

import (
	"fmt"
	"testing"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// otherCredential parses the "other.example" leaf and its key into handles
// (the key through an SSL that loads it: the package parses keys into an
// SSL or a context).
func otherCredential(t *testing.T, ctx *libssl.Ctx) (*libssl.X509, *libssl.PKey) {
	t.Helper()
	cs := testcerts.Get()
	cert, err := libssl.ParseX509PEM(cs.OtherCert)
	check(t, err)
	holder, err := libssl.New(ctx)
	check(t, err)
	defer holder.Free()
	check(t, holder.UsePrivateKeyPEM(cs.OtherKey))
	key := holder.PrivateKey()
	if key == nil {
		t.Fatal("no key")
	}
	return cert, key
}

// A client without a certificate of its own sends the one its client
// certificate callback returns when the server asks, for TLS 1.2 and 1.3;
// the callback's handles stay usable after the handshake (libssl holds
// references of its own). Returning none sends no certificate, which a
// server that requires one refuses.
func TestClientCertCallback(t *testing.T) {
	for _, v := range []libssl.ProtocolVersion{libssl.TLS1_2, libssl.TLS1_3} {
		for _, send := range []bool{true, false} {
			t.Run(fmt.Sprintf("%v send %v", v, send), func(t *testing.T) {
				sctx := serverCtx(t, ctxOpts{version: v})
				cctx := clientCtx(t, ctxOpts{version: v})
				defer sctx.Free()
				defer cctx.Free()
				check(t, sctx.AddTrustedCertPEM(testcerts.Get().CACert))
				check(t, sctx.SetVerify(libssl.VerifyPeer|libssl.VerifyFailIfNoPeerCert, nil))
				cert, key := otherCredential(t, cctx)
				defer cert.Free()
				defer key.Free()
				ran := 0
				check(t, cctx.SetClientCertCallback(func(*libssl.SSL) (*libssl.X509, *libssl.PKey) {
					ran++
					if !send {
						return nil, nil
					}
					return cert, key
				}))
				p := newPair(t, cctx, sctx)
				defer p.Free()
				err := p.Handshake()
				if ran != 1 {
					t.Errorf("the callback ran %d times, want 1", ran)
				}
				if !send {
					if err == nil {
						t.Fatal("the server took a handshake without a client certificate")
					}
					return
				}
				check(t, err)
				peer := p.Server.PeerCertificate()
				if peer == nil || !peer.Equal(cert) {
					t.Fatalf("the server got %v, want the callback's certificate", peer)
				}
				peer.Free()
				if own := p.Client.Certificate(); own == nil || !own.Equal(cert) {
					t.Errorf("the client's own certificate is %v, want the callback's", own)
				} else {
					own.Free()
				}
				if _, err := cert.DER(); err != nil {
					t.Errorf("the callback's certificate after the handshake: %v", err)
				}
			})
		}
	}
}

// A client with a certificate of its own does not run the callback; a
// panic in the callback is raised again by the handshake's caller.
func TestClientCertCallbackOwnCertAndPanic(t *testing.T) {
	sctx := serverCtx(t, ctxOpts{version: libssl.TLS1_2})
	cctx := clientCtx(t, ctxOpts{version: libssl.TLS1_2})
	defer sctx.Free()
	defer cctx.Free()
	check(t, sctx.SetVerify(libssl.VerifyPeer, func(bool, *libssl.VerifyContext) bool { return true }))
	ran := 0
	check(t, cctx.SetClientCertCallback(func(*libssl.SSL) (*libssl.X509, *libssl.PKey) { ran++; return nil, nil }))
	p := newPair(t, cctx, sctx)
	check(t, p.Client.UseCertificatePEM(testcerts.Get().OtherCert))
	check(t, p.Client.UsePrivateKeyPEM(testcerts.Get().OtherKey))
	check(t, p.Handshake())
	p.Free()
	if ran != 0 {
		t.Errorf("the callback ran %d times for a client with a certificate", ran)
	}
	check(t, cctx.SetClientCertCallback(func(*libssl.SSL) (*libssl.X509, *libssl.PKey) { panic("boom in client cert") }))
	q := newPair(t, cctx, sctx)
	defer q.Free()
	defer func() {
		if r := recover(); r != "boom in client cert" {
			t.Fatalf("recovered %v, want the callback's panic", r)
		}
	}()
	_ = q.Handshake()
	t.Fatal("the callback's panic was not raised")
}
