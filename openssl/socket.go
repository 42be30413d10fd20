package openssl

// The socket path: libssl reads and writes the transport's socket itself
// through a socket BIO (libssl.NewSocketBIO), and Go's netpoller decides
// when: every SSL call that can reach the descriptor runs inside a
// syscall.RawConn callback, which keeps the descriptor open (a concurrent
// Close cannot hand its number to another file meanwhile) and parks the
// goroutine until the socket is ready when libssl must wait. The callbacks
// are made once per Conn and take their arguments from the Conn's fields,
// so that a Read or a Write allocates nothing.

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"

	libssl "github.com/libssl-go/libssl"
)

// SocketIO is Config.SocketIO's choice of path to the transport.
type SocketIO int

// The choices of Config.SocketIO.
const (
	// SocketIOAuto: the socket for *net.TCPConn and stream *net.UnixConn
	// transports, memory BIOs for any other.
	SocketIOAuto SocketIO = iota
	// SocketIOOff: memory BIOs, whatever the transport.
	SocketIOOff
	// SocketIOOn: the socket for any transport that offers syscall.Conn;
	// a Conn over one that does not fails to be made.
	SocketIOOn
)

// testSocketIO replaces SocketIOAuto when set (tests run every Conn over
// memory BIOs with it).
var testSocketIO SocketIO

// sockIO is the socket path's state. The arguments and results of the
// callbacks are under the lock of their direction: r* under in, w* under
// out, h* under handshakeMu.
type sockIO struct {
	raw     syscall.RawConn // nil on the memory-BIO path
	readFn  func(uintptr) bool
	writeFn func(uintptr) bool
	hsFn    func(uintptr) bool

	rbuf    []byte
	rn      int
	runsent int
	rerr    error
	rcalled bool

	wbuf    []byte // nil: flush only
	wn      int
	wunsent int
	werr    error
	wdone   bool // wbuf was encrypted: only its flush is left

	hunsent int
	herr    error
	held    bool // the step completed a TLS 1.3 server's handshake; its tickets wait (holdsTickets)
}

// rawConnOf returns the transport's RawConn when the Conn is to run on the
// socket, nil for the memory-BIO path.
func rawConnOf(conn net.Conn, mode SocketIO) (syscall.RawConn, error) {
	if mode == SocketIOAuto && testSocketIO != SocketIOAuto {
		mode = testSocketIO
	}
	var sc syscall.Conn
	switch mode {
	case SocketIOOff:
		return nil, nil
	case SocketIOOn:
		var ok bool
		if sc, ok = conn.(syscall.Conn); !ok {
			return nil, fmt.Errorf("openssl: Config.SocketIO is SocketIOOn, but the transport (%T) offers no descriptor (syscall.Conn)", conn)
		}
	case SocketIOAuto:
		switch t := conn.(type) {
		case *net.TCPConn:
			sc = t
		case *net.UnixConn:
			if a := t.LocalAddr(); a == nil || a.Network() != "unix" {
				return nil, nil // datagram or packet sockets keep the pump
			}
			sc = t
		default:
			return nil, nil
		}
	default:
		return nil, fmt.Errorf("openssl: Config.SocketIO: unknown value %d", int(mode))
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("openssl: the transport's descriptor: %w", err)
	}
	return raw, nil
}

// setupSocket gives the SSL a socket BIO on raw's descriptor. A server's
// BIO holds its handshake output until each step's flush, so that its TLS
// 1.3 session tickets stay for its next output (see holdTickets), or for
// the handshake's own flush with Config.SendTicketsAtHandshake.
func (c *Conn) setupSocket(raw syscall.RawConn) error {
	fd := -1
	if err := raw.Control(func(d uintptr) { fd = int(d) }); err != nil {
		return fmt.Errorf("openssl: the transport's descriptor: %w", err)
	}
	if err := c.ssl.SetSocketBIO(fd, !c.isClient); err != nil {
		return err
	}
	c.sock.raw = raw
	c.sock.readFn = c.sockRead
	c.sock.writeFn = c.sockWrite
	c.sock.hsFn = c.sockHandshakeStep
	return nil
}

