package openssl

// The server's certificate chosen by the name the
// client asks for (SNI), and a whole Config chosen per ClientHello.
//
// All three run in the servername callback
// (SSL_CTX_set_tlsext_servername_callback), which libssl runs for every
// ClientHello, with or without a server_name extension:
//
//   - Config.GetConfigForClient first: a Config it returns moves the
//     connection to that Config's SSL_CTX (SSL_set_SSL_CTX). libssl then
//     takes the new context's certificates, ALPN callback, session id
//     context (when the SSL had the old context's) and callbacks looked up
//     on s->ctx; it keeps the SSL's own verify mode, options and version
//     bounds (conformance/checks_setsslctx.go tells it, against a C
//     program). So the Conn sets the new Config's ClientAuth, options and
//     version bounds on the SSL itself.
//   - then the (new) Config's GetCertificate: a certificate it returns is
//     set on the SSL (SSL_use_certificate, SSL_set1_chain,
//     SSL_use_PrivateKey).
//   - else, when Certificates name different hosts, the group of
//     certificates whose leaf names the host (exact first, then a
//     wildcard "*.example.com"), each group in an SSL_CTX of its own
//     (SSL_set_SSL_CTX); the first group is the default. Certificates for
//     the same names (RSA and ECDSA ones, say) form one group, and libssl
//     picks among them by the client's signature algorithms.

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"

	libssl "github.com/libssl-go/libssl"
)

// ClientHelloInfo is what GetCertificate and GetConfigForClient know about
// the ClientHello: the name asked for (SSL_get_servername: "" without SNI)
// and the transport. crypto/tls's has more (cipher suites, ALPN offers):
// libssl's servername callback does not see them.
type ClientHelloInfo struct {
	ServerName string
	Conn       net.Conn
}

// sniEntry is a server context holding the certificates for names.
type sniEntry struct {
	names []string
	ctx   *libssl.Ctx
}

// certGroupsT: certificate indexes grouped by the names of their leaves,
// in the order of their first certificate.
type certGroupsT struct {
	names [][]string
	idx   [][]int
}

func (g certGroupsT) first() []int {
	if len(g.idx) <= 1 {
		return nil // all
	}
	return g.idx[0]
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// leafNames returns the DNS names and IP addresses of a PEM chain's first
// certificate, lower case and sorted; nil when it cannot be parsed (check
// and configure report the PEM's errors).
func leafNames(certPEM []byte) []string {
	rest := certPEM
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		leaf, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil
		}
		var names []string
		for _, n := range leaf.DNSNames {
			names = append(names, strings.ToLower(n))
		}
		for _, ip := range leaf.IPAddresses {
			names = append(names, ip.String())
		}
		if len(names) == 0 && leaf.Subject.CommonName != "" {
			names = append(names, strings.ToLower(leaf.Subject.CommonName))
		}
		sort.Strings(names)
		return names
	}
}

func (cfg *Config) certGroups(isClient bool) certGroupsT {
	var g certGroupsT
	if isClient || len(cfg.Certificates) < 2 {
		return g
	}
	keys := map[string]int{}
	for i, c := range cfg.Certificates {
		names := leafNames(c.CertPEM)
		k := strings.Join(names, "\x00")
		j, ok := keys[k]
		if !ok {
			j = len(g.idx)
			keys[k] = j
			g.names = append(g.names, names)
			g.idx = append(g.idx, nil)
		}
		g.idx[j] = append(g.idx[j], i)
	}
	return g
}

// matchName reports how name matches a certificate's names: 2 exactly, 1
// by a wildcard of its first label, 0 not.
func matchName(names []string, name string) int {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	best := 0
	for _, n := range names {
		if n == name {
			return 2
		}
		if strings.HasPrefix(n, "*.") {
			if i := strings.IndexByte(name, '.'); i > 0 && name[i:] == n[1:] {
				best = 1
			}
		}
	}
	return best
}

func (cfg *Config) freeSNI() {
	for _, e := range cfg.sni {
		e.ctx.Free()
	}
	cfg.sni = nil
}

// configureHooksAndSNI sets on a context the Config built what lies beyond
// its certificates and verification: the hooks, key logging, groups, ticket
// keys, and for a server with certificates for several names, one context
// per name group with the servername callback that chooses among them.
func (cfg *Config) configureHooksAndSNI(ctx *libssl.Ctx, isClient bool, groups certGroupsT) error {
	if err := cfg.configureHooks(ctx, isClient); err != nil {
		return err
	}
	if isClient {
		return nil
	}
	if err := cfg.tickets.install(cfg, ctx); err != nil {
		return err
	}
	if len(groups.idx) > 1 {
		cfg.sni = nil
		for j := 1; j < len(groups.idx); j++ {
			sub, err := cfg.newCtx()
			if err == nil {
				err = cfg.configure(sub, false, groups.idx[j])
				if err == nil {
					err = cfg.configureHooks(sub, false)
				}
				if err != nil {
					sub.Free()
				}
			}
			if err != nil {
				cfg.freeSNI()
				return err
			}
			cfg.sni = append(cfg.sni, sniEntry{names: groups.names[j], ctx: sub})
		}
		cfg.sni = append([]sniEntry{{names: groups.names[0], ctx: nil}}, cfg.sni...)
	}
	if len(cfg.sni) > 0 || cfg.GetCertificate != nil || cfg.GetConfigForClient != nil {
		if err := ctx.SetServerNameCallback(serverNameCallback); err != nil {
			return fmt.Errorf("openssl: SSL_CTX_set_tlsext_servername_callback: %w", err)
		}
		// libssl runs the servername callback once per ClientHello, on
		// the context the SSL has then: a context chosen here is not asked
		// again.
	}
	return nil
}

