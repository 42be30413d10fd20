package libssl_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

// writeCTLogList writes a CT log list file with one log (a fresh P-256 key).
func writeCTLogList(t *testing.T) string {
	t.Helper()
	k := must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	der := must(x509.MarshalPKIXPublicKey(&k.PublicKey))
	path := filepath.Join(t.TempDir(), "log_list.cnf")
	text := "enabled_logs = test\n\n[test]\ndescription = test log\nkey = " + base64.StdEncoding.EncodeToString(der) + "\n"
	check(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

// The test server sends no SCTs: a strict client fails the handshake, a
// permissive one (and one without CT) completes it.
func TestEnableCT(t *testing.T) {
	logs := writeCTLogList(t)
	for _, tc := range []struct {
		name     string
		enable   bool
		strict   bool
		succeeds bool
	}{{"off", false, false, true}, {"permissive", true, false, true}, {"strict", true, true, false}} {
		t.Run(tc.name, func(t *testing.T) {
			sctx := serverCtx(t, ctxOpts{})
			cctx := clientCtx(t, ctxOpts{})
			defer sctx.Free()
			defer cctx.Free()
			check(t, cctx.SetCTLogListFile(logs))
			if tc.enable {
				check(t, cctx.EnableCT(tc.strict))
			}
			p := newPair(t, cctx, sctx)
			defer p.Free()
			if err := p.Handshake(); (err == nil) != tc.succeeds {
				t.Errorf("handshake: %v, want success %v", err, tc.succeeds)
			}
		})
	}
}

func TestCTErrors(t *testing.T) {
	cctx := clientCtx(t, ctxOpts{})
	for _, bad := range []string{"", "a\x00b", filepath.Join(t.TempDir(), "missing.cnf")} {
		if err := cctx.SetCTLogListFile(bad); errOp(err) != "SSL_CTX_set_ctlog_list_file" {
			t.Errorf("SetCTLogListFile(%q): %v, want an error naming SSL_CTX_set_ctlog_list_file", bad, err)
		}
	}
	cctx.Free()
	if err := cctx.EnableCT(true); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("EnableCT on a freed Ctx: %v", err)
	}
	if err := cctx.SetCTLogListFile("x"); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("SetCTLogListFile on a freed Ctx: %v", err)
	}
}
