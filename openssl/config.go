package openssl

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	libssl "github.com/libssl-go/libssl"
)

// Protocol versions, with the numbers crypto/tls and libssl both use.
const (
	VersionTLS12 = uint16(libssl.TLS1_2)
	VersionTLS13 = uint16(libssl.TLS1_3)
)

// ClientAuthType is the server's policy for client certificates. The values
// are crypto/tls's, so tls.ClientAuthType converts one to one.
type ClientAuthType int

const (
	// NoClientCert: the server does not ask for a certificate
	// (SSL_VERIFY_NONE).
	NoClientCert ClientAuthType = iota
	// RequestClientCert: the server asks for a certificate and accepts the
	// handshake whether or not one is sent, without verifying it
	// (SSL_VERIFY_PEER with a verify callback that accepts every chain).
	RequestClientCert
	// RequireAnyClientCert: the client must send a certificate, which is not
	// verified (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT with a
	// callback that accepts every chain).
	RequireAnyClientCert
	// VerifyClientCertIfGiven: the server asks; a certificate the client
	// sends must verify against ClientCAs (SSL_VERIFY_PEER).
	VerifyClientCertIfGiven
	// RequireAndVerifyClientCert: the client must send a certificate that
	// verifies against ClientCAs (SSL_VERIFY_PEER |
	// SSL_VERIFY_FAIL_IF_NO_PEER_CERT).
	RequireAndVerifyClientCert
)

func (a ClientAuthType) verifies() bool {
	return a == VerifyClientCertIfGiven || a == RequireAndVerifyClientCert
}

// Certificate is a certificate chain (leaf first, in PEM) and its private
// key: KeyPEM, or Key for a key held as a handle (one loaded from a store,
// such as a key in a PKCS #11 token that never leaves it: see
// LoadCertificateFromStore).
type Certificate struct {
	CertPEM []byte
	KeyPEM  []byte
	// Key, when set, is the private key, used instead of KeyPEM. Each
	// SSL_CTX or SSL it is given to takes a reference of its own
	// (SSL_CTX_use_PrivateKey, SSL_use_PrivateKey); the caller keeps its
	// handle and frees it, but not before the Config has built its contexts
	// (its first connection in each role, and each connection a
	// GetCertificate or GetClientCertificate hook returns the Certificate
	// for).
	Key *libssl.PKey
	// OCSPStaple is the DER OCSP response a server staples for this
	// certificate when a client asks (crypto/tls's field; see ocsp.go).
	// nil staples nothing. From OpenSSL 3.6 libssl decodes it and sends it
	// only when it is an OCSPResponse about this certificate; before 3.6
	// it sends the bytes as they are.
	OCSPStaple []byte
}

