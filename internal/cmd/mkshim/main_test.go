package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The generated files in the module root must be what shim.def generates
// now: a declaration changed without `go generate` fails here.
func TestGeneratedFilesAreFresh(t *testing.T) {
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "shim.def")); err != nil {
		t.Skip("requires the source tree (shim.def): the container images run this test binary without it")
	}
	out := t.TempDir()
	cmd := exec.Command("go", "run", ".", "-def", filepath.Join(root, "shim.def"), "-out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mkshim: %v\n%s", err, b)
	}
	for _, name := range []string{"zshim.h", "zshim.c", "zshim.go"} {
		want, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate in the module root", name)
		}
	}
}

// Bad declarations are errors that name the line, never a guess.
func TestBadDeclarations(t *testing.T) {
	for _, line := range []string{
		"maybe nocb int SSL_up_ref(SSL *s)",        // unknown predicate
		"one fast int SSL_up_ref(SSL *s)",          // unknown hint
		"ptr nocb int SSL_up_ref(SSL *s)",          // ptr needs a pointer result
		"io cb int SSL_read(BIO *b, int n)",        // I/O takes the SSL first
		"val nocb int f(struct x *p)",              // no Go type
		"one nocb int SSL_up_ref(SSL *s) op",       // unknown option
		"val nocb int X(SSL *s) since=0x30000000L", // since needs a fallible predicate
	} {
		dir := t.TempDir()
		def := filepath.Join(dir, "x.def")
		if err := os.WriteFile(def, []byte(line+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := parse(def); err == nil {
			t.Errorf("%q parsed without error", line)
		}
	}
	dir := t.TempDir()
	def := filepath.Join(dir, "x.def")
	if err := os.WriteFile(def, []byte("one nocb int SSL_up_ref(SSL *s)\none nocb int SSL_up_ref(SSL *s)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := parse(def); err == nil {
		t.Error("a function declared twice parsed without error")
	}
}

// A function taking an SSL first enters the SSL's guard in its C wrapper,
// whatever its predicate; noguard and functions on other objects do not.
func TestGuardedWrappers(t *testing.T) {
	ds := parseText(t, "one nocb int SSL_clear(SSL *s)\nval nocb int SSL_version(const SSL *s)\nvoid nocb void SSL_set_quiet_shutdown(SSL *s, int m)\n"+
		"val nocb,noguard int SSL_up_ref(SSL *s)\none nocb int SSL_CTX_up_ref(SSL_CTX *c)\n")
	_, c := genC(ds)
	for _, d := range ds {
		i := bytes.Index(c, []byte(" "+d.wrapper()+"("))
		body := c[i:]
		body = body[:bytes.Index(body, []byte("\n}\n"))]
		want := d.name != "SSL_up_ref" && d.name != "SSL_CTX_up_ref"
		if got := bytes.Contains(body, []byte("ls_guard_enter")); got != want {
			t.Errorf("%s: guarded %v, want %v:\n%s", d.name, got, want, body)
		}
	}
}

// Every prototype of a helper is generated from shim.def: zshim.h declares
// each lsh_ function of the list, and no hand-written header declares one
// again.
func TestHelperPrototypesAreGenerated(t *testing.T) {
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := parse(filepath.Join(root, "shim.def"))
	if err != nil {
		t.Skip("requires the source tree (shim.def)")
	}
	h, _ := genC(ds)
	hand, _ := filepath.Glob(filepath.Join(root, "shim*.h"))
	for _, d := range ds {
		if !strings.HasPrefix(d.name, "lsh_") {
			continue
		}
		if !bytes.Contains(h, []byte(d.proto()+";\n")) {
			t.Errorf("zshim.h lacks the prototype of %s", d.name)
		}
		for _, f := range hand {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if regexp.MustCompile(`(?m)^[A-Za-z][^;{}\n]*\b` + d.name + `\s*\(`).Match(b) {
				t.Errorf("%s declares %s, which shim.def declares", filepath.Base(f), d.name)
			}
		}
	}
}

// A call that can reach a Go callback runs under a panic token in C and
// its Go wrapper raises what a callback kept under it, whatever the
// predicate; a nocb call has neither.
func TestCallbackWrappersCarryPanicToken(t *testing.T) {
	ds := parseText(t, "one cb int SSL_clear(SSL *s)\nval cb int SSL_CTX_remove_session(SSL_CTX *c, SSL_SESSION *s)\n"+
		"void cb,noguard void SSL_free(SSL *s)\nio cb int SSL_do_handshake(SSL *s)\none nocb int SSL_CTX_up_ref(SSL_CTX *c)\n")
	_, c := genC(ds)
	g, err := genGo(ds)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		body := func(src []byte, head string) []byte {
			i := bytes.Index(src, []byte(head))
			if i < 0 {
				t.Fatalf("%s: no %q", d.name, head)
			}
			b := src[i:]
			return b[:bytes.Index(b, []byte("\n}\n"))]
		}
		cb := body(c, " "+d.wrapper()+"(")
		gb := body(g, "func "+d.goName()+"(")
		want := d.name != "SSL_CTX_up_ref"
		if got := bytes.Contains(cb, []byte("ls_call_enter")) && bytes.Contains(cb, []byte("r.panic_token = ls_call_leave")); got != want {
			t.Errorf("%s: C wrapper under a token %v, want %v:\n%s", d.name, got, want, cb)
		}
		if got := bytes.Contains(gb, []byte("raisePanic(r.panic_token)")); got != want {
			t.Errorf("%s: Go wrapper raises %v, want %v:\n%s", d.name, got, want, gb)
		}
	}
}

// No hand-written Go file of the package raises a callback's panic: the
// generated wrappers do.
func TestNoHandPlacedRaise(t *testing.T) {
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(root, "*.go"))
	if len(files) == 0 {
		t.Skip("requires the source tree")
	}
	call := regexp.MustCompile(`(?m)^[^/\n]*\b(raisePanic|repanic[A-Za-z]*)\(`)
	for _, f := range files {
		if filepath.Base(f) == "zshim.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAll(b, -1) {
			if !bytes.HasPrefix(bytes.TrimSpace(m), []byte("func ")) {
				t.Errorf("%s calls %s", filepath.Base(f), bytes.TrimSpace(m))
			}
		}
	}
}

