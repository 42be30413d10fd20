package libssl

// This file: the key-log callback (SSL_CTX_set_keylog_callback).

/*
#include "shim.h"
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// KeylogCallback receives each line libssl logs for a handshake of an SSL
// made from the context, in the NSS key log format, without its newline
// (SSL_CTX_set_keylog_callback): "CLIENT_RANDOM <random> <secret>" for TLS
// 1.2, "CLIENT_HANDSHAKE_TRAFFIC_SECRET ...", "SERVER_HANDSHAKE_TRAFFIC_SECRET
// ...", "CLIENT_TRAFFIC_SECRET_0 ...", "SERVER_TRAFFIC_SECRET_0 ...",
// "EXPORTER_SECRET ..." (and "EARLY_..." ones) for TLS 1.3. s is valid during
// the call only. A panic is raised again by the method that ran the
// handshake.
type KeylogCallback func(s *SSL, line string)

// SetKeylogCallback sets or, with nil, removes the context's key-log
// callback (SSL_CTX_set_keylog_callback). As in libssl, a handshake logs to
// the callback of the SSL's current context. Set it before connections are
// made from the context. The lines hold secrets: debugging only.
func (c *Ctx) SetKeylogCallback(cb KeylogCallback) error {
	return c.setCallback(cbKeylog, cb, cb != nil, 0)
}

//export libsslGoKeylog
func libsslGoKeylog(h C.uintptr_t, s *C.SSL, line *C.char) {
	cb, _ := cgo.Handle(h).Value().(KeylogCallback)
	if cb == nil {
		return
	}
	ssl := borrowedSSL(s)
	if ssl == nil {
		return
	}
	defer ssl.Free()
	defer func() {
		if p := recover(); p != nil {
			keepPanic(p)
		}
	}()
	cb(ssl, C.GoString(line))
}

// HasKeylogCallback reports whether the context has a key-log callback
// (SSL_CTX_get_keylog_callback returns non-NULL). False for a freed
// context.
func (c *Ctx) HasKeylogCallback() bool {
	return get(c, false, func(p *C.SSL_CTX) bool { return c_ctx_has_keylog_cb(p) != 0 })
}

// ClientRandom returns a copy of the ClientHello's random
// (SSL_get_client_random): 32 bytes once the client has sent or the
// server has read a ClientHello, zeros before; nil for a freed SSL. With
// MasterKey it is what a CLIENT_RANDOM key-log line names.
func (s *SSL) ClientRandom() []byte {
	return get(s, nil, func(p *C.SSL) []byte {
		var buf [32]byte
		n := c_SSL_get_client_random(p, (*C.uchar)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)))
		return append([]byte{}, buf[:n]...)
	})
}

// ServerRandom returns a copy of the ServerHello's random
// (SSL_get_server_random), as ClientRandom.
func (s *SSL) ServerRandom() []byte {
	return get(s, nil, func(p *C.SSL) []byte {
		var buf [32]byte
		n := c_SSL_get_server_random(p, (*C.uchar)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)))
		return append([]byte{}, buf[:n]...)
	})
}
