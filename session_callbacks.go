package libssl

// This file: the session cache callbacks of a context
// (SSL_CTX_sess_set_new_cb, SSL_CTX_sess_set_remove_cb,
// SSL_CTX_sess_set_get_cb).

/*
#include "shim.h"
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// SetSessionCallbacks sets or, with nil, removes the context's session
// cache callbacks (SSL_CTX_sess_set_new_cb, SSL_CTX_sess_set_remove_cb).
//
// newSession runs when the handshake of an SSL made from the context makes a
// session (on a TLS 1.3 client, for each ticket). Its sess is a new owned
// reference that the callback keeps or frees: the count libssl ends with is
// that of a C callback that keeps the session and returns 1. s is valid
// during the call only. removed runs when the internal cache drops a session
// (including when the context is freed); its sess is likewise owned by the
// callback. The context is not passed: during SSL_CTX_free it is being
// destroyed.
func (c *Ctx) SetSessionCallbacks(newSession func(s *SSL, sess *Session), removed func(sess *Session)) error {
	if err := c.setCallback(cbSessNew, newSession, newSession != nil, 0); err != nil {
		return err
	}
	return c.setCallback(cbSessRemove, removed, removed != nil, 0)
}

//export libsslGoSessNew
func libsslGoSessNew(h C.uintptr_t, s *C.SSL, sess *C.SSL_SESSION) {
	cb, _ := cgo.Handle(h).Value().(func(s *SSL, sess *Session))
	if cb == nil {
		return
	}
	hs := borrowedSession(sess)
	ssl := borrowedSSL(s)
	if hs == nil || ssl == nil {
		hs.Free()
		ssl.Free()
		return
	}
	defer ssl.Free()
	defer func() {
		if p := recover(); p != nil {
			keepPanic(p)
		}
	}()
	cb(ssl, hs)
}

//export libsslGoSessRemove
func libsslGoSessRemove(h C.uintptr_t, _ *C.SSL_CTX, sess *C.SSL_SESSION) {
	cb, _ := cgo.Handle(h).Value().(func(sess *Session))
	if cb == nil {
		return
	}
	hs := borrowedSession(sess)
	if hs == nil {
		return
	}
	// The cache drops sessions inside SSL_CTX_remove_session,
	// SSL_CTX_flush_sessions, SSL_CTX_add_session (a full cache),
	// SSL_CTX_free, SSL_set_session, SSL_clear, SSL_free and a handshake's
	// cache upkeep: a panic is raised again by the wrapper of that C call
	// (panics.go).
	defer func() {
		if p := recover(); p != nil {
			keepPanic(p)
		}
	}()
	cb(hs)
}

// SessionGetCallback looks up, on a server, a session the client offered
// by id that the internal cache did not hold (SSL_CTX_sess_set_get_cb). It
// returns the session, or nil when it has none. s is valid during the call
// only.
//
// copy is the C callback's *copy out-parameter, which libssl sets to 1
// before the call (ssl_sess.c lookup_sess_in_cache, the same in 1.1.1 and
// 3.x):
//
//   - copy true (C's *copy = 1): libssl takes a reference of its own; sess
//     stays the callback's, to keep or Free as usual. This is the count of a
//     C callback that returns a session it keeps (in an external cache).
//   - copy false (C's *copy = 0): the reference sess holds passes to libssl
//     and the handle is released, as after Free (Free is then a no-op). This
//     is the count of a C callback that returns a session made for the call
//     (d2i_SSL_SESSION from an external store) and gives it away.
//
// Either way libssl ends with exactly one reference of its own, which it
// drops when it is done with the session; the Go side takes that reference
// while it still holds the handle, and tells libssl *copy = 0. Unless the
// context's cache mode has SessCacheNoInternalStore, libssl adds the session
// to the internal cache as well.
//
// A panic in the callback makes the lookup find nothing and is raised
// again by the method that ran the handshake step.
type SessionGetCallback func(s *SSL, id []byte) (sess *Session, copy bool)

// SetSessionGetCallback sets or, with nil, removes the context's session
// lookup callback (SSL_CTX_sess_set_get_cb). As in libssl, a server runs
// the callback of the context it was made from (its session context) as it
// is at the time of the lookup: a later SetSessionGetCallback on that
// context applies to existing SSLs, and SSL_set_SSL_CTX does not change
// which context is asked.
func (c *Ctx) SetSessionGetCallback(cb SessionGetCallback) error {
	return c.setCallback(cbSessGet, cb, cb != nil, 0)
}

//export libsslGoSessGet
func libsslGoSessGet(h C.uintptr_t, s *C.SSL, id *C.uchar, n C.int, cp *C.int) (res *C.SSL_SESSION) {
	cb, _ := cgo.Handle(h).Value().(SessionGetCallback)
	if cb == nil {
		return nil
	}
	ssl := borrowedSSL(s)
	if ssl == nil {
		return nil
	}
	defer ssl.Free()
	defer func() {
		if p := recover(); p != nil {
			keepPanic(p)
			res = nil
		}
	}()
	sess, copy := cb(ssl, C.GoBytes(unsafe.Pointer(id), n))
	if sess == nil {
		return nil
	}
	*cp = 0
	if !copy {
		// The handle's reference becomes libssl's.
		return (*C.SSL_SESSION)(sess.r.release())
	}
	_ = use(sess, func(sp *C.SSL_SESSION) error {
		if c_SSL_SESSION_up_ref(sp) == nil {
			res = sp
		}
		return nil
	})
	return res
}
