package conformance

import (
	_ "embed"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// claimsDoc is conformance/CLAIMS.md, the single source of the claims the
// checks cite; embedded so that a test binary run elsewhere (the container
// images) still checks it.
//
//go:embed CLAIMS.md
var claimsDoc string

// claimsRowID matches a table row that starts with a check ID.
var claimsRowID = regexp.MustCompile(`^\| (C\d\d) \|`)

// claimsSections splits CLAIMS.md into the claims table (before the
// "## Differences between versions" heading) and the differences table
// (after it), and returns the check IDs of the rows of each.
func claimsSections(t *testing.T, doc string) (claims, diffs []string) {
	t.Helper()
	before, after, ok := strings.Cut(doc, "\n## Differences between versions\n")
	if !ok {
		t.Fatal(`CLAIMS.md has no "## Differences between versions" section`)
	}
	ids := func(s string) []string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if m := claimsRowID.FindStringSubmatch(l); m != nil {
				out = append(out, m[1])
			}
		}
		return out
	}
	return ids(before), ids(after)
}

// TestClaimsDocument checks that CLAIMS.md and the checks agree: one row
// per check and a check per row, and a row in the table of version
// differences for every check whose expected outcome differs by version
// line (and for no other check).
func TestClaimsDocument(t *testing.T) {
	claims, diffs := claimsSections(t, claimsDoc)
	var ids, byLine []string
	for _, c := range Checks() {
		ids = append(ids, c.ID)
		if len(c.ByLine) > 0 {
			byLine = append(byLine, c.ID)
		}
	}
	if !slices.Equal(claims, ids) {
		t.Errorf("CLAIMS.md rows %v, checks %v", claims, ids)
	}
	diffs = slices.Compact(slices.Sorted(slices.Values(diffs)))
	sort.Strings(byLine)
	if !slices.Equal(diffs, byLine) {
		t.Errorf("CLAIMS.md's version differences name %v; the checks with per-line expectations are %v", diffs, byLine)
	}
}
