package main

// BoringSSL's BoGo tests through the binding's shim: -bogo RESULTS reads a
// run of the runner (make bogo) into the report; in -merge and -diff, the
// counts per report and the tests whose outcome differs between them.

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/libssl-go/libssl/conformance/bogo"
)

// runBoGo reads the runner's results, the shim config and the revision's
// test list and prints them: text, with the failures and the counts, ending
// with "N passed, N failed, N skipped"; or, with asJSON, the report with the
// BoGo run in it. Exit status 1 when the run does not hold up (a failed
// test, a disabled test's reason of neither kind, an interrupted run).
func runBoGo(results, config, all string, asJSON bool, rep *report, stdout, stderr io.Writer) int {
	if config == "" || all == "" {
		fmt.Fprintln(stderr, "sslconform: -bogo needs -bogo-config and -bogo-all")
		return 2
	}
	b, err := bogo.Load(results, config, all, rep.Runtime)
	if err != nil {
		fmt.Fprintln(stderr, "sslconform: -bogo:", err)
		return 2
	}
	rep.BoGo = b
	if asJSON {
		if err := writeJSON(stdout, rep); err != nil {
			fmt.Fprintln(stderr, "sslconform:", err)
			return 2
		}
		fmt.Fprintf(stderr, "%d passed, %d failed, %d skipped\n", b.Count(bogo.Pass), b.Count(bogo.Fail), b.Skipped())
	} else {
		fmt.Fprintf(stdout, "BoGo through the binding's shim\nlibssl: %s\n\n", rep.RuntimeText)
		b.WriteText(stdout)
	}
	if !b.OK() {
		return 1
	}
	return 0
}

// bogoOutcomes are the outcomes in the order the merged counts print them.
var bogoOutcomes = []bogo.Outcome{bogo.Pass, bogo.Fail, bogo.Unimplemented, bogo.Differs, bogo.Lacks}

// bogoRow is one BoGo test across reports.
type bogoRow struct {
	name    string
	outcome []string // per report; "-" where the report lacks the test
}

// writeBoGoMerge prints, per report, the count of each outcome, then the
// tests whose outcome is not the same in every report that has them; it
// returns how many differ. Reports without a BoGo run get "-".
func writeBoGoMerge(w io.Writer, reps []*loadedReport, markdown bool) int {
	has := false
	idx := map[string]int{}
	var rows []bogoRow
	for ri, lr := range reps {
		if lr.rep.BoGo == nil {
			continue
		}
		has = true
		for _, t := range lr.rep.BoGo.Tests {
			i, ok := idx[t.Name]
			if !ok {
				i = len(rows)
				idx[t.Name] = i
				r := bogoRow{name: t.Name, outcome: make([]string, len(reps))}
				for j := range r.outcome {
					r.outcome[j] = "-"
				}
				rows = append(rows, r)
			}
			rows[i].outcome[ri] = string(t.Outcome)
		}
	}
	if !has {
		return 0
	}
	var differing []bogoRow
	for _, r := range rows {
		present := ""
		for ri, o := range r.outcome {
			if reps[ri].rep.BoGo == nil || o == "-" {
				continue
			}
			if present == "" {
				present = o
			} else if o != present {
				differing = append(differing, r)
				break
			}
		}
	}
	sort.Slice(differing, func(i, j int) bool { return differing[i].name < differing[j].name })
	counts := func(lr *loadedReport, o bogo.Outcome) string {
		if lr.rep.BoGo == nil {
			return "-"
		}
		return fmt.Sprint(lr.rep.BoGo.Count(o))
	}
	if markdown {
		fmt.Fprintf(w, "\n## BoGo (BoringSSL's runner) through the binding's shim\n\n| outcome |")
		for _, lr := range reps {
			fmt.Fprintf(w, " %s |", cell(lr.label))
		}
		fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---|", len(reps)))
		for _, o := range bogoOutcomes {
			fmt.Fprintf(w, "| %s |", o)
			for _, lr := range reps {
				fmt.Fprintf(w, " %s |", counts(lr, o))
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "\n%d of %d BoGo tests differ between the builds that ran BoGo.\n", len(differing), len(rows))
		if len(differing) > 0 {
			fmt.Fprintf(w, "\n| test |")
			for _, lr := range reps {
				fmt.Fprintf(w, " %s |", cell(lr.label))
			}
			fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---|", len(reps)))
			for _, r := range differing {
				fmt.Fprintf(w, "| %s | %s |\n", cell(r.name), strings.Join(r.outcome, " | "))
			}
		}
		return len(differing)
	}
	width := len("disabled: binding lacks")
	for _, lr := range reps {
		width = max(width, len(lr.label))
	}
	fmt.Fprintf(w, "\nBoGo (BoringSSL's runner) through the binding's shim\n%-24s ", "outcome")
	for _, lr := range reps {
		fmt.Fprintf(w, "%-*s ", width, lr.label)
	}
	fmt.Fprintln(w)
	for _, o := range bogoOutcomes {
		fmt.Fprintf(w, "%-24s ", o)
		for _, lr := range reps {
			fmt.Fprintf(w, "%-*s ", width, counts(lr, o))
		}
		fmt.Fprintln(w)
	}
	if len(differing) > 0 {
		fmt.Fprintf(w, "\nBoGo tests whose outcome differs\n")
		for _, r := range differing {
			for _, o := range r.outcome {
				fmt.Fprintf(w, "%-*s ", width, o)
			}
			fmt.Fprintf(w, "%s\n", r.name)
		}
	}
	fmt.Fprintf(w, "\n%d of %d BoGo tests differ between the builds that ran BoGo\n", len(differing), len(rows))
	return len(differing)
}

// bogoFailed reports whether a report holds a BoGo run that does not hold up.
func bogoFailed(lr *loadedReport) bool {
	return lr.rep.BoGo != nil && !lr.rep.BoGo.OK()
}

// writeBoGoConfig prints the shim config at path as the runner should get
// it on the linked libssl (bogo.EffectiveConfig): the entries of its
// "Versions" list that hold for this version folded in.
func writeBoGoConfig(path, version string, stdout, stderr io.Writer) int {
	raw, err := os.ReadFile(path)
	if err == nil {
		raw, err = bogo.EffectiveConfig(raw, version)
	}
	if err != nil {
		fmt.Fprintln(stderr, "sslconform: -bogo-config-for:", err)
		return 2
	}
	fmt.Fprintf(stdout, "%s\n", raw)
	return 0
}
