package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildCommand builds sslconform into a temporary directory, with the
// environment of the test (so the 1.1.1w leg builds against 1.1.1w).
func buildCommand(t *testing.T) string {
	t.Helper()
	// go test puts its own GOROOT/bin first on the test's PATH.
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build sslconform: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "sslconform")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// runBin runs the built command and returns its stdout and exit status.
func runBin(t *testing.T, bin string, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return stdout.String(), 0
	case errors.As(err, &ee):
		return stdout.String(), ee.ExitCode()
	default:
		t.Fatalf("run %s: %v\n%s", bin, err, stderr.String())
		return "", -1
	}
}

// TestWrongExpectationExitsNonZero runs the built command twice on the same
// checks: as it is (exit 0), and with one expectation made wrong through
// SSLCONFORM_WRONG_EXPECTATION (exit status not 0, the check reported FAIL).
func TestWrongExpectationExitsNonZero(t *testing.T) {
	bin := buildCommand(t)
	sel := "^C(01|05|28)$"
	out, code := runBin(t, bin, []string{"SSLCONFORM_WRONG_EXPECTATION="}, "-run", sel)
	if code != 0 || lastLine(out) != "3 passed, 0 failed" {
		t.Fatalf("plain run: exit %d, last line %q\n%s", code, lastLine(out), out)
	}
	for _, id := range []string{"C01", "C05", "C28"} {
		out, code = runBin(t, bin, []string{"SSLCONFORM_WRONG_EXPECTATION=" + id}, "-run", sel)
		if code == 0 {
			t.Fatalf("wrong expectation for %s: exit status 0\n%s", id, out)
		}
		if !strings.Contains(out, "\n"+id+" FAIL (") || lastLine(out) != "2 passed, 1 failed" {
			t.Fatalf("wrong expectation for %s: exit %d, report:\n%s", id, code, out)
		}
	}
}

func TestTextReport(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"-run", "C0[12]"}, &out, &errb)
	s := out.String()
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, s, errb.String())
	}
	for _, want := range []string{"libssl runtime: ", "libssl headers: ", "\nC01 PASS ", "\nC02 PASS ",
		"Where the man pages and libssl disagree", "SSL_set_session(3)\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q:\n%s", want, s)
		}
	}
	if lastLine(s) != "2 passed, 0 failed" {
		t.Errorf("last line %q", lastLine(s))
	}
}

func TestJSONReport(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-json", "-run", "C01"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rep report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.String())
	}
	if rep.Passed != 1 || rep.Failed != 0 || len(rep.Results) != 1 || rep.Results[0].ID != "C01" ||
		len(rep.Results[0].Observed) == 0 || rep.Runtime == "" || len(rep.Disagreements) == 0 {
		t.Fatalf("report %+v", rep)
	}
	if strings.TrimSpace(errb.String()) != "1 passed, 0 failed" {
		t.Fatalf("stderr %q", errb.String())
	}
}

func TestMarkdownReport(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-markdown", "-run", "C28"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	s := out.String()
	for _, want := range []string{"| ID | result | claim | man page | expected | observed |", "| C28 | PASS |", "`clear_ret=0`", "### SSL_clear(3)"} {
		if !strings.Contains(s, want) {
			t.Errorf("markdown lacks %q:\n%s", want, s)
		}
	}
	if lastLine(s) != "1 passed, 0 failed" {
		t.Errorf("last line %q", lastLine(s))
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"-run", "("}, {"-run", "NOPE"}, {"-json", "-markdown"}, {"extra"}, {"-bogus"}} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}
