package main

// The connections: one SSL_CTX per role for the whole run (so that the
// server's session cache and ticket keys and the client's sessions carry
// over to the resumptions), one openssl.Conn per connection.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"syscall"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/openssl"
)

// groupNames maps the TLS group code points the runner uses to OpenSSL's
// group names (SSL_CTX_set1_groups_list) and to the short names libssl
// reports for the negotiated group.
var groupNames = map[int]struct{ name, sn string }{
	21: {"P-224", "secp224r1"},
	23: {"P-256", "prime256v1"},
	24: {"P-384", "secp384r1"},
	25: {"P-521", "secp521r1"},
	29: {"X25519", "X25519"},
	30: {"X448", "X448"},
}

// checkImplemented refuses what the shim cannot do as asked: settings of
// the SSL_CTX that differ between the first connection and the
// resumptions (the context is shared), and group code points libssl has no
// name for here.
func checkImplemented(cs *configs) error {
	a, b := cs.initial, cs.resume
	if a.server != b.server || a.keyFile != b.keyFile || a.certFile != b.certFile ||
		a.minVersion != b.minVersion || a.maxVersion != b.maxVersion ||
		a.noTLS1 != b.noTLS1 || a.noTLS11 != b.noTLS11 || a.noTLS12 != b.noTLS12 || a.noTLS13 != b.noTLS13 ||
		a.cipher != b.cipher || fmt.Sprint(a.curves) != fmt.Sprint(b.curves) ||
		a.requireAnyClientCert != b.requireAnyClientCert || a.verifyPeer != b.verifyPeer ||
		a.noTicket != b.noTicket || a.selectALPN != b.selectALPN || a.declineALPN != b.declineALPN ||
		a.rejectALPN != b.rejectALPN || a.hostName != b.hostName || a.advertiseALPN != b.advertiseALPN ||
		fmt.Sprint(a.signingPrefs) != fmt.Sprint(b.signingPrefs) || fmt.Sprint(a.verifyPrefs) != fmt.Sprint(b.verifyPrefs) ||
		a.ocspResponse != b.ocspResponse || a.enableOCSPStapling != b.enableOCSPStapling ||
		a.dtls != b.dtls || a.tlsCtxFlags != b.tlsCtxFlags || a.expectServerName != b.expectServerName {
		return errUnimplemented{"context settings that differ on resumption"}
	}
	if err := checkTLSImplemented(&a); err != nil {
		return err
	}
	for _, id := range a.curves {
		if _, ok := groupNames[id]; !ok {
			return errUnimplemented{"-curves " + strconv.Itoa(id)}
		}
	}
	return nil
}

// parseALPNList splits the runner's ALPN list: length-prefixed names.
func parseALPNList(s string) ([]string, error) {
	var out []string
	for len(s) > 0 {
		n := int(s[0])
		if 1+n > len(s) {
			return nil, errors.New("malformed ALPN list")
		}
		out = append(out, s[1:1+n])
		s = s[1+n:]
	}
	return out, nil
}

