package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A cachegrind file as valgrind 3.19 writes it with --cache-sim=no: costs
// are summed per file and function, across the fl/fn switches.
func TestParseCachegrind(t *testing.T) {
	const file = `desc: I1 cache: none
cmd: openssl.test
events: Ir
fl=/usr/local/go/src/runtime/proc.go
fn=runtime.exitsyscall
10 5
11 7
fn=runtime.schedule
20 100
fl=???
fn=???
0 1000
fl=/usr/local/go/src/runtime/proc.go
fn=runtime.exitsyscall
12 3
summary: 1115
`
	path := filepath.Join(t.TempDir(), "cg")
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := parseCachegrind(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{
		"/usr/local/go/src/runtime/proc.go:runtime.exitsyscall": 15,
		"/usr/local/go/src/runtime/proc.go:runtime.schedule":    100,
		"???:???": 1000,
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %d, want %d", k, got[k], v)
		}
	}
	if err := os.WriteFile(path, []byte("events: Ir\nfl=x\nfn=y\n1 notanumber\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := parseCachegrind(path); err == nil {
		t.Error("a cost that is not a number parsed without an error")
	}
	if err := os.WriteFile(path, []byte("events: Ir\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := parseCachegrind(path); err == nil {
		t.Error("a file without costs parsed without an error")
	}
}

func TestCategory(t *testing.T) {
	for key, want := range map[string]string{
		"/usr/local/go/src/runtime/proc.go:runtime.reentersyscall":            "Go runtime: cgo transitions",
		"/usr/local/go/src/runtime/cgocall.go:runtime.cgocall":                "Go runtime: cgo transitions",
		"/usr/local/go/src/runtime/malloc.go:runtime.mallocgc":                "Go runtime: allocation and GC",
		"/usr/local/go/src/runtime/netpoll_epoll.go:runtime.netpoll":          "Go runtime: netpoll",
		"/usr/local/go/src/runtime/proc.go:runtime.findRunnable":              "Go runtime: scheduler, timers, locks",
		"/usr/local/go/src/internal/poll/fd_unix.go:internal/poll.(*FD).Read": "Go net, poll, syscall",
		"/usr/local/go/src/crypto/tls/conn.go:crypto/tls.(*Conn).Read":        "Go crypto (crypto/tls and its primitives)",
		"/usr/local/go/src/strings/strings.go:strings.EqualFold":              "Go standard library, other",
		"./malloc/./malloc/malloc.c:malloc":                                   "libc",
		"???:OPENSSL_cleanse":                                                 "libssl and libcrypto",
		"/work/main/openssl/socket.go:openssl.(*Conn).Read":                   "the binding's Go code",
		"/work/main/openssl/benchconn_test.go:openssl.bulkEnd":                "benchmark harness (_test.go)",
		"/work/main/shim_sock.c:sock_ctrl":                                    "the binding's C shim",
	} {
		if got := category(key); got != want {
			t.Errorf("category(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestThousands(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 999.4: "999", 1000: "1,000", 913075.2: "913,075", -4716.6: "-4,717", 1234567: "1,234,567"} {
		if got := thousands(v); got != want {
			t.Errorf("thousands(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestWriteTableRatio(t *testing.T) {
	var b strings.Builder
	writeTable(&b, "HS12Resumed", 1, []string{"c", "libssl"}, map[string]map[string]float64{
		"c":      {"???:???": 1000},
		"libssl": {"???:???": 1000, "/usr/local/go/src/runtime/cgocall.go:runtime.cgocall": 200},
	})
	for _, want := range []string{"| libssl and libcrypto | 1,000 | 1,000 |", "| Go runtime: cgo transitions | 0 | 200 |", "| total | 1,000 | 1,200 |", "| ÷ c | 1.00 | 1.20 |"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}
