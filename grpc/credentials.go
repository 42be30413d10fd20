// Package opensslgrpc is gRPC transport security over the system's libssl:
// a credentials.TransportCredentials whose handshakes are openssl.Client
// and openssl.Server, so that a grpc-go client or server speaks TLS through
// OpenSSL where credentials.NewTLS would use crypto/tls.
//
//	creds := opensslgrpc.NewCredentials(&openssl.Config{RootCAs: caPEM})
//	cc, err := grpc.NewClient("example.com:443", grpc.WithTransportCredentials(creds))
//
// It is a module of its own (github.com/libssl-go/libssl/grpc), so that
// the libssl module does not depend on grpc-go. The package is named
// opensslgrpc so that it does not clash with google.golang.org/grpc.
package opensslgrpc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"syscall"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/openssl"
	"google.golang.org/grpc/credentials"
)

// alpnH2 is the ALPN protocol gRPC runs on (HTTP/2 over TLS, RFC 7540
// section 3.3). grpc-go refuses a TLS connection that did not negotiate it.
const alpnH2 = "h2"

// Credentials is a credentials.TransportCredentials over libssl, usable in
// both roles: as a client's (grpc.WithTransportCredentials) and as a
// server's (grpc.Creds). It holds the *openssl.Config it was made from,
// shared and never copied or changed, and it never frees it.
type Credentials struct {
	cfg *openssl.Config
	// derived holds the Configs made from cfg for what cfg itself cannot
	// do (see derivedConfigs); Clone shares it.
	derived *derivedConfigs

	mu       sync.Mutex
	override string // OverrideServerName's name
}

// NewCredentials returns transport credentials that make their connections
// with cfg: openssl.Client for a grpc client, openssl.Server for a grpc
// server. The credentials share cfg (they do not copy it or take
// ownership): cfg must not be changed once in use, and the caller frees it
// (Config.Free) after the last connection made with it is closed. A nil
// cfg is an empty Config: a client verifies servers with the system's
// roots, and a server has no certificate (its handshakes fail).
//
// A connection offers and requires ALPN "h2", as grpc-go does; cfg's
// NextProtos need not list it. A client verifies the server's certificate
// against, and sends as SNI: the name OverrideServerName gave, else
// cfg.ServerName, else the host part of the connection's authority.
//
// Where cfg cannot be used as it is (a client connection whose name is not
// cfg.ServerName; a server whose cfg.NextProtos lacks "h2"), the
// credentials make a Config of their own with cfg's exported fields and
// that name, or those protocols appended, once per name, and use it for
// every such connection: it builds its own SSL_CTX, which the garbage
// collector releases with the credentials. A caller that wants a single
// SSL_CTX sets cfg.ServerName (clients) and "h2" in cfg.NextProtos (servers).
func NewCredentials(cfg *openssl.Config) *Credentials {
	if cfg == nil {
		cfg = &openssl.Config{}
	}
	return &Credentials{cfg: cfg, derived: &derivedConfigs{byName: map[string]*openssl.Config{}}}
}

// Info returns what grpc-go reads of transport credentials: the protocol,
// "tls" (a grpc client then sends the scheme "https"), and the server name
// (OverrideServerName's, else the Config's), which a grpc client takes as
// the authority of its connections when it is set. SecurityVersion, which
// grpc deprecates and does not read, is left empty.
func (c *Credentials) Info() credentials.ProtocolInfo {
	return credentials.ProtocolInfo{
		SecurityProtocol: "tls",
		//lint:ignore SA1019 deprecated, but grpc-go 1.85 still reads it for the authority (clientconn.go)
		ServerName: c.serverName(),
	}
}

// Clone returns credentials that share c's Config (not a copy of it) and
// have c's server name override; OverrideServerName on either does not
// change the other.
func (c *Credentials) Clone() credentials.TransportCredentials {
	c.mu.Lock()
	defer c.mu.Unlock()
	return &Credentials{cfg: c.cfg, derived: c.derived, override: c.override}
}

// OverrideServerName makes name the server name clients verify and send as
// SNI, in place of the Config's ServerName and the authority's host.
// grpc-go deprecates it in favour of grpc.WithAuthority; it is here because
// credentials.TransportCredentials requires it. The Config is not changed.
func (c *Credentials) OverrideServerName(name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.override = name
	return nil
}

func (c *Credentials) serverName() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.override != "" {
		return c.override
	}
	return c.cfg.ServerName
}

// ClientHandshake runs a client handshake on rawConn (openssl.Client, then
// Conn.HandshakeContext bounded by ctx). The server name is
// OverrideServerName's, else the Config's ServerName, else the host part of
// authority. On success it returns the TLS connection and a
// credentials.TLSInfo whose State is the Conn's ConnectionState; on failure
// it closes rawConn and returns the error, and a handshake that did not
// negotiate "h2" is a failure.
func (c *Credentials) ClientHandshake(ctx context.Context, authority string, rawConn net.Conn) (_ net.Conn, _ credentials.AuthInfo, err error) {
	name := c.serverName()
	if name == "" {
		name = authority
		if host, _, err := net.SplitHostPort(authority); err == nil {
			name = host
		}
	}
	cfg := c.cfg
	if name != cfg.ServerName {
		cfg = c.derived.get(c.cfg, name)
	}
	conn, err := openssl.Client(rawConn, cfg)
	if err != nil {
		rawConn.Close()
		return nil, nil, fmt.Errorf("opensslgrpc: %w", err)
	}
	if !slices.Contains(cfg.NextProtos, alpnH2) {
		// The Config is shared: add "h2" to this connection's offer only.
		protos := withH2(cfg.NextProtos)
		if err := conn.WithSSL(func(s *libssl.SSL) error { return s.SetALPNProtos(protos) }); err != nil {
			conn.Close()
			return nil, nil, fmt.Errorf("opensslgrpc: %w", err)
		}
	}
	return finish(conn, conn.HandshakeContext(ctx), rawConn)
}

