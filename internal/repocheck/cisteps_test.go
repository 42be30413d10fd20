package repocheck

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The module's root, from this package's folder (go test runs tests there).
const root = "../.."

// readmeCISection is the heading of README.md's section whose table lists
// the steps of `make ci`.
const readmeCISection = "### CI: `.ci/run` and `make ci`"

// makefileCISteps returns the steps of `make ci`: the words of the
// Makefile's one `CI_STEPS ?=` assignment, with its continuation lines. It
// fails if CI_STEPS is assigned anywhere else too (another `?=`, `=`, `:=`
// or `+=`), so that the list stays in one place.
func makefileCISteps(makefile string) ([]string, error) {
	assign := regexp.MustCompile(`^\s*(override\s+)?CI_STEPS\s*(\?=|\+=|:=|::=|=)`)
	var steps []string
	found := 0
	lines := strings.Split(makefile, "\n")
	for i := 0; i < len(lines); i++ {
		m := assign.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		found++
		if m[2] != "?=" {
			return nil, fmt.Errorf("Makefile line %d: CI_STEPS %s: the list is declared once, with ?=", i+1, m[2])
		}
		value := lines[i][len(m[0]):]
		for strings.HasSuffix(value, `\`) && i+1 < len(lines) {
			i++
			value = strings.TrimSuffix(value, `\`) + " " + lines[i]
		}
		steps = append(steps, strings.Fields(value)...)
	}
	if found != 1 {
		return nil, fmt.Errorf("Makefile: %d assignments of CI_STEPS, want exactly one (CI_STEPS ?= ...)", found)
	}
	return steps, nil
}

// mkCIStepsAppends names the mk/*.mk files that still assign CI_STEPS:
// every step is declared in the Makefile's list.
func mkCIStepsAppends(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "mk", "*.mk"))
	if err != nil {
		t.Fatal(err)
	}
	assign := regexp.MustCompile(`(?m)^\s*(override\s+)?CI_STEPS\s*(\?=|\+=|:=|::=|=)`)
	var bad []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if assign.Match(b) {
			bad = append(bad, filepath.Base(f))
		}
	}
	return bad
}

// readmeCISteps returns the steps README.md's `make ci` table lists, in
// its order: the back-quoted names in the first cell of each row of the
// table in the section headed readmeCISection ("| `asan-ci`, `valgrind-ci`
// | ..." is two steps).
func readmeCISteps(readme string) ([]string, error) {
	start := strings.Index(readme, "\n"+readmeCISection+"\n")
	if start < 0 {
		return nil, fmt.Errorf("README.md: no section %q", readmeCISection)
	}
	section := readme[start+len(readmeCISection)+2:]
	if end := regexp.MustCompile(`(?m)^#{1,3} `).FindStringIndex(section); end != nil {
		section = section[:end[0]]
	}
	name := regexp.MustCompile("`([^`]+)`")
	var steps []string
	rows := 0
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(line, "|")
		if len(cells) < 3 {
			continue
		}
		first := strings.TrimSpace(cells[1])
		if first == "step" || strings.Trim(first, "-: ") == "" {
			continue // the header and its rule
		}
		rows++
		names := name.FindAllStringSubmatch(first, -1)
		if len(names) == 0 {
			return nil, fmt.Errorf("README.md, %s: row %q names no step in back quotes", readmeCISection, line)
		}
		for _, n := range names {
			steps = append(steps, n[1])
		}
	}
	if rows == 0 {
		return nil, fmt.Errorf("README.md, %s: no table of steps", readmeCISection)
	}
	return steps, nil
}

