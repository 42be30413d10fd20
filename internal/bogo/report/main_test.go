package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestSummariseCounts: passes, unexpected failures, unimplemented skips and
// disabled tests of each reason kind land in their own counts, and the
// closing line adds unimplemented and disabled into "skipped".
func TestSummariseCounts(t *testing.T) {
	var res results
	if err := jsonDecode(`{"tests": {
		"A-Pass": {"actual": "PASS", "expected": "PASS"},
		"B-Fail": {"actual": "FAIL", "expected": "PASS", "is_unexpected": true},
		"C-Unimpl": {"actual": "SKIP", "expected": "SKIP"}}}`, &res); err != nil {
		t.Fatal(err)
	}
	cfg := &shimConfig{DisabledTests: map[string]string{
		"D-*":     differsPrefix + "it sends another alert",
		"E-Lacks": lacksPrefix + "NPN",
	}}
	c, err := summarise(&res, cfg, []string{"A-Pass", "B-Fail", "C-Unimpl", "D-1", "D-2", "E-Lacks", "F-NotRun"})
	if err != nil {
		t.Fatal(err)
	}
	if c.passed != 1 || c.failed != 1 || c.unimplemented != 1 || c.differs != 2 || c.lacks != 1 {
		t.Fatalf("counts = %+v, want 1 passed, 1 failed, 1 unimplemented, 2 differ, 1 lacks", c)
	}
	var out bytes.Buffer
	c.print(&out)
	if !strings.HasSuffix(out.String(), "\n1 passed, 1 failed, 4 skipped\n") {
		t.Fatalf("output does not end with the closing line:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "FAILED: B-Fail\n") {
		t.Fatalf("output does not name the failure:\n%s", out.String())
	}
}

// TestSummariseReasonKinds: a disabled pattern whose reason is of neither
// kind is reported, so that every disabled test carries a checked reason.
func TestSummariseReasonKinds(t *testing.T) {
	cfg := &shimConfig{DisabledTests: map[string]string{"X-*": "Further investigation needed"}}
	c, err := summarise(&results{}, cfg, []string{"X-1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.badReasons) != 1 || c.badReasons[0] != "X-*" {
		t.Fatalf("badReasons = %q, want [X-*]", c.badReasons)
	}
}

// TestSummariseStalePatterns: a disabled pattern that matches no test name
// of the revision is reported by name; one that matches a test is not.
func TestSummariseStalePatterns(t *testing.T) {
	cfg := &shimConfig{DisabledTests: map[string]string{
		"Gone-*": differsPrefix + "x",
		"Here-*": lacksPrefix + "y",
	}}
	c, err := summarise(&results{}, cfg, []string{"Here-1", "Other"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.stale) != 1 || c.stale[0] != "Gone-*" {
		t.Fatalf("stale = %q, want [Gone-*]", c.stale)
	}
	var out bytes.Buffer
	c.print(&out)
	if !strings.Contains(out.String(), `disabled pattern "Gone-*" matches no test`) {
		t.Fatalf("output does not name the stale pattern:\n%s", out.String())
	}
}

func jsonDecode(s string, v any) error { return json.Unmarshal([]byte(s), v) }
