package openssl

// Key exchange groups (Config.CurvePreferences, Config.KeyShares), signature
// schemes (Config.SignatureSchemes, ConnectionState.SignatureScheme) and
// finite-field DHE for TLS 1.2 servers (Config.DHE, Config.DHParameters):
// the names crypto/tls's numbers have in libssl, and the settings they make
// on a Config's contexts.

import (
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"sync"

	libssl "github.com/libssl-go/libssl"
)

// groupNames maps crypto/tls's CurveIDs (the TLS NamedGroup numbers) to
// OpenSSL's group names (SSL_CTX_set1_groups_list) and back (the names
// libssl.SSL.NegotiatedGroup reports: OBJ_nid2sn for a curve, the TLS name
// of SSL_group_to_name for a group without a NID). since is the first
// OpenSSL version that has the group in TLS.
var groupNames = []struct {
	id       tls.CurveID
	name, sn string
	since    uint64
}{
	{tls.X25519, "X25519", "X25519", 0},
	{tls.CurveP256, "P-256", "prime256v1", 0},
	{tls.CurveP384, "P-384", "secp384r1", 0},
	{tls.CurveP521, "P-521", "secp521r1", 0},
	{tls.CurveID(30), "X448", "X448", 0},
	// The ML-KEM hybrids, OpenSSL 3.5 and later (X25519MLKEM768 first in
	// its default list); SecP256r1MLKEM768 and SecP384r1MLKEM1024 are
	// crypto/tls's constants from Go 1.26, numbers here for Go 1.24.
	{tls.X25519MLKEM768, "X25519MLKEM768", "X25519MLKEM768", 0x30500000},
	{tls.CurveID(4587), "SecP256r1MLKEM768", "SecP256r1MLKEM768", 0x30500000},
	{tls.CurveID(4589), "SecP384r1MLKEM1024", "SecP384r1MLKEM1024", 0x30500000},
	// The RFC 7919 finite-field groups: TLS 1.3 key exchange from OpenSSL
	// 3.0 (libssl negotiates them by name for TLS 1.3 only; crypto/tls has
	// no constants for them).
	{tls.CurveID(256), "ffdhe2048", "ffdhe2048", 0x30000000},
	{tls.CurveID(257), "ffdhe3072", "ffdhe3072", 0x30000000},
	{tls.CurveID(258), "ffdhe4096", "ffdhe4096", 0x30000000},
	{tls.CurveID(259), "ffdhe6144", "ffdhe6144", 0x30000000},
	{tls.CurveID(260), "ffdhe8192", "ffdhe8192", 0x30000000},
}

// curveIDOf returns the CurveID of an OpenSSL group name, 0 when unknown.
func curveIDOf(sn string) tls.CurveID {
	for _, g := range groupNames {
		if strings.EqualFold(g.sn, sn) || strings.EqualFold(g.name, sn) {
			return g.id
		}
	}
	return 0
}

// keySharesSince is the first OpenSSL version whose group lists can say
// which groups get a key share ("*" before a name).
const keySharesSince = 0x30500000

// groupsList returns the SSL_CTX_set1_groups_list text of CurvePreferences
// and KeyShares. Groups the linked libssl lacks are left out, as crypto/tls
// ignores the CurveIDs it does not know; a list left empty is an error
// matching libssl.ErrUnsupported that names the version the first group
// needs.
func (cfg *Config) groupsList() (string, error) {
	if len(cfg.CurvePreferences) == 0 {
		if len(cfg.KeyShares) != 0 {
			return "", errors.New("openssl: Config.KeyShares needs Config.CurvePreferences (the groups it marks)")
		}
		return "", nil
	}
	v := libssl.RuntimeVersion()
	names := make([]string, 0, len(cfg.CurvePreferences))
	ids := make([]tls.CurveID, 0, len(cfg.CurvePreferences))
	var lacking string
	for _, id := range cfg.CurvePreferences {
		known := false
		for _, g := range groupNames {
			if g.id != id {
				continue
			}
			known = true
			if v >= g.since {
				names = append(names, g.name)
				ids = append(ids, id)
			} else if lacking == "" {
				lacking = fmt.Sprintf("%s needs OpenSSL %s", g.name, versionText(g.since))
			}
		}
		if !known {
			return "", fmt.Errorf("openssl: Config.CurvePreferences: %v has no OpenSSL group name here", id)
		}
	}
	if len(names) == 0 {
		return "", fmt.Errorf("openssl: Config.CurvePreferences: %w: %s (linked: %s)",
			libssl.ErrUnsupported, lacking, libssl.RuntimeVersionText())
	}
	if len(cfg.KeyShares) == 0 {
		return strings.Join(names, ":"), nil
	}
	share := make(map[tls.CurveID]bool, len(cfg.KeyShares))
	for _, id := range cfg.KeyShares {
		found := false
		for _, c := range cfg.CurvePreferences {
			found = found || c == id
		}
		if !found {
			return "", fmt.Errorf("openssl: Config.KeyShares: %v is not in Config.CurvePreferences", id)
		}
		share[id] = true
	}
	if v < keySharesSince {
		// Before 3.5 a client sends one key share, for its first group.
		if len(share) != 1 || !share[ids[0]] {
			return "", fmt.Errorf("openssl: Config.KeyShares: %w: key shares for groups other than the first "+
				"of Config.CurvePreferences (%s) need OpenSSL 3.5 (linked: %s)",
				libssl.ErrUnsupported, names[0], libssl.RuntimeVersionText())
		}
		return strings.Join(names, ":"), nil
	}
	for i, id := range ids {
		if share[id] {
			names[i] = "*" + names[i]
		}
	}
	return strings.Join(names, ":"), nil
}

