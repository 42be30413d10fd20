// Package openssl runs TLS connections through the system's libssl, with the
// shape of Go's crypto/tls: Client, Server, Dial, DialContext, Listen and
// NewListener return connections that implement net.Conn.
//
// It is written on top of the module's root package (libssl handles) and has
// no cgo of its own. Each Conn owns one SSL, which reaches the transport by
// one of two paths (Config.SocketIO), both with the same behaviour to the
// program (deadlines, Close, concurrent Read and Write, TLS 1.3 tickets,
// close_notify), and no Go callback runs on the data path:
//
//   - The socket, for a *net.TCPConn or a stream *net.UnixConn: libssl reads
//     and writes the descriptor itself (libssl.SSL.SetSocketBIO), one copy
//     of each byte as in a C program, and Go's netpoller decides when,
//     through syscall.RawConn: a Read whose SSL_read wants more parks its
//     goroutine until the socket is readable. A Write is one SSL_write per
//     64 KiB (libssl.SSL.SocketWrite); a Read is one SSL_read when there is
//     data to read, two when it must wait for the network (SSL_read, park,
//     SSL_read, as C with poll(2)). Writes never make libssl wait: what the
//     socket does not take at once waits, in order, in the socket BIO's
//     own buffer, which is freed whenever it empties, so that an idle Conn
//     holds no BIO memory.
//   - Memory BIOs, for any other net.Conn (net.Pipe, wrappers): the Conn
//     moves bytes between two memory BIOs and the net.Conn from Go. A Write
//     is one libssl.SSL.WriteAndDrain (SSL_write and the drain of the write
//     BIO) per 64 KiB and one transport write; a Read with data buffered is
//     one SSL_read, and one that must wait for the network two (the second,
//     libssl.SSL.FeedAndRead, feeds what the transport gave and reads). The
//     transport buffers come from pools, so an idle Conn holds none. A Read
//     blocked on the transport holds one read buffer: 2 KiB while reads are
//     small, 18 KiB (a whole record) once a transport read has filled the
//     small one, until a read fits in 2 KiB again.
//
// In steady state neither path allocates; make test-callcount holds these
// counts for both. Config.ReleaseBuffers (SSL_MODE_RELEASE_BUFFERS) lets
// libssl free a connection's record buffers between records.
//
// Secure defaults: a client verifies the server's chain (the system roots,
// or Config.RootCAs) and its host name or IP address (SSL_set1_host,
// X509_VERIFY_PARAM_set1_ip_asc) unless Config.InsecureSkipVerify is set;
// TLS 1.2 is the minimum version unless Config.MinVersion says otherwise; a
// server verifies client certificates against Config.ClientCAs only (each
// role has its own SSL_CTX, so neither RootCAs nor the system store vouch
// for clients unless Config.ClientCAsFromSystem); renegotiation is refused
// in both roles unless Config.AllowRenegotiation. A failed verification is a
// *CertificateVerificationError carrying the X509_V_ERR_* result. A Config
// that cannot work fails at first use with an error that starts with
// "openssl:" and names the field.
//
// State: Conn.ConnectionState returns crypto/tls's tls.ConnectionState, so
// that x/net/http2 and code written for *tls.Conn see it; Conn.OpenSSLState
// adds libssl's view (cipher name, verify result).
//
// HTTP: Transport is an http.RoundTripper over libssl that speaks HTTP/2 or
// HTTP/1.1 by ALPN and fills resp.TLS. Serve runs an http.Server on a
// Listen listener with HTTP/2 (x/net/http2) and HTTP/1.1; a plain
// http.Server.Serve(Listen(...)) serves HTTP/1.1. Handlers get the TLS state
// with RequestTLS(r) (set http.Server.ConnContext to ConnContext when not
// using Serve).
//
// TLS 1.3 session tickets: libssl's server writes its tickets (2 unless
// SSL_CTX_set_num_tickets says otherwise) in the last step of its
// handshake, and a C server on a socket sends them there and then. A
// server Conn has two timings:
//
//   - By default it keeps them and sends them with its next output (data,
//     an alert, close_notify). Its Handshake then never waits on a peer
//     that is not reading: over net.Pipe, which has no buffer, a write
//     returns only when the peer reads, and a crypto/tls client's Handshake
//     returns without reading the tickets (it reads them in Read); a client
//     that then only writes would wait for the server to read while the
//     server waits for it to read the tickets, for ever. And a client that
//     only writes and closes never leaves them unread (its kernel would
//     reset the connection and could destroy what it sent).
//   - With Config.SendTicketsAtHandshake it sends them as libssl does: the
//     server's Handshake returns once they have reached the transport, so
//     a client gets them before it sends anything, as from openssl
//     s_server; tlsfuzzer's test-tls13-count-tickets expects that. Over
//     net.Pipe the server's Handshake then needs a client that reads:
//     against one that only writes it waits until a deadline or the
//     HandshakeContext's context ends it with an error, and the Conn is
//     unusable.
//
// Sessions: Conn.Session returns the libssl session (the caller frees it),
// Conn.GetSession its DER, and DialSession or Conn.SetSession offer one for
// resumption. On a client both refuse a session that is not resumable yet:
// a TLS 1.3 session becomes resumable once the server's ticket has been
// read, which happens during Read (GetSession returns
// ErrSessionNotResumable before). A Config.ClientSessionCache stores, per
// server name, the sessions libssl reports resumable. Close sends
// close_notify first, so that libssl keeps the session resumable; a
// connection that ends without it is marked non-resumable by libssl,
// everywhere it is held.
//
// Errors: once a connection has failed (a fatal alert, a bad record, a
// reset, a truncation), every later Read, Write and Close returns that first
// failure, wrapped in a *FailedError that names the operation; errors.Is
// matches libssl.ErrUnexpectedEOF only for a truncation.
//
// Resumption never widens trust: a client offers a session only if its
// server would pass the Config's verification now (ErrSessionNotTrusted),
// each Config has its own session id context, and a server holds a
// resumed client to its ClientAuth.
//
// For users of github.com/spacemonkeygo/openssl, MIGRATING.md at the root of
// the module maps its API to this package.
package openssl
