package openssl

// Verification hooks with crypto/tls's meaning, and
// the client's certificate chosen per request.
//
// VerifyPeerCertificate and VerifyConnection run inside libssl's
// certificate-verify callback (SSL_CTX_set_cert_verify_callback), after
// libssl's own verification (X509_verify_cert): an error there fails the
// handshake as a failed verification does, with a handshake_failure alert
// (X509_V_ERR_APPLICATION_VERIFICATION) to the peer. The callback runs when
// the peer sends a certificate; VerifyConnection, which crypto/tls also runs
// on resumption and on a server that asks for no certificate, then runs
// once the handshake is complete, and its error closes the connection
// without an alert (libssl has no call that sends one).

import (
	"crypto/x509"
	"errors"
	"fmt"
	"weak"

	libssl "github.com/libssl-go/libssl"
)

// CertificateRequestInfo is what a client knows of a server's certificate
// request when GetClientCertificate runs.
type CertificateRequestInfo struct {
	// AcceptableCAs are the DER-encoded distinguished names of the CAs the
	// server accepts (SSL_get_client_CA_list); empty when it named none.
	AcceptableCAs [][]byte
	// Version is the negotiated protocol version.
	Version uint16
}

// hookState is the Conn's state for the Config hooks, used during the
// handshake (inside libssl's callbacks, on the handshake's goroutine) and
// read after it.
type hookState struct {
	active      *Config // the Config in force (GetConfigForClient may change it)
	hookErr     error   // why a hook failed the handshake
	verifiedDER [][]byte
	verified    bool // the chain was verified (verifiedDER is a verified chain)
	vcRan       bool // VerifyConnection ran during the handshake
	tlsUnique   []byte
	group       string
	chosen      *Certificate // the certificate GetCertificate returned (ocsp.go staples it)
	vcDeferred  bool         // VerifyConnection waits for the status callback (ocsp.go)
}

// connOf returns the Conn whose SSL s is, or nil.
func connOf(s *libssl.SSL) *Conn {
	if wp, ok := s.UserData().(weak.Pointer[Conn]); ok {
		return wp.Value()
	}
	return nil
}

// setupHooks links the SSL to its Conn (a weak pointer in the SSL's user
// data, so that a Conn that is never closed can still be collected) and,
// on a client that skips verification but has a verification hook, asks
// libssl to check the chain with a callback that accepts every chain, so
// that the hooks run and can fail the handshake.
func (c *Conn) setupHooks() error {
	c.hooks.active = c.config
	if err := c.ssl.SetUserData(weak.Make(c)); err != nil {
		return err
	}
	if c.isClient && c.config.InsecureSkipVerify &&
		(c.config.VerifyPeerCertificate != nil || c.config.VerifyConnection != nil) {
		return c.ssl.SetVerify(libssl.VerifyPeer, acceptAnyChain)
	}
	return nil
}

// configureHooks sets the callbacks of the hooks on a context the Config
// built.
func (cfg *Config) configureHooks(ctx *libssl.Ctx, isClient bool) error {
	if err := ctx.SetCertVerifyCallback(certVerifyCallback); err != nil {
		return fmt.Errorf("openssl: SSL_CTX_set_cert_verify_callback: %w", err)
	}
	if isClient && cfg.GetClientCertificate != nil {
		if err := ctx.SetCertCallback(clientCertCallback); err != nil {
			return fmt.Errorf("openssl: Config.GetClientCertificate: %w", err)
		}
	}
	if err := cfg.configureKeyLog(ctx); err != nil {
		return err
	}
	if err := cfg.configureRevocation(ctx, isClient); err != nil {
		return err
	}
	return cfg.configureGroups(ctx)
}

// peerVerifies reports whether the Conn's policy verifies the peer's chain
// (crypto/tls gives verified chains only then).
func (c *Conn) peerVerifies() bool {
	if c.isClient {
		return !c.config.InsecureSkipVerify
	}
	return c.hooks.active.ClientAuth.verifies()
}

// certVerifyCallback runs libssl's verification, records the verified
// chain for ConnectionState.VerifiedChains, then the hooks.
func certVerifyCallback(s *libssl.SSL, v *libssl.VerifyContext) bool {
	ok, err := v.Verify()
	if !ok || err != nil {
		return false
	}
	c := connOf(s)
	if c == nil {
		return true
	}
	if code, err := v.ErrorCode(); c.peerVerifies() && err == nil && code == 0 {
		// Kept as DER; parsed only when asked for (OpenSSLState) or
		// when a hook needs it.
		if der, err := v.VerifiedChainDER(); err == nil && len(der) > 0 {
			c.hooks.verifiedDER, c.hooks.verified = der, true
		}
	}
	cfg := c.hooks.active
	if cfg.VerifyPeerCertificate == nil && cfg.VerifyConnection == nil {
		return true
	}
	raw, err := v.PeerChainDER()
	if err != nil {
		c.hooks.hookErr = fmt.Errorf("openssl: reading the peer's chain: %w", err)
		_ = v.SetErrorCode(libssl.X509VErrApplicationVerification)
		return false
	}
	chains := c.parseVerified()
	if f := cfg.VerifyPeerCertificate; f != nil {
		if err := f(raw, chains); err != nil {
			c.hooks.hookErr = fmt.Errorf("openssl: Config.VerifyPeerCertificate: %w", err)
			_ = v.SetErrorCode(libssl.X509VErrApplicationVerification)
			return false
		}
	}
	if f := cfg.VerifyConnection; f != nil && c.defersVerifyConnection(s) {
		c.hooks.vcDeferred = true // runs with the staple (ocsp.go)
	} else if f != nil {
		st := c.stateDuring(s, raw, chains)
		c.hooks.vcRan = true
		if err := f(st); err != nil {
			c.hooks.hookErr = fmt.Errorf("openssl: Config.VerifyConnection: %w", err)
			_ = v.SetErrorCode(libssl.X509VErrApplicationVerification)
			return false
		}
	}
	return true
}

