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
//   - The servername and ClientHello callbacks are looked up at each call on
//     the SSL's current context (the servername one then on the context the
//     SSL was made from); the session new/get callbacks on the context the
//     SSL was made from (libssl's session_ctx), which SSL_set_SSL_CTX does not
//     change; the remove callback on the context whose cache drops a session.
//
// conformance/CLAIMS.md (rows I01-I09) lists these rules with the C cases
// (conformance/cref/inherit.c) that TestInheritance compares Go with.
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
	"unsafe"
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
	sessGet    SessionGetCallback
	hello      ClientHelloCallback
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
	if c == nil || (c.info == nil && c.userData == nil && c.servername == nil && c.sessNew == nil &&
		c.sessRemove == nil && c.sessGet == nil && c.hello == nil) {
		return 0, 0
	}
	var flags C.int
	for _, f := range []struct {
		set  bool
		flag C.int
	}{{c.info != nil, C.LS_CB_INFO}, {c.servername != nil, C.LS_CB_SERVERNAME},
		{c.sessNew != nil, C.LS_CB_SESS_NEW}, {c.sessRemove != nil, C.LS_CB_SESS_REMOVE},
		{c.sessGet != nil, C.LS_CB_SESS_GET}, {c.hello != nil, C.LS_CB_CLIENT_HELLO}} {
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
	return use(s, func(p *C.SSL) error {
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
	return use(c, func(p *C.SSL_CTX) error {
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
	return use(s, func(p *C.SSL) error {
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
	return get(s, false, func(p *C.SSL) bool {
		return c_ssl_has_info_cb(p) != 0
	})
}

// SetUserData attaches a Go value to the SSL (nil removes it). It travels
// in the SSL's ex_data as a cgo.Handle, so SSL_dup shares it with the copy
// (libssl copies ex_data and runs the slot's dup_func), and it is released
// when the last SSL holding it is destroyed.
func (s *SSL) SetUserData(v any) error {
	return use(s, func(p *C.SSL) error {
		h, flags := handleFor(callbacksOf(sslGoHandle(p, C.LS_SLOT_MISC)).withUserData(v))
		if err := setSSLGoHandle(p, C.LS_SLOT_MISC, h, flags); err != nil {
			return err
		}
		return nil
	})
}

// UserData returns the value set by SetUserData (SSL_get_ex_data), or nil.
func (s *SSL) UserData() any {
	return get(s, nil, func(p *C.SSL) any {
		if c := callbacksOf(sslGoHandle(p, C.LS_SLOT_MISC)); c != nil {
			return c.userData
		}
		return nil
	})
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
			keepPanic(p)
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
			keepPanic(p)
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
	return use(c, func(p *C.SSL_CTX) error {
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
	if c_SSL_up_ref(s) != nil {
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
			keepPanic(p)
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
			keepPanic(p)
		}
	}()
	c.sessNew(ssl, hs)
}

//export libsslGoSessRemove
func libsslGoSessRemove(h C.uintptr_t, _ *C.SSL_CTX, sess *C.SSL_SESSION) {
	c := callbacksOf(h)
	if c == nil || c.sessRemove == nil {
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
	return c.setCtxCallbacks(func(n *callbacks) { n.sessGet = cb },
		func(p *C.SSL_CTX) { c_ctx_set_sess_get_cb(p, cbool(cb != nil)) })
}

//export libsslGoSessGet
func libsslGoSessGet(h C.uintptr_t, s *C.SSL, id *C.uchar, n C.int, cp *C.int) (res *C.SSL_SESSION) {
	c := callbacksOf(h)
	if c == nil || c.sessGet == nil {
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
	sess, copy := c.sessGet(ssl, C.GoBytes(unsafe.Pointer(id), n))
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

// ClientHelloResult is what a ClientHello callback returns
// (SSL_CLIENT_HELLO_*).
type ClientHelloResult int

// The ClientHello verdicts: go on with the handshake; suspend it (the
// handshake step fails with SSLErrorWantClientHelloCB and the callback runs
// again when the handshake is resumed); or fail it with the alert the
// callback chose.
const (
	ClientHelloSuccess ClientHelloResult = C.SSL_CLIENT_HELLO_SUCCESS
	ClientHelloRetry   ClientHelloResult = C.SSL_CLIENT_HELLO_RETRY
	ClientHelloError   ClientHelloResult = C.SSL_CLIENT_HELLO_ERROR
)

// ClientHelloCallback runs on a server as soon as the ClientHello is parsed,
// before anything in it is acted on (SSL_CTX_set_client_hello_cb). The
// SSL's ClientHello* methods read the message during the call; the callback
// may change the SSL (SetSSLCtx, SetVerify, ciphers, versions). alert holds
// SSL_AD_INTERNAL_ERROR on entry, as in libssl, and is the alert sent with
// ClientHelloError. s is valid during the call only (UpRef it to keep it).
// A panic fails the handshake and is raised again by the method that ran it.
type ClientHelloCallback func(s *SSL, alert *int) ClientHelloResult

// SetClientHelloCallback sets or, with nil, removes the context's
// ClientHello callback (SSL_CTX_set_client_hello_cb). As in libssl, a
// server runs the callback of its current context at the time the
// ClientHello arrives: a later SetClientHelloCallback on that context, and
// SSL_set_SSL_CTX to another, apply to existing SSLs.
func (c *Ctx) SetClientHelloCallback(cb ClientHelloCallback) error {
	return c.setCtxCallbacks(func(n *callbacks) { n.hello = cb },
		func(p *C.SSL_CTX) { c_ctx_set_client_hello_cb(p, cbool(cb != nil)) })
}

//export libsslGoClientHello
func libsslGoClientHello(h C.uintptr_t, s *C.SSL, al *C.int) (res C.int) {
	c := callbacksOf(h)
	if c == nil || c.hello == nil {
		return C.SSL_CLIENT_HELLO_SUCCESS
	}
	ssl := borrowedSSL(s)
	if ssl == nil {
		*al = C.SSL_AD_INTERNAL_ERROR
		return C.SSL_CLIENT_HELLO_ERROR
	}
	defer ssl.Free()
	alert := int(*al)
	defer func() {
		if p := recover(); p != nil {
			keepPanic(p)
			*al = C.SSL_AD_INTERNAL_ERROR
			res = C.SSL_CLIENT_HELLO_ERROR
		}
	}()
	r := c.hello(ssl, &alert)
	*al = C.int(alert)
	return C.int(r)
}

// ClientHelloIsV2 returns SSL_client_hello_isv2: the ClientHello being
// handled was in the SSLv2 format. False outside a ClientHello callback,
// and always on OpenSSL 4.0, which deprecates the function and no longer
// accepts that format.
func (s *SSL) ClientHelloIsV2() bool {
	return get(s, false, func(p *C.SSL) bool { return c_client_hello_isv2(p) == 1 })
}

// ClientHelloLegacyVersion returns SSL_client_hello_get0_legacy_version: the
// version field of the ClientHello (TLS1_2 for a TLS 1.3 client). 0 outside
// a ClientHello callback.
func (s *SSL) ClientHelloLegacyVersion() ProtocolVersion {
	return get(s, 0, func(p *C.SSL) ProtocolVersion {
		return ProtocolVersion(c_SSL_client_hello_get0_legacy_version(p))
	})
}

// clientHelloBytes reads one of the byte fields through a lsh accessor that
// returns the full length (-1 for absent).
func clientHelloBytes(s *SSL, read func(p *C.SSL, buf *C.uchar, n C.int) C.int) ([]byte, bool) {
	var out []byte
	ok := false
	_ = use(s, func(p *C.SSL) error {
		n := read(p, nil, 0)
		if n < 0 {
			return nil
		}
		ok = true
		out = make([]byte, n)
		if n > 0 {
			read(p, (*C.uchar)(unsafe.Pointer(&out[0])), n)
		}
		return nil
	})
	return out, ok
}

// ClientHelloCiphers returns the cipher suites the client offered, as
// two-byte IANA ids in the client's order (SSL_client_hello_get0_ciphers),
// signalling values such as TLS_EMPTY_RENEGOTIATION_INFO_SCSV (0x00ff)
// included. Nil outside a ClientHello callback.
func (s *SSL) ClientHelloCiphers() []uint16 {
	b, _ := clientHelloBytes(s, func(p *C.SSL, buf *C.uchar, n C.int) C.int { return c_client_hello_ciphers(p, buf, n) })
	if len(b) == 0 {
		return nil
	}
	ids := make([]uint16, len(b)/2)
	for i := range ids {
		ids[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return ids
}

// ClientHelloCompressionMethods returns the compression methods offered
// (SSL_client_hello_get0_compression_methods); nil outside a ClientHello
// callback.
func (s *SSL) ClientHelloCompressionMethods() []byte {
	b, _ := clientHelloBytes(s, func(p *C.SSL, buf *C.uchar, n C.int) C.int { return c_client_hello_compression(p, buf, n) })
	if len(b) == 0 {
		return nil
	}
	return b
}

// ClientHelloExtension returns the body of the ClientHello's extension of
// type typ (SSL_client_hello_get0_ext), and whether it was present.
func (s *SSL) ClientHelloExtension(typ int) ([]byte, bool) {
	return clientHelloBytes(s, func(p *C.SSL, buf *C.uchar, n C.int) C.int {
		return c_client_hello_ext(p, C.int(typ), buf, n)
	})
}

// ClientHelloExtensionTypes returns the types of the extensions present in
// the ClientHello, in the order the client sent them
// (SSL_client_hello_get1_extensions_present; the C array is freed here).
// Nil outside a ClientHello callback.
func (s *SSL) ClientHelloExtensionTypes() []int {
	var out []int
	_ = use(s, func(p *C.SSL) error {
		n := c_client_hello_exts(p, nil, 0)
		if n <= 0 {
			return nil
		}
		buf := make([]C.int, n)
		n = min(n, c_client_hello_exts(p, &buf[0], n))
		for _, t := range buf[:max(n, 0)] {
			out = append(out, int(t))
		}
		return nil
	})
	return out
}

// ClientHelloServerName returns the host name of the ClientHello's
// server_name extension (RFC 6066 host_name entry), read with
// SSL_client_hello_get0_ext; "" when there is none. The servername
// callback has not run yet when the ClientHello callback does, so
// ServerName is still empty there.
func (s *SSL) ClientHelloServerName() string {
	b, ok := s.ClientHelloExtension(0) // TLSEXT_TYPE_server_name
	if !ok || len(b) < 2 {
		return ""
	}
	l := int(b[0])<<8 | int(b[1])
	b = b[2:]
	if l > len(b) {
		return ""
	}
	b = b[:l]
	for len(b) >= 3 {
		typ, n := b[0], int(b[1])<<8|int(b[2])
		if 3+n > len(b) {
			return ""
		}
		if typ == 0 {
			return string(b[3 : 3+n])
		}
		b = b[3+n:]
	}
	return ""
}

// ClientHelloSupportedVersions returns the versions of the ClientHello's
// supported_versions extension in the client's order (read with
// SSL_client_hello_get0_ext), GREASE values included; nil when absent
// (a client of TLS 1.2 or older).
func (s *SSL) ClientHelloSupportedVersions() []ProtocolVersion {
	b, ok := s.ClientHelloExtension(43) // TLSEXT_TYPE_supported_versions
	if !ok || len(b) < 1 || int(b[0]) > len(b)-1 {
		return nil
	}
	b = b[1 : 1+int(b[0])]
	var vs []ProtocolVersion
	for i := 0; i+1 < len(b); i += 2 {
		vs = append(vs, ProtocolVersion(int(b[i])<<8|int(b[i+1])))
	}
	return vs
}

// VerifyCallbackFrom reports whether the SSL's verify callback is the one
// set on ctx, as C code compares SSL_get_verify_callback(s) with
// SSL_CTX_get_verify_callback(ctx). An SSL made from ctx shares its
// callback until either side changes it (SSL_CTX_set_verify on ctx, or
// SetVerify with a callback on the SSL); SSL_set_SSL_CTX and SSL_dup keep
// the SSL's. Go functions are not comparable, so identity is that of a
// SetVerify call: the same function set again on ctx is a new callback
// here, where C would see the same pointer. Two absent callbacks are equal,
// as two NULLs are. False on a freed or nil handle.
func (s *SSL) VerifyCallbackFrom(ctx *Ctx) bool {
	return get(s, false, func(p *C.SSL) bool {
		return get(ctx, false, func(c *C.SSL_CTX) bool {
			return c_ssl_verify_cb_from(p, c) == 1
		})
	})
}
