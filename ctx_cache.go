package libssl

// This file: the session cache of an SSL_CTX.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"
import (
	"time"
	"unsafe"
)

// SetSessionIDContext sets SSL_CTX_set_session_id_context (at most 32 bytes).
func (c *Ctx) SetSessionIDContext(id []byte) error {
	var ptr *C.uchar
	if len(id) > 0 {
		ptr = (*C.uchar)(unsafe.Pointer(&id[0]))
	}
	return use(c, func(p *C.SSL_CTX) error {
		return c_SSL_CTX_set_session_id_context(p, ptr, C.uint(len(id)))
	})
}

// SetSessionCacheMode sets SSL_CTX_set_session_cache_mode.
func (c *Ctx) SetSessionCacheMode(m SessionCacheMode) error {
	return use(c, func(p *C.SSL_CTX) error {
		c_ctx_set_cache_mode(p, C.long(m))
		return nil
	})
}

// SessionCacheMode returns SSL_CTX_get_session_cache_mode; 0 on a freed handle.
func (c *Ctx) SessionCacheMode() SessionCacheMode {
	return get(c, 0, func(p *C.SSL_CTX) SessionCacheMode {
		return SessionCacheMode(c_ctx_get_cache_mode(p))
	})
}

// SetSessionCacheSize sets SSL_CTX_sess_set_cache_size (0: unlimited).
func (c *Ctx) SetSessionCacheSize(n int) error {
	return use(c, func(p *C.SSL_CTX) error {
		c_ctx_set_cache_size(p, C.long(n))
		return nil
	})
}

// SessionCacheSize returns SSL_CTX_sess_get_cache_size; 0 on a freed handle.
func (c *Ctx) SessionCacheSize() int {
	return get(c, 0, func(p *C.SSL_CTX) int {
		return int(c_ctx_get_cache_size(p))
	})
}

// SetTimeout sets the lifetime of new sessions (SSL_CTX_set_timeout), in
// whole seconds.
func (c *Ctx) SetTimeout(d time.Duration) error {
	return use(c, func(p *C.SSL_CTX) error {
		c_SSL_CTX_set_timeout(p, C.long(d/time.Second))
		return nil
	})
}

// Timeout returns SSL_CTX_get_timeout; 0 on a freed handle.
func (c *Ctx) Timeout() time.Duration {
	return get(c, 0, func(p *C.SSL_CTX) time.Duration {
		return time.Duration(c_SSL_CTX_get_timeout(p)) * time.Second
	})
}

// SessionStats are the SSL_CTX_sess_* counters of a context.
type SessionStats struct {
	Number             int // SSL_CTX_sess_number: sessions in the internal cache
	Connect            int // SSL_CTX_sess_connect
	ConnectGood        int // SSL_CTX_sess_connect_good
	ConnectRenegotiate int // SSL_CTX_sess_connect_renegotiate
	Accept             int // SSL_CTX_sess_accept
	AcceptGood         int // SSL_CTX_sess_accept_good
	AcceptRenegotiate  int // SSL_CTX_sess_accept_renegotiate
	Hits               int // SSL_CTX_sess_hits
	CbHits             int // SSL_CTX_sess_cb_hits
	Misses             int // SSL_CTX_sess_misses
	Timeouts           int // SSL_CTX_sess_timeouts
	CacheFull          int // SSL_CTX_sess_cache_full
}

// SessionStats returns the context's session cache counters
// (SSL_CTX_sess_number, SSL_CTX_sess_connect, ... SSL_CTX_sess_cache_full).
func (c *Ctx) SessionStats() SessionStats {
	return get(c, SessionStats{}, func(p *C.SSL_CTX) SessionStats {
		g := func(i int) int { return int(c_ctx_sess_stat(p, C.int(i))) }
		return SessionStats{Number: g(0), Connect: g(1), ConnectGood: g(2), ConnectRenegotiate: g(3),
			Accept: g(4), AcceptGood: g(5), AcceptRenegotiate: g(6), Hits: g(7), CbHits: g(8),
			Misses: g(9), Timeouts: g(10), CacheFull: g(11)}
	})
}

// CachedSessions returns SSL_CTX_sess_number, the size of the internal cache.
func (c *Ctx) CachedSessions() int {
	return get(c, 0, func(p *C.SSL_CTX) int {
		return int(c_ctx_sess_stat(p, 0))
	})
}

// AddSession adds s to the context's internal cache (SSL_CTX_add_session),
// which takes its own reference. A full cache drops its oldest session,
// which runs the remove-session callback: a panic in it is raised again
// here, as in RemoveSession, FlushSessions and Free.
func (c *Ctx) AddSession(s *Session) error {
	return use(c, func(p *C.SSL_CTX) error {
		return use(s, func(sp *C.SSL_SESSION) error {
			return c_SSL_CTX_add_session(p, sp)
		})
	})
}

// RemoveSession removes s from the internal cache (SSL_CTX_remove_session)
// and reports whether it was there. A panic in the remove-session callback
// it runs is raised again here.
func (c *Ctx) RemoveSession(s *Session) bool {
	return get(c, false, func(p *C.SSL_CTX) bool {
		return get(s, false, func(sp *C.SSL_SESSION) bool {
			return c_SSL_CTX_remove_session(p, sp) == 1
		})
	})
}

// FlushSessions removes the sessions that have expired at t from the
// internal cache (SSL_CTX_flush_sessions). A panic in the remove-session
// callback it runs is raised again here.
func (c *Ctx) FlushSessions(t time.Time) error {
	return use(c, func(p *C.SSL_CTX) error {
		c_ctx_flush_sessions(p, C.long(t.Unix()))
		return nil
	})
}
