package libssl

// This file: Go callbacks and values carried by SSL and SSL_CTX ex_data.
//
// C never holds a Go pointer: a Go value that C must reach travels as a
// cgo.Handle in an ex_data slot, inside a reference-counted C box that
// SSL_dup shares with the copy (the slot's dup function) and whose last
// holder deletes the handle (the slot's free function, libsslGoRelease).
// Each value follows libssl's own rule for what it stands for:
//
//   - The verify callback (verify slot) is copied into an SSL at SSL_new
//     from its context, as libssl copies ctx->default_verify_callback into
//     the SSL; a later SSL_CTX_set_verify, and SSL_set_SSL_CTX, leave an
//     existing SSL's callback as it was. SSL_set_verify replaces it on that
//     SSL only; SSL_dup copies it.
//   - The info callback is looked up at each call on the SSL, then on its
//     current context (libssl's statem does the same with the C callbacks).
//   - User data lives on the SSL only, and SSL_dup shares it (CRYPTO_dup_ex_data).
//
// A panic in a callback is recovered inside the callback (it must not
// unwind through C), makes the callback's verdict a failure, and is raised
// again on the calling goroutine once the C call that ran the callback
// returns (Handshake, Read, Peek, Write, Shutdown).

/*
#include "shim.h"
*/
import "C"

import (
	"runtime/cgo"
	"sync"
	"sync/atomic"
)

// VerifyCallback is called by libssl for each certificate of the peer's chain
// (SSL_CTX_set_verify / SSL_set_verify's callback). preverifyOK is libssl's
// verdict so far; the callback returns the verdict to keep. v is valid only
// during the call. A panic in the callback fails the verification and is
// raised again by the method (Handshake, Read, ...) that ran it.
type VerifyCallback func(preverifyOK bool, v *VerifyContext) bool

// VerifyContext describes the certificate being verified
// (X509_STORE_CTX_get_error_depth, X509_STORE_CTX_get_error). It is valid
// only while its callback runs: afterwards Certificate returns
// ErrVerifyContextDone.
type VerifyContext struct {
	Depth int
	Error int // X509_V_* for this certificate, 0 when it verified
	mu    sync.Mutex
	store *C.X509_STORE_CTX // nil once the callback returned
}

// ErrVerifyContextDone is returned by a VerifyContext used after the
// callback it was given to has returned (or a nil one). It also matches
// ErrFreed: the X509_STORE_CTX behind it is gone.
var ErrVerifyContextDone error = &sentinel{msg: "libssl: VerifyContext used after its verify callback returned", wrap: ErrFreed}

