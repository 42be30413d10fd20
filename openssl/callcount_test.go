//go:build libssl_callcount

package openssl

import (
	"net"
	"testing"

	"github.com/libssl-go/libssl/internal/testhooks"
)

// The cgo calls a Conn makes per Read and Write in steady state, on both
// paths to a TCP transport, counted by package libssl's generated wrappers
// in a build with the libssl_callcount tag (make test-callcount). A change
// that adds a call fails here.
//
// The socket path (libssl reads and writes the socket): one call per Write
// (SSL_write sends the records, libssl.SSL.SocketWrite), one per Read with
// data there to read, whether libssl buffered it or the socket has it, and
// two per Read that waits for the network (the first finds nothing; the
// netpoller parks the goroutine until the socket is readable), as C's
// SSL_read, poll, SSL_read.
//
// The memory-BIO path: one call per Write (encrypt and drain together,
// libssl.SSL.WriteAndDrain), one per Read with data buffered and two per
// Read that goes to the network (the second feeds and reads together,
// libssl.SSL.FeedAndRead).
func TestCgoCallsPerReadWrite(t *testing.T) {
	t.Run("socket", func(t *testing.T) { testCgoCallsPerReadWrite(t, SocketIOOn) })
	t.Run("memory-bio", func(t *testing.T) { testCgoCallsPerReadWrite(t, SocketIOOff) })
}

func testCgoCallsPerReadWrite(t *testing.T, mode SocketIO) {
	ln := listenLoopback(t)
	defer ln.Close()
	type acc struct {
		c   *Conn
		err error
	}
	ch := make(chan acc, 1)
	scfg, ccfg := serverConfig(VersionTLS13), clientConfig(VersionTLS13)
	scfg.SocketIO, ccfg.SocketIO = mode, mode
	go func() {
		raw, err := ln.Accept()
		if err != nil {
			ch <- acc{err: err}
			return
		}
		deadline(raw)
		s, err := Server(raw, scfg)
		if err == nil {
			err = s.Handshake()
		}
		ch <- acc{s, err}
	}()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	deadline(raw)
	cl, err := Client(raw, ccfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.Handshake(); err != nil {
		t.Fatal(err)
	}
	a := <-ch
	if a.err != nil {
		t.Fatal(a.err)
	}
	sv := a.c
	defer sv.Close()
	if got := sv.onSocket(); got != (mode == SocketIOOn) {
		t.Fatalf("the server Conn runs on the socket: %v, want %v", got, mode == SocketIOOn)
	}

	calls := testhooks.CgoCalls
	count := func(f func()) uint64 {
		before := calls()
		f()
		return calls() - before
	}
	msg := make([]byte, 64)
	big := make([]byte, 16<<10)
	buf := make([]byte, 32<<10)
	must := func(n int, err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	// Warm up: the client reads the server's tickets with its first Read.
	for i := 0; i < 2; i++ {
		must(cl.Write(msg))
		must(readFullConn(sv, buf[:64]))
		must(sv.Write(msg))
		must(readFullConn(cl, buf[:64]))
	}
	// The records of the Write before a "from the network" Read are on
	// the socket by then (loopback), not yet in libssl or the read BIO:
	// the socket path reads them with one call, the memory BIOs with two.
	fromNetwork := uint64(2)
	if mode == SocketIOOn {
		fromNetwork = 1
	}
	cases := []struct {
		name string
		max  uint64
		f    func()
	}{
		{"Write 64 B", 1, func() { must(cl.Write(msg)) }},
		{"Read from the network", fromNetwork, func() { must(sv.Read(buf[:32])) }},
		{"Read buffered", 1, func() { must(sv.Read(buf[:32])) }},
		{"Write 16 KiB", 1, func() { must(cl.Write(big)) }},
	}
	for _, c := range cases {
		n := count(c.f)
		t.Logf("%s: %d cgo calls", c.name, n)
		if n > c.max {
			t.Errorf("%s: %d cgo calls, at most %d", c.name, n, c.max)
		}
	}
	must(readFullConn(sv, buf[:16<<10]))

	if mode == SocketIOOff {
		// A Read waiting on the network reads into a 2 KiB buffer while
		// reads are small (an idle Conn's blocked Read then holds 2 KiB):
		// the first full record after small reads costs one call more,
		// and from then on a record is read whole again.
		must(cl.Write(msg)) // a small read first
		must(readFullConn(sv, buf[:64]))
		for i, max := range []uint64{3, 2, 2} {
			must(cl.Write(big))
			got := 0
			n := count(func() {
				// Read goes to the network: the record is not in the BIO yet.
				var err error
				got, err = sv.Read(buf[:16<<10])
				must(got, err)
			})
			must(readFullConn(sv, buf[:16<<10-got])) // whatever the first Read left
			t.Logf("16 KiB record %d from the network: %d cgo calls", i, n)
			if n > max {
				t.Errorf("16 KiB record %d from the network: %d cgo calls, at most %d", i, n, max)
			}
		}
	}

	// Allocations of a 64-byte round trip (none: the want-read of either
	// path is the bare sentinel, the socket path's RawConn callbacks are
	// made once per Conn, and the pump's transport buffers come from
	// pools).
	allocs := testing.AllocsPerRun(50, func() {
		must(cl.Write(msg))
		must(readFullConn(sv, buf[:64]))
		must(sv.Write(msg))
		must(readFullConn(cl, buf[:64]))
	})
	t.Logf("64-byte echo round trip: %.1f allocations", allocs)
	if allocs > 0 {
		t.Errorf("64-byte echo round trip: %.1f allocations, want none", allocs)
	}
}

func readFullConn(c *Conn, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := c.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
