package ssltests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/libssl-go/libssl/internal/testcerts"
)

func TestParseConfig(t *testing.T) {
	t.Setenv("SSLTESTS_PARSE_DIR", "/certs")
	src := `# comment
num_tests = 2   # trailing comment
top = value
[ a section with spaces ]
Certificate = ${ENV::SSLTESTS_PARSE_DIR}/a.pem
Quoted = "x # not a comment"
Escaped = one\#two
Ref = $top-$(top)
ECDSA.Certificate = b.pem
Empty =
Long = first \
second
[ a section with spaces ]
Certificate = again
`
	c, err := ParseConfig(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := c.Get("default", "num_tests"); v != "2" {
		t.Errorf("num_tests = %q", v)
	}
	kv, ok := c.Section("a section with spaces")
	if !ok {
		t.Fatal("section with spaces missing")
	}
	want := []KV{
		{"Certificate", "/certs/a.pem"},
		{"Quoted", "x # not a comment"},
		{"Escaped", "one#two"},
		{"Ref", "value-value"},
		{"ECDSA.Certificate", "b.pem"},
		{"Empty", ""},
		{"Long", "first second"},
		{"Certificate", "again"}, // a reopened section appends
	}
	if len(kv) != len(want) {
		t.Fatalf("section: %q, want %q", kv, want)
	}
	for i := range want {
		if kv[i] != want[i] {
			t.Errorf("line %d: %q, want %q", i, kv[i], want[i])
		}
	}
	if v, _ := c.Get("a section with spaces", "Certificate"); v != "again" {
		t.Errorf("Get returns %q, want the last value", v)
	}
	for _, bad := range []string{
		"x = ${ENV::SSLTESTS_SURELY_UNSET_VARIABLE}\n",
		"[unclosed\n",
		"no equal sign\n",
	} {
		if _, err := ParseConfig(strings.NewReader(bad)); err == nil {
			t.Errorf("%q parsed without error", bad)
		}
	}
}

// A case's options, extras and SSL sections are read as the harness reads
// them; an unknown option is an error.
func TestParseCase(t *testing.T) {
	t.Setenv("TEST_CERTS_DIR", "/c")
	c, err := ParseConfigFile("testdata/ssl-tests/01-driver.cnf")
	if err != nil {
		t.Fatal(err)
	}
	tc, err := ParseCase(c, 4)
	if err != nil {
		t.Fatal(err)
	}
	if tc.Name != "4-resume" || tc.HandshakeMode != ModeResume || !tc.ResumptionExpected ||
		tc.SessionTicketExpected != "Yes" || tc.ExpectedProtocol != 0x0303 || tc.AppDataSize != 256 || tc.MaxFragmentSize != 512 {
		t.Errorf("case 4: %+v", tc)
	}
	if len(tc.SSL["resume-server"]) != 3 || tc.SSL["server"][0] != (KV{"Certificate", "/c/leaf.pem"}) {
		t.Errorf("case 4 SSL sections: %q", tc.SSL)
	}
	tc, err = ParseCase(c, 3)
	if err != nil {
		t.Fatal(err)
	}
	if tc.Extra.Client.SRPUser != "user" || tc.Extra.Server.SRPPassword != "password" {
		t.Errorf("case 3 extras: %+v", tc.Extra)
	}
	bad, err := ParseConfig(strings.NewReader("test-0 = x\n[x]\n[test-0]\nExpectedNothing = 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseCase(bad, 0); err == nil || !strings.Contains(err.Error(), "ExpectedNothing") {
		t.Errorf("unknown option: %v", err)
	}
}

// prepareDir lays out a source folder as ci/ssl-tests-src.sh does, with
// the test certificates of internal/testcerts, and points the environment
// at it.
func prepareDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cs := testcerts.Get()
	for name, b := range map[string][]byte{
		"certs/leaf.pem":     cs.LeafChain,
		"certs/leaf-key.pem": cs.LeafKey,
		"certs/ca.pem":       cs.CACert,
		"ct/log_list.cnf":    []byte("enabled_logs =\n"),
		"VERSION":            []byte("driver test data\n"),
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "ssl-tests"), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("testdata/ssl-tests/01-driver.cnf")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ssl-tests", "01-driver.cnf"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TEST_CERTS_DIR", filepath.Join(dir, "certs"))
	t.Setenv("CTLOG_FILE", filepath.Join(dir, "ct", "log_list.cnf"))
	return dir
}

