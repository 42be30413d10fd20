package libssl

// This file: what a session ticket carries beyond the session
// (SSL_SESSION_set1_ticket_appdata, SSL_SESSION_get0_ticket_appdata,
// SSL_SESSION_has_ticket), and the server's callbacks around tickets
// (SSL_CTX_set_session_ticket_cb, and a Go ticket key callback in front of
// the keys of SetTicketKeys).

/*
#include "shim.h"
*/
import "C"

import "runtime/cgo"

// SetTicketAppData sets the application data a server puts into the
// session's ticket (SSL_SESSION_set1_ticket_appdata: libssl copies b). An
// empty b removes it.
func (sess *Session) SetTicketAppData(b []byte) error {
	return use(sess, func(p *C.SSL_SESSION) error {
		if len(b) > maxIO {
			return errInput("SSL_SESSION_set1_ticket_appdata", "data too long")
		}
		return c_sess_set1_ticket_appdata(p, bytesPtr(b), C.int(len(b)))
	})
}

// TicketAppData returns a copy of the session's ticket application data
// (SSL_SESSION_get0_ticket_appdata): what the generate callback set, or on
// a resumed server session what the ticket carried. nil when there is
// none or the handle is freed.
func (sess *Session) TicketAppData() []byte {
	return get(sess, nil, func(p *C.SSL_SESSION) []byte {
		return copyOut(func(buf *C.uchar, cap C.int) C.int { return c_sess_ticket_appdata(p, buf, cap) })
	})
}

// HasTicket reports whether the session holds a ticket
// (SSL_SESSION_has_ticket); false on a freed handle.
func (sess *Session) HasTicket() bool {
	return get(sess, false, func(p *C.SSL_SESSION) bool { return c_SSL_SESSION_has_ticket(p) == 1 })
}

// TicketStatus is what libssl found in a ticket a client offered
// (SSL_TICKET_*), passed to the decrypt callback of SetSessionTicketCallback.
type TicketStatus int

// The ticket statuses.
const (
	TicketFatalErrMalloc TicketStatus = C.SSL_TICKET_FATAL_ERR_MALLOC
	TicketFatalErrOther  TicketStatus = C.SSL_TICKET_FATAL_ERR_OTHER
	TicketNone           TicketStatus = C.SSL_TICKET_NONE          // no ticket
	TicketEmpty          TicketStatus = C.SSL_TICKET_EMPTY         // an empty ticket
	TicketNoDecrypt      TicketStatus = C.SSL_TICKET_NO_DECRYPT    // not decrypted (unknown key, bad HMAC)
	TicketSuccess        TicketStatus = C.SSL_TICKET_SUCCESS       // decrypted
	TicketSuccessRenew   TicketStatus = C.SSL_TICKET_SUCCESS_RENEW // decrypted, and a new one should be sent
)

// TicketReturn is a decrypt callback's verdict (SSL_TICKET_RETURN_*).
type TicketReturn int

// The decrypt callback's verdicts: fail the handshake; do not use the
// ticket (and send a new one: Renew); use the session it holds (and send a
// new one).
const (
	TicketReturnAbort       TicketReturn = C.SSL_TICKET_RETURN_ABORT
	TicketReturnIgnore      TicketReturn = C.SSL_TICKET_RETURN_IGNORE
	TicketReturnIgnoreRenew TicketReturn = C.SSL_TICKET_RETURN_IGNORE_RENEW
	TicketReturnUse         TicketReturn = C.SSL_TICKET_RETURN_USE
	TicketReturnUseRenew    TicketReturn = C.SSL_TICKET_RETURN_USE_RENEW
)

// The types of the callbacks SetSessionTicketCallback keeps in the registry.
type (
	ticketGenFunc func(s *SSL) error
	ticketDecFunc func(s *SSL, sess *Session, status TicketStatus) TicketReturn
)

