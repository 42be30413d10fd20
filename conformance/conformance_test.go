package conformance

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	libssl "github.com/libssl-go/libssl"
)

func TestMain(m *testing.M) {
	if err := libssl.InitError(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Fprintf(os.Stderr, "conformance: header %s, runtime %s\n", libssl.HeaderVersionText(), libssl.RuntimeVersionText())
	// The 1.1.1w leg sets this, so that a build that picked up the system's
	// OpenSSL fails instead of passing on the wrong version.
	if want := os.Getenv("LIBSSL_GO_EXPECT_RUNTIME"); want != "" {
		if got := libssl.VersionString(libssl.RuntimeVersion()); got != want {
			fmt.Fprintf(os.Stderr, "FAIL: running against OpenSSL %s, want %s\n", got, want)
			os.Exit(2)
		}
	}
	os.Exit(m.Run())
}

// TestChecks runs every check as a subtest. RunOne itself verifies that the
// destruction probe is back at its start after the check; the subtest
// verifies it once more, independently.
func TestChecks(t *testing.T) {
	for _, c := range Checks() {
		t.Run(c.ID, func(t *testing.T) {
			before := libssl.LiveObjects()
			r := RunOne(&c, Options{})
			for _, o := range r.Observed {
				t.Logf("%s = %s", o.Name, o.Value)
			}
			if r.Status != Pass {
				t.Fatalf("%s %s: %s (expected: %s)", r.ID, r.Status, r.Reason, r.Expected)
			}
			if after := libssl.LiveObjects(); after != before {
				t.Fatalf("destruction probe moved: %+v → %+v", before, after)
			}
		})
	}
}

// TestTable checks the table itself: the 32 rows of CLAIMS.md, each with a
// claim, a short form, a page and an expectation for both version lines.
func TestTable(t *testing.T) {
	want := strings.Fields("C01 C02 C03 C05 C06 C07 C08 C09 C10 C11 C12 C14 C15 C16 C18 C19 C20 C22 C23 C25 C26 C27 C28 C30 C31 C32 C33 C34 C35 C37 C39 C40")
	cs := Checks()
	if len(cs) != len(want) {
		t.Fatalf("%d checks, want %d", len(cs), len(want))
	}
	pages := map[string]bool{pageNew: true, pageClear: true, pageSetSession: true}
	for i, c := range cs {
		if c.ID != want[i] {
			t.Errorf("check %d is %s, want %s", i, c.ID, want[i])
		}
		if c.Claim == "" || c.Short == "" || c.Outcome == "" || c.run == nil || !pages[c.Page] {
			t.Errorf("%s: incomplete (claim %q, short %q, outcome %q, page %q)", c.ID, c.Claim, c.Short, c.Outcome, c.Page)
		}
		for _, x := range c.ByLine {
			if !slices.Contains(Lines(), x.Line) || len(x.Values) == 0 {
				t.Errorf("%s: bad version expectation %+v", c.ID, x)
			}
		}
		// 3.5+ may be left out (the 3.x expectation holds there).
		_, has111 := c.expectation(Line111)
		_, has3 := c.expectation(Line3)
		if len(c.ByLine) != 0 && (!has111 || !has3) {
			t.Errorf("%s: a version-dependent check must name both 1.1.1 and 3.x", c.ID)
		}
	}
	for _, id := range []string{"C01", "C28"} {
		if c, _ := Select("^" + id + "$"); len(c) != 1 || len(c[0].ByLine) < 2 {
			t.Errorf("%s must carry per-version expectations", id)
		}
	}
	// C28's function moved in 3.5: the 3.5 line has its own expectation,
	// and a line without one (C01's 3.5) falls back to 3.x.
	c28, _ := Select("^C28$")
	if x, _ := c28[0].expectation(Line35); x.Values["func"] != "ossl_ssl_connection_reset" {
		t.Errorf("C28 on 3.5+: %+v", x)
	}
	c01, _ := Select("^C01$")
	if x, ok := c01[0].expectation(Line35); !ok || x.Line != Line3 {
		t.Errorf("C01 on 3.5+ should fall back to 3.x, got %+v", x)
	}
	// 3.6 and 4.0 behave as 3.5 in every check (observed on 3.6.5 and
	// 4.0.3): their lines fall back to 3.5+, and from there to 3.x.
	for _, l := range []string{Line36, Line40} {
		if x, _ := c28[0].expectation(l); x.Line != Line35 {
			t.Errorf("C28 on %s should fall back to 3.5+, got %+v", l, x)
		}
		if x, _ := c01[0].expectation(l); x.Line != Line3 {
			t.Errorf("C01 on %s should fall back to 3.x, got %+v", l, x)
		}
	}
}

// TestLineOf maps OPENSSL_VERSION_NUMBERs of each supported release to its
// version line.
func TestLineOf(t *testing.T) {
	for v, want := range map[uint64]string{
		0x1010117f: Line111, // 1.1.1w
		0x30000130: Line3,   // 3.0.19
		0x30400000: Line3,   // 3.4.0
		0x30500000: Line35,  // 3.5.0
		0x30500070: Line35,  // 3.5.7
		0x30600000: Line36,  // 3.6.0
		0x30600050: Line36,  // 3.6.5
		0x40000000: Line40,  // 4.0.0
		0x40000030: Line40,  // 4.0.3
		0x40100000: Line40,  // 4.1.0
	} {
		if got := lineOf(v); got != want {
			t.Errorf("lineOf(%#x) = %s, want %s", v, got, want)
		}
	}
}

// TestWrongExpectationFails shows that every check compares what it
// observes: with one expectation made wrong, it fails.
func TestWrongExpectationFails(t *testing.T) {
	for _, c := range Checks() {
		r := RunOne(&c, Options{WrongExpectation: map[string]bool{c.ID: true}})
		if r.Status != Fail || !strings.Contains(r.Reason, "wrong-expectation") {
			t.Errorf("%s with a wrong expectation: %s %q", c.ID, r.Status, r.Reason)
		}
	}
}

func TestSelect(t *testing.T) {
	cs, err := Select("C0[12]$")
	if err != nil || len(cs) != 2 || cs[0].ID != "C01" || cs[1].ID != "C02" {
		t.Fatalf("Select: %v, %v", cs, err)
	}
	if _, err := Select("("); err == nil {
		t.Fatal("Select accepted a bad regexp")
	}
}

// TestLeakIsReported shows that the probe check works: a check that keeps
// an object alive past its end fails.
func TestLeakIsReported(t *testing.T) {
	defer func(d time.Duration) { settleTimeout = d }(settleTimeout)
	settleTimeout = 100 * time.Millisecond
	var kept *libssl.Ctx
	c := Check{ID: "X99", Claim: "leaks", Short: "leaks", Page: pageNew, Outcome: "-", run: func(e *env) {
		ctx, err := libssl.NewCtx(libssl.TLSMethod)
		e.must("ctx", err)
		kept = ctx
	}}
	r := RunOne(&c, Options{})
	kept.Free()
	if r.Status != Fail || !strings.Contains(r.Reason, "destruction probe") {
		t.Fatalf("leaking check: %s %q", r.Status, r.Reason)
	}
	c.run = func(e *env) { panic("boom") }
	if r := RunOne(&c, Options{}); r.Status != Fail || !strings.Contains(r.Reason, "boom") {
		t.Fatalf("panicking check: %s %q", r.Status, r.Reason)
	}
}
