package libssl

// This file: ALPN (RFC 7301), the protocols a client offers and a server selects.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"
import (
	"errors"
	"unsafe"
)

// encodeALPN turns protocol names into ALPN's wire format, each name prefixed
// by its length. Names must be 1 to 255 bytes long.
func encodeALPN(protos []string) ([]byte, error) {
	var b []byte
	for _, p := range protos {
		if len(p) == 0 || len(p) > 255 {
			return nil, errors.New("libssl: an ALPN protocol name must be 1 to 255 bytes long")
		}
		b = append(b, byte(len(p)))
		b = append(b, p...)
	}
	return b, nil
}

func decodeALPN(b []byte) []string {
	var out []string
	for len(b) > 0 {
		n := int(b[0])
		if 1+n > len(b) {
			break
		}
		out = append(out, string(b[1:1+n]))
		b = b[1+n:]
	}
	return out
}

// SetALPNProtos sets the protocols a client offers, most preferred first
// (SSL_CTX_set_alpn_protos). libssl copies the list. An empty list stops
// offering ALPN. SSL objects made later inherit the list.
func (c *Ctx) SetALPNProtos(protos []string) error {
	wire, err := encodeALPN(protos)
	if err != nil {
		return err
	}
	return use(c, func(p *C.SSL_CTX) error {
		// SSL_CTX_set_alpn_protos returns 0 on success: predicate zero.
		return c_SSL_CTX_set_alpn_protos(p, bytesPtr(wire), C.uint(len(wire)))
	})
}

// SetALPNProtos sets the protocols this client SSL offers, most preferred
// first (SSL_set_alpn_protos), replacing the context's list. libssl copies
// the list. An empty list stops offering ALPN.
func (s *SSL) SetALPNProtos(protos []string) error {
	wire, err := encodeALPN(protos)
	if err != nil {
		return err
	}
	return use(s, func(p *C.SSL) error {
		return c_SSL_set_alpn_protos(p, bytesPtr(wire), C.uint(len(wire)))
	})
}

// SetALPNSelect makes a server choose the protocol for clients that offer
// ALPN (SSL_CTX_set_alpn_select_cb with a callback written in C): the first
// protocol of protos, in the server's order of preference, that the client
// also offered. When there is none, a strict server fails the handshake with
// the no_application_protocol alert (as RFC 7301 asks and Go's crypto/tls
// does); otherwise it ignores the client's extension and selects nothing.
//
// The list is copied into C memory owned by the SSL_CTX (an ex_data slot
// whose free function releases it with the context); no Go memory is kept.
// An empty (or nil) protos removes the list and the callback, so that the
// server ignores ALPN; SetALPNSelectWire with an empty list keeps the
// callback instead. Like every SSL_CTX setting, it must not be changed while
// handshakes run on the context.
func (c *Ctx) SetALPNSelect(protos []string, strict bool) error {
	wire, err := encodeALPN(protos)
	if err != nil {
		return err
	}
	n := C.int(len(wire))
	if n == 0 {
		n = -1 // remove
	}
	return use(c, func(p *C.SSL_CTX) error {
		return c_ctx_set_alpn_select(p, bytesPtr(wire), n, cbool(strict))
	})
}

// SetALPNSelectWire is SetALPNSelect with the list in ALPN's wire format
// (each name after its length byte), as a C program holds it, and it always
// installs the callback (SSL_CTX_set_alpn_select_cb): an empty wire is a
// server that supports no protocol, which selects none, so that a strict
// server fails every client that offers ALPN with the
// no_application_protocol alert, as a C callback that runs
// SSL_select_next_proto on an empty list does. A malformed wire (a name of
// 0 bytes, a length past the end) is an error. ALPNSelect returns nil for
// an empty list.
func (c *Ctx) SetALPNSelectWire(wire []byte, strict bool) error {
	const op = "SSL_CTX_set_alpn_select_cb"
	if err := checkProtosWire(op, wire); err != nil {
		return err
	}
	return use(c, func(p *C.SSL_CTX) error {
		return c_ctx_set_alpn_select(p, bytesPtr(wire), C.int(len(wire)), cbool(strict))
	})
}

// ALPNSelect returns the server's protocol list set by SetALPNSelect, or nil.
func (c *Ctx) ALPNSelect() []string {
	return get(c, nil, func(p *C.SSL_CTX) []string {
		for {
			n := c_ctx_get_alpn_select(p, nil, 0)
			if n <= 0 {
				return nil
			}
			buf := make([]byte, int(n))
			if m := c_ctx_get_alpn_select(p, bytesPtr(buf), n); m == n {
				return decodeALPN(buf)
			}
		}
	})
}

// ALPNSelected returns the protocol the handshake agreed on
// (SSL_get0_alpn_selected, copied), or "" when none was.
func (s *SSL) ALPNSelected() string {
	return get(s, "", func(p *C.SSL) string {
		var buf [255]byte
		n := c_ssl_alpn_selected(p, (*C.uchar)(unsafe.Pointer(&buf[0])), C.int(len(buf)))
		if n <= 0 || int(n) > len(buf) {
			return ""
		}
		return string(buf[:n])
	})
}
