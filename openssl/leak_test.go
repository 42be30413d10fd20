package openssl

import (
	"bytes"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	libssl "github.com/libssl-go/libssl"
)

// Shared by the fuzz targets, the hostile-peer and the careless-program
// tables: what a connection must leave behind once it is closed (nothing).

// connGoroutines returns the stacks of goroutines that are inside this
// package's Conn or in a test peer of this package, skipping the caller's
// own goroutine. The fuzz engine's and the testing package's goroutines do
// not match.
func connGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for i, g := range bytes.Split(buf, []byte("\n\n")) {
		if i == 0 {
			continue // the calling goroutine
		}
		s := string(g)
		if strings.Contains(s, "libssl/openssl.(*Conn)") || strings.Contains(s, "libssl/openssl.(*listener)") ||
			strings.Contains(s, "libssl/openssl.hostile") || strings.Contains(s, "libssl/openssl.fuzzPeer") {
			out = append(out, s)
		}
	}
	return out
}

// noConnGoroutines fails t if a goroutine is still inside a Conn or a test
// peer once the ones that are ending have had up to within to end. It
// waits on nothing else: it only checks, again, until the bound.
func noConnGoroutines(t testing.TB, within time.Duration) {
	t.Helper()
	end := time.Now().Add(within)
	for {
		left := connGoroutines()
		if len(left) == 0 {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("%d goroutine(s) left behind:\n%s", len(left), strings.Join(left, "\n\n"))
		}
		runtime.Gosched()
		time.Sleep(5 * time.Millisecond) // a bound on polling, not a synchronisation
	}
}

// probeSSLSessions is the destruction probe's count of SSL and SSL_SESSION
// objects (contexts stay with their Configs), with the number of handles
// the backstop has reclaimed.
type probeSSLSessions struct{ SSL, Session, CleanupFrees int64 }

func probeNow() probeSSLSessions {
	o := libssl.LiveObjects()
	return probeSSLSessions{o.SSL, o.Session, libssl.CleanupFrees()}
}

// probeBack fails t unless the probe is back at base: every SSL and session
// the connections made was destroyed by an explicit Free (their Close), none
// by the backstop.
func probeBack(t testing.TB, base probeSSLSessions) {
	t.Helper()
	if got := probeNow(); got != base {
		t.Fatalf("destruction probe: %+v now, %+v before: a connection's SSL or session outlived its Close, or was reclaimed by the backstop", got, base)
	}
}

// settleProbe lets the backstop reclaim what earlier tests dropped, so that
// the probe then moves only by what the caller does: it collects until the
// counts and the backstop's count have stayed put for five rounds.
func settleProbe() {
	last, stable := probeNow(), 0
	for i := 0; i < 200 && stable < 5; i++ {
		runtime.GC()
		time.Sleep(time.Millisecond) // cleanups run on their own goroutine
		now := probeNow()
		if now == last {
			stable++
		} else {
			stable = 0
		}
		last = now
	}
}

// openFDs counts this process's open file descriptors (Linux).
func openFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t testing.TB) (net.Conn, net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return acceptedPair(t, l)
}

// acceptedPair dials l and returns the dialled end and the accepted one.
func acceptedPair(t testing.TB, l net.Listener) (net.Conn, net.Conn) {
	t.Helper()
	ch := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept()
		ch <- c
	}()
	a, err := net.Dial(l.Addr().Network(), l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b := <-ch
	if b == nil {
		a.Close()
		t.Fatal("accept failed")
	}
	return a, b
}
