package libssl_test

import (
	"bytes"
	"errors"
	"syscall"
	"testing"

	libssl "github.com/libssl-go/libssl"
	"golang.org/x/sys/unix"
)

// socketPair returns the two ends of a non-blocking Unix stream socket
// pair with small send buffers, closed when the test ends.
func socketPair(t *testing.T) (int, int) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		check(t, syscall.SetNonblock(fd, true))
		check(t, syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_SNDBUF, 4096))
	}
	t.Cleanup(func() { syscall.Close(fds[0]); syscall.Close(fds[1]) })
	return fds[0], fds[1]
}

// pollIn waits (poll(2), at most 10 s) until fd is readable.
func pollIn(t *testing.T, fd int) {
	t.Helper()
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, 10_000)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			t.Fatalf("descriptor %d not readable within 10 s: %v", fd, err)
		}
		return
	}
}

// sockHandshake runs both handshakes over socket BIOs, each step when its
// socket is readable, and returns what the server's BIO keeps unsent.
func sockHandshake(t *testing.T, cl, sv *libssl.SSL, cfd, sfd int) int {
	t.Helper()
	cdone, sdone, held := false, false, 0
	for i := 0; !cdone || !sdone; i++ {
		if i > 100 {
			t.Fatal("handshake did not complete in 100 steps")
		}
		if !cdone {
			u, err := cl.SocketHandshake()
			if u != 0 {
				t.Fatalf("client step left %d bytes unsent on an empty socket", u)
			}
			cdone = err == nil
			if err != nil && err != libssl.ErrWantRead {
				t.Fatalf("client step: %v", err)
			}
		}
		if !sdone {
			pollIn(t, sfd)
			u, err := sv.SocketHandshake()
			sdone = err == nil
			if err != nil && err != libssl.ErrWantRead {
				t.Fatalf("server step: %v", err)
			}
			if sdone {
				held = u
			} else if u != 0 {
				t.Fatalf("server step left %d bytes unsent mid-handshake", u)
			}
		}
		if !cdone {
			pollIn(t, cfd)
		}
	}
	return held
}

// The socket BIO: libssl reads and writes the descriptor itself; a TLS 1.3
// server's tickets (written by its last step under hold) stay in the BIO
// until its next output; what the socket refuses waits in the BIO, in
// order, for SocketFlush, and SSL_write never reports a want-write; the
// SSLs own their BIOs (the destruction probe sees both SSLs go).
func TestSocketBIO(t *testing.T) {
	sctx, cctx := serverCtx(t, ctxOpts{version: libssl.TLS1_3}), clientCtx(t, ctxOpts{version: libssl.TLS1_3})
	p := newProbe(t)
	cfd, sfd := socketPair(t)
	cl, sv := must(libssl.New(cctx)), must(libssl.New(sctx))
	check(t, cl.SetConnectState())
	check(t, sv.SetAcceptState())
	check(t, cl.SetSocketBIO(cfd, false))
	check(t, sv.SetSocketBIO(sfd, true))
	p.expect("two SSLs", obj(2, 0, 0))

	held := sockHandshake(t, cl, sv, cfd, sfd)
	if held == 0 {
		t.Fatal("the TLS 1.3 server sent its tickets with its last step; want them held")
	}
	// Nothing reached the client after its Finished: its read finds no
	// ticket.
	buf := make([]byte, 64<<10)
	if _, _, err := cl.SocketRead(buf); err != libssl.ErrWantRead {
		t.Fatalf("client read before the server's next output: %v, want the bare ErrWantRead", err)
	}
	// The server's next output takes the tickets with it.
	if n, u, err := sv.SocketWrite([]byte("hi")); n != 2 || u != 0 || err != nil {
		t.Fatalf("server write: %d, %d unsent, %v", n, u, err)
	}
	pollIn(t, cfd)
	n, _, err := cl.SocketRead(buf)
	if err != nil || string(buf[:n]) != "hi" {
		t.Fatalf("client read %q, %v", buf[:n], err)
	}
	if s := cl.Session(); s == nil {
		t.Error("the client got no session from the tickets that came before the data")
	} else {
		s.Free()
	}

	// The client writes far more than the sockets hold: SSL_write takes
	// all of it, the rest waits in the BIO.
	big := bytes.Repeat([]byte("socket bio "), 100_000)
	n, unsent, err := cl.SocketWrite(big)
	if n != len(big) || err != nil || unsent == 0 {
		t.Fatalf("client write of %d bytes: %d, %d unsent, %v; want all taken, some unsent", len(big), n, unsent, err)
	}
	var got []byte
	for unsent > 0 || len(got) < len(big) {
		pollIn(t, sfd)
		m, _, err := sv.SocketRead(buf)
		if err != nil && err != libssl.ErrWantRead {
			t.Fatalf("server read after %d bytes: %v", len(got), err)
		}
		got = append(got, buf[:m]...)
		if unsent, err = cl.SocketFlush(); err != nil {
			t.Fatalf("client flush: %v", err)
		}
	}
	if !bytes.Equal(got, big) {
		t.Fatalf("server read %d bytes, not what the client wrote", len(got))
	}

	// The peer goes away: the client's next write fails with the socket's
	// errno, and so does every flush after.
	syscall.Close(sfd)
	var werr error
	for i := 0; i < 100 && werr == nil; i++ {
		_, _, werr = cl.SocketWrite(big[:16<<10])
		if werr == nil {
			_, werr = cl.SocketFlush()
		}
	}
	if !errors.Is(werr, syscall.EPIPE) && !errors.Is(werr, syscall.ECONNRESET) && !bytes.Contains([]byte(werr.Error()), []byte("errno")) {
		t.Fatalf("write to a closed peer: %v, want the socket's errno", werr)
	}
	cl.Free()
	sv.Free()
	// Both SSLs are gone at once, and their BIOs with them (the
	// contexts and the cached session are the contexts' business).
	if d := p.delta(); d.SSL != 0 {
		t.Fatalf("after Free: %d SSLs more than before, want 0", d.SSL)
	}
	// The contexts go now, with the session they cache: a later test's
	// destruction probe must not see them go.
	sctx.Free()
	cctx.Free()
	if live, ok := settle(obj(p.base.SSL, p.base.Ctx-2, p.base.Session)); !ok {
		t.Fatalf("after the contexts' Free: live objects %+v", live)
	}
}

// Bad input: a negative descriptor is refused before any C call, and the
// socket calls on an SSL without a socket BIO fail with an error.
func TestSocketBIOBadInput(t *testing.T) {
	if _, err := libssl.NewSocketBIO(-1, false); err == nil {
		t.Error("NewSocketBIO(-1): no error")
	}
	ctx := clientCtx(t, ctxOpts{})
	defer ctx.Free()
	s := must(libssl.New(ctx))
	defer s.Free()
	if err := s.SetSocketBIO(-5, false); err == nil {
		t.Error("SetSocketBIO(-5): no error")
	}
	if _, err := s.SocketFlush(); err == nil {
		t.Error("SocketFlush without a socket BIO: no error")
	}
	if err := s.SetSocketHold(true); err == nil {
		t.Error("SetSocketHold without a socket BIO: no error")
	}
	b := must(libssl.NewSocketBIO(3, false))
	b.Free()
	b.Free() // idempotent
	s.Free()
	if err := s.SetSocketBIO(3, false); err == nil {
		t.Error("SetSocketBIO on a freed SSL: no error")
	}
}
