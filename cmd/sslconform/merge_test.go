package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/libssl-go/libssl/conformance"
)

// fakeResult is a result with the given verdict and observations
// ("name=value" each).
func fakeResult(id string, st conformance.Status, obs ...string) conformance.Result {
	r := conformance.Result{ID: id, Status: st, Short: "claim of " + id, Claim: "the claim of " + id}
	for _, o := range obs {
		name, value, _ := strings.Cut(o, "=")
		r.Observed = append(r.Observed, conformance.Observation{Name: name, Value: value})
	}
	return r
}

// writeReport writes a -json report for version with the given results
// into dir/name.json and returns its path.
func writeReport(t *testing.T, dir, name, version string, rs ...conformance.Result) string {
	t.Helper()
	rep := report{Runtime: version, RuntimeText: "OpenSSL " + version, Header: version,
		HeaderText: "OpenSSL " + version, Line: "x", Results: rs}
	rep.Passed, rep.Failed, rep.Skipped = conformance.Summary(rs)
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name+".json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func runArgs(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return out.String(), errb.String(), code
}

// lineWith returns the first line of s that starts with prefix.
func lineWith(t *testing.T, s, prefix string) []string {
	t.Helper()
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			return strings.Fields(l)
		}
	}
	t.Fatalf("no line starting with %q in:\n%s", prefix, s)
	return nil
}

// threeReports: C01's "code" differs in the second build, C02 is the same
// everywhere, C28 fails in the second build, C05 is missing from the third.
// An observation counts as differing when its value is not the same in all
// builds that ran the check (a build without the check is shown as "-" in
// the verdict, not once more per observation).
func threeReports(t *testing.T) []string {
	dir := t.TempDir()
	return []string{
		writeReport(t, dir, "old", "1.1.1w",
			fakeResult("C01", conformance.Pass, "ret=0", "code=0x140BA0C3"),
			fakeResult("C02", conformance.Pass, "live=1"),
			fakeResult("C05", conformance.Pass, "state=before"),
			fakeResult("C28", conformance.Pass, "reason=68")),
		writeReport(t, dir, "mid", "3.0.19",
			fakeResult("C01", conformance.Pass, "ret=0", "code=0x0A0000C3"),
			fakeResult("C02", conformance.Pass, "live=1"),
			fakeResult("C05", conformance.Pass, "state=before"),
			fakeResult("C28", conformance.Fail, "reason=786691")),
		writeReport(t, dir, "new", "4.0.3",
			fakeResult("C01", conformance.Pass, "ret=0", "code=0x140BA0C3"),
			fakeResult("C02", conformance.Pass, "live=1"),
			fakeResult("C28", conformance.Pass, "reason=68")),
	}
}

// TestMergeText checks the text matrix: one column per build named by its
// version, the verdicts, a line per differing observation with its value in
// each build (and only for differing ones), "-" for a missing check, the
// count of differing checks, and exit status 1 because a build failed one.
func TestMergeText(t *testing.T) {
	paths := threeReports(t)
	out, errs, code := runArgs(append([]string{"-merge"}, paths...)...)
	if code != 1 {
		t.Errorf("exit %d, want 1 (the 3.0.19 report has a failure); stderr %q", code, errs)
	}
	if got := lineWith(t, out, "ID "); strings.Join(got, " ") != "ID 1.1.1w 3.0.19 4.0.3 claim" {
		t.Errorf("header %q", got)
	}
	if got := lineWith(t, out, "C01 "); strings.Join(got[:4], " ") != "C01 PASS PASS PASS" {
		t.Errorf("C01 line %q", got)
	}
	if got := lineWith(t, out, "C28 "); strings.Join(got[:4], " ") != "C28 PASS FAIL PASS" {
		t.Errorf("C28 line %q", got)
	}
	if got := lineWith(t, out, "C05 "); strings.Join(got[:4], " ") != "C05 PASS PASS -" {
		t.Errorf("C05 line %q", got)
	}
	if got := lineWith(t, out, "     0x140BA0C3"); strings.Join(got, " ") != "0x140BA0C3 0x0A0000C3 0x140BA0C3 code" {
		t.Errorf("C01 code values %q", got)
	}
	if got := lineWith(t, out, "     68"); strings.Join(got, " ") != "68 786691 68 reason" {
		t.Errorf("C28 reason values %q", got)
	}
	// C05's "state" is the same in every build that ran C05: not shown.
	for _, same := range []string{" ret\n", " live\n", " state\n"} {
		if strings.Contains(out, same) {
			t.Errorf("an observation that is the same everywhere is shown (%q):\n%s", same, out)
		}
	}
	if !strings.Contains(out, "\n3 of 4 checks differ between the builds\n") {
		t.Errorf("no or wrong count:\n%s", out)
	}
}

