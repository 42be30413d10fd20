package openssl

// The connection's state as crypto/tls and libssl describe it
// (ConnectionState, OpenSSLState), with what lies beyond the handshake's
// basics: the negotiated group, keying material export, tls-unique, and
// the verified chains (verifyhooks.go records them). The groups and
// signature schemes are named in groups.go.

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"

	libssl "github.com/libssl-go/libssl"
)

// ExportKeyingMaterial returns length bytes of keying material for label
// and context (RFC 5705; RFC 8446 section 7.5), as crypto/tls's
// ConnectionState.ExportKeyingMaterial does (SSL_export_keying_material; a
// nil context is "no context", which TLS 1.2 tells from an empty one). It
// needs the connection: after Close it fails.
func (cs ConnectionState) ExportKeyingMaterial(label string, context []byte, length int) ([]byte, error) {
	if cs.conn == nil {
		return nil, errNoConn
	}
	return cs.conn.ExportKeyingMaterial(label, context, length)
}

// ExportKeyingMaterial returns length bytes of keying material for label
// and context (SSL_export_keying_material); see
// ConnectionState.ExportKeyingMaterial. It fails before the handshake
// completed and after Close.
func (c *Conn) ExportKeyingMaterial(label string, context []byte, length int) ([]byte, error) {
	if !c.handshakeDone.Load() {
		return nil, fmt.Errorf("openssl: ExportKeyingMaterial: the handshake has not completed")
	}
	var out []byte
	err := c.withSSL(func(s *libssl.SSL) (err error) {
		out, err = s.ExportKeyingMaterial(label, context, length)
		return err
	})
	if err == net.ErrClosed {
		return nil, fmt.Errorf("openssl: ExportKeyingMaterial: %w", net.ErrClosed)
	}
	return out, err
}

// ConnectionState returns the state of the completed handshake as crypto/tls
// describes it (the zero value before), so that code written for
// *tls.Conn, x/net/http2 (which fills http.Response.TLS and
// http.Request.TLS from it) and Transport work unchanged. VerifiedChains is
// the chain libssl verified (nil on a resumption), and the value's
// ExportKeyingMaterial must not be called (crypto/tls keeps the exporter
// unexported): use OpenSSLState().ExportKeyingMaterial. OpenSSLState has the
// OpenSSL-specific fields. It stays valid after Close.
func (c *Conn) ConnectionState() tls.ConnectionState {
	st := c.OpenSSLState()
	if !st.HandshakeComplete {
		return tls.ConnectionState{}
	}
	return tls.ConnectionState{
		Version:            st.Version,
		HandshakeComplete:  true,
		DidResume:          st.DidResume,
		CipherSuite:        st.CipherSuite,
		NegotiatedProtocol: st.NegotiatedProtocol,
		ServerName:         st.ServerName,
		PeerCertificates:   st.PeerCertificates,
		VerifiedChains:     st.VerifiedChains,
		TLSUnique:          st.TLSUnique,
		OCSPResponse:       st.OCSPResponse,
		ECHAccepted:        st.ECHAccepted,
	}
}

// OpenSSLState returns the state of the completed handshake with libssl's
// view of it: the cipher's OpenSSL name and the verify result beside the
// fields crypto/tls also has (the zero value before the handshake). It
// stays valid after Close.
func (c *Conn) OpenSSLState() ConnectionState {
	if !c.handshakeDone.Load() {
		return ConnectionState{}
	}
	c.parseOnce.Do(func() {
		for _, der := range c.peerDER {
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				break
			}
			c.state.PeerCertificates = append(c.state.PeerCertificates, cert)
		}
		c.state.VerifiedChains = c.parseVerified()
	})
	st := c.state
	st.PeerCertificates = append([]*x509.Certificate(nil), c.state.PeerCertificates...)
	return st
}

// PeerCertificate returns the peer's leaf certificate, or an error when
// there is none.
func (c *Conn) PeerCertificate() (*x509.Certificate, error) {
	certs := c.OpenSSLState().PeerCertificates
	if len(certs) == 0 {
		return nil, errors.New("openssl: no peer certificate")
	}
	return certs[0], nil
}

