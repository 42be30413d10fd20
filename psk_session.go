package libssl

// This file: TLS 1.3 external pre-shared keys (RFC 8446 section 4.2.11),
// which libssl takes as sessions: the client's and the server's session
// callbacks (SSL_CTX_set_psk_use_session_callback,
// SSL_CTX_set_psk_find_session_callback and their SSL_ forms), the session
// fields such a session is made of (SSL_SESSION_set1_master_key,
// SSL_SESSION_set_cipher, SSL_SESSION_set_protocol_version,
// SSL_SESSION_set_max_early_data, SSL_SESSION_set1_alpn_selected) and the
// cipher lookup they need (SSL_CIPHER_find).
//
// Ownership. Both C callbacks hand libssl a reference on the session they
// return, which libssl frees when it is done with it (the client keeps it
// as the connection's session when the server accepts the PSK; the server
// copies it with ssl_session_dup and frees the reference at once). The Go
// callbacks return a *Session that stays theirs: the binding takes a new
// reference (SSL_SESSION_up_ref) for libssl before the callback returns to
// C, so the handle is freed by its owner as usual, once or many times
// offered.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"errors"
	"unsafe"
)

// Cipher is one of libssl's cipher suites (a const SSL_CIPHER *). It points
// into libssl's static tables: nobody owns or frees it, and it stays valid
// for the life of the process.
type Cipher struct {
	p *C.SSL_CIPHER
}

// FindCipher returns the cipher suite with IANA number id among those the
// SSL's method knows (SSL_CIPHER_find), or nil. The TLS 1.3 suites are
// 0x1301 (TLS_AES_128_GCM_SHA256) to 0x1305.
func (s *SSL) FindCipher(id uint16) *Cipher {
	return get(s, nil, func(p *C.SSL) *Cipher {
		c := c_ssl_cipher_find(p, C.int(id))
		if c == nil {
			return nil
		}
		return &Cipher{p: c}
	})
}

// ID returns the cipher's IANA number (SSL_CIPHER_get_protocol_id).
func (c *Cipher) ID() uint16 {
	return uint16(c_cipher_protocol_id(c.p))
}

// Name returns the cipher's OpenSSL name (SSL_CIPHER_get_name).
func (c *Cipher) Name() string {
	return C.GoString(c_SSL_CIPHER_get_name(c.p))
}

// HandshakeDigest returns the short name of the digest the cipher's
// handshake (and a TLS 1.3 PSK used with it) is bound to, "SHA256" or
// "SHA384" (SSL_CIPHER_get_handshake_digest, OBJ_nid2sn); "" when it has
// none.
func (c *Cipher) HandshakeDigest() string {
	n := c_cipher_handshake_digest(c.p)
	if n == nil {
		return ""
	}
	return C.GoString(n)
}

// SetMasterKey sets the session's master key (SSL_SESSION_set1_master_key,
// which copies it): for a TLS 1.3 external PSK, the key itself, whose
// length should be that of the cipher's digest output. A key longer than
// libssl's buffer (256 bytes in 1.1.1, 512 in 3.x) is an error.
func (s *Session) SetMasterKey(key []byte) error {
	return use(s, func(p *C.SSL_SESSION) error {
		if len(key) == 0 {
			return errInput("SSL_SESSION_set1_master_key", "an empty key")
		}
		return c_sess_set1_master_key(p, bytesPtr(key), C.int(len(key)))
	})
}

// MasterKey returns a copy of the session's master key
// (SSL_SESSION_get_master_key); nil on a freed handle.
func (s *Session) MasterKey() []byte {
	return get(s, nil, func(p *C.SSL_SESSION) []byte {
		return copyOut(func(buf *C.uchar, n C.int) C.int { return c_sess_master_key(p, buf, n) })
	})
}

// SetCipher sets the session's cipher suite (SSL_SESSION_set_cipher). A
// TLS 1.3 PSK session needs a TLS 1.3 suite: its digest is the PSK's.
func (s *Session) SetCipher(c *Cipher) error {
	return use(s, func(p *C.SSL_SESSION) error {
		if c == nil || c.p == nil {
			return errInput("SSL_SESSION_set_cipher", "a nil Cipher")
		}
		return c_SSL_SESSION_set_cipher(p, c.p)
	})
}

