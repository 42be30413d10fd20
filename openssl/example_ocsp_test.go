package openssl_test

import (
	"errors"
	"fmt"

	"github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
	"github.com/libssl-go/libssl/openssl"
)

// A server staples an OCSP response for its certificate
// (Certificate.OCSPStaple, as in crypto/tls), and a client, which always
// asks for one, reads it as ConnectionState.OCSPResponse once libcrypto
// has checked it against the certificate and RootCAs. A staple that says
// revoked fails the client's handshake with an *OCSPError. The responses
// here are made by the test CA (internal/testcerts, with
// golang.org/x/crypto/ocsp); a real server fetches its own from its CA's
// responder and refreshes it before nextUpdate.
func ExampleCertificate_ocspStaple() {
	r := testcerts.GetRevocation()
	for _, status := range []int{testcerts.Good, testcerts.Revoked} {
		srvCfg := &openssl.Config{Certificates: []openssl.Certificate{{
			CertPEM:    r.Server.ChainPEM,
			KeyPEM:     r.Server.KeyPEM,
			OCSPStaple: r.Server.OCSPResponse(status, testcerts.OCSPOptions{Reason: 1}),
		}}}
		ln, err := openssl.Listen("tcp", "127.0.0.1:0", srvCfg)
		if err != nil {
			panic(err)
		}
		go serve(ln, func(c *openssl.Conn, line string) string { return "hello, " + line })

		cliCfg := &openssl.Config{RootCAs: r.CACert}
		c, err := openssl.Dial("tcp", ln.Addr().String(), cliCfg)
		var oe *openssl.OCSPError
		switch {
		case errors.As(err, &oe):
			fmt.Println("refused:", oe.Status, libssl.OCSPReasonString(oe.RevocationReason))
		case err != nil:
			panic(err)
		default:
			fmt.Println(ask(c, "stapled"), len(c.ConnectionState().OCSPResponse) > 0)
			c.Close()
		}
		ln.Close()
		cliCfg.Free()
		srvCfg.Free()
	}
	// Output:
	// hello, stapled true
	// refused: revoked keyCompromise
}
