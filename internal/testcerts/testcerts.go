// Package testcerts makes throwaway certificates for tests and checks: a CA,
// a leaf it signed for "localhost" and 127.0.0.1, and a self-signed leaf.
// They are generated once per process (ECDSA P-256), never stored.
package testcerts

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"sync"
	"time"
)

// Set holds PEM-encoded certificates and keys.
type Set struct {
	CACert, CAKey           []byte // the CA
	LeafCert, LeafKey       []byte // leaf for "localhost", signed by the CA
	LeafChain               []byte // LeafCert followed by CACert
	SelfCert, SelfKey       []byte // a self-signed leaf for "localhost"
	OtherCert, OtherKey     []byte // leaf for "other.example", signed by the CA
	CAName, LeafName        string // subjects, RFC 2253 ("CN=...")
	LeafDER, SelfDER, CADER []byte
}

var (
	once sync.Once
	set  *Set
)

// Get returns the process's certificate set, making it on first use.
func Get() *Set {
	once.Do(func() { set = generate() })
	return set
}

func key() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

func keyPEM(k *ecdsa.PrivateKey) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func certPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

var serial int64

func tmpl(cn string, hosts []string) *x509.Certificate {
	serial++
	t := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			t.IPAddresses = append(t.IPAddresses, ip)
		} else {
			t.DNSNames = append(t.DNSNames, h)
		}
	}
	return t
}

func generate() *Set {
	caKey := key()
	caT := tmpl("libssl-go test CA", nil)
	caT.IsCA = true
	caT.BasicConstraintsValid = true
	caT.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
	caT.ExtKeyUsage = nil
	caDER, err := x509.CreateCertificate(rand.Reader, caT, caT, &caKey.PublicKey, caKey)
	if err != nil {
		panic(err)
	}
	ca, _ := x509.ParseCertificate(caDER)

	leafKey := key()
	leafDER, err := x509.CreateCertificate(rand.Reader, tmpl("localhost", []string{"localhost", "127.0.0.1", "::1"}), ca, &leafKey.PublicKey, caKey)
	if err != nil {
		panic(err)
	}
	otherKey := key()
	otherDER, err := x509.CreateCertificate(rand.Reader, tmpl("other.example", []string{"other.example"}), ca, &otherKey.PublicKey, caKey)
	if err != nil {
		panic(err)
	}
	selfKey := key()
	selfT := tmpl("localhost", []string{"localhost", "127.0.0.1"})
	selfDER, err := x509.CreateCertificate(rand.Reader, selfT, selfT, &selfKey.PublicKey, selfKey)
	if err != nil {
		panic(err)
	}
	s := &Set{
		CACert: certPEM(caDER), CAKey: keyPEM(caKey),
		LeafCert: certPEM(leafDER), LeafKey: keyPEM(leafKey),
		SelfCert: certPEM(selfDER), SelfKey: keyPEM(selfKey),
		OtherCert: certPEM(otherDER), OtherKey: keyPEM(otherKey),
		CAName: "CN=libssl-go test CA", LeafName: "CN=localhost",
		LeafDER: leafDER, SelfDER: selfDER, CADER: caDER,
	}
	s.LeafChain = append(append([]byte{}, s.LeafCert...), s.CACert...)
	return s
}
