package conformance

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/sslpair"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// TestInheritance checks that the callbacks riding on an SSL_CTX or an SSL
// follow libssl's own rules when the SSL is made (SSL_new), copied (SSL_dup)
// or moved (SSL_set_SSL_CTX), and when the context's callback changes
// afterwards. The C program cref/inherit.c performs each case's steps with
// libssl directly and reports which callbacks ran, whether the handshake
// succeeded and (for ALPN) what the server selected; the Go side performs the
// same steps through the Go API and must observe the same, compared with
// go-cmp.
//
// In every verify case the client trusts nothing, so the handshake succeeds
// only if a verify callback runs and accepts (cb1 and cb2 both accept).
func TestInheritance(t *testing.T) {
	fromC := runInheritRef(t)
	ids := make([]string, 0, len(fromC))
	for id := range fromC {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if len(ids) < 15 {
		t.Fatalf("inherit.c reported %d cases, want at least 15", len(ids))
	}
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			run, ok := inhCases[id]
			if !ok {
				t.Fatalf("no Go steps for the C case %s", id)
			}
			// Every object of the case is released once its holders are
			// (this cleanup runs after the case's own).
			before := libssl.LiveObjects()
			t.Cleanup(func() {
				if after := libssl.LiveObjects(); after != before {
					t.Errorf("destruction probe: %+v live before the case, %+v after", before, after)
				}
			})
			got := run(t)
			if d := cmp.Diff(fromC[id], got); d != "" {
				t.Errorf("%s: C and Go differ (-C +Go):\n%s", id, d)
			}
		})
	}
}

// runInheritRef builds cref/inherit.c with the run's CC, CGO_CFLAGS and
// CGO_LDFLAGS (so that it links the libssl the Go package links), runs it
// with the test certificate and key, and returns its observations.
func runInheritRef(t *testing.T) map[string]map[string]string {
	t.Helper()
	dir := t.TempDir()
	bin := buildCRef(t, dir, "inherit")
	cs := testcerts.Get()
	chain, key := filepath.Join(dir, "chain.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(chain, cs.LeafChain, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, cs.LeafKey, 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, chain, key)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("inherit: %v\n%s", err, stderr.String())
	}
	t.Logf("%s", strings.TrimSpace(stderr.String()))
	if want := libssl.RuntimeVersionText(); !strings.Contains(stderr.String(), "runtime "+want) {
		t.Fatalf("inherit ran against another libssl than the Go package (%s): %s", want, stderr.String())
	}
	var fromC map[string]map[string]string
	if err := json.Unmarshal(stdout.Bytes(), &fromC); err != nil {
		t.Fatalf("inherit output is not JSON: %v\n%s", err, stdout.String())
	}
	return fromC
}

// inhRan records which callbacks ran, in the order of their first call.
type inhRan []string

func (r *inhRan) note(name string) {
	for _, n := range *r {
		if n == name {
			return
		}
	}
	*r = append(*r, name)
}

func (r inhRan) String() string {
	if len(r) == 0 {
		return "none"
	}
	return strings.Join(r, ",")
}

func (r *inhRan) verify(name string) libssl.VerifyCallback {
	return func(bool, *libssl.VerifyContext) bool { r.note(name); return true }
}

func (r *inhRan) info(name string) libssl.InfoCallback {
	return func(int, int) { r.note(name) }
}

// ctxInfoSetter is SSL_CTX_set_info_callback on a Ctx, which the Go API does
// not have yet; the cases that need it run once it does.
type ctxInfoSetter interface {
	SetInfoCallback(cb libssl.InfoCallback) error
}

func inhMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func inhServerCtx(t *testing.T) *libssl.Ctx {
	t.Helper()
	cs := testcerts.Get()
	c, err := libssl.NewCtx(libssl.TLSServerMethod)
	inhMust(t, err)
	t.Cleanup(c.Free)
	inhMust(t, c.UseCertificatePEM(cs.LeafChain))
	inhMust(t, c.UsePrivateKeyPEM(cs.LeafKey))
	return c
}