// sockRead is the RawConn read callback of Read: one SSL_read (with the
// send of what it made). It asks the netpoller to wait while libssl wants
// the socket's next bytes and has nothing to send.
func (c *Conn) sockRead(uintptr) bool {
	sk := &c.sock
	sk.rcalled = true
	if err := c.withSSL(func(s *libssl.SSL) error {
		sk.rn, sk.runsent, sk.rerr = s.SocketRead(sk.rbuf)
		if c.needPut {
			c.storeSessionLocked(s)
		}
		return nil
	}); err != nil {
		sk.rn, sk.runsent, sk.rerr = 0, 0, err
		return true
	}
	return !(sk.rerr == libssl.ErrWantRead && sk.runsent == 0)
}

// readSocket is Read on the socket path; the caller holds in.
func (c *Conn) readSocket(b []byte) (int, error) {
	sk := &c.sock
	for {
		sk.rbuf, sk.rcalled = b, false
		rerr := sk.raw.Read(sk.readFn)
		n, unsent, err := sk.rn, sk.runsent, sk.rerr
		sk.rbuf, sk.rerr, sk.rn, sk.runsent = nil, nil, 0, 0
		if rerr != nil {
			if !sk.rcalled && isTimeout(rerr) {
				// The deadline had passed before the socket was tried:
				// what libssl already decrypted is still returned, as
				// crypto/tls returns what it buffered.
				if m := c.readBuffered(b); m > 0 {
					return m, nil
				}
			}
			if isTimeout(rerr) {
				return 0, rerr
			}
			return 0, c.in.setError(c.fail("read", fmt.Errorf("openssl: read: %w", rerr)))
		}
		if unsent > 0 {
			// Output the read made that the socket did not take: the
			// holder of out sends it (see unlockOut), or this reader does.
			c.wantFlush.Store(true)
			c.tryFlush()
		}
		if n > 0 {
			return n, nil
		}
		switch {
		case err == nil, isWantRead(err):
			continue
		case errors.Is(err, libssl.ErrZeroReturn):
			return 0, c.in.setError(io.EOF)
		case errors.Is(err, libssl.ErrUnexpectedEOF):
			err = fmt.Errorf(msgTruncated, err)
		default:
			err = fmt.Errorf("openssl: read: %w", err)
		}
		err = c.in.setError(c.fail("read", err))
		c.tryFlush() // the alert libssl made, if the socket did not take it
		return 0, err
	}
}

// readBuffered reads what libssl holds decrypted (SSL_pending) without
// touching the socket, under RawConn.Control, which ignores deadlines.
func (c *Conn) readBuffered(b []byte) int {
	n := 0
	_ = c.sock.raw.Control(func(uintptr) {
		_ = c.withSSL(func(s *libssl.SSL) error {
			if s.Pending() > 0 {
				n, _, _ = s.SocketRead(b)
			}
			return nil
		})
	})
	return n
}

// sockWrite is the RawConn write callback of writeSocket and flushSocket:
// it encrypts wbuf once (SSL_write, sending what the socket takes), then
// sends what is left as the socket becomes writable.
func (c *Conn) sockWrite(uintptr) bool {
	sk := &c.sock
	if err := c.withSSL(func(s *libssl.SSL) error {
		if sk.wbuf != nil && !sk.wdone {
			c.wantFlush.Store(false) // this write's send takes what a reader left too
			sk.wn, sk.wunsent, sk.werr = s.SocketWrite(sk.wbuf)
			sk.wdone = sk.werr == nil
			return nil
		}
		c.wantFlush.Store(false)
		sk.wunsent, sk.werr = s.SocketFlush()
		if sk.werr != nil {
			sk.werr = c.sendError(sk.werr)
		}
		return nil
	}); err != nil {
		sk.werr = err
		return true
	}
	return sk.werr != nil || sk.wunsent == 0
}

