package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The report and the packages it runs are production code: none of them may
// link internal/testhooks, the door the module's tests open into package
// libssl's diagnostics. A check that needs one must show it through public
// behaviour instead.
func TestReportLinksNoTestHooks(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list sslconform's dependencies: %v", err)
	}
	const module = "github.com/libssl-go/libssl"
	out, err := exec.Command(goTool, "list", "-deps", ".", module+"/openssl").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 {
		t.Fatal("go list -deps listed nothing")
	}
	for _, d := range deps {
		if d == module+"/internal/testhooks" {
			t.Errorf("sslconform or openssl links %s", d)
		}
	}
}