// versionText spells an OPENSSL_VERSION_NUMBER as "3.5".
func versionText(v uint64) string {
	return fmt.Sprintf("%d.%d", v>>28, (v>>20)&0xff)
}

// configureGroups sets CurvePreferences and KeyShares on a context
// (SSL_CTX_set1_groups_list), then SignatureSchemes and the DHE settings.
func (cfg *Config) configureGroups(ctx *libssl.Ctx) error {
	list, err := cfg.groupsList()
	if err != nil {
		return err
	}
	if list != "" {
		if err := ctx.SetGroupsList(list); err != nil {
			return fmt.Errorf("openssl: Config.CurvePreferences (%s): %w", list, err)
		}
	}
	if err := cfg.configureSignatureSchemes(ctx); err != nil {
		return err
	}
	return cfg.configureDHE(ctx)
}

// schemeNames maps crypto/tls's SignatureSchemes to OpenSSL's TLS 1.3
// signature algorithm names (SSL_CTX_set1_sigalgs_list,
// SSL_get0_peer_signature_name).
var schemeNames = []struct {
	id   tls.SignatureScheme
	name string
}{
	{tls.PKCS1WithSHA256, "rsa_pkcs1_sha256"},
	{tls.PKCS1WithSHA384, "rsa_pkcs1_sha384"},
	{tls.PKCS1WithSHA512, "rsa_pkcs1_sha512"},
	{tls.PSSWithSHA256, "rsa_pss_rsae_sha256"},
	{tls.PSSWithSHA384, "rsa_pss_rsae_sha384"},
	{tls.PSSWithSHA512, "rsa_pss_rsae_sha512"},
	{tls.SignatureScheme(0x0809), "rsa_pss_pss_sha256"},
	{tls.SignatureScheme(0x080a), "rsa_pss_pss_sha384"},
	{tls.SignatureScheme(0x080b), "rsa_pss_pss_sha512"},
	{tls.ECDSAWithP256AndSHA256, "ecdsa_secp256r1_sha256"},
	{tls.ECDSAWithP384AndSHA384, "ecdsa_secp384r1_sha384"},
	{tls.ECDSAWithP521AndSHA512, "ecdsa_secp521r1_sha512"},
	{tls.Ed25519, "ed25519"},
	{tls.SignatureScheme(0x0808), "ed448"},
	{tls.PKCS1WithSHA1, "rsa_pkcs1_sha1"},
	{tls.ECDSAWithSHA1, "ecdsa_sha1"},
}

// configureSignatureSchemes sets SignatureSchemes on a context
// (SSL_CTX_set1_sigalgs_list): what a client offers and accepts from the
// server, what a server signs with and asks of client certificates.
func (cfg *Config) configureSignatureSchemes(ctx *libssl.Ctx) error {
	if len(cfg.SignatureSchemes) == 0 {
		return nil
	}
	names := make([]string, 0, len(cfg.SignatureSchemes))
	for _, id := range cfg.SignatureSchemes {
		name := ""
		for _, s := range schemeNames {
			if s.id == id {
				name = s.name
			}
		}
		if name == "" {
			return fmt.Errorf("openssl: Config.SignatureSchemes: %v (%#04x) has no OpenSSL name here", id, uint16(id))
		}
		names = append(names, name)
	}
	list := strings.Join(names, ":")
	if err := ctx.SetSigalgsList(list); err != nil {
		return fmt.Errorf("openssl: Config.SignatureSchemes (%s): %w", list, err)
	}
	return nil
}

