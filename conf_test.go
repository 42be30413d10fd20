package libssl_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

func newConf(t *testing.T, flags libssl.ConfFlags, ctx *libssl.Ctx) *libssl.ConfCtx {
	t.Helper()
	cc, err := libssl.NewConfCtx()
	check(t, err)
	t.Cleanup(cc.Free)
	if _, err := cc.SetFlags(flags); err != nil {
		t.Fatal(err)
	}
	if ctx != nil {
		check(t, cc.SetSSLCtx(ctx))
	}
	return cc
}

// SSL_CONF_cmd's three failures come back as distinct errors that name the
// command and the value and carry libssl's queued error.
func TestConfCmdFailures(t *testing.T) {
	ctx := must(libssl.NewCtx(libssl.TLSServerMethod))
	defer ctx.Free()
	cc := newConf(t, libssl.ConfFlagFile|libssl.ConfFlagServer|libssl.ConfFlagShowErrors, ctx)

	err := cc.Cmd("NoSuchCommand", "x")
	if !errors.Is(err, libssl.ErrConfUnknownCommand) {
		t.Fatalf("unknown command: %v, want ErrConfUnknownCommand", err)
	}
	if !strings.Contains(err.Error(), "NoSuchCommand") || !strings.Contains(err.Error(), `"x"`) {
		t.Errorf("unknown command error does not name the command and value: %v", err)
	}
	var le *libssl.Error
	if !errors.As(err, &le) || len(le.Entries) == 0 {
		t.Errorf("unknown command with SHOW_ERRORS: no libssl error entries in %v", err)
	}

	err = cc.CmdNoValue("MinProtocol")
	if !errors.Is(err, libssl.ErrConfMissingValue) {
		t.Fatalf("missing value: %v, want ErrConfMissingValue", err)
	}

	err = cc.Cmd("MinProtocol", "TLSv9")
	if !errors.Is(err, libssl.ErrConfBadValue) || !errors.As(err, &le) {
		t.Fatalf("bad value: %v, want ErrConfBadValue wrapping *libssl.Error", err)
	}
	if !strings.Contains(err.Error(), "MinProtocol") || !strings.Contains(err.Error(), "TLSv9") {
		t.Errorf("bad value error does not name the command and value: %v", err)
	}
	// Command-line names are not file names.
	if err := cc.Cmd("-min_protocol", "TLSv1.2"); !errors.Is(err, libssl.ErrConfUnknownCommand) {
		t.Errorf("-min_protocol under FILE: %v, want unknown command", err)
	}
}

// Commands reach the target context, and the value types are libssl's.
func TestConfCmdApplies(t *testing.T) {
	ctx := must(libssl.NewCtx(libssl.TLSServerMethod))
	defer ctx.Free()
	cc := newConf(t, libssl.ConfFlagFile|libssl.ConfFlagServer|libssl.ConfFlagCertificate, ctx)
	check(t, cc.Cmd("MinProtocol", "TLSv1.2"))
	check(t, cc.Cmd("MaxProtocol", "TLSv1.2"))
	check(t, cc.Cmd("CipherString", "AES128-SHA"))
	check(t, cc.Finish())
	if v := ctx.MinProtoVersion(); v != libssl.TLS1_2 {
		t.Errorf("min protocol %v, want TLS 1.2", v)
	}
	if v := ctx.MaxProtoVersion(); v != libssl.TLS1_2 {
		t.Errorf("max protocol %v, want TLS 1.2", v)
	}
	var tls12 []string
	for _, c := range ctx.Ciphers() {
		if !strings.HasPrefix(c, "TLS_") { // the TLS 1.3 suites are set apart
			tls12 = append(tls12, c)
		}
	}
	if len(tls12) != 1 || tls12[0] != "AES128-SHA" {
		t.Errorf("ciphers %v, want AES128-SHA only", tls12)
	}
	for name, want := range map[string]libssl.ConfValueType{
		"CipherString": libssl.ConfTypeString,
		"Certificate":  libssl.ConfTypeFile,
		"NoSuch":       libssl.ConfTypeUnknown,
	} {
		if got := cc.CmdValueType(name); got != want {
			t.Errorf("CmdValueType(%s) = %d, want %d", name, got, want)
		}
	}
	flags, err := cc.ClearFlags(libssl.ConfFlagCertificate)
	check(t, err)
	if flags&libssl.ConfFlagCertificate != 0 || flags&libssl.ConfFlagFile == 0 {
		t.Errorf("flags after clearing CERTIFICATE: %#x", flags)
	}
	if got := cc.CmdValueType("Certificate"); got != libssl.ConfTypeUnknown {
		t.Errorf("Certificate without the CERTIFICATE flag: type %d, want unknown", got)
	}
}

