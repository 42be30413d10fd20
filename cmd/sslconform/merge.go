package main

// Cross-version reports: -merge reads the -json reports of several libssl
// builds and prints one matrix (checks × builds, with the observed values
// where they differ); -diff reads two and prints only what changed.

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/libssl-go/libssl/conformance"
)

// loadedReport is one -json report read back, with the column label the
// matrix gives it.
type loadedReport struct {
	label string
	rep   report
	byID  map[string]conformance.Result
}

// readReports reads -json reports. A report is labelled by the OpenSSL
// version it ran against ("3.6.5"); when two reports share a version, the
// file name (without .json) is added to tell them apart.
func readReports(paths []string) ([]*loadedReport, error) {
	var out []*loadedReport
	count := map[string]int{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		lr := &loadedReport{byID: map[string]conformance.Result{}}
		if err := json.Unmarshal(b, &lr.rep); err != nil {
			return nil, fmt.Errorf("%s: not an sslconform -json report: %v", p, err)
		}
		if lr.rep.Runtime == "" || len(lr.rep.Results) == 0 && lr.rep.SSLTests == nil && lr.rep.BoGo == nil {
			return nil, fmt.Errorf("%s: not an sslconform -json report (no runtime version, no results, no ssl-tests, no BoGo)", p)
		}
		for _, r := range lr.rep.Results {
			lr.byID[r.ID] = r
		}
		lr.label = lr.rep.Runtime
		count[lr.label]++
		out = append(out, lr)
	}
	for i, lr := range out {
		if count[lr.label] > 1 {
			lr.label += " (" + strings.TrimSuffix(filepath.Base(paths[i]), ".json") + ")"
		}
	}
	return out, nil
}

// row is one check across the reports.
type row struct {
	id, short, claim string
	status           []string // per report: PASS, FAIL, SKIP or "-" (not in that report)
	// differing lists the observations whose values are not the same in
	// every report that has the check, with the value per report ("-" where
	// a report lacks the observation or the check).
	differing []obsRow
}

type obsRow struct {
	name   string
	values []string
}

