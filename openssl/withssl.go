package openssl

import libssl "github.com/libssl-go/libssl"

// WithSSL runs f on the Conn's SSL handle (the root package's mirror of the
// connection's SSL object) under the Conn's SSL lock, for what this
// package does not wrap: libssl's getters (SSL_get_peer_signature_nid,
// SSL_get_verify_result ...) and per-connection settings. The handle is
// borrowed: f must not keep it, free it, or do I/O on it (the Conn's pump
// owns the SSL's BIOs), and must not call methods of this Conn. WithSSL
// returns f's error, or net.ErrClosed once the Conn has freed its SSL.
func (c *Conn) WithSSL(f func(s *libssl.SSL) error) error {
	return c.withSSL(f)
}
