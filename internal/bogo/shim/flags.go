package main

// The shim's command line, as BoringSSL's runner writes it: single-dash
// flags, each either alone (a bool) or followed by one value. A flag may
// carry the prefix -on-initial-, -on-resume- or -on-retry-: it then applies
// only to the first connection, to the resumptions, or to an ECH retry
// (which this shim never makes). A flag the shim does not know is
// "unimplemented" (exit 89), never an error: the runner then counts the test
// as skipped.

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// config is the setting of one connection.
type config struct {
	port   int
	shimID uint64
	ipv6   bool
	server bool

	keyFile, certFile, trustCert string

	minVersion, maxVersion, expectVersion int
	noTLS1, noTLS11, noTLS12, noTLS13     bool

	requireAnyClientCert, verifyPeer, verifyFail bool

	shimWritesFirst, shimShutsDown, checkCloseNotify bool
	resumeCount                                      int
	expectSessionMiss                                bool
	noTicket                                         bool

	curves        []int
	expectCurveID int

	advertiseALPN, expectALPN, selectALPN string
	declineALPN, rejectALPN               bool

	hostName, expectServerName string

	cipher string

	exportKeyingMaterial int
	exportLabel          string
	exportContext        string
	useExportContext     bool
	tlsUnique            bool

	isHandshakerSupported bool

	// async: the transport gives libssl one byte per read (BoringSSL's
	// async BIO), so that every handshake step meets a want-read.
	async bool
	// implicitHandshake: no explicit handshake; the first Read or Write
	// runs it.
	implicitHandshake bool

	expectVerifyResult bool

	signingPrefs, verifyPrefs []int
	expectPeerSigalg          int

	// OCSP stapling: the server's response (-ocsp-response), the client's
	// request (-enable-ocsp-stapling) and the response it must get.
	ocspResponse, expectOCSPResponse string
	enableOCSPStapling               bool

	dtls dtlsConfig
	// The flags of flags_tls.go.
	tlsFlags
}

// errUnimplemented names a flag the shim cannot honour.
type errUnimplemented struct{ flag string }

func (e errUnimplemented) Error() string { return "unimplemented flag: " + e.flag }

type flagKind int

const (
	boolFlag flagKind = iota
	stringFlag
	intFlag
	intListFlag
	base64Flag
)

// flagDef binds one flag to the field it sets.
type flagDef struct {
	kind flagKind
	set  func(c *config, v string) error
}

func boolF(f func(c *config) *bool) flagDef {
	return flagDef{boolFlag, func(c *config, _ string) error { *f(c) = true; return nil }}
}

func strF(f func(c *config) *string) flagDef {
	return flagDef{stringFlag, func(c *config, v string) error { *f(c) = v; return nil }}
}

func intF(f func(c *config) *int) flagDef {
	return flagDef{intFlag, func(c *config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return err
		}
		*f(c) = n
		return nil
	}}
}

func intListF(f func(c *config) *[]int) flagDef {
	return flagDef{intListFlag, func(c *config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return err
		}
		*f(c) = append(*f(c), n)
		return nil
	}}
}

func b64F(f func(c *config) *string) flagDef {
	return flagDef{base64Flag, func(c *config, v string) error {
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return err
		}
		*f(c) = string(b)
		return nil
	}}
}

