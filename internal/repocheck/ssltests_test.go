package repocheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fakeSSLTestsDir lays out a leg folder as ci/ssl-tests-src.sh leaves it
// before its run step, with a fake ssl_test (a shell script printing the
// TAP that C's ssl_test prints) and the given case files: name -> the
// ssl_test output for it. The fake records its arguments and environment in
// DIR/args.
func fakeSSLTestsDir(t *testing.T, cases map[string]int, tap map[string]string, disabled string) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"ssl-tests", "certs", "ct", "src/test"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, text string, mode os.FileMode) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), mode); err != nil {
			t.Fatal(err)
		}
	}
	for name, n := range cases {
		write("ssl-tests/"+name, "num_tests = "+strconv.Itoa(n)+"\n", 0o644)
	}
	write("VERSION", "3.0.99 (fake)\n", 0o644)
	write("disabled", disabled, 0o644)
	// 3.x's ssl_test.c takes the provider argument (test_arg_libctx).
	write("src/test/ssl_test.c", "/* ... test_arg_libctx(...) ... */\n", 0o644)
	script := "#!/bin/sh\n" +
		"echo \"$(basename \"$1\") $2 $TEST_CERTS_DIR $CTLOG_FILE $OPENSSL_CONF\" >>\"$(dirname \"$0\")/args\"\n" +
		"case $(basename \"$1\") in\n"
	for name, out := range tap {
		script += name + ") cat <<'EOF'\n" + out + "EOF\n;;\n"
	}
	script += "esac\n"
	write("ssl_test", script, 0o755)
	return dir
}

func runSSLTestsRunOnly(t *testing.T, dir string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		// bash is part of what the project needs (make's recipes, .ci/run,
		// ci/*.sh): without it the script under test cannot run at all.
		t.Fatalf("ci/ssl-tests-src.sh is a bash script and bash is not on PATH: %v", err)
	}
	cmd := exec.Command("bash", filepath.Join(root, "ci", "ssl-tests-src.sh"), "--run-only", dir)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestSSLTestsCResults: ci/ssl-tests-src.sh's run step turns C's TAP into
// c-results.tsv, one line per case of each file: "ok" is pass, "not ok"
// fail, "# skipped" skip, a case with no verdict (the program died) fail, a
// one-case file's top-level verdict its case's, and a file OpenSSL's
// harness skips on a build without its feature (29-dtls-sctp-label-bug
// without SCTP) skip for every case, without running it. ssl_test gets the
// file and "default" (3.x), and the environment the cases expect.
func TestSSLTestsCResults(t *testing.T) {
	dir := fakeSSLTestsDir(t,
		map[string]int{"01-a.cnf": 4, "02-one.cnf": 1, "29-dtls-sctp-label-bug.cnf": 2},
		map[string]string{
			"01-a.cnf": "1..1\n    # Subtest: test_handshake\n    1..4\n    ok 1 - iteration 1\n" +
				"    # ERROR: mismatch\n    not ok 2 - iteration 2\n    ok 3 - iteration 3 # skipped\n",
			"02-one.cnf": "1..1\nok 1 - test_handshake\n",
		},
		"ASAN SCTP SSL3 ")
	out, err := runSSLTestsRunOnly(t, dir)
	if err != nil {
		t.Fatalf("run step failed: %v\n%s", err, out)
	}
	got, err := os.ReadFile(filepath.Join(dir, "c-results.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	want := "01-a.cnf\t0\tpass\n01-a.cnf\t1\tfail\n01-a.cnf\t2\tskip\n01-a.cnf\t3\tfail\n" +
		"02-one.cnf\t0\tpass\n" +
		"29-dtls-sctp-label-bug.cnf\t0\tskip\n29-dtls-sctp-label-bug.cnf\t1\tskip\n"
	if string(got) != want {
		t.Errorf("c-results.tsv:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(out, "2 passed, 2 failed, 3 skipped") {
		t.Errorf("summary missing or wrong in:\n%s", out)
	}
	args, err := os.ReadFile(filepath.Join(dir, "args"))
	if err != nil {
		t.Fatal(err)
	}
	wantArgs := "01-a.cnf default " + dir + "/certs " + dir + "/ct/log_list.cnf " + dir + "/openssl.cnf\n" +
		"02-one.cnf default " + dir + "/certs " + dir + "/ct/log_list.cnf " + dir + "/openssl.cnf\n"
	if string(args) != wantArgs {
		t.Errorf("ssl_test ran with:\n%s\nwant (29-... not run):\n%s", args, wantArgs)
	}
}

// TestSSLTestsCResultsBroken: a run in which C passes no case (ssl_test
// dies at once, say) fails the step, and its cases are failures.
func TestSSLTestsCResultsBroken(t *testing.T) {
	dir := fakeSSLTestsDir(t, map[string]int{"01-a.cnf": 2}, map[string]string{}, "")
	out, err := runSSLTestsRunOnly(t, dir)
	if err == nil {
		t.Fatalf("run step succeeded with no case passed:\n%s", out)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "c-results.tsv"))
	if want := "01-a.cnf\t0\tfail\n01-a.cnf\t1\tfail\n"; string(got) != want {
		t.Errorf("c-results.tsv:\n%s\nwant:\n%s", got, want)
	}
}