// writeSocket is writeRecords on the socket path: it encrypts chunk and
// sends its records, in one C call when the socket takes them at once.
// It holds out throughout. On a failed socket write none of chunk counts as
// written, and every later write fails.
func (c *Conn) writeSocket(chunk []byte) (int, error) {
	c.out.Lock()
	defer c.unlockOut()
	if c.out.err != nil {
		return 0, c.out.err
	}
	sk := &c.sock
	sk.wbuf, sk.wdone, sk.wn, sk.werr = chunk, false, 0, nil
	rerr := sk.raw.Write(sk.writeFn)
	n, wrote, err := sk.wn, sk.wdone, sk.werr
	sk.wbuf, sk.werr = nil, nil
	if rerr != nil {
		return 0, c.socketWriteFailed(rerr)
	}
	if !wrote && isWantRead(err) {
		return 0, err
	}
	if err != nil {
		if wrote {
			// The records were made; the socket refused them.
			return 0, c.socketWriteFailed(err)
		}
		_ = c.flushSocketLocked() // the alert libssl made, if any
		return 0, c.fail("write", fmt.Errorf("openssl: write: %w", err))
	}
	return n, nil
}

// flushSocketLocked sends what the socket BIO holds, waiting for the
// socket as needed; the caller holds out.
func (c *Conn) flushSocketLocked() error {
	if c.out.err != nil {
		c.wantFlush.Store(false)
		return c.out.err
	}
	sk := &c.sock
	sk.wbuf, sk.wdone, sk.werr = nil, false, nil
	rerr := sk.raw.Write(sk.writeFn)
	err := sk.werr
	sk.werr = nil
	if rerr == nil && errors.Is(err, net.ErrClosed) {
		return nil // the SSL was freed: nothing is left to send
	}
	if rerr != nil {
		err = rerr
	}
	if err != nil {
		return c.socketWriteFailed(err)
	}
	return nil
}

// sendError turns a failed send of the socket BIO into the error a
// transport write gives (a *net.OpError with the errno), so that it
// matches syscall.ECONNRESET, syscall.EPIPE and the like.
func (c *Conn) sendError(err error) error {
	var le *libssl.Error
	if !errors.As(err, &le) || le.Errno == 0 {
		return err
	}
	oe := &net.OpError{Op: "write", Source: c.conn.LocalAddr(), Addr: c.conn.RemoteAddr(), Err: os.NewSyscallError("send", le.Errno)}
	if oe.Addr != nil {
		oe.Net = oe.Addr.Network()
	}
	return oe
}

// socketWriteFailed records a failed socket write: part of a record may
// have reached the peer, so the stream is lost for every later write.
func (c *Conn) socketWriteFailed(err error) error {
	perr := c.out.setError(&permanentError{err: err})
	if !isTimeout(err) {
		c.fail("write", perr)
	}
	return perr
}

// sockHandshakeStep is the RawConn read callback of the handshake: one
// SSL_do_handshake, with the send of what it made.
func (c *Conn) sockHandshakeStep(uintptr) bool {
	sk := &c.sock
	if err := c.withSSL(func(s *libssl.SSL) error {
		sk.hunsent, sk.herr = s.SocketHandshake()
		sk.held = sk.herr == nil && c.holdsTickets(s)
		return nil
	}); err != nil {
		sk.herr = err
		return true
	}
	return !(isWantRead(sk.herr) && sk.hunsent == 0)
}

