package main

// The TLS flags beyond the first set (flags.go): NPN, OCSP callbacks,
// session and handshake expectations. They live in tlsFlags, embedded in
// config, and join the flag table at start.

import "github.com/libssl-go/libssl/openssl"

// tlsFlags is the part of a connection's setting that flags_tls.go parses.
type tlsFlags struct {
	// The settings of the shared SSL_CTX: they must not differ between
	// the first connection and the resumptions.
	tlsCtxFlags

	// NPN: what must be agreed (npn.go).
	expectNextProto   string
	expectNoNextProto bool
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
}

func init() {
	for name, def := range tlsFlagTable {
		flags[name] = def
	}
}

// checkTLSFlags compares the completed handshake with the expectations of
// flags_tls.go.
func checkTLSFlags(conn *openssl.Conn, c *config, isResume bool) error {
	return checkNPN(conn, c)
}