// inhClientCtx is a client context that trusts nothing.
func inhClientCtx(t *testing.T) *libssl.Ctx {
	t.Helper()
	c, err := libssl.NewCtx(libssl.TLSClientMethod)
	inhMust(t, err)
	t.Cleanup(c.Free)
	return c
}

func inhNew(t *testing.T, ctx *libssl.Ctx) *libssl.SSL {
	t.Helper()
	s, err := libssl.New(ctx)
	inhMust(t, err)
	return s
}

// inhHandshake connects client c to server s over fresh memory BIOs, frees
// both when the test ends, and reports whether both handshakes completed.
func inhHandshake(t *testing.T, c, s *libssl.SSL) bool {
	t.Helper()
	inhMust(t, c.SetConnectState())
	inhMust(t, s.SetAcceptState())
	p, err := sslpair.Wrap(c, s)
	inhMust(t, err)
	defer p.Free()
	return p.Handshake() == nil
}

func inhResult(ran inhRan, ok bool) map[string]string {
	r := map[string]string{"ran": ran.String(), "handshake": "fail"}
	if ok {
		r["handshake"] = "ok"
	}
	return r
}

// inhVerify builds a verify case: steps makes the client SSL from a client
// context that trusts nothing; the SSL then connects to a fresh server.
func inhVerify(steps func(t *testing.T, r *inhRan, cctx *libssl.Ctx) *libssl.SSL) func(t *testing.T) map[string]string {
	return func(t *testing.T) map[string]string {
		var ran inhRan
		sctx, cctx := inhServerCtx(t), inhClientCtx(t)
		c := steps(t, &ran, cctx)
		ok := inhHandshake(t, c, inhNew(t, sctx))
		return inhResult(ran, ok)
	}
}

// inhInfo builds an info case.
func inhInfo(steps func(t *testing.T, r *inhRan, cctx *libssl.Ctx) *libssl.SSL) func(t *testing.T) map[string]string {
	return func(t *testing.T) map[string]string {
		var ran inhRan
		sctx, cctx := inhServerCtx(t), inhClientCtx(t)
		c := steps(t, &ran, cctx)
		ok := inhHandshake(t, c, inhNew(t, sctx))
		return inhResult(ran, ok)
	}
}

// ctxInfo returns c's SSL_CTX_set_info_callback (Ctx.SetInfoCallback).
func ctxInfo(t *testing.T, c *libssl.Ctx) ctxInfoSetter {
	t.Helper()
	return c
}

// inhALPN builds an ALPN case: the client offers a and b; steps makes the
// server SSL from sctx; the observation adds what the server selected.
func inhALPN(steps func(t *testing.T, sctx *libssl.Ctx) *libssl.SSL) func(t *testing.T) map[string]string {
	return func(t *testing.T) map[string]string {
		sctx, cctx := inhServerCtx(t), inhClientCtx(t)
		c := inhNew(t, cctx)
		inhMust(t, c.SetALPNProtos([]string{"a", "b"}))
		s := steps(t, sctx)
		keep, err := s.UpRef()
		inhMust(t, err)
		defer keep.Free()
		ok := inhHandshake(t, c, s)
		r := inhResult(nil, ok)
		r["alpn"] = keep.ALPNSelected()
		if r["alpn"] == "" {
			r["alpn"] = "none"
		}
		return r
	}
}

// inhUser builds a user-data case: steps returns the SSL to read the value
// set with SetUserData (SSL_set_ex_data) from.
func inhUser(steps func(t *testing.T, cctx *libssl.Ctx, d *libssl.SSL) *libssl.SSL) func(t *testing.T) map[string]string {
	return func(t *testing.T) map[string]string {
		cctx := inhClientCtx(t)
		d := inhNew(t, cctx)
		inhMust(t, d.SetUserData("v1"))
		c := steps(t, cctx, d)
		defer c.Free()
		got, _ := c.UserData().(string)
		if got == "" {
			got = "none"
		}
		return map[string]string{"userdata": got}
	}
}

