package libssl

// This file: the SSL_SESSION handle, SSL_set_session, SSL_get1_session and DER.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"
import (
	"time"
	"unsafe"
)

// Session is an owned reference to an SSL_SESSION.
type Session struct {
	r ref
}

// weightedSession is the allocation behind a handle whose call made the
// session (d2i_SSL_SESSION, SSL_SESSION_dup): see "Weight" in memory.go.
type weightedSession struct {
	Session
	_ [sessionWeight]byte
}

func wrapSession(p *C.SSL_SESSION) *Session {
	w := &weightedSession{}
	s := &w.Session
	own(s, unsafe.Pointer(p), kindSession)
	return s
}

// wrapSessionRef owns one more reference on a session that exists already
// (SSL_get1_session, SSL_SESSION_up_ref).
func wrapSessionRef(p *C.SSL_SESSION) *Session {
	s := &Session{}
	own(s, unsafe.Pointer(p), kindSession)
	return s
}

func (s *Session) ptr() *C.SSL_SESSION { return (*C.SSL_SESSION)(refp(s).get()) }

// SetSession mirrors SSL_set_session: the SSL will offer sess for resumption
// at its next handshake. The SSL takes a reference of its own, so the caller
// keeps sess and frees it as usual. nil passes NULL, which drops the SSL's
// session and its reference. If the SSL's current session is open, libssl
// removes it from the cache and marks it non-resumable. libssl does not check
// where sess came from: a session from another context fails later, at the
// handshake ("attempt to reuse session in different context").
func (s *SSL) SetSession(sess *Session) error {
	if sess == nil {
		return use(s, func(p *C.SSL) error {
			err := c_SSL_set_session(p, nil)
			return err
		})
	}
	return use(s, func(p *C.SSL) error {
		return use(sess, func(sp *C.SSL_SESSION) error {
			err := c_SSL_set_session(p, sp)
			return err
		})
	})
}

// Session returns the SSL's current session (SSL_get1_session) as a new owned
// handle, or nil when there is none. The reference outlives the SSL.
func (s *SSL) Session() *Session {
	return get(s, nil, func(p *C.SSL) *Session {
		sp, err := c_SSL_get1_session(p)
		if err != nil || sp == nil {
			return nil
		}
		return wrapSessionRef(sp)
	})
}

// HasSession reports whether SSL_get_session is non-NULL, without taking a
// reference.
func (s *SSL) HasSession() bool {
	return get(s, false, func(p *C.SSL) bool {
		return c_SSL_get_session(p) != nil
	})
}

// SessionIs reports whether the SSL's current session (SSL_get_session) is
// the object sess refers to.
func (s *SSL) SessionIs(sess *Session) bool {
	return get(s, false, func(p *C.SSL) bool {
		return get(sess, false, func(sp *C.SSL_SESSION) bool { return c_SSL_get_session(p) == sp })
	})
}

// SessionReused returns SSL_session_reused: the last handshake resumed a
// session. False on a freed handle.
func (s *SSL) SessionReused() bool {
	return get(s, false, func(p *C.SSL) bool {
		return c_SSL_session_reused(p) != 0
	})
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
	var used C.long
	p, err := c_sess_d2i(bytesPtr(der), C.long(len(der)), &used)
	if err != nil {
		return nil, err
	}
	s := wrapSession(p)
	if int(used) != len(der) {
		s.Free()
		return nil, &Error{Op: "d2i_SSL_SESSION", internal: "trailing bytes after the session"}
	}
	return s, nil
}

// Free releases the handle's reference (SSL_SESSION_free). It is idempotent,
// and on a nil handle it does what SSL_SESSION_free(NULL) does: nothing.
func (s *Session) Free() {
	if s == nil {
		c_SSL_SESSION_free(nil)
		return
	}
	if p := s.r.release(); p != nil {
		c_SSL_SESSION_free((*C.SSL_SESSION)(p))
	}
}

// UpRef returns a new owned handle on the same session (SSL_SESSION_up_ref).
func (s *Session) UpRef() (*Session, error) {
	return use2(s, func(p *C.SSL_SESSION) (*Session, error) {
		if err := c_SSL_SESSION_up_ref(p); err != nil {
			return nil, err
		}
		return wrapSessionRef(p), nil
	})
}

// SameObject reports whether s and o are handles on the same SSL_SESSION.
func (s *Session) SameObject(o *Session) bool {
	a, b := s.ptr(), o.ptr()
	return a != nil && a == b
}

// MarshalDER encodes the session (i2d_SSL_SESSION).
func (s *Session) MarshalDER() ([]byte, error) {
	return use2(s, func(p *C.SSL_SESSION) ([]byte, error) {
		// Most sessions fit a stack buffer: one call encodes twice (length,
		// then bytes) as C does, where asking the length first and then
		// encoding into an exact buffer would encode three times.
		var stack [4096]byte
		n, err := c_sess_i2d(p, (*C.uchar)(&stack[0]), C.int(len(stack)))
		if err != nil {
			return nil, err
		}
		if n <= len(stack) {
			return append([]byte(nil), stack[:n]...), nil
		}
		buf := make([]byte, n)
		m, err := c_sess_i2d(p, bytesPtr(buf), C.int(n))
		if err != nil {
			return nil, err
		}
		if m != n {
			return nil, &Error{Op: "i2d_SSL_SESSION", Ret: int64(m), internal: "the encoding changed length between two calls"}
		}
		return buf, nil
	})
}