// newCtx builds the SSL_CTX of the run from the first connection's setting.
func newCtx(c *config) (*libssl.Ctx, error) {
	method, defaultMin := protocolOf(c)
	ctx, err := libssl.NewCtx(method)
	if err != nil {
		return nil, err
	}
	// BoringSSL's shim speaks TLS 1.0 to 1.3 with SHA-1 signatures: libssl's
	// security level 0 allows them.
	if err := ctx.SetSecurityLevel(0); err != nil {
		return nil, err
	}
	if c.minVersion != 0 {
		if err := ctx.SetMinProtoVersion(libssl.ProtocolVersion(c.minVersion)); err != nil {
			return nil, errUnimplemented{"-min-version " + strconv.Itoa(c.minVersion)}
		}
	} else if err := ctx.SetMinProtoVersion(defaultMin); err != nil {
		return nil, err
	}
	if c.maxVersion != 0 {
		if err := ctx.SetMaxProtoVersion(libssl.ProtocolVersion(c.maxVersion)); err != nil {
			return nil, errUnimplemented{"-max-version " + strconv.Itoa(c.maxVersion)}
		}
	}
	var opts libssl.Options
	for _, o := range []struct {
		on  bool
		opt libssl.Options
	}{{c.noTLS1, libssl.OpNoTLSv1}, {c.noTLS11, libssl.OpNoTLSv1_1}, {c.noTLS12, libssl.OpNoTLSv1_2}, {c.noTLS13, libssl.OpNoTLSv1_3}, {c.noTicket, libssl.OpNoTicket}} {
		if o.on {
			opts |= o.opt
		}
	}
	// BoringSSL's defaults, which the runner's tests assume: no
	// renegotiation unless -renegotiate-freely (which renegotiates with
	// full handshakes), and a client connects to a server that sends no
	// renegotiation_info extension.
	if c.renegotiateFreely {
		opts |= libssl.OpNoSessionResumptionOnRenegotiation
	} else {
		opts |= libssl.OpNoRenegotiation | libssl.OpLegacyServerConnect
	}
	if opts != 0 {
		if err := ctx.SetOptions(opts); err != nil {
			return nil, err
		}
	}
	// A server told which name to expect acknowledges it from a servername
	// callback, as a server that serves names does (libssl acknowledges
	// server_name only when a callback accepted it).
	if want := c.expectServerName; c.server && want != "" {
		if err := ctx.SetServerNameCallback(func(s *libssl.SSL) libssl.TLSExtResult {
			if got := s.ServerName(); got != want {
				fmt.Fprintf(os.Stderr, "server name %q in the ClientHello, want %q\n", got, want)
				return libssl.TLSExtAlertFatal
			}
			return libssl.TLSExtOK
		}); err != nil {
			return nil, err
		}
	}
	if c.useOldClientCertCallback {
		if err := setOldClientCertCallback(ctx, c); err != nil {
			return nil, err
		}
	} else if c.certFile != "" {
		if err := ctx.UseCertificateChainFile(c.certFile); err != nil {
			return nil, err
		}
	}
	if c.keyFile != "" && !c.useOldClientCertCallback {
		if err := ctx.UsePrivateKeyFile(c.keyFile); err != nil {
			return nil, err
		}
	}
	if c.cipher != "" {
		if err := ctx.SetCipherList(c.cipher); err != nil {
			return nil, errUnimplemented{"-cipher " + c.cipher}
		}
	}
	if len(c.curves) > 0 {
		list := ""
		for i, id := range c.curves {
			if i > 0 {
				list += ":"
			}
			list += groupNames[id].name
		}
		if err := ctx.SetGroupsList(list); err != nil {
			return nil, errUnimplemented{"-curves " + list}
		}
	}
	if err := setSigalgs(ctx, c); err != nil {
		return nil, err
	}
	if err := setOCSP(ctx, c); err != nil {
		return nil, err
	}
	if err := setSRTP(ctx, c); err != nil {
		return nil, err
	}
	if err := setNPN(ctx, c); err != nil {
		return nil, err
	}
	if err := setPSK(ctx, c); err != nil {
		return nil, err
	}
	if err := setHooks(ctx, c); err != nil {
		return nil, err
	}
	if err := setTicketCallback(ctx, c); err != nil {
		return nil, err
	}
	// The shim checks no chain (BoringSSL's shim accepts every peer
	// certificate unless told to fail): the certificate-verify callback
	// replaces X509_verify_cert.
	verifyFail := c.verifyFail
	if err := ctx.SetCertVerifyCallback(func(*libssl.SSL, *libssl.VerifyContext) bool { return !verifyFail }); err != nil {
		return nil, err
	}
	// A client checks the server's chain but goes on after a failed check
	// unless -verify-peer (SSL_VERIFY_NONE still runs the callback and
	// records its result, as BoringSSL's shim's client does).
	mode := libssl.VerifyNone
	if c.verifyPeer {
		mode = libssl.VerifyPeer
	}
	if c.server {
		switch {
		case c.requireAnyClientCert:
			mode = libssl.VerifyPeer | libssl.VerifyFailIfNoPeerCert
		case c.verifyPeer:
			mode = libssl.VerifyPeer
		default:
			mode = libssl.VerifyNone
		}
		if err := ctx.SetSessionIDContext([]byte("bogo")); err != nil {
			return nil, err
		}
	}
	if err := ctx.SetVerify(mode, nil); err != nil {
		return nil, err
	}
	if !c.server && c.advertiseALPN != "" {
		protos, err := parseALPNList(c.advertiseALPN)
		if err != nil {
			return nil, err
		}
		if err := ctx.SetALPNProtos(protos); err != nil {
			return nil, err
		}
	}
	if c.server {
		if err := setServerALPN(ctx, c); err != nil {
			return nil, err
		}
	}
	return ctx, nil
}

