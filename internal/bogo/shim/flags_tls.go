package main

// The TLS flags beyond the first set (flags.go): NPN, OCSP callbacks,
// session and handshake expectations. They live in tlsFlags, embedded in
// config, and join the flag table at start.

import (
	"fmt"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/openssl"
)

// tlsFlags is the part of a connection's setting that flags_tls.go parses.
type tlsFlags struct {
	// The settings of the shared SSL_CTX: they must not differ between
	// the first connection and the resumptions.
	tlsCtxFlags

	// NPN: what must be agreed (npn.go).
	expectNextProto   string
	expectNoNextProto bool

	// What the handshake must have used: the extended master secret,
	// secure renegotiation (RFC 5746) or not.
	expectExtendedMasterSecret                       bool
	expectSecureRenegotiation, expectNoSecureRenegot bool
	// How many renegotiations the connection must have run by its end
	// (checked when the peer closes).
	expectTotalRenegotiations int

	// expectations.go: the session has an ID or none (a server's stateful
	// cache or a ticket), the peer's chain is -expect-peer-cert-file's,
	// the cipher suite is -expect-cipher.
	expectSessionID, expectNoSessionID bool
	expectPeerCertFile                 string
	expectCipher                       int
	// The CA names a client got in the certificate request: DER names in
	// hex, comma-separated.
	expectClientCAList string
}

// tlsCtxFlags are the flags of flags_tls.go that set the SSL_CTX.
type tlsCtxFlags struct {
	// NPN (npn.go): the server's advertised list (wire form) or an empty
	// one, the client's choice or an empty one.
	advertiseNPN         string
	advertiseEmptyNPN    bool
	selectNextProto      string
	selectEmptyNextProto bool

	// OCSP callbacks (ocsp.go).
	useOCSPCallback, setOCSPInCallback, declineOCSPCallback, failOCSPCallback bool

	// Credentials (credentials.go): a TLS 1.2 pre-shared key and its
	// identity; the client's certificate given by the client certificate
	// callback rather than set on the context.
	psk, pskIdentity         string
	useOldClientCertCallback bool

	// A client renegotiates whenever the server asks (libssl's default for
	// a context without SSL_OP_NO_RENEGOTIATION).
	renegotiateFreely bool

	// expectations.go: the certificate callback fails the handshake; a
	// server checks the ALPN list the client advertised.
	failCertCallback     bool
	expectAdvertisedALPN string

	// tickets.go: a server's ticket key callback, which may decline to
	// issue a ticket.
	useTicketCallback, skipTicket bool
}

// tlsFlagTable lists the flags of tlsFlags.
var tlsFlagTable = map[string]flagDef{
	"-advertise-npn":           strF(func(c *config) *string { return &c.advertiseNPN }),
	"-advertise-empty-npn":     boolF(func(c *config) *bool { return &c.advertiseEmptyNPN }),
	"-select-next-proto":       strF(func(c *config) *string { return &c.selectNextProto }),
	"-select-empty-next-proto": boolF(func(c *config) *bool { return &c.selectEmptyNextProto }),
	"-expect-next-proto":       strF(func(c *config) *string { return &c.expectNextProto }),
	"-expect-no-next-proto":    boolF(func(c *config) *bool { return &c.expectNoNextProto }),

	"-use-ocsp-callback":     boolF(func(c *config) *bool { return &c.useOCSPCallback }),
	"-set-ocsp-in-callback":  boolF(func(c *config) *bool { return &c.setOCSPInCallback }),
	"-decline-ocsp-callback": boolF(func(c *config) *bool { return &c.declineOCSPCallback }),
	"-fail-ocsp-callback":    boolF(func(c *config) *bool { return &c.failOCSPCallback }),

	"-psk":                          strF(func(c *config) *string { return &c.psk }),
	"-psk-identity":                 strF(func(c *config) *string { return &c.pskIdentity }),
	"-use-old-client-cert-callback": boolF(func(c *config) *bool { return &c.useOldClientCertCallback }),

	"-renegotiate-freely":             boolF(func(c *config) *bool { return &c.renegotiateFreely }),
	"-expect-total-renegotiations":    intF(func(c *config) *int { return &c.expectTotalRenegotiations }),
	"-expect-secure-renegotiation":    boolF(func(c *config) *bool { return &c.expectSecureRenegotiation }),
	"-expect-no-secure-renegotiation": boolF(func(c *config) *bool { return &c.expectNoSecureRenegot }),
	"-expect-extended-master-secret":  boolF(func(c *config) *bool { return &c.expectExtendedMasterSecret }),

	"-expect-session-id":      boolF(func(c *config) *bool { return &c.expectSessionID }),
	"-expect-no-session-id":   boolF(func(c *config) *bool { return &c.expectNoSessionID }),
	"-expect-peer-cert-file":  strF(func(c *config) *string { return &c.expectPeerCertFile }),
	"-expect-cipher":          intF(func(c *config) *int { return &c.expectCipher }),
	"-fail-cert-callback":     boolF(func(c *config) *bool { return &c.failCertCallback }),
	"-expect-advertised-alpn": strF(func(c *config) *string { return &c.expectAdvertisedALPN }),

	"-expect-client-ca-list": strF(func(c *config) *string { return &c.expectClientCAList }),

	"-use-ticket-callback": boolF(func(c *config) *bool { return &c.useTicketCallback }),
	"-skip-ticket":         boolF(func(c *config) *bool { return &c.skipTicket }),
}

func init() {
	for name, def := range tlsFlagTable {
		flags[name] = def
	}
}

// checkTLSFlags compares the completed handshake with the expectations of
// flags_tls.go.
func checkTLSFlags(s *libssl.SSL, c *config, isResume bool) error {
	if err := checkNPN(s, c); err != nil {
		return err
	}
	if err := checkExpectations(s, c, isResume); err != nil {
		return err
	}
	if c.expectExtendedMasterSecret && !s.ExtendedMasterSecret() {
		return fmt.Errorf("no extended master secret (resumption: %v)", isResume)
	}
	if secure := s.SecureRenegotiationSupport(); (c.expectSecureRenegotiation && !secure) || (c.expectNoSecureRenegot && secure) {
		return fmt.Errorf("secure renegotiation support %v", secure)
	}
	return nil
}

// checkAtEnd compares the connection, once the peer closed it, with the
// expectations about its whole life: the renegotiations it ran.
func checkAtEnd(conn *openssl.Conn, c *config) error {
	if c.expectTotalRenegotiations == 0 {
		return nil
	}
	return conn.WithSSL(func(s *libssl.SSL) error {
		if got := s.TotalRenegotiations(); got != c.expectTotalRenegotiations {
			return fmt.Errorf("%d renegotiations, want %d", got, c.expectTotalRenegotiations)
		}
		return nil
	})
}

// checkTLSImplemented refuses flags of flags_tls.go that libssl cannot
// honour in the role asked: a server does not renegotiate on request.
func checkTLSImplemented(c *config) error {
	if c.server && c.renegotiateFreely {
		return errUnimplemented{"-renegotiate-freely on a server"}
	}
	if !c.server && c.useTicketCallback {
		return errUnimplemented{"-use-ticket-callback on a client"}
	}
	if c.server && c.useOldClientCertCallback {
		return errUnimplemented{"-use-old-client-cert-callback on a server"}
	}
	return nil
}
