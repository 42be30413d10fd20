package ssltests

import (
	"fmt"
	"strconv"
	"strings"
)

// The enumerations of a case, named as the files spell their values.

// Result is the outcome class of a handshake (ExpectedResult).
type Result string

// The outcome classes.
const (
	ResultSuccess              Result = "Success"
	ResultServerFail           Result = "ServerFail"
	ResultClientFail           Result = "ClientFail"
	ResultInternalError        Result = "InternalError"
	ResultFirstHandshakeFailed Result = "FirstHandshakeFailed"
)

// The handshake modes (HandshakeMode).
const (
	ModeSimple            = "Simple"
	ModeResume            = "Resume"
	ModeRenegServer       = "RenegotiateServer"
	ModeRenegClient       = "RenegotiateClient"
	ModeKeyUpdateServer   = "KeyUpdateServer"
	ModeKeyUpdateClient   = "KeyUpdateClient"
	ModePostHandshakeAuth = "PostHandshakeAuth"
)

// alertCodes are the alerts an Expected{Client,Server}Alert may name.
var alertCodes = map[string]int{
	"UnknownCA":             48,
	"HandshakeFailure":      40,
	"UnrecognizedName":      112,
	"NoRenegotiation":       100,
	"BadCertificate":        42,
	"NoApplicationProtocol": 120,
	"CertificateRequired":   116,
}

// protocolVersions are the versions ExpectedProtocol may name.
var protocolVersions = map[string]int{
	"TLSv1.3": 0x0304, "TLSv1.2": 0x0303, "TLSv1.1": 0x0302, "TLSv1": 0x0301,
	"SSLv3": 0x0300, "DTLSv1": 0xFEFF, "DTLSv1.2": 0xFEFD,
}

// ClientExtra is a case's client section of options set by callbacks and
// calls rather than SSL_CONF commands.
type ClientExtra struct {
	VerifyCallback     string // None, AcceptAll, RetryOnce, RejectAll
	ServerName         string // None, server1, server2, invalid
	NPNProtocols       *string
	ALPNProtocols      *string
	CTValidation       string // None, Permissive, Strict
	RenegotiateCiphers *string
	SRPUser            string
	SRPPassword        string
	MaxFragmentLenExt  int // 0 (None) or 1..4 for 512..4096
	EnablePHA          bool
	RenegotiateNoExtms bool
}

// ServerExtra is a case's server or server2 section of such options.
type ServerExtra struct {
	ServerNameCallback  string // None, IgnoreMismatch, RejectMismatch, ClientHello*
	NPNProtocols        *string
	ALPNProtocols       *string
	BrokenSessionTicket bool
	CertStatus          string // None, GoodResponse, BadResponse
	// CertStatusExt: the response travels as a list of responses
	// (SSL_set0_tlsext_status_ocsp_resp_ex): CertStatus GoodResponseExt or
	// BadResponseExt, OpenSSL 3.6's harness on.
	CertStatusExt        bool
	SRPUser              string
	SRPPassword          string
	ForcePHA             bool
	SessionTicketAppData *string
}

// Extra is the callback configuration of one handshake.
type Extra struct {
	Client          ClientExtra
	Server, Server2 ServerExtra
}

