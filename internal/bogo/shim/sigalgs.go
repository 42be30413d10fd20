package main

// Signature algorithms: the runner names them by TLS code point; libssl's
// SSL_CONF "SignatureAlgorithms" and "ClientSignatureAlgorithms" take
// OpenSSL's names, and libssl reports the peer's choice as a pair of NIDs
// (SSL_get_peer_signature_type_nid, SSL_get_peer_signature_nid).

import (
	"fmt"
	"strings"

	libssl "github.com/libssl-go/libssl"
)

// sigalg is one signature scheme: its SSL_CONF name, and the NIDs libssl
// reports for it (key type, digest; rsae or pss key for RSA-PSS).
type sigalg struct {
	name           string
	typeNID, mdNID int
	pssKey         bool
}

// NIDs (OpenSSL's obj_mac.h).
const (
	nidRSA     = 6
	nidRSAPSS  = 912
	nidEC      = 408
	nidEd25519 = 1087
	nidEd448   = 1088
	nidSHA1    = 64
	nidSHA256  = 672
	nidSHA384  = 673
	nidSHA512  = 674
	nidUndef   = 0
)

var sigalgs = map[int]sigalg{
	0x0201: {"RSA+SHA1", nidRSA, nidSHA1, false},
	0x0401: {"rsa_pkcs1_sha256", nidRSA, nidSHA256, false},
	0x0501: {"rsa_pkcs1_sha384", nidRSA, nidSHA384, false},
	0x0601: {"rsa_pkcs1_sha512", nidRSA, nidSHA512, false},
	0x0203: {"ECDSA+SHA1", nidEC, nidSHA1, false},
	0x0403: {"ecdsa_secp256r1_sha256", nidEC, nidSHA256, false},
	0x0503: {"ecdsa_secp384r1_sha384", nidEC, nidSHA384, false},
	0x0603: {"ecdsa_secp521r1_sha512", nidEC, nidSHA512, false},
	0x0804: {"rsa_pss_rsae_sha256", nidRSAPSS, nidSHA256, false},
	0x0805: {"rsa_pss_rsae_sha384", nidRSAPSS, nidSHA384, false},
	0x0806: {"rsa_pss_rsae_sha512", nidRSAPSS, nidSHA512, false},
	0x0809: {"rsa_pss_pss_sha256", nidRSAPSS, nidSHA256, true},
	0x080a: {"rsa_pss_pss_sha384", nidRSAPSS, nidSHA384, true},
	0x080b: {"rsa_pss_pss_sha512", nidRSAPSS, nidSHA512, true},
	0x0807: {"ed25519", nidEd25519, nidUndef, false},
	0x0808: {"ed448", nidEd448, nidUndef, false},
}

// sigalgList turns the runner's code points into an SSL_CONF list, or
// names the first code point libssl has no name for.
func sigalgList(ids []int) (string, error) {
	names := make([]string, 0, len(ids))
	for _, id := range ids {
		a, ok := sigalgs[id]
		if !ok {
			return "", errUnimplemented{fmt.Sprintf("signature algorithm %#04x", id)}
		}
		names = append(names, a.name)
	}
	return strings.Join(names, ":"), nil
}

// setSigalgs applies -signing-prefs and -verify-prefs to ctx with SSL_CONF.
// libssl signs with the shared list of "ClientSignatureAlgorithms" on a
// client (else "SignatureAlgorithms") and of "SignatureAlgorithms" on a
// server; a client advertises "SignatureAlgorithms", a server's
// CertificateRequest "ClientSignatureAlgorithms" (else
// "SignatureAlgorithms").
func setSigalgs(ctx *libssl.Ctx, c *config) error {
	if len(c.signingPrefs) == 0 && len(c.verifyPrefs) == 0 {
		return nil
	}
	cc, err := libssl.NewConfCtx()
	if err != nil {
		return err
	}
	defer cc.Free()
	role := libssl.ConfFlagClient
	if c.server {
		role = libssl.ConfFlagServer
	}
	if _, err := cc.SetFlags(libssl.ConfFlagFile | role | libssl.ConfFlagShowErrors); err != nil {
		return err
	}
	if err := cc.SetSSLCtx(ctx); err != nil {
		return err
	}
	signCmd, verifyCmd := "ClientSignatureAlgorithms", "SignatureAlgorithms"
	if c.server {
		signCmd, verifyCmd = verifyCmd, signCmd
	}
	for _, s := range []struct {
		cmd string
		ids []int
	}{{signCmd, c.signingPrefs}, {verifyCmd, c.verifyPrefs}} {
		if len(s.ids) == 0 {
			continue
		}
		list, err := sigalgList(s.ids)
		if err != nil {
			return err
		}
		if err := cc.Cmd(s.cmd, list); err != nil {
			return errUnimplemented{fmt.Sprintf("%s %s (%v)", s.cmd, list, err)}
		}
	}
	return cc.Finish()
}

// peerSigalg returns the code point of the peer's signature as libssl
// reports it, 0 if there was none.
func peerSigalg(s *libssl.SSL) int {
	typ, ok1 := s.PeerSignatureTypeNID()
	md, ok2 := s.PeerSignatureNID()
	if !ok1 {
		return 0
	}
	if !ok2 {
		md = nidUndef
	}
	pssKey := false
	if typ == nidRSAPSS {
		if cert := s.PeerCertificate(); cert != nil {
			pssKey = cert.PublicKeyType() == nidRSAPSS
			cert.Free()
		}
	}
	for id, a := range sigalgs {
		if a.typeNID == typ && a.mdNID == md && a.pssKey == pssKey {
			return id
		}
	}
	return 0
}
