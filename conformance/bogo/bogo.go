// Package bogo classifies one run of BoringSSL's BoGo runner
// (ssl/test/runner) against the binding's shim (internal/bogo/shim): every
// test of the runner's revision is passed, failed, unimplemented (the shim
// exited 89 for a flag it cannot honour) or disabled by the shim config,
// and a disabled test is one of two kinds, told apart by its reason: libssl
// behaves differently from BoringSSL, or the binding lacks a feature.
//
// cmd/sslconform reads a run through Load and keeps the Report in its -json
// report, so that -merge and -diff show, test by test, what changes from
// one OpenSSL version to another.
package bogo

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Outcome is what became of one test.
type Outcome string

// The outcomes. Differs and Lacks are the two kinds of disabled tests.
const (
	Pass          Outcome = "pass"
	Fail          Outcome = "fail"
	Unimplemented Outcome = "unimplemented"
	Differs       Outcome = "disabled: libssl differs"
	Lacks         Outcome = "disabled: binding lacks"
	// NotRun is a test of the revision that is neither in the results
	// nor disabled: the run was cut short or restricted with -test.
	NotRun Outcome = "not run"
)

// Reason prefixes of the two kinds of disabled tests, as the shim config
// writes them.
const (
	DiffersPrefix = "libssl behaves differently from BoringSSL: "
	LacksPrefix   = "the binding lacks "
)

// Test is one test of the runner's revision.
type Test struct {
	Name    string  `json:"name"`
	Outcome Outcome `json:"outcome"`
	// Detail is the runner's error for a failed test and the config's
	// reason for a disabled one.
	Detail string `json:"detail,omitempty"`
}

// Report is one run, every test of the revision in name order.
type Report struct {
	Tests []Test `json:"tests"`
	// Interrupted is the runner's own flag: the run did not finish.
	Interrupted bool `json:"interrupted,omitempty"`
	// BadReasons are DisabledTests patterns whose reason is of neither
	// kind; Stale are patterns that match no test of the revision.
	BadReasons []string `json:"bad_reasons,omitempty"`
	Stale      []string `json:"stale,omitempty"`
}

// runnerResults is the part of the runner's -json-output (its
// util/testresult format) read here.
type runnerResults struct {
	Interrupted bool `json:"interrupted"`
	Tests       map[string]struct {
		Actual       string `json:"actual"`
		Expected     string `json:"expected"`
		IsUnexpected bool   `json:"is_unexpected"`
		Error        string `json:"error"`
	} `json:"tests"`
}

// shimConfig is the part of the runner's -shim-config file read here.
type shimConfig struct {
	DisabledTests map[string]string
}

// Load reads a run on OpenSSL version: the runner's -json-output file, the
// shim config (as EffectiveConfig makes it for version, so the base config
// and the one the runner got both do), and the -json-output of a run that
// lists every test of the revision (a run with -include-disabled against a
// shim that implements nothing), whose test names are the only part read.
func Load(resultsPath, configPath, allPath, version string) (*Report, error) {
	var res, all runnerResults
	var cfg shimConfig
	for _, f := range []struct {
		path string
		v    any
	}{{resultsPath, &res}, {configPath, &cfg}, {allPath, &all}} {
		b, err := os.ReadFile(f.path)
		if err != nil {
			return nil, err
		}
		if f.path == configPath {
			if b, err = EffectiveConfig(b, version); err != nil {
				return nil, fmt.Errorf("%s: %v", f.path, err)
			}
		}
		if err := json.Unmarshal(b, f.v); err != nil {
			return nil, fmt.Errorf("%s: %v", f.path, err)
		}
	}
	if len(all.Tests) == 0 {
		return nil, fmt.Errorf("%s lists no test", allPath)
	}
	names := make([]string, 0, len(all.Tests))
	for n := range all.Tests {
		names = append(names, n)
	}
	return classify(&res, &cfg, names)
}