// TestCase is one [test-N] of a file: its global settings, the extra
// configuration of the first and the resumed handshake, and the
// expectations, which apply to the last handshake.
type TestCase struct {
	Index int
	Name  string // the value of test-N: the case's section

	Method          string // TLS or DTLS
	HandshakeMode   string
	AppDataSize     int
	MaxFragmentSize int
	KeyUpdateType   int // SSL_KEY_UPDATE_NOT_REQUESTED (0) or _REQUESTED (1)
	UseSCTP         bool
	ClientSCTPLabel bool
	ServerSCTPLabel bool
	// CompressCertificates pre-compresses the servers' certificates
	// (SSL_CTX_compress_certs; the harness of OpenSSL 3.2 on).
	CompressCertificates bool
	// FIPSVersion limits the case to FIPS provider versions ("<=3.1.0",
	// space-separated conditions); the harness of OpenSSL 3.1 on skips the
	// case when a FIPS provider is loaded whose version does not match, and
	// runs it when none is (testutil's fips_provider_version_match).
	FIPSVersion        string
	Extra, ResumeExtra Extra

	ExpectedResult            Result
	ExpectedClientAlert       int
	ExpectedServerAlert       int
	ExpectedProtocol          int
	ExpectedServerName        string // None, server1, server2
	SessionTicketExpected     string // Ignore, Yes, No
	CompressionExpected       bool
	SessionIDExpected         string // Ignore, Yes, No
	ExpectedNPNProtocol       *string
	ExpectedALPNProtocol      *string
	ResumptionExpected        bool
	ExpectedTmpKeyType        string
	ExpectedServerCertType    string
	ExpectedServerSignHash    string
	ExpectedServerSignType    string
	ExpectedServerCANames     string // a file, "empty", or "" for no expectation
	ExpectedClientCertType    string
	ExpectedClientSignHash    string
	ExpectedClientSignType    string
	ExpectedClientCANames     string
	ExpectedCipher            *string
	ExpectedSessionTicketData *string

	// SSL sections: the SSL_CONF commands of each context, by the names
	// SSL_CTX_config uses (server, client, server2, resume-server,
	// resume-client); absent names are absent from the map.
	SSL map[string][]KV
}

func enum(v string, allowed ...string) (string, error) {
	for _, a := range allowed {
		if v == a {
			return v, nil
		}
	}
	return "", fmt.Errorf("bad value %q (want one of %s)", v, strings.Join(allowed, ", "))
}

func boolean(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "yes":
		return true, nil
	case "no":
		return false, nil
	}
	return false, fmt.Errorf("bad boolean %q", v)
}

func strp(s string) *string { return &s }

// ParseCase reads case idx of a parsed file: the test-idx section for the
// expectations and extras, and the SSL sections the case's ssl_conf names.
// An unknown option is an error, as in OpenSSL's harness.
func ParseCase(c *Config, idx int) (*TestCase, error) {
	tsec := fmt.Sprintf("test-%d", idx)
	name, ok := c.Get("default", tsec)
	if !ok {
		return nil, fmt.Errorf("no %s in the default section", tsec)
	}
	tc := &TestCase{
		Index: idx, Name: name, Method: "TLS", HandshakeMode: ModeSimple,
		AppDataSize: 256, MaxFragmentSize: 512, ExpectedResult: ResultSuccess,
		ExpectedServerName: "None", SessionTicketExpected: "Ignore", SessionIDExpected: "Ignore",
		SSL: map[string][]KV{},
	}
	for _, e := range []*Extra{&tc.Extra, &tc.ResumeExtra} {
		e.Client.VerifyCallback, e.Client.ServerName, e.Client.CTValidation = "None", "None", "None"
		for _, s := range []*ServerExtra{&e.Server, &e.Server2} {
			s.ServerNameCallback, s.CertStatus = "None", "None"
		}
	}
	kvs, ok := c.Section(tsec)
	if !ok {
		return nil, fmt.Errorf("no section [%s]", tsec)
	}
	for _, kv := range kvs {
		if err := tc.set(c, kv); err != nil {
			return nil, fmt.Errorf("[%s] %s: %w", tsec, kv.Name, err)
		}
	}
	// The SSL sections: test-N names the case's section, whose ssl_conf
	// names the section of name = commands-section lines.
	if sslSect, ok := c.Get(name, "ssl_conf"); ok {
		lines, ok := c.Section(sslSect)
		if !ok {
			return nil, fmt.Errorf("no ssl_conf section [%s]", sslSect)
		}
		for _, l := range lines {
			cmds, ok := c.Section(l.Value)
			if !ok {
				return nil, fmt.Errorf("no section [%s] for %s", l.Value, l.Name)
			}
			tc.SSL[l.Name] = cmds
		}
	}
	return tc, nil
}

