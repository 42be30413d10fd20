package conformance

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// buildCRef compiles cref/NAME.c with the C compiler and flags of the Go
// build (CC, CGO_CFLAGS, CGO_LDFLAGS), so that it links the same libssl as
// the package under test, into dir, and returns the binary's path.
func buildCRef(t *testing.T, dir, name string) string {
	t.Helper()
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "gcc"
	}
	bin := filepath.Join(dir, name)
	args := []string{"-std=c99", "-Wall", "-Wextra", "-Werror", "-o", bin}
	args = append(args, strings.Fields(os.Getenv("CGO_CFLAGS"))...)
	args = append(args, filepath.Join("cref", name+".c"))
	args = append(args, strings.Fields(os.Getenv("CGO_LDFLAGS"))...)
	args = append(args, "-lssl", "-lcrypto")
	if out, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", cc, strings.Join(args, " "), err, out)
	}
	return bin
}

// TestCReference runs the steps of several checks directly with libssl in
// C and compares what the C program observed with what the Go checks
// observed, value by value.
func TestCReference(t *testing.T) {
	dir := t.TempDir()
	bin := buildCRef(t, dir, "cref")
	cs := testcerts.Get()
	files := map[string][]byte{"ca.pem": cs.CACert, "chain.pem": cs.LeafChain, "key.pem": cs.LeafKey}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, filepath.Join(dir, "ca.pem"), filepath.Join(dir, "chain.pem"), filepath.Join(dir, "key.pem"))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("cref: %v\n%s", err, stderr.String())
	}
	t.Logf("%s", strings.TrimSpace(stderr.String()))
	// The C program must run against the libssl the Go package runs with.
	if want := libssl.RuntimeVersionText(); !strings.Contains(stderr.String(), "runtime "+want) {
		t.Fatalf("cref ran against another libssl than the Go package (%s): %s", want, stderr.String())
	}
	var fromC map[string]map[string]string
	if err := json.Unmarshal(stdout.Bytes(), &fromC); err != nil {
		t.Fatalf("cref output is not JSON: %v\n%s", err, stdout.String())
	}
	if len(fromC) < 10 {
		t.Fatalf("cref covers %d checks, want at least 10", len(fromC))
	}
	ids := make([]string, 0, len(fromC))
	for id := range fromC {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	t.Logf("C reference covers %s", strings.Join(ids, " "))
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			sel, err := Select("^" + id + "$")
			if err != nil || len(sel) != 1 {
				t.Fatalf("no Go check %s", id)
			}
			r := RunOne(&sel[0], Options{})
			if r.Status != Pass {
				t.Errorf("Go check %s: %s %s", id, r.Status, r.Reason)
			}
			goObs := r.ObservedMap()
			// Every C observation must have the same name and value on the
			// Go side; the Go checks may observe more.
			got := map[string]string{}
			for name := range fromC[id] {
				if v, ok := goObs[name]; ok {
					got[name] = v
				}
			}
			if d := cmp.Diff(fromC[id], got); d != "" {
				t.Errorf("%s: C and Go observations differ (-C +Go):\n%s", id, d)
			}
		})
	}
}
