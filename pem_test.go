package libssl_test

import (
	"bytes"
	"runtime"
	"testing"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// A PEM bundle whose second certificate is corrupt is an error, never a
// silent success with the good ones: the end-of-input entry the PEM reader
// leaves is the only one that may be cleared.
func TestCorruptPEMInBundleIsAnError(t *testing.T) {
	cs := testcerts.Get()
	good := cs.CACert
	// A second block with a valid frame but garbage inside.
	corrupt := append(append([]byte{}, good...), []byte("-----BEGIN CERTIFICATE-----\nAAAAnotbase64!!!!\n-----END CERTIFICATE-----\n")...)
	for _, tc := range []struct {
		name string
		pem  []byte
		ok   bool
	}{
		{"one good", good, true},
		{"two good", append(append([]byte{}, good...), good...), true},
		{"good then corrupt", corrupt, false},
		{"garbage only", []byte("not pem at all"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := libssl.NewCtx(libssl.TLSClientMethod)
			check(t, err)
			defer c.Free()
			err = c.AddTrustedCertPEM(tc.pem)
			if (err == nil) != tc.ok {
				t.Fatalf("AddTrustedCertPEM: %v, want success %v", err, tc.ok)
			}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			_ = c.AddTrustedCertPEM(tc.pem)
			if !libssl.ErrorQueueEmpty() {
				t.Fatal("the call left entries on the thread's error queue")
			}
		})
	}
	// The same rule for a certificate chain: leaf then a corrupt CA.
	c, err := libssl.NewCtx(libssl.TLSServerMethod)
	check(t, err)
	defer c.Free()
	chain := append(append([]byte{}, cs.LeafChain...), []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")...)
	if err := c.UseCertificatePEM(chain); err == nil {
		t.Fatal("UseCertificatePEM accepted a chain with a corrupt certificate")
	}
	if !bytes.Contains(cs.LeafChain, []byte("BEGIN")) {
		t.Fatal("test chain is not PEM")
	}
}
