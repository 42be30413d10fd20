package main

// Credentials other than the context's own certificate: a TLS 1.2
// pre-shared key (-psk, -psk-identity: SSL_CTX_set_psk_client_callback,
// SSL_CTX_set_psk_server_callback, SSL_CTX_use_psk_identity_hint) and a
// client certificate given by the client certificate callback
// (-use-old-client-cert-callback: SSL_CTX_set_client_cert_cb).

import (
	"fmt"
	"os"

	libssl "github.com/libssl-go/libssl"
)

// setPSK sets the PSK callbacks: a server sends -psk-identity as its hint
// and accepts only that identity; a client checks that the server's hint
// is -psk-identity (none when it is empty) and sends it as its identity.
// The key is -psk.
func setPSK(ctx *libssl.Ctx, c *config) error {
	if c.psk == "" {
		return nil
	}
	key, identity := []byte(c.psk), c.pskIdentity
	if c.server {
		if err := ctx.SetPSKIdentityHint(identity); err != nil {
			return err
		}
		return ctx.SetPSKServerCallback(func(_ *libssl.SSL, got string) ([]byte, bool) {
			if got != identity {
				fmt.Fprintf(os.Stderr, "client PSK identity %q, want %q\n", got, identity)
				return nil, false
			}
			return key, true
		})
	}
	return ctx.SetPSKClientCallback(func(_ *libssl.SSL, hint string) (string, []byte, bool) {
		if hint != identity {
			fmt.Fprintf(os.Stderr, "server PSK hint %q, want %q\n", hint, identity)
			return "", nil, false
		}
		return identity, key, true
	})
}

// setOldClientCertCallback installs the client certificate callback that
// gives -cert-file's certificate and -key-file's key (none when the flags
// give none); the context then has no certificate of its own. The handles
// live as long as the shim.
func setOldClientCertCallback(ctx *libssl.Ctx, c *config) error {
	var cert *libssl.X509
	var key *libssl.PKey
	if c.certFile != "" && c.keyFile != "" {
		certPEM, err := os.ReadFile(c.certFile)
		if err != nil {
			return err
		}
		keyPEM, err := os.ReadFile(c.keyFile)
		if err != nil {
			return err
		}
		if cert, err = libssl.ParseX509PEM(certPEM); err != nil {
			return err
		}
		// The binding parses keys into an SSL: a spare one holds it.
		holder, err := libssl.New(ctx)
		if err != nil {
			return err
		}
		defer holder.Free()
		if err := holder.UsePrivateKeyPEM(keyPEM); err != nil {
			return err
		}
		key = holder.PrivateKey()
	}
	return ctx.SetClientCertCallback(func(*libssl.SSL) (*libssl.X509, *libssl.PKey) {
		if cert == nil || key == nil {
			return nil, nil
		}
		return cert, key
	})
}