// Certificate returns the certificate being verified
// (X509_STORE_CTX_get_current_cert), up-ref'd into an owned handle (nil when
// there is none), or ErrVerifyContextDone after the callback returned.
func (v *VerifyContext) Certificate() (*X509, error) {
	if v == nil {
		return nil, ErrVerifyContextDone
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	x := v.store
	if x == nil {
		return nil, ErrVerifyContextDone
	}
	var c *C.X509
	if err := c_store_ctx_get1_current_cert(x, &c); err != nil {
		return nil, err
	}
	if c == nil {
		return nil, nil
	}
	return wrapX509(c), nil
}

// InfoCallback is called by libssl at state changes and alerts
// (SSL_set_info_callback): where is a mask of SSL_CB_* bits, ret the
// alert or return value. A panic in it is raised again by the method that
// ran it.
type InfoCallback func(where, ret int)

// callbacks is what the misc slot holds: immutable once a cgo.Handle refers
// to it, since SSL_dup shares the handle between the original and the copy.
type callbacks struct {
	info       InfoCallback
	userData   any
	servername ServerNameCallback
	sessNew    func(s *SSL, sess *Session)
	sessRemove func(sess *Session)
}

func callbacksOf(h C.uintptr_t) *callbacks {
	if h == 0 {
		return nil
	}
	c, _ := cgo.Handle(h).Value().(*callbacks)
	return c
}

func (c *callbacks) withInfo(f InfoCallback) *callbacks {
	n := callbacks{}
	if c != nil {
		n = *c
	}
	n.info = f
	return &n
}

func (c *callbacks) with(f func(*callbacks)) *callbacks {
	n := callbacks{}
	if c != nil {
		n = *c
	}
	f(&n)
	return &n
}

func (c *callbacks) withUserData(v any) *callbacks {
	n := callbacks{}
	if c != nil {
		n = *c
	}
	n.userData = v
	return &n
}

// handleFor makes the cgo.Handle that C keeps in the misc slot, and the
// LS_CB_* flags saying which callbacks it carries.
func handleFor(c *callbacks) (C.uintptr_t, C.int) {
	if c == nil || (c.info == nil && c.userData == nil && c.servername == nil && c.sessNew == nil && c.sessRemove == nil) {
		return 0, 0
	}
	var flags C.int
	for _, f := range []struct {
		set  bool
		flag C.int
	}{{c.info != nil, C.LS_CB_INFO}, {c.servername != nil, C.LS_CB_SERVERNAME},
		{c.sessNew != nil, C.LS_CB_SESS_NEW}, {c.sessRemove != nil, C.LS_CB_SESS_REMOVE}} {
		if f.set {
			flags |= f.flag
		}
	}
	return C.uintptr_t(cgo.NewHandle(c)), flags
}

// verifyHandle makes the cgo.Handle for the verify slot (0 for nil).
func verifyHandle(cb VerifyCallback) C.uintptr_t {
	if cb == nil {
		return 0
	}
	return C.uintptr_t(cgo.NewHandle(cb))
}

var errNoMemory = &Error{Op: "malloc", internal: "out of memory for the callback slot"}

// exDataDupCalls reports how many times the dup_func of the package's
// ex_data slots has run (CRYPTO_dup_ex_data, once per slot holding a value
// at SSL_dup).
func exDataDupCalls() int64 { return int64(C.ls_gobox_dup_calls()) }

// SetVerify sets the verify mode and callback (SSL_set_verify) on this SSL
// only. As in libssl, a nil cb sets the mode and leaves the SSL's callback
// as it was (SSL_set_verify(s, mode, NULL) changes only the mode; unlike
// SSL_CTX_set_verify, it never removes a callback). The callback travels as
// a cgo.Handle in the SSL's ex_data; SSL_dup copies it.
func (s *SSL) SetVerify(mode VerifyMode, cb VerifyCallback) error {
	return use(s.refp(), func(p *C.SSL) error {
		if cb != nil {
			if err := setSSLGoHandle(p, C.LS_SLOT_VERIFY, verifyHandle(cb), 0); err != nil {
				return err
			}
		}
		c_ssl_set_verify(p, C.int(mode), cbool(cb != nil))
		return nil
	})
}

// SetVerify sets the verify mode and callback (SSL_CTX_set_verify). A nil
// cb leaves libssl's default verdicts in place. As in libssl, SSL objects
// made later (SSL_new) copy both; SSLs that exist already keep theirs.
func (c *Ctx) SetVerify(mode VerifyMode, cb VerifyCallback) error {
	return use(c.refp(), func(p *C.SSL_CTX) error {
		if C.ls_ctx_set_gohandle(p, C.LS_SLOT_VERIFY, verifyHandle(cb), 0) != 1 {
			return errNoMemory
		}
		c_ctx_set_verify(p, C.int(mode), cbool(cb != nil))
		return nil
	})
}

// SetInfoCallback sets or, with nil, removes the SSL's info callback
// (SSL_set_info_callback). Without one, libssl calls its context's.
func (s *SSL) SetInfoCallback(cb InfoCallback) error {
	return use(s.refp(), func(p *C.SSL) error {
		h, flags := handleFor(callbacksOf(sslGoHandle(p, C.LS_SLOT_MISC)).withInfo(cb))
		if err := setSSLGoHandle(p, C.LS_SLOT_MISC, h, flags); err != nil {
			return err
		}
		c_ssl_set_info_cb(p, cbool(cb != nil))
		return nil
	})
}

// HasInfoCallback reports whether SSL_get_info_callback is non-NULL.
func (s *SSL) HasInfoCallback() bool {
	return get(s.refp(), false, func(p *C.SSL) bool {
		return c_ssl_has_info_cb(p) != 0
	})
}

// SetUserData attaches a Go value to the SSL (nil removes it). It travels
// in the SSL's ex_data as a cgo.Handle, so SSL_dup shares it with the copy
// (libssl copies ex_data and runs the slot's dup_func), and it is released
// when the last SSL holding it is destroyed.
func (s *SSL) SetUserData(v any) error {
	return use(s.refp(), func(p *C.SSL) error {
		h, flags := handleFor(callbacksOf(sslGoHandle(p, C.LS_SLOT_MISC)).withUserData(v))
		if err := setSSLGoHandle(p, C.LS_SLOT_MISC, h, flags); err != nil {
			return err
		}
		return nil
	})
}

// UserData returns the value set by SetUserData (SSL_get_ex_data), or nil.
func (s *SSL) UserData() any {
	return get(s.refp(), nil, func(p *C.SSL) any {
		if c := callbacksOf(sslGoHandle(p, C.LS_SLOT_MISC)); c != nil {
			return c.userData
		}
		return nil
	})
}

// Panics recovered in callbacks, by the SSL whose C call ran them, until
// that call returns and its method raises them again.
var (
	pendingPanics sync.Map // *C.SSL -> panicValue
	panicsPending atomic.Int32
)

type panicValue struct{ v any }

// ctxPanicKey is the key under which a panic in a context-level callback
// waits: a distinct key type, so it never meets an SSL's.
type ctxPanicKey *C.SSL_CTX

func keepPanic(s any, v any) {
	if _, loaded := pendingPanics.LoadOrStore(s, panicValue{v}); !loaded {
		panicsPending.Add(1)
	}
}

// repanic raises, on the calling goroutine, a panic that a callback run by
// the C call just made on s recovered. It costs one atomic load when no
// callback panicked.
func repanic(s any) {
	if panicsPending.Load() == 0 {
		return
	}
	if v, ok := pendingPanics.LoadAndDelete(s); ok {
		panicsPending.Add(-1)
		panic(v.(panicValue).v)
	}
}

//export libsslGoVerify
func libsslGoVerify(h C.uintptr_t, s *C.SSL, ok C.int, x *C.X509_STORE_CTX) (res C.int) {
	cb, _ := cgo.Handle(h).Value().(VerifyCallback)
	if cb == nil {
		return ok
	}
	v := &VerifyContext{
		Depth: int(c_X509_STORE_CTX_get_error_depth(x)),
		Error: int(c_X509_STORE_CTX_get_error(x)),
	}
	v.store = x
	defer func() {
		v.mu.Lock()
		v.store = nil
		v.mu.Unlock()
		if p := recover(); p != nil {
			keepPanic(s, p)
			res = 0
		}
	}()
	if cb(ok != 0, v) {
		return 1
	}
	return 0
}

//export libsslGoInfo
func libsslGoInfo(h C.uintptr_t, s *C.SSL, where, ret C.int) {
	c := callbacksOf(h)
	if c == nil || c.info == nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			keepPanic(s, p)
		}
	}()
	c.info(int(where), int(ret))
}