// Cipher returns the session's cipher suite (SSL_SESSION_get0_cipher), or
// nil when it has none (and on a freed handle).
func (s *Session) Cipher() *Cipher {
	return get(s, nil, func(p *C.SSL_SESSION) *Cipher {
		c := c_SSL_SESSION_get0_cipher(p)
		if c == nil {
			return nil
		}
		return &Cipher{p: c}
	})
}

// SetProtocolVersion sets the session's protocol version
// (SSL_SESSION_set_protocol_version): TLS1_3 for a PSK session, which
// libssl refuses to offer or accept otherwise.
func (s *Session) SetProtocolVersion(v ProtocolVersion) error {
	return use(s, func(p *C.SSL_SESSION) error {
		return c_SSL_SESSION_set_protocol_version(p, C.int(v))
	})
}

// SetMaxEarlyData sets how many bytes of early data the session allows
// (SSL_SESSION_set_max_early_data); 0 allows none. With a PSK session a
// client may send early data only when it is above 0, and a server accepts
// it only when its own limit (SSL_set_max_early_data) is above 0 as well.
func (s *Session) SetMaxEarlyData(n uint32) error {
	return use(s, func(p *C.SSL_SESSION) error {
		return c_SSL_SESSION_set_max_early_data(p, C.uint32_t(n))
	})
}

// MaxEarlyData returns SSL_SESSION_get_max_early_data; 0 on a freed handle.
func (s *Session) MaxEarlyData() uint32 {
	return get(s, 0, func(p *C.SSL_SESSION) uint32 {
		return uint32(c_SSL_SESSION_get_max_early_data(p))
	})
}

// SetALPNSelected sets the ALPN protocol the session was made with
// (SSL_SESSION_set1_alpn_selected, which copies it); "" clears it. Early
// data with a PSK session is accepted only when the handshake selects the
// same protocol.
func (s *Session) SetALPNSelected(proto string) error {
	b := []byte(proto)
	return use(s, func(p *C.SSL_SESSION) error {
		return c_sess_set1_alpn_selected(p, bytesPtr(b), C.int(len(b)))
	})
}

// ALPNSelected returns the session's ALPN protocol
// (SSL_SESSION_get0_alpn_selected, copied); "" when it has none.
func (s *Session) ALPNSelected() string {
	return get(s, "", func(p *C.SSL_SESSION) string {
		return string(copyOut(func(buf *C.uchar, n C.int) C.int { return c_sess_alpn_selected(p, buf, n) }))
	})
}

// PSKUseSessionCallback gives a TLS 1.3 client's external PSK as a session
// (SSL_psk_use_session_cb_func): the identity to send and a session with
// at least the key (SetMasterKey), a TLS 1.3 cipher (SetCipher) and
// ProtocolVersion TLS1_3. md is "" on the first ClientHello; after a
// HelloRetryRequest libssl asks again with the short name of the digest
// the server chose ("SHA256", "SHA384"), and a session whose cipher's
// HandshakeDigest differs must not be returned.
//
// ok true with a nil sess offers no PSK; ok false fails the handshake
// (libssl's internal_error alert, "bad psk"), and so do a freed sess and
// an empty identity with a session, each with an error entry naming the
// mistake. The returned sess stays the callback's to keep or Free: libssl
// gets a reference of its own (see this file's comment). s is valid
// during the call only. A panic in the callback fails the handshake and is
// raised again by the method that ran it.
type PSKUseSessionCallback func(s *SSL, md string) (identity []byte, sess *Session, ok bool)

// PSKFindSessionCallback finds a TLS 1.3 server's external PSK for an
// identity the client offered (SSL_psk_find_session_cb_func): ok true with
// a session that has the key, a TLS 1.3 cipher and ProtocolVersion TLS1_3;
// ok true with a nil sess for an unknown identity (libssl then tries the
// identity as a session ticket, then the next identity, and with none left
// makes a full handshake, with the certificate if it has one); ok false
// fails the handshake (internal_error alert), and so does a freed sess,
// with an error entry that says so. Ownership and panics as
// PSKUseSessionCallback.
type PSKFindSessionCallback func(s *SSL, identity []byte) (sess *Session, ok bool)

