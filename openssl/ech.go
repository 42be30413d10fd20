package openssl

// Encrypted Client Hello (ECH, RFC 9849) with crypto/tls's Config fields,
// over OpenSSL 4.0's OSSL_ECHSTORE (libssl.ECHStore).
//
// A client's Config.EncryptedClientHelloConfigList is read into a store
// (OSSL_ECHSTORE_read_echconfiglist) that its SSL_CTX gets a copy of
// (SSL_CTX_set1_echstore); SSL_new gives each connection the context's
// copy. The inner ClientHello carries Config.ServerName (the name the
// server's certificate is verified for), the outer one the ECHConfig's
// public_name. A server's Config.EncryptedClientHelloKeys are turned into
// the PEM that OSSL_ECHSTORE_read_pem reads: the KEM private key as PKCS#8
// and a one-entry ECHConfigList as the ECHCONFIG block, one call per key,
// SendAsRetry as OSSL_ECH_FOR_RETRY.
//
// When a server rejects a client's ECH, libssl completes the outer
// handshake, verifies the server's certificate for the ECHConfig's
// public_name, then fails the handshake with an ech_required alert, as RFC
// 9849 asks; the client's handshake then returns an *ECHRejectionError
// with the retry configs the server sent (SSL_ech_get1_retry_config).

import (
	"crypto/ecdh"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"

	libssl "github.com/libssl-go/libssl"
)

// ECHRejectionError is the error of a client's handshake whose ECH the
// server rejected (after the server's certificate was verified for the
// ECHConfig's public_name), as crypto/tls's of the same name.
// RetryConfigList is the ECHConfigList the server sent for a new attempt
// (SSL_ech_get1_retry_config): set it as the Config's
// EncryptedClientHelloConfigList of a new Config and dial again. It is
// nil when the server sent none.
type ECHRejectionError struct {
	RetryConfigList []byte
}

func (e *ECHRejectionError) Error() string {
	return "openssl: server rejected ECH"
}

// configureECH gives the context the Config's ECH settings: the client's
// ECHConfigList (and TLS 1.3 as its minimum) or GREASE, the server's
// keys. On a libssl without ECH any of them is an error matching
// libssl.ErrUnsupported that says it needs OpenSSL 4.0.
func (cfg *Config) configureECH(ctx *libssl.Ctx, isClient bool) error {
	if isClient {
		if cfg.EncryptedClientHelloConfigList != nil {
			if cfg.MaxVersion != 0 && cfg.MaxVersion < VersionTLS13 {
				return fmt.Errorf("openssl: Config.EncryptedClientHelloConfigList needs TLS 1.3, but Config.MaxVersion is %s", versionName(cfg.MaxVersion))
			}
			store, err := libssl.NewECHStore(cfg.LibraryContext)
			if err != nil {
				return fmt.Errorf("openssl: Config.EncryptedClientHelloConfigList: %w", err)
			}
			defer store.Free()
			if err := store.ReadECHConfigList(cfg.EncryptedClientHelloConfigList); err != nil {
				return fmt.Errorf("openssl: Config.EncryptedClientHelloConfigList: %w", err)
			}
			if err := ctx.SetECHStore(store); err != nil {
				return fmt.Errorf("openssl: Config.EncryptedClientHelloConfigList: %w", err)
			}
			// As crypto/tls: a client that offers ECH refuses TLS below 1.3.
			if err := ctx.SetMinProtoVersion(libssl.TLS1_3); err != nil {
				return fmt.Errorf("openssl: Config.EncryptedClientHelloConfigList: %w", err)
			}
		} else if cfg.EncryptedClientHelloGREASE {
			if err := ctx.SetECHGrease(true); err != nil {
				return fmt.Errorf("openssl: Config.EncryptedClientHelloGREASE: %w", err)
			}
		}
		return nil
	}
	if len(cfg.EncryptedClientHelloKeys) == 0 {
		return nil
	}
	store, err := libssl.NewECHStore(cfg.LibraryContext)
	if err != nil {
		return fmt.Errorf("openssl: Config.EncryptedClientHelloKeys: %w", err)
	}
	defer store.Free()
	for i, k := range cfg.EncryptedClientHelloKeys {
		text, err := echKeyPEM(k)
		if err == nil {
			err = store.ReadPEM(text, k.SendAsRetry)
		}
		if err != nil {
			return fmt.Errorf("openssl: Config.EncryptedClientHelloKeys[%d]: %w", i, err)
		}
	}
	if err := ctx.SetECHStore(store); err != nil {
		return fmt.Errorf("openssl: Config.EncryptedClientHelloKeys: %w", err)
	}
	return nil
}