// inhIdent builds an identity case: steps returns the SSL and the context
// to compare its verify callback with (SSL.VerifyCallbackFrom).
func inhIdent(steps func(t *testing.T, r *inhRan, cctx, cctx2 *libssl.Ctx) (*libssl.SSL, *libssl.Ctx)) func(t *testing.T) map[string]string {
	return func(t *testing.T) map[string]string {
		var ran inhRan
		c, against := steps(t, &ran, inhClientCtx(t), inhClientCtx(t))
		defer c.Free()
		if c.VerifyCallbackFrom(against) {
			return map[string]string{"same": "yes"}
		}
		return map[string]string{"same": "no"}
	}
}

// inhExtCacheServer is inherit.c's ext_cache_server: TLS 1.2, no tickets,
// sessions only in an external cache.
func inhExtCacheServer(t *testing.T) *libssl.Ctx {
	t.Helper()
	c := inhServerCtx(t)
	inhMust(t, c.SetMaxProtoVersion(libssl.TLS1_2))
	inhMust(t, c.SetOptions(libssl.OpNoTicket))
	inhMust(t, c.SetSessionCacheMode(libssl.SessCacheServer|libssl.SessCacheNoInternal))
	inhMust(t, c.SetSessionIDContext([]byte("inherit")))
	return c
}

// inhConnectClose connects c and s, shuts both down cleanly, frees them,
// and reports whether the handshake completed and the server resumed.
func inhConnectClose(t *testing.T, c, s *libssl.SSL, keep func(p *sslpair.Pair)) (ok, reused bool) {
	t.Helper()
	inhMust(t, c.SetConnectState())
	inhMust(t, s.SetAcceptState())
	p, err := sslpair.Wrap(c, s)
	inhMust(t, err)
	defer p.Free()
	ok = p.Handshake() == nil
	reused = p.Server.SessionReused()
	if keep != nil {
		keep(p)
	}
	_ = p.Shutdown()
	return ok, reused
}

// inhSessGet builds a session-lookup case: a first handshake stores the
// server's session; steps sets up the server SSL given the lookup
// callbacks get1 and get2, which return the stored session.
func inhSessGet(steps func(t *testing.T, sctx *libssl.Ctx, get func(name string, copy bool) libssl.SessionGetCallback) *libssl.SSL) func(t *testing.T) map[string]string {
	return func(t *testing.T) map[string]string {
		var ran inhRan
		sctx, cctx := inhExtCacheServer(t), inhClientCtx(t)
		var csess, stored *libssl.Session
		ok, _ := inhConnectClose(t, inhNew(t, cctx), inhNew(t, sctx), func(p *sslpair.Pair) {
			csess, stored = p.Client.Session(), p.Server.Session()
		})
		if !ok || csess == nil || stored == nil {
			t.Fatal("first handshake")
		}
		defer csess.Free()
		defer stored.Free()
		get := func(name string, copy bool) libssl.SessionGetCallback {
			return func(_ *libssl.SSL, id []byte) (*libssl.Session, bool) {
				ran.note(name)
				if !bytes.Equal(id, stored.ID()) {
					return nil, true
				}
				if !copy {
					// A reference of the callback's own, handed over.
					up, err := stored.UpRef()
					inhMust(t, err)
					return up, false
				}
				return stored, true
			}
		}
		s := steps(t, sctx, get)
		c := inhNew(t, cctx)
		inhMust(t, c.SetSession(csess))
		ok, reused := inhConnectClose(t, c, s, nil)
		r := inhResult(ran, ok)
		r["reused"] = map[bool]string{true: "yes", false: "no"}[reused]
		return r
	}
}

// inhHello builds a ClientHello-callback case.
func inhHello(steps func(t *testing.T, sctx *libssl.Ctx, hello func(name string) libssl.ClientHelloCallback) *libssl.SSL) func(t *testing.T) map[string]string {
	return func(t *testing.T) map[string]string {
		var ran inhRan
		sctx, cctx := inhServerCtx(t), inhClientCtx(t)
		hello := func(name string) libssl.ClientHelloCallback {
			return func(*libssl.SSL, *int) libssl.ClientHelloResult { ran.note(name); return libssl.ClientHelloSuccess }
		}
		s := steps(t, sctx, hello)
		ok := inhHandshake(t, inhNew(t, cctx), s)
		return inhResult(ran, ok)
	}
}

