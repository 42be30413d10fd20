package libssl

// This file: the callback registry, the Go side of shim_slots.c.
//
// C never holds a Go pointer: a Go value that C must reach travels as a
// cgo.Handle in a slot of the object's box, one box per SSL and per SSL_CTX
// (one ex_data index each), one slot per callback kind (LS_CB_*, shim.h).
// A slot holds the handle in a reference-counted cell that boxes may share;
// the last holder deletes the handle (libsslGoRelease). Setting a slot is
// one C call (lsh_ctx_set_callback, lsh_ssl_set_callback) that swaps the
// cell under the box's lock, installs or removes libssl's callback of that
// kind, and releases the old cell: two goroutines that set different kinds
// on one Ctx both keep their value. Each value follows libssl's own rule for
// what it stands for:
//
//   - The verify callback is shared into an SSL at SSL_new from its context,
//     as libssl copies ctx->default_verify_callback into the SSL; a later
//     SSL_CTX_set_verify, and SSL_set_SSL_CTX, leave an existing SSL's
//     callback as it was. SSL_set_verify replaces it on that SSL only;
//     SSL_dup copies it (the box's dup function shares every cell).
//   - The info callback is looked up at each call on the SSL, then on its
//     current context (libssl's statem does the same with the C callbacks).
//   - User data lives on the SSL only, and SSL_dup shares it (CRYPTO_dup_ex_data).
//   - The servername, ClientHello, certificate-verify, certificate and
//     key-log callbacks are looked up at each call on the SSL's current
//     context (the servername one then on the context the SSL was made
//     from); the session new/get callbacks and the ticket keys on the
//     context the SSL was made from (libssl's session_ctx), which
//     SSL_set_SSL_CTX does not change; the remove callback on the context
//     whose cache drops a session.
//   - The session ticket callbacks (SSL_CTX_set_session_ticket_cb) and the
//     Go ticket key callback on the SSL's session context, as libssl calls
//     s->session_ctx's; the status (OCSP) callback on the SSL's current
//     context, as libssl calls s->ctx's.
//
// conformance/CLAIMS.md (rows I01-I09) lists these rules with the C cases
// (conformance/cref/inherit.c) that TestInheritance compares Go with.
//
// A panic in a callback is recovered inside the callback (it must not
// unwind through C), makes the callback's verdict a failure, and is raised
// again on the calling goroutine once the C call that ran the callback
// returns (panics.go).

/*
#include "shim.h"
*/
import "C"

import "runtime/cgo"

// callbackKind is a slot of the registry (LS_CB_*).
type callbackKind C.int

const (
	cbVerify      callbackKind = C.LS_CB_VERIFY
	cbInfo        callbackKind = C.LS_CB_INFO
	cbUserData    callbackKind = C.LS_CB_USER_DATA
	cbServername  callbackKind = C.LS_CB_SERVERNAME
	cbSessNew     callbackKind = C.LS_CB_SESS_NEW
	cbSessRemove  callbackKind = C.LS_CB_SESS_REMOVE
	cbSessGet     callbackKind = C.LS_CB_SESS_GET
	cbClientHello callbackKind = C.LS_CB_CLIENT_HELLO
	cbCertVerify  callbackKind = C.LS_CB_CERT_VERIFY
	cbCert        callbackKind = C.LS_CB_CERT
	cbKeylog      callbackKind = C.LS_CB_KEYLOG
	cbTicketGen   callbackKind = C.LS_CB_TICKET_GEN
	cbTicketDec   callbackKind = C.LS_CB_TICKET_DEC
	cbTicketKey   callbackKind = C.LS_CB_TICKET_KEY
	cbStatus      callbackKind = C.LS_CB_STATUS
	cbPSKClient   callbackKind = C.LS_CB_PSK_CLIENT
	cbPSKServer   callbackKind = C.LS_CB_PSK_SERVER
	cbClientCert  callbackKind = C.LS_CB_CLIENT_CERT
	cbPSKUseSess  callbackKind = C.LS_CB_PSK_USE_SESSION
	cbPSKFindSess callbackKind = C.LS_CB_PSK_FIND_SESSION
)

// handleOf makes the cgo.Handle that a slot keeps for v; 0 (an empty slot)
// when set is false (a nil callback: a typed nil in an interface is not nil).
func handleOf(v any, set bool) C.uintptr_t {
	if !set {
		return 0
	}
	return C.uintptr_t(cgo.NewHandle(v))
}

// setCallback sets the context's slot kind to v (none when set is false)
// and installs or removes libssl's callback of that kind, in one C call;
// mode is SSL_CTX_set_verify's for cbVerify. The handle is released by C
// when the call fails.
func (c *Ctx) setCallback(kind callbackKind, v any, set bool, mode C.int) error {
	return use(c, func(p *C.SSL_CTX) error {
		return c_ctx_set_callback(p, C.int(kind), handleOf(v, set), mode)
	})
}

// setCallback sets one of the SSL's slots (cbVerify with SSL_set_verify's
// mode, cbInfo, cbUserData) in one C call, inside the SSL's guard.
func (s *SSL) setCallback(kind callbackKind, v any, set bool, mode C.int) error {
	return use(s, func(p *C.SSL) error {
		return c_ssl_set_callback(p, C.int(kind), handleOf(v, set), mode)
	})
}

// valueOf is the Go value behind a slot's handle (nil for 0). The handle
// was read in C; a setter on another goroutine may replace the slot and
// delete the handle before this lookup (on an SSL that is concurrent use,
// which libssl forbids). Then the value is no longer the slot's, and the
// answer is nil rather than cgo's invalid-handle panic: handles are never
// reused, so a deleted one can never name another value.
func valueOf(h C.uintptr_t) (v any) {
	if h == 0 {
		return nil
	}
	defer func() {
		if recover() != nil {
			v = nil
		}
	}()
	return cgo.Handle(h).Value()
}

