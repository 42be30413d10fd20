package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/libssl-go/libssl/internal/testcerts"
)

// TestIdleConnMemoryBounds holds n idle package-openssl connections (both
// ends in this process, each handshaken with the one exchange) and bounds
// what each pair keeps:
//
//   - C heap: at most what the C program's two ends keep (the same steps
//     with libssl directly, measured in the same run) plus 10%, the room
//     for the two pairs of memory BIOs the binding runs libssl through
//     (measured: 5.2% on 1.1.1w, 5.4% on 3.0.19, 7.5% on 3.5.9; one more
//     4 KiB memory BIO per Conn is 16% on 3.0 and fails);
//   - Go heap: at most 24 KiB, which an idle Conn keeping one of its
//     record-sized transport buffers (18 KiB, pooled while idle) exceeds:
//     today each end keeps its handles (the SSL's GC weight, 4.8 KiB, the
//     Conn, the two BIOs) and the client the peer's chain, 15.7 KiB a pair.
//
// Under -short n is 100, else 2,000.
func TestIdleConnMemoryBounds(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 100
	}
	dir := t.TempDir()
	tc := testcerts.Get()
	for name, data := range map[string][]byte{"ca.pem": tc.CACert, "chain.pem": tc.LeafChain, "key.pem": tc.LeafKey} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	crows, err := runC(dir, n, false)
	if err != nil {
		t.Fatal(err)
	}
	cPair := crows[0].cHeap + crows[1].cHeap

	m, err := loadMaterial(dir)
	if err != nil {
		t.Fatal(err)
	}
	e, err := makeEnds("libssl", m, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := warm(e); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	base := measure("base", "")
	conns := make([]tlsConn, 0, 2*n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < n; i++ {
		var wg sync.WaitGroup
		var s tlsConn
		var serr error
		wg.Add(1)
		go func() {
			defer wg.Done()
			raw, err := ln.Accept()
			if err != nil {
				serr = err
				return
			}
			if s, serr = e.server(raw); serr == nil {
				serr = exchange(s, false)
			}
		}()
		raw, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.client(raw)
		if err == nil {
			err = exchange(c, true)
		}
		wg.Wait()
		if s != nil {
			conns = append(conns, s)
		}
		if c != nil {
			conns = append(conns, c)
		}
		if err != nil || serr != nil {
			t.Fatalf("connection %d: client %v, server %v", i, err, serr)
		}
	}
	r := perConn(measure("held", ""), base, n)
	t.Logf("per idle pair at n=%d: Go heap %.0f B, C heap %.0f B (C program %.0f B)", n, r.goHeap, r.cHeap, cPair)
	if max := cPair * 1.10; r.cHeap > max {
		t.Errorf("C heap per idle connection pair %.0f B, want at most %.0f (C's %.0f + 10%%)", r.cHeap, max, cPair)
	}
	if max := 24.0 * 1024; r.goHeap > max {
		t.Errorf("Go heap per idle connection pair %.0f B, want at most %.0f", r.goHeap, max)
	}
}

// The ends run with glibc's per-thread cache off, added to any tunables the
// caller set, unless -tcache keeps it.
func TestChildEnvThreadCache(t *testing.T) {
	defer func() { keepThreadCache = false }()
	find := func(env []string) (string, int) {
		v, n := "", 0
		for _, kv := range env {
			if s, ok := strings.CutPrefix(kv, "GLIBC_TUNABLES="); ok {
				v, n = s, n+1
			}
		}
		return v, n
	}
	t.Setenv("GLIBC_TUNABLES", "")
	os.Unsetenv("GLIBC_TUNABLES")
	if v, n := find(childEnv()); v != "glibc.malloc.tcache_count=0" || n != 1 {
		t.Errorf("without GLIBC_TUNABLES: %q (%d times), want the cache off once", v, n)
	}
	t.Setenv("GLIBC_TUNABLES", "glibc.malloc.arena_max=2")
	if v, n := find(childEnv()); v != "glibc.malloc.arena_max=2:glibc.malloc.tcache_count=0" || n != 1 {
		t.Errorf("with GLIBC_TUNABLES set: %q (%d times), want the caller's tunables and the cache off", v, n)
	}
	keepThreadCache = true
	if v, _ := find(childEnv()); v != "glibc.malloc.arena_max=2" {
		t.Errorf("with -tcache: %q, want the caller's tunables unchanged", v)
	}
}