func parseChain(der [][]byte) ([]*x509.Certificate, error) {
	out := make([]*x509.Certificate, 0, len(der))
	for _, d := range der {
		cert, err := x509.ParseCertificate(d)
		if err != nil {
			return nil, err
		}
		out = append(out, cert)
	}
	return out, nil
}

// stateDuring is the connection's state as the certificate-verify callback
// sees it: what the handshake has settled by then.
func (c *Conn) stateDuring(s *libssl.SSL, raw [][]byte, chains [][]*x509.Certificate) ConnectionState {
	peers, _ := parseChain(raw)
	st := ConnectionState{
		Version:            uint16(s.Version()),
		CipherSuite:        s.CurrentCipherID(),
		CipherName:         s.CurrentCipher(),
		NegotiatedProtocol: s.ALPNSelected(),
		ServerName:         s.ServerName(),
		PeerCertificates:   peers,
		VerifiedChains:     chains,
	}
	if c.isClient {
		st.OCSPResponse = s.OCSPResponse()
	}
	if st.CipherSuite == 0 {
		st.CipherSuite = s.PendingCipherID()
	}
	if c.isClient {
		st.ServerName = c.name
	}
	_, st.NegotiatedGroup = s.NegotiatedGroup()
	st.CurveID = curveIDOf(st.NegotiatedGroup)
	return st
}

// clientCertCallback runs GetClientCertificate when a server asks for a
// certificate (SSL_CTX_set_cert_cb on the client's context).
func clientCertCallback(s *libssl.SSL) bool {
	c := connOf(s)
	if c == nil || c.hooks.active.GetClientCertificate == nil {
		return true
	}
	cas, err := s.PeerCANamesDER()
	if err != nil {
		c.hooks.hookErr = fmt.Errorf("openssl: reading the server's CA names: %w", err)
		return false
	}
	cert, err := c.hooks.active.GetClientCertificate(&CertificateRequestInfo{AcceptableCAs: cas, Version: uint16(s.Version())})
	if err != nil {
		c.hooks.hookErr = fmt.Errorf("openssl: Config.GetClientCertificate: %w", err)
		return false
	}
	if cert == nil || len(cert.CertPEM) == 0 {
		return true // no certificate: the server decides
	}
	if err := useCertificate(s, cert); err != nil {
		c.hooks.hookErr = fmt.Errorf("openssl: Config.GetClientCertificate: %w", err)
		return false
	}
	return true
}

// hookError is a handshake failure a hook caused: its error, with libssl's.
type hookError struct {
	hook error
	ssl  error
}

func (e *hookError) Error() string   { return e.hook.Error() }
func (e *hookError) Unwrap() []error { return []error{e.hook, e.ssl} }

// hookFailure returns the hook's error for a failed handshake, or nil when
// no hook failed it.
func (c *Conn) hookFailure(err error) error {
	if c.hooks.hookErr == nil {
		return nil
	}
	return &hookError{hook: c.hooks.hookErr, ssl: err}
}

// fillStateAndVerifyConnectionLocked fills the state the hooks and
// ConnectionState's later fields need (the group, tls-unique) and runs
// VerifyConnection when it did not run during the handshake (a resumption,
// a server that asked for no certificate). The caller is in withSSL.
func (c *Conn) fillStateAndVerifyConnectionLocked(s *libssl.SSL) error {
	_, c.hooks.group = s.NegotiatedGroup()
	c.state.NegotiatedGroup = c.hooks.group
	c.state.CurveID = curveIDOf(c.hooks.group)
	c.state.SignatureScheme = peerSignatureScheme(s)
	if c.state.Version < VersionTLS13 {
		// tls-unique (RFC 5929): the first Finished of the handshake, the
		// client's in a full handshake, the server's in a resumption.
		if c.isClient != c.state.DidResume {
			c.hooks.tlsUnique = s.Finished()
		} else {
			c.hooks.tlsUnique = s.PeerFinished()
		}
	}
	c.state.TLSUnique = append([]byte(nil), c.hooks.tlsUnique...)
	if c.isClient {
		c.state.OCSPResponse = s.OCSPResponse()
	}
	c.state.conn = c
	if f := c.hooks.active.VerifyConnection; f != nil && !c.hooks.vcRan {
		st := c.state
		st.PeerCertificates, _ = parseChain(c.peerDER)
		if c.hooks.verified {
			if chain, err := parseChain(c.hooks.verifiedDER); err == nil {
				st.VerifiedChains = [][]*x509.Certificate{chain}
			}
		}
		if err := f(st); err != nil {
			c.state = ConnectionState{}
			return fmt.Errorf("openssl: Config.VerifyConnection: %w", err)
		}
	}
	return nil
}

// parseVerified parses the verified chain for OpenSSLState.
func (c *Conn) parseVerified() [][]*x509.Certificate {
	if !c.hooks.verified {
		return nil
	}
	chain, err := parseChain(c.hooks.verifiedDER)
	if err != nil {
		return nil
	}
	return [][]*x509.Certificate{chain}
}

var errNoConn = errors.New("openssl: ExportKeyingMaterial: the ConnectionState is not from a completed handshake")