// echKeyPEM turns one crypto/tls ECH key into the PEM OSSL_ECHSTORE_read_pem
// reads: PrivateKey, the raw KEM private key of the ECHConfig's KEM, as a
// PKCS#8 PRIVATE KEY block, then Config as a one-entry ECHConfigList in an
// ECHCONFIG block. A key that is not its config's (another public key)
// is an error here, before libssl sees it.
func echKeyPEM(k tls.EncryptedClientHelloKey) ([]byte, error) {
	kem, pub, err := echConfigKEM(k.Config)
	if err != nil {
		return nil, err
	}
	var curve ecdh.Curve
	switch kem {
	case 0x0020:
		curve = ecdh.X25519()
	case 0x0010:
		curve = ecdh.P256()
	case 0x0011:
		curve = ecdh.P384()
	case 0x0012:
		curve = ecdh.P521()
	default:
		return nil, fmt.Errorf("ECHConfig KEM %#04x is not one this package can encode a key for (X25519, P-256, P-384, P-521)", kem)
	}
	priv, err := curve.NewPrivateKey(k.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("PrivateKey is not a KEM %#04x private key: %w", kem, err)
	}
	if string(priv.PublicKey().Bytes()) != string(pub) {
		return nil, errors.New("PrivateKey does not match the public key of its ECHConfig")
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	list := binary.BigEndian.AppendUint16(nil, uint16(len(k.Config)))
	list = append(list, k.Config...)
	out := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	return append(out, pem.EncodeToMemory(&pem.Block{Type: "ECHCONFIG", Bytes: list})...), nil
}

// echConfigKEM reads the KEM id and public key of an encoded ECHConfig
// (RFC 9849 section 4: version, length, config_id, kem_id, public_key).
func echConfigKEM(c []byte) (kem uint16, pub []byte, err error) {
	bad := errors.New("Config is not an encoded ECHConfig")
	if len(c) < 4 {
		return 0, nil, bad
	}
	if v := binary.BigEndian.Uint16(c); v != libssl.ECHConfigVersion {
		return 0, nil, fmt.Errorf("ECHConfig version %#04x, want %#04x (RFC 9849)", v, libssl.ECHConfigVersion)
	}
	body := c[4:]
	if int(binary.BigEndian.Uint16(c[2:])) != len(body) || len(body) < 5 {
		return 0, nil, bad
	}
	kem = binary.BigEndian.Uint16(body[1:])
	n := int(binary.BigEndian.Uint16(body[3:]))
	if len(body) < 5+n {
		return 0, nil, bad
	}
	return kem, body[5 : 5+n], nil
}

// echAccepted reports whether the connection's ECH was accepted
// (SSL_ech_get1_status is SSL_ECH_STATUS_SUCCESS); false on a libssl
// without ECH. The caller is in withSSL.
func echAccepted(s *libssl.SSL) bool {
	if !libssl.ECHBuilt() {
		return false
	}
	st, _, _, err := s.ECHStatus()
	return err == nil && st == libssl.ECHStatusSuccess
}

// echFailure turns a client's failed handshake whose ECH the server
// rejected into an *ECHRejectionError (the outer certificate verified for
// the public name), or into the error of
// Config.EncryptedClientHelloRejectionVerify when that is set; nil when
// the failure had nothing to do with a rejected ECH.
func (c *Conn) echFailure(err error) error {
	if !c.isClient || c.config.EncryptedClientHelloConfigList == nil || !libssl.ECHBuilt() {
		return nil
	}
	var st libssl.ECHStatus
	var retry []byte
	var peer [][]byte
	_ = c.withSSL(func(s *libssl.SSL) error {
		st, _, _, _ = s.ECHStatus()
		retry, _ = s.ECHRetryConfig()
		peer, _ = s.PeerCertChainDER()
		return nil
	})
	switch st {
	case libssl.ECHStatusFailedECH, libssl.ECHStatusFailedECHBadName, libssl.ECHStatusFailed:
	default:
		return nil
	}
	if f := c.config.EncryptedClientHelloRejectionVerify; f != nil {
		certs, _ := parseChain(peer)
		if verr := f(ConnectionState{PeerCertificates: certs}); verr != nil {
			return fmt.Errorf("openssl: Config.EncryptedClientHelloRejectionVerify: %w", verr)
		}
		return &ECHRejectionError{RetryConfigList: retry}
	}
	if st != libssl.ECHStatusFailedECH {
		// The outer certificate did not verify for the public name: its
		// retry configs cannot be trusted.
		return nil
	}
	return &ECHRejectionError{RetryConfigList: retry}
}