// The ConfCtx keeps its target alive: the program may free its own handle
// on the context or SSL first, and the destruction probe shows the object
// lives until the ConfCtx lets it go.
func TestConfCtxHoldsTarget(t *testing.T) {
	p := newProbe(t)
	ctx := must(libssl.NewCtx(libssl.TLSServerMethod))
	cc := must(libssl.NewConfCtx())
	_, _ = cc.SetFlags(libssl.ConfFlagFile | libssl.ConfFlagServer)
	check(t, cc.SetSSLCtx(ctx))
	ctx.Free()
	p.expect("after freeing the program's SSL_CTX handle", obj(0, 1, 0))
	check(t, cc.Cmd("MinProtocol", "TLSv1.2"))

	sctx := must(libssl.NewCtx(libssl.TLSServerMethod))
	s := must(libssl.New(sctx))
	sctx.Free()
	check(t, cc.SetSSL(s)) // replaces the SSL_CTX target and releases it
	s.Free()
	p.expect("after retargeting to an SSL and freeing its handle", obj(1, 1, 0))
	check(t, cc.Cmd("MinProtocol", "TLSv1.3"))
	cc.Free()
	p.expect("after freeing the ConfCtx", obj(0, 0, 0))
	cc.Free() // idempotent
}

// Nil and freed handles give ErrFreed, never a crash.
func TestConfCtxNilAndFreed(t *testing.T) {
	var nilcc *libssl.ConfCtx
	nilcc.Free()
	if err := nilcc.Cmd("MinProtocol", "TLSv1.2"); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("nil ConfCtx Cmd: %v", err)
	}
	if err := nilcc.Finish(); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("nil ConfCtx Finish: %v", err)
	}
	cc := must(libssl.NewConfCtx())
	cc.Free()
	if err := cc.Cmd("MinProtocol", "TLSv1.2"); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("freed ConfCtx Cmd: %v", err)
	}
	if _, err := cc.SetFlags(libssl.ConfFlagFile); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("freed ConfCtx SetFlags: %v", err)
	}
	if got := cc.CmdValueType("CipherString"); got != libssl.ConfTypeUnknown {
		t.Errorf("freed ConfCtx CmdValueType: %d", got)
	}
	live := must(libssl.NewConfCtx())
	defer live.Free()
	ctx := must(libssl.NewCtx(libssl.TLSMethod))
	ctx.Free()
	if err := live.SetSSLCtx(ctx); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("SetSSLCtx(freed): %v", err)
	}
	var nilctx *libssl.Ctx
	if err := nilctx.Config("x"); !errors.Is(err, libssl.ErrFreed) {
		t.Errorf("nil Ctx Config: %v", err)
	}
}

// A configuration file's ssl_conf section is applied by Ctx.Config; an
// absent section is an error.
func TestCtxConfigSection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ssl.cnf")
	conf := `openssl_conf = init_sect
[init_sect]
ssl_conf = ssl_sect
[ssl_sect]
conf_test = conf_test_opts
[conf_test_opts]
MinProtocol = TLSv1.2
MaxProtocol = TLSv1.2
CipherString = AES256-SHA
`
	check(t, os.WriteFile(path, []byte(conf), 0o644))
	check(t, libssl.LoadConfigFile(path, ""))
	ctx := must(libssl.NewCtx(libssl.TLSClientMethod))
	defer ctx.Free()
	check(t, ctx.Config("conf_test"))
	if v := ctx.MinProtoVersion(); v != libssl.TLS1_2 {
		t.Errorf("min protocol %v, want TLS 1.2", v)
	}
	found := false
	for _, c := range ctx.Ciphers() {
		if c == "AES128-SHA" {
			t.Errorf("AES128-SHA still enabled after CipherString = AES256-SHA")
		}
		found = found || c == "AES256-SHA"
	}
	if !found {
		t.Errorf("AES256-SHA not in %v", ctx.Ciphers())
	}
	if err := ctx.Config("no such section"); err == nil {
		t.Error("Config of an absent section succeeded")
	}
	if err := libssl.LoadConfigFile(filepath.Join(t.TempDir(), "absent.cnf"), ""); err == nil {
		t.Error("LoadConfigFile of an absent file succeeded")
	}
}