// Config configures clients and servers. A Config may be shared by any number
// of connections, in both roles; once it is in use it must not be changed or
// copied (it holds the SSL_CTXs it builds).
//
// Unless Ctx is set, the first connection in each role builds an SSL_CTX
// from the fields below (TLS_method), and every later connection in that
// role made with the Config uses it. Clients and servers get separate
// contexts so that each trusts only its own roots (RootCAs for servers'
// chains, ClientCAs for clients'). A setting that cannot work is an error,
// starting with "openssl:" and naming the field, at first use (Client,
// Server, Dial, Listen). Free releases the contexts.
type Config struct {
	// Ctx, when set, is the SSL_CTX every connection is made from; the fields
	// marked "context" below are then ignored and the caller configures Ctx
	// itself. The Config does not take ownership: the caller frees Ctx after
	// the last connection made with it is closed.
	Ctx *libssl.Ctx

	// ServerName is the name a client sends as SNI and checks the server's
	// certificate against (SSL_set_tlsext_host_name, SSL_set1_host; an IP
	// address is checked with X509_VERIFY_PARAM_set1_ip_asc and not sent as
	// SNI). Dial fills it from the address when empty.
	ServerName string

	// InsecureSkipVerify turns off the client's verification of the server's
	// chain and host name. Testing only.
	InsecureSkipVerify bool

	// NextProtos are the ALPN protocols, most preferred first: a client offers
	// them, a server picks the first of its own list the client offered and
	// fails the handshake when there is none (context).
	NextProtos []string

	// MinVersion and MaxVersion bound the protocol version (context). Zero
	// MinVersion means TLS 1.2; zero MaxVersion means the highest libssl has.
	MinVersion, MaxVersion uint16

	// RootCAs are the PEM certificates a client trusts for the server's
	// chain; nil means the system's (SSL_CTX_set_default_verify_paths)
	// (context, client role).
	RootCAs []byte

	// ClientCAs are the PEM certificates a server trusts for client
	// certificates, and the only ones: the server's SSL_CTX is separate
	// from the client's, so RootCAs and the system's store never vouch for
	// a client (context, server role). A ClientAuth that verifies needs
	// ClientCAs, or ClientCAsFromSystem.
	ClientCAs []byte

	// ClientCAsFromSystem adds the system's trust store
	// (SSL_CTX_set_default_verify_paths) to ClientCAs for verifying client
	// certificates. Off by default (context, server role).
	ClientCAsFromSystem bool

	// ClientAuth is the server's policy for client certificates. A value
	// that is not one of the five constants is an error at first use.
	ClientAuth ClientAuthType

	// Certificates: the server's certificate, or the client's certificate for
	// servers that ask. OpenSSL uses one per key type (context). A server's
	// certificates for different names (their leaves' DNS names and IP
	// addresses) are chosen by the name the client asks for: exact names
	// first, then wildcards, else the first certificate's (sni.go).
	Certificates []Certificate

	// CipherList (TLS 1.2) and CipherSuites (TLS 1.3), in OpenSSL's syntax;
	// empty keeps libssl's defaults (context).
	CipherList, CipherSuites string

	// SessionTicketsDisabled turns off session tickets (SSL_OP_NO_TICKET)
	// (context).
	SessionTicketsDisabled bool

	// SendTicketsAtHandshake makes a TLS 1.3 server send its session
	// tickets (NewSessionTicket: 2, or what SSL_set_num_tickets sets
	// through Conn.WithSSL) when its handshake completes, as libssl itself
	// does from SSL_do_handshake and as openssl s_server behaves:
	// Handshake returns once they have reached the transport. By default
	// (false) a Conn holds them and sends them with its next output (data,
	// an alert, close_notify). The trade-off: with this option a client
	// that counts its tickets before it sends anything gets them
	// (tlsfuzzer's test-tls13-count-tickets expects that), but over a
	// transport without a buffer (net.Pipe) the server's Handshake waits
	// until the client reads, and against a client that only writes after
	// its handshake it waits until a deadline or the HandshakeContext's
	// context ends it with an error that leaves the Conn unusable. Over
	// TCP a client that only writes and then closes may leave them unread,
	// and its kernel then resets the connection, which can destroy the
	// last data it sent (see the package doc). TLS 1.2 tickets are part of
	// the handshake in both timings (connection, server role).
	SendTicketsAtHandshake bool

	// AllowRenegotiation lets TLS 1.2 renegotiation happen, in both roles
	// (on OpenSSL 3.x servers also the client-initiated kind:
	// SSL_OP_ALLOW_CLIENT_RENEGOTIATION). By default it is refused, as
	// crypto/tls refuses it (SSL_OP_NO_RENEGOTIATION: a client answers a
	// HelloRequest, and a server a new ClientHello, with a no_renegotiation
	// alert, and the initiator's Read or Write fails). A renegotiation runs
	// inside Read; a Write that meets one waits for the peer's records,
	// reading them itself unless a Read is under way (context).
	AllowRenegotiation bool

	// ClientSessionCache, when set, lets clients resume: a client offers the
	// session cached under its server name and stores its new session there
	// once libssl says it is resumable (for TLS 1.3, once the server's ticket
	// has been read). Sessions belong to the Config's SSL_CTX: do not share a
	// cache between Configs.
	ClientSessionCache ClientSessionCache

	// The fields below are described in sni.go, verifyhooks.go,
	// keylog.go, tickets_keys.go and state.go.

	// GetCertificate, when set, chooses the server's certificate for each
	// ClientHello by the name asked for (servername callback); a nil
	// result falls back to Certificates. See sni.go.
	GetCertificate func(*ClientHelloInfo) (*Certificate, error)
	// GetConfigForClient, when set, may return another Config for a
	// ClientHello: the connection moves to its SSL_CTX (SSL_set_SSL_CTX
	// from the servername callback). See sni.go.
	GetConfigForClient func(*ClientHelloInfo) (*Config, error)
	// VerifyPeerCertificate, when set, is called after libssl verified
	// the peer's chain, with the certificates the peer sent (DER, leaf
	// first) and the verified chains (nil when verification is off); an
	// error fails the handshake. See verifyhooks.go.
	VerifyPeerCertificate func(rawCerts [][]byte, verifiedChains [][]*x509.Certificate) error
	// VerifyConnection, when set, is called with the connection's state
	// once the peer is known; an error fails the handshake. See
	// verifyhooks.go.
	VerifyConnection func(ConnectionState) error
	// GetClientCertificate, when set, chooses a client's certificate when
	// a server asks for one (SSL_CTX_set_cert_cb). See verifyhooks.go.
	GetClientCertificate func(*CertificateRequestInfo) (*Certificate, error)
	// KeyLogWriter, when set, receives the handshakes' secrets in the NSS
	// key log format (SSL_CTX_set_keylog_callback). Debugging only.
	KeyLogWriter io.Writer
	// CurvePreferences are the key exchange groups, most preferred first
	// (SSL_CTX_set1_groups_list); nil keeps libssl's defaults (context).
	CurvePreferences []tls.CurveID

	// Key exchange groups, signature schemes and finite-field DHE (groups.go).

	// KeyShares are the groups of CurvePreferences a client sends a key
	// share for in its first ClientHello (TLS 1.3); a server that picks
	// another group of the list asks for it with a HelloRetryRequest. nil
	// keeps libssl's choice: the first group of CurvePreferences (with
	// CurvePreferences nil, libssl's defaults: X25519MLKEM768 and X25519
	// from OpenSSL 3.5). From OpenSSL 3.5 any groups of CurvePreferences
	// may be given (the "*" marks of SSL_CTX_set1_groups_list); before,
	// libssl sends exactly one key share, so only the first group of
	// CurvePreferences can be given, and any other list is an error
	// matching libssl.ErrUnsupported (context, client role).
	KeyShares []tls.CurveID
	// SignatureSchemes are the signature schemes, most preferred first,
	// that a client offers and accepts from the server and a server signs
	// with and asks of client certificates (SSL_CTX_set1_sigalgs_list, by
	// their TLS 1.3 names). nil keeps libssl's defaults. crypto/tls has no
	// such field; the name follows its type (context).
	SignatureSchemes []tls.SignatureScheme
	// DHE lets a server use TLS 1.2 finite-field DHE cipher suites
	// (DHE-RSA-AES128-GCM-SHA256 ...) with libssl's built-in parameters
	// sized to its certificate's key and security level
	// (SSL_CTX_set_dh_auto). Off by default, as crypto/tls has no DHE:
	// without DHE or DHParameters a server before OpenSSL 4.0 has no DH
	// parameters and never picks a DHE suite. From 4.0 libssl takes them
	// from an ffdhe group the client offers (RFC 7919; libssl's default
	// client groups have ffdhe2048 and ffdhe3072), so such a server picks
	// a DHE suite when the client prefers one, which crypto/tls clients
	// and libssl's default cipher order (ECDHE first) never do
	// (context, server role).
	DHE bool
	// DHParameters, when set, are the DH parameters in PEM ("-----BEGIN DH
	// PARAMETERS-----", `openssl dhparam`) a server uses for TLS 1.2 DHE
	// cipher suites (SSL_CTX_set0_tmp_dh_pkey; SSL_CTX_set_tmp_dh on
	// 1.1.1), instead of DHE's built-in ones (context, server role).
	DHParameters []byte
	// OCSP stapling and revocation (ocsp.go).
	//
	// CRLs are certificate revocation lists (each PEM with any number of
	// CRLs, or one DER CRL) the peer's certificate is checked against:
	// they go into the verify store of the role's context
	// (X509_STORE_add_crl) with X509_V_FLAG_CRL_CHECK, so a client checks
	// the server's leaf and a server that verifies client certificates the
	// client's. A revoked certificate fails the handshake with a
	// CertificateVerificationError whose VerifyResult is
	// X509_V_ERR_CERT_REVOKED; a leaf whose issuer has no CRL here fails
	// too (X509_V_ERR_UNABLE_TO_GET_CRL) (context).
	CRLs [][]byte
	// CRLCheckAll checks every certificate of the chain, not only the
	// leaf (X509_V_FLAG_CRL_CHECK_ALL): each issuer's CRL must then be in
	// CRLs (context).
	CRLCheckAll bool
	// TLS 1.3 external pre-shared keys (psk.go).
	//
	// PreSharedKeys are the Config's external PSKs. A client offers the
	// first (libssl offers one external PSK per ClientHello; after a
	// HelloRetryRequest, the first whose hash is the suite's), together with
	// a cached session if it has one; a server accepts any whose Identity
	// the client offers, and without one, or when the client offers none it
	// knows, makes a certificate handshake if it has Certificates and fails
	// otherwise. Without CipherSuites the TLS 1.3 suites are ordered with
	// the PSKs' first, and a server prefers its own order. A PSK handshake
	// authenticates both sides by the key: no certificate is sent, and a
	// client still needs ServerName or InsecureSkipVerify for the case where
	// the server answers with a certificate. TLS 1.3 only: with MaxVersion
	// below TLS 1.3 the Config is an error at first use (TLS 1.2 PSK cipher
	// suites are set on a libssl.Ctx with its PSK callbacks). OpenSSLState
	// reports DidUsePSK and PSKIdentity (context).
	PreSharedKeys []PreSharedKey
	// Encrypted Client Hello (ECH, RFC 9849; OpenSSL 4.0). See ech.go. On
	// a libssl without ECH, setting any of these fields is an error at first
	// use that matches libssl.ErrUnsupported and says it needs OpenSSL 4.0.
	//
	// EncryptedClientHelloConfigList is a client's ECHConfigList for the
	// server (as crypto/tls and a DNS HTTPS record hold it; version 0xfe0d
	// of RFC 9849): the client encrypts its ClientHello, with ServerName as
	// the inner SNI, to it (OSSL_ECHSTORE_read_echconfiglist,
	// SSL_CTX_set1_echstore) and refuses TLS below 1.3. When the server
	// rejects ECH, the handshake fails with an *ECHRejectionError holding
	// the server's retry configs (context, client role).
	EncryptedClientHelloConfigList []byte
	// EncryptedClientHelloRejectionVerify, when set, replaces the check of
	// the outer handshake's certificate when the server rejected ECH: it is
	// called with the state of the outer handshake (PeerCertificates), and
	// its error fails the handshake; nil gives an *ECHRejectionError. When
	// nil, the client requires the certificate libssl verified for the
	// ECHConfig's public_name, as crypto/tls does.
	EncryptedClientHelloRejectionVerify func(ConnectionState) error
	// EncryptedClientHelloGREASE makes a client without
	// EncryptedClientHelloConfigList send a GREASE ECH extension
	// (SSL_OP_ECH_GREASE), as crypto/tls does by default, so that its
	// ClientHellos look like those of clients that use ECH. Off by
	// default: libssl sends none (context, client role).
	EncryptedClientHelloGREASE bool
	// EncryptedClientHelloKeys are a server's ECH keys, crypto/tls's type:
	// Config is one encoded ECHConfig, PrivateKey the raw private key of
	// its KEM (X25519: 32 bytes; P-256, P-384, P-521: the scalar), and
	// SendAsRetry puts the config in the retry configs a rejected client
	// gets (OSSL_ECHSTORE_read_pem with OSSL_ECH_FOR_RETRY,
	// SSL_CTX_set1_echstore) (context, server role).
	EncryptedClientHelloKeys []tls.EncryptedClientHelloKey

	// SocketIO chooses how libssl reaches the transport (connection). By
	// default (SocketIOAuto), when the transport is a *net.TCPConn or a
	// stream *net.UnixConn, libssl reads and writes its socket itself
	// through a socket BIO (libssl.NewSocketBIO), driven by Go's netpoller
	// through syscall.RawConn: one copy of each byte, as in a C program.
	// Any other net.Conn (net.Pipe, wrapped connections) is driven through
	// memory BIOs that the Conn fills and drains with the transport's Read
	// and Write. SocketIOOff always uses memory BIOs; SocketIOOn uses the
	// socket for any transport that offers syscall.Conn (and fails one
	// that does not): only for a wrapper whose SyscallConn is the very
	// stream its Read and Write carry, since they are bypassed. Both paths
	// behave the same to the program: deadlines, Close, concurrent Read and
	// Write, tickets and close_notify.
	SocketIO SocketIO
	// ReleaseBuffers sets SSL_MODE_RELEASE_BUFFERS on each connection
	// (SSL_set_mode): libssl frees the connection's record buffers whenever
	// they are empty and allocates them again for the next record. An
	// idle connection then holds about 33 KB less C heap (measured by make
	// idlemem), for an allocation and a free per record read or written
	// (connection).
	ReleaseBuffers bool

	// LibraryContext is the OpenSSL library context (OSSL_LIB_CTX) the
	// Config's SSL_CTXs are made in, with SSL_CTX_new_ex: its providers
	// and default properties decide which algorithms the connections may
	// use. nil is the default library context. Each SSL_CTX takes its own
	// reference on it, so the caller may Free its handle at any time; the
	// library context lives until the last SSL_CTX made in it is freed
	// (context). OpenSSL 3.0 and later: on 1.1.1 a non-nil LibraryContext
	// cannot exist (libssl.NewLibCtx fails). See libctx.go.
	LibraryContext *libssl.LibCtx
	// PropertyQuery is the property query of SSL_CTX_new_ex, e.g.
	// "fips=yes" or "provider=default": every algorithm the SSL_CTXs
	// fetch must match it, on top of the library context's default
	// properties. Empty means none (context). On 1.1.1 a non-empty
	// PropertyQuery is an error at first use that says it needs OpenSSL
	// 3.0.
	PropertyQuery string

	// Two contexts, one per role, so that each trusts only its own roots.
	clientOnce, serverOnce sync.Once
	clientCtx, serverCtx   *libssl.Ctx
	clientErr, serverErr   error
	freeOnce               sync.Once
	// useMu: newConn holds it (read) from taking a context to SSL_new's
	// own reference on it, Free (write) while it frees the contexts, so
	// that a Free racing a new connection never frees a context under
	// SSL_new.
	useMu   sync.RWMutex
	freed   atomic.Bool
	sidOnce sync.Once
	sidCtx  []byte
	trust   trustState
	sni     []sniEntry // server contexts chosen by name, after the first
	tickets ticketKeyState
}

