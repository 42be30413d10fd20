package bogo

import (
	"encoding/json"
	"strings"
	"testing"
)

const versionedConfig = `{
	"DisabledTests": {"Base": "` + DiffersPrefix + `base"},
	"ErrorMap": {"A": ["a"]},
	"AllCurves": [23, 24],
	"Versions": [
		{"From": "3.5", "DisabledTests": {"New35": "` + DiffersPrefix + `from 3.5"}, "ErrorMap": {"B": ["b"]}},
		{"Before": "3.5", "DisabledTests": {"Old": "` + DiffersPrefix + `before 3.5"}},
		{"From": "3.6", "Before": "4.0", "DisabledTests": {"Only36": "` + DiffersPrefix + `3.6 only"}}
	]
}`

// TestEffectiveConfig: each version gets the base entries plus those of
// the ranges that hold it, other keys unchanged and no "Versions" key.
func TestEffectiveConfig(t *testing.T) {
	for _, c := range []struct {
		version string
		want    []string
		errB    bool
	}{
		{"1.1.1w", []string{"Base", "Old"}, false},
		{"3.0.19", []string{"Base", "Old"}, false},
		{"3.5.4", []string{"Base", "New35"}, true},
		{"3.6.0", []string{"Base", "New35", "Only36"}, true},
		{"4.0.3", []string{"Base", "New35"}, true},
	} {
		out, err := EffectiveConfig([]byte(versionedConfig), c.version)
		if err != nil {
			t.Fatalf("%s: %v", c.version, err)
		}
		var got struct {
			DisabledTests map[string]string
			ErrorMap      map[string][]string
			AllCurves     []int
			Versions      any
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		if len(got.DisabledTests) != len(c.want) {
			t.Errorf("%s: DisabledTests %v, want %v", c.version, got.DisabledTests, c.want)
		}
		for _, k := range c.want {
			if _, ok := got.DisabledTests[k]; !ok {
				t.Errorf("%s: DisabledTests lacks %s: %v", c.version, k, got.DisabledTests)
			}
		}
		if _, hasB := got.ErrorMap["B"]; hasB != c.errB || len(got.ErrorMap["A"]) != 1 {
			t.Errorf("%s: ErrorMap %v", c.version, got.ErrorMap)
		}
		if len(got.AllCurves) != 2 || got.Versions != nil {
			t.Errorf("%s: other keys not kept or Versions not dropped: %s", c.version, out)
		}
	}
}

// TestEffectiveConfigErrors: a bad version, an entry without bounds and a
// pattern both in the base and in a matching entry are errors.
func TestEffectiveConfigErrors(t *testing.T) {
	for _, c := range []struct{ cfg, version, want string }{
		{`{}`, "3", "major.minor"},
		{`{"Versions": [{"DisabledTests": {}}]}`, "3.0.19", "neither From nor Before"},
		{`{"Versions": [{"From": "x.y"}]}`, "3.0.19", "major.minor"},
		{`{"DisabledTests": {"T": "x"}, "Versions": [{"From": "3.0", "DisabledTests": {"T": "y"}}]}`, "3.0.19", `"T" is both`},
		{`{"Versions": 5}`, "3.0.19", "Versions"},
	} {
		if _, err := EffectiveConfig([]byte(c.cfg), c.version); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("EffectiveConfig(%s, %s) = %v, want an error naming %q", c.cfg, c.version, err, c.want)
		}
	}
}
