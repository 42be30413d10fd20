package bogo

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeJSON writes v as JSON into dir/name and returns the path.
func writeJSON(t *testing.T, dir, name, v string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if !json.Valid([]byte(v)) {
		t.Fatalf("%s: not JSON: %s", name, v)
	}
	if err := os.WriteFile(p, []byte(v), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// load runs Load on a results file, a config and a list of test names.
func load(t *testing.T, results, config string, names ...string) *Report {
	t.Helper()
	dir := t.TempDir()
	var all strings.Builder
	all.WriteString(`{"tests": {`)
	for i, n := range names {
		if i > 0 {
			all.WriteString(",")
		}
		all.WriteString(`"` + n + `": {"actual": "SKIP", "expected": "SKIP"}`)
	}
	all.WriteString("}}")
	r, err := Load(writeJSON(t, dir, "results.json", results), writeJSON(t, dir, "config.json", config),
		writeJSON(t, dir, "all.json", all.String()), "3.0.19")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestClassifyOutcomes: passes, unexpected failures, unimplemented skips,
// disabled tests of each reason kind and tests left unrun land in their own
// outcome, and the closing line adds unimplemented and disabled into
// "skipped".
func TestClassifyOutcomes(t *testing.T) {
	r := load(t, `{"tests": {
		"A-Pass": {"actual": "PASS", "expected": "PASS"},
		"B-Fail": {"actual": "FAIL", "expected": "PASS", "is_unexpected": true, "error": "bad alert\nmore"},
		"C-Unimpl": {"actual": "SKIP", "expected": "SKIP"}}}`,
		`{"DisabledTests": {"D-*": "`+DiffersPrefix+`it sends another alert", "E-Lacks": "`+LacksPrefix+`NPN"}}`,
		"A-Pass", "B-Fail", "C-Unimpl", "D-1", "D-2", "E-Lacks", "F-NotRun")
	want := map[string]Outcome{"A-Pass": Pass, "B-Fail": Fail, "C-Unimpl": Unimplemented,
		"D-1": Differs, "D-2": Differs, "E-Lacks": Lacks, "F-NotRun": NotRun}
	for _, tt := range r.Tests {
		if want[tt.Name] != tt.Outcome {
			t.Errorf("%s: outcome %q, want %q", tt.Name, tt.Outcome, want[tt.Name])
		}
	}
	if len(r.Tests) != len(want) {
		t.Errorf("%d tests, want %d", len(r.Tests), len(want))
	}
	if r.OK() {
		t.Error("OK() with a failed test")
	}
	var out bytes.Buffer
	r.WriteText(&out)
	for _, s := range []string{"FAILED: B-Fail: bad alert ...\n", "1 test(s) of the revision did not run",
		"pass 1, fail 1, unimplemented 1, disabled 3 (libssl differs 2, binding lacks 1)\n"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
	if !strings.HasSuffix(out.String(), "\n1 passed, 1 failed, 4 skipped\n") {
		t.Fatalf("output does not end with the closing line:\n%s", out.String())
	}
}

// TestReasonKinds: a disabled pattern whose reason is of neither kind is
// reported and makes the run not OK, so that every disabled test carries a
// reason of one of the two kinds.
func TestReasonKinds(t *testing.T) {
	r := load(t, `{"tests": {"Y": {"actual": "PASS", "expected": "PASS"}}}`,
		`{"DisabledTests": {"X-*": "Further investigation needed"}}`, "X-1", "Y")
	if len(r.BadReasons) != 1 || r.BadReasons[0] != "X-*" {
		t.Fatalf("BadReasons = %q, want [X-*]", r.BadReasons)
	}
	if r.OK() {
		t.Fatal("OK() with a reason of neither kind")
	}
}

// TestStalePatterns: a disabled pattern that matches no test name of the
// revision is reported by name; one that matches a test is not.
func TestStalePatterns(t *testing.T) {
	r := load(t, `{"tests": {}}`, `{"DisabledTests": {"Gone-*": "`+DiffersPrefix+`x", "Here-*": "`+LacksPrefix+`y"}}`,
		"Here-1", "Other")
	if len(r.Stale) != 1 || r.Stale[0] != "Gone-*" {
		t.Fatalf("Stale = %q, want [Gone-*]", r.Stale)
	}
	var out bytes.Buffer
	r.WriteText(&out)
	if !strings.Contains(out.String(), `disabled pattern "Gone-*" matches no test`) {
		t.Fatalf("output does not name the stale pattern:\n%s", out.String())
	}
}

// TestResultOutsideList: a failure of a test the name list lacks still
// counts as a failure.
func TestResultOutsideList(t *testing.T) {
	r := load(t, `{"tests": {"New": {"actual": "FAIL", "expected": "PASS", "is_unexpected": true}}}`, `{}`, "Old")
	if r.Count(Fail) != 1 || r.OK() {
		t.Fatalf("fail count %d, OK %v: a failure outside the list was lost", r.Count(Fail), r.OK())
	}
}

// TestInterrupted: an interrupted run is not OK even without failures.
func TestInterrupted(t *testing.T) {
	r := load(t, `{"interrupted": true, "tests": {"A": {"actual": "PASS", "expected": "PASS"}}}`, `{}`, "A")
	if r.OK() {
		t.Fatal("OK() for an interrupted run")
	}
}

// TestLoadErrors: a missing file, bad JSON, an empty test list and a bad
// pattern are errors that name what is wrong.
func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	good := writeJSON(t, dir, "r.json", `{"tests": {}}`)
	all := writeJSON(t, dir, "all.json", `{"tests": {"A": {}}}`)
	empty := writeJSON(t, dir, "empty.json", `{"tests": {}}`)
	badPat := writeJSON(t, dir, "c.json", `{"DisabledTests": {"[": "`+LacksPrefix+`x"}}`)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{"), 0o644)
	for _, c := range []struct{ r, c, a, want string }{
		{filepath.Join(dir, "missing.json"), good, all, "missing.json"},
		{bad, good, all, "bad.json"},
		{good, good, empty, "lists no test"},
		{good, badPat, all, `pattern "["`},
	} {
		if _, err := Load(c.r, c.c, c.a, "3.0.19"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Load(%s, %s, %s) = %v, want an error naming %q", c.r, c.c, c.a, err, c.want)
		}
	}
}
