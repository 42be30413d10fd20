package libssl

// This file: the callbacks that act on a ClientHello, on a server: the
// servername callback (SSL_CTX_set_tlsext_servername_callback) and the
// ClientHello callback (SSL_CTX_set_client_hello_cb) with the
// SSL_client_hello_* accessors it reads the message with.

/*
#include "shim.h"
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

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
	return c.setCallback(cbServername, cb, cb != nil, 0)
}

//export libsslGoServername
func libsslGoServername(h C.uintptr_t, s *C.SSL, al *C.int) (res C.int) {
	cb, _ := cgo.Handle(h).Value().(ServerNameCallback)
	if cb == nil {
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
	r := cb(ssl)
	if r == TLSExtAlertFatal || r == TLSExtAlertWarning {
		*al = C.SSL_AD_UNRECOGNIZED_NAME
	}
	return C.int(r)
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
	return c.setCallback(cbClientHello, cb, cb != nil, 0)
}

//export libsslGoClientHello
func libsslGoClientHello(h C.uintptr_t, s *C.SSL, al *C.int) (res C.int) {
	cb, _ := cgo.Handle(h).Value().(ClientHelloCallback)
	if cb == nil {
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
	r := cb(ssl, &alert)
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
