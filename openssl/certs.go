package openssl

// Certificates given as parsed objects or files.

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/libssl-go/libssl"
)

// X509KeyPair returns the Certificate of a PEM chain (leaf first) and its
// unencrypted PEM private key, after checking that they parse and match
// (with crypto/x509, as tls.X509KeyPair does), so that an error shows here
// rather than at the first connection.
func X509KeyPair(certPEM, keyPEM []byte) (Certificate, error) {
	if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
		return Certificate{}, fmt.Errorf("openssl: X509KeyPair: %w", err)
	}
	return Certificate{CertPEM: append([]byte(nil), certPEM...), KeyPEM: append([]byte(nil), keyPEM...)}, nil
}

// LoadX509KeyPair reads a PEM chain and its key from files, as
// tls.LoadX509KeyPair does, and returns them as a Certificate.
func LoadX509KeyPair(certFile, keyFile string) (Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return Certificate{}, fmt.Errorf("openssl: LoadX509KeyPair: %w", err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return Certificate{}, fmt.Errorf("openssl: LoadX509KeyPair: %w", err)
	}
	return X509KeyPair(certPEM, keyPEM)
}

// CertificateFromTLS converts crypto/tls's certificate (DER chain and a
// crypto.Signer private key: RSA, ECDSA or Ed25519) into a Certificate,
// for a certificate and key held as parsed objects. The key is marshalled
// to PKCS #8: a key that only signs (a hardware key) cannot be used by
// libssl this way.
func CertificateFromTLS(c tls.Certificate) (Certificate, error) {
	if len(c.Certificate) == 0 {
		return Certificate{}, errors.New("openssl: CertificateFromTLS: no certificate")
	}
	var out Certificate
	for _, der := range c.Certificate {
		if _, err := x509.ParseCertificate(der); err != nil {
			return Certificate{}, fmt.Errorf("openssl: CertificateFromTLS: %w", err)
		}
		out.CertPEM = append(out.CertPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	key, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		return Certificate{}, fmt.Errorf("openssl: CertificateFromTLS: the private key: %w", err)
	}
	out.KeyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key})
	return X509KeyPair(out.CertPEM, out.KeyPEM)
}

// LoadCertificateFromStore loads a Certificate through OSSL_STORE
// (libssl.LoadStore: OSSL_STORE_open_ex and OSSL_STORE_load): the
// certificates at certURI, in the order the store gives them (leaf first),
// as CertPEM, since certificates are public; and the first private key at
// keyURI as Key, a handle, since a key in a token (a pkcs11: URI through
// pkcs11-provider) never leaves it. Any URI a store of opts.LibCtx offers
// works: file: URIs and plain paths (PEM or DER, an encrypted PKCS #8 key
// with opts.PIN), pkcs11: URIs once pkcs11-provider is loaded. keyURI may
// equal certURI (one file holding both); the store is then read once.
//
// The key and the certificate are checked to match (SSL_CTX_use_PrivateKey
// and SSL_CTX_check_private_key on a context of opts.LibCtx), so that an
// error shows here rather than at the first connection. The caller owns
// the returned Key and frees it (PKey.Free) once no Config will build a
// context from the Certificate any more. Needs OpenSSL 3.0: on 1.1.1 the
// error matches libssl.ErrUnsupported.
func LoadCertificateFromStore(certURI, keyURI string, opts *libssl.StoreOptions) (Certificate, error) {
	fail := func(err error) (Certificate, error) {
		return Certificate{}, fmt.Errorf("openssl: LoadCertificateFromStore: %w", err)
	}
	certs, err := libssl.LoadStore(certURI, opts)
	if err != nil {
		return fail(err)
	}
	defer certs.Free()
	if len(certs.Certificates) == 0 {
		return fail(fmt.Errorf("%s holds no certificate", certURI))
	}
	keys := certs
	if keyURI != certURI {
		keys, err = libssl.LoadStore(keyURI, opts)
		if err != nil {
			return fail(keyErr(keyURI, err))
		}
		defer keys.Free()
	}
	if len(keys.PrivateKeys) == 0 {
		return fail(keyErr(keyURI, fmt.Errorf("%s holds no private key", keyURI)))
	}
	var out Certificate
	for _, x := range certs.Certificates {
		der, err := x.DER()
		if err != nil {
			return fail(err)
		}
		out.CertPEM = append(out.CertPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	if err := checkKeyPair(certs.Certificates[0], keys.PrivateKeys[0], opts); err != nil {
		return fail(fmt.Errorf("the key at %s does not match the certificate at %s: %w", keyURI, certURI, err))
	}
	// The returned Key takes over the handle; StoreObjects.Free skips it.
	out.Key = keys.PrivateKeys[0]
	keys.PrivateKeys[0] = nil
	return out, nil
}

// keyErr adds to a failed load of a token's key what the error cannot say:
// a token lists its private keys only after a login, and pkcs11-provider
// reports a refused PIN as an empty result, the same as no such key.
func keyErr(keyURI string, err error) error {
	if strings.HasPrefix(keyURI, "pkcs11:") {
		return fmt.Errorf("no private key at %s (no such key, or a wrong PIN: a token lists its private keys only after a login): %w", keyURI, err)
	}
	return err
}

// checkKeyPair checks that k is the private key of leaf, as libssl will when
// a Config uses them, on a context of the store's library context.
func checkKeyPair(leaf *libssl.X509, k *libssl.PKey, opts *libssl.StoreOptions) error {
	var lc *libssl.LibCtx
	var propq string
	if opts != nil {
		lc, propq = opts.LibCtx, opts.Properties
	}
	ctx, err := libssl.NewCtxEx(lc, propq, libssl.TLSMethod)
	if err != nil {
		return err
	}
	defer ctx.Free()
	if err := ctx.UseCertificate(leaf); err != nil {
		return err
	}
	if err := ctx.UsePrivateKey(k); err != nil {
		return err
	}
	return ctx.CheckPrivateKey()
}