var defaultConfig = &Config{}

// Free releases the SSL_CTXs the Config built, if any. Connections already
// made keep their own reference; the Config must not be used afterwards:
// Client, Server, Dial and Listen with it fail with an error that matches
// libssl.ErrFreed.
func (cfg *Config) Free() {
	cfg.useMu.Lock() // after every SSL_new under way on the contexts
	defer cfg.useMu.Unlock()
	cfg.freeOnce.Do(func() {
		used := fmt.Errorf("openssl: Config used after Free: %w", libssl.ErrFreed)
		cfg.clientOnce.Do(func() { cfg.clientErr = used })
		cfg.serverOnce.Do(func() { cfg.serverErr = used })
		cfg.freed.Store(true)
		cfg.clientCtx.Free()
		cfg.serverCtx.Free()
		cfg.freeSNI()
	})
}

// ctx returns the context connections in the given role are made from,
// building it on first use.
func (cfg *Config) ctx(isClient bool) (*libssl.Ctx, error) {
	if cfg.Ctx != nil {
		return cfg.Ctx, nil
	}
	if cfg.freed.Load() {
		return nil, fmt.Errorf("openssl: Config used after Free: %w", libssl.ErrFreed)
	}
	if isClient {
		cfg.clientOnce.Do(func() { cfg.clientCtx, cfg.clientErr = cfg.build(true) })
		return cfg.clientCtx, cfg.clientErr
	}
	cfg.serverOnce.Do(func() { cfg.serverCtx, cfg.serverErr = cfg.build(false) })
	return cfg.serverCtx, cfg.serverErr
}