// pickSNI returns the context for name among the Config's name groups, or
// nil for the first (default) one.
func (cfg *Config) pickSNI(name string) *libssl.Ctx {
	if len(cfg.sni) == 0 || name == "" {
		return nil
	}
	for _, want := range []int{2, 1} {
		for _, e := range cfg.sni {
			if matchName(e.names, name) == want {
				return e.ctx
			}
		}
	}
	return nil
}

// serverNameCallback runs GetConfigForClient, GetCertificate and the
// choice among Certificates by name, for the Conn that owns s.
func serverNameCallback(s *libssl.SSL) libssl.TLSExtResult {
	c := connOf(s)
	if c == nil {
		return libssl.TLSExtNoAck
	}
	name := s.ServerName()
	hello := &ClientHelloInfo{ServerName: name, Conn: c.conn}
	cfg := c.hooks.active
	if f := cfg.GetConfigForClient; f != nil {
		ncfg, err := f(hello)
		if err != nil {
			c.hooks.hookErr = fmt.Errorf("openssl: Config.GetConfigForClient: %w", err)
			return libssl.TLSExtAlertFatal
		}
		if ncfg != nil && ncfg != cfg {
			if err := c.moveTo(s, ncfg); err != nil {
				c.hooks.hookErr = fmt.Errorf("openssl: Config.GetConfigForClient: %w", err)
				return libssl.TLSExtAlertFatal
			}
			cfg = ncfg
		}
	}
	if f := cfg.GetCertificate; f != nil {
		cert, err := f(hello)
		if err != nil {
			c.hooks.hookErr = fmt.Errorf("openssl: Config.GetCertificate: %w", err)
			return libssl.TLSExtAlertFatal
		}
		if cert != nil {
			if err := useCertificate(s, cert); err != nil {
				c.hooks.hookErr = fmt.Errorf("openssl: Config.GetCertificate: %w", err)
				return libssl.TLSExtAlertFatal
			}
			c.hooks.chosen = cert
			return libssl.TLSExtOK
		}
	}
	if sub := cfg.pickSNI(name); sub != nil {
		if err := s.SetSSLCtx(sub); err != nil {
			c.hooks.hookErr = fmt.Errorf("openssl: choosing the certificate for %q: %w", name, err)
			return libssl.TLSExtAlertFatal
		}
	}
	if name == "" {
		return libssl.TLSExtNoAck
	}
	return libssl.TLSExtOK
}

func useCertificate(s *libssl.SSL, cert *Certificate) error {
	if len(cert.CertPEM) == 0 {
		return errors.New("the Certificate's CertPEM is empty")
	}
	if len(cert.KeyPEM) == 0 && cert.Key == nil {
		return errors.New("the Certificate has no private key (KeyPEM is empty and Key is nil)")
	}
	if err := s.UseCertificatePEM(cert.CertPEM); err != nil {
		return err
	}
	if cert.Key != nil {
		return s.UsePrivateKey(cert.Key)
	}
	return s.UsePrivateKeyPEM(cert.KeyPEM)
}

// moveTo moves the server connection to ncfg's context (SSL_set_SSL_CTX),
// then sets on the SSL what SSL_set_SSL_CTX leaves as it was: the verify
// mode of ncfg.ClientAuth, the options and the version bounds.
func (c *Conn) moveTo(s *libssl.SSL, ncfg *Config) error {
	if ncfg.Ctx == nil {
		if err := ncfg.check(false); err != nil {
			return err
		}
	}
	nctx, err := ncfg.ctx(false)
	if err != nil {
		return err
	}
	if err := s.SetSSLCtx(nctx); err != nil {
		return err
	}
	if err := s.ClearOptions(s.Options()); err != nil {
		return err
	}
	if err := s.SetOptions(nctx.Options()); err != nil {
		return err
	}
	if err := s.SetMinProtoVersion(nctx.MinProtoVersion()); err != nil {
		return err
	}
	if err := s.SetMaxProtoVersion(nctx.MaxProtoVersion()); err != nil {
		return err
	}
	if err := setClientAuth(s, ncfg.ClientAuth); err != nil {
		return err
	}
	c.hooks.active = ncfg
	return nil
}

// setClientAuth sets the SSL's verify mode and callback for a server's
// ClientAuth policy, as Conn.setup does.
func setClientAuth(s *libssl.SSL, a ClientAuthType) error {
	switch a {
	case NoClientCert:
		return s.SetVerify(libssl.VerifyNone, nil)
	case RequestClientCert:
		return s.SetVerify(libssl.VerifyPeer, acceptAnyChain)
	case RequireAnyClientCert:
		return s.SetVerify(libssl.VerifyPeer|libssl.VerifyFailIfNoPeerCert, acceptAnyChain)
	case VerifyClientCertIfGiven:
		return s.SetVerify(libssl.VerifyPeer, nil)
	case RequireAndVerifyClientCert:
		return s.SetVerify(libssl.VerifyPeer|libssl.VerifyFailIfNoPeerCert, nil)
	}
	return fmt.Errorf("openssl: Config.ClientAuth: unknown ClientAuthType %d", int(a))
}
