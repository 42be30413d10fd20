package openssl

import (
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"time"

	libssl "github.com/libssl-go/libssl"
)

// ErrSessionNotTrusted is returned (wrapped) by SetSession and DialSession
// when the offered session's server would not pass the connection's own
// verification policy: a session made under InsecureSkipVerify, for another
// host, under other roots, or with an expired certificate. Resuming it would
// skip the verification the Config asks for, since libssl does not verify
// the server again on resumption.
var ErrSessionNotTrusted = errors.New("openssl: session not trusted by this Config")

// maxOwnSessions bounds the session IDs a Config remembers as its own.
const maxOwnSessions = 4096

// trustState is what a client Config needs to judge sessions offered to it.
type trustState struct {
	once  sync.Once
	roots *x509.CertPool
	err   error
	mu    sync.Mutex
	own   map[string]ownSession // by ID: sessions this Config's handshakes verified
}

// ownSession is what a Config remembers of a session its own verified
// handshake made: the name it verified, and its server certificate's
// validity (zero when the leaf could not be parsed).
type ownSession struct {
	name                string
	notBefore, notAfter time.Time
}

func (cfg *Config) rootPool() (*x509.CertPool, error) {
	cfg.trust.once.Do(func() {
		if cfg.RootCAs == nil {
			cfg.trust.roots, cfg.trust.err = x509.SystemCertPool()
			return
		}
		cfg.trust.roots = x509.NewCertPool()
		if !cfg.trust.roots.AppendCertsFromPEM(cfg.RootCAs) {
			cfg.trust.err = errors.New("openssl: Config.RootCAs holds no usable PEM certificate")
		}
	})
	return cfg.trust.roots, cfg.trust.err
}

// recordOwnSession remembers s as made by this Config's handshake that
// verified leafDER for name. The leaf is parsed here, once per full
// handshake, so that resuming s later needs no parse.
func (cfg *Config) recordOwnSession(s *libssl.Session, name string, leafDER []byte) {
	id := string(s.ID())
	if id == "" {
		return
	}
	o := ownSession{name: name}
	if leaf, err := x509.ParseCertificate(leafDER); err == nil {
		o.notBefore, o.notAfter = leaf.NotBefore, leaf.NotAfter
	}
	cfg.trust.mu.Lock()
	if cfg.trust.own == nil || len(cfg.trust.own) >= maxOwnSessions {
		// Bounded: forgetting only costs full handshakes for sessions whose
		// certificate needs intermediates to verify.
		cfg.trust.own = map[string]ownSession{}
	}
	cfg.trust.own[id] = o
	cfg.trust.mu.Unlock()
}

func (cfg *Config) ownSession(s *libssl.Session) (ownSession, bool) {
	id := string(s.ID())
	cfg.trust.mu.Lock()
	defer cfg.trust.mu.Unlock()
	o, ok := cfg.trust.own[id]
	return o, ok && id != ""
}

func (cfg *Config) isOwnSession(s *libssl.Session) bool {
	_, ok := cfg.ownSession(s)
	return ok
}

// sessionTrusted reports, as an error wrapping ErrSessionNotTrusted, why a
// client with this Config must not resume s for serverName. A session is
// trusted when the Config skips verification, when one of this Config's own
// verified handshakes made it for the same name, or when the server
// certificate it carries verifies now against the Config's roots for
// serverName (the session keeps no intermediates: a server whose chain
// needs them is then met with a full handshake).
func (cfg *Config) sessionTrusted(s *libssl.Session, serverName string) error {
	if cfg.InsecureSkipVerify || cfg.Ctx != nil {
		return nil // a caller's Ctx carries its own policy
	}
	if s.ProtocolVersion() == 0 {
		return fmt.Errorf("%w: not a usable session", ErrSessionNotTrusted)
	}
	if o, ok := cfg.ownSession(s); ok && o.name == serverName {
		// This Config's own verified handshake made it for this very name:
		// if its server's certificate is still valid, what the checks below
		// would add is a parse and an ECDSA or RSA verification that the
		// handshake made already (most of a resumption's cost).
		if now := time.Now(); !now.Before(o.notBefore) && !now.After(o.notAfter) {
			return nil
		}
	}
	x := s.PeerCertificate()
	if x == nil {
		return fmt.Errorf("%w: the session holds no server certificate", ErrSessionNotTrusted)
	}
	der, err := x.DER()
	x.Free()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSessionNotTrusted, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSessionNotTrusted, err)
	}
	if err := leaf.VerifyHostname(serverName); err != nil {
		return fmt.Errorf("%w: %v", ErrSessionNotTrusted, err)
	}
	roots, err := cfg.rootPool()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSessionNotTrusted, err)
	}
	_, verr := leaf.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	if verr == nil {
		return nil
	}
	// Not verifiable from the leaf alone (expired, or intermediates needed):
	// only a session this Config verified itself, for this name, may go on.
	var inv x509.CertificateInvalidError
	if !errors.As(verr, &inv) && cfg.isOwnSession(s) {
		return nil
	}
	return fmt.Errorf("%w: %v", ErrSessionNotTrusted, verr)
}

// newSessionIDContext gives each Config its own session id context, so that
// a server resumes only sessions its own Config made.
func newSessionIDContext() []byte {
	b := make([]byte, 24)
	copy(b, "lsgo")
	if _, err := rand.Read(b[4:]); err != nil {
		panic(err)
	}
	return b
}
