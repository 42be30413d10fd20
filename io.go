package libssl

/*
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// SetConnectState makes the SSL a client (SSL_set_connect_state).
func (s *SSL) SetConnectState() error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	C.SSL_set_connect_state(p)
	runtime.KeepAlive(s)
	return nil
}

// SetAcceptState makes the SSL a server (SSL_set_accept_state).
func (s *SSL) SetAcceptState() error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	C.SSL_set_accept_state(p)
	runtime.KeepAlive(s)
	return nil
}

// Handshake runs handshake steps until the handshake completes or must wait
// for the transport (SSL_do_handshake). It returns nil when the handshake is
// complete, an *Error matching ErrWantRead or ErrWantWrite when it must wait
// (move bytes between the BIOs and call again), or the failure.
func (s *SSL) Handshake() error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	r := C.ls_ssl_do_handshake(p)
	runtime.KeepAlive(s)
	return ioResult("SSL_do_handshake", r)
}

// Read decrypts application data into b (SSL_read). It returns ErrWantRead
// (wrapped) when no complete record is buffered, ErrZeroReturn after the
// peer's close_notify, or ErrUnexpectedEOF when the transport ended without
// one. A TLS 1.3 client reads the server's session tickets here too.
func (s *SSL) Read(b []byte) (int, error) {
	return s.read(b, false)
}

// Peek is Read without consuming the data (SSL_peek).
func (s *SSL) Peek(b []byte) (int, error) {
	return s.read(b, true)
}

func (s *SSL) read(b []byte, peek bool) (int, error) {
	p := s.ptr()
	if p == nil {
		return 0, ErrFreed
	}
	n := len(b)
	if n > 1<<30 {
		n = 1 << 30
	}
	var buf *C.uchar
	if n > 0 {
		buf = (*C.uchar)(unsafe.Pointer(&b[0]))
	}
	var r C.ls_ret
	op := "SSL_read"
	if peek {
		op = "SSL_peek"
		r = C.ls_ssl_peek(p, buf, C.int(n))
	} else {
		r = C.ls_ssl_read(p, buf, C.int(n))
	}
	runtime.KeepAlive(b)
	runtime.KeepAlive(s)
	if r.ret > 0 {
		_ = result(op, r, false)
		return int(r.ret), nil
	}
	return 0, ioResult(op, r)
}

// Write encrypts b into records on the write BIO (SSL_write). With a memory
// BIO it writes all of b unless SSL_MODE_ENABLE_PARTIAL_WRITE is set; it
// returns the number of bytes taken.
func (s *SSL) Write(b []byte) (int, error) {
	p := s.ptr()
	if p == nil {
		return 0, ErrFreed
	}
	if len(b) == 0 {
		return 0, nil
	}
	done := 0
	for done < len(b) {
		chunk := b[done:]
		if len(chunk) > 1<<30 {
			chunk = chunk[:1<<30]
		}
		r := C.ls_ssl_write(p, (*C.uchar)(unsafe.Pointer(&chunk[0])), C.int(len(chunk)))
		if r.ret <= 0 {
			runtime.KeepAlive(b)
			runtime.KeepAlive(s)
			return done, ioResult("SSL_write", r)
		}
		_ = result("SSL_write", r, false)
		done += int(r.ret)
	}
	runtime.KeepAlive(b)
	runtime.KeepAlive(s)
	return done, nil
}

// Pending returns SSL_pending: decrypted bytes buffered and readable without
// touching the transport; 0 on a freed handle.
func (s *SSL) Pending() int {
	p := s.ptr()
	if p == nil {
		return 0
	}
	n := int(C.SSL_pending(p))
	runtime.KeepAlive(s)
	return n
}

// Shutdown sends close_notify, or completes a shutdown the peer began
// (SSL_shutdown). done is true when both directions are closed (libssl
// returned 1), false when close_notify was sent and the peer's is awaited
// (0). A negative libssl result is returned as an *Error (ErrWantRead and
// ErrWantWrite when the transport must be pumped).
func (s *SSL) Shutdown() (done bool, err error) {
	p := s.ptr()
	if p == nil {
		return false, ErrFreed
	}
	r := C.ls_ssl_shutdown(p)
	runtime.KeepAlive(s)
	if r.ret >= 0 {
		_ = result("SSL_shutdown", r, false)
		return r.ret == 1, nil
	}
	if r.ssl_error == 0 {
		return false, result("SSL_shutdown", r, true)
	}
	return false, ioResult("SSL_shutdown", r)
}
