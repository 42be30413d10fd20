package libssl

/*
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"time"
	"unsafe"
)

// Session is an owned reference to an SSL_SESSION.
type Session struct {
	r ref
}

func wrapSession(p *C.SSL_SESSION) *Session {
	s := &Session{}
	own(s, &s.r, unsafe.Pointer(p), kindSession)
	return s
}

func (s *Session) ptr() *C.SSL_SESSION {
	if s == nil {
		return nil
	}
	return (*C.SSL_SESSION)(s.r.get())
}

// SetSession mirrors SSL_set_session: the SSL will offer sess for resumption
// at its next handshake. The SSL takes a reference of its own, so the caller
// keeps sess and frees it as usual. nil passes NULL, which drops the SSL's
// session and its reference. If the SSL's current session is open, libssl
// removes it from the cache and marks it non-resumable. libssl does not check
// where sess came from: a session from another context fails later, at the
// handshake ("attempt to reuse session in different context").
func (s *SSL) SetSession(sess *Session) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	var sp *C.SSL_SESSION
	if sess != nil {
		if sp = sess.ptr(); sp == nil {
			return ErrFreed
		}
	}
	r := C.ls_ssl_set_session(p, sp)
	runtime.KeepAlive(s)
	runtime.KeepAlive(sess)
	return result("SSL_set_session", r, r.ret != 1)
}

// Session returns the SSL's current session (SSL_get1_session) as a new owned
// handle, or nil when there is none. The reference outlives the SSL.
func (s *SSL) Session() *Session {
	p := s.ptr()
	if p == nil {
		return nil
	}
	sp := C.ls_ssl_get1_session(p)
	runtime.KeepAlive(s)
	if sp == nil {
		return nil
	}
	return wrapSession(sp)
}

// HasSession reports whether SSL_get_session is non-NULL, without taking a
// reference.
func (s *SSL) HasSession() bool {
	p := s.ptr()
	if p == nil {
		return false
	}
	b := C.ls_ssl_get0_session(p) != nil
	runtime.KeepAlive(s)
	return b
}

// SessionIs reports whether the SSL's current session (SSL_get_session) is
// the object sess refers to.
func (s *SSL) SessionIs(sess *Session) bool {
	p, sp := s.ptr(), sess.ptr()
	if p == nil || sp == nil {
		return false
	}
	b := C.ls_ssl_get0_session(p) == sp
	runtime.KeepAlive(s)
	runtime.KeepAlive(sess)
	return b
}

// SessionReused returns SSL_session_reused: the last handshake resumed a
// session. False on a freed handle.
func (s *SSL) SessionReused() bool {
	p := s.ptr()
	if p == nil {
		return false
	}
	b := C.SSL_session_reused(p) != 0
	runtime.KeepAlive(s)
	return b
}

// UnmarshalSessionDER decodes a session from DER (d2i_SSL_SESSION) into a
// new owned handle. Input with bytes after the session is rejected.
func UnmarshalSessionDER(der []byte) (*Session, error) {
	if initErr != nil {
		return nil, initErr
	}
	if len(der) == 0 {
		return nil, &Error{Op: "d2i_SSL_SESSION", internal: "empty input"}
	}
	r := C.ls_sess_d2i((*C.uchar)(unsafe.Pointer(&der[0])), C.long(len(der)))
	runtime.KeepAlive(der)
	if err := result("d2i_SSL_SESSION", r, r.ptr == nil); err != nil {
		return nil, err
	}
	s := wrapSession((*C.SSL_SESSION)(r.ptr))
	if int(r.ret) != len(der) {
		s.Free()
		return nil, &Error{Op: "d2i_SSL_SESSION", internal: "trailing bytes after the session"}
	}
	return s, nil
}

// Free releases the handle's reference (SSL_SESSION_free). It is idempotent.
func (s *Session) Free() {
	if s == nil {
		return
	}
	if p := s.r.release(); p != nil {
		C.ls_sess_free((*C.SSL_SESSION)(p))
	}
}

// UpRef returns a new owned handle on the same session (SSL_SESSION_up_ref).
func (s *Session) UpRef() (*Session, error) {
	p := s.ptr()
	if p == nil {
		return nil, ErrFreed
	}
	ok := C.ls_sess_up_ref(p)
	runtime.KeepAlive(s)
	if ok != 1 {
		return nil, &Error{Op: "SSL_SESSION_up_ref", internal: "failed"}
	}
	return wrapSession(p), nil
}

// SameObject reports whether s and o are handles on the same SSL_SESSION.
func (s *Session) SameObject(o *Session) bool {
	a, b := s.ptr(), o.ptr()
	return a != nil && a == b
}

// MarshalDER encodes the session (i2d_SSL_SESSION).
func (s *Session) MarshalDER() ([]byte, error) {
	p := s.ptr()
	if p == nil {
		return nil, ErrFreed
	}
	defer runtime.KeepAlive(s)
	n := C.ls_sess_i2d_len(p)
	if n <= 0 {
		return nil, &Error{Op: "i2d_SSL_SESSION", Ret: int64(n), internal: "encoding failed"}
	}
	buf := make([]byte, int(n))
	if m := C.ls_sess_i2d(p, (*C.uchar)(unsafe.Pointer(&buf[0])), n); m != n {
		return nil, &Error{Op: "i2d_SSL_SESSION", Ret: int64(m), internal: "encoding failed"}
	}
	return buf, nil
}

// IsResumable returns SSL_SESSION_is_resumable; false on a freed handle.
func (s *Session) IsResumable() bool {
	p := s.ptr()
	if p == nil {
		return false
	}
	b := C.SSL_SESSION_is_resumable(p) != 0
	runtime.KeepAlive(s)
	return b
}

// ID returns the session id (SSL_SESSION_get_id); empty for a TLS 1.3
// session that the server identified by its ticket alone.
func (s *Session) ID() []byte {
	p := s.ptr()
	if p == nil {
		return nil
	}
	var buf [C.SSL_MAX_SSL_SESSION_ID_LENGTH]byte
	n := C.ls_sess_get_id(p, (*C.uchar)(unsafe.Pointer(&buf[0])), C.int(len(buf)))
	runtime.KeepAlive(s)
	return append([]byte{}, buf[:n]...)
}

// IDContext returns SSL_SESSION_get0_id_context.
func (s *Session) IDContext() []byte {
	p := s.ptr()
	if p == nil {
		return nil
	}
	var buf [C.SSL_MAX_SID_CTX_LENGTH]byte
	n := C.ls_sess_get_sid_ctx(p, (*C.uchar)(unsafe.Pointer(&buf[0])), C.int(len(buf)))
	runtime.KeepAlive(s)
	return append([]byte{}, buf[:n]...)
}

// SetIDContext sets SSL_SESSION_set1_id_context (at most 32 bytes).
func (s *Session) SetIDContext(id []byte) error {
	p := s.ptr()
	if p == nil {
		return ErrFreed
	}
	var ptr *C.uchar
	if len(id) > 0 {
		ptr = (*C.uchar)(unsafe.Pointer(&id[0]))
	}
	r := C.ls_sess_set_sid_ctx(p, ptr, C.int(len(id)))
	runtime.KeepAlive(id)
	runtime.KeepAlive(s)
	return result("SSL_SESSION_set1_id_context", r, r.ret != 1)
}

// ProtocolVersion returns SSL_SESSION_get_protocol_version; 0 on a freed
// handle.
func (s *Session) ProtocolVersion() ProtocolVersion {
	p := s.ptr()
	if p == nil {
		return 0
	}
	v := ProtocolVersion(C.SSL_SESSION_get_protocol_version(p))
	runtime.KeepAlive(s)
	return v
}

// Time returns when the session was made (SSL_SESSION_get_time); the zero
// time on a freed handle.
func (s *Session) Time() time.Time {
	p := s.ptr()
	if p == nil {
		return time.Time{}
	}
	t := time.Unix(int64(C.SSL_SESSION_get_time(p)), 0)
	runtime.KeepAlive(s)
	return t
}

// Timeout returns the session's lifetime (SSL_SESSION_get_timeout); 0 on a
// freed handle.
func (s *Session) Timeout() time.Duration {
	p := s.ptr()
	if p == nil {
		return 0
	}
	d := time.Duration(C.SSL_SESSION_get_timeout(p)) * time.Second
	runtime.KeepAlive(s)
	return d
}

// HasPeerCertificate reports whether the session holds the peer's
// certificate (SSL_SESSION_get0_peer != NULL).
func (s *Session) HasPeerCertificate() bool {
	p := s.ptr()
	if p == nil {
		return false
	}
	b := C.SSL_SESSION_get0_peer(p) != nil
	runtime.KeepAlive(s)
	return b
}

// PeerCertificate returns the peer's certificate held by the session
// (SSL_SESSION_get0_peer), up-ref'd into an owned handle, or nil.
func (s *Session) PeerCertificate() *X509 {
	p := s.ptr()
	if p == nil {
		return nil
	}
	defer runtime.KeepAlive(s)
	x := C.SSL_SESSION_get0_peer(p)
	if x == nil || C.ls_x509_up_ref(x) != 1 {
		return nil
	}
	return wrapX509(x)
}
