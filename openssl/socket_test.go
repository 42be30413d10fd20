package openssl

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	libssl "github.com/libssl-go/libssl"
)

// LIBSSL_GO_TEST_SOCKETIO=off runs every test's Conns on memory BIOs where
// they would run on the socket (make ci's test-memory-bio step), so that
// the whole suite passes on both paths.
func init() {
	switch os.Getenv("LIBSSL_GO_TEST_SOCKETIO") {
	case "off":
		testSocketIO = SocketIOOff
	case "", "auto":
	default:
		panic("LIBSSL_GO_TEST_SOCKETIO: want off or auto")
	}
}

// wrappedConn is a net.Conn wrapper that offers its transport's
// descriptor by embedding (SyscallConn is promoted), as many wrappers do
// without meaning it.
type wrappedConn struct{ *net.TCPConn }

// unixPair returns the two ends of a Unix stream socket.
func unixPair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return acceptedPair(t, l)
}

// Config.SocketIO chooses the path by the transport's type: the socket
// for *net.TCPConn and stream *net.UnixConn under SocketIOAuto, memory
// BIOs for anything else; SocketIOOn takes any syscall.Conn and refuses a
// transport without one. Each pair then completes a handshake and an echo.
func TestSocketIOChoosesThePath(t *testing.T) {
	tcp := func(t *testing.T) (net.Conn, net.Conn) { return tcpPair(t) }
	pipe := func(*testing.T) (net.Conn, net.Conn) { return net.Pipe() }
	wrapped := func(t *testing.T) (net.Conn, net.Conn) {
		a, b := tcpPair(t)
		return wrappedConn{a.(*net.TCPConn)}, wrappedConn{b.(*net.TCPConn)}
	}
	for _, tc := range []struct {
		name   string
		pair   func(*testing.T) (net.Conn, net.Conn)
		mode   SocketIO
		socket bool
	}{
		{"tcp/auto", tcp, SocketIOAuto, true},
		{"unix/auto", unixPair, SocketIOAuto, true},
		{"tcp/off", tcp, SocketIOOff, false},
		{"pipe/auto", pipe, SocketIOAuto, false},
		{"wrapped-tcp/auto", wrapped, SocketIOAuto, false},
		{"wrapped-tcp/on", wrapped, SocketIOOn, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scfg, ccfg := serverConfig(VersionTLS13), clientConfig(VersionTLS13)
			scfg.SocketIO, ccfg.SocketIO = tc.mode, tc.mode
			defer scfg.Free()
			defer ccfg.Free()
			a, b := tc.pair(t)
			cl, sv := conns(t, a, b, scfg, ccfg)
			defer closeBoth(cl, sv)
			deadline(cl)
			deadline(sv)
			want := tc.socket
			if tc.mode == SocketIOAuto && testSocketIO == SocketIOOff {
				want = false // LIBSSL_GO_TEST_SOCKETIO=off replaces SocketIOAuto
			}
			if cl.onSocket() != want || sv.onSocket() != want {
				t.Errorf("on the socket: client %v, server %v; want %v", cl.onSocket(), sv.onSocket(), want)
			}
			echoBoth(t, cl, sv)
		})
	}
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	cfg := clientConfig(VersionTLS13)
	defer cfg.Free()
	cfg.SocketIO = SocketIOOn
	if _, err := Client(a, cfg); err == nil || !strings.Contains(err.Error(), "SocketIOOn") || !strings.Contains(err.Error(), "net.pipe") {
		t.Errorf("SocketIOOn over net.Pipe: %v, want an error naming SocketIOOn and the transport's type", err)
	}
	cfg.SocketIO = 7
	if _, err := Client(a, cfg); err == nil || !strings.Contains(err.Error(), "Config.SocketIO") {
		t.Errorf("SocketIO 7: %v, want an error naming Config.SocketIO", err)
	}
}

// closeBoth closes the client while the server's transport is drained
// (over net.Pipe a close_notify waits for its reader), then the server.
func closeBoth(cl, sv *Conn) {
	done := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, sv.NetConn()); close(done) }()
	_ = cl.Close()
	<-done
	_ = sv.Close()
}

