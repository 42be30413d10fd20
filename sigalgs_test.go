package libssl_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// The signature a server made is reported on both sides: by NIDs (its own
// SignatureNID/SignatureTypeNID, the client's PeerSignatureNID/TypeNID)
// on every version, and by TLS name from OpenSSL 3.5 (before 3.5 the names
// are ErrUnsupported, naming 3.5). The server's key is ECDSA P-256.
func TestSignatureNIDsAndNames(t *testing.T) {
	sha256, ec := libssl.ObjectNID("SHA256"), libssl.ObjectNID("id-ecPublicKey")
	for _, v := range []libssl.ProtocolVersion{libssl.TLS1_2, libssl.TLS1_3} {
		_, _, run := handshakeGroup(t, v, "P-256")
		c, s := run()
		if md, ok := s.SignatureNID(); !ok || md != sha256 {
			t.Errorf("%v: server SignatureNID = %d (%v), want SHA256 %d", v, md, ok, sha256)
		}
		if typ, ok := s.SignatureTypeNID(); !ok || typ != ec {
			t.Errorf("%v: server SignatureTypeNID = %d (%v), want EC %d", v, typ, ok, ec)
		}
		if _, ok := c.SignatureTypeNID(); ok {
			t.Errorf("%v: the client, which did not sign, has a SignatureTypeNID", v)
		}
		peerName, perr := c.PeerSignatureName()
		ownName, oerr := s.SignatureName()
		if libssl.RuntimeVersion() < 0x30500000 {
			// This libssl is older than 3.5, which names signature schemes.
			for _, err := range []error{perr, oerr} {
				if !errors.Is(err, libssl.ErrUnsupported) || !strings.Contains(err.Error(), "needs OpenSSL 3.5") {
					t.Errorf("%v: signature name before 3.5: %v, want ErrUnsupported naming 3.5", v, err)
				}
			}
			continue
		}
		if perr != nil || oerr != nil || peerName != "ecdsa_secp256r1_sha256" || ownName != peerName {
			t.Errorf("%v: client PeerSignatureName %q (%v), server SignatureName %q (%v); want ecdsa_secp256r1_sha256",
				v, peerName, perr, ownName, oerr)
		}
	}
}

// A client's signature algorithm list (SSL_set1_sigalgs_list) is what the
// server reads from its ClientHello (SSL_get_sigalgs), in order, and the
// shared list (SSL_get_shared_sigalgs, read during the handshake) is
// within it. A server's client
// certificate list (SSL_CTX_set1_client_sigalgs_list) is what the client
// reads from its CertificateRequest. Unknown names are refused.
func TestSigalgsLists(t *testing.T) {
	cctx, sctx, _ := handshakeGroup(t, libssl.TLS1_3, "X25519")
	check(t, sctx.SetClientSigalgsList("ECDSA+SHA384:rsa_pss_rsae_sha256"))
	check(t, sctx.SetVerify(libssl.VerifyPeer, func(bool, *libssl.VerifyContext) bool { return true }))
	// libssl keeps the shared list while the handshake runs: read it in
	// the certificate callback, which runs after the ClientHello.
	var sharedDuring []libssl.Sigalg
	check(t, sctx.SetCertCallback(func(s *libssl.SSL) bool { sharedDuring = s.SharedSigalgs(); return true }))
	p := newPair(t, cctx, sctx)
	defer p.Free()
	check(t, p.Client.SetSigalgsList("ed25519:ecdsa_secp256r1_sha256:RSA+SHA256"))
	check(t, p.Handshake())
	codes := func(l []libssl.Sigalg) []uint16 {
		var out []uint16
		for _, a := range l {
			out = append(out, a.Code)
		}
		return out
	}
	if got, want := codes(p.Server.PeerSigalgs()), []uint16{0x0807, 0x0403, 0x0401}; !slices.Equal(got, want) {
		t.Errorf("server PeerSigalgs %#04x, want %#04x", got, want)
	}
	shared := codes(sharedDuring)
	if len(shared) == 0 || !slices.Contains(shared, 0x0403) {
		t.Errorf("server SharedSigalgs %#04x, want ecdsa_secp256r1_sha256 among them", shared)
	}
	for _, c := range shared {
		if !slices.Contains([]uint16{0x0807, 0x0403, 0x0401}, c) {
			t.Errorf("shared %#04x was not offered", c)
		}
	}
	if got, want := codes(p.Client.PeerSigalgs()), []uint16{0x0503, 0x0804}; !slices.Equal(got, want) {
		t.Errorf("client PeerSigalgs (the CertificateRequest's) %#04x, want %#04x", got, want)
	}
	for _, set := range []func(string) error{sctx.SetSigalgsList, sctx.SetClientSigalgsList, p.Client.SetSigalgsList, p.Client.SetClientSigalgsList} {
		if err := set("no_such_scheme"); err == nil {
			t.Error("an unknown signature algorithm name was accepted")
		}
	}
	if err := sctx.SetSigalgs([]int{libssl.ObjectNID("SHA256")}); err == nil {
		t.Error("SSL_CTX_set1_sigalgs with an odd-length list was accepted")
	}
}
