package conformance

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/sslpair"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// TestSetSSLCtxInServerName tells what SSL_set_SSL_CTX, called from the
// servername callback, carries over to the connection (CLAIMS.md S01, S02): the
// certificate, the ALPN callback and the session id context come from the
// new context; the verify mode, the options and the version bounds stay
// the SSL's (copied from the first context at SSL_new), and the version is
// negotiated before the callback runs. cref/setsslctx.c does the same
// steps with libssl directly; the Go side must observe the same.
func TestSetSSLCtxInServerName(t *testing.T) {
	fromC := runSetSSLCtxRef(t)
	for _, id := range []string{"tls12", "tls13"} {
		t.Run(id, func(t *testing.T) {
			before := libssl.LiveObjects()
			got := setSSLCtxGo(t, map[string]libssl.ProtocolVersion{"tls12": libssl.TLS1_2, "tls13": libssl.TLS1_3}[id])
			if after := libssl.LiveObjects(); after != before {
				t.Errorf("destruction probe: %+v live before, %+v after", before, after)
			}
			if d := cmp.Diff(fromC[id], got); d != "" {
				t.Errorf("C and Go differ (-C +Go):\n%s", d)
			}
			// The claim itself, so that a change in libssl is seen here
			// and not only as agreement between C and Go.
			want := map[string]string{"handshake": "ok", "cert": "other.example", "alpn": "b", "client_cert": "none",
				"sid_ctx": "one", "ctx_is_ctx2": "yes",
				"in_callback": "verify_mode=0 no_ticket=0 max_proto=0x0", "version": map[string]string{"tls12": "0x303", "tls13": "0x304"}[id]}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("claims S01, S02 do not hold (-claimed +observed):\n%s", d)
			}
		})
	}
}

func runSetSSLCtxRef(t *testing.T) map[string]map[string]string {
	t.Helper()
	dir := t.TempDir()
	bin := buildCRef(t, dir, "setsslctx")
	cs := testcerts.Get()
	var paths []string
	for i, data := range [][]byte{cs.LeafChain, cs.LeafKey, cs.OtherCert, cs.OtherKey} {
		p := filepath.Join(dir, fmt.Sprintf("f%d.pem", i))
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, paths...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("setsslctx: %v\n%s", err, stderr.String())
	}
	var out map[string]map[string]string
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("setsslctx output is not JSON: %v\n%s", err, stdout.String())
	}
	return out
}

func setSSLCtxGo(t *testing.T, clientMax libssl.ProtocolVersion) map[string]string {
	t.Helper()
	cs := testcerts.Get()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	serverCtx := func(cert, key []byte, sid string) *libssl.Ctx {
		c, err := libssl.NewCtx(libssl.TLSMethod)
		must(err)
		must(c.UseCertificatePEM(cert))
		must(c.UsePrivateKeyPEM(key))
		must(c.SetSessionIDContext([]byte(sid)))
		return c
	}
	ctx1 := serverCtx(cs.LeafChain, cs.LeafKey, "one")
	defer ctx1.Free()
	ctx2 := serverCtx(cs.OtherCert, cs.OtherKey, "two")
	defer ctx2.Free()
	must(ctx1.SetALPNSelect([]string{"a"}, false))
	must(ctx2.SetALPNSelect([]string{"b"}, false))
	must(ctx2.SetVerify(libssl.VerifyPeer|libssl.VerifyFailIfNoPeerCert, func(bool, *libssl.VerifyContext) bool { return true }))
	must(ctx2.SetOptions(libssl.OpNoTicket))
	must(ctx2.SetMaxProtoVersion(libssl.TLS1_2))
	inCB := ""
	must(ctx1.SetServerNameCallback(func(s *libssl.SSL) libssl.TLSExtResult {
		if err := s.SetSSLCtx(ctx2); err != nil {
			return libssl.TLSExtAlertFatal
		}
		noTicket := 0
		if s.Options()&libssl.OpNoTicket != 0 {
			noTicket = 1
		}
		inCB = fmt.Sprintf("verify_mode=%d no_ticket=%d max_proto=0x%x", int(s.VerifyMode()), noTicket, int(s.MaxProtoVersion()))
		return libssl.TLSExtOK
	}))
	cctx, err := libssl.NewCtx(libssl.TLSMethod)
	must(err)
	defer cctx.Free()
	must(cctx.UseCertificatePEM(cs.LeafChain))
	must(cctx.UsePrivateKeyPEM(cs.LeafKey))
	must(cctx.SetMaxProtoVersion(clientMax))
	c, err := libssl.New(cctx)
	must(err)
	s, err := libssl.New(ctx1)
	must(err)
	must(c.SetHostName("other.example"))
	must(c.SetALPNProtos([]string{"a", "b"}))
	must(c.SetConnectState())
	must(s.SetAcceptState())
	p, err := sslpair.Wrap(c, s)
	must(err)
	defer p.Free()
	res := map[string]string{"handshake": "fail"}
	if p.Handshake() == nil {
		res["handshake"] = "ok"
	}
	res["cert"] = ""
	if x := c.PeerCertificate(); x != nil {
		der, err := x.DER()
		x.Free()
		must(err)
		leaf, err := x509.ParseCertificate(der)
		must(err)
		res["cert"] = leaf.Subject.CommonName
	}
	res["alpn"] = s.ALPNSelected()
	res["client_cert"] = "none"
	if x := s.PeerCertificate(); x != nil {
		res["client_cert"] = "sent"
		x.Free()
	}
	res["version"] = fmt.Sprintf("%#x", int(s.Version()))
	res["sid_ctx"] = ""
	if sess := s.Session(); sess != nil {
		res["sid_ctx"] = string(sess.IDContext())
		sess.Free()
	}
	res["in_callback"] = inCB
	res["ctx_is_ctx2"] = "no"
	if sc := s.Ctx(); sc != nil {
		if sc.SameObject(ctx2) {
			res["ctx_is_ctx2"] = "yes"
		}
		sc.Free()
	}
	return res
}
