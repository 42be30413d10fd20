package libssl

// This file: the state of an SSL: role, version, handshake progress, shutdown state, renegotiation.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

// SetConnectState makes the SSL a client (SSL_set_connect_state).
func (s *SSL) SetConnectState() error {
	return use(s, func(p *C.SSL) error {
		c_SSL_set_connect_state(p)
		return nil
	})
}

// SetAcceptState makes the SSL a server (SSL_set_accept_state).
func (s *SSL) SetAcceptState() error {
	return use(s, func(p *C.SSL) error {
		c_SSL_set_accept_state(p)
		return nil
	})
}

// IsServer returns SSL_is_server; false on a freed handle.
func (s *SSL) IsServer() bool {
	return get(s, false, func(p *C.SSL) bool {
		return c_SSL_is_server(p) != 0
	})
}

// Version returns SSL_version: the negotiated version, or before a handshake
// the highest the method supports (TLS1_3_VERSION); 0 on a freed handle.
func (s *SSL) Version() ProtocolVersion {
	return get(s, 0, func(p *C.SSL) ProtocolVersion {
		return ProtocolVersion(c_SSL_version(p))
	})
}

// InInit returns SSL_in_init; false on a freed handle.
func (s *SSL) InInit() bool {
	return get(s, false, func(p *C.SSL) bool {
		return c_SSL_in_init(p) != 0
	})
}

// InBefore returns SSL_in_before: no handshake step has run; false on a
// freed handle.
func (s *SSL) InBefore() bool {
	return get(s, false, func(p *C.SSL) bool {
		return c_SSL_in_before(p) != 0
	})
}

// IsInitFinished returns SSL_is_init_finished; false on a freed handle.
func (s *SSL) IsInitFinished() bool {
	return get(s, false, func(p *C.SSL) bool {
		return c_SSL_is_init_finished(p) != 0
	})
}

// ShutdownState returns SSL_get_shutdown: SentShutdown and/or
// ReceivedShutdown; 0 on a freed handle.
func (s *SSL) ShutdownState() ShutdownState {
	return get(s, 0, func(p *C.SSL) ShutdownState {
		return ShutdownState(c_SSL_get_shutdown(p))
	})
}

// SetShutdownState sets SSL_set_shutdown. Setting SentShutdown marks the
// session as properly closed, so that freeing or clearing the SSL keeps it
// resumable.
func (s *SSL) SetShutdownState(st ShutdownState) error {
	return use(s, func(p *C.SSL) error {
		c_SSL_set_shutdown(p, C.int(st))
		return nil
	})
}

// SetQuietShutdown sets SSL_set_quiet_shutdown: Shutdown then only sets the
// flags and sends nothing.
func (s *SSL) SetQuietShutdown(on bool) error {
	return use(s, func(p *C.SSL) error {
		c_SSL_set_quiet_shutdown(p, cbool(on))
		return nil
	})
}

// QuietShutdown returns SSL_get_quiet_shutdown; false on a freed handle.
func (s *SSL) QuietShutdown() bool {
	return get(s, false, func(p *C.SSL) bool {
		return c_SSL_get_quiet_shutdown(p) != 0
	})
}

// Renegotiate schedules a TLS 1.2 renegotiation (SSL_renegotiate).
func (s *SSL) Renegotiate() error {
	return use(s, func(p *C.SSL) error {
		return c_SSL_renegotiate(p)
	})
}

// RenegotiatePending returns SSL_renegotiate_pending.
func (s *SSL) RenegotiatePending() bool {
	return get(s, false, func(p *C.SSL) bool {
		return c_SSL_renegotiate_pending(p) != 0
	})
}