// IsResumable returns SSL_SESSION_is_resumable; false on a freed handle.
func (s *Session) IsResumable() bool {
	return get(s, false, func(p *C.SSL_SESSION) bool {
		return c_SSL_SESSION_is_resumable(p) != 0
	})
}

// ID returns the session id (SSL_SESSION_get_id); empty for a TLS 1.3
// session that the server identified by its ticket alone.
func (s *Session) ID() []byte {
	return get(s, nil, func(p *C.SSL_SESSION) []byte {
		var buf [C.SSL_MAX_SSL_SESSION_ID_LENGTH]byte
		n := c_sess_get_id(p, (*C.uchar)(unsafe.Pointer(&buf[0])), C.int(len(buf)))
		return append([]byte{}, buf[:n]...)
	})
}

// IDContext returns SSL_SESSION_get0_id_context.
func (s *Session) IDContext() []byte {
	return get(s, nil, func(p *C.SSL_SESSION) []byte {
		var buf [C.SSL_MAX_SID_CTX_LENGTH]byte
		n := c_sess_get_sid_ctx(p, (*C.uchar)(unsafe.Pointer(&buf[0])), C.int(len(buf)))
		return append([]byte{}, buf[:n]...)
	})
}

// SetIDContext sets SSL_SESSION_set1_id_context (at most 32 bytes).
func (s *Session) SetIDContext(id []byte) error {
	var ptr *C.uchar
	if len(id) > 0 {
		ptr = (*C.uchar)(unsafe.Pointer(&id[0]))
	}
	return use(s, func(p *C.SSL_SESSION) error {
		return c_SSL_SESSION_set1_id_context(p, ptr, C.uint(len(id)))
	})
}

// ProtocolVersion returns SSL_SESSION_get_protocol_version; 0 on a freed
// handle.
func (s *Session) ProtocolVersion() ProtocolVersion {
	return get(s, 0, func(p *C.SSL_SESSION) ProtocolVersion {
		return ProtocolVersion(c_SSL_SESSION_get_protocol_version(p))
	})
}

// Time returns when the session was made (SSL_SESSION_get_time); the zero
// time on a freed handle.
func (s *Session) Time() time.Time {
	return get(s, time.Time{}, func(p *C.SSL_SESSION) time.Time {
		return time.Unix(int64(c_sess_get_time(p)), 0)
	})
}

// Timeout returns the session's lifetime (SSL_SESSION_get_timeout); 0 on a
// freed handle.
func (s *Session) Timeout() time.Duration {
	return get(s, 0, func(p *C.SSL_SESSION) time.Duration {
		return time.Duration(c_SSL_SESSION_get_timeout(p)) * time.Second
	})
}

// HasPeerCertificate reports whether the session holds the peer's
// certificate (SSL_SESSION_get0_peer != NULL).
func (s *Session) HasPeerCertificate() bool {
	return get(s, false, func(p *C.SSL_SESSION) bool {
		return c_SSL_SESSION_get0_peer(p) != nil
	})
}

// PeerCertificate returns the peer's certificate held by the session
// (SSL_SESSION_get0_peer), up-ref'd (X509_up_ref) into an owned handle, or nil.
func (s *Session) PeerCertificate() *X509 {
	return get(s, nil, func(p *C.SSL_SESSION) *X509 {
		x := c_SSL_SESSION_get0_peer(p)
		if x == nil || c_X509_up_ref(x) != nil {
			return nil
		}
		return wrapX509(x)
	})
}

// Dup returns a deep copy of the session (SSL_SESSION_dup) as a new owned
// handle; the copy is a distinct object with its own reference count.
func (s *Session) Dup() (*Session, error) {
	return use2(s, func(p *C.SSL_SESSION) (*Session, error) {
		d, err := c_SSL_SESSION_dup(p)
		if err != nil {
			return nil, err
		}
		return wrapSession(d), nil
	})
}

// SetTime sets when the session was made (SSL_SESSION_set_time_ex on
// 3.3 and later, SSL_SESSION_set_time before), to the second.
func (s *Session) SetTime(t time.Time) error {
	return use(s, func(p *C.SSL_SESSION) error { return c_sess_set_time(p, C.int64_t(t.Unix())) })
}

// SetTimeout sets the session's lifetime (SSL_SESSION_set_timeout), to the
// second.
func (s *Session) SetTimeout(d time.Duration) error {
	return use(s, func(p *C.SSL_SESSION) error { return c_sess_set_timeout(p, C.long(d/time.Second)) })
}

// NewSession makes an empty session (SSL_SESSION_new) as a new owned
// handle: no id, no master key, so not resumable until filled in by
// libssl (a handshake) or by the Set* methods.
func NewSession() (*Session, error) {
	p, err := c_SSL_SESSION_new()
	if err != nil {
		return nil, err
	}
	return wrapSession(p), nil
}
