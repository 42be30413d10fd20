package openssl

// Certificates given as parsed objects or files.

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
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