// handshakeSocket is handshake on the socket path: steps run when the
// socket has the peer's records, and what each makes goes out before the
// next wait. A TLS 1.3 server's tickets, made by its last step, stay in
// the BIO for its next output, unless Config.SendTicketsAtHandshake sends
// them before the handshake returns.
func (c *Conn) handshakeSocket() error {
	sk := &c.sock
	for {
		rerr := sk.raw.Read(sk.hsFn)
		unsent, err, held := sk.hunsent, sk.herr, sk.held
		sk.herr = nil
		if rerr != nil {
			if isTimeout(rerr) {
				return rerr
			}
			if errors.Is(rerr, net.ErrClosed) {
				return fmt.Errorf("openssl: handshake: %w", rerr)
			}
			return fmt.Errorf("openssl: handshake: %w", rerr)
		}
		if err != nil && !isWantRead(err) {
			// The failure is recorded before the alert goes out, so that a
			// socket that refuses the alert cannot take its place.
			herr := c.handshakeFailure(err)
			c.fail("handshake", herr)
			_ = c.flush()
			return herr
		}
		if unsent > 0 && !held {
			if ferr := c.flush(); ferr != nil {
				return ferr
			}
		}
		if err == nil {
			return c.completeHandshake()
		}
	}
}

// awaitRenegotiationSocket serves a Write that met a renegotiation on the
// socket path: what libssl made goes out, then handshake steps run as the
// peer's records come, until libssl is out of the handshake. It takes in,
// so it waits while a Read is under way (that Read moves the handshake on).
func (c *Conn) awaitRenegotiationSocket() error {
	if err := c.flush(); err != nil {
		return err
	}
	c.in.Lock()
	defer c.in.Unlock()
	sk := &c.sock
	for {
		inInit := false
		if err := c.withSSL(func(s *libssl.SSL) error { inInit = s.InInit(); return nil }); err != nil {
			return err
		}
		if !inInit {
			return nil
		}
		rerr := sk.raw.Read(sk.hsFn)
		unsent, err := sk.hunsent, sk.herr
		sk.herr = nil
		if rerr != nil {
			if isTimeout(rerr) {
				return rerr
			}
			return c.fail("write", fmt.Errorf("openssl: write: %w", rerr))
		}
		if unsent > 0 {
			if ferr := c.flush(); ferr != nil {
				return ferr
			}
		}
		if err != nil && !isWantRead(err) {
			return c.fail("write", fmt.Errorf("openssl: write: renegotiation: %w", err))
		}
	}
}

// shutdownLocked makes close_notify (SSL_shutdown) for closeNotify's flush.
// On the socket path the BIO holds it rather than sending: SSL_shutdown
// runs outside a RawConn callback, so it must not reach the descriptor.
func (c *Conn) shutdownLocked(s *libssl.SSL) error {
	if c.sock.raw != nil {
		if err := s.SetSocketHold(true); err != nil {
			return err
		}
	}
	_, err := s.Shutdown()
	return err
}

// onSocket reports whether the Conn runs on the socket path.
func (c *Conn) onSocket() bool { return c.sock.raw != nil }

// discardUnread drops what the socket has received and nobody read (without
// waiting, at most 256 KiB), just before Close closes it: a socket closed
// with unread input sends the peer a TCP reset instead of its FIN, and the
// reset can destroy what this side wrote last (close_notify, or the alert
// of a failed handshake) before the peer reads it. A TLS 1.3 client that
// only writes leaves the server's session tickets there (libssl 3.5 stops
// reading at the end of the handshake); a server that failed the handshake
// at the client's Certificate leaves the client's Finished there when it
// came in a later segment than libssl's read took. It drops nothing while
// a Read or a handshake may be reading the socket (a Read holds in, a
// handshake handshakeMu): taking part of a record from under libssl's recv
// would end that Read with a bad record MAC instead of the closed
// connection's error. A Read that is under way reads what arrives anyway.
func (c *Conn) discardUnread() {
	if c.sock.raw == nil {
		return
	}
	select {
	case c.handshakeMu <- struct{}{}:
		defer func() { <-c.handshakeMu }()
	default:
		return
	}
	if !c.in.TryLock() {
		return
	}
	defer c.in.Unlock()
	_ = c.sock.raw.Control(func(fd uintptr) {
		var buf [4096]byte
		for total := 0; total < 256<<10; {
			n, err := syscall.Read(int(fd), buf[:])
			if n <= 0 || err != nil {
				return
			}
			total += n
		}
	})
}
