// Command sslconform checks the documented behaviours of SSL_new, SSL_dup,
// SSL_up_ref, SSL_clear and SSL_set_session against the libssl it is linked
// with, and prints a report.
//
// Usage:
//
//	sslconform [-json | -markdown] [-run REGEXP]
//	sslconform -ssl-tests DIR [-ssl-tests-ref FILE] [-ssl-tests-files A.cnf,B.cnf] [-json]
//	sslconform -merge [-markdown] REPORT.json...
//	sslconform -diff [-markdown] OLD.json NEW.json
//
// The text report starts with the runtime and header versions of libssl,
// then has one line per check ("ID PASS|FAIL|SKIP (reason) claim"), then,
// per man page, where the page's text and the library disagree, and ends
// with the line "N passed, M failed". -json prints the same as one JSON
// document (the summary line goes to standard error); -markdown prints a
// table with the observed values. -run selects checks by ID. The claims
// are the rows of conformance/CLAIMS.md.
//
// -merge reads the -json reports of several libssl builds (for example one
// per OpenSSL version) and prints one matrix: a line per check with its
// verdict per build, and, under it, every observed value that is not the
// same in all builds, with its value per build. -diff reads two reports and
// prints only what changed from the first to the second: verdicts, observed
// values, and checks or observations present in only one. This is how to
// learn what an OpenSSL upgrade changes for SSL_new, SSL_dup, SSL_up_ref,
// SSL_clear and SSL_set_session before deploying it. Columns are named by
// the OpenSSL version each report ran against. Neither needs libssl to be
// the one the reports came from.
//
// -ssl-tests DIR runs OpenSSL's own data-driven handshake tests
// (DIR/ssl-tests/*.cnf, prepared by ci/ssl-tests-src.sh) through the binding
// instead of the checks (package conformance/ssltests), prints one line per
// file with its pass, fail and skip counts and one per case that did not
// pass with the reason, and ends with "N passed, N failed, N skipped". It
// sets TEST_CERTS_DIR and CTLOG_FILE to DIR's when they are unset and
// refuses to run when they point elsewhere. -ssl-tests-ref FILE names C's
// results for the same files (file, index, outcome per line, tab-separated):
// a case that Go and C's ssl_test both fail is skipped with that reason, and
// a case on which they disagree is a failure saying so. With -json the
// ssl-tests results are the report's "ssl_tests"; -merge and -diff print the
// pass/fail/skip counts per file and report, and the cases whose outcome
// differs between reports.
//
// The exit status is 0 only when every selected check passed, 1 when one
// failed or was skipped, and 2 on a usage or start-up error. With -merge it
// is 1 when a report holds a failed or skipped check; with -diff it is 1
// when the reports differ (as diff(1)).
//
// SSLCONFORM_WRONG_EXPECTATION=ID[,ID...] makes the named checks expect a
// value that cannot hold; it exists to show that a wrong expectation makes
// the command fail. LIBSSL_GO_EXPECT_RUNTIME=VERSION (e.g. 1.1.1w) makes the
// command refuse to run against any other libssl.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/conformance"
	"github.com/libssl-go/libssl/conformance/bogo"
	"github.com/libssl-go/libssl/conformance/ssltests"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// report is what -json prints.
type report struct {
	Runtime       string                     `json:"runtime"`
	RuntimeText   string                     `json:"runtime_text"`
	Header        string                     `json:"header"`
	HeaderText    string                     `json:"header_text"`
	Line          string                     `json:"line"`
	Results       []conformance.Result       `json:"results"`
	Disagreements []conformance.Disagreement `json:"disagreements"`
	Passed        int                        `json:"passed"`
	Failed        int                        `json:"failed"`
	Skipped       int                        `json:"skipped"`
	// SSLTests holds the -ssl-tests run, absent from a run of the checks.
	SSLTests *ssltests.Report `json:"ssl_tests,omitempty"`
	// BoGo holds the -bogo run, absent from other runs.
	BoGo *bogo.Report `json:"bogo,omitempty"`
}

// linkedReport is an empty report of the linked libssl: its runtime and
// header versions and the running line.
func linkedReport() report {
	return report{
		Runtime: libssl.VersionString(libssl.RuntimeVersion()), RuntimeText: libssl.RuntimeVersionText(),
		Header: libssl.VersionString(libssl.HeaderVersion()), HeaderText: libssl.HeaderVersionText(),
		Line: conformance.RunningLine(),
	}
}