// KeyUpdate schedules a TLS 1.3 key update (SSL_key_update): the SSL sends a
// KeyUpdate message at its next write (or Handshake). With requestPeer the
// message asks the peer to update its own keys too
// (SSL_KEY_UPDATE_REQUESTED), else SSL_KEY_UPDATE_NOT_REQUESTED. It fails on
// a TLS 1.2 connection and while a handshake is in progress.
func (s *SSL) KeyUpdate(requestPeer bool) error {
	t := C.int(C.SSL_KEY_UPDATE_NOT_REQUESTED)
	if requestPeer {
		t = C.SSL_KEY_UPDATE_REQUESTED
	}
	return use(s, func(p *C.SSL) error { return c_SSL_key_update(p, t) })
}

// KeyUpdateType returns SSL_get_key_update_type: KeyUpdateNone when no
// update is pending (and on a freed handle), else the type scheduled.
func (s *SSL) KeyUpdateType() KeyUpdateType {
	return get(s, KeyUpdateNone, func(p *C.SSL) KeyUpdateType { return KeyUpdateType(c_SSL_get_key_update_type(p)) })
}

// KeyUpdateType is an SSL_KEY_UPDATE_* value.
type KeyUpdateType int

// The key update types (SSL_KEY_UPDATE_NONE, _NOT_REQUESTED, _REQUESTED).
const (
	KeyUpdateNone         KeyUpdateType = C.SSL_KEY_UPDATE_NONE
	KeyUpdateNotRequested KeyUpdateType = C.SSL_KEY_UPDATE_NOT_REQUESTED
	KeyUpdateRequested    KeyUpdateType = C.SSL_KEY_UPDATE_REQUESTED
)

// SetPostHandshakeAuth says whether this TLS 1.3 client offers
// post-handshake authentication (SSL_set_post_handshake_auth).
func (s *SSL) SetPostHandshakeAuth(on bool) error {
	return use(s, func(p *C.SSL) error { c_SSL_set_post_handshake_auth(p, cbool(on)); return nil })
}

// SetPostHandshakeAuth says whether clients made from the context offer
// TLS 1.3 post-handshake authentication (SSL_CTX_set_post_handshake_auth).
func (c *Ctx) SetPostHandshakeAuth(on bool) error {
	return use(c, func(p *C.SSL_CTX) error { c_SSL_CTX_set_post_handshake_auth(p, cbool(on)); return nil })
}

// VerifyClientPostHandshake makes a TLS 1.3 server request the client's
// certificate after the handshake (SSL_verify_client_post_handshake); the
// request goes out with the next write or Handshake. It fails when the client
// did not offer post-handshake authentication.
func (s *SSL) VerifyClientPostHandshake() error {
	return use(s, func(p *C.SSL) error { return c_SSL_verify_client_post_handshake(p) })
}

// StateString returns SSL_state_string_long: libssl's description of the
// handshake state, e.g. "SSL negotiation finished successfully"; "" on a
// freed handle.
func (s *SSL) StateString() string {
	return get(s, "", func(p *C.SSL) string { return goString(c_SSL_state_string_long(p)) })
}

// StateStringShort returns SSL_state_string: the six-letter code of the
// handshake state, e.g. "SSLOK "; "" on a freed handle.
func (s *SSL) StateStringShort() string {
	return get(s, "", func(p *C.SSL) string { return goString(c_SSL_state_string(p)) })
}

// HasPending returns SSL_has_pending: whether the SSL holds bytes read from
// the transport and not yet given out, processed into records (Pending) or
// not (a partial record, or read-ahead data). False on a freed handle.
func (s *SSL) HasPending() bool {
	return get(s, false, func(p *C.SSL) bool { return c_SSL_has_pending(p) == 1 })
}

// NewSessionTicket asks a TLS 1.3 server to send one more session ticket
// (SSL_new_session_ticket, OpenSSL 3.0+): at the end of the handshake when
// called before it completes, else with the next Write or Handshake call.
// On 1.1.1 it returns an error matching ErrUnsupported.
func (s *SSL) NewSessionTicket() error {
	return use(s, func(p *C.SSL) error { return c_SSL_new_session_ticket(p) })
}