// ctxCallback returns the value in one of the context's slots, as it is
// now: what the tests of the registry compare with what they set.
func ctxCallback(c *Ctx, kind callbackKind) any {
	return get(c, nil, func(p *C.SSL_CTX) any { return valueOf(c_ctx_get_callback(p, C.int(kind))) })
}

// sslCallback returns the value in one of the SSL's slots (read inside the
// SSL's guard).
func sslCallback(s *SSL, kind callbackKind) any {
	return get(s, nil, func(p *C.SSL) any { return valueOf(c_ssl_get_callback(p, C.int(kind))) })
}

// exDataDupCalls reports how many times the dup_func of the SSL's box has
// run (CRYPTO_dup_ex_data, once per SSL_dup).
func exDataDupCalls() int64 { return int64(C.ls_box_dup_calls()) }

// cHeapInUse is the process's C heap in use (glibc mallinfo2), -1 where
// the C library cannot tell: for the tests that bound the C memory of the
// package's own per-object state.
func cHeapInUse() int64 { return int64(C.ls_c_heap_in_use()) }

// sslBoxSlots and ctxBoxSlots are the slot counts of the SSL's and the
// context's callback boxes (-1 before a box exists): an SSL's holds the
// kinds an SSL can have, a context's every kind.
func sslBoxSlots(s *SSL) int {
	return get(s, -2, func(p *C.SSL) int { return int(C.ls_ssl_box_slots(p)) })
}

func ctxBoxSlots(c *Ctx) int {
	return get(c, -2, func(p *C.SSL_CTX) int { return int(C.ls_ctx_box_slots(p)) })
}

// Callback-box slot counts: an SSL's box, a context's box.
const (
	sslBoxKinds = int(C.LS_CB_SSL_KINDS)
	ctxBoxKinds = int(C.LS_CB_KINDS)
)

//export libsslGoRelease
func libsslGoRelease(h C.uintptr_t) {
	cgo.Handle(h).Delete()
}

// callSSLCallback is the common part of the trampolines that hand libssl's
// SSL to a Go callback: it finds the callback of type F that h holds (the
// setters store only non-nil ones), borrows s as a handle for the call
// (freed after it) and returns fn's result. It returns noCallback when h
// holds no F, and fail when s cannot be borrowed or fn panics (the panic is
// kept for the program, keepPanic, never swallowed).
func callSSLCallback[F, R any](h C.uintptr_t, s *C.SSL, noCallback, fail R, fn func(F, *SSL) R) (res R) {
	cb, ok := cgo.Handle(h).Value().(F)
	if !ok {
		return noCallback
	}
	ssl := borrowedSSL(s)
	if ssl == nil {
		return fail
	}
	defer ssl.Free()
	defer func() {
		if p := recover(); p != nil {
			keepPanic(p)
			res = fail
		}
	}()
	return fn(cb, ssl)
}

// borrowedSSL wraps an SSL that libssl lends a callback: up-ref'd into a
// handle that is freed when the callback returns.
func borrowedSSL(s *C.SSL) *SSL {
	if c_SSL_up_ref(s) != nil {
		return nil
	}
	return wrapSSLRef(s)
}

// borrowedSession wraps a session libssl lends a callback, up-ref'd into a
// handle the callback owns.
func borrowedSession(sess *C.SSL_SESSION) *Session {
	if c_SSL_SESSION_up_ref(sess) != nil {
		return nil
	}
	return wrapSessionRef(sess)
}

// InfoCallback is called by libssl at state changes and alerts
// (SSL_set_info_callback): where is a mask of SSL_CB_* bits, ret the
// alert or return value. A panic in it is raised again by the method that
// ran it.
type InfoCallback func(where, ret int)

// SetInfoCallback sets or, with nil, removes the SSL's info callback
// (SSL_set_info_callback). Without one, libssl calls its context's.
func (s *SSL) SetInfoCallback(cb InfoCallback) error {
	return s.setCallback(cbInfo, cb, cb != nil, 0)
}

// HasInfoCallback reports whether SSL_get_info_callback is non-NULL.
func (s *SSL) HasInfoCallback() bool {
	return get(s, false, func(p *C.SSL) bool {
		return c_ssl_has_info_cb(p) != 0
	})
}

// SetInfoCallback sets or, with nil, removes the context's info callback
// (SSL_CTX_set_info_callback). As in libssl, it is not copied into SSL
// objects: an SSL without its own info callback runs its current context's
// at each call.
func (c *Ctx) SetInfoCallback(cb InfoCallback) error {
	return c.setCallback(cbInfo, cb, cb != nil, 0)
}

//export libsslGoInfo
func libsslGoInfo(h C.uintptr_t, s *C.SSL, where, ret C.int) {
	cb, _ := cgo.Handle(h).Value().(InfoCallback)
	if cb == nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			keepPanic(p)
		}
	}()
	cb(int(where), int(ret))
}

// SetUserData attaches a Go value to the SSL (nil removes it). It travels
// in the SSL's box as a cgo.Handle (SSL_set_ex_data), so SSL_dup shares it
// with the copy (libssl copies ex_data and runs the box's dup_func), and it
// is released when the last SSL holding it is destroyed.
func (s *SSL) SetUserData(v any) error {
	return s.setCallback(cbUserData, v, v != nil, 0)
}

// UserData returns the value set by SetUserData (SSL_get_ex_data), or nil.
func (s *SSL) UserData() any {
	return sslCallback(s, cbUserData)
}
