// Package conformance checks, against the libssl the program links, the
// documented behaviours of SSL_new, SSL_dup, SSL_up_ref, SSL_clear and
// SSL_set_session recorded in conformance/CLAIMS.md, the claims document
// kept beside this package.
//
// Each row of CLAIMS.md is a Check: its ID, the claim in one sentence, the
// man page it comes from and the expected outcome per OpenSSL version line
// (1.1.1, 3.x, 3.5+, 3.6+, 4.0+) where the outcome differs; every such
// difference is also a row of the document's table of version differences. Running a check yields a Result with the values
// it observed. A check never panics and frees everything it made: Run
// verifies after every check that the destruction probe
// (libssl.LiveObjects) is back where it was before the check, and that no
// handle was left to the garbage collector's backstop.
//
// The checks use only the public API of the libssl package.
package conformance

import (
	"fmt"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"time"

	libssl "github.com/libssl-go/libssl"
)

// Status is the verdict on one check.
type Status string

// The verdicts.
const (
	Pass Status = "PASS"
	Fail Status = "FAIL"
	Skip Status = "SKIP"
)

// Version lines: the OpenSSL releases whose outcomes the expectations name.
const (
	Line111 = "1.1.1"
	Line3   = "3.x"
	// Line35 is OpenSSL 3.5 and newer. Where a check has no expectation
	// for it, the 3.x one holds.
	Line35 = "3.5+"
	// Line36 is OpenSSL 3.6 and newer; without an expectation of its own,
	// the 3.5+ one holds.
	Line36 = "3.6+"
	// Line40 is OpenSSL 4.0 and newer; without an expectation of its own,
	// the 3.6+ one holds.
	Line40 = "4.0+"
)

// Lines lists the version lines, oldest first.
func Lines() []string { return []string{Line111, Line3, Line35, Line36, Line40} }

// lineFallback is the line whose expectation holds where a check has none
// of its own for a line.
var lineFallback = map[string]string{Line35: Line3, Line36: Line35, Line40: Line36}

// expectation returns the check's expectation for line, following
// lineFallback, and false when the outcome does not differ by line.
func (c Check) expectation(line string) (Expectation, bool) {
	for l := line; l != ""; l = lineFallback[l] {
		for _, x := range c.ByLine {
			if x.Line == l {
				return x, true
			}
		}
	}
	return Expectation{}, false
}

// Expectation is the outcome a check expects on one version line. Values
// holds the observed values that differ by line, by observation name; the
// check compares its observations against them.
type Expectation struct {
	Line   string            // Line111, Line3, Line35, Line36 or Line40
	Text   string            // the outcome in words, as CLAIMS.md writes it
	Values map[string]string // observation name → expected value on this line
}

// Check is one row of CLAIMS.md.
type Check struct {
	ID    string // "C01"
	Claim string // the claim in one sentence
	Short string // the claim in a few words, for one-line reports
	Page  string // the man page the claim comes from, e.g. "SSL_new(3)"
	// Outcome is the expected outcome on every line, in words.
	Outcome string
	// ByLine lists the expectations that differ by version line; empty when
	// the outcome is the same everywhere.
	ByLine []Expectation

	run func(e *env)
}

// Observation is one value a check observed, as text.
type Observation struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Result is the outcome of running one check.
type Result struct {
	ID       string        `json:"id"`
	Status   Status        `json:"status"`
	Reason   string        `json:"reason,omitempty"` // why it failed or was skipped
	Claim    string        `json:"claim"`
	Short    string        `json:"short"`
	Page     string        `json:"page"`
	Expected string        `json:"expected"` // the expectation for the running line
	Observed []Observation `json:"observed"`
	Duration time.Duration `json:"duration_ns"`
}

// ObservedMap returns the observations as a map, by name.
func (r Result) ObservedMap() map[string]string {
	m := make(map[string]string, len(r.Observed))
	for _, o := range r.Observed {
		m[o.Name] = o.Value
	}
	return m
}

// Options change how checks run.
type Options struct {
	// WrongExpectation names checks whose first expectation is replaced by a
	// value that cannot hold, so that they must fail. It exists to test
	// that a wrong expectation is reported (and makes sslconform exit
	// non-zero).
	WrongExpectation map[string]bool
}

// RunningLine returns the version line of the running libssl.
func RunningLine() string { return lineOf(libssl.RuntimeVersion()) }

// lineOf returns the version line of an OPENSSL_VERSION_NUMBER.
func lineOf(v uint64) string {
	switch {
	case v >= 0x40000000:
		return Line40
	case v >= 0x30600000:
		return Line36
	case v >= 0x30500000:
		return Line35
	case v >= 0x30000000:
		return Line3
	}
	return Line111
}