// ServerHandshake runs a server handshake on rawConn (openssl.Server, then
// Conn.Handshake). grpc-go gives it no context: its server sets a deadline
// on rawConn before the call (grpc.ConnectionTimeout, 120 s by default),
// which bounds the handshake because the Conn's I/O waits on rawConn. On
// success it returns the TLS connection and a credentials.TLSInfo; on
// failure it closes rawConn and returns the error, and a handshake that did
// not negotiate "h2" (a client that offered no ALPN) is a failure.
func (c *Credentials) ServerHandshake(rawConn net.Conn) (net.Conn, credentials.AuthInfo, error) {
	cfg := c.cfg
	if !slices.Contains(cfg.NextProtos, alpnH2) {
		// libssl selects ALPN from the SSL_CTX's list: a server needs
		// "h2" in its Config.
		cfg = c.derived.get(c.cfg, "")
	}
	conn, err := openssl.Server(rawConn, cfg)
	if err != nil {
		rawConn.Close()
		return nil, nil, fmt.Errorf("opensslgrpc: %w", err)
	}
	return finish(conn, conn.Handshake(), rawConn)
}

// errNoH2 is the failure of a handshake that did not negotiate "h2".
var errNoH2 = errors.New(`opensslgrpc: the peer did not negotiate ALPN "h2", which gRPC over TLS requires`)

// finish closes conn after a failed handshake, checks the negotiated
// protocol after a good one, and returns the connection and its AuthInfo.
func finish(conn *openssl.Conn, herr error, rawConn net.Conn) (net.Conn, credentials.AuthInfo, error) {
	if herr != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("opensslgrpc: %w", herr)
	}
	state := conn.ConnectionState()
	if state.NegotiatedProtocol != alpnH2 {
		conn.Close()
		if state.NegotiatedProtocol != "" {
			return nil, nil, fmt.Errorf("%w (it negotiated %q)", errNoH2, state.NegotiatedProtocol)
		}
		return nil, nil, errNoH2
	}
	info := credentials.TLSInfo{
		State:          state,
		CommonAuthInfo: credentials.CommonAuthInfo{SecurityLevel: credentials.PrivacyAndIntegrity},
	}
	if sc, ok := rawConn.(syscall.Conn); ok {
		// As grpc's own TLS credentials do: the socket stays reachable
		// for socket options (TCP_USER_TIMEOUT of keepalive, channelz).
		return &syscallConn{Conn: conn, sc: sc}, info, nil
	}
	return conn, info, nil
}

// syscallConn is the TLS connection with its transport's SyscallConn, for
// socket options only: reading or writing that socket would bypass TLS.
type syscallConn struct {
	*openssl.Conn
	sc syscall.Conn
}

// SyscallConn returns the transport socket's syscall.RawConn.
func (s *syscallConn) SyscallConn() (syscall.RawConn, error) { return s.sc.SyscallConn() }

// withH2 returns protos with "h2" appended, in a new slice.
func withH2(protos []string) []string {
	return append(slices.Clip(protos), alpnH2)
}

// derivedConfigs are the Configs credentials make from the caller's for
// what one shared Config cannot do per connection: a client's server name
// (openssl.Client takes it from Config.ServerName only) and a server's
// "h2" (libssl selects ALPN from the SSL_CTX's list). Keyed by server name;
// "" is the server's.
type derivedConfigs struct {
	mu     sync.Mutex
	byName map[string]*openssl.Config
}

// get returns the Config derived from cfg for name, made on first use:
// cfg.Clone (cfg's exported fields, SSL_CTXs of its own), with ServerName
// set to name for a client, and "h2" in NextProtos. It keeps cfg's
// ClientSessionCache, which Clone leaves out because sessions belong to
// the SSL_CTX that made them: the cache is keyed by server name, and a
// derived Config is the only one that uses its name (cfg itself is used
// only for cfg.ServerName).
func (d *derivedConfigs) get(cfg *openssl.Config, name string) *openssl.Config {
	d.mu.Lock()
	defer d.mu.Unlock()
	if dc := d.byName[name]; dc != nil {
		return dc
	}
	dc := cfg.Clone()
	dc.ClientSessionCache = cfg.ClientSessionCache
	if name != "" {
		dc.ServerName = name
	}
	if !slices.Contains(dc.NextProtos, alpnH2) {
		dc.NextProtos = withH2(dc.NextProtos)
	}
	d.byName[name] = dc
	return dc
}
