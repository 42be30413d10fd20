package main

// Handshake expectations and hooks that need no feature of their own: the
// session ID, the peer's chain, the cipher suite, a failing certificate
// callback and the ALPN list a client advertised.

import (
	"bytes"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"

	libssl "github.com/libssl-go/libssl"
)

// extALPN is the ALPN extension's type (RFC 7301).
const extALPN = 16

// setHooks installs the callbacks of the context that expectations.go
// needs: -fail-cert-callback's certificate callback (SSL_CTX_set_cert_cb:
// on a server after the ClientHello, on a client when asked for a
// certificate) that fails the handshake, and -expect-advertised-alpn's
// ClientHello callback, which compares the client's ALPN list with the
// flag's when the client sent one.
func setHooks(ctx *libssl.Ctx, c *config) error {
	if c.failCertCallback {
		if err := ctx.SetCertCallback(func(*libssl.SSL) bool { return false }); err != nil {
			return err
		}
	}
	if c.server && c.expectAdvertisedALPN != "" {
		want := []byte(c.expectAdvertisedALPN)
		return ctx.SetClientHelloCallback(func(s *libssl.SSL, _ *int) libssl.ClientHelloResult {
			ext, ok := s.ClientHelloExtension(extALPN)
			if !ok {
				return libssl.ClientHelloSuccess
			}
			if len(ext) < 2 || !bytes.Equal(ext[2:], want) {
				fmt.Fprintf(os.Stderr, "advertised ALPN %x, want %x\n", ext, want)
				return libssl.ClientHelloError
			}
			return libssl.ClientHelloSuccess
		})
	}
	return nil
}

// checkExpectations compares the handshake with -expect-session-id,
// -expect-no-session-id, -expect-peer-cert-file, -expect-cipher and
// -expect-client-ca-list (SSL_get_client_CA_list on a client: the names
// of the server's certificate request).
func checkExpectations(s *libssl.SSL, c *config, isResume bool) error {
	if suite := s.CurrentCipherID(); c.expectCipher != 0 && int(suite) != c.expectCipher {
		return fmt.Errorf("cipher suite %#04x, want %#04x", suite, c.expectCipher)
	}
	if c.expectPeerCertFile != "" {
		want, err := chainDER(c.expectPeerCertFile)
		if err != nil {
			return err
		}
		got, err := peerCertsDER(s, c.server)
		if err != nil {
			return err
		}
		if len(want) != len(got) {
			return fmt.Errorf("peer sent %d certificates, want %d (resumption: %v)", len(got), len(want), isResume)
		}
		for i, cert := range got {
			if !bytes.Equal(cert, want[i]) {
				return fmt.Errorf("peer certificate %d differs from %s", i, c.expectPeerCertFile)
			}
		}
	}
	if c.expectClientCAList != "" {
		got, err := s.PeerCANamesDER()
		if err != nil {
			return err
		}
		hexes := make([]string, len(got))
		for i, n := range got {
			hexes[i] = hex.EncodeToString(n)
		}
		if list := strings.Join(hexes, ","); list != c.expectClientCAList {
			return fmt.Errorf("client CA list %s, want %s", list, c.expectClientCAList)
		}
	}
	if c.expectSessionID || c.expectNoSessionID {
		sess := s.Session()
		if sess == nil {
			return errors.New("no session")
		}
		id := sess.ID()
		sess.Free()
		if c.expectSessionID && len(id) == 0 {
			return fmt.Errorf("session has no ID (resumption: %v)", isResume)
		}
		if c.expectNoSessionID && len(id) != 0 {
			return fmt.Errorf("session has ID %x (resumption: %v)", id, isResume)
		}
	}
	return nil
}

// chainDER reads the certificates of a PEM file.
func chainDER(path string) ([][]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out, nil
		}
		if b.Type == "CERTIFICATE" {
			out = append(out, b.Bytes)
		}
	}
}

// peerCertsDER is the peer's leaf then the chain it sent, as DER: libssl's
// SSL_get_peer_cert_chain holds the leaf on a client and leaves it out on a
// server.
func peerCertsDER(s *libssl.SSL, server bool) ([][]byte, error) {
	chain, err := s.PeerCertChainDER()
	if err != nil || !server {
		return chain, err
	}
	leaf := s.PeerCertificate()
	if leaf == nil {
		return chain, nil
	}
	defer leaf.Free()
	der, err := leaf.DER()
	if err != nil {
		return nil, err
	}
	return append([][]byte{der}, chain...), nil
}
