package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/libssl-go/libssl/conformance/bogo"
)

// writeBoGoReport writes a -json report of a -bogo run for version whose
// tests A, B and C have the given outcomes.
func writeBoGoReport(t *testing.T, dir, version string, a, b, c bogo.Outcome) string {
	t.Helper()
	rep := report{Runtime: version, RuntimeText: "OpenSSL " + version, Header: version, HeaderText: "OpenSSL " + version,
		Line: "x", BoGo: &bogo.Report{Tests: []bogo.Test{{Name: "A-Same", Outcome: a}, {Name: "B-Moves", Outcome: b}, {Name: "C-Same", Outcome: c}}}}
	buf, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, version+".json")
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// -diff and -merge of two BoGo reports list the one test whose outcome
// differs, not the identical ones, and the counts per outcome; a report
// with a failed test makes -merge exit 1, two clean ones exit 0.
func TestBoGoDiffAndMerge(t *testing.T) {
	dir := t.TempDir()
	a := writeBoGoReport(t, dir, "3.0.19", bogo.Pass, bogo.Unimplemented, bogo.Differs)
	b := writeBoGoReport(t, dir, "3.5.4", bogo.Pass, bogo.Pass, bogo.Differs)
	out, _, code := runArgs("-diff", a, b)
	if code != 1 {
		t.Errorf("-diff of differing reports: exit %d, want 1\n%s", code, out)
	}
	if f := lineContaining(t, out, "B-Moves"); len(f) != 3 || f[0] != "unimplemented" || f[1] != "pass" {
		t.Errorf("differing test line %q\n%s", f, out)
	}
	for _, same := range []string{"A-Same", "C-Same"} {
		if strings.Contains(out, same) {
			t.Errorf("-diff lists the identical test %s:\n%s", same, out)
		}
	}
	if !strings.Contains(out, "1 of 3 BoGo tests differ") {
		t.Errorf("-diff summary missing:\n%s", out)
	}
	out, _, code = runArgs("-merge", a, b)
	if code != 0 {
		t.Errorf("-merge of two clean runs: exit %d, want 0\n%s", code, out)
	}
	if f := lineWith(t, out, "pass "); len(f) != 3 || f[1] != "1" || f[2] != "2" {
		t.Errorf("pass counts line %q\n%s", f, out)
	}
	failed := writeBoGoReport(t, dir, "3.6.0", bogo.Fail, bogo.Pass, bogo.Differs)
	if out, _, code = runArgs("-merge", a, failed); code != 1 {
		t.Errorf("-merge with a failed BoGo test: exit %d, want 1\n%s", code, out)
	}
	md, _, _ := runArgs("-merge", "-markdown", a, b)
	if !strings.Contains(md, "| B-Moves | unimplemented | pass |") {
		t.Errorf("Markdown lacks the differing test row:\n%s", md)
	}
}

// -bogo reads a run: the text ends with the closing line and a failed test
// exits 1; -bogo without its companion files and -bogo-config alone are
// usage errors.
func TestBoGoRun(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	all := write("all.json", `{"tests": {"A": {}, "B": {}, "C": {}}}`)
	cfg := write("config.json", `{"DisabledTests": {"C": "`+bogo.LacksPrefix+`NPN"}}`)
	ok := write("ok.json", `{"tests": {"A": {"actual": "PASS"}, "B": {"actual": "SKIP", "expected": "SKIP"}}}`)
	bad := write("bad.json", `{"tests": {"A": {"actual": "FAIL", "is_unexpected": true, "error": "boom"}, "B": {"actual": "PASS"}}}`)
	out, _, code := runArgs("-bogo", ok, "-bogo-config", cfg, "-bogo-all", all)
	if code != 0 || !strings.HasSuffix(out, "1 passed, 0 failed, 2 skipped\n") {
		t.Errorf("-bogo of a clean run: exit %d\n%s", code, out)
	}
	out, _, code = runArgs("-bogo", bad, "-bogo-config", cfg, "-bogo-all", all)
	if code != 1 || !strings.Contains(out, "FAILED: A: boom") {
		t.Errorf("-bogo of a run with a failure: exit %d\n%s", code, out)
	}
	out, _, code = runArgs("-bogo", ok, "-bogo-config", cfg, "-bogo-all", all, "-json")
	var rep report
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.BoGo == nil || rep.BoGo.Count(bogo.Lacks) != 1 {
		t.Errorf("-bogo -json: exit %d, report %+v\n%s", code, rep.BoGo, out)
	}
	for _, args := range [][]string{{"-bogo", ok}, {"-bogo-config", cfg}, {"-bogo", ok, "-bogo-config", cfg, "-bogo-all", all, "-run", "x"}} {
		if _, errOut, code := runArgs(args...); code != 2 {
			t.Errorf("%q: exit %d, want 2 (usage)\n%s", args, code, errOut)
		}
	}
}
