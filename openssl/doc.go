// Package openssl runs TLS connections through the system's libssl, with the
// shape of Go's crypto/tls: Client, Server, Dial, DialContext, Listen and
// NewListener return connections that implement net.Conn.
//
// It is written on top of the module's root package (libssl handles) and has
// no cgo of its own. Each Conn owns one SSL with two memory BIOs; the Conn
// moves bytes between them and the net.Conn from Go, so that deadlines,
// net.Pipe and any other net.Conn work, and no Go callback runs on the data
// path: a read is one SSL_read, a write one SSL_write per 64 KiB, plus the
// BIO calls that move whole records in bulk into reused buffers.
//
// Secure defaults: a client verifies the server's chain (the system roots,
// or Config.RootCAs) and its host name or IP address (SSL_set1_host,
// X509_VERIFY_PARAM_set1_ip_asc) unless Config.InsecureSkipVerify is set;
// TLS 1.2 is the minimum version unless Config.MinVersion says otherwise.
// A failed verification is a *CertificateVerificationError carrying the
// X509_V_ERR_* result.
//
// Sessions: Conn.Session returns the libssl session (the caller frees it),
// Conn.GetSession its DER, and DialSession or Conn.SetSession offer one for
// resumption. A Config.ClientSessionCache stores, per server name, the
// sessions libssl reports resumable: for TLS 1.3 that is after the server's
// ticket has been read, which happens during Read. Close sends close_notify
// first, so that libssl keeps the session resumable; a connection that ends
// without it is marked non-resumable by libssl, everywhere it is held.
//
// For users of github.com/spacemonkeygo/openssl, MIGRATING.md at the root of
// the module maps its API to this package.
package openssl