func (tc *TestCase) set(c *Config, kv KV) error {
	v := kv.Value
	var err error
	switch kv.Name {
	case "client", "server", "server2", "resume-client", "resume-server", "resume-server2":
		e := &tc.Extra
		sub := kv.Name
		if strings.HasPrefix(sub, "resume-") {
			e, sub = &tc.ResumeExtra, strings.TrimPrefix(sub, "resume-")
		}
		lines, ok := c.Section(v)
		if !ok {
			return fmt.Errorf("no section [%s]", v)
		}
		for _, l := range lines {
			switch sub {
			case "client":
				err = e.Client.set(l)
			case "server":
				err = e.Server.set(l)
			default:
				err = e.Server2.set(l)
			}
			if err != nil {
				return fmt.Errorf("[%s] %s: %w", v, l.Name, err)
			}
		}
	case "ExpectedResult":
		var r string
		r, err = enum(v, "Success", "ServerFail", "ClientFail", "InternalError", "FirstHandshakeFailed")
		tc.ExpectedResult = Result(r)
	case "ExpectedClientAlert", "ExpectedServerAlert":
		a, ok := alertCodes[v]
		if !ok {
			return fmt.Errorf("unknown alert %q", v)
		}
		if kv.Name == "ExpectedClientAlert" {
			tc.ExpectedClientAlert = a
		} else {
			tc.ExpectedServerAlert = a
		}
	case "ExpectedProtocol":
		p, ok := protocolVersions[v]
		if !ok {
			return fmt.Errorf("unknown protocol %q", v)
		}
		tc.ExpectedProtocol = p
	case "ExpectedServerName":
		tc.ExpectedServerName, err = enum(v, "None", "server1", "server2", "invalid")
	case "SessionTicketExpected":
		tc.SessionTicketExpected, err = enum(v, "Ignore", "Yes", "No")
	case "CompressionExpected":
		tc.CompressionExpected, err = boolean(v)
	case "SessionIdExpected":
		tc.SessionIDExpected, err = enum(v, "Ignore", "Yes", "No")
	case "Method":
		tc.Method, err = enum(v, "TLS", "DTLS", "QUIC")
	case "ExpectedNPNProtocol":
		tc.ExpectedNPNProtocol = strp(v)
	case "ExpectedALPNProtocol":
		tc.ExpectedALPNProtocol = strp(v)
	case "HandshakeMode":
		tc.HandshakeMode, err = enum(v, ModeSimple, ModeResume, ModeRenegServer, ModeRenegClient,
			ModeKeyUpdateServer, ModeKeyUpdateClient, ModePostHandshakeAuth)
	case "KeyUpdateType":
		switch v {
		case "KeyUpdateNotRequested":
			tc.KeyUpdateType = 0
		case "KeyUpdateRequested":
			tc.KeyUpdateType = 1
		default:
			err = fmt.Errorf("bad key update type %q", v)
		}
	case "ResumptionExpected":
		tc.ResumptionExpected, err = boolean(v)
	case "ApplicationData":
		tc.AppDataSize = atoi(v)
	case "MaxFragmentSize":
		tc.MaxFragmentSize = atoi(v)
	case "ExpectedTmpKeyType":
		tc.ExpectedTmpKeyType = v
	case "ExpectedServerCertType":
		tc.ExpectedServerCertType = v
	case "ExpectedServerSignHash":
		tc.ExpectedServerSignHash = v
	case "ExpectedServerSignType":
		tc.ExpectedServerSignType = v
	case "ExpectedServerCANames":
		tc.ExpectedServerCANames = v
	case "ExpectedClientCertType":
		tc.ExpectedClientCertType = v
	case "ExpectedClientSignHash":
		tc.ExpectedClientSignHash = v
	case "ExpectedClientSignType":
		tc.ExpectedClientSignType = v
	case "ExpectedClientCANames":
		tc.ExpectedClientCANames = v
	case "UseSCTP":
		tc.UseSCTP, err = boolean(v)
	case "EnableClientSCTPLabelBug":
		tc.ClientSCTPLabel, err = boolean(v)
	case "EnableServerSCTPLabelBug":
		tc.ServerSCTPLabel, err = boolean(v)
	case "ExpectedCipher":
		tc.ExpectedCipher = strp(v)
	case "CompressCertificates":
		tc.CompressCertificates, err = boolean(v)
	case "FIPSversion":
		tc.FIPSVersion = v
	case "ExpectedSessionTicketAppData":
		tc.ExpectedSessionTicketData = strp(v)
	default:
		return fmt.Errorf("unknown test option")
	}
	return err
}

