package libssl_test

import (
	"strings"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// ffdhe2048 as DH parameters (openssl genpkey -genparam -algorithm DH
// -pkeyopt group:ffdhe2048).
const ffdhe2048Params = `-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz
+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a
87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7
YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi
7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD
ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==
-----END DH PARAMETERS-----
`

// DH parameters read from PEM are a DH key of the group's size; EC
// parameters and text without parameters are refused, the former naming
// the key type.
func TestParseDHParametersPEM(t *testing.T) {
	k, err := libssl.ParseDHParametersPEM([]byte(ffdhe2048Params))
	check(t, err)
	defer k.Free()
	if bits := k.Bits(); bits != 2048 {
		t.Errorf("Bits = %d, want 2048", bits)
	}
	ec := "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
	if _, err := libssl.ParseDHParametersPEM([]byte(ec)); err == nil || !strings.Contains(err.Error(), "not DH") {
		t.Errorf("EC parameters: %v, want an error saying they are not DH", err)
	}
	if _, err := libssl.ParseDHParametersPEM([]byte("no PEM here")); err == nil {
		t.Error("text without parameters was accepted")
	}
	k.Free()
	if k.Bits() != 0 {
		t.Error("Bits of a freed key is not 0")
	}
}

// Ctx.SetTmpDHPKey and SSL.SetTmpDHPKey take libssl's reference
// themselves: the caller's handle is freed at once, and a TLS 1.2 DHE-RSA
// server still uses the parameters (its temporary key is 2048 bits while
// its first flight is out). A key that is not DH parameters is refused.
func TestSetTmpDHPKeyKeepsItsOwnReference(t *testing.T) {
	certPEM, keyPEM := rsaCertPEM(t)
	for _, onSSL := range []bool{false, true} {
		sctx, err := libssl.NewCtx(libssl.TLSServerMethod)
		check(t, err)
		cctx, err := libssl.NewCtx(libssl.TLSClientMethod)
		check(t, err)
		for _, err := range []error{
			sctx.UseCertificatePEM(certPEM), sctx.UsePrivateKeyPEM(keyPEM),
			sctx.SetMaxProtoVersion(libssl.TLS1_2), cctx.SetMaxProtoVersion(libssl.TLS1_2),
			sctx.SetCipherList("DHE-RSA-AES128-GCM-SHA256"), cctx.SetCipherList("DHE-RSA-AES128-GCM-SHA256"),
			cctx.SetGroupsList("X25519:P-256"),
		} {
			check(t, err)
		}
		k, err := libssl.ParseDHParametersPEM([]byte(ffdhe2048Params))
		check(t, err)
		if !onSSL {
			check(t, sctx.SetTmpDHPKey(k))
			k.Free()
		}
		p := newPair(t, cctx, sctx)
		if onSSL {
			check(t, p.Server.SetTmpDHPKey(k))
			k.Free()
		}
		if err := p.Client.Handshake(); !wouldBlock(err) {
			t.Fatalf("client's first step: %v", err)
		}
		if _, err := p.Pump(); err != nil {
			t.Fatal(err)
		}
		if err := p.Server.Handshake(); !wouldBlock(err) {
			t.Fatalf("server's first step: %v", err)
		}
		if bits, ok := p.Server.TmpKeyBits(); !ok || bits != 2048 {
			t.Errorf("onSSL=%v: server temporary key %d bits (%v), want 2048", onSSL, bits, ok)
		}
		if err := p.Handshake(); err != nil {
			t.Errorf("onSSL=%v: handshake: %v", onSSL, err)
		}
		if err := p.Server.SetTmpDHPKey(k); err == nil {
			t.Error("SetTmpDHPKey with a freed key succeeded")
		}
		p.Free()
		sctx.Free()
		cctx.Free()
	}
}
