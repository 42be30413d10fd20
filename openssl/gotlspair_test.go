package openssl

// Certificates issued by the test CA for given names, and handshakes of a
// Conn against a crypto/tls peer over loopback TCP (pairGoClient,
// pairGoServer), for the tests of the Config hooks, SNI and state.

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"testing"
	"time"

	"crypto/ecdsa"
	"crypto/elliptic"

	"github.com/libssl-go/libssl/internal/testcerts"
)

// issueCert makes a leaf for names signed by the test CA, as a Certificate
// (leaf and CA chain in PEM).
func issueCert(t testing.TB, cn string, names ...string) Certificate {
	t.Helper()
	tc := testcerts.Get()
	b, _ := pem.Decode(tc.CAKey)
	caKey, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(tc.CADER)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sn, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: sn, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:    names,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(k)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return Certificate{
		CertPEM: append(certPEM, tc.CACert...),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}),
	}
}

func caPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(testcerts.Get().CACert)
	return p
}

type pairResult struct {
	ours    *Conn
	ourErr  error
	goState tls.ConnectionState
	goErr   error
}

// pairGoClient runs a handshake between a server made from cfg and a
// crypto/tls client over loopback TCP, then the client writes "ping" and
// the server answers "pong" when the handshake succeeded.
func pairGoClient(t *testing.T, cfg *Config, gcfg *tls.Config) pairResult {
	t.Helper()
	l := listenLoopback(t)
	done := make(chan pairResult, 1)
	go func() {
		var r pairResult
		nc, err := l.Accept()
		if err != nil {
			r.ourErr = err
			done <- r
			return
		}
		deadline(nc)
		c, err := Server(nc, cfg)
		if err != nil {
			nc.Close()
			r.ourErr = err
			done <- r
			return
		}
		r.ours = c
		if r.ourErr = c.Handshake(); r.ourErr == nil {
			if b, err := readFull(c, 4); err != nil || string(b) != "ping" {
				r.ourErr = err
			} else {
				_, r.ourErr = c.Write([]byte("pong"))
			}
		}
		c.Close()
		done <- r
	}()
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	deadline(nc)
	gc := tls.Client(nc, gcfg)
	var goErr error
	if goErr = gc.Handshake(); goErr == nil {
		if _, goErr = gc.Write([]byte("ping")); goErr == nil {
			var b []byte
			if b, goErr = readFull(gc, 4); goErr == nil && string(b) != "pong" {
				t.Errorf("reply %q", b)
			}
		}
	}
	st := gc.ConnectionState()
	gc.Close()
	r := <-done
	r.goState, r.goErr = st, goErr
	return r
}

// pairGoServer runs a handshake between a client made from cfg and a
// crypto/tls server over loopback TCP.
func pairGoServer(t *testing.T, cfg *Config, gcfg *tls.Config) (ours *Conn, ourErr error, goState tls.ConnectionState, goErr error) {
	t.Helper()
	l := listenLoopback(t)
	type res struct {
		st  tls.ConnectionState
		err error
	}
	done := make(chan res, 1)
	go func() {
		nc, err := l.Accept()
		if err != nil {
			done <- res{err: err}
			return
		}
		deadline(nc)
		gs := tls.Server(nc, gcfg)
		err = gs.Handshake()
		if err == nil {
			var b []byte
			if b, err = readFull(gs, 4); err == nil && string(b) == "ping" {
				_, err = gs.Write([]byte("pong"))
			}
		}
		st := gs.ConnectionState()
		gs.Close()
		done <- res{st, err}
	}()
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	deadline(nc)
	c, err := Client(nc, cfg)
	if err != nil {
		nc.Close()
		t.Fatal(err)
	}
	if ourErr = c.Handshake(); ourErr == nil {
		if _, ourErr = c.Write([]byte("ping")); ourErr == nil {
			var b []byte
			if b, ourErr = readFull(c, 4); ourErr == nil && string(b) != "pong" {
				t.Errorf("reply %q", b)
			}
		}
	}
	c.Close()
	r := <-done
	return c, ourErr, r.st, r.err
}

func testcertsCA() []byte { return testcerts.Get().CACert }

func testcertsLeafChain() []byte { return testcerts.Get().LeafChain }
func testcertsLeafKey() []byte   { return testcerts.Get().LeafKey }
func testcertsOtherKey() []byte  { return testcerts.Get().OtherKey }

func unwrapAll(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}