//export libsslGoRelease
func libsslGoRelease(h C.uintptr_t) {
	cgo.Handle(h).Delete()
}

// setCtxCallbacks replaces the context's misc-slot value by edit's result.
func (c *Ctx) setCtxCallbacks(edit func(*callbacks), then func(p *C.SSL_CTX)) error {
	return use(c.refp(), func(p *C.SSL_CTX) error {
		h, flags := handleFor(callbacksOf(C.ls_ctx_get_gohandle(p, C.LS_SLOT_MISC)).with(edit))
		if C.ls_ctx_set_gohandle(p, C.LS_SLOT_MISC, h, flags) != 1 {
			return errNoMemory
		}
		then(p)
		return nil
	})
}

// ServerNameCallback decides, on a server, what to do with the name a
// client asked for (s.ServerName()); it may move s to another context with
// s.SetSSLCtx. It returns a TLSExt* verdict. s is valid during the call
// only (UpRef it to keep it).
type ServerNameCallback func(s *SSL) TLSExtResult

// TLSExtResult is an SSL_TLSEXT_ERR_* verdict of a servername callback.
type TLSExtResult int

// The servername verdicts: acknowledge the name, ignore it, or fail the
// handshake with an unrecognized_name alert (warning or fatal).
const (
	TLSExtOK           TLSExtResult = C.SSL_TLSEXT_ERR_OK
	TLSExtAlertWarning TLSExtResult = C.SSL_TLSEXT_ERR_ALERT_WARNING
	TLSExtAlertFatal   TLSExtResult = C.SSL_TLSEXT_ERR_ALERT_FATAL
	TLSExtNoAck        TLSExtResult = C.SSL_TLSEXT_ERR_NOACK
)