// classify builds the report: a test the runner ran has the runner's
// outcome; one it did not run is disabled if a DisabledTests pattern
// matches it (the first in pattern order), else not run.
func classify(res *runnerResults, cfg *shimConfig, all []string) (*Report, error) {
	r := &Report{Interrupted: res.Interrupted}
	patterns := make([]string, 0, len(cfg.DisabledTests))
	for p, reason := range cfg.DisabledTests {
		if _, err := filepath.Match(p, ""); err != nil {
			return nil, fmt.Errorf("disabled pattern %q: %v", p, err)
		}
		if !strings.HasPrefix(reason, DiffersPrefix) && !strings.HasPrefix(reason, LacksPrefix) {
			r.BadReasons = append(r.BadReasons, p)
		}
		patterns = append(patterns, p)
	}
	sort.Strings(patterns)
	sort.Strings(r.BadReasons)
	matched := map[string]bool{}
	seen := map[string]bool{}
	for _, name := range all {
		seen[name] = true
		var pat string
		for _, p := range patterns {
			if ok, _ := filepath.Match(p, name); ok {
				matched[p] = true
				if pat == "" {
					pat = p
				}
			}
		}
		t := Test{Name: name}
		if rt, ran := res.Tests[name]; ran {
			switch {
			case rt.Actual == "PASS":
				t.Outcome = Pass
			case rt.Actual == "SKIP" && !rt.IsUnexpected:
				t.Outcome = Unimplemented
			default:
				t.Outcome, t.Detail = Fail, rt.Error
			}
		} else if pat != "" {
			t.Outcome, t.Detail = Differs, cfg.DisabledTests[pat]
			if strings.HasPrefix(t.Detail, LacksPrefix) {
				t.Outcome = Lacks
			}
		} else {
			t.Outcome = NotRun
		}
		r.Tests = append(r.Tests, t)
	}
	// A result for a test the list does not hold (a list of another
	// revision) is kept, so that no failure goes uncounted.
	for name, rt := range res.Tests {
		if !seen[name] {
			t := Test{Name: name, Outcome: Pass}
			if rt.Actual != "PASS" {
				t.Outcome, t.Detail = Fail, "not in the revision's test list: "+rt.Error
			}
			r.Tests = append(r.Tests, t)
		}
	}
	for _, p := range patterns {
		if !matched[p] {
			r.Stale = append(r.Stale, p)
		}
	}
	sort.Slice(r.Tests, func(i, j int) bool { return r.Tests[i].Name < r.Tests[j].Name })
	return r, nil
}

// Count returns how many tests have outcome o.
func (r *Report) Count(o Outcome) int {
	n := 0
	for _, t := range r.Tests {
		if t.Outcome == o {
			n++
		}
	}
	return n
}

// Skipped is unimplemented plus disabled: the tests that neither passed
// nor failed.
func (r *Report) Skipped() int {
	return r.Count(Unimplemented) + r.Count(Differs) + r.Count(Lacks)
}

// OK reports whether the run holds up: no failed test, every disabled test
// with a reason of one of the two kinds, and the run not interrupted. Tests
// left unrun (a run restricted with the runner's -test) are named by
// WriteText but are no failure.
func (r *Report) OK() bool {
	return r.Count(Fail) == 0 && len(r.BadReasons) == 0 && !r.Interrupted
}

// WriteText prints the failures, the config's problems, the counts, and
// the closing line "N passed, N failed, N skipped".
func (r *Report) WriteText(w io.Writer) {
	for _, t := range r.Tests {
		if t.Outcome == Fail {
			fmt.Fprintf(w, "FAILED: %s: %s\n", t.Name, firstLine(t.Detail))
		}
	}
	if n := r.Count(NotRun); n > 0 {
		fmt.Fprintf(w, "%d test(s) of the revision did not run (a run restricted with -test, or cut short)\n", n)
	}
	if r.Interrupted {
		fmt.Fprintln(w, "the runner reports the run as interrupted")
	}
	for _, p := range r.BadReasons {
		fmt.Fprintf(w, "disabled pattern %q: its reason is of neither kind (%q..., %q...)\n", p, DiffersPrefix, LacksPrefix)
	}
	for _, p := range r.Stale {
		fmt.Fprintf(w, "disabled pattern %q matches no test of the runner's revision\n", p)
	}
	d, l := r.Count(Differs), r.Count(Lacks)
	fmt.Fprintf(w, "pass %d, fail %d, unimplemented %d, disabled %d (libssl differs %d, binding lacks %d)\n",
		r.Count(Pass), r.Count(Fail), r.Count(Unimplemented), d+l, d, l)
	fmt.Fprintf(w, "%d passed, %d failed, %d skipped\n", r.Count(Pass), r.Count(Fail), r.Skipped())
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " ..."
	}
	return s
}
