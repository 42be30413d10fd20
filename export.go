package libssl

// This file: keying material export and the Finished messages.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import "unsafe"

// ExportKeyingMaterial derives length bytes of keying material from the
// session (RFC 5705, RFC 8446 7.5) for label and, when context is not nil,
// that context (SSL_export_keying_material with use_context set); a nil
// context is "no context" (use_context 0), which differs from an empty one
// in TLS 1.2.
func (s *SSL) ExportKeyingMaterial(label string, context []byte, length int) ([]byte, error) {
	if length < 0 {
		return nil, &Error{Op: "SSL_export_keying_material", internal: "negative length"}
	}
	return use2(s, func(p *C.SSL) ([]byte, error) {
		out := make([]byte, length)
		cl := C.CString(label)
		defer C.free(unsafe.Pointer(cl))
		var ctxp *C.uchar
		if len(context) > 0 {
			ctxp = bytesPtr(context)
		}
		var outp *C.uchar
		if length > 0 {
			outp = bytesPtr(out)
		}
		if err := c_ssl_export_keying_material(p, outp, C.int(length), cl, C.int(len(label)),
			ctxp, C.int(len(context)), cbool(context != nil)); err != nil {
			return nil, err
		}
		return out, nil
	})
}

// Finished returns the last Finished message this side sent
// (SSL_get_finished), nil before there is one.
func (s *SSL) Finished() []byte { return s.finished(0) }

// PeerFinished returns the last Finished message the peer sent
// (SSL_get_peer_finished), nil before there is one.
func (s *SSL) PeerFinished() []byte { return s.finished(1) }

func (s *SSL) finished(peer C.int) []byte {
	return get(s, nil, func(p *C.SSL) []byte {
		buf := make([]byte, 64)
		n := int(c_ssl_finished(p, peer, bytesPtr(buf), C.int(len(buf))))
		if n <= 0 {
			return nil
		}
		if n > len(buf) {
			n = len(buf)
		}
		return buf[:n:n]
	})
}

// PendingCipherID returns the two-byte IANA id of the cipher the handshake
// chose but has not switched to yet (SSL_get_pending_cipher), 0 without
// one: during a TLS 1.2 handshake's certificate verification
// CurrentCipherID is still 0.
func (s *SSL) PendingCipherID() uint16 {
	return get(s, 0, func(p *C.SSL) uint16 { return uint16(c_ssl_pending_cipher_id(p)) })
}