// The NIDs of OpenSSL's object table that name signature algorithms and
// digests (stable across versions).
const (
	nidRSA     = 6    // EVP_PKEY_RSA
	nidRSAPSS  = 912  // EVP_PKEY_RSA_PSS
	nidEC      = 408  // EVP_PKEY_EC
	nidED25519 = 1087 // EVP_PKEY_ED25519
	nidED448   = 1088 // EVP_PKEY_ED448
	nidSHA1    = 64
	nidSHA256  = 672
	nidSHA384  = 673
	nidSHA512  = 674
)

// peerSignatureScheme returns the scheme the peer signed its handshake
// with: from its TLS name where libssl gives one (OpenSSL 3.5:
// SSL_get0_peer_signature_name), else from the signature type and digest
// (SSL_get_peer_signature_type_nid, SSL_get_peer_signature_nid; an RSA-PSS
// signature is taken as rsa_pss_rsae, the kind an rsaEncryption key
// makes). 0 when the peer did not sign (a resumption, a client without a
// certificate).
// runtimeVersion is the linked libssl's OpenSSL_version_num, read once.
var runtimeVersion = sync.OnceValue(libssl.RuntimeVersion)

func peerSignatureScheme(s *libssl.SSL) tls.SignatureScheme {
	// Before 3.5 PeerSignatureName is ErrUnsupported: skip the call (and the
	// error it would build on every handshake).
	if runtimeVersion() < 0x30500000 {
		return peerSignatureSchemeByNID(s)
	}
	if name, err := s.PeerSignatureName(); err == nil {
		for _, sc := range schemeNames {
			if sc.name == name {
				return sc.id
			}
		}
		if name == "" {
			return 0
		}
	}
	return peerSignatureSchemeByNID(s)
}

// peerSignatureSchemeByNID names the peer's signature scheme from its
// signature and digest NIDs (SSL_get_peer_signature_type_nid,
// SSL_get_peer_signature_nid).
func peerSignatureSchemeByNID(s *libssl.SSL) tls.SignatureScheme {
	typ, ok := s.PeerSignatureTypeNID()
	if !ok {
		return 0
	}
	md, _ := s.PeerSignatureNID()
	byDigest := func(sha1, sha256, sha384, sha512 tls.SignatureScheme) tls.SignatureScheme {
		switch md {
		case nidSHA1:
			return sha1
		case nidSHA256:
			return sha256
		case nidSHA384:
			return sha384
		case nidSHA512:
			return sha512
		}
		return 0
	}
	switch typ {
	case nidRSA:
		return byDigest(tls.PKCS1WithSHA1, tls.PKCS1WithSHA256, tls.PKCS1WithSHA384, tls.PKCS1WithSHA512)
	case nidRSAPSS:
		return byDigest(0, tls.PSSWithSHA256, tls.PSSWithSHA384, tls.PSSWithSHA512)
	case nidEC:
		return byDigest(tls.ECDSAWithSHA1, tls.ECDSAWithP256AndSHA256, tls.ECDSAWithP384AndSHA384, tls.ECDSAWithP521AndSHA512)
	case nidED25519:
		return tls.Ed25519
	case nidED448:
		return tls.SignatureScheme(0x0808)
	}
	return 0
}

// configureDHE sets DHParameters or DHE on a context: a server's
// parameters for TLS 1.2 DHE cipher suites (SSL_CTX_set0_tmp_dh_pkey,
// which takes its own reference; SSL_CTX_set_dh_auto).
func (cfg *Config) configureDHE(ctx *libssl.Ctx) error {
	if len(cfg.DHParameters) != 0 {
		k, err := libssl.ParseDHParametersPEM(cfg.DHParameters)
		if err != nil {
			return fmt.Errorf("openssl: Config.DHParameters: %w", err)
		}
		defer k.Free()
		if err := ctx.SetTmpDHPKey(k); err != nil {
			return fmt.Errorf("openssl: Config.DHParameters: %w", err)
		}
		return nil
	}
	if cfg.DHE {
		if err := ctx.SetDHAuto(true); err != nil {
			return fmt.Errorf("openssl: Config.DHE: %w", err)
		}
	}
	return nil
}
