package openssl

// This file (issue 13): the parts of ConnectionState beyond the handshake's
// basics: the negotiated group, keying material export, tls-unique, and
// the verified chains (verifyhooks.go records them).

import (
	"crypto/tls"
	"fmt"
	"net"
	"strings"
)

// groupNames maps crypto/tls's CurveIDs to OpenSSL's group names
// (SSL_CTX_set1_groups_list) and back (OBJ_nid2sn, as
// libssl.SSL.NegotiatedGroup reports them).
var groupNames = []struct {
	id       tls.CurveID
	name, sn string
}{
	{tls.X25519, "X25519", "X25519"},
	{tls.CurveP256, "P-256", "prime256v1"},
	{tls.CurveP384, "P-384", "secp384r1"},
	{tls.CurveP521, "P-521", "secp521r1"},
	{tls.CurveID(30), "X448", "X448"},
}

// curveIDOf returns the CurveID of an OpenSSL group name, 0 when unknown.
func curveIDOf(sn string) tls.CurveID {
	for _, g := range groupNames {
		if strings.EqualFold(g.sn, sn) || strings.EqualFold(g.name, sn) {
			return g.id
		}
	}
	return 0
}

// configureGroups sets CurvePreferences on a context (SSL_CTX_set1_groups_list).
func (cfg *Config) configureGroups(ctx interface{ SetGroupsList(string) error }) error {
	if len(cfg.CurvePreferences) == 0 {
		return nil
	}
	names := make([]string, 0, len(cfg.CurvePreferences))
	for _, id := range cfg.CurvePreferences {
		name := ""
		for _, g := range groupNames {
			if g.id == id {
				name = g.name
			}
		}
		if name == "" {
			return fmt.Errorf("openssl: Config.CurvePreferences: %v has no OpenSSL group name here", id)
		}
		names = append(names, name)
	}
	if err := ctx.SetGroupsList(strings.Join(names, ":")); err != nil {
		return fmt.Errorf("openssl: Config.CurvePreferences (%s): %w", strings.Join(names, ":"), err)
	}
	return nil
}

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
	c.sslMu.Lock()
	defer c.sslMu.Unlock()
	if c.freed {
		return nil, fmt.Errorf("openssl: ExportKeyingMaterial: %w", net.ErrClosed)
	}
	return c.ssl.ExportKeyingMaterial(label, context, length)
}