// rows builds the matrix: every check ID found in any report, in ID order.
func rows(reps []*loadedReport) []row {
	ids := map[string]bool{}
	for _, lr := range reps {
		for id := range lr.byID {
			ids[id] = true
		}
	}
	sorted := make([]string, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	sort.Strings(sorted)

	var out []row
	for _, id := range sorted {
		rw := row{id: id}
		var names []string
		seen := map[string]bool{}
		for _, lr := range reps {
			r, ok := lr.byID[id]
			if !ok {
				rw.status = append(rw.status, "-")
				continue
			}
			rw.status = append(rw.status, string(r.Status))
			if rw.short == "" {
				rw.short, rw.claim = r.Short, r.Claim
			}
			for _, o := range r.Observed {
				if !seen[o.Name] {
					seen[o.Name] = true
					names = append(names, o.Name)
				}
			}
		}
		for _, name := range names {
			values := make([]string, len(reps))
			distinct := map[string]bool{}
			for i, lr := range reps {
				r, ok := lr.byID[id]
				if !ok {
					values[i] = "-"
					continue
				}
				v, ok := r.ObservedMap()[name]
				if !ok {
					v = "-"
				}
				values[i] = v
				distinct[v] = true
			}
			if len(distinct) > 1 {
				rw.differing = append(rw.differing, obsRow{name: name, values: values})
			}
		}
		out = append(out, rw)
	}
	return out
}

// sameStatus reports whether every report gave the check the same verdict.
func (r row) sameStatus() bool {
	for _, s := range r.status {
		if s != r.status[0] {
			return false
		}
	}
	return true
}

func writeReportsHeader(w io.Writer, reps []*loadedReport, markdown bool) {
	for _, lr := range reps {
		r := &lr.rep
		if markdown {
			fmt.Fprintf(w, "- **%s**: runtime %s, headers %s, expectations for %s: %d passed, %d failed, %d skipped\n",
				lr.label, r.RuntimeText, r.HeaderText, r.Line, r.Passed, r.Failed, r.Skipped)
			continue
		}
		fmt.Fprintf(w, "  %-16s runtime %s; headers %s; expectations for %s; %d passed, %d failed, %d skipped\n",
			lr.label, r.RuntimeText, r.HeaderText, r.Line, r.Passed, r.Failed, r.Skipped)
	}
}

// writeMerge prints the matrix: one line (or table row) per check with its
// verdict per build, then one line per observation whose value differs
// between builds, with the value per build.
func writeMerge(w io.Writer, reps []*loadedReport, markdown bool) {
	rs := rows(reps)
	differ := 0
	for _, r := range rs {
		if len(r.differing) > 0 || !r.sameStatus() {
			differ++
		}
	}
	if markdown {
		fmt.Fprintf(w, "# libssl conformance across versions\n\n")
		writeReportsHeader(w, reps, true)
		fmt.Fprintf(w, "\n| ID | claim |")
		for _, lr := range reps {
			fmt.Fprintf(w, " %s |", cell(lr.label))
		}
		fmt.Fprintf(w, "\n|---|---|%s\n", strings.Repeat("---|", len(reps)))
		for _, r := range rs {
			fmt.Fprintf(w, "| %s | %s |", r.id, cell(r.short))
			for i := range reps {
				c := r.status[i]
				for _, o := range r.differing {
					c += " `" + o.name + "=" + o.values[i] + "`"
				}
				fmt.Fprintf(w, " %s |", cell(c))
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "\nThe observed values are shown where they differ between versions. "+
			"%d of %d checks differ; the claims and what was observed are in conformance/CLAIMS.md.\n", differ, len(rs))
		return
	}
	fmt.Fprintf(w, "libssl conformance across %d builds (observed values where they differ)\n", len(reps))
	writeReportsHeader(w, reps, false)
	width := 5
	for _, lr := range reps {
		width = max(width, len(lr.label))
	}
	for _, r := range rs {
		for _, o := range r.differing {
			for _, v := range o.values {
				width = max(width, len(v))
			}
		}
	}
	fmt.Fprintf(w, "\n%-4s ", "ID")
	for _, lr := range reps {
		fmt.Fprintf(w, "%-*s ", width, lr.label)
	}
	fmt.Fprintf(w, "claim\n")
	for _, r := range rs {
		fmt.Fprintf(w, "%-4s ", r.id)
		for _, s := range r.status {
			fmt.Fprintf(w, "%-*s ", width, s)
		}
		fmt.Fprintf(w, "%s\n", r.short)
		for _, o := range r.differing {
			fmt.Fprintf(w, "%-4s ", "")
			for _, v := range o.values {
				fmt.Fprintf(w, "%-*s ", width, v)
			}
			fmt.Fprintf(w, "  %s\n", o.name)
		}
	}
	fmt.Fprintf(w, "\n%d of %d checks differ between the builds\n", differ, len(rs))
}

// change is one difference between two reports.
type change struct {
	id, what, old, new string
}

// diffReports lists what changed from a to b: verdicts, observed values,
// observations and checks present in only one of them.
func diffReports(a, b *loadedReport) []change {
	var out []change
	for _, r := range rows([]*loadedReport{a, b}) {
		if r.status[0] != r.status[1] {
			out = append(out, change{r.id, "result", r.status[0], r.status[1]})
		}
		for _, o := range r.differing {
			out = append(out, change{r.id, o.name, o.values[0], o.values[1]})
		}
	}
	return out
}

func writeDiff(w io.Writer, a, b *loadedReport, markdown bool) int {
	cs := diffReports(a, b)
	claim := map[string]string{}
	for _, lr := range []*loadedReport{a, b} {
		for id, r := range lr.byID {
			claim[id] = r.Short
		}
	}
	if markdown {
		fmt.Fprintf(w, "# libssl conformance: %s → %s\n\n", a.label, b.label)
		writeReportsHeader(w, []*loadedReport{a, b}, true)
		if len(cs) == 0 {
			fmt.Fprintf(w, "\nNo differences.\n")
			return 0
		}
		fmt.Fprintf(w, "\n| ID | claim | what | %s | %s |\n|---|---|---|---|---|\n", cell(a.label), cell(b.label))
		for _, c := range cs {
			fmt.Fprintf(w, "| %s | %s | `%s` | `%s` | `%s` |\n", c.id, cell(claim[c.id]), cell(c.what), cell(c.old), cell(c.new))
		}
	} else {
		fmt.Fprintf(w, "libssl conformance: what changes from %s to %s\n", a.label, b.label)
		writeReportsHeader(w, []*loadedReport{a, b}, false)
		fmt.Fprintln(w)
		last := ""
		for _, c := range cs {
			if c.id != last {
				fmt.Fprintf(w, "%s %s\n", c.id, claim[c.id])
				last = c.id
			}
			fmt.Fprintf(w, "     %s: %s -> %s\n", c.what, c.old, c.new)
		}
	}
	ids := map[string]bool{}
	for _, c := range cs {
		ids[c.id] = true
	}
	fmt.Fprintf(w, "\n%d difference(s) in %d check(s)\n", len(cs), len(ids))
	return len(cs)
}

// runMerge implements -merge and -diff. -merge exits 0 when every report
// passed every check, 1 when one did not; -diff exits 0 when the two reports
// agree and 1 when they differ (as diff(1) does). Both exit 2 when a report
// cannot be read.
func runMerge(diff, markdown bool, paths []string, stdout, stderr io.Writer) int {
	if diff && len(paths) != 2 {
		fmt.Fprintln(stderr, "sslconform: -diff takes two -json reports: OLD NEW")
		return 2
	}
	if !diff && len(paths) < 1 {
		fmt.Fprintln(stderr, "sslconform: -merge takes one or more -json reports")
		return 2
	}
	reps, err := readReports(paths)
	if err != nil {
		fmt.Fprintln(stderr, "sslconform:", err)
		return 2
	}
	claims := false // reports of -ssl-tests runs hold no checks
	for _, lr := range reps {
		claims = claims || len(lr.rep.Results) > 0
	}
	if diff {
		n := 0
		if claims {
			n = writeDiff(stdout, reps[0], reps[1], markdown)
		}
		n += writeSSLTestsMerge(stdout, reps, markdown)
		n += writeBoGoMerge(stdout, reps, markdown)
		if n != 0 {
			return 1
		}
		return 0
	}
	if claims {
		writeMerge(stdout, reps, markdown)
	}
	writeSSLTestsMerge(stdout, reps, markdown)
	writeBoGoMerge(stdout, reps, markdown)
	for _, lr := range reps {
		if lr.rep.Failed != 0 || lr.rep.Skipped != 0 || sslTestsFailed(lr) || bogoFailed(lr) {
			return 1
		}
	}
	return 0
}
