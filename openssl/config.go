package openssl

import (
	"errors"
	"sync"

	libssl "github.com/libssl-go/libssl"
)

// Protocol versions, with the numbers crypto/tls and libssl both use.
const (
	VersionTLS12 = uint16(libssl.TLS1_2)
	VersionTLS13 = uint16(libssl.TLS1_3)
)

// ClientAuthType is the server's policy for client certificates.
type ClientAuthType int

const (
	// NoClientCert: the server does not ask for a certificate.
	NoClientCert ClientAuthType = iota
	// VerifyClientCertIfGiven: the server asks; a certificate the client
	// sends must verify (SSL_VERIFY_PEER).
	VerifyClientCertIfGiven
	// RequireAndVerifyClientCert: the client must send a certificate that
	// verifies (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT).
	RequireAndVerifyClientCert
)

// Certificate is a certificate chain (leaf first) and its private key, in PEM.
type Certificate struct {
	CertPEM []byte
	KeyPEM  []byte
}

// Config configures clients and servers. A Config may be shared by any number
// of connections, in both roles, once it is in use it must not be changed or
// copied (it holds the SSL_CTX it builds).
//
// Unless Ctx is set, the first connection builds an SSL_CTX from the fields
// below (TLS_method, so it serves both roles), and every later connection
// made with the Config uses it. Free releases it.
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

	// RootCAs are the PEM certificates a client trusts; nil means the
	// system's (SSL_CTX_set_default_verify_paths) (context).
	RootCAs []byte

	// ClientCAs are the PEM certificates a server trusts for client
	// certificates; they are added to the same trust store as RootCAs
	// (context).
	ClientCAs []byte

	// ClientAuth is the server's policy for client certificates.
	ClientAuth ClientAuthType

	// Certificates: the server's certificate, or the client's certificate for
	// servers that ask. OpenSSL uses one per key type (context).
	Certificates []Certificate

	// CipherList (TLS 1.2) and CipherSuites (TLS 1.3), in OpenSSL's syntax;
	// empty keeps libssl's defaults (context).
	CipherList, CipherSuites string

	// SessionTicketsDisabled turns off session tickets (SSL_OP_NO_TICKET)
	// (context).
	SessionTicketsDisabled bool

	// ClientSessionCache, when set, lets clients resume: a client offers the
	// session cached under its server name and stores its new session there
	// once libssl says it is resumable (for TLS 1.3, once the server's ticket
	// has been read). Sessions belong to the Config's SSL_CTX: do not share a
	// cache between Configs.
	ClientSessionCache ClientSessionCache

	once     sync.Once
	built    *libssl.Ctx
	buildErr error
}

var defaultConfig = &Config{}

// Free releases the SSL_CTX the Config built, if any. Connections already
// made keep their own reference; the Config must not be used afterwards.
func (cfg *Config) Free() {
	cfg.once.Do(func() { cfg.buildErr = errors.New("openssl: Config used after Free") })
	cfg.built.Free()
}

// ctx returns the context connections are made from.
func (cfg *Config) ctx() (*libssl.Ctx, error) {
	if cfg.Ctx != nil {
		return cfg.Ctx, nil
	}
	cfg.once.Do(func() { cfg.built, cfg.buildErr = cfg.build() })
	return cfg.built, cfg.buildErr
}

func (cfg *Config) build() (*libssl.Ctx, error) {
	ctx, err := libssl.NewCtx(libssl.TLSMethod)
	if err != nil {
		return nil, err
	}
	if err := cfg.configure(ctx); err != nil {
		ctx.Free()
		return nil, err
	}
	return ctx, nil
}

func (cfg *Config) configure(ctx *libssl.Ctx) error {
	minV := libssl.ProtocolVersion(cfg.MinVersion)
	if minV == 0 {
		minV = libssl.TLS1_2
	}
	if err := ctx.SetMinProtoVersion(minV); err != nil {
		return err
	}
	if err := ctx.SetMaxProtoVersion(libssl.ProtocolVersion(cfg.MaxVersion)); err != nil {
		return err
	}
	if cfg.SessionTicketsDisabled {
		if err := ctx.SetOptions(libssl.OpNoTicket); err != nil {
			return err
		}
	}
	if cfg.CipherList != "" {
		if err := ctx.SetCipherList(cfg.CipherList); err != nil {
			return err
		}
	}
	if cfg.CipherSuites != "" {
		if err := ctx.SetCiphersuites(cfg.CipherSuites); err != nil {
			return err
		}
	}
	for _, c := range cfg.Certificates {
		if err := ctx.UseCertificatePEM(c.CertPEM); err != nil {
			return err
		}
		if err := ctx.UsePrivateKeyPEM(c.KeyPEM); err != nil {
			return err
		}
		if err := ctx.CheckPrivateKey(); err != nil {
			return err
		}
	}
	if cfg.RootCAs != nil {
		if err := ctx.AddTrustedCertPEM(cfg.RootCAs); err != nil {
			return err
		}
	} else if err := ctx.SetDefaultVerifyPaths(); err != nil {
		return err
	}
	if cfg.ClientCAs != nil {
		if err := ctx.AddTrustedCertPEM(cfg.ClientCAs); err != nil {
			return err
		}
	}
	if len(cfg.NextProtos) > 0 {
		if err := ctx.SetALPNProtos(cfg.NextProtos); err != nil {
			return err
		}
		if err := ctx.SetALPNSelect(cfg.NextProtos, true); err != nil {
			return err
		}
	}
	// Servers resume sessions only within the same session id context.
	return ctx.SetSessionIDContext([]byte("libssl-go/openssl"))
}