// Checks returns every check, in ID order.
func Checks() []Check {
	out := make([]Check, len(all))
	copy(out, all)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Select returns the checks whose ID matches re ("" selects all).
func Select(re string) ([]Check, error) {
	if re == "" {
		return Checks(), nil
	}
	rx, err := regexp.Compile(re)
	if err != nil {
		return nil, err
	}
	var out []Check
	for _, c := range Checks() {
		if rx.MatchString(c.ID) {
			out = append(out, c)
		}
	}
	return out, nil
}

// Expected returns the expectation, in words, for the given line.
func (c Check) Expected(line string) string {
	if x, ok := c.expectation(line); ok {
		return x.Text
	}
	return c.Outcome
}

// abort unwinds a check that cannot go on; run recovers it.
type abort struct{ msg string }

// env is what a check body works with: it records observations and
// compares them with the expectations.
type env struct {
	check    *Check
	line     string
	obs      []Observation
	failures []string
	wrong    bool // replace the first expectation with an impossible one
	base     libssl.Objects
	cleanups []func()
}

func (e *env) observe(name string, v any) string {
	s := format(v)
	e.obs = append(e.obs, Observation{Name: name, Value: s})
	return s
}

// format turns an observed value into the text both the Go checks and the C
// reference program print.
func format(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case bool:
		if x {
			return "1"
		}
		return "0"
	case libssl.ProtocolVersion:
		return fmt.Sprintf("0x%x", int(x))
	case libssl.Method:
		return x.String()
	default:
		return fmt.Sprint(v)
	}
}

// expect records got under name and compares it with want.
func (e *env) expect(name string, got, want any) {
	g := e.observe(name, got)
	w := format(want)
	if e.wrong {
		e.wrong = false
		w = "wrong-expectation(" + w + ")"
	}
	if g != w {
		e.failures = append(e.failures, fmt.Sprintf("%s = %s, want %s", name, g, w))
	}
}

// expectLine compares got with the value the check's expectation for the
// running line gives for name.
func (e *env) expectLine(name string, got any) {
	if x, ok := e.check.expectation(e.line); ok {
		if w, ok := x.Values[name]; ok {
			e.expect(name, got, w)
			return
		}
	}
	e.observe(name, got)
	e.failures = append(e.failures, fmt.Sprintf("%s: no expectation for OpenSSL line %s", name, e.line))
}

// must aborts the check when err is not nil: a step it needs failed.
func (e *env) must(step string, err error) {
	if err != nil {
		panic(abort{fmt.Sprintf("%s: %v", step, err)})
	}
}

// fatalf aborts the check.
func (e *env) fatalf(format string, args ...any) {
	panic(abort{fmt.Sprintf(format, args...)})
}

// Run runs the checks one after the other and returns their results. After
// each check it verifies that the destruction probe is back where it was
// before the check and that the check dropped no handle without Free; a
// check that fails either test fails.
func Run(checks []Check, opts Options) []Result {
	out := make([]Result, 0, len(checks))
	for i := range checks {
		out = append(out, RunOne(&checks[i], opts))
	}
	return out
}

// RunOne runs one check; see Run.
func RunOne(c *Check, opts Options) Result {
	line := RunningLine()
	res := Result{ID: c.ID, Claim: c.Claim, Short: c.Short, Page: c.Page, Expected: c.Expected(line)}
	if err := libssl.InitError(); err != nil {
		res.Status, res.Reason = Skip, "libssl did not start: "+err.Error()
		return res
	}
	before := libssl.LiveObjects()
	backstop := libssl.CleanupFrees()
	e := &env{check: c, line: line, wrong: opts.WrongExpectation[c.ID], base: before}
	start := time.Now()
	aborted := runBody(c, e)
	res.Duration = time.Since(start)
	res.Observed = e.obs

	var problems []string
	if aborted != "" {
		problems = append(problems, "aborted: "+aborted)
	}
	problems = append(problems, e.failures...)
	if after, ok := settle(before); !ok {
		problems = append(problems, fmt.Sprintf("destruction probe not back to its start: before %+v, after %+v", before, after))
	}
	if n := libssl.CleanupFrees() - backstop; n != 0 {
		problems = append(problems, fmt.Sprintf("%d handle(s) released by the GC backstop instead of Free", n))
	}
	if len(problems) == 0 {
		res.Status = Pass
	} else {
		res.Status, res.Reason = Fail, strings.Join(problems, "; ")
	}
	return res
}

// runBody runs the check's body and turns an abort or any panic into a
// message: a check never panics to its caller.
func runBody(c *Check, e *env) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			if a, ok := r.(abort); ok {
				msg = a.msg
			} else {
				msg = fmt.Sprintf("panic: %v", r)
			}
		}
	}()
	// Free everything the check registered, newest first, also when it
	// aborted half way.
	defer func() {
		for i := len(e.cleanups) - 1; i >= 0; i-- {
			e.cleanups[i]()
		}
		e.cleanups = nil
	}()
	c.run(e)
	return ""
}

// settleTimeout bounds how long settle runs the GC after a leak.
var settleTimeout = 5 * time.Second

// settle waits for the probe to read want. Everything a check made is freed
// explicitly, so it normally reads want at once; if it does not, the check
// leaked, and the GC is run (for at most settleTimeout) so that the backstop
// frees what it can before the next check starts.
func settle(want libssl.Objects) (libssl.Objects, bool) {
	if live := libssl.LiveObjects(); live == want {
		return live, true
	}
	deadline := time.Now().Add(settleTimeout)
	for time.Now().Before(deadline) {
		runtime.GC()
		if libssl.LiveObjects() == want {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	return libssl.LiveObjects(), false
}

// Summary counts passes and failures.
func Summary(rs []Result) (passed, failed, skipped int) {
	for _, r := range rs {
		switch r.Status {
		case Pass:
			passed++
		case Fail:
			failed++
		default:
			skipped++
		}
	}
	return
}

// all is the table of checks, filled by the check files' init functions.
var all []Check

func register(cs ...Check) { all = append(all, cs...) }
