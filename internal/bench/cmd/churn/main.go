// Command churn measures what openssl.Conn leaves behind under connection
// churn over loopback TCP, in two phases:
//
//	closed     N full handshakes (no resumption), both ends Closed
//	abandoned  N full handshakes whose Conns (both ends) are dropped without
//	           Close: the transports' and the handles' cleanups must reclaim
//	           them
//
// After each phase it reports goroutines and open file descriptors against
// their values at the start, the destruction probe (libssl.LiveObjects)
// against its start, the handles the backstop reclaimed
// (libssl.CleanupFrees), and RSS growth. It exits non-zero when goroutines,
// descriptors or the probe are not back where they started.
//
// It is a measurement, not a test: `go run ./internal/bench/cmd/churn [-n N]`
// (minutes for the default N on a loaded two-core machine). After the closed
// phase nothing is collected before measuring: Close alone must have
// released everything. After the abandoned phase it collects (runtime.GC)
// until the counts settle or 60 s have passed, since only collection can
// reclaim what was dropped.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"time"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
	"github.com/libssl-go/libssl/openssl"
)

type snapshot struct {
	goroutines int
	fds        int
	probe      libssl.Objects
	cleanups   int64
	rssKiB     int64
}

func take() snapshot {
	return snapshot{runtime.NumGoroutine(), openFDs(), libssl.LiveObjects(), libssl.CleanupFrees(), rss()}
}

func openFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents) - 1 // the ReadDir's own descriptor
}

// rss is VmRSS from /proc/self/status, in KiB.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			var kib int64
			fmt.Sscanf(strings.TrimPrefix(line, "VmRSS:"), "%d", &kib)
			return kib
		}
	}
	return -1
}

func main() {
	n := flag.Int("n", 20000, "handshakes per phase")
	flag.Parse()
	tc := testcerts.Get()
	scfg := &openssl.Config{Certificates: []openssl.Certificate{{CertPEM: tc.LeafChain, KeyPEM: tc.LeafKey}}}
	ccfg := &openssl.Config{RootCAs: tc.CACert, ServerName: "localhost"}
	defer scfg.Free()
	defer ccfg.Free()

	// The contexts, the listener and its goroutine exist before the start.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	warm := func() {
		if err := roundTrip(ln.Addr().String(), accepted, scfg, ccfg, true); err != nil {
			fail(err)
		}
	}
	warm()
	fmt.Printf("OpenSSL %s, Go %s, %d handshakes per phase, GOMAXPROCS %d\n",
		libssl.RuntimeVersionText(), runtime.Version(), *n, runtime.GOMAXPROCS(0))
	bad := false
	for _, phase := range []struct {
		name  string
		close bool
	}{{"closed", true}, {"abandoned", false}} {
		start := take()
		t0 := time.Now()
		peakFDs := 0
		for i := 0; i < *n; i++ {
			if err := roundTrip(ln.Addr().String(), accepted, scfg, ccfg, phase.close); err != nil {
				fail(fmt.Errorf("%s handshake %d: %w", phase.name, i, err))
			}
			if i%500 == 0 {
				peakFDs = max(peakFDs, openFDs())
			}
		}
		took := time.Since(t0)
		end := take()
		if !phase.close {
			// Only collection can reclaim what was dropped: collect until
			// the counts stop moving.
			deadline := time.Now().Add(60 * time.Second)
			stable := 0
			for stable < 5 && time.Now().Before(deadline) {
				runtime.GC()
				time.Sleep(20 * time.Millisecond)
				now := take()
				if now.probe == end.probe && now.fds == end.fds && now.cleanups == end.cleanups && now.goroutines == end.goroutines {
					stable++
				} else {
					stable = 0
				}
				end = now
			}
		}
		ok := end.goroutines == start.goroutines && end.fds == start.fds && end.probe == start.probe
		fmt.Printf("%-9s %6d handshakes in %6.1fs (%5.2f ms each): goroutines %d -> %d, open fds %d -> %d (peak seen %d), probe %+v -> %+v, backstop frees %d, RSS %.1f -> %.1f MiB (%+.1f MiB)%s\n",
			phase.name, *n, took.Seconds(), took.Seconds()*1000/float64(*n),
			start.goroutines, end.goroutines, start.fds, end.fds, peakFDs,
			start.probe, end.probe, end.cleanups-start.cleanups,
			float64(start.rssKiB)/1024, float64(end.rssKiB)/1024, float64(end.rssKiB-start.rssKiB)/1024,
			map[bool]string{true: "", false: "  NOT BACK TO START"}[ok])
		if !ok {
			bad = true
		}
	}
	if bad {
		os.Exit(1)
	}
}

// roundTrip dials a client Conn to the listener, runs a full handshake on
// both ends and a one-byte exchange, then Closes both ends or drops them.
func roundTrip(addr string, accepted <-chan net.Conn, scfg, ccfg *openssl.Config, closeThem bool) error {
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	sraw, ok := <-accepted
	if !ok {
		return errors.New("listener closed")
	}
	cl, err := openssl.Client(raw, ccfg)
	if err != nil {
		return err
	}
	sv, err := openssl.Server(sraw, scfg)
	if err != nil {
		return err
	}
	limit := time.Now().Add(30 * time.Second)
	_ = cl.SetDeadline(limit)
	_ = sv.SetDeadline(limit)
	errc := make(chan error, 1)
	go func() {
		var b [1]byte
		_, err := io.ReadFull(sv, b[:])
		if err == nil {
			_, err = sv.Write(b[:])
		}
		if err == nil && closeThem {
			_, err = sv.Read(b[:])
			if errors.Is(err, io.EOF) {
				err = nil
			}
			if cerr := sv.Close(); err == nil {
				err = cerr
			}
		}
		errc <- err
	}()
	var b [1]byte
	if _, err = cl.Write([]byte{'x'}); err == nil {
		_, err = io.ReadFull(cl, b[:])
	}
	if err == nil && cl.OpenSSLState().DidResume {
		err = errors.New("a resumed handshake: the phase must do full ones")
	}
	if closeThem {
		if cerr := cl.Close(); err == nil {
			err = cerr
		}
	}
	if serr := <-errc; err == nil {
		err = serr
	}
	return err
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "churn:", err)
	os.Exit(1)
}
