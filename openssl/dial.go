package openssl

import (
	"context"
	"errors"
	"net"

	libssl "github.com/libssl-go/libssl"
)

// Dial connects to addr and runs the handshake as a client. When
// config.ServerName is empty, the host part of addr is used for SNI and for
// verification. A nil config uses the defaults. Called by net/http's
// Transport (DialTLSContext), a config that offers "h2" fails with
// ErrHTTP2OverNetHTTP (use Transport instead).
func Dial(network, addr string, config *Config) (*Conn, error) {
	return DialContext(context.Background(), network, addr, config)
}

// DialContext is Dial with a context that bounds the connection and the
// handshake.
func DialContext(ctx context.Context, network, addr string, config *Config) (*Conn, error) {
	return dial(ctx, network, addr, config, nil, nil, false)
}

// DialSession is Dial offering a session saved as DER (Conn.GetSession) for
// resumption, as spacemonkeygo/openssl's DialSession does. A nil or empty
// session dials without one.
func DialSession(network, addr string, config *Config, session []byte) (*Conn, error) {
	var s *libssl.Session
	if len(session) > 0 {
		var err error
		if s, err = libssl.UnmarshalSessionDER(session); err != nil {
			return nil, err
		}
		defer s.Free()
	}
	return dial(context.Background(), network, addr, config, s, nil, false)
}

// dial connects and handshakes; a non-nil alpn replaces the protocols the
// Config offers, for this connection only (SSL_set_alpn_protos), and
// hostFromAddr makes the host of addr the server name even when the Config
// has one.
func dial(ctx context.Context, network, addr string, config *Config, sess *libssl.Session, alpn []string, hostFromAddr bool) (*Conn, error) {
	if config == nil {
		config = defaultConfig
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	name := config.ServerName
	if name == "" || hostFromAddr {
		name = host
	}
	var d net.Dialer
	raw, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	c, err := newConn(raw, config, true, name)
	if err != nil {
		raw.Close()
		return nil, err
	}
	if alpn != nil {
		err := c.withSSL(func(s *libssl.SSL) error { return s.SetALPNProtos(alpn) })
		if err != nil {
			c.Close()
			return nil, err
		}
	} else {
		alpn = config.NextProtos
	}
	if err := c.checkNetHTTPOffer(alpn); err != nil {
		c.Close()
		return nil, err
	}
	if sess != nil {
		if err := c.SetSession(sess); err != nil {
			c.Close()
			return nil, err
		}
	}
	if err := c.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

type listener struct {
	net.Listener
	config *Config
}

// Accept waits for a connection and returns it as a server-side *Conn whose
// handshake runs on first use.
func (l *listener) Accept() (net.Conn, error) {
	if l.config != nil && offersH2(l.config.NextProtos) && calledByNetHTTP(false) {
		return nil, netHTTPH2Error(false)
	}
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc, err := Server(c, l.config)
	if err != nil {
		c.Close()
		return nil, err
	}
	return tc, nil
}

// NewListener wraps inner so that it accepts TLS server connections made
// with config. Under net/http's Server.Serve, a config that offers "h2"
// makes Accept fail with ErrHTTP2OverNetHTTP (use Serve instead).
func NewListener(inner net.Listener, config *Config) net.Listener {
	return &listener{Listener: inner, config: config}
}

// Listen listens on laddr and accepts TLS server connections made with
// config, which must carry a certificate or TLS 1.3 PreSharedKeys.
func Listen(network, laddr string, config *Config) (net.Listener, error) {
	if config == nil || (len(config.Certificates) == 0 && config.Ctx == nil && len(config.PreSharedKeys) == 0) {
		return nil, errors.New("openssl: Listen needs a Config with a certificate or PreSharedKeys")
	}
	if _, err := config.ctx(false); err != nil {
		return nil, err
	}
	l, err := net.Listen(network, laddr)
	if err != nil {
		return nil, err
	}
	return NewListener(l, config), nil
}