// echoBoth writes a message each way and checks it arrives.
func echoBoth(t *testing.T, cl, sv *Conn) {
	t.Helper()
	msg := []byte("over the chosen path")
	errc := make(chan error, 1)
	go func() {
		got, err := readFull(sv, len(msg))
		if err == nil && !bytes.Equal(got, msg) {
			err = errors.New("server read other bytes")
		}
		if err == nil {
			_, err = sv.Write(msg)
		}
		errc <- err
	}()
	if _, err := cl.Write(msg); err != nil {
		t.Fatal(err)
	}
	got, err := readFull(cl, len(msg))
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("client read %q, %v", got, err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// A writer that waits for the socket while the reader must answer the
// peer's KeyUpdate: the answer and the writer's records share the socket
// BIO's buffer in libssl's order, and nothing is lost or refused (a BIO
// that made libssl wait would leave a half-sent record, which libssl then
// refuses to interleave with the answer: "bad write retry").
func TestSocketKeyUpdateWhileWriterWaits(t *testing.T) {
	for _, mode := range []SocketIO{SocketIOAuto, SocketIOOff} {
		t.Run(map[SocketIO]string{SocketIOAuto: "socket", SocketIOOff: "memory-bio"}[mode], func(t *testing.T) {
			scfg, ccfg := serverConfig(VersionTLS13), clientConfig(VersionTLS13)
			scfg.SocketIO, ccfg.SocketIO = mode, mode
			defer scfg.Free()
			defer ccfg.Free()
			cl, sv := connPair(t, true, scfg, ccfg)
			handshakeBoth(t, cl, sv)
			// The client writes more than the two sockets' buffers hold;
			// the server does not read yet, so the Write waits.
			const total = 16 << 20
			payload := bytes.Repeat([]byte("0123456789abcdef"), total/16)
			wrote := make(chan error, 1)
			go func() { _, err := cl.Write(payload); wrote <- err }()
			got := make(chan []byte, 1)
			go func() { b, _ := readFull(cl, 5); got <- b }()
			// The server asks for a KeyUpdate and sends data with it.
			if err := sv.WithSSL(func(s *libssl.SSL) error { return s.KeyUpdate(true) }); err != nil {
				t.Fatal(err)
			}
			if _, err := sv.Write([]byte("hello")); err != nil {
				t.Fatal(err)
			}
			if b := <-got; string(b) != "hello" {
				t.Fatalf("client read %q", b)
			}
			// Now the server reads everything: the client's data, then
			// its KeyUpdate answer in between, in order.
			in, err := readFull(sv, total)
			if err != nil {
				t.Fatalf("server read %d of %d bytes: %v", len(in), total, err)
			}
			if !bytes.Equal(in, payload) {
				t.Fatal("server read other bytes than the client wrote")
			}
			if err := <-wrote; err != nil {
				t.Fatalf("client Write: %v", err)
			}
			// Both sides still work, under the new keys.
			echoBoth(t, cl, sv)
		})
	}
}

// A peer that resets the connection: Write and Read fail with the
// socket's error (no SIGPIPE, no hang), every later Write fails too, and
// Close returns.
func TestSocketPeerResets(t *testing.T) {
	for _, mode := range []SocketIO{SocketIOAuto, SocketIOOff} {
		t.Run(map[SocketIO]string{SocketIOAuto: "socket", SocketIOOff: "memory-bio"}[mode], func(t *testing.T) {
			a, b := tcpPair(t)
			ccfg := clientConfig(VersionTLS13)
			ccfg.SocketIO = mode
			defer ccfg.Free()
			cl, err := Client(a, ccfg)
			if err != nil {
				t.Fatal(err)
			}
			deadline(cl)
			gs := tls.Server(b, goServerConfig(t, VersionTLS13))
			hs := make(chan error, 1)
			go func() { hs <- gs.Handshake() }()
			if err := cl.Handshake(); err != nil {
				t.Fatal(err)
			}
			if err := <-hs; err != nil {
				t.Fatal(err)
			}
			// The peer goes away with a reset.
			_ = b.(*net.TCPConn).SetLinger(0)
			b.Close()
			var werr error
			chunk := make([]byte, 64<<10)
			for i := 0; i < 1000 && werr == nil; i++ {
				_, werr = cl.Write(chunk)
			}
			if werr == nil || !errors.Is(werr, syscall.ECONNRESET) && !errors.Is(werr, syscall.EPIPE) {
				t.Fatalf("Write to a reset peer: %v, want ECONNRESET or EPIPE", werr)
			}
			if _, err := cl.Write([]byte("x")); err == nil {
				t.Error("a Write after a failed one succeeded")
			}
			if _, err := cl.Read(make([]byte, 10)); err == nil || errors.Is(err, io.EOF) {
				t.Errorf("Read from a reset peer: %v, want an error other than io.EOF", err)
			}
			_ = cl.Close()
		})
	}
}

// Data libssl has already decrypted is returned by a Read after the read
// deadline passed, as crypto/tls returns what it has buffered; the next
// Read, with nothing buffered, times out. Both paths and crypto/tls agree.
func TestReadBufferedAfterDeadline(t *testing.T) {
	type reader interface {
		net.Conn
		Handshake() error
	}
	impls := []struct {
		name   string
		server func(net.Conn) (reader, error)
	}{
		{"socket", func(c net.Conn) (reader, error) {
			cfg := serverConfig(VersionTLS13)
			t.Cleanup(cfg.Free)
			return Server(c, cfg)
		}},
		{"memory-bio", func(c net.Conn) (reader, error) {
			cfg := serverConfig(VersionTLS13)
			cfg.SocketIO = SocketIOOff
			t.Cleanup(cfg.Free)
			return Server(c, cfg)
		}},
		{"crypto-tls", func(c net.Conn) (reader, error) { return tls.Server(c, goServerConfig(t, VersionTLS13)), nil }},
	}
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			a, b := tcpPair(t)
			defer a.Close()
			cl := tls.Client(a, goClientConfig(VersionTLS13))
			sv, err := im.server(b)
			if err != nil {
				t.Fatal(err)
			}
			defer sv.Close()
			deadline(a)
			deadline(b)
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { defer wg.Done(); _ = cl.Handshake() }()
			if err := sv.Handshake(); err != nil {
				t.Fatal(err)
			}
			wg.Wait()
			if _, err := cl.Write(bytes.Repeat([]byte("x"), 100)); err != nil {
				t.Fatal(err)
			}
			if _, err := readFull(sv, 10); err != nil {
				t.Fatal(err)
			}
			_ = sv.SetReadDeadline(time.Now().Add(-time.Second))
			buf := make([]byte, 200)
			n, err := sv.Read(buf)
			if n != 90 || err != nil {
				t.Errorf("Read after the deadline with 90 bytes decrypted: %d, %v; want 90, nil", n, err)
			}
			n, err = sv.Read(buf)
			var ne net.Error
			if n != 0 || !errors.As(err, &ne) || !ne.Timeout() {
				t.Errorf("Read after the deadline with nothing buffered: %d, %v; want a timeout", n, err)
			}
		})
	}
}