func (cfg *Config) build(isClient bool) (*libssl.Ctx, error) {
	if err := cfg.check(isClient); err != nil {
		return nil, err
	}
	ctx, err := cfg.newCtx()
	if err != nil {
		return nil, err
	}
	groups := cfg.certGroups(isClient)
	if err := cfg.configure(ctx, isClient, groups.first()); err != nil {
		ctx.Free()
		return nil, err
	}
	if err := cfg.configurePSKs(ctx, isClient); err != nil {
		ctx.Free()
		return nil, err
	}
	if err := cfg.configureECH(ctx, isClient); err != nil {
		ctx.Free()
		return nil, err
	}
	if err := cfg.configureHooksAndSNI(ctx, isClient, groups); err != nil {
		ctx.Free()
		return nil, err
	}
	return ctx, nil
}

func versionName(v uint16) string {
	switch v {
	case 0:
		return "0"
	case 0x0301:
		return "TLS 1.0"
	case 0x0302:
		return "TLS 1.1"
	case VersionTLS12:
		return "TLS 1.2"
	case VersionTLS13:
		return "TLS 1.3"
	}
	return fmt.Sprintf("%#04x", v)
}

// check rejects settings that cannot work, naming the field.
func (cfg *Config) check(isClient bool) error {
	if cfg.MinVersion != 0 && cfg.MaxVersion != 0 && cfg.MinVersion > cfg.MaxVersion {
		return fmt.Errorf("openssl: Config.MinVersion (%s) is above Config.MaxVersion (%s)",
			versionName(cfg.MinVersion), versionName(cfg.MaxVersion))
	}
	if cfg.MinVersion == 0 && cfg.MaxVersion != 0 && cfg.MaxVersion < VersionTLS12 {
		return fmt.Errorf("openssl: Config.MaxVersion (%s) is below the default MinVersion (TLS 1.2)", versionName(cfg.MaxVersion))
	}
	if cfg.ClientAuth < NoClientCert || cfg.ClientAuth > RequireAndVerifyClientCert {
		return fmt.Errorf("openssl: Config.ClientAuth: unknown ClientAuthType %d", int(cfg.ClientAuth))
	}
	if !isClient && cfg.ClientAuth.verifies() && cfg.ClientCAs == nil && !cfg.ClientCAsFromSystem {
		return errors.New("openssl: Config.ClientAuth verifies client certificates but Config.ClientCAs is nil (set ClientCAsFromSystem to trust the system's store)")
	}
	for i, c := range cfg.Certificates {
		if len(c.CertPEM) == 0 {
			return fmt.Errorf("openssl: Config.Certificates[%d].CertPEM is empty", i)
		}
		if len(c.KeyPEM) == 0 && c.Key == nil {
			return fmt.Errorf("openssl: Config.Certificates[%d] has no private key (KeyPEM is empty and Key is nil)", i)
		}
	}
	return nil
}

