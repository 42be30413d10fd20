package openssl

// Sessions: offering one for resumption, storing the client's in its
// ClientSessionCache, and handing the current one out.

import (
	"errors"
	"fmt"
	"net"

	libssl "github.com/libssl-go/libssl"
)

// SetSession offers s for resumption at the coming handshake
// (SSL_set_session). The SSL takes its own reference; the caller keeps s.
// It must be called before the handshake starts. On a client that verifies
// the server, a session whose server would not pass this Config's
// verification now (see ErrSessionNotTrusted) is refused with an error.
func (c *Conn) SetSession(s *libssl.Session) error {
	if s != nil {
		// A freed session is reported as such, before any policy.
		ref, err := s.UpRef()
		if err != nil {
			return fmt.Errorf("openssl: SetSession: %w", err)
		}
		ref.Free()
	}
	if c.isClient && s != nil {
		if err := c.config.sessionTrusted(s, c.name); err != nil {
			return err
		}
	}
	return c.withSSL(func(ssl *libssl.SSL) error {
		if !ssl.InBefore() {
			return errors.New("openssl: SetSession after the handshake started")
		}
		if err := ssl.SetSession(s); err != nil {
			return err
		}
		if c.offered != nil {
			c.offered.Free()
			c.offered = nil
		}
		if s != nil {
			c.offered, _ = s.UpRef()
		}
		return nil
	})
}

// storeSessionLocked puts the client's session into the cache once libssl
// says it is resumable and it is not the one that was offered (a TLS 1.3
// session becomes resumable when the server's ticket has been read). The
// caller is in withSSL.
func (c *Conn) storeSessionLocked(s *libssl.SSL) {
	if !c.needPut {
		return
	}
	if c.offered != nil && s.SessionIs(c.offered) {
		if s.SessionReused() && s.Version() < libssl.TLS1_3 {
			c.needPut = false // a TLS 1.2 resumption keeps the cached session
		}
		return
	}
	sess := s.Session()
	if sess == nil {
		return
	}
	if !sess.IsResumable() {
		sess.Free()
		return
	}
	c.needPut = false
	c.offered.Free()
	c.offered = nil
	if !c.config.InsecureSkipVerify && c.state.VerifyResult == libssl.VerifyOK {
		var leaf []byte
		if len(c.peerDER) > 0 {
			leaf = c.peerDER[0]
		}
		c.config.recordOwnSession(sess, c.name, leaf)
	}
	c.config.ClientSessionCache.Put(c.cacheKey, sess)
}

// ErrSessionNotResumable is returned by GetSession when the connection's
// session cannot be resumed: above all a TLS 1.3 client's session before the
// server's session ticket has been read. libssl reads tickets during Read,
// and a server sends them with its first data or its close_notify, so read
// the server's response (or to EOF) first.
var ErrSessionNotResumable = errors.New("openssl: the session is not resumable (a TLS 1.3 client's session becomes resumable only once the server's session ticket has been read, by Read)")

// Session returns the connection's current session (SSL_get1_session) as a
// new handle the caller frees, or nil: before the handshake, after Close,
// and, on a client, while the session is not resumable
// (SSL_SESSION_is_resumable), as a TLS 1.3 session is until the server's
// ticket has been read (see ErrSessionNotResumable). A server's session is
// returned as it is.
func (c *Conn) Session() *libssl.Session {
	s, _ := c.session()
	return s
}

func (c *Conn) session() (*libssl.Session, error) {
	var s *libssl.Session
	err := c.withSSL(func(ssl *libssl.SSL) error {
		s = ssl.Session()
		if s == nil {
			return errors.New("openssl: no session: the handshake has not completed")
		}
		if c.isClient && !s.IsResumable() {
			s.Free()
			s = nil
			return ErrSessionNotResumable
		}
		return nil
	})
	if err == net.ErrClosed {
		return nil, errors.New("openssl: no session: the connection is closed")
	}
	return s, err
}

// GetSession returns the current session as DER (i2d_SSL_SESSION), for
// DialSession or libssl.UnmarshalSessionDER. On a client it fails with
// ErrSessionNotResumable rather than return a session that cannot be
// resumed (a TLS 1.3 session before the server's ticket has been read).
func (c *Conn) GetSession() ([]byte, error) {
	s, err := c.session()
	if err != nil {
		return nil, err
	}
	defer s.Free()
	return s.MarshalDER()
}

// SessionReused reports whether the handshake resumed a session
// (SSL_session_reused).
func (c *Conn) SessionReused() bool { return c.OpenSSLState().DidResume }