// parseText parses src as the text of a shim.def file.
func parseText(t *testing.T, src string) []decl {
	t.Helper()
	def := filepath.Join(t.TempDir(), "x.def")
	if err := os.WriteFile(def, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	ds, err := parse(def)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// A call marked onfail does not clear the queue before the call and drains
// it (with errno) on the failure path only, by its predicate; an unmarked
// call clears first and drains whatever the outcome. onfail is refused
// where SSL_get_error reads the queue (the I/O predicates) and where
// nothing is captured (val, void).
func TestOnfailCapturesOnFailureOnly(t *testing.T) {
	ds := parseText(t, "one nocb,noguard,onfail int SSL_up_ref(SSL *s)\n"+
		"ptr nocb,onfail SSL_CTX *lsh_x_ctx(SSL *s)\n"+
		"pos nocb,onfail int lsh_x_pos(SSL_CTX *c)\n"+
		"one cb,onfail int SSL_clear(SSL *s)\n"+
		"one nocb int SSL_CTX_up_ref(SSL_CTX *c)\n")
	_, c := genC(ds)
	want := map[string]string{
		"SSL_up_ref": "rv != 1 ? ls_finish_int(rv) : lsx_ok(rv, NULL)",
		"lsh_x_ctx":  "rv == NULL ? ls_finish_ptr(rv) : lsx_ok(1, rv)",
		"lsh_x_pos":  "rv <= 0 ? ls_finish_int(rv) : lsx_ok(rv, NULL)",
		"SSL_clear":  "rv != 1 ? ls_finish_int(rv) : lsx_ok(rv, NULL)",
	}
	for _, d := range ds {
		i := bytes.Index(c, []byte(" "+d.wrapper()+"("))
		body := c[i:]
		body = body[:bytes.Index(body, []byte("\n}\n"))]
		if w, ok := want[d.name]; ok {
			if bytes.Contains(body, []byte("ls_begin")) {
				t.Errorf("%s (onfail) clears the queue before the call:\n%s", d.name, body)
			}
			if !bytes.Contains(body, []byte("errno = 0;")) || !bytes.Contains(body, []byte(w)) {
				t.Errorf("%s (onfail): want errno zeroed and %q:\n%s", d.name, w, body)
			}
			continue
		}
		if !bytes.Contains(body, []byte("ls_begin();")) || !bytes.Contains(body, []byte("ls_finish_int((long)SSL_CTX_up_ref(c))")) {
			t.Errorf("%s: want ls_begin before the call and ls_finish_int around it:\n%s", d.name, body)
		}
	}
	for _, line := range []string{
		"io cb,onfail int SSL_read(SSL *s, unsigned char *buf, int num)",
		"io0 cb,onfail int SSL_shutdown(SSL *s)",
		"iow cb,onfail int lsh_feed_read(SSL *s, int n)",
		"val nocb,onfail int SSL_version(const SSL *s)",
		"void nocb,onfail void SSL_set_quiet_shutdown(SSL *s, int m)",
	} {
		def := filepath.Join(t.TempDir(), "x.def")
		if err := os.WriteFile(def, []byte(line+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := parse(def); err == nil {
			t.Errorf("%q parsed without error", line)
		}
	}
}

// A pointer to an OpenSSL object (C memory) crosses cgo as a uintptr_t,
// which cgo does not check for Go pointers; a pointer that may hold Go
// memory (a buffer, an out-parameter, void *) stays a pointer and is
// checked.
func TestObjectPointersCrossAsUintptr(t *testing.T) {
	ds := parseText(t, "one nocb,noesc int lsh_x(const SSL *s, SSL_SESSION *sess, unsigned char *buf, X509 **out, void *v)\n")
	h, c := genC(ds)
	g, err := genGo(ds)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"ls_ret lsx_x(uintptr_t s_h, uintptr_t sess_h, unsigned char *buf, X509 **out, void *v);",
	} {
		if !bytes.Contains(h, []byte(want)) {
			t.Errorf("zshim.h lacks %q:\n%s", want, h)
		}
	}
	for _, want := range []string{
		"const SSL *s = (const SSL *)s_h;",
		"SSL_SESSION *sess = (SSL_SESSION *)sess_h;",
		"lsh_x(s, sess, buf, out, v)",
	} {
		if !bytes.Contains(c, []byte(want)) {
			t.Errorf("zshim.c lacks %q:\n%s", want, c)
		}
	}
	if want := "C.lsx_x(C.uintptr_t(uintptr(unsafe.Pointer(s))), C.uintptr_t(uintptr(unsafe.Pointer(sess))), buf, out, v)"; !bytes.Contains(g, []byte(want)) {
		t.Errorf("zshim.go lacks %q:\n%s", want, g)
	}
}