// stepDiffs says how the README's list differs from CI_STEPS: steps
// missing from the README, steps it lists that CI_STEPS lacks, steps listed
// twice, and the first step whose place differs. None when they agree.
func stepDiffs(ci, readme []string) []string {
	var diffs []string
	inCI, inReadme := map[string]bool{}, map[string]int{}
	for _, s := range ci {
		inCI[s] = true
	}
	for _, s := range readme {
		inReadme[s]++
	}
	for _, s := range ci {
		if inReadme[s] == 0 {
			diffs = append(diffs, fmt.Sprintf("step %q is in CI_STEPS but missing from README.md's make ci table", s))
		}
	}
	for _, s := range readme {
		if !inCI[s] {
			diffs = append(diffs, fmt.Sprintf("step %q is in README.md's make ci table but not in CI_STEPS", s))
		}
	}
	reported := map[string]bool{}
	for _, s := range readme {
		if n := inReadme[s]; n > 1 && !reported[s] {
			reported[s] = true
			diffs = append(diffs, fmt.Sprintf("step %q is listed %d times in README.md's make ci table", s, n))
		}
	}
	// The order: both lists without the steps the other lacks.
	var a, b []string
	for _, s := range ci {
		if inReadme[s] > 0 {
			a = append(a, s)
		}
	}
	for _, s := range readme {
		if inCI[s] {
			b = append(b, s)
		}
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			diffs = append(diffs, fmt.Sprintf("misordered: README.md's make ci table has %q where CI_STEPS runs %q (CI_STEPS order: %s)",
				b[i], a[i], strings.Join(ci, " ")))
			break
		}
	}
	return diffs
}

// TestReadmeCIStepsMatchMakefile: the steps of README.md's `make ci` table
// are CI_STEPS's, in the order make ci runs them, and CI_STEPS is declared
// once, in the Makefile.
func TestReadmeCIStepsMatchMakefile(t *testing.T) {
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	ci, err := makefileCISteps(string(makefile))
	if err != nil {
		t.Fatal(err)
	}
	if bad := mkCIStepsAppends(t); len(bad) > 0 {
		t.Errorf("CI_STEPS is assigned in mk/%s: declare every step in the Makefile's CI_STEPS list", strings.Join(bad, ", mk/"))
	}
	listed, err := readmeCISteps(string(readme))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range stepDiffs(ci, listed) {
		t.Error(d)
	}
}

// TestStepDiffs: the comparison names each kind of difference (a step
// missing, one extra, one listed twice, two swapped) and finds none in
// equal lists.
func TestStepDiffs(t *testing.T) {
	ci := []string{"a", "b", "c", "d"}
	for _, tc := range []struct {
		name   string
		readme []string
		want   []string // substrings, one per difference, in order
	}{
		{"equal", []string{"a", "b", "c", "d"}, nil},
		{"missing", []string{"a", "b", "d"}, []string{`"c" is in CI_STEPS but missing`}},
		{"extra", []string{"a", "b", "c", "x", "d"}, []string{`"x" is in README.md's make ci table but not in CI_STEPS`}},
		{"twice", []string{"a", "b", "c", "d", "b"}, []string{`"b" is listed 2 times`}},
		{"swapped", []string{"a", "c", "b", "d"}, []string{`misordered: README.md's make ci table has "c" where CI_STEPS runs "b"`}},
	} {
		got := stepDiffs(ci, tc.readme)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %d differences, want %d: %q", tc.name, len(got), len(tc.want), got)
			continue
		}
		for i := range got {
			if !strings.Contains(got[i], tc.want[i]) {
				t.Errorf("%s: difference %d is %q, want it to say %q", tc.name, i, got[i], tc.want[i])
			}
		}
	}
}

// TestParsers: the Makefile's list is read across its continuation lines,
// a second assignment is refused, and a README row of two steps gives both.
func TestParsers(t *testing.T) {
	steps, err := makefileCISteps("X = 1\nCI_STEPS ?= \\\n\ta \\\n\tb c\nci:\n\tfor s in $(CI_STEPS); do :; done\n")
	if err != nil || strings.Join(steps, " ") != "a b c" {
		t.Errorf("makefileCISteps = %q, %v; want a b c", steps, err)
	}
	if _, err := makefileCISteps("CI_STEPS ?= a\nCI_STEPS += b\n"); err == nil {
		t.Error("makefileCISteps accepted CI_STEPS += beside the list")
	}
	readme := "# t\n\n" + readmeCISection + "\n\ntext\n\n| step | what |\n| --- | --- |\n| `a` | x |\n| `b`, `c` | y `z` |\n\n## Next\n\n| `d` | w |\n"
	steps, err = readmeCISteps(readme)
	if err != nil || strings.Join(steps, " ") != "a b c" {
		t.Errorf("readmeCISteps = %q, %v; want a b c", steps, err)
	}
}