// flags lists every flag the shim implements.
var flags = map[string]flagDef{
	"-port":    intF(func(c *config) *int { return &c.port }),
	"-shim-id": {intFlag, func(c *config, v string) (err error) { c.shimID, err = strconv.ParseUint(v, 10, 64); return }},
	"-ipv6":    boolF(func(c *config) *bool { return &c.ipv6 }),
	"-server":  boolF(func(c *config) *bool { return &c.server }),

	"-is-handshaker-supported": boolF(func(c *config) *bool { return &c.isHandshakerSupported }),

	"-key-file":   strF(func(c *config) *string { return &c.keyFile }),
	"-cert-file":  strF(func(c *config) *string { return &c.certFile }),
	"-trust-cert": strF(func(c *config) *string { return &c.trustCert }),

	"-min-version":    intF(func(c *config) *int { return &c.minVersion }),
	"-max-version":    intF(func(c *config) *int { return &c.maxVersion }),
	"-expect-version": intF(func(c *config) *int { return &c.expectVersion }),
	"-no-tls1":        boolF(func(c *config) *bool { return &c.noTLS1 }),
	"-no-tls11":       boolF(func(c *config) *bool { return &c.noTLS11 }),
	"-no-tls12":       boolF(func(c *config) *bool { return &c.noTLS12 }),
	"-no-tls13":       boolF(func(c *config) *bool { return &c.noTLS13 }),

	"-require-any-client-certificate": boolF(func(c *config) *bool { return &c.requireAnyClientCert }),
	"-verify-peer":                    boolF(func(c *config) *bool { return &c.verifyPeer }),
	"-verify-fail":                    boolF(func(c *config) *bool { return &c.verifyFail }),

	"-shim-writes-first":   boolF(func(c *config) *bool { return &c.shimWritesFirst }),
	"-shim-shuts-down":     boolF(func(c *config) *bool { return &c.shimShutsDown }),
	"-check-close-notify":  boolF(func(c *config) *bool { return &c.checkCloseNotify }),
	"-resume-count":        intF(func(c *config) *int { return &c.resumeCount }),
	"-expect-session-miss": boolF(func(c *config) *bool { return &c.expectSessionMiss }),
	"-no-ticket":           boolF(func(c *config) *bool { return &c.noTicket }),

	"-curves":          intListF(func(c *config) *[]int { return &c.curves }),
	"-expect-curve-id": intF(func(c *config) *int { return &c.expectCurveID }),

	"-advertise-alpn": strF(func(c *config) *string { return &c.advertiseALPN }),
	"-expect-alpn":    strF(func(c *config) *string { return &c.expectALPN }),
	"-select-alpn":    strF(func(c *config) *string { return &c.selectALPN }),
	"-decline-alpn":   boolF(func(c *config) *bool { return &c.declineALPN }),
	"-reject-alpn":    boolF(func(c *config) *bool { return &c.rejectALPN }),

	"-host-name":          strF(func(c *config) *string { return &c.hostName }),
	"-expect-server-name": strF(func(c *config) *string { return &c.expectServerName }),

	"-cipher": strF(func(c *config) *string { return &c.cipher }),

	"-export-keying-material": intF(func(c *config) *int { return &c.exportKeyingMaterial }),
	"-export-label":           strF(func(c *config) *string { return &c.exportLabel }),
	"-export-context":         strF(func(c *config) *string { return &c.exportContext }),
	"-use-export-context":     boolF(func(c *config) *bool { return &c.useExportContext }),
	"-tls-unique":             boolF(func(c *config) *bool { return &c.tlsUnique }),

	"-async":              boolF(func(c *config) *bool { return &c.async }),
	"-implicit-handshake": boolF(func(c *config) *bool { return &c.implicitHandshake }),

	// BoringSSL's custom verify callback replaces the chain check; this
	// shim always checks the chain with such a callback
	// (SSL_CTX_set_cert_verify_callback), so the flag changes nothing.
	"-use-custom-verify-callback": {boolFlag, func(*config, string) error { return nil }},
	"-expect-verify-result":       boolF(func(c *config) *bool { return &c.expectVerifyResult }),

	"-signing-prefs":                   intListF(func(c *config) *[]int { return &c.signingPrefs }),
	"-verify-prefs":                    intListF(func(c *config) *[]int { return &c.verifyPrefs }),
	"-expect-peer-signature-algorithm": intF(func(c *config) *int { return &c.expectPeerSigalg }),

	"-ocsp-response":        b64F(func(c *config) *string { return &c.ocspResponse }),
	"-expect-ocsp-response": b64F(func(c *config) *string { return &c.expectOCSPResponse }),
	"-enable-ocsp-stapling": boolF(func(c *config) *bool { return &c.enableOCSPStapling }),
}

// configs is the parsed command line: the setting of the first connection,
// and of the resumptions.
type configs struct {
	initial, resume config
}

// forConn returns the setting of connection i (0: the first).
func (cs *configs) forConn(i int) *config {
	if i == 0 {
		return &cs.initial
	}
	return &cs.resume
}

// parseFlags reads args (without the program name). A flag the shim does not
// implement, with or without a prefix, is an errUnimplemented; a malformed
// value of a known flag is another error.
func parseFlags(args []string) (*configs, error) {
	cs := &configs{}
	cs.initial.maxVersion, cs.resume.maxVersion = 0, 0
	for i := 0; i < len(args); i++ {
		name := args[i]
		targets := []*config{&cs.initial, &cs.resume}
		switch {
		case strings.HasPrefix(name, "-on-initial-"):
			name = "-" + strings.TrimPrefix(name, "-on-initial-")
			targets = targets[:1]
		case strings.HasPrefix(name, "-on-resume-"):
			name = "-" + strings.TrimPrefix(name, "-on-resume-")
			targets = targets[1:]
		case strings.HasPrefix(name, "-on-retry-"):
			// ECH retries: this shim never makes one.
			return nil, errUnimplemented{args[i]}
		}
		def, ok := flags[name]
		if !ok {
			return nil, errUnimplemented{args[i]}
		}
		value := ""
		if def.kind != boolFlag {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("flag %s needs a value", args[i])
			}
			i++
			value = args[i]
		}
		for _, c := range targets {
			if err := def.set(c, value); err != nil {
				return nil, fmt.Errorf("flag %s: %v", args[i-boolToInt(def.kind != boolFlag)], err)
			}
		}
	}
	return cs, nil
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