func writeJSON(w io.Writer, rep *report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sslconform", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	asMarkdown := fs.Bool("markdown", false, "print the report as Markdown, with the observed values")
	runRE := fs.String("run", "", "run only the checks whose ID matches `REGEXP`")
	merge := fs.Bool("merge", false, "merge the -json reports named as arguments into one matrix")
	diff := fs.Bool("diff", false, "print what changed between the two -json reports named as arguments")
	sslTests := fs.String("ssl-tests", "", "run OpenSSL's test/ssl-tests from the prepared folder `DIR` instead of the checks")
	sslTestsRef := fs.String("ssl-tests-ref", "", "C's ssl_test results `FILE` for -ssl-tests: where Go and C disagree, C decides")
	sslTestsFiles := fs.String("ssl-tests-files", "", "with -ssl-tests, run only these comma-separated `FILES` (e.g. 01-simple.cnf)")
	bogoResults := fs.String("bogo", "", "read BoGo's run from the runner's -json-output `FILE` (make bogo) instead of running the checks")
	bogoConfig := fs.String("bogo-config", "", "with -bogo, the shim config `FILE` the runner ran with")
	bogoAll := fs.String("bogo-all", "", "with -bogo, the runner's -json-output `FILE` of a run that lists every test of the revision")
	bogoConfigFor := fs.String("bogo-config-for", "", "print the BoGo shim config `FILE` as the runner should get it on the linked libssl (its Versions entries folded in)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *merge || *diff {
		if *merge && *diff || *asJSON || *runRE != "" || *sslTests != "" || *bogoResults != "" {
			fmt.Fprintln(stderr, "sslconform: -merge and -diff exclude each other, -json and -run")
			return 2
		}
		return runMerge(*diff, *asMarkdown, fs.Args(), stdout, stderr)
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "sslconform: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if *asJSON && *asMarkdown {
		fmt.Fprintln(stderr, "sslconform: -json and -markdown exclude each other")
		return 2
	}
	if err := libssl.InitError(); err != nil {
		fmt.Fprintln(stderr, "sslconform:", err)
		return 2
	}
	if want := os.Getenv("LIBSSL_GO_EXPECT_RUNTIME"); want != "" {
		for what, v := range map[string]uint64{"running against": libssl.RuntimeVersion(), "built against": libssl.HeaderVersion()} {
			if got := libssl.VersionString(v); got != want {
				fmt.Fprintf(stderr, "sslconform: %s OpenSSL %s, want %s\n", what, got, want)
				return 2
			}
		}
	}
	if *bogoConfigFor != "" {
		if *bogoResults != "" || *runRE != "" || *asJSON || *asMarkdown || *sslTests != "" {
			fmt.Fprintln(stderr, "sslconform: -bogo-config-for stands alone")
			return 2
		}
		return writeBoGoConfig(*bogoConfigFor, libssl.VersionString(libssl.RuntimeVersion()), stdout, stderr)
	}
	if *bogoResults != "" {
		if *runRE != "" || *asMarkdown || *sslTests != "" {
			fmt.Fprintln(stderr, "sslconform: -bogo excludes -run, -markdown and -ssl-tests")
			return 2
		}
		rep := linkedReport()
		return runBoGo(*bogoResults, *bogoConfig, *bogoAll, *asJSON, &rep, stdout, stderr)
	}
	if *bogoConfig != "" || *bogoAll != "" {
		fmt.Fprintln(stderr, "sslconform: -bogo-config and -bogo-all need -bogo")
		return 2
	}
	if *sslTests != "" {
		if *runRE != "" || *asMarkdown {
			fmt.Fprintln(stderr, "sslconform: -ssl-tests excludes -run and -markdown")
			return 2
		}
		rep := linkedReport()
		return runSSLTests(*sslTests, *sslTestsRef, splitFiles(*sslTestsFiles), *asJSON, &rep, stdout, stderr)
	}
	if *sslTestsRef != "" || *sslTestsFiles != "" {
		fmt.Fprintln(stderr, "sslconform: -ssl-tests-ref and -ssl-tests-files need -ssl-tests")
		return 2
	}
	checks, err := conformance.Select(*runRE)
	if err != nil {
		fmt.Fprintln(stderr, "sslconform: -run:", err)
		return 2
	}
	if len(checks) == 0 {
		fmt.Fprintf(stderr, "sslconform: no check matches %q\n", *runRE)
		return 2
	}
	opts := conformance.Options{WrongExpectation: map[string]bool{}}
	for _, id := range strings.Split(os.Getenv("SSLCONFORM_WRONG_EXPECTATION"), ",") {
		if id = strings.TrimSpace(id); id != "" {
			opts.WrongExpectation[id] = true
		}
	}

	results := conformance.Run(checks, opts)
	passed, failed, skipped := conformance.Summary(results)
	rep := linkedReport()
	rep.Results, rep.Disagreements = results, conformance.Disagreements()
	rep.Passed, rep.Failed, rep.Skipped = passed, failed, skipped
	summary := fmt.Sprintf("%d passed, %d failed", passed, failed)
	switch {
	case *asJSON:
		if err := writeJSON(stdout, &rep); err != nil {
			fmt.Fprintln(stderr, "sslconform:", err)
			return 2
		}
		fmt.Fprintln(stderr, summary)
	case *asMarkdown:
		writeMarkdown(stdout, &rep)
		fmt.Fprintln(stdout, summary)
	default:
		writeText(stdout, &rep)
		fmt.Fprintln(stdout, summary)
	}
	if failed != 0 || skipped != 0 {
		return 1
	}
	return 0
}

