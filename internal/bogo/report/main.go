// Command report summarises a BoGo run: it reads the runner's JSON results,
// the shim config (its DisabledTests and their reasons) and the list of every
// test of the runner revision, and prints the counts of passed, failed
// (unexpected), unimplemented (the shim exited 89) and disabled tests, the
// disabled ones split by the kind of their reason ("libssl behaves
// differently from BoringSSL: ..." or "the binding lacks ..."), and ends
// with the line "N passed, N failed, N skipped" (skipped = unimplemented +
// disabled). It exits 1 when a test failed unexpectedly, when the results
// are missing, or when a disabled test's reason is of neither kind.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// results is the part of the runner's JSON output (util/testresult) read here.
type results struct {
	Interrupted bool `json:"interrupted"`
	Tests       map[string]struct {
		Actual       string `json:"actual"`
		Expected     string `json:"expected"`
		IsUnexpected bool   `json:"is_unexpected"`
		Error        string `json:"error"`
	} `json:"tests"`
}

// shimConfig is the part of the runner's -shim-config file read here.
type shimConfig struct {
	DisabledTests map[string]string
}

// Reason prefixes of the two kinds of disabled tests.
const (
	differsPrefix = "libssl behaves differently from BoringSSL: "
	lacksPrefix   = "the binding lacks "
)

// counts is the summary of one run.
type counts struct {
	passed, failed, unimplemented int
	differs, lacks                int
	failures                      []string
	badReasons                    []string
	// stale: DisabledTests patterns that match no test of the revision
	// (a renamed or removed test), so that the config keeps no reason
	// for nothing.
	stale []string
}

func (c counts) skipped() int { return c.unimplemented + c.differs + c.lacks }

// summarise counts res, classifying as disabled every name of all that a
// DisabledTests pattern matches and that did not run.
func summarise(res *results, cfg *shimConfig, all []string) (counts, error) {
	var c counts
	for name, t := range res.Tests {
		switch {
		case t.Actual == "PASS":
			c.passed++
		case t.Actual == "SKIP" && !t.IsUnexpected:
			c.unimplemented++
		default:
			c.failed++
			c.failures = append(c.failures, name)
		}
	}
	patterns := make([]string, 0, len(cfg.DisabledTests))
	for p, reason := range cfg.DisabledTests {
		if !strings.HasPrefix(reason, differsPrefix) && !strings.HasPrefix(reason, lacksPrefix) {
			c.badReasons = append(c.badReasons, p)
		}
		patterns = append(patterns, p)
	}
	sort.Strings(patterns)
	for _, p := range patterns {
		matched := false
		for _, name := range all {
			if ok, _ := filepath.Match(p, name); ok {
				matched = true
				break
			}
		}
		if !matched {
			c.stale = append(c.stale, p)
		}
	}
	sort.Strings(c.badReasons)
	sort.Strings(c.failures)
	for _, name := range all {
		if _, ran := res.Tests[name]; ran {
			continue
		}
		for _, p := range patterns {
			ok, err := filepath.Match(p, name)
			if err != nil {
				return c, fmt.Errorf("pattern %q: %v", p, err)
			}
			if ok {
				if strings.HasPrefix(cfg.DisabledTests[p], lacksPrefix) {
					c.lacks++
				} else {
					c.differs++
				}
				break
			}
		}
	}
	return c, nil
}

// print writes the summary, ending with the closing line.
func (c counts) print(w io.Writer) {
	for _, name := range c.failures {
		fmt.Fprintf(w, "FAILED: %s\n", name)
	}
	for _, p := range c.badReasons {
		fmt.Fprintf(w, "disabled pattern %q: its reason is of neither kind (%q..., %q...)\n", p, differsPrefix, lacksPrefix)
	}
	for _, p := range c.stale {
		fmt.Fprintf(w, "disabled pattern %q matches no test of the runner's revision\n", p)
	}
	fmt.Fprintf(w, "pass %d, fail %d, unimplemented %d, disabled %d (libssl differs %d, binding lacks %d)\n",
		c.passed, c.failed, c.unimplemented, c.differs+c.lacks, c.differs, c.lacks)
	fmt.Fprintf(w, "%d passed, %d failed, %d skipped\n", c.passed, c.failed, c.skipped())
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func main() {
	resultsPath := flag.String("results", "", "the runner's -json-output file")
	configPath := flag.String("config", "", "the shim config (-shim-config)")
	namesPath := flag.String("names", "", "every test name of the runner revision, one a line")
	listNames := flag.String("list-names", "", "print the test names of this JSON result, sorted, and exit")
	flag.Parse()
	if *listNames != "" {
		var res results
		if err := readJSON(*listNames, &res); err != nil {
			fmt.Fprintln(os.Stderr, "report:", err)
			os.Exit(1)
		}
		names := make([]string, 0, len(res.Tests))
		for name := range res.Tests {
			names = append(names, name)
		}
		sort.Strings(names)
		fmt.Println(strings.Join(names, "\n"))
		return
	}
	var res results
	var cfg shimConfig
	if err := readJSON(*resultsPath, &res); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	if err := readJSON(*configPath, &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	names, err := os.ReadFile(*namesPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	c, err := summarise(&res, &cfg, strings.Fields(string(names)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	c.print(os.Stdout)
	if c.failed > 0 || len(c.badReasons) > 0 || res.Interrupted {
		os.Exit(1)
	}
}