// SetServerNameCallback sets or, with nil, removes the context's servername
// callback (SSL_CTX_set_tlsext_servername_callback). As in libssl, a
// connection runs the callback of its current context, else that of the
// context it was made from.
func (c *Ctx) SetServerNameCallback(cb ServerNameCallback) error {
	return c.setCtxCallbacks(func(n *callbacks) { n.servername = cb },
		func(p *C.SSL_CTX) { c_ctx_set_servername_cb(p, cbool(cb != nil)) })
}

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
	return c.setCtxCallbacks(func(n *callbacks) { n.sessNew, n.sessRemove = newSession, removed },
		func(p *C.SSL_CTX) { c_ctx_set_sess_cbs(p, cbool(newSession != nil), cbool(removed != nil)) })
}

// borrowedSSL wraps an SSL that libssl lends a callback: up-ref'd into a
// handle that is freed when the callback returns.
func borrowedSSL(s *C.SSL) *SSL {
	if c_SSL_up_ref(s) != 1 {
		return nil
	}
	return wrapSSLRef(s)
}

func borrowedSession(sess *C.SSL_SESSION) *Session {
	if c_SSL_SESSION_up_ref(sess) != nil {
		return nil
	}
	return wrapSessionRef(sess)
}

//export libsslGoServername
func libsslGoServername(h C.uintptr_t, s *C.SSL, al *C.int) (res C.int) {
	c := callbacksOf(h)
	if c == nil || c.servername == nil {
		return C.SSL_TLSEXT_ERR_NOACK
	}
	ssl := borrowedSSL(s)
	if ssl == nil {
		*al = C.SSL_AD_INTERNAL_ERROR
		return C.SSL_TLSEXT_ERR_ALERT_FATAL
	}
	defer ssl.Free()
	defer func() {
		if p := recover(); p != nil {
			keepPanic(s, p)
			*al = C.SSL_AD_INTERNAL_ERROR
			res = C.SSL_TLSEXT_ERR_ALERT_FATAL
		}
	}()
	r := c.servername(ssl)
	if r == TLSExtAlertFatal || r == TLSExtAlertWarning {
		*al = C.SSL_AD_UNRECOGNIZED_NAME
	}
	return C.int(r)
}

//export libsslGoSessNew
func libsslGoSessNew(h C.uintptr_t, s *C.SSL, sess *C.SSL_SESSION) {
	c := callbacksOf(h)
	if c == nil || c.sessNew == nil {
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
			keepPanic(s, p)
		}
	}()
	c.sessNew(ssl, hs)
}

//export libsslGoSessRemove
func libsslGoSessRemove(h C.uintptr_t, c_ *C.SSL_CTX, sess *C.SSL_SESSION) {
	c := callbacksOf(h)
	if c == nil || c.sessRemove == nil {
		return
	}
	hs := borrowedSession(sess)
	if hs == nil {
		return
	}
	// The cache drops sessions inside SSL_CTX_remove_session,
	// SSL_CTX_flush_sessions, SSL_CTX_free and a handshake's cache upkeep:
	// a panic is kept under the context and raised again by the next of
	// RemoveSession, FlushSessions, AddSession or Free on it.
	defer func() {
		if p := recover(); p != nil {
			keepPanic(ctxPanicKey(c_), p)
		}
	}()
	c.sessRemove(hs)
}

// SetInfoCallback sets or, with nil, removes the context's info callback
// (SSL_CTX_set_info_callback). As in libssl, it is not copied into SSL
// objects: an SSL without its own info callback runs its current context's
// at each call.
func (c *Ctx) SetInfoCallback(cb InfoCallback) error {
	return c.setCtxCallbacks(func(n *callbacks) { n.info = cb },
		func(p *C.SSL_CTX) { c_ctx_set_info_cb(p, cbool(cb != nil)) })
}
