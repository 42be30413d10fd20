package openssl

// TLS 1.3 external pre-shared keys (Config.PreSharedKeys): libssl takes each
// as a session (SSL_CTX_set_psk_use_session_callback on clients,
// SSL_CTX_set_psk_find_session_callback on servers; see psk_session.go in
// the root package), which the Conn builds for its handshake and frees when
// it is released.

import (
	"bytes"
	"fmt"
	"strings"

	libssl "github.com/libssl-go/libssl"
)

// PreSharedKey is a TLS 1.3 external pre-shared key (RFC 8446 section
// 4.2.11) shared out of band by a client and a server.
type PreSharedKey struct {
	// Identity names the key on the wire; it must not be empty.
	Identity []byte
	// Key is the secret, best as long as the digest output of
	// CipherSuite's hash (32 bytes for SHA-256).
	Key []byte
	// CipherSuite is the TLS 1.3 cipher suite whose hash the key is bound
	// to (TLS_AES_128_GCM_SHA256 = 0x1301, ... 0x1305, as crypto/tls
	// numbers them); 0 means TLS_AES_128_GCM_SHA256, the RFC's default and
	// what `openssl s_client -psk` and `s_server -psk` use. libssl chooses
	// the connection's cipher suite before it looks at the PSK and uses a
	// PSK only when the suite's hash is the PSK's.
	CipherSuite uint16
}

// tls13Suites are the TLS 1.3 cipher suites by IANA number, in OpenSSL's
// names.
var tls13Suites = map[uint16]string{
	0x1301: "TLS_AES_128_GCM_SHA256",
	0x1302: "TLS_AES_256_GCM_SHA384",
	0x1303: "TLS_CHACHA20_POLY1305_SHA256",
	0x1304: "TLS_AES_128_CCM_SHA256",
	0x1305: "TLS_AES_128_CCM_8_SHA256",
}

// libssl's default TLS 1.3 suites, in its order.
var defaultTLS13Suites = []string{"TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"}

func (k *PreSharedKey) suite() uint16 {
	if k.CipherSuite == 0 {
		return 0x1301
	}
	return k.CipherSuite
}

// checkPSKs rejects PreSharedKeys that cannot work, naming the field.
func (cfg *Config) checkPSKs() error {
	if cfg.MaxVersion != 0 && cfg.MaxVersion < VersionTLS13 {
		return fmt.Errorf("openssl: Config.PreSharedKeys are TLS 1.3 external PSKs, but Config.MaxVersion is %s (TLS 1.2 PSK cipher suites are set on a libssl.Ctx: SetPSKClientCallback, SetPSKServerCallback)",
			versionName(cfg.MaxVersion))
	}
	for i := range cfg.PreSharedKeys {
		k := &cfg.PreSharedKeys[i]
		switch {
		case len(k.Identity) == 0:
			return fmt.Errorf("openssl: Config.PreSharedKeys[%d].Identity is empty", i)
		case len(k.Key) == 0:
			return fmt.Errorf("openssl: Config.PreSharedKeys[%d].Key is empty", i)
		case tls13Suites[k.suite()] == "":
			return fmt.Errorf("openssl: Config.PreSharedKeys[%d].CipherSuite %#04x is not a TLS 1.3 cipher suite", i, k.CipherSuite)
		}
	}
	return nil
}

// pskSuiteOrder is the TLS 1.3 suite list with the PSKs' suites first, then
// libssl's defaults.
func (cfg *Config) pskSuiteOrder() string {
	var names []string
	add := func(n string) {
		for _, m := range names {
			if m == n {
				return
			}
		}
		names = append(names, n)
	}
	for i := range cfg.PreSharedKeys {
		add(tls13Suites[cfg.PreSharedKeys[i].suite()])
	}
	for _, n := range defaultTLS13Suites {
		add(n)
	}
	return strings.Join(names, ":")
}

// configurePSKs installs the PSK callback of the role on a context the
// Config built. Without Config.CipherSuites the TLS 1.3 suites are ordered
// with the PSKs' first, and a server chooses by its own order
// (SSL_OP_CIPHER_SERVER_PREFERENCE), so that the suite chosen is one whose
// hash the PSK is bound to whenever the peer offers it.
func (cfg *Config) configurePSKs(ctx *libssl.Ctx, isClient bool) error {
	if len(cfg.PreSharedKeys) == 0 {
		return nil
	}
	if err := cfg.checkPSKs(); err != nil {
		return err
	}
	if cfg.CipherSuites == "" {
		if err := ctx.SetCiphersuites(cfg.pskSuiteOrder()); err != nil {
			return fmt.Errorf("openssl: Config.PreSharedKeys: ordering the TLS 1.3 cipher suites: %w", err)
		}
		if !isClient {
			if err := ctx.SetOptions(libssl.OpCipherServerPreference); err != nil {
				return fmt.Errorf("openssl: SSL_CTX_set_options: %w", err)
			}
		}
	}
	if isClient {
		if err := ctx.SetPSKUseSessionCallback(pskUseSession); err != nil {
			return fmt.Errorf("openssl: Config.PreSharedKeys: %w", err)
		}
		return nil
	}
	if err := ctx.SetPSKFindSessionCallback(pskFindSession); err != nil {
		return fmt.Errorf("openssl: Config.PreSharedKeys: %w", err)
	}
	return nil
}