// atoi is C's atoi: leading digits, 0 when none.
func atoi(s string) int {
	s = strings.TrimSpace(s)
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || end == 0 && (s[0] == '-' || s[0] == '+')) {
		end++
	}
	n, _ := strconv.Atoi(s[:end])
	return n
}

var maxFragmentLenModes = map[string]int{"None": 0, "512": 1, "1024": 2, "2048": 3, "4096": 4}

func (cl *ClientExtra) set(kv KV) error {
	v := kv.Value
	var err error
	switch kv.Name {
	case "VerifyCallback":
		cl.VerifyCallback, err = enum(v, "None", "AcceptAll", "RetryOnce", "RejectAll")
	case "ServerName":
		cl.ServerName, err = enum(v, "None", "server1", "server2", "invalid")
	case "NPNProtocols":
		cl.NPNProtocols = strp(v)
	case "ALPNProtocols":
		cl.ALPNProtocols = strp(v)
	case "CTValidation":
		cl.CTValidation, err = enum(v, "None", "Permissive", "Strict")
	case "RenegotiateCiphers":
		cl.RenegotiateCiphers = strp(v)
	case "SRPUser":
		cl.SRPUser = v
	case "SRPPassword":
		cl.SRPPassword = v
	case "MaxFragmentLenExt":
		m, ok := maxFragmentLenModes[v]
		if !ok {
			return fmt.Errorf("bad max fragment length %q", v)
		}
		cl.MaxFragmentLenExt = m
	case "EnablePHA":
		cl.EnablePHA, err = boolean(v)
	case "RenegotiateNoExtms":
		cl.RenegotiateNoExtms, err = boolean(v)
	default:
		return fmt.Errorf("unknown client option")
	}
	return err
}

func (sv *ServerExtra) set(kv KV) error {
	v := kv.Value
	var err error
	switch kv.Name {
	case "ServerNameCallback":
		sv.ServerNameCallback, err = enum(v, "None", "IgnoreMismatch", "RejectMismatch",
			"ClientHelloIgnoreMismatch", "ClientHelloRejectMismatch", "ClientHelloNoV12")
	case "NPNProtocols":
		sv.NPNProtocols = strp(v)
	case "ALPNProtocols":
		sv.ALPNProtocols = strp(v)
	case "BrokenSessionTicket":
		sv.BrokenSessionTicket, err = boolean(v)
	case "CertStatus":
		sv.CertStatus, err = enum(v, "None", "GoodResponse", "BadResponse", "GoodResponseExt", "BadResponseExt")
		if strings.HasSuffix(sv.CertStatus, "Ext") {
			sv.CertStatus, sv.CertStatusExt = strings.TrimSuffix(sv.CertStatus, "Ext"), true
		}
	case "SRPUser":
		sv.SRPUser = v
	case "SRPPassword":
		sv.SRPPassword = v
	case "ForcePHA":
		sv.ForcePHA, err = boolean(v)
	case "SessionTicketAppData":
		sv.SessionTicketAppData = strp(v)
	default:
		return fmt.Errorf("unknown server option")
	}
	return err
}

// protoList splits a comma-separated protocol list as the harness does; an
// empty list is nil.
// protoWire is the harness's parse_protos: "foo,bar" in the wire format
// NPN and ALPN share (each name after its length byte); "" is the empty
// list, which the harness installs as it is.
func protoWire(s string) []byte {
	var b []byte
	for _, p := range protoList(s) {
		b = append(b, byte(len(p)))
		b = append(b, p...)
	}
	return b
}

func protoList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
