package libssl

// This file: the socket BIO, for a program that lets libssl read and write
// a non-blocking stream socket it polls itself (package openssl's Conn over
// TCP and Unix sockets, driven by Go's netpoller through syscall.RawConn).

/*
#include "shim.h"
*/
import "C"

import (
	"errors"
	"fmt"
)

// NewSocketBIO makes a BIO over the non-blocking stream socket fd, of a BIO
// method of this package's own (BIO_meth_new, BIO_new; shim_sock.c), for
// SetBIO(b, b). The caller owns the returned reference; the descriptor stays
// the caller's (the BIO never closes it), and must stay open while any SSL
// call that can reach it runs: SocketRead, SocketWrite, SocketHandshake,
// SocketFlush, Shutdown and the other I/O calls.
//
// Reads are BIO_s_socket's: recv(2), "retry" (ErrWantRead from the SSL)
// when the socket has nothing, end of file at 0. Writes never make libssl
// wait: what send(2) does not take at once waits in a buffer of the BIO's
// own, in order, and SocketFlush sends it once the socket is writable. So
// libssl never holds a half-sent record and never returns ErrWantWrite: a
// reader's SSL_read may answer a KeyUpdate while a writer waits for the
// socket, as with memory BIOs. The buffer is freed whenever it empties.
//
// With hold set, writes go to the buffer without trying the socket until
// SocketHandshake completes the handshake (or SetSocketHold clears it): a
// server sends each handshake flight with SocketHandshake's flush, and a
// TLS 1.3 server's session tickets, written by its last step, wait for its
// next output (see SocketHandshake).
func NewSocketBIO(fd int, hold bool) (*BIO, error) {
	if fd < 0 {
		return nil, fmt.Errorf("libssl: NewSocketBIO: bad descriptor %d", fd)
	}
	p, err := c_bio_new_sock(C.int(fd), cbool(hold))
	if err != nil {
		return nil, err
	}
	return wrapBIO(p), nil
}

// SetSocketBIO gives the SSL a new socket BIO on fd (see NewSocketBIO) as
// its read and write BIO (SSL_set_bio, which frees the BIOs the SSL held
// before), and turns read-ahead on (SSL_set_read_ahead), so that libssl
// takes what the socket holds in one recv(2) rather than each record's
// header and body apart. The SSL owns the BIO; fd stays the caller's. One
// C call: what NewSocketBIO, SetBIO and SetReadAhead do in four.
func (s *SSL) SetSocketBIO(fd int, hold bool) error {
	if fd < 0 {
		return fmt.Errorf("libssl: SetSocketBIO: bad descriptor %d", fd)
	}
	return use(s, func(p *C.SSL) error { return c_ssl_set_sock_bio(p, C.int(fd), cbool(hold)) })
}

// SocketRead decrypts application data into b (SSL_read) from an SSL whose
// BIO is a socket BIO, in one C call with the send of what the read made
// (an alert, a KeyUpdate answer) as far as the socket takes it. unsent is
// what then waits in the BIO for SocketFlush.
//
// The results are Read's, except that when libssl must wait for the socket
// with nothing queued, err is ErrWantRead itself, not wrapped in an *Error,
// so that a poll loop allocates nothing.
func (s *SSL) SocketRead(b []byte) (n, unsent int, err error) {
	err = use(s, func(p *C.SSL) error {
		r, aux, err := c_sock_read(p, bytesPtr(b), C.int(min(len(b), maxIO)))
		unsent = aux[0]
		if err == nil {
			n = r
		}
		return err
	})
	return n, unsent, err
}

// SocketWrite encrypts b (SSL_write) into an SSL whose BIO is a socket BIO
// and sends the records as far as the socket takes them, in one C call.
// It takes all of b unless SSL_MODE_ENABLE_PARTIAL_WRITE is set; unsent is
// what waits in the BIO for SocketFlush. ErrWantRead (bare, as SocketRead's)
// means a renegotiation needs the peer's records first.
func (s *SSL) SocketWrite(b []byte) (n, unsent int, err error) {
	if len(b) > maxIO {
		return 0, 0, errors.New("libssl: SocketWrite: data larger than 1 GiB; write it in parts")
	}
	err = use(s, func(p *C.SSL) error {
		r, aux, err := c_sock_write(p, bytesPtr(b), C.int(len(b)))
		unsent = aux[0]
		if err == nil {
			n = r
		}
		return err
	})
	return n, unsent, err
}

// SocketHandshake runs handshake steps (SSL_do_handshake) on an SSL whose
// BIO is a socket BIO, and sends what they made as far as the socket takes
// it, in one C call. When the step completes the handshake, the BIO's hold
// ends; if the SSL is a TLS 1.3 server, what its last step wrote (its
// session tickets) stays in the BIO, unsent, and leaves with the next
// output. unsent is what waits in the BIO. err is Handshake's, with
// ErrWantRead bare as in SocketRead.
func (s *SSL) SocketHandshake() (unsent int, err error) {
	err = use(s, func(p *C.SSL) error {
		_, aux, err := c_sock_handshake(p)
		unsent = aux[0]
		return err
	})
	return unsent, err
}

// SocketFlush sends what the SSL's socket BIO holds (send(2)) as far as the
// socket takes it, and returns what is left. A socket that failed (reset,
// closed by the peer) fails this and every later write, with its errno.
func (s *SSL) SocketFlush() (unsent int, err error) {
	err = use(s, func(p *C.SSL) error {
		r, err := c_sock_flush(p)
		unsent = r
		return err
	})
	return unsent, err
}

// SetSocketHold sets or clears the hold of the SSL's socket BIO (see
// NewSocketBIO). It fails when the SSL's write BIO is not a socket BIO.
func (s *SSL) SetSocketHold(hold bool) error {
	return use(s, func(p *C.SSL) error { return c_sock_set_hold(p, cbool(hold)) })
}