// inhMethodName is inherit.c's method_name for the Go Method values: the
// method of TLS 1.3, which no public constructor returns, is "internal", or
// "internal(shared)" when the other role runs the same object (SameMethod,
// the pointer comparison inherit.c makes; other is nil after SSL_clear).
// From OpenSSL 4.0 the headers declare no version-specific constructor, so
// inherit.c names none of those methods and neither does this.
func inhMethodName(s, other *libssl.SSL) string {
	m := s.Method()
	switch {
	case m == libssl.TLS1_3Method && s.SameMethod(other):
		return "internal(shared)"
	case m == libssl.TLS1_3Method:
		return "internal"
	case libssl.RuntimeVersion() >= 0x40000000 && m != libssl.TLSMethod && m != libssl.TLSClientMethod && m != libssl.TLSServerMethod:
		return "internal"
	}
	return m.String()
}

// inhMethod builds a method case: SSL.Method after a handshake at version
// v, and after SSL_clear.
func inhMethod(v libssl.ProtocolVersion) func(t *testing.T) map[string]string {
	return func(t *testing.T) map[string]string {
		sctx, cctx := inhServerCtx(t), inhClientCtx(t)
		inhMust(t, cctx.SetMaxProtoVersion(v))
		c, s := inhNew(t, cctx), inhNew(t, sctx)
		inhMust(t, c.SetMaxProtoVersion(v))
		inhMust(t, c.SetConnectState())
		inhMust(t, s.SetAcceptState())
		p, err := sslpair.Wrap(c, s)
		inhMust(t, err)
		defer p.Free()
		inhMust(t, p.Handshake())
		r := map[string]string{"client": inhMethodName(c, s), "server": inhMethodName(s, c)}
		inhMust(t, c.Clear())
		r["client_after_clear"] = inhMethodName(c, nil)
		return r
	}
}

// inhCtxFree builds a ctxfree case: a held session of a caching client
// context, before and after the context is freed, and whether another
// context's client resumes with it.
func inhCtxFree(v libssl.ProtocolVersion) func(t *testing.T) map[string]string {
	yes := map[bool]string{true: "yes", false: "no"}
	return func(t *testing.T) map[string]string {
		sctx, cctx, cctx2 := inhServerCtx(t), inhClientCtx(t), inhClientCtx(t)
		inhMust(t, cctx.SetSessionCacheMode(libssl.SessCacheClient))
		inhMust(t, sctx.SetSessionIDContext([]byte("inherit")))
		c := inhNew(t, cctx)
		inhMust(t, c.SetMaxProtoVersion(v))
		var sess *libssl.Session
		ok, _ := inhConnectClose(t, c, inhNew(t, sctx), func(p *sslpair.Pair) {
			inhMust(t, p.ReadTickets())
			sess = p.Client.Session()
		})
		if !ok || sess == nil {
			t.Fatal("first handshake")
		}
		defer sess.Free()
		before := sess.IsResumable()
		cctx.Free()
		after := sess.IsResumable()
		c2 := inhNew(t, cctx2)
		inhMust(t, c2.SetSession(sess))
		var resumed bool
		inhConnectClose(t, c2, inhNew(t, sctx), func(p *sslpair.Pair) { resumed = p.Client.SessionReused() })
		return map[string]string{"before": yes[before], "after": yes[after], "resumed": yes[resumed]}
	}
}