// VerifyHostname checks that the peer's leaf certificate is valid for host
// (x509.Certificate.VerifyHostname), as spacemonkeygo/openssl's does. Dial
// and Client already make libssl check the host unless InsecureSkipVerify.
func (c *Conn) VerifyHostname(host string) error {
	cert, err := c.PeerCertificate()
	if err != nil {
		return err
	}
	return cert.VerifyHostname(host)
}

// VerifyResult returns SSL_get_verify_result (libssl.VerifyOK when the
// peer's chain verified or was not checked).
func (c *Conn) VerifyResult() int {
	var v int
	if err := c.withSSL(func(s *libssl.SSL) error { v = s.VerifyResult(); return nil }); err != nil {
		return c.state.VerifyResult // freed: the handshake, if any, is over
	}
	return v
}

// CurrentCipher returns the negotiated cipher's OpenSSL name.
func (c *Conn) CurrentCipher() (string, error) {
	st := c.OpenSSLState()
	if st.CipherName == "" {
		return "", errors.New("openssl: no cipher negotiated")
	}
	return st.CipherName, nil
}

// ConnectionState describes a completed handshake as libssl reports it
// (Conn.OpenSSLState); Conn.ConnectionState gives crypto/tls's type.
type ConnectionState struct {
	Version            uint16 // VersionTLS12, VersionTLS13 (SSL_version)
	HandshakeComplete  bool
	DidResume          bool   // SSL_session_reused
	CipherSuite        uint16 // IANA id, as crypto/tls numbers it
	CipherName         string // OpenSSL's name (SSL_CIPHER_get_name)
	NegotiatedProtocol string // ALPN (SSL_get0_alpn_selected)
	// ServerName is the SNI name this client sent or this server received
	// (SSL_get_servername). On a server's TLS 1.2 resumption libssl reports
	// the name kept in the session, which it keeps only when a servername
	// callback acknowledged it: without one it is "".
	ServerName string
	// PeerCertificates: the peer's leaf first, then the chain it sent.
	PeerCertificates []*x509.Certificate
	VerifyResult     int // SSL_get_verify_result (0: X509_V_OK)
	// SessionRefused says why the session the ClientSessionCache held was
	// not offered (it would not pass this Config's verification; see
	// ErrSessionNotTrusted): the handshake was then a full one. Empty
	// otherwise.
	SessionRefused string
	// VerifiedChains: the chain libssl verified the peer's certificate
	// with (X509_STORE_CTX_get0_chain), leaf first, ending at the trust
	// anchor; nil when verification is off (InsecureSkipVerify,
	// ClientAuth not verifying) and on a resumption (libssl keeps no
	// chain in the session).
	VerifiedChains [][]*x509.Certificate
	// NegotiatedGroup is the key exchange group in OpenSSL's name
	// ("X25519", "prime256v1"), CurveID crypto/tls's number for it; "" and
	// 0 when there was no key exchange (a TLS 1.2 resumption).
	NegotiatedGroup string
	CurveID         tls.CurveID
	// SignatureScheme is the scheme the peer signed its handshake with
	// (SSL_get0_peer_signature_name from OpenSSL 3.5, else
	// SSL_get_peer_signature_type_nid and SSL_get_peer_signature_nid); 0
	// when it did not sign (a resumption, a client without a
	// certificate).
	SignatureScheme tls.SignatureScheme
	// OCSPResponse is the OCSP response the server stapled, on a client
	// (SSL_get_tlsext_status_ocsp_resp); nil when none came, on a server
	// and on a resumption (libssl keeps no staple in the session). See
	// ocsp.go.
	OCSPResponse []byte
	// DidUsePSK: the handshake was authenticated by one of
	// Config.PreSharedKeys, whose Identity PSKIdentity is (a copy; nil
	// otherwise). A resumption by ticket sets DidResume only.
	DidUsePSK   bool
	PSKIdentity []byte
	// ECHAccepted reports whether the server accepted the client's
	// Encrypted Client Hello (SSL_ech_get1_status is
	// SSL_ECH_STATUS_SUCCESS), on both sides; always false on a libssl
	// without ECH.
	ECHAccepted bool
	// TLSUnique is the tls-unique channel binding (RFC 5929: the first
	// Finished message, SSL_get_finished / SSL_get_peer_finished); nil
	// for TLS 1.3, as in crypto/tls.
	TLSUnique []byte

	conn *Conn // for ExportKeyingMaterial
}
