package conformance

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/sslpair"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// freer is anything with an idempotent Free.
type freer interface{ Free() }

// own registers f to be freed when the check ends, whatever happens; it
// returns f. Checks also free objects earlier where a step needs it: Free is
// idempotent.
func own[T freer](e *env, f T) T {
	e.cleanups = append(e.cleanups, f.Free)
	return f
}

// delta is the destruction probe now minus at the start of the check.
func (e *env) delta() libssl.Objects {
	now := libssl.LiveObjects()
	return libssl.Objects{SSL: now.SSL - e.base.SSL, Ctx: now.Ctx - e.base.Ctx, Session: now.Session - e.base.Session}
}

// ctxConfig describes a test context.
type ctxConfig struct {
	version  libssl.ProtocolVersion // min = max; 0 negotiates (TLS 1.3)
	noTicket bool                   // server: SSL_OP_NO_TICKET
	sidCtx   string                 // session id context; servers default to "sslconform"
	noCache  bool                   // client: no client-side session cache
}

// serverCtx makes a TLS_server_method context with the CA-signed leaf.
func serverCtx(e *env, cfg ctxConfig) *libssl.Ctx {
	return serverCtxMethod(e, libssl.TLSServerMethod, cfg)
}

func serverCtxMethod(e *env, m libssl.Method, cfg ctxConfig) *libssl.Ctx {
	cs := testcerts.Get()
	c, err := libssl.NewCtx(m)
	e.must("SSL_CTX_new(server)", err)
	own(e, c)
	e.must("server certificate", c.UseCertificatePEM(cs.LeafChain))
	e.must("server key", c.UsePrivateKeyPEM(cs.LeafKey))
	e.must("server check key", c.CheckPrivateKey())
	e.must("server min version", c.SetMinProtoVersion(cfg.version))
	e.must("server max version", c.SetMaxProtoVersion(cfg.version))
	if cfg.noTicket {
		e.must("server no ticket", c.SetOptions(libssl.OpNoTicket))
	}
	sid := cfg.sidCtx
	if sid == "" {
		sid = "sslconform"
	}
	e.must("server sid_ctx", c.SetSessionIDContext([]byte(sid)))
	return c
}

// clientCtx makes a TLS_client_method context that trusts the test CA,
// verifies the peer and caches its sessions on the client side.
func clientCtx(e *env, cfg ctxConfig) *libssl.Ctx {
	return clientCtxMethod(e, libssl.TLSClientMethod, cfg)
}

func clientCtxMethod(e *env, m libssl.Method, cfg ctxConfig) *libssl.Ctx {
	c, err := libssl.NewCtx(m)
	e.must("SSL_CTX_new(client)", err)
	own(e, c)
	e.must("client trust", c.AddTrustedCertPEM(testcerts.Get().CACert))
	e.must("client min version", c.SetMinProtoVersion(cfg.version))
	e.must("client max version", c.SetMaxProtoVersion(cfg.version))
	e.must("client verify", c.SetVerify(libssl.VerifyPeer, nil))
	mode := libssl.SessCacheClient
	if cfg.noCache {
		mode = libssl.SessCacheOff
	}
	e.must("client cache mode", c.SetSessionCacheMode(mode))
	if cfg.sidCtx != "" {
		e.must("client sid_ctx", c.SetSessionIDContext([]byte(cfg.sidCtx)))
	}
	return c
}

func newCtx(e *env, m libssl.Method) *libssl.Ctx {
	c, err := libssl.NewCtx(m)
	e.must("SSL_CTX_new", err)
	return own(e, c)
}

func newSSL(e *env, ctx *libssl.Ctx) *libssl.SSL {
	s, err := libssl.New(ctx)
	e.must("SSL_new", err)
	return own(e, s)
}

func dup(e *env, s *libssl.SSL) *libssl.SSL {
	d, err := s.Dup()
	e.must("SSL_dup", err)
	return own(e, d)
}

// newPair makes a connected client/server pair (roles set, BIOs given).
func newPair(e *env, cctx, sctx *libssl.Ctx) *sslpair.Pair {
	p, err := sslpair.New(cctx, sctx)
	e.must("pair", err)
	return own(e, p)
}