// setServerALPN sets the server's ALPN choice: -select-alpn picks one name
// when offered, -reject-alpn fails the handshake, -decline-alpn (or
// nothing) selects none.
func setServerALPN(ctx *libssl.Ctx, c *config) error {
	switch {
	case c.rejectALPN:
		return ctx.SetALPNSelect([]string{"\x00unnegotiable"}, true)
	case c.selectALPN != "":
		return ctx.SetALPNSelect([]string{c.selectALPN}, false)
	}
	return nil
}

// runConnections makes the first connection and -resume-count resumptions.
func runConnections(cs *configs) error {
	first := &cs.initial
	ctx, err := newCtx(first)
	if err != nil {
		return err
	}
	cfg := &openssl.Config{Ctx: ctx, InsecureSkipVerify: true, ServerName: first.hostName}
	if !first.server {
		cfg.ClientSessionCache = openssl.NewLRUClientSessionCache(4)
	}
	for i := 0; i <= first.resumeCount; i++ {
		if err := runConnection(cs.forConn(i), cfg, i > 0); err != nil {
			return err
		}
	}
	return nil
}

// runConnection dials the runner, sends the shim id and runs one TLS
// connection to its end.
func runConnection(c *config, cfg *openssl.Config, isResume bool) error {
	host := "127.0.0.1"
	if c.ipv6 {
		host = "::1"
	}
	raw, err := net.Dial("tcp", net.JoinHostPort(host, strconv.Itoa(c.port)))
	if err != nil {
		return err
	}
	tcp := raw.(*net.TCPConn)
	defer tcp.Close()
	var id [8]byte
	binary.LittleEndian.PutUint64(id[:], c.shimID)
	if _, err := tcp.Write(id[:]); err != nil {
		return err
	}
	var transport net.Conn = tcp
	if c.async {
		transport = oneByteReader{tcp}
	}
	var conn *openssl.Conn
	if c.server {
		conn, err = openssl.Server(transport, cfg)
	} else {
		conn, err = openssl.Client(transport, cfg)
	}
	if err != nil {
		return err
	}
	if err := exchange(conn, c, isResume); err != nil {
		orderlyShutdown(tcp)
		return err
	}
	return nil
}

// orderlyShutdown ends the shim's side of the TCP connection after a
// failure and reads what the runner still sends, so that the runner reads
// the shim's alert rather than a reset.
func orderlyShutdown(tcp *net.TCPConn) {
	_ = tcp.CloseWrite()
	_, _ = io.Copy(io.Discard, tcp)
}

// exchange runs the handshake, the checks the flags ask for, and the echo
// loop.
func exchange(conn *openssl.Conn, c *config, isResume bool) error {
	// With -implicit-handshake the first Write or Read runs the handshake;
	// the checks then come after it. What needs the handshake's keys
	// (exported keying material, tls-unique) runs it explicitly.
	checked := false
	check := func() error {
		if checked {
			return nil
		}
		checked = true
		return conn.WithSSL(func(s *libssl.SSL) error { return checkHandshake(s, c, isResume) })
	}
	if !c.implicitHandshake || c.exportKeyingMaterial > 0 || c.tlsUnique {
		if err := conn.Handshake(); err != nil {
			return err
		}
		if err := check(); err != nil {
			return err
		}
	}
	st := conn.OpenSSLState()
	if c.exportKeyingMaterial > 0 {
		var context []byte
		if c.useExportContext {
			context = []byte(c.exportContext)
		}
		ekm, err := st.ExportKeyingMaterial(c.exportLabel, context, c.exportKeyingMaterial)
		if err != nil {
			return err
		}
		if _, err := conn.Write(ekm); err != nil {
			return err
		}
	}
	if c.tlsUnique {
		if _, err := conn.Write(st.TLSUnique); err != nil {
			return err
		}
	}
	if c.shimWritesFirst {
		if _, err := conn.Write([]byte("hello")); err != nil {
			return err
		}
		if err := check(); err != nil {
			return err
		}
	}
	if c.shimShutsDown {
		if !checked {
			if err := conn.Handshake(); err != nil {
				return err
			}
			if err := check(); err != nil {
				return err
			}
		}
		if err := conn.CloseWrite(); err != nil {
			return err
		}
		return readToEnd(conn, c)
	}
	buf := make([]byte, 16384)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			if err == io.EOF {
				if err := checkAtEnd(conn, c); err != nil {
					return err
				}
				_ = conn.Close()
				return nil
			}
			if !c.checkCloseNotify && errors.Is(err, io.ErrUnexpectedEOF) {
				return nil
			}
			return err
		}
		if err := check(); err != nil {
			return err
		}
		for i := range buf[:n] {
			buf[i] ^= 0xff
		}
		if _, err := conn.Write(buf[:n]); err != nil {
			return err
		}
	}
}

