package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/libssl-go/libssl/conformance/ssltests"
)

// writeSSLTestsReport writes a -json report of an -ssl-tests run for
// version whose file 01-a.cnf has the given outcomes, case i named "i-case".
func writeSSLTestsReport(t *testing.T, dir, version string, outcomes ...string) string {
	t.Helper()
	f := ssltests.File{Name: "01-a.cnf"}
	for i, o := range outcomes {
		f.Cases = append(f.Cases, ssltests.Case{Index: i, Name: string(rune('0'+i)) + "-case", Outcome: o})
	}
	rep := report{Runtime: version, RuntimeText: "OpenSSL " + version, Header: version, HeaderText: "OpenSSL " + version,
		Line: "x", SSLTests: &ssltests.Report{Source: version, Library: "OpenSSL " + version,
			Files: []ssltests.File{f, {Name: "02-b.cnf", Cases: []ssltests.Case{{Index: 0, Name: "0-same", Outcome: ssltests.Pass}}}}}}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, version+".json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// -diff and -merge of two ssl-tests reports list the one case whose
// outcome differs, not the identical ones, and the per-file counts.
func TestSSLTestsDiffAndMerge(t *testing.T) {
	dir := t.TempDir()
	a := writeSSLTestsReport(t, dir, "3.0.19", ssltests.Pass, ssltests.Pass, ssltests.Skip)
	b := writeSSLTestsReport(t, dir, "3.5.4", ssltests.Pass, ssltests.Fail, ssltests.Skip)
	out, _, code := runArgs("-diff", a, b)
	if code != 1 {
		t.Errorf("-diff of differing reports: exit %d, want 1\n%s", code, out)
	}
	if f := lineContaining(t, out, "1-case"); len(f) != 4 || f[0] != "01-a" || f[1] != "pass" || f[2] != "fail" {
		t.Errorf("differing case line %q\n%s", f, out)
	}
	for _, same := range []string{"0-case", "2-case", "0-same"} {
		if strings.Contains(out, same) {
			t.Errorf("-diff lists the identical case %s:\n%s", same, out)
		}
	}
	if !strings.Contains(out, "1 of 4 ssl-tests cases differ") {
		t.Errorf("-diff summary missing:\n%s", out)
	}
	out, _, code = runArgs("-merge", a, b)
	if code != 1 {
		t.Errorf("-merge with a failed case: exit %d, want 1", code)
	}
	if f := lineWith(t, out, "02-b "); len(f) != 3 || f[1] != "1/0/0" || f[2] != "1/0/0" {
		t.Errorf("per-file counts %q\n%s", f, out)
	}
	if f := lineWith(t, out, "01-a "); len(f) != 3 || f[1] != "2/0/1" || f[2] != "1/1/1" {
		t.Errorf("per-file counts %q\n%s", f, out)
	}
	same := writeSSLTestsReport(t, t.TempDir(), "3.0.19", ssltests.Pass, ssltests.Pass, ssltests.Skip)
	if out, _, code := runArgs("-diff", a, same); code != 0 {
		t.Errorf("-diff of equal reports: exit %d\n%s", code, out)
	}
}

// -ssl-tests on a folder without .cnf files is a start-up error (2), and
// -ssl-tests-ref without -ssl-tests a usage error.
func TestSSLTestsUsage(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "ssl-tests"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TEST_CERTS_DIR", "")
	t.Setenv("CTLOG_FILE", "")
	if _, errs, code := runArgs("-ssl-tests", dir); code != 2 || !strings.Contains(errs, "no .cnf files") {
		t.Errorf("-ssl-tests on an empty folder: exit %d, %q", code, errs)
	}
	if _, _, code := runArgs("-ssl-tests-ref", "x"); code != 2 {
		t.Errorf("-ssl-tests-ref alone: exit %d, want 2", code)
	}
}

// lineContaining returns the fields of the first line of s holding sub.
func lineContaining(t *testing.T, s, sub string) []string {
	t.Helper()
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return strings.Fields(l)
		}
	}
	t.Fatalf("no line holding %q in:\n%s", sub, s)
	return nil
}