// pskState is a Conn's part in its external PSK: the sessions it handed
// libssl (freed when the Conn is released), the identity offered (client)
// or found (server). It is under the Conn's sslMu: the callbacks run inside
// a handshake step.
type pskState struct {
	sessions []*libssl.Session
	identity []byte
	key      []byte
}

func (p *pskState) free() {
	for _, s := range p.sessions {
		s.Free()
	}
	p.sessions = nil
}

// session makes a PSK session for k, the cipher looked up through s.
func (k *PreSharedKey) session(s *libssl.SSL) (*libssl.Session, error) {
	c := s.FindCipher(k.suite())
	if c == nil {
		return nil, fmt.Errorf("libssl does not know cipher suite %#04x", k.suite())
	}
	sess, err := libssl.NewSession()
	if err != nil {
		return nil, err
	}
	if err = sess.SetMasterKey(k.Key); err == nil {
		if err = sess.SetCipher(c); err == nil {
			err = sess.SetProtocolVersion(libssl.TLS1_3)
		}
	}
	if err != nil {
		sess.Free()
		return nil, err
	}
	return sess, nil
}

// pskDigest is the short name of the hash of the PSK's suite, as libssl
// passes it to the client's callback after a HelloRetryRequest.
func (k *PreSharedKey) digest() string {
	if n := tls13Suites[k.suite()]; strings.HasSuffix(n, "SHA384") {
		return "SHA384"
	}
	return "SHA256"
}

// pskUseSession offers the client's first PreSharedKey or, after a
// HelloRetryRequest (md set), the first whose hash is md; none when none
// fits. libssl offers one external PSK per ClientHello.
func pskUseSession(s *libssl.SSL, md string) ([]byte, *libssl.Session, bool) {
	c := connOf(s)
	if c == nil {
		return nil, nil, true
	}
	for i := range c.config.PreSharedKeys {
		k := &c.config.PreSharedKeys[i]
		if md != "" && k.digest() != md {
			continue
		}
		sess, err := k.session(s)
		if err != nil {
			c.hooks.hookErr = fmt.Errorf("openssl: Config.PreSharedKeys[%d]: %w", i, err)
			return nil, nil, false
		}
		c.psk.sessions = append(c.psk.sessions, sess)
		c.psk.identity, c.psk.key = k.Identity, k.Key
		return k.Identity, sess, true
	}
	c.psk.identity, c.psk.key = nil, nil
	return nil, nil, true
}

// pskFindSession finds the server's PreSharedKey for an identity the
// client offered (that of the Config in effect, which a servername choice
// may have changed); none for an unknown identity, and then libssl goes on
// with the client's next identity or a certificate handshake.
func pskFindSession(s *libssl.SSL, identity []byte) (*libssl.Session, bool) {
	c := connOf(s)
	if c == nil {
		return nil, true
	}
	cfg := c.hooks.active
	for i := range cfg.PreSharedKeys {
		k := &cfg.PreSharedKeys[i]
		if !bytes.Equal(k.Identity, identity) {
			continue
		}
		sess, err := k.session(s)
		if err != nil {
			c.hooks.hookErr = fmt.Errorf("openssl: Config.PreSharedKeys[%d]: %w", i, err)
			return nil, false
		}
		c.psk.sessions = append(c.psk.sessions, sess)
		c.psk.identity, c.psk.key = k.Identity, k.Key
		return sess, true
	}
	return nil, true
}

// fillPSKStateLocked records whether the handshake used an external PSK,
// and which; the caller is in withSSL.
func (c *Conn) fillPSKStateLocked(s *libssl.SSL) {
	if c.psk.identity == nil || !s.SessionReused() {
		return
	}
	if c.isClient {
		// A client that also offered a cached session's ticket may have
		// resumed that one instead. libssl may have replaced the PSK
		// session by a copy (to record a new key exchange group), so the
		// session is told by its key: a ticket's is a resumption secret.
		sess := s.Session()
		used := sess != nil && bytes.Equal(sess.MasterKey(), c.psk.key)
		sess.Free()
		if !used {
			return
		}
	}
	c.state.DidUsePSK = true
	c.state.PSKIdentity = append([]byte(nil), c.psk.identity...)
}