// inhCases are the Go steps of each case of cref/inherit.c, by its id.
var inhCases = map[string]func(t *testing.T) map[string]string{
	"ident_new": inhIdent(func(t *testing.T, r *inhRan, cctx, _ *libssl.Ctx) (*libssl.SSL, *libssl.Ctx) {
		inhMust(t, cctx.SetVerify(libssl.VerifyPeer, r.verify("cb1")))
		return inhNew(t, cctx), cctx
	}),
	"ident_ctx_changed": inhIdent(func(t *testing.T, r *inhRan, cctx, _ *libssl.Ctx) (*libssl.SSL, *libssl.Ctx) {
		inhMust(t, cctx.SetVerify(libssl.VerifyPeer, r.verify("cb1")))
		c := inhNew(t, cctx)
		inhMust(t, cctx.SetVerify(libssl.VerifyPeer, r.verify("cb2")))
		return c, cctx
	}),
	"ident_ssl_set": inhIdent(func(t *testing.T, r *inhRan, cctx, _ *libssl.Ctx) (*libssl.SSL, *libssl.Ctx) {
		inhMust(t, cctx.SetVerify(libssl.VerifyPeer, r.verify("cb1")))
		c := inhNew(t, cctx)
		inhMust(t, c.SetVerify(libssl.VerifyPeer, r.verify("cb2")))
		return c, cctx
	}),
	"ident_set_ssl_ctx_new_ctx": inhIdent(func(t *testing.T, r *inhRan, cctx, cctx2 *libssl.Ctx) (*libssl.SSL, *libssl.Ctx) {
		inhMust(t, cctx.SetVerify(libssl.VerifyPeer, r.verify("cb1")))
		c := inhNew(t, cctx)
		inhMust(t, cctx2.SetVerify(libssl.VerifyPeer, r.verify("cb2")))
		inhMust(t, c.SetSSLCtx(cctx2))
		return c, cctx2
	}),
	"ident_set_ssl_ctx_old_ctx": inhIdent(func(t *testing.T, r *inhRan, cctx, cctx2 *libssl.Ctx) (*libssl.SSL, *libssl.Ctx) {
		inhMust(t, cctx.SetVerify(libssl.VerifyPeer, r.verify("cb1")))
		c := inhNew(t, cctx)
		inhMust(t, cctx2.SetVerify(libssl.VerifyPeer, r.verify("cb2")))
		inhMust(t, c.SetSSLCtx(cctx2))
		return c, cctx
	}),
	"ident_dup": inhIdent(func(t *testing.T, r *inhRan, cctx, _ *libssl.Ctx) (*libssl.SSL, *libssl.Ctx) {
		inhMust(t, cctx.SetVerify(libssl.VerifyPeer, r.verify("cb1")))
		d := inhNew(t, cctx)
		defer d.Free()
		c, err := d.Dup()
		inhMust(t, err)
		return c, cctx
	}),
	"ident_none": inhIdent(func(t *testing.T, r *inhRan, cctx, _ *libssl.Ctx) (*libssl.SSL, *libssl.Ctx) {
		return inhNew(t, cctx), cctx
	}),
	"ident_ctx_cleared": inhIdent(func(t *testing.T, r *inhRan, cctx, _ *libssl.Ctx) (*libssl.SSL, *libssl.Ctx) {
		inhMust(t, cctx.SetVerify(libssl.VerifyPeer, r.verify("cb1")))
		c := inhNew(t, cctx)
		inhMust(t, cctx.SetVerify(libssl.VerifyPeer, nil))
		return c, cctx
	}),
	"ident_ssl_set_null": inhIdent(func(t *testing.T, r *inhRan, cctx, _ *libssl.Ctx) (*libssl.SSL, *libssl.Ctx) {
		inhMust(t, cctx.SetVerify(libssl.VerifyPeer, r.verify("cb1")))
		c := inhNew(t, cctx)
		inhMust(t, c.SetVerify(libssl.VerifyPeer, nil))
		return c, cctx
	}),
	"sessget_ctx_changed": inhSessGet(func(t *testing.T, sctx *libssl.Ctx, get func(string, bool) libssl.SessionGetCallback) *libssl.SSL {
		inhMust(t, sctx.SetSessionGetCallback(get("get1", true)))
		s := inhNew(t, sctx)
		inhMust(t, sctx.SetSessionGetCallback(get("get2", true)))
		return s
	}),
	"sessget_set_ssl_ctx": inhSessGet(func(t *testing.T, sctx *libssl.Ctx, get func(string, bool) libssl.SessionGetCallback) *libssl.SSL {
		inhMust(t, sctx.SetSessionGetCallback(get("get1", true)))
		s := inhNew(t, sctx)
		sctx2 := inhExtCacheServer(t)
		inhMust(t, sctx2.SetSessionGetCallback(get("get2", true)))
		inhMust(t, s.SetSSLCtx(sctx2))
		return s
	}),
	"sessget_dup": inhSessGet(func(t *testing.T, sctx *libssl.Ctx, get func(string, bool) libssl.SessionGetCallback) *libssl.SSL {
		inhMust(t, sctx.SetSessionGetCallback(get("get1", true)))
		o := inhNew(t, sctx)
		defer o.Free()
		s, err := o.Dup()
		inhMust(t, err)
		inhMust(t, sctx.SetSessionGetCallback(get("get2", true)))
		return s
	}),
	"sessget_copy0": inhSessGet(func(t *testing.T, sctx *libssl.Ctx, get func(string, bool) libssl.SessionGetCallback) *libssl.SSL {
		inhMust(t, sctx.SetSessionGetCallback(get("get1", false)))
		return inhNew(t, sctx)
	}),
	"hello_ctx_changed": inhHello(func(t *testing.T, sctx *libssl.Ctx, hello func(string) libssl.ClientHelloCallback) *libssl.SSL {
		inhMust(t, sctx.SetClientHelloCallback(hello("hello1")))
		s := inhNew(t, sctx)
		inhMust(t, sctx.SetClientHelloCallback(hello("hello2")))
		return s
	}),
	"hello_set_ssl_ctx": inhHello(func(t *testing.T, sctx *libssl.Ctx, hello func(string) libssl.ClientHelloCallback) *libssl.SSL {
		inhMust(t, sctx.SetClientHelloCallback(hello("hello1")))
		s := inhNew(t, sctx)
		sctx2 := inhServerCtx(t)
		inhMust(t, sctx2.SetClientHelloCallback(hello("hello2")))
		inhMust(t, s.SetSSLCtx(sctx2))
		return s
	}),
	"hello_dup": inhHello(func(t *testing.T, sctx *libssl.Ctx, hello func(string) libssl.ClientHelloCallback) *libssl.SSL {
		inhMust(t, sctx.SetClientHelloCallback(hello("hello1")))
		o := inhNew(t, sctx)
		defer o.Free()
		s, err := o.Dup()
		inhMust(t, err)
		inhMust(t, sctx.SetClientHelloCallback(hello("hello2")))
		return s
	}),
	"method_tls12":  inhMethod(libssl.TLS1_2),
	"method_tls13":  inhMethod(libssl.TLS1_3),
	"ctxfree_tls12": inhCtxFree(libssl.TLS1_2),
	"ctxfree_tls13": inhCtxFree(libssl.TLS1_3),
	"verify_ctx_changed": inhVerify(func(t *testing.T, r *inhRan, cctx *libssl.Ctx) *libssl.SSL {
		inhMust(t, cctx.SetVerify(libssl.VerifyPeer, r.verify("cb1")))
		c := inhNew(t, cctx)
		inhMust(t, cctx.SetVerify(libssl.VerifyPeer, r.verify("cb2")))
		return c
	}),
	"verify_ctx_cleared": inhVerify(func(t *testing.T, r *inhRan, cctx *libssl.Ctx) *libssl.SSL {
		inhMust(t, cctx.SetVerify(libssl.VerifyPeer, r.verify("cb1")))
		c := inhNew(t, cctx)
		inhMust(t, cctx.SetVerify(libssl.VerifyPeer, nil))
		return c
	}),
	"verify_set_ssl_ctx": inhVerify(func(t *testing.T, r *inhRan, cctx *libssl.Ctx) *libssl.SSL {
		inhMust(t, cctx.SetVerify(libssl.VerifyPeer, r.verify("cb1")))
		c := inhNew(t, cctx)
		cctx2 := inhClientCtx(t)
		inhMust(t, cctx2.SetVerify(libssl.VerifyPeer, r.verify("cb2")))
		inhMust(t, c.SetSSLCtx(cctx2))
		return c
	}),
	"verify_ctx_changed_before_new": inhVerify(func(t *testing.T, r *inhRan, cctx *libssl.Ctx) *libssl.SSL {
		inhMust(t, cctx.SetVerify(libssl.VerifyPeer, r.verify("cb1")))
		inhMust(t, cctx.SetVerify(libssl.VerifyPeer, r.verify("cb2")))
		return inhNew(t, cctx)
	}),
	"verify_ssl_set_null": inhVerify(func(t *testing.T, r *inhRan, cctx *libssl.Ctx) *libssl.SSL {
		inhMust(t, cctx.SetVerify(libssl.VerifyPeer, r.verify("cb1")))
		c := inhNew(t, cctx)
		inhMust(t, c.SetVerify(libssl.VerifyPeer, r.verify("cb2")))
		inhMust(t, c.SetVerify(libssl.VerifyPeer, nil))
		return c
	}),
	"verify_dup_own": inhVerify(func(t *testing.T, r *inhRan, cctx *libssl.Ctx) *libssl.SSL {
		inhMust(t, cctx.SetVerify(libssl.VerifyPeer, r.verify("cb1")))
		d := inhNew(t, cctx)
		defer d.Free()
		inhMust(t, d.SetVerify(libssl.VerifyPeer, r.verify("cb2")))
		c, err := d.Dup()
		inhMust(t, err)
		return c
	}),
	"verify_dup_inherited": inhVerify(func(t *testing.T, r *inhRan, cctx *libssl.Ctx) *libssl.SSL {
		inhMust(t, cctx.SetVerify(libssl.VerifyPeer, r.verify("cb1")))
		d := inhNew(t, cctx)
		defer d.Free()
		inhMust(t, cctx.SetVerify(libssl.VerifyPeer, r.verify("cb2")))
		c, err := d.Dup()
		inhMust(t, err)
		return c
	}),
	"verify_mode_set_after_new": inhVerify(func(t *testing.T, r *inhRan, cctx *libssl.Ctx) *libssl.SSL {
		c := inhNew(t, cctx)
		inhMust(t, cctx.SetVerify(libssl.VerifyPeer, r.verify("cb2")))
		return c
	}),
	"verify_no_callback": inhVerify(func(t *testing.T, r *inhRan, cctx *libssl.Ctx) *libssl.SSL {
		inhMust(t, cctx.SetVerify(libssl.VerifyPeer, nil))
		return inhNew(t, cctx)
	}),
	"info_ctx_changed": inhInfo(func(t *testing.T, r *inhRan, cctx *libssl.Ctx) *libssl.SSL {
		ci := ctxInfo(t, cctx)
		inhMust(t, ci.SetInfoCallback(r.info("info1")))
		c := inhNew(t, cctx)
		inhMust(t, ci.SetInfoCallback(r.info("info2")))
		return c
	}),
	"info_set_ssl_ctx": inhInfo(func(t *testing.T, r *inhRan, cctx *libssl.Ctx) *libssl.SSL {
		inhMust(t, ctxInfo(t, cctx).SetInfoCallback(r.info("info1")))
		c := inhNew(t, cctx)
		cctx2 := inhClientCtx(t)
		inhMust(t, ctxInfo(t, cctx2).SetInfoCallback(r.info("info2")))
		inhMust(t, c.SetSSLCtx(cctx2))
		return c
	}),
	"info_ssl_over_ctx": inhInfo(func(t *testing.T, r *inhRan, cctx *libssl.Ctx) *libssl.SSL {
		inhMust(t, ctxInfo(t, cctx).SetInfoCallback(r.info("info1")))
		c := inhNew(t, cctx)
		inhMust(t, c.SetInfoCallback(r.info("info2")))
		return c
	}),
	"info_dup_own": inhInfo(func(t *testing.T, r *inhRan, cctx *libssl.Ctx) *libssl.SSL {
		d := inhNew(t, cctx)
		defer d.Free()
		inhMust(t, d.SetInfoCallback(r.info("info1")))
		c, err := d.Dup()
		inhMust(t, err)
		return c
	}),
	"info_own_set_ssl_ctx": inhInfo(func(t *testing.T, r *inhRan, cctx *libssl.Ctx) *libssl.SSL {
		cctx2 := inhClientCtx(t)
		ci := ctxInfo(t, cctx2)
		c := inhNew(t, cctx)
		inhMust(t, c.SetInfoCallback(r.info("info1")))
		inhMust(t, ci.SetInfoCallback(r.info("info2")))
		inhMust(t, c.SetSSLCtx(cctx2))
		return c
	}),
	"info_dup_ctx_changed": inhInfo(func(t *testing.T, r *inhRan, cctx *libssl.Ctx) *libssl.SSL {
		ci := ctxInfo(t, cctx)
		inhMust(t, ci.SetInfoCallback(r.info("info1")))
		d := inhNew(t, cctx)
		defer d.Free()
		c, err := d.Dup()
		inhMust(t, err)
		inhMust(t, ci.SetInfoCallback(r.info("info2")))
		return c
	}),
	"user_dup": inhUser(func(t *testing.T, cctx *libssl.Ctx, d *libssl.SSL) *libssl.SSL {
		defer d.Free()
		c, err := d.Dup()
		inhMust(t, err)
		return c
	}),
	"user_set_ssl_ctx": inhUser(func(t *testing.T, cctx *libssl.Ctx, d *libssl.SSL) *libssl.SSL {
		inhMust(t, d.SetSSLCtx(inhClientCtx(t)))
		return d
	}),
	// The Go API's ALPN selection (SetALPNSelect) is a callback written in C
	// that chooses from a list kept with the context; ["a"] selects a like
	// inherit.c's select_a, ["b"] selects b like select_b.
	"alpn_ctx_changed": inhALPN(func(t *testing.T, sctx *libssl.Ctx) *libssl.SSL {
		inhMust(t, sctx.SetALPNSelect([]string{"a"}, false))
		s := inhNew(t, sctx)
		inhMust(t, sctx.SetALPNSelect([]string{"b"}, false))
		return s
	}),
	"alpn_set_ssl_ctx": inhALPN(func(t *testing.T, sctx *libssl.Ctx) *libssl.SSL {
		inhMust(t, sctx.SetALPNSelect([]string{"a"}, false))
		s := inhNew(t, sctx)
		sctx2 := inhServerCtx(t)
		inhMust(t, sctx2.SetALPNSelect([]string{"b"}, false))
		inhMust(t, s.SetSSLCtx(sctx2))
		return s
	}),
	"alpn_dup_ctx_changed": inhALPN(func(t *testing.T, sctx *libssl.Ctx) *libssl.SSL {
		inhMust(t, sctx.SetALPNSelect([]string{"a"}, false))
		o := inhNew(t, sctx)
		defer o.Free()
		s, err := o.Dup()
		inhMust(t, err)
		inhMust(t, sctx.SetALPNSelect([]string{"b"}, false))
		return s
	}),
}

