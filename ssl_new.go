package libssl

// This file: the SSL handle: SSL_new, SSL_up_ref, SSL_free, and the context and method an SSL uses.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"
import (
	"sync"
	"unsafe"
)

// SSL is an owned reference to an SSL object, one TLS connection.
type SSL struct {
	r ref
	w *sslWeightBlock // the object's weight, on the handle that made it; nil after Free
}

// sslWeightBlock is an SSL's weight (see "Weight" in memory.go). Free
// gives it back to sslWeights for the next SSL_new; a dropped handle keeps
// it until the collector takes both.
type sslWeightBlock [sslWeight]byte

var sslWeights = sync.Pool{New: func() any { return new(sslWeightBlock) }}

// wrapSSL owns p, an object the call has just made: the handle carries the
// object's weight.
func wrapSSL(p *C.SSL) *SSL {
	s := &SSL{w: sslWeights.Get().(*sslWeightBlock)}
	own(s, unsafe.Pointer(p), kindSSL)
	return s
}

// wrapSSLRef owns one more reference on an object that other handles
// already carry the weight of (SSL_up_ref, SSL_dup of a started SSL).
func wrapSSLRef(p *C.SSL) *SSL {
	s := &SSL{}
	own(s, unsafe.Pointer(p), kindSSL)
	return s
}

func (s *SSL) ptr() *C.SSL { return (*C.SSL)(refp(s).get()) }

// New makes an SSL from ctx (SSL_new). The SSL inherits the context's
// settings, including its verify callback (which later changes to the
// context do not reach), and holds references on the context of its own,
// so ctx may be freed first. A nil ctx is passed to libssl as NULL, which
// fails with SSL_R_NULL_SSL_CTX as libssl reports it; a freed ctx gives
// ErrFreed.
func New(ctx *Ctx) (*SSL, error) {
	if initErr != nil {
		return nil, initErr
	}
	if ctx == nil {
		_, err := c_ssl_new(nil)
		return nil, err
	}
	return use2(ctx, func(cp *C.SSL_CTX) (*SSL, error) {
		p, err := c_ssl_new(cp)
		if err != nil {
			return nil, err
		}
		return wrapSSL(p), nil
	})
}

// Free releases the handle's reference (SSL_free). The object is destroyed
// when its last reference goes. Free is idempotent, and on a nil handle it
// does what SSL_free(NULL) does: nothing.
func (s *SSL) Free() {
	if s == nil {
		c_SSL_free(nil)
		return
	}
	if p := s.r.release(); p != nil {
		c_SSL_free((*C.SSL)(p))
		if w := s.w; w != nil { // only the caller that released p gets here
			s.w = nil
			sslWeights.Put(w)
		}
	}
}

// UpRef takes another reference on the same SSL (SSL_up_ref) and returns it
// as a new handle, which must be freed on its own.
func (s *SSL) UpRef() (*SSL, error) {
	return use2(s, func(p *C.SSL) (*SSL, error) {
		// SSL_up_ref cannot fail with atomics; its wrapper captures on
		// the failure path only (onfail in shim.def), so a success
		// makes no ERR_* call.
		if err := c_SSL_up_ref(p); err != nil {
			return nil, err
		}
		return wrapSSLRef(p), nil
	})
}

// Ctx returns the SSL's current context (SSL_get_SSL_CTX), up-ref'd
// (SSL_CTX_up_ref) into a new owned handle; nil on a freed handle.
func (s *SSL) Ctx() *Ctx {
	return get(s, nil, func(p *C.SSL) *Ctx {
		var c *C.SSL_CTX
		if c_ssl_get1_ctx(p, &c) != nil || c == nil {
			return nil
		}
		return wrapCtx(c)
	})
}

// SetSSLCtx switches the SSL to ctx (SSL_set_SSL_CTX), as a server does for
// SNI. The SSL takes a reference on ctx and drops the one on its old context;
// the session context reference taken by SSL_new is kept, and so is the
// SSL's verify callback (libssl does not copy the new context's).
func (s *SSL) SetSSLCtx(ctx *Ctx) error {
	return use(s, func(p *C.SSL) error {
		return use(ctx, func(c *C.SSL_CTX) error {
			_, err := c_ssl_set_ssl_ctx(p, c)
			return err
		})
	})
}

// Method returns the SSL's current SSL_METHOD (SSL_get_ssl_method), or
// MethodUnknown on a freed handle. After a handshake it is the
// version-specific method libssl installed (TLS1_2ClientMethod,
// TLS1_3Method, ...); SSL_clear puts the context's back.
func (s *SSL) Method() Method {
	return get(s, MethodUnknown, func(p *C.SSL) Method {
		return Method(c_ssl_method_id(p))
	})
}

// SameMethod reports whether s and o run the same SSL_METHOD object (the
// pointers SSL_get_ssl_method returns for them are equal); false when either
// handle is freed or nil. Method names the internal TLS 1.3 method
// TLS1_3Method in both roles; SameMethod tells whether the two roles share
// one object: they do on 1.1.1w and 3.0, and do not on 3.5.9.
func (s *SSL) SameMethod(o *SSL) bool {
	return get(s, false, func(p *C.SSL) bool {
		return get(o, false, func(q *C.SSL) bool {
			return c_ssl_same_method(p, q) != 0
		})
	})
}

// SetMethod sets the SSL's SSL_METHOD (SSL_set_ssl_method), for example
// TLSClientMethod on an SSL made from a TLSMethod context. No ownership
// changes hands: methods are static in libssl. SSL_dup copies the method;
// SSL_clear puts the context's method back (since 1.1.1).
func (s *SSL) SetMethod(m Method) error {
	return use(s, func(p *C.SSL) error {
		return c_ssl_set_method(p, C.int(m))
	})
}