// SetPSKUseSessionCallback sets or, with nil, removes the context's TLS 1.3
// client PSK callback (SSL_CTX_set_psk_use_session_callback). As libssl
// copies it into each SSL at SSL_new, an SSL runs the callback its context
// had when it was made, or the one SSL.SetPSKUseSessionCallback gave it.
func (c *Ctx) SetPSKUseSessionCallback(cb PSKUseSessionCallback) error {
	return c.setCallback(cbPSKUseSess, cb, cb != nil, 0)
}

// SetPSKFindSessionCallback sets or, with nil, removes the context's TLS
// 1.3 server PSK callback (SSL_CTX_set_psk_find_session_callback); copied
// into SSLs at SSL_new as SetPSKUseSessionCallback.
func (c *Ctx) SetPSKFindSessionCallback(cb PSKFindSessionCallback) error {
	return c.setCallback(cbPSKFindSess, cb, cb != nil, 0)
}

// SetPSKUseSessionCallback sets or, with nil, removes the SSL's own TLS 1.3
// client PSK callback (SSL_set_psk_use_session_callback), in place of the
// one it took from its context.
func (s *SSL) SetPSKUseSessionCallback(cb PSKUseSessionCallback) error {
	return s.setCallback(cbPSKUseSess, cb, cb != nil, 0)
}

// SetPSKFindSessionCallback sets or, with nil, removes the SSL's own TLS 1.3
// server PSK callback (SSL_set_psk_find_session_callback).
func (s *SSL) SetPSKFindSessionCallback(cb PSKFindSessionCallback) error {
	return s.setCallback(cbPSKFindSess, cb, cb != nil, 0)
}

// What the Go callbacks tell the trampolines (shim_psk.c): 1 success, 0
// failure, and failures whose reason goes on the error queue.
const (
	pskOK            = 1
	pskFail          = 0
	pskFreedSession  = -1
	pskEmptyIdentity = -2
)

// errPSKFreed is what giveSession reports for a freed handle.
var errPSKFreed = errors.New("freed session")

// giveSession takes a reference on sess for libssl (SSL_SESSION_up_ref)
// and stores it in *out.
func giveSession(sess *Session, out **C.SSL_SESSION) error {
	err := use(sess, func(p *C.SSL_SESSION) error {
		if err := c_SSL_SESSION_up_ref(p); err != nil {
			return err
		}
		*out = p
		return nil
	})
	if errors.Is(err, ErrFreed) {
		return errPSKFreed
	}
	return err
}

//export libsslGoPSKUseSession
func libsslGoPSKUseSession(h C.uintptr_t, s *C.SSL, md *C.char, id **C.uchar, idlen *C.size_t, out **C.SSL_SESSION) C.int {
	return callSSLCallback(h, s, C.int(pskOK), C.int(pskFail), func(cb PSKUseSessionCallback, ssl *SSL) C.int {
		mdName := ""
		if md != nil {
			mdName = C.GoString(md)
		}
		identity, sess, ok := cb(ssl, mdName)
		switch {
		case !ok:
			return pskFail
		case sess == nil:
			return pskOK
		case len(identity) == 0:
			return pskEmptyIdentity
		}
		if err := giveSession(sess, out); err != nil {
			if err == errPSKFreed {
				return pskFreedSession
			}
			return pskFail
		}
		// The trampoline keeps this copy until libssl has copied it.
		*id = (*C.uchar)(C.CBytes(identity))
		*idlen = C.size_t(len(identity))
		return pskOK
	})
}

//export libsslGoPSKFindSession
func libsslGoPSKFindSession(h C.uintptr_t, s *C.SSL, id *C.uchar, idlen C.size_t, out **C.SSL_SESSION) C.int {
	return callSSLCallback(h, s, C.int(pskOK), C.int(pskFail), func(cb PSKFindSessionCallback, ssl *SSL) C.int {
		identity := C.GoBytes(unsafe.Pointer(id), C.int(idlen))
		sess, ok := cb(ssl, identity)
		switch {
		case !ok:
			return pskFail
		case sess == nil:
			return pskOK
		}
		if err := giveSession(sess, out); err != nil {
			if err == errPSKFreed {
				return pskFreedSession
			}
			return pskFail
		}
		return pskOK
	})
}
