package libssl

/*
#include "shim.h"
*/
import "C"

import (
	"runtime/cgo"
)

// VerifyCallback is called by libssl for each certificate of the peer's chain
// (SSL_CTX_set_verify / SSL_set_verify's callback). preverifyOK is libssl's
// verdict so far; the callback returns the verdict to keep. v is valid only
// during the call. A panic in the callback is recovered and fails the
// verification.
type VerifyCallback func(preverifyOK bool, v *VerifyContext) bool

// VerifyContext describes the certificate being verified
// (X509_STORE_CTX_get_error_depth, X509_STORE_CTX_get_error).
type VerifyContext struct {
	Depth int
	Error int // X509_V_* for this certificate, 0 when it verified
	x     *C.X509_STORE_CTX
}

// Certificate returns the certificate being verified
// (X509_STORE_CTX_get_current_cert), up-ref'd into an owned handle, or nil.
// Call it only during the callback.
func (v *VerifyContext) Certificate() *X509 {
	if v == nil || v.x == nil {
		return nil
	}
	p := C.X509_STORE_CTX_get_current_cert(v.x)
	if p == nil || C.ls_x509_up_ref(p) != 1 {
		return nil
	}
	return wrapX509(p)
}

// InfoCallback is called by libssl at state changes and alerts
// (SSL_set_info_callback): where is a mask of SSL_CB_* bits, ret the
// alert or return value. A panic in it is recovered and dropped.
type InfoCallback func(where, ret int)

// callbacks is immutable once a cgo.Handle refers to it: SSL_dup shares the
// handle between the original and the copy.
type callbacks struct {
	verify   VerifyCallback
	info     InfoCallback
	userData any
}

func callbacksOf(h C.uintptr_t) *callbacks {
	if h == 0 {
		return nil
	}
	c, _ := cgo.Handle(h).Value().(*callbacks)
	return c
}

// withVerify returns a copy of c (which may be nil) with verify replaced.
func (c *callbacks) withVerify(f VerifyCallback) *callbacks {
	n := callbacks{}
	if c != nil {
		n = *c
	}
	n.verify = f
	return &n
}

func (c *callbacks) withInfo(f InfoCallback) *callbacks {
	n := callbacks{}
	if c != nil {
		n = *c
	}
	n.info = f
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

func (c *callbacks) empty() bool {
	return c == nil || (c.verify == nil && c.info == nil && c.userData == nil)
}

// ExDataDupCalls reports how many times the dup_func of the package's ex_data
// slot has run: once per SSL_dup of an SSL that carries callbacks or user
// data (CRYPTO_dup_ex_data).
func ExDataDupCalls() int64 { return int64(C.ls_gobox_dup_calls()) }

// handleFor makes the cgo.Handle that C keeps in the ex_data slot, and the
// LS_CB_* flags saying which callbacks it carries; the slot's free function
// (the last holder's) deletes the handle through libsslGoRelease.
func handleFor(c *callbacks) (C.uintptr_t, C.int) {
	if c.empty() {
		return 0, 0
	}
	var flags C.int
	if c.verify != nil {
		flags |= C.LS_CB_VERIFY
	}
	if c.info != nil {
		flags |= C.LS_CB_INFO
	}
	return C.uintptr_t(cgo.NewHandle(c)), flags
}

var errNoMemory = &Error{Op: "malloc", internal: "out of memory for the callback slot"}

//export libsslGoVerify
func libsslGoVerify(h C.uintptr_t, ok C.int, x *C.X509_STORE_CTX) (res C.int) {
	c := callbacksOf(h)
	if c == nil || c.verify == nil {
		return ok
	}
	defer func() {
		if recover() != nil {
			res = 0
		}
	}()
	v := &VerifyContext{
		Depth: int(C.X509_STORE_CTX_get_error_depth(x)),
		Error: int(C.X509_STORE_CTX_get_error(x)),
		x:     x,
	}
	if c.verify(ok != 0, v) {
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
	defer func() { _ = recover() }()
	c.info(int(where), int(ret))
}

//export libsslGoRelease
func libsslGoRelease(h C.uintptr_t) {
	cgo.Handle(h).Delete()
}