func statusOf(rs []conformance.Result) map[string]conformance.Status {
	m := map[string]conformance.Status{}
	for _, r := range rs {
		m[r.ID] = r.Status
	}
	return m
}

// shownBy lists the checks that show a disagreement, with their verdicts
// in this run ("not run" when -run left them out).
func shownBy(d conformance.Disagreement, st map[string]conformance.Status) string {
	parts := make([]string, len(d.Checks))
	for i, id := range d.Checks {
		s, ok := st[id]
		if !ok {
			parts[i] = id + " not run"
			continue
		}
		parts[i] = id + " " + string(s)
	}
	return strings.Join(parts, ", ")
}

func writeText(w io.Writer, rep *report) {
	fmt.Fprintf(w, "libssl runtime: %s (%s)\n", rep.RuntimeText, rep.Runtime)
	fmt.Fprintf(w, "libssl headers: %s (%s)\n", rep.HeaderText, rep.Header)
	fmt.Fprintf(w, "expectations for OpenSSL %s; claims from conformance/CLAIMS.md\n\n", rep.Line)
	for _, r := range rep.Results {
		reason := ""
		if r.Reason != "" {
			reason = "(" + r.Reason + ") "
		}
		fmt.Fprintf(w, "%s %s %s%s\n", r.ID, r.Status, reason, r.Short)
	}
	st := statusOf(rep.Results)
	fmt.Fprintf(w, "\nWhere the man pages and libssl disagree (the library is the truth):\n")
	for _, page := range conformance.Pages() {
		fmt.Fprintf(w, "%s\n", page)
		for _, d := range rep.Disagreements {
			if d.Page != page {
				continue
			}
			fmt.Fprintf(w, "  - the page: %s\n", d.Says)
			fmt.Fprintf(w, "    libssl:   %s\n", d.Library)
			fmt.Fprintf(w, "    shown by: %s\n", shownBy(d, st))
		}
	}
	fmt.Fprintln(w)
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

func writeMarkdown(w io.Writer, rep *report) {
	fmt.Fprintf(w, "# libssl conformance report\n\n")
	fmt.Fprintf(w, "- runtime: %s (%s)\n- headers: %s (%s)\n- expectations for OpenSSL %s\n\n",
		rep.RuntimeText, rep.Runtime, rep.HeaderText, rep.Header, rep.Line)
	fmt.Fprintf(w, "| ID | result | claim | man page | expected | observed |\n|---|---|---|---|---|---|\n")
	for _, r := range rep.Results {
		var obs []string
		for _, o := range r.Observed {
			obs = append(obs, "`"+o.Name+"="+o.Value+"`")
		}
		result := string(r.Status)
		if r.Reason != "" {
			result += ": " + r.Reason
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", r.ID, cell(result), cell(r.Claim), r.Page,
			cell(r.Expected), cell(strings.Join(obs, " ")))
	}
	st := statusOf(rep.Results)
	fmt.Fprintf(w, "\n## Where the man pages and libssl disagree\n\nThe library is the truth.\n")
	for _, page := range conformance.Pages() {
		fmt.Fprintf(w, "\n### %s\n\n", page)
		for _, d := range rep.Disagreements {
			if d.Page == page {
				fmt.Fprintf(w, "- The page: %s  \n  libssl: %s  \n  Shown by: %s\n", d.Says, d.Library, shownBy(d, st))
			}
		}
	}
	fmt.Fprintln(w)
}
