package main

// OpenSSL's test/ssl-tests through the binding: -ssl-tests DIR runs them
// (conformance/ssltests) and prints per-file counts; in -merge and -diff,
// the cases whose outcome differs between reports and the per-file counts.

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/libssl-go/libssl/conformance/ssltests"
)

// runSSLTests runs the ssl-tests of dir and prints them: text, one line per
// file with its counts and one line per case that did not pass, ending with
// "N passed, N failed, N skipped"; or, with asJSON, the report with the
// ssl-tests in it. Exit status 1 when a case failed.
func runSSLTests(dir, ref string, files []string, asJSON bool, rep *report, stdout, stderr io.Writer) int {
	st, err := ssltests.Run(ssltests.Options{Dir: dir, Files: files, CResults: ref})
	if err != nil {
		fmt.Fprintln(stderr, "sslconform:", err)
		return 2
	}
	rep.SSLTests = st
	p, f, s := st.Counts()
	summary := fmt.Sprintf("%d passed, %d failed, %d skipped", p, f, s)
	if asJSON {
		if err := writeJSON(stdout, rep); err != nil {
			fmt.Fprintln(stderr, "sslconform:", err)
			return 2
		}
		fmt.Fprintln(stderr, summary)
	} else {
		writeSSLTestsText(stdout, st)
		fmt.Fprintln(stdout, summary)
	}
	if f != 0 {
		return 1
	}
	return 0
}

func writeSSLTestsText(w io.Writer, st *ssltests.Report) {
	fmt.Fprintf(w, "OpenSSL ssl-tests from %s\nlibssl: %s\nOPENSSL_CONF: %s\n\n", st.Source, st.Library, st.OpenSSLCnf)
	fmt.Fprintf(w, "%-36s %6s %6s %6s\n", "file", "pass", "fail", "skip")
	for i := range st.Files {
		f := &st.Files[i]
		p, fl, s := f.Counts()
		fmt.Fprintf(w, "%-36s %6d %6d %6d\n", f.Name, p, fl, s)
		for _, c := range f.Cases {
			if c.Outcome != ssltests.Pass {
				fmt.Fprintf(w, "    %s %d %q: %s\n", strings.ToUpper(c.Outcome), c.Index, c.Name, c.Reason)
			}
		}
	}
	fmt.Fprintln(w)
}

// caseRow is one ssl-tests case across reports, keyed by file and name
// (indexes shift between versions of a file).
type caseRow struct {
	file, name string
	index      []int    // per report; -1 where absent
	outcome    []string // per report; "-" where absent
}

// differs reports whether the case has different outcomes in reports
// that all have it.
func (c caseRow) differs() bool {
	for _, o := range c.outcome {
		if o != c.outcome[0] {
			return !c.partial()
		}
	}
	return false
}

// partial reports whether some report lacks the case.
func (c caseRow) partial() bool {
	for _, i := range c.index {
		if i < 0 {
			return true
		}
	}
	return false
}

// caseTitle is a case's name without the "N-" index the generator puts in
// front of it, which shifts when a version adds cases before it.
func caseTitle(name string) string {
	i := 0
	for i < len(name) && name[i] >= '0' && name[i] <= '9' {
		i++
	}
	if i > 0 && i < len(name) && name[i] == '-' {
		return name[i+1:]
	}
	return name
}

// caseRows lists every case of every report, files in name order and cases
// in the order of the first report that has them.
func caseRows(reps []*loadedReport) []caseRow {
	idx := map[string]int{}
	var out []caseRow
	for ri, lr := range reps {
		if lr.rep.SSLTests == nil {
			continue
		}
		for _, f := range lr.rep.SSLTests.Files {
			seen := map[string]int{} // titles repeat within a file: the k-th one
			for _, c := range f.Cases {
				t := caseTitle(c.Name)
				seen[t]++
				k := fmt.Sprintf("%s\x00%s\x00%d", stem(f.Name), t, seen[t])
				i, ok := idx[k]
				if !ok {
					i = len(out)
					idx[k] = i
					r := caseRow{file: stem(f.Name), name: c.Name, index: make([]int, len(reps)), outcome: make([]string, len(reps))}
					for j := range reps {
						r.index[j], r.outcome[j] = -1, "-"
					}
					out = append(out, r)
				}
				out[i].index[ri], out[i].outcome[ri] = c.Index, c.Outcome
			}
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].file < out[b].file })
	return out
}