// configure sets the fields on ctx; certs are the indexes of the
// Certificates it gets (nil: all).
func (cfg *Config) configure(ctx *libssl.Ctx, isClient bool, certs []int) error {
	minV := libssl.ProtocolVersion(cfg.MinVersion)
	if minV == 0 {
		minV = libssl.TLS1_2
	}
	if err := ctx.SetMinProtoVersion(minV); err != nil {
		return fmt.Errorf("openssl: Config.MinVersion (%s): %w", versionName(cfg.MinVersion), err)
	}
	if err := ctx.SetMaxProtoVersion(libssl.ProtocolVersion(cfg.MaxVersion)); err != nil {
		return fmt.Errorf("openssl: Config.MaxVersion (%s): %w", versionName(cfg.MaxVersion), err)
	}
	opts := libssl.OpNoRenegotiation
	if cfg.AllowRenegotiation {
		opts = libssl.OpAllowClientRenegotiation // 0 on 1.1.1
	}
	if cfg.SessionTicketsDisabled {
		opts |= libssl.OpNoTicket
	}
	if opts != 0 {
		if err := ctx.SetOptions(opts); err != nil {
			return fmt.Errorf("openssl: SSL_CTX_set_options: %w", err)
		}
	}
	if cfg.CipherList != "" {
		if err := ctx.SetCipherList(cfg.CipherList); err != nil {
			return fmt.Errorf("openssl: Config.CipherList: %w", err)
		}
	}
	if cfg.CipherSuites != "" {
		if err := ctx.SetCiphersuites(cfg.CipherSuites); err != nil {
			return fmt.Errorf("openssl: Config.CipherSuites: %w", err)
		}
	}
	for i, c := range cfg.Certificates {
		if certs != nil && !containsInt(certs, i) {
			continue
		}
		if err := ctx.UseCertificatePEM(c.CertPEM); err != nil {
			return fmt.Errorf("openssl: Config.Certificates[%d].CertPEM: %w", i, err)
		}
		field := "KeyPEM"
		if c.Key != nil {
			field = "Key"
			if err := ctx.UsePrivateKey(c.Key); err != nil {
				return fmt.Errorf("openssl: Config.Certificates[%d].Key: %w", i, err)
			}
		} else if err := ctx.UsePrivateKeyPEM(c.KeyPEM); err != nil {
			return fmt.Errorf("openssl: Config.Certificates[%d].KeyPEM: %w", i, err)
		}
		if err := ctx.CheckPrivateKey(); err != nil {
			return fmt.Errorf("openssl: Config.Certificates[%d].%s does not match its certificate: %w", i, field, err)
		}
	}
	if isClient {
		if cfg.RootCAs != nil {
			if err := ctx.AddTrustedCertPEM(cfg.RootCAs); err != nil {
				return fmt.Errorf("openssl: Config.RootCAs holds no usable PEM certificate: %w", err)
			}
		} else if err := ctx.SetDefaultVerifyPaths(); err != nil {
			return fmt.Errorf("openssl: loading the system's trust store for Config.RootCAs: %w", err)
		}
	} else {
		if cfg.ClientCAs != nil {
			if err := ctx.AddTrustedCertPEM(cfg.ClientCAs); err != nil {
				return fmt.Errorf("openssl: Config.ClientCAs holds no usable PEM certificate: %w", err)
			}
		}
		if cfg.ClientCAsFromSystem {
			if err := ctx.SetDefaultVerifyPaths(); err != nil {
				return fmt.Errorf("openssl: Config.ClientCAsFromSystem: %w", err)
			}
		}
	}
	if len(cfg.NextProtos) > 0 {
		if err := ctx.SetALPNProtos(cfg.NextProtos); err != nil {
			return fmt.Errorf("openssl: Config.NextProtos: %w", err)
		}
		if err := ctx.SetALPNSelect(cfg.NextProtos, true); err != nil {
			return fmt.Errorf("openssl: Config.NextProtos: %w", err)
		}
	}
	// Servers resume sessions only within the same session id context: one
	// per Config, so that a session made under another Config (another
	// ClientAuth or ClientCAs) is never resumed. Clients set none: libssl
	// would then refuse a session another program made (spacemonkeygo's,
	// a C client's DER), and a client's trust in a session is checked
	// against its own Config before the session is offered (trust.go).
	if isClient {
		return nil
	}
	cfg.sidOnce.Do(func() { cfg.sidCtx = cfg.sessionIDContext() })
	if err := ctx.SetSessionIDContext(cfg.sidCtx); err != nil {
		return fmt.Errorf("openssl: SSL_CTX_set_session_id_context: %w", err)
	}
	return nil
}