func TestMergeMarkdown(t *testing.T) {
	paths := threeReports(t)
	out, _, _ := runArgs(append([]string{"-merge", "-markdown"}, paths...)...)
	for _, want := range []string{
		"| ID | claim | 1.1.1w | 3.0.19 | 4.0.3 |\n|---|---|---|---|---|\n",
		"| C01 | claim of C01 | PASS `code=0x140BA0C3` | PASS `code=0x0A0000C3` | PASS `code=0x140BA0C3` |\n",
		"| C02 | claim of C02 | PASS | PASS | PASS |\n",
		"| C05 | claim of C05 | PASS | PASS | - |\n",
		"| C28 | claim of C28 | PASS `reason=68` | FAIL `reason=786691` | PASS `reason=68` |\n",
		"3 of 4 checks differ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
}

// TestMergeAllPassExitsZero: the same reports without the failure merge
// with exit status 0.
func TestMergeAllPassExitsZero(t *testing.T) {
	dir := t.TempDir()
	a := writeReport(t, dir, "a", "3.5.7", fakeResult("C01", conformance.Pass, "x=1"))
	b := writeReport(t, dir, "b", "3.6.5", fakeResult("C01", conformance.Pass, "x=2"))
	if out, errs, code := runArgs("-merge", a, b); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
}

// TestDiff checks that -diff lists exactly what changed between two
// reports, and exits 1 when something did.
func TestDiff(t *testing.T) {
	paths := threeReports(t)
	out, errs, code := runArgs("-diff", paths[0], paths[1])
	if code != 1 {
		t.Errorf("exit %d, want 1; stderr %q", code, errs)
	}
	want := "\nC01 claim of C01\n     code: 0x140BA0C3 -> 0x0A0000C3\n" +
		"C28 claim of C28\n     result: PASS -> FAIL\n     reason: 68 -> 786691\n" +
		"\n3 difference(s) in 2 check(s)\n"
	if !strings.HasSuffix(out, want) {
		t.Errorf("diff output:\n%s\nwant it to end with:\n%s", out, want)
	}
	if !strings.HasPrefix(out, "libssl conformance: what changes from 1.1.1w to 3.0.19\n") {
		t.Errorf("diff header:\n%s", out)
	}

	// A check present in only one report is a difference too.
	out, _, code = runArgs("-diff", "-markdown", paths[1], paths[2])
	for _, w := range []string{
		"| C05 | claim of C05 | `result` | `PASS` | `-` |\n",
		"| C28 | claim of C28 | `result` | `FAIL` | `PASS` |\n",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("markdown diff lacks %q:\n%s", w, out)
		}
	}
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
}

// TestDiffOfARealReport runs the checks with -json, then diffs the report
// with itself (no differences, exit 0) and with a copy in which one
// observed value was changed (that one difference, exit 1): the JSON the
// command writes is the JSON -diff reads.
func TestDiffOfARealReport(t *testing.T) {
	out, errs, code := runArgs("-json", "-run", "^C0[12]$")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	dir := t.TempDir()
	a := filepath.Join(dir, "a.json")
	if err := os.WriteFile(a, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	got, _, code := runArgs("-diff", a, a)
	if code != 0 || !strings.HasSuffix(got, "\n0 difference(s) in 0 check(s)\n") {
		t.Fatalf("self diff: exit %d\n%s", code, got)
	}
	var rep report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	o := &rep.Results[0].Observed[0]
	old := o.Value
	o.Value = "changed"
	b, _ := json.Marshal(rep)
	c := filepath.Join(dir, "c.json")
	if err := os.WriteFile(c, b, 0o644); err != nil {
		t.Fatal(err)
	}
	got, _, code = runArgs("-diff", a, c)
	want := "     " + o.Name + ": " + old + " -> changed\n"
	if code != 1 || !strings.Contains(got, want) || !strings.HasSuffix(got, "\n1 difference(s) in 1 check(s)\n") {
		t.Fatalf("diff with a changed value: exit %d\n%s\nwant %q", code, got, want)
	}
	// The two columns have the same version: the file names tell them apart.
	if !strings.Contains(got, "("+"a) to ") || !strings.Contains(got, "(c)\n") {
		t.Errorf("labels of two reports of one version do not name the files:\n%s", got)
	}
}

func TestMergeUsageErrors(t *testing.T) {
	dir := t.TempDir()
	good := writeReport(t, dir, "good", "3.0.19", fakeResult("C01", conformance.Pass))
	notJSON := filepath.Join(dir, "bad.json")
	os.WriteFile(notJSON, []byte("C01 PASS\n"), 0o644)
	empty := filepath.Join(dir, "empty.json")
	os.WriteFile(empty, []byte("{}"), 0o644)
	for _, args := range [][]string{
		{"-merge"},
		{"-diff", good},
		{"-diff", good, good, good},
		{"-merge", "-diff", good, good},
		{"-merge", "-json", good},
		{"-merge", "-run", "C01", good},
		{"-merge", good, filepath.Join(dir, "missing.json")},
		{"-merge", notJSON},
		{"-diff", good, empty},
	} {
		if _, _, code := runArgs(args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}
