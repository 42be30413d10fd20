package libssl

// This file: SSL-level I/O (SSL_do_handshake, SSL_read, SSL_peek, SSL_write,
// SSL_pending, SSL_shutdown).

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

// Handshake runs handshake steps until the handshake completes or must wait
// for the transport (SSL_do_handshake). It returns nil when the handshake is
// complete, an *Error matching ErrWantRead or ErrWantWrite when it must wait
// (move bytes between the BIOs and call again), or the failure. A panic in a
// verify or info callback that the step ran is raised again here.
func (s *SSL) Handshake() error {
	return use(s.refp(), func(p *C.SSL) error {
		_, err := c_SSL_do_handshake(p)
		repanic(p)
		return err
	})
}

// Read decrypts application data into b (SSL_read). It returns ErrWantRead
// (wrapped) when no complete record is buffered, ErrZeroReturn (which
// matches io.EOF) after the peer's close_notify, or ErrUnexpectedEOF (which
// matches io.ErrUnexpectedEOF) when the transport ended without one. A TLS
// 1.3 client reads the server's session tickets here too.
func (s *SSL) Read(b []byte) (int, error) {
	return s.read(b, c_SSL_read)
}

// Peek is Read without consuming the data (SSL_peek).
func (s *SSL) Peek(b []byte) (int, error) {
	return s.read(b, c_SSL_peek)
}

func (s *SSL) read(b []byte, call func(*C.SSL, *C.uchar, C.int) (int, error)) (int, error) {
	n := 0
	err := use(s.refp(), func(p *C.SSL) error {
		var err error
		n, err = call(p, bytesPtr(b), C.int(min(len(b), maxIO)))
		repanic(p)
		if err != nil {
			n = 0
		}
		return err
	})
	return n, err
}

// Write encrypts b into records on the write BIO (SSL_write). With a memory
// BIO it writes all of b unless SSL_MODE_ENABLE_PARTIAL_WRITE is set; it
// returns the number of bytes taken.
func (s *SSL) Write(b []byte) (int, error) {
	written := 0
	err := use(s.refp(), func(p *C.SSL) error {
		for written < len(b) {
			chunk := b[written:min(len(b), written+maxIO)]
			n, err := c_SSL_write(p, bytesPtr(chunk), C.int(len(chunk)))
			repanic(p)
			if err != nil {
				return err
			}
			written += n
		}
		return nil
	})
	return written, err
}

// Pending returns SSL_pending: decrypted bytes buffered and readable without
// touching the transport; 0 on a freed handle.
func (s *SSL) Pending() int {
	return get(s.refp(), 0, func(p *C.SSL) int {
		return int(c_SSL_pending(p))
	})
}

// Shutdown sends close_notify, or completes a shutdown the peer began
// (SSL_shutdown). done is true when both directions are closed (libssl
// returned 1), false when close_notify was sent and the peer's is awaited
// (0). A negative libssl result is returned as an *Error (ErrWantRead and
// ErrWantWrite when the transport must be pumped).
func (s *SSL) Shutdown() (done bool, err error) {
	err = use(s.refp(), func(p *C.SSL) error {
		r, err := c_SSL_shutdown(p)
		repanic(p)
		done = r == 1
		return err
	})
	return done, err
}