// readToEnd reads after the shim's close_notify until the peer's.
func readToEnd(conn *openssl.Conn, c *config) error {
	buf := make([]byte, 16384)
	for {
		_, err := conn.Read(buf)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			// An unclean end is ignored unless -check-close-notify: the
			// peer's TCP close without close_notify, or its reset, which
			// its kernel sends when our close_notify reaches a socket it
			// has already closed.
			if !c.checkCloseNotify && (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)) {
				return nil
			}
			return err
		}
	}
}

// checkHandshake compares the completed handshake with the flags'
// expectations. It reads the SSL itself, so that the TLS path (through
// openssl.Conn.WithSSL) and the DTLS path share it.
func checkHandshake(s *libssl.SSL, c *config, isResume bool) error {
	if reused := s.SessionReused(); isResume && reused == c.expectSessionMiss {
		if reused {
			return errors.New("session unexpectedly was reused")
		}
		return errors.New("session unexpectedly was not reused")
	}
	if v := int(s.Version()); c.expectVersion != 0 && v != c.expectVersion {
		return fmt.Errorf("negotiated version %#x, want %#x", v, c.expectVersion)
	}
	alpn := s.ALPNSelected()
	if c.expectALPN != "" && alpn != c.expectALPN {
		return fmt.Errorf("negotiated ALPN %q, want %q", alpn, c.expectALPN)
	}
	if c.declineALPN && alpn != "" {
		return fmt.Errorf("negotiated ALPN %q after declining", alpn)
	}
	if name := s.ServerName(); c.expectServerName != "" && name != c.expectServerName {
		return fmt.Errorf("server name %q, want %q", name, c.expectServerName)
	}
	if vr := s.VerifyResult(); c.expectVerifyResult && (vr == 0) == c.verifyFail {
		return fmt.Errorf("verify result %d with -verify-fail %v", vr, c.verifyFail)
	}
	if c.expectPeerSigalg != 0 {
		if got := peerSigalg(s); got != c.expectPeerSigalg {
			return fmt.Errorf("peer signature algorithm %#04x, want %#04x (resumption: %v)", got, c.expectPeerSigalg, isResume)
		}
	}
	if c.expectOCSPResponse != "" {
		if got := s.OCSPResponse(); string(got) != c.expectOCSPResponse {
			return fmt.Errorf("OCSP response %x, want %x (resumption: %v)", got, c.expectOCSPResponse, isResume)
		}
	}
	if c.expectCurveID != 0 {
		want, ok := groupNames[c.expectCurveID]
		if !ok {
			return fmt.Errorf("-expect-curve-id %d: no group of that code point", c.expectCurveID)
		}
		// SSL_get_negotiated_group, as a C program asks it (it also answers
		// a TLS 1.2 resumption with the session's group); before 3.0, which
		// lacks it, the group of the key exchange's key.
		if id, ok := s.NegotiatedGroupID(); ok {
			if wantNID := libssl.ObjectNID(want.sn); id != wantNID {
				return fmt.Errorf("negotiated group NID %d, want %d (%s)", id, wantNID, want.sn)
			}
		} else if _, group := s.NegotiatedGroup(); want.sn != group {
			return fmt.Errorf("negotiated group %q, want code point %d", group, c.expectCurveID)
		}
	}
	return checkTLSFlags(s, c, isResume)
}

// oneByteReader is the transport of an -async connection: each Read gives
// at most one byte, so that libssl meets a want-read at every step of the
// handshake and of each record (the pump feeds the memory BIO what each
// transport read gave), as BoringSSL's shim does with its async BIO.
type oneByteReader struct{ *net.TCPConn }

func (r oneByteReader) Read(b []byte) (int, error) {
	if len(b) > 1 {
		b = b[:1]
	}
	return r.TCPConn.Read(b)
}