var inhClaimRow = regexp.MustCompile(`^\| I\d\d \|`)

// TestInheritanceClaims checks the "Inheritance of callbacks and values"
// section of CLAIMS.md against the cases: every row cites at least one case
// that has Go steps here (and so runs in TestInheritance against C), and
// every case is cited by some row.
func TestInheritanceClaims(t *testing.T) {
	_, section, ok := strings.Cut(claimsDoc, "\n## Inheritance of callbacks and values\n")
	if !ok {
		t.Fatal(`CLAIMS.md has no "## Inheritance of callbacks and values" section`)
	}
	cited := map[string]bool{}
	rows := 0
	for _, l := range strings.Split(section, "\n") {
		if !inhClaimRow.MatchString(l) {
			continue
		}
		cells := strings.Split(strings.Trim(l, "| "), " | ")
		if len(cells) != 3 {
			t.Errorf("row %q: want 3 cells", l)
			continue
		}
		rows++
		for _, id := range strings.Split(cells[2], ", ") {
			if _, ok := inhCases[id]; !ok {
				t.Errorf("%s cites %q, which is no case", cells[0], id)
			}
			cited[id] = true
		}
	}
	if rows == 0 {
		t.Fatal("no rows in the inheritance section")
	}
	for id := range inhCases {
		if !cited[id] {
			t.Errorf("case %s is cited by no row of CLAIMS.md", id)
		}
	}
}
