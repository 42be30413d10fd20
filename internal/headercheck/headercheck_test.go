// Package headercheck checks the C boundary against the headers of every
// OpenSSL version the project supports: every function and macro that
// shim.def and the boundary's C files (shim*.c, zshim.c) use must exist in each version's headers
// or be gated by OPENSSL_VERSION_NUMBER, and no deprecated call may be made
// where the version has a replacement. A removal or deprecation in a future
// OpenSSL then fails here, loudly, rather than in a user's build.
//
// The header sets come from LIBSSL_GO_HEADERS, a list of
// NAME=INCLUDE_DIR:ARCH_INCLUDE_DIR entries separated by spaces, which
// `make headercheck` fills from Debian's libssl-dev packages (bookworm 3.0,
// trixie 3.5, sid 3.6, experimental 4.0) fetched by fetch-headers.sh, and
// the 1.1.1w cache. Without it, the machine's own headers are checked.
package headercheck

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

type headerSet struct{ name, inc, archInc string }

var identRE = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

func headerSets(t *testing.T) []headerSet {
	env := strings.Fields(os.Getenv("LIBSSL_GO_HEADERS"))
	if len(env) == 0 {
		return []headerSet{{name: "system"}}
	}
	var out []headerSet
	for _, e := range env {
		name, dirs, ok := strings.Cut(e, "=")
		inc, arch, ok2 := strings.Cut(dirs, ":")
		if !ok || !ok2 {
			t.Fatalf("LIBSSL_GO_HEADERS entry %q is not NAME=INC:ARCHINC", e)
		}
		out = append(out, headerSet{name, inc, arch})
	}
	return out
}

func root(t *testing.T) string {
	r, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(r, "shim.def")); err != nil {
		t.Skip("requires the source tree (shim.def): the container images run this test binary without it")
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("requires gcc, which the container images' runtime stage does not have")
	}
	return r
}

// boundaryFiles are the C files the header check compiles: every C file
// of the boundary, found by pattern (shim*.c and the generated zshim.c), so
// that a new one cannot be forgotten.
func boundaryFiles(t *testing.T, root string) []string {
	var out []string
	for _, pat := range []string{"shim*.c", "zshim.c"} {
		m, err := filepath.Glob(filepath.Join(root, pat))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			out = append(out, filepath.Base(f))
		}
	}
	if len(out) < 3 {
		t.Fatalf("found only %v as the boundary's C files", out)
	}
	return out
}

// The header check compiles every C file cgo builds into the package: the
// list is what `go list` reports, so a new C file cannot be left out.
func TestEveryCFileIsChecked(t *testing.T) {
	r := root(t)
	out, err := exec.Command("go", "list", "-f", "{{range .CFiles}}{{.}} {{end}}", r).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	built := strings.Fields(string(out))
	if len(built) == 0 {
		t.Fatal("go list reports no C files in the package")
	}
	checked := map[string]bool{}
	for _, f := range boundaryFiles(t, r) {
		checked[f] = true
	}
	for _, f := range built {
		if !checked[f] {
			t.Errorf("%s is built into the package but not compiled by the header check", f)
		}
	}
}

// The C files compile against every header set with implicit declarations
// (a function or macro the headers lack) and deprecated declarations as
// errors.
func TestShimsCompileAgainstEveryVersion(t *testing.T) {
	r := root(t)
	for _, hs := range headerSets(t) {
		t.Run(hs.name, func(t *testing.T) {
			args := []string{"-fsyntax-only", "-std=gnu11", "-Wall",
				"-Werror=implicit-function-declaration", "-Werror=deprecated-declarations",
				"-Werror=incompatible-pointer-types", "-Werror=int-conversion", "-I" + r}
			if hs.inc != "" {
				args = append(args, "-I"+hs.inc, "-I"+hs.archInc)
			}
			for _, f := range boundaryFiles(t, r) {
				cmd := exec.Command("gcc", append(args, filepath.Join(r, f))...)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("%s against %s headers: %v\n%s", f, hs.name, err, out)
				}
			}
		})
	}
}

// Every libssl function shim.def names directly (not an lsh_ helper, not
// gated by since=) is declared in every version's headers: named here as
// well as compiled, so a failure says which function went missing.
func TestDeclaredFunctionsExist(t *testing.T) {
	r := root(t)
	f, err := os.Open(filepath.Join(r, "shim.def"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	nameRE := regexp.MustCompile(`\b([A-Za-z_][A-Za-z0-9_]*)\s*\(`)
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.Contains(line, "since=") {
			continue
		}
		if m := nameRE.FindStringSubmatch(line); m != nil && !strings.HasPrefix(m[1], "lsh_") {
			names = append(names, m[1])
		}
	}
	if len(names) < 50 {
		t.Fatalf("read only %d names from shim.def", len(names))
	}
	for _, hs := range headerSets(t) {
		inc := hs.inc
		if inc == "" {
			inc = "/usr/include"
		}
		var text strings.Builder
		matches, _ := filepath.Glob(filepath.Join(inc, "openssl", "*.h"))
		if len(matches) == 0 {
			t.Fatalf("%s: no headers under %s/openssl", hs.name, inc)
		}
		for _, m := range matches {
			b, err := os.ReadFile(m)
			if err != nil {
				t.Fatal(err)
			}
			text.Write(b)
		}
		// Most names stand in the headers as written; the ASN.1 ones
		// (X509_free, i2d_X509, ...) are declared by macros, so the rest are
		// looked up by the compiler: taking their address must compile.
		idents := map[string]bool{}
		for _, id := range identRE.FindAllString(text.String(), -1) {
			idents[id] = true
		}
		var probe strings.Builder
		probe.WriteString("#include <openssl/ssl.h>\n#include <openssl/x509v3.h>\n#include <openssl/pem.h>\n")
		var unseen []string
		for _, n := range names {
			if !idents[n] {
				unseen = append(unseen, n)
				probe.WriteString("void *probe_" + n + " = (void *)&" + n + ";\n")
			}
		}
		if len(unseen) == 0 {
			continue
		}
		src := filepath.Join(t.TempDir(), "probe.c")
		if err := os.WriteFile(src, []byte(probe.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{"-fsyntax-only", "-Werror=implicit-function-declaration"}
		if hs.inc != "" {
			args = append(args, "-I"+hs.inc, "-I"+hs.archInc)
		}
		if out, err := exec.Command("gcc", append(args, src)...).CombinedOutput(); err != nil {
			for _, n := range unseen {
				if strings.Contains(string(out), "'"+n+"'") || strings.Contains(string(out), "‘"+n+"’") {
					t.Errorf("%s: %s is not declared in %s/openssl", hs.name, n, inc)
				}
			}
			t.Errorf("%s: probe failed: %v\n%s", hs.name, err, out)
		}
	}
}