// Each case of the hand-written file takes the path it was written for.
func TestRunOutcomes(t *testing.T) {
	dir := prepareDir(t)
	rep, err := Run(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Source != "driver test data" || len(rep.Files) != 1 {
		t.Fatalf("report: %+v", rep)
	}
	want := []struct{ outcome, reason string }{
		{Pass, ""},
		{Pass, ""},
		{Fail, "result Success, want ServerFail"},
		{Skip, "SRP"},
		{Pass, ""},
		{Pass, ""},
		{Fail, "NoSuchCommand"},
		{Fail, "resumed true, want false"},
		{Pass, ""},
		{Pass, ""},
	}
	cases := rep.Files[0].Cases
	if len(cases) != len(want) {
		t.Fatalf("%d cases, want %d", len(cases), len(want))
	}
	for i, w := range want {
		c := cases[i]
		if c.Outcome != w.outcome || !strings.Contains(c.Reason, w.reason) {
			t.Errorf("case %d %q: %s (%s), want %s containing %q", i, c.Name, c.Outcome, c.Reason, w.outcome, w.reason)
		}
	}
	if p, f, s := rep.Counts(); p != 6 || f != 3 || s != 1 {
		t.Errorf("counts %d/%d/%d, want 6/3/1", p, f, s)
	}
}

// C decides: a case both fail is a skip saying so, a case Go passes and C
// fails is a failure naming the disagreement.
func TestCResultsDecide(t *testing.T) {
	dir := prepareDir(t)
	ref := filepath.Join(t.TempDir(), "c-results.tsv")
	if err := os.WriteFile(ref, []byte("01-driver.cnf\t0\tfail\n01-driver.cnf\t2\tfail\n01-driver.cnf\t6\tpass\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Run(Options{Dir: dir, Files: []string{"01-driver.cnf"}, CResults: ref})
	if err != nil {
		t.Fatal(err)
	}
	cases := rep.Files[0].Cases
	if c := cases[0]; c.Outcome != Fail || !strings.Contains(c.Reason, "Go and C disagree") {
		t.Errorf("case 0 (Go passes, C fails): %s %s", c.Outcome, c.Reason)
	}
	if c := cases[2]; c.Outcome != Skip || !strings.Contains(c.Reason, "C's ssl_test fails it too") {
		t.Errorf("case 2 (both fail): %s %s", c.Outcome, c.Reason)
	}
	if c := cases[6]; c.Outcome != Fail || !strings.Contains(c.Reason, "C passes") {
		t.Errorf("case 6 (Go fails, C passes): %s %s", c.Outcome, c.Reason)
	}
}

// The environment must be the folder's.
func TestRunRefusesForeignCertsDir(t *testing.T) {
	dir := prepareDir(t)
	t.Setenv("TEST_CERTS_DIR", t.TempDir())
	if _, err := Run(Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), "TEST_CERTS_DIR") {
		t.Errorf("Run with a foreign TEST_CERTS_DIR: %v", err)
	}
}

// The result classes follow the harness's table.
func TestClassify(t *testing.T) {
	for _, c := range []struct {
		last, prev peerStatus
		clientLast bool
		want       hsStatus
	}{
		{peerSuccess, peerSuccess, true, hsSuccess},
		{peerError, peerSuccess, true, hsClientError},
		{peerError, peerSuccess, false, hsServerError},
		{peerError, peerError, true, hsServerError},
		{peerError, peerError, false, hsClientError},
		{peerError, peerWaiting, true, hsClientError},
		{peerError, peerWaiting, false, hsInternalError},
		{peerError, peerRetry, false, hsRetry},
		{peerSuccess, peerError, false, hsInternalError},
		{peerTestFailure, peerSuccess, true, hsInternalError},
	} {
		if got := classify(c.last, c.prev, c.clientLast); got != c.want {
			t.Errorf("classify(%d, %d, %v) = %d, want %d", c.last, c.prev, c.clientLast, got, c.want)
		}
	}
}