// wrapPair wires existing SSLs; the pair takes over the handles.
func wrapPair(e *env, c, s *libssl.SSL) *sslpair.Pair {
	p, err := sslpair.Wrap(c, s)
	e.must("pair", err)
	return own(e, p)
}

// session takes the SSL's current session (SSL_get1_session), or aborts.
func session(e *env, s *libssl.SSL) *libssl.Session {
	sess := s.Session()
	if sess == nil {
		e.fatalf("SSL_get1_session returned NULL")
	}
	return own(e, sess)
}

// connect runs a full handshake on a new pair; for TLS 1.3 it lets the client
// read the tickets, so that the client's session is resumable.
func connect(e *env, cctx, sctx *libssl.Ctx, readTickets bool) *sslpair.Pair {
	p := newPair(e, cctx, sctx)
	e.must("handshake", p.Handshake())
	if readTickets {
		e.must("read tickets", p.ReadTickets())
	}
	return p
}

// resumes reports whether a new client from cctx offering sess resumes it
// against sctx (SSL_session_reused after the handshake).
func resumes(e *env, cctx, sctx *libssl.Ctx, sess *libssl.Session) bool {
	p := newPair(e, cctx, sctx)
	e.must("SSL_set_session", p.Client.SetSession(sess))
	e.must("resumption handshake", p.Handshake())
	r := p.Client.SessionReused()
	p.Free()
	return r
}

// isolatedSession makes a resumable client session for version v and frees
// everything else (pair and contexts), so that the session is the only
// object left. The client context has no session cache: SSL_CTX_free
// flushes a cache and marks every session in it non-resumable.
func isolatedSession(e *env, v libssl.ProtocolVersion) *libssl.Session {
	sctx := serverCtx(e, ctxConfig{version: v})
	cctx := clientCtx(e, ctxConfig{version: v, noCache: true})
	p := connect(e, cctx, sctx, v != libssl.TLS1_2)
	sess := session(e, p.Client)
	e.must("shutdown", p.Shutdown())
	p.Free()
	sctx.Free()
	cctx.Free()
	if !sess.IsResumable() {
		e.fatalf("the setup session is not resumable")
	}
	return sess
}

// closeClient sends the client's close_notify (SSL_shutdown), so that the
// client's session is no longer open: freeing the client then keeps it
// resumable.
func closeClient(e *env, p *sslpair.Pair) {
	_, err := p.Client.Shutdown()
	e.must("SSL_shutdown(client)", err)
}

// wantRead reports whether err is the want-read outcome.
func wantRead(err error) bool { return errors.Is(err, libssl.ErrWantRead) }

// lastError returns the newest error-queue entry carried by err.
func lastError(e *env, err error) libssl.ErrorEntry {
	var le *libssl.Error
	if !errors.As(err, &le) {
		e.fatalf("error %v (%T) is not a *libssl.Error", err, err)
	}
	last, ok := le.Last()
	if !ok {
		e.fatalf("error %v carries no queue entry", err)
	}
	return last
}

// hasReason reports whether err carries an ERR_LIB_SSL entry with reason.
func hasReason(err error, reason int) bool {
	var le *libssl.Error
	return errors.As(err, &le) && le.HasReason(libssl.LibSSL, reason)
}

// settingsDiff names the Settings fields that differ between a and b,
// sorted and joined by ",".
func settingsDiff(a, b libssl.Settings) string {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	var names []string
	for i := 0; i < va.NumField(); i++ {
		if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			names = append(names, va.Type().Field(i).Name)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

// leafX509 parses the server's leaf certificate.
func leafX509(e *env) *libssl.X509 {
	x, err := libssl.ParseX509PEM(testcerts.Get().LeafCert)
	e.must("parse leaf", err)
	return own(e, x)
}

// hex formats a packed error code as CLAIMS.md writes it.
func hex(code uint64) string { return fmt.Sprintf("0x%08X", code) }

func versions() []libssl.ProtocolVersion {
	return []libssl.ProtocolVersion{libssl.TLS1_2, libssl.TLS1_3}
}

// vname is the prefix of per-version observation names.
func vname(v libssl.ProtocolVersion) string {
	if v == libssl.TLS1_2 {
		return "tls12_"
	}
	return "tls13_"
}