// fileCounts returns "pass/fail/skip" per file per report ("-" where a
// report lacks the file), files in name order.
func fileCounts(reps []*loadedReport) (names []string, counts map[string][]string) {
	counts = map[string][]string{}
	for ri, lr := range reps {
		if lr.rep.SSLTests == nil {
			continue
		}
		for i := range lr.rep.SSLTests.Files {
			f := &lr.rep.SSLTests.Files[i]
			n := stem(f.Name)
			if counts[n] == nil {
				counts[n] = make([]string, len(reps))
				for j := range reps {
					counts[n][j] = "-"
				}
				names = append(names, n)
			}
			p, fl, s := f.Counts()
			counts[n][ri] = fmt.Sprintf("%d/%d/%d", p, fl, s)
		}
	}
	sort.Strings(names)
	return names, counts
}

// stem is a file's name without its extension: 1.1.1 names the files
// NN-name.conf, later versions NN-name.cnf, and a case is the same case in
// both.
func stem(name string) string {
	return strings.TrimSuffix(strings.TrimSuffix(name, ".cnf"), ".conf")
}

func hasSSLTests(reps []*loadedReport) bool {
	for _, lr := range reps {
		if lr.rep.SSLTests != nil {
			return true
		}
	}
	return false
}

// writeSSLTestsMerge prints the per-file counts per report and the cases
// whose outcome is not the same in every report; it returns how many
// differ.
func writeSSLTestsMerge(w io.Writer, reps []*loadedReport, markdown bool) int {
	if !hasSSLTests(reps) {
		return 0
	}
	names, counts := fileCounts(reps)
	var differing []caseRow
	total, partial := 0, 0
	for _, r := range caseRows(reps) {
		total++
		if r.partial() {
			partial++
		}
		if r.differs() {
			differing = append(differing, r)
		}
	}
	if markdown {
		fmt.Fprintf(w, "\n## OpenSSL ssl-tests (pass/fail/skip per file)\n\n| file |")
		for _, lr := range reps {
			fmt.Fprintf(w, " %s |", cell(lr.label))
		}
		fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---|", len(reps)))
		for _, n := range names {
			fmt.Fprintf(w, "| %s | %s |\n", n, strings.Join(counts[n], " | "))
		}
		fmt.Fprintf(w, "\n%d of %d cases differ between the builds (%d are not in every build's files).\n", len(differing), total, partial)
		if len(differing) > 0 {
			fmt.Fprintf(w, "\n| file | case |")
			for _, lr := range reps {
				fmt.Fprintf(w, " %s |", cell(lr.label))
			}
			fmt.Fprintf(w, "\n|---|---|%s\n", strings.Repeat("---|", len(reps)))
			for _, r := range differing {
				fmt.Fprintf(w, "| %s | %s | %s |\n", r.file, cell(r.name), strings.Join(r.outcome, " | "))
			}
		}
		return len(differing)
	}
	width := 8
	for _, lr := range reps {
		width = max(width, len(lr.label))
	}
	fmt.Fprintf(w, "\nOpenSSL ssl-tests, pass/fail/skip per file\n%-36s ", "file")
	for _, lr := range reps {
		fmt.Fprintf(w, "%-*s ", width, lr.label)
	}
	fmt.Fprintln(w)
	for _, n := range names {
		fmt.Fprintf(w, "%-36s ", n)
		for _, c := range counts[n] {
			fmt.Fprintf(w, "%-*s ", width, c)
		}
		fmt.Fprintln(w)
	}
	if len(differing) > 0 {
		fmt.Fprintf(w, "\nssl-tests cases whose outcome differs\n")
		for _, r := range differing {
			fmt.Fprintf(w, "%-36s ", r.file)
			for _, o := range r.outcome {
				fmt.Fprintf(w, "%-*s ", width, o)
			}
			fmt.Fprintf(w, "%s\n", r.name)
		}
	}
	fmt.Fprintf(w, "\n%d of %d ssl-tests cases differ between the builds (%d are not in every build's files)\n", len(differing), total, partial)
	return len(differing)
}

// sslTestsFailed reports whether a report holds a failed ssl-tests case.
func sslTestsFailed(lr *loadedReport) bool {
	if lr.rep.SSLTests == nil {
		return false
	}
	_, f, _ := lr.rep.SSLTests.Counts()
	return f != 0
}

// splitFiles reads -ssl-tests-files: comma-separated file names, or nil.
func splitFiles(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