// SetSessionTicketCallback sets or, with nil, removes a server's session
// ticket callbacks (SSL_CTX_set_session_ticket_cb), each on its own.
//
// gen runs before the server makes a ticket; it typically sets the ticket's
// application data on s.Session(). A non-nil error makes libssl fail the
// handshake. dec runs when a client offered a ticket, with what libssl
// found (status) and, for TicketSuccess and TicketSuccessRenew, the
// session it holds (else nil); its verdict decides what libssl does. s and
// sess are valid during the call only (UpRef to keep them). As in libssl,
// the callbacks of the context an SSL was made from (its session context)
// run, also after SSL_set_SSL_CTX. A panic in either fails the handshake
// and is raised again by the method that ran the handshake.
func (c *Ctx) SetSessionTicketCallback(gen func(s *SSL) error, dec func(s *SSL, sess *Session, status TicketStatus) TicketReturn) error {
	if err := c.setCallback(cbTicketGen, ticketGenFunc(gen), gen != nil, 0); err != nil {
		return err
	}
	return c.setCallback(cbTicketDec, ticketDecFunc(dec), dec != nil, 0)
}

//export libsslGoTicketGen
func libsslGoTicketGen(h C.uintptr_t, s *C.SSL) (res C.int) {
	cb, _ := cgo.Handle(h).Value().(ticketGenFunc)
	if cb == nil {
		return 1
	}
	ssl := borrowedSSL(s)
	if ssl == nil {
		return 0
	}
	defer ssl.Free()
	defer func() {
		if p := recover(); p != nil {
			keepPanic(p)
			res = 0
		}
	}()
	if cb(ssl) != nil {
		return 0
	}
	return 1
}

//export libsslGoTicketDec
func libsslGoTicketDec(h C.uintptr_t, s *C.SSL, sess *C.SSL_SESSION, status C.int) (res C.int) {
	cb, _ := cgo.Handle(h).Value().(ticketDecFunc)
	if cb == nil {
		return C.SSL_TICKET_RETURN_ABORT
	}
	ssl := borrowedSSL(s)
	if ssl == nil {
		return C.SSL_TICKET_RETURN_ABORT
	}
	defer ssl.Free()
	var hs *Session
	if sess != nil {
		if hs = borrowedSession(sess); hs == nil {
			return C.SSL_TICKET_RETURN_ABORT
		}
		defer hs.Free()
	}
	defer func() {
		if p := recover(); p != nil {
			keepPanic(p)
			res = C.SSL_TICKET_RETURN_ABORT
		}
	}()
	return C.int(cb(ssl, hs, TicketStatus(status)))
}

// TicketKeyAction is a ticket key callback's verdict.
type TicketKeyAction int

// The ticket key callback's verdicts, as the C ticket key callback
// returns them: decline (encrypting: send no ticket; decrypting: the
// ticket is not used, a full handshake follows), fail the handshake, or let
// the keys of SetTicketKeys encrypt or decrypt the ticket.
const (
	TicketKeyDecline TicketKeyAction = 0
	TicketKeyFail    TicketKeyAction = -1
	TicketKeyUseKeys TicketKeyAction = 1
)

// TicketKeyCallback runs, on a server, each time a ticket is to be
// encrypted (encrypt true) or decrypted; s is valid during the call only.
type TicketKeyCallback func(s *SSL, encrypt bool) TicketKeyAction

// SetTicketKeyCallback sets or, with nil, removes the context's ticket key
// callback (SSL_CTX_set_tlsext_ticket_key_evp_cb on OpenSSL 3.0 and later,
// SSL_CTX_set_tlsext_ticket_key_cb on 1.1.1, with a callback written in C
// that asks cb first). TicketKeyUseKeys goes on with the keys SetTicketKeys
// gave the context; without keys, encrypting then fails and decrypting
// declines. As in libssl, the callback of the context an SSL was made from
// (its session context) runs, also after SSL_set_SSL_CTX. A verdict other
// than the three constants counts as TicketKeyFail; so does a panic, which
// is raised again by the method that ran the handshake.
func (c *Ctx) SetTicketKeyCallback(cb TicketKeyCallback) error {
	return c.setCallback(cbTicketKey, cb, cb != nil, 0)
}

//export libsslGoTicketKey
func libsslGoTicketKey(h C.uintptr_t, s *C.SSL, enc C.int) (res C.int) {
	cb, _ := cgo.Handle(h).Value().(TicketKeyCallback)
	if cb == nil {
		return 1
	}
	ssl := borrowedSSL(s)
	if ssl == nil {
		return -1
	}
	defer ssl.Free()
	defer func() {
		if p := recover(); p != nil {
			keepPanic(p)
			res = -1
		}
	}()
	switch a := cb(ssl, enc != 0); a {
	case TicketKeyDecline, TicketKeyFail, TicketKeyUseKeys:
		return C.int(a)
	}
	return -1
}
