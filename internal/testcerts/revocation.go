package testcerts

// Revocation: a CA that signs CRLs and OCSP responses, its certificates
// (good and revoked servers and clients), and a second CA nobody trusts,
// for the tests of OCSP stapling and CRL checking. Generated once per
// process; responses and CRLs are made on demand with
// golang.org/x/crypto/ocsp and crypto/x509.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"sync"
	"time"

	"golang.org/x/crypto/ocsp"
)

// Issued is a certificate the revocation CA signed, with its key.
type Issued struct {
	Cert         *x509.Certificate
	CertPEM      []byte // the leaf alone
	ChainPEM     []byte // the leaf, then the CA
	KeyPEM       []byte
	Key          *ecdsa.PrivateKey
	DER          []byte
	IssuerDER    []byte
	IssuerCert   *x509.Certificate
	issuerSigner crypto.Signer
}

// Revocation is a CA able to sign CRLs (its key usage has cRLSign) and the
// certificates it issued; Untrusted is a CA of the same names that no test
// trusts, and Stranger a leaf for "localhost" it issued.
type Revocation struct {
	CA        *x509.Certificate
	CAKey     *ecdsa.PrivateKey
	CACert    []byte  // PEM
	Server    *Issued // "localhost", 127.0.0.1
	Revoked   *Issued // "localhost", 127.0.0.1: the one CRLs list
	Client    *Issued
	RevClient *Issued // the client certificate CRLs list
	Responder *Issued // an OCSP responder the CA authorised (id-kp-OCSPSigning)
	Untrusted *x509.Certificate
	Stranger  *Issued // "localhost", issued by Untrusted
}

var (
	revOnce sync.Once
	rev     *Revocation
)

// GetRevocation returns the process's revocation CA and certificates.
func GetRevocation() *Revocation {
	revOnce.Do(func() { rev = generateRevocation() })
	return rev
}

// revTemplate is tmpl with a random serial number: tmpl's counter is
// guarded by Get's once only, and both sets may be made at the same time.
func revTemplate(cn string, hosts []string) *x509.Certificate {
	sn, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		panic(err)
	}
	t := &x509.Certificate{
		SerialNumber: sn.Add(sn, big.NewInt(1)),
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

func caTemplate(cn string) *x509.Certificate {
	t := revTemplate(cn, nil)
	t.IsCA = true
	t.BasicConstraintsValid = true
	t.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	t.ExtKeyUsage = nil
	return t
}

func issue(t *x509.Certificate, ca *x509.Certificate, caKey *ecdsa.PrivateKey) *Issued {
	k := key()
	der, err := x509.CreateCertificate(rand.Reader, t, ca, &k.PublicKey, caKey)
	if err != nil {
		panic(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return &Issued{Cert: c, CertPEM: certPEM(der), ChainPEM: append(certPEM(der), certPEM(ca.Raw)...),
		KeyPEM: keyPEM(k), Key: k, DER: der, IssuerDER: ca.Raw, IssuerCert: ca, issuerSigner: caKey}
}

func selfSigned(cn string) (*x509.Certificate, *ecdsa.PrivateKey) {
	k := key()
	t := caTemplate(cn)
	der, err := x509.CreateCertificate(rand.Reader, t, t, &k.PublicKey, k)
	if err != nil {
		panic(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return c, k
}

func generateRevocation() *Revocation {
	ca, caKey := selfSigned("libssl-go revocation test CA")
	r := &Revocation{CA: ca, CAKey: caKey, CACert: certPEM(ca.Raw)}
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	r.Server = issue(revTemplate("localhost", hosts), ca, caKey)
	r.Revoked = issue(revTemplate("localhost", hosts), ca, caKey)
	r.Client = issue(revTemplate("client", nil), ca, caKey)
	r.RevClient = issue(revTemplate("revoked client", nil), ca, caKey)
	rt := revTemplate("libssl-go OCSP responder", nil)
	rt.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}
	r.Responder = issue(rt, ca, caKey)
	other, otherKey := selfSigned("libssl-go revocation test CA")
	r.Untrusted = other
	r.Stranger = issue(revTemplate("localhost", hosts), other, otherKey)
	return r
}

// OCSP statuses for OCSPResponse (golang.org/x/crypto/ocsp's).
const (
	Good    = ocsp.Good
	Revoked = ocsp.Revoked
	Unknown = ocsp.Unknown
)

// OCSPOptions shape a response beyond its status; zero values give a
// response the issuer signed, valid from an hour ago for a day.
type OCSPOptions struct {
	Reason                 int       // revocation reason, for Revoked
	ThisUpdate, NextUpdate time.Time // zero: an hour ago, a day ahead
	// SignedBy signs instead of the issuer: the certificate goes into the
	// response (as a delegated responder's does).
	SignedBy *Issued
	// SignedByKey signs with another key under the issuer's name (a bad
	// signature).
	SignedByKey crypto.Signer
	// NoNextUpdate leaves nextUpdate out.
	NoNextUpdate bool
}

// OCSPResponse returns a DER OCSP response giving status for c.
func (c *Issued) OCSPResponse(status int, o OCSPOptions) []byte {
	now := time.Now()
	tpl := ocsp.Response{
		Status:       status,
		SerialNumber: c.Cert.SerialNumber,
		ThisUpdate:   now.Add(-time.Hour),
		NextUpdate:   now.Add(24 * time.Hour),
	}
	if !o.ThisUpdate.IsZero() {
		tpl.ThisUpdate = o.ThisUpdate
	}
	if !o.NextUpdate.IsZero() {
		tpl.NextUpdate = o.NextUpdate
	}
	if o.NoNextUpdate {
		tpl.NextUpdate = time.Time{}
	}
	if status == ocsp.Revoked {
		tpl.RevokedAt = now.Add(-2 * time.Hour).Truncate(time.Second)
		tpl.RevocationReason = o.Reason
	}
	responder, signer := c.IssuerCert, c.issuerSigner
	if o.SignedBy != nil {
		responder, signer = o.SignedBy.Cert, o.SignedBy.Key
		tpl.Certificate = o.SignedBy.Cert
	}
	if o.SignedByKey != nil {
		signer = o.SignedByKey
	}
	der, err := ocsp.CreateResponse(c.IssuerCert, responder, tpl, signer)
	if err != nil {
		panic(err)
	}
	return der
}

// CRL returns a DER CRL the revocation CA signed, listing revoked.
func (r *Revocation) CRL(revoked ...*Issued) []byte {
	var entries []x509.RevocationListEntry
	for _, c := range revoked {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: c.Cert.SerialNumber,
			RevocationTime: time.Now().Add(-time.Hour), ReasonCode: 1})
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:                    big.NewInt(1),
		ThisUpdate:                time.Now().Add(-time.Hour),
		NextUpdate:                time.Now().Add(24 * time.Hour),
		RevokedCertificateEntries: entries,
	}, r.CA, r.CAKey)
	if err != nil {
		panic(err)
	}
	return der
}
