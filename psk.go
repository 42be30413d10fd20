package libssl

// This file: TLS 1.2 pre-shared keys (RFC 4279): the client's and the
// server's PSK callbacks (SSL_CTX_set_psk_client_callback,
// SSL_CTX_set_psk_server_callback), the server's identity hint and the
// identity a server was sent.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"strings"
	"unsafe"
)

// PSKClientCallback gives a client's pre-shared key when a TLS 1.0-1.2
// handshake negotiates a PSK cipher suite: hint is the server's identity
// hint ("" when it sent none). It returns the identity to send and the
// key; ok false fails the handshake, and so do an empty key, an identity
// with a NUL byte, and an identity or key longer than libssl's buffers
// (PSK_MAX_IDENTITY_LEN, PSK_MAX_PSK_LEN). s is valid during the call only.
type PSKClientCallback func(s *SSL, hint string) (identity string, psk []byte, ok bool)

// PSKServerCallback gives a server's pre-shared key for the identity the
// client sent in a TLS 1.0-1.2 PSK cipher suite's key exchange; ok false
// (or an empty key, or one longer than libssl's buffer) makes the identity
// unknown, and libssl fails the handshake. s is valid during the call only.
type PSKServerCallback func(s *SSL, identity string) (psk []byte, ok bool)

// SetPSKClientCallback sets or, with nil, removes the context's client PSK
// callback (SSL_CTX_set_psk_client_callback, with a callback written in C
// that finds cb in the context's box; libssl runs the callback of the
// SSL's current context). A client offers PSK cipher suites only with a
// callback set and suites in its cipher list ("PSK" names them). The keys
// are TLS 1.2 ones: libssl also asks the callback while it writes a TLS
// 1.3 ClientHello (in state TLS_ST_CW_CLNT_HELLO, for an external TLS 1.3
// PSK), and the binding answers that call with no key without running cb,
// so no TLS 1.3 PSK is offered (TLS 1.3 external PSKs are sessions:
// SetPSKUseSessionCallback). A panic in
// cb fails the handshake and is raised again by the method that ran it. A
// build without PSK gives ErrUnsupported.
func (c *Ctx) SetPSKClientCallback(cb PSKClientCallback) error {
	if c_psk_built() == 0 {
		return unsupported("SSL_CTX_set_psk_client_callback")
	}
	return c.setCallback(cbPSKClient, cb, cb != nil, 0)
}

// SetPSKServerCallback sets or, with nil, removes the context's server PSK
// callback (SSL_CTX_set_psk_server_callback; as SetPSKClientCallback). A
// server chooses a PSK cipher suite only with a callback set. libssl also
// asks it for each identity of a TLS 1.3 pre_shared_key extension; the
// binding answers those calls (SSL_version is TLS 1.3) with no key without
// running cb, so TLS 1.3 resumption is unchanged.
func (c *Ctx) SetPSKServerCallback(cb PSKServerCallback) error {
	if c_psk_built() == 0 {
		return unsupported("SSL_CTX_set_psk_server_callback")
	}
	return c.setCallback(cbPSKServer, cb, cb != nil, 0)
}

// SetPSKIdentityHint sets the identity hint the context's servers send in
// a PSK handshake (SSL_CTX_use_psk_identity_hint, which copies it); ""
// sends none. A hint of more than 128 bytes or with a NUL byte is an error;
// a build without PSK gives ErrUnsupported.
func (c *Ctx) SetPSKIdentityHint(hint string) error {
	const op = "SSL_CTX_use_psk_identity_hint"
	return use(c, func(p *C.SSL_CTX) error {
		if c_psk_built() == 0 {
			return unsupported(op)
		}
		if strings.IndexByte(hint, 0) >= 0 {
			return errInput(op, "a hint with a NUL byte")
		}
		if hint == "" {
			return c_ctx_use_psk_identity_hint(p, nil)
		}
		cs := C.CString(hint)
		defer C.free(unsafe.Pointer(cs))
		return c_ctx_use_psk_identity_hint(p, cs)
	})
}

// PSKIdentity returns the identity the client sent in a PSK handshake
// (SSL_get_psk_identity, copied), "" when there was none (also on a freed
// handle and a build without PSK).
func (s *SSL) PSKIdentity() string {
	return get(s, "", func(p *C.SSL) string {
		return string(copyOut(func(buf *C.uchar, cap C.int) C.int { return c_ssl_psk_identity(p, buf, cap) }))
	})
}

// cBuffer is n bytes of C memory at p, as a slice (libssl's buffers the
// PSK callbacks fill).
func cBuffer[T any](p *T, n C.uint) []byte {
	if p == nil || n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n))
}

//export libsslGoPSKClient
func libsslGoPSKClient(h C.uintptr_t, s *C.SSL, hint *C.char, identity *C.char, maxIdentity C.uint, psk *C.uchar, maxPSK C.uint) C.uint {
	return callSSLCallback(h, s, C.uint(0), C.uint(0), func(cb PSKClientCallback, ssl *SSL) C.uint {
		h0 := ""
		if hint != nil {
			h0 = C.GoString(hint)
		}
		id, key, ok := cb(ssl, h0)
		idBuf, keyBuf := cBuffer(identity, maxIdentity), cBuffer(psk, maxPSK)
		if !ok || len(key) == 0 || len(key) > len(keyBuf) || len(id)+1 > len(idBuf) || strings.IndexByte(id, 0) >= 0 {
			return 0
		}
		copy(idBuf, id)
		idBuf[len(id)] = 0
		return C.uint(copy(keyBuf, key))
	})
}

//export libsslGoPSKServer
func libsslGoPSKServer(h C.uintptr_t, s *C.SSL, identity *C.char, psk *C.uchar, maxPSK C.uint) C.uint {
	return callSSLCallback(h, s, C.uint(0), C.uint(0), func(cb PSKServerCallback, ssl *SSL) C.uint {
		id := ""
		if identity != nil {
			id = C.GoString(identity)
		}
		key, ok := cb(ssl, id)
		keyBuf := cBuffer(psk, maxPSK)
		if !ok || len(key) == 0 || len(key) > len(keyBuf) {
			return 0
		}
		return C.uint(copy(keyBuf, key))
	})
}
