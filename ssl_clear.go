package libssl

/*
#include "shim.h"
*/
import "C"

import "runtime"

// Clear resets the SSL for a new connection with the same settings
// (SSL_clear). It keeps the BIOs, options, verify settings, the SSL's own
// cipher list, SNI, ex_data, role and context; it resets the handshake state,
// the shutdown flags and the reuse flag, and drops buffered unread
// application data. The method goes back to the context's (since 1.1.1).
//
// If the connection's session is open (SSL_SENT_SHUTDOWN not set, and not
// merely set-but-unused or mid-handshake), libssl removes it from the cache
// and marks it non-resumable for every holder. Call Shutdown first to keep it
// resumable. While a renegotiation is pending, libssl returns 0 and Clear
// returns its error (ERR_R_INTERNAL_ERROR), having already dropped the
// session.
func (s *SSL) Clear() error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	r := C.ls_ssl_clear(p)
	runtime.KeepAlive(s)
	return result("SSL_clear", r, r.ret != 1)
}

// ShutdownState returns SSL_get_shutdown: SentShutdown and/or
// ReceivedShutdown; 0 on a freed handle.
func (s *SSL) ShutdownState() ShutdownState {
	p := s.ptr()
	if p == nil {
		return 0
	}
	st := ShutdownState(C.SSL_get_shutdown(p))
	runtime.KeepAlive(s)
	return st
}

// SetShutdownState sets SSL_set_shutdown. Setting SentShutdown marks the
// session as properly closed, so that freeing or clearing the SSL keeps it
// resumable.
func (s *SSL) SetShutdownState(st ShutdownState) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	C.SSL_set_shutdown(p, C.int(st))
	runtime.KeepAlive(s)
	return nil
}

// SetQuietShutdown sets SSL_set_quiet_shutdown: Shutdown then only sets the
// flags and sends nothing.
func (s *SSL) SetQuietShutdown(on bool) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	C.SSL_set_quiet_shutdown(p, cbool(on))
	runtime.KeepAlive(s)
	return nil
}

// QuietShutdown returns SSL_get_quiet_shutdown; false on a freed handle.
func (s *SSL) QuietShutdown() bool {
	p := s.ptr()
	if p == nil {
		return false
	}
	q := C.SSL_get_quiet_shutdown(p) != 0
	runtime.KeepAlive(s)
	return q
}
