package libssl_test

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"testing"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// handshakeGroup runs a handshake of version v with the client offering
// only group, and returns the pair (freed by the test's cleanup).
func handshakeGroup(t *testing.T, v libssl.ProtocolVersion, group string) (*libssl.Ctx, *libssl.Ctx, func() (*libssl.SSL, *libssl.SSL)) {
	t.Helper()
	sctx := serverCtx(t, ctxOpts{version: v})
	cctx := clientCtx(t, ctxOpts{version: v})
	t.Cleanup(func() { sctx.Free(); cctx.Free() })
	check(t, cctx.SetGroupsList(group))
	return cctx, sctx, func() (*libssl.SSL, *libssl.SSL) {
		p := newPair(t, cctx, sctx)
		t.Cleanup(p.Free)
		check(t, p.Handshake())
		return p.Client, p.Server
	}
}

// The peer's temporary key is the group the client offered: X25519 (an
// EVP_PKEY id) in TLS 1.3, P-256 (an EC key: the curve's NID) in TLS 1.2;
// the server signed with ECDSA (its key is P-256) over SHA-256.
func TestPeerTmpKeyAndSignature(t *testing.T) {
	x25519, p256 := libssl.ObjectNID("X25519"), libssl.ObjectNID("prime256v1")
	sha256, ec := libssl.ObjectNID("SHA256"), libssl.ObjectNID("id-ecPublicKey")
	if x25519 == 0 || p256 == 0 || sha256 == 0 || ec == 0 {
		t.Fatalf("NIDs: X25519 %d, prime256v1 %d, SHA256 %d, id-ecPublicKey %d", x25519, p256, sha256, ec)
	}
	for _, tc := range []struct {
		name    string
		v       libssl.ProtocolVersion
		group   string
		wantTmp int
	}{
		{"TLS1.3 X25519", libssl.TLS1_3, "X25519", x25519},
		{"TLS1.2 P-256", libssl.TLS1_2, "P-256", p256},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, run := handshakeGroup(t, tc.v, tc.group)
			c, s := run()
			if got, ok := c.PeerTmpKeyType(); !ok || got != tc.wantTmp {
				t.Errorf("client PeerTmpKeyType = %d, %v; want %d (%s)", got, ok, tc.wantTmp, libssl.ObjectShortName(tc.wantTmp))
			}
			if got, ok := c.PeerSignatureNID(); !ok || got != sha256 {
				t.Errorf("client PeerSignatureNID = %d, %v; want SHA256 %d", got, ok, sha256)
			}
			if got, ok := c.PeerSignatureTypeNID(); !ok || got != ec {
				t.Errorf("client PeerSignatureTypeNID = %d, %v; want EC %d", got, ok, ec)
			}
			// The client sent no certificate: nothing signed.
			if got, ok := s.PeerSignatureNID(); ok {
				t.Errorf("server PeerSignatureNID = %d, want none", got)
			}
			if got, ok := s.PeerSignatureTypeNID(); ok {
				t.Errorf("server PeerSignatureTypeNID = %d, want none", got)
			}
			if c.CompressionActive() || s.CompressionActive() {
				t.Error("CompressionActive on a connection that did not negotiate compression")
			}
			cert := c.PeerCertificate()
			if cert == nil {
				t.Fatal("no peer certificate")
			}
			defer cert.Free()
			if got := cert.PublicKeyType(); got != p256 {
				t.Errorf("server certificate PublicKeyType = %d, want prime256v1 %d", got, p256)
			}
		})
	}
}

// Before a handshake and on a freed handle there is nothing to report.
func TestPeerInfoWithoutHandshake(t *testing.T) {
	cctx := clientCtx(t, ctxOpts{})
	defer cctx.Free()
	s := must(libssl.New(cctx))
	for _, ssl := range []*libssl.SSL{s, nil} {
		if n, ok := ssl.PeerTmpKeyType(); ok {
			t.Errorf("PeerTmpKeyType = %d before a handshake", n)
		}
		if n, ok := ssl.PeerSignatureNID(); ok {
			t.Errorf("PeerSignatureNID = %d before a handshake", n)
		}
		if n, ok := ssl.PeerSignatureTypeNID(); ok {
			t.Errorf("PeerSignatureTypeNID = %d before a handshake", n)
		}
		if ssl.CompressionActive() {
			t.Error("CompressionActive before a handshake")
		}
		s.Free()
	}
}

// SubjectNameDER is the subject's DER as Go's crypto/x509 reads it;
// PublicKeyType the curve of the test leaf's key.
func TestX509SubjectAndKeyType(t *testing.T) {
	cs := testcerts.Get()
	x := must(libssl.ParseX509PEM(cs.LeafChain))
	blk, _ := pem.Decode(cs.LeafChain)
	want := must(x509.ParseCertificate(blk.Bytes))
	got := must(x.SubjectNameDER())
	if !bytes.Equal(got, want.RawSubject) {
		t.Errorf("SubjectNameDER = %x, want %x", got, want.RawSubject)
	}
	if got := x.PublicKeyType(); got != libssl.ObjectNID("P-256") {
		t.Errorf("PublicKeyType = %d, want P-256 %d", got, libssl.ObjectNID("P-256"))
	}
	x.Free()
	if _, err := x.SubjectNameDER(); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("SubjectNameDER on a freed X509: %v", err)
	}
	if got := x.PublicKeyType(); got != 0 {
		t.Errorf("PublicKeyType on a freed X509 = %d", got)
	}
}

// ObjectNID finds short, long and NIST curve names; ObjectShortName goes
// back; unknown and malformed names give 0 and "".
func TestObjectNames(t *testing.T) {
	sha := libssl.ObjectNID("SHA256")
	if sha == 0 || libssl.ObjectNID("sha256") != sha {
		t.Errorf("ObjectNID(SHA256) = %d, ObjectNID(sha256 (long name)) = %d", sha, libssl.ObjectNID("sha256"))
	}
	if got := libssl.ObjectShortName(sha); got != "SHA256" {
		t.Errorf("ObjectShortName(%d) = %q", sha, got)
	}
	if p := libssl.ObjectNID("P-256"); p == 0 || p != libssl.ObjectNID("prime256v1") {
		t.Errorf("ObjectNID(P-256) = %d, prime256v1 = %d", p, libssl.ObjectNID("prime256v1"))
	}
	if got := libssl.ObjectShortName(libssl.ObjectNID("P-384")); got != "secp384r1" {
		t.Errorf("short name of P-384 = %q", got)
	}
	for _, bad := range []string{"", "no-such-object", "SHA256\x00x"} {
		if got := libssl.ObjectNID(bad); got != 0 {
			t.Errorf("ObjectNID(%q) = %d, want 0", bad, got)
		}
	}
	for _, bad := range []int{-1, 0, 1 << 29, 1 << 40} {
		if got := libssl.ObjectShortName(bad); got != "" && bad != 0 {
			t.Errorf("ObjectShortName(%d) = %q, want \"\"", bad, got)
		}
	}
}
