package libssl

// This file: session ticket keys kept by the SSL_CTX in C memory
// (SSL_CTX_set_tlsext_ticket_key_evp_cb on OpenSSL 3.0 and later,
// SSL_CTX_set_tlsext_ticket_key_cb on 1.1.1, with a C callback).

/*
#include "shim.h"
*/
import "C"

import "unsafe"

// TicketKey is one session ticket key: the name a ticket carries, the
// AES-128-CBC key that encrypts it and the HMAC-SHA256 key that
// authenticates it (the layout of the key callback's example in
// SSL_CTX_set_tlsext_ticket_key_cb(3)).
type TicketKey struct {
	Name    [16]byte
	AESKey  [16]byte
	HMACKey [32]byte
}

// MaxTicketKeys is how many keys SetTicketKeys accepts.
const MaxTicketKeys = 16

// SetTicketKeys gives the context the keys of its session tickets: keys[0]
// encrypts new tickets, and a ticket made with any of keys is accepted (one
// made with a key other than keys[0] is renewed: the server sends a new
// ticket). A ticket whose key is not in keys is ignored: the handshake is a
// full one, without error. The keys are copied into C memory that the
// SSL_CTX owns and wipes when it is destroyed; a call replaces them while
// handshakes run (a key rotation). An empty keys removes them, and libssl
// uses its own random keys again. As in libssl, the keys of the context an
// SSL was made from (its session context) are used, also after
// SSL_set_SSL_CTX.
func (c *Ctx) SetTicketKeys(keys []TicketKey) error {
	if len(keys) > MaxTicketKeys {
		return &Error{Op: "SSL_CTX_set_tlsext_ticket_key_evp_cb", internal: "more than MaxTicketKeys keys"}
	}
	return use(c, func(p *C.SSL_CTX) error {
		if C.sizeof_lsh_ticket_key != int(unsafe.Sizeof(TicketKey{})) {
			return &Error{Op: "SSL_CTX_set_tlsext_ticket_key_evp_cb", internal: "ticket key layout mismatch"}
		}
		var ptr *C.uchar
		if len(keys) > 0 {
			ptr = (*C.uchar)(unsafe.Pointer(&keys[0]))
		}
		return c_ctx_set_ticket_keys(p, ptr, C.int(len(keys)))
	})
}

// TicketKeyCount returns how many keys SetTicketKeys gave the context.
func (c *Ctx) TicketKeyCount() int {
	return get(c, 0, func(p *C.SSL_CTX) int { return int(c_ctx_ticket_key_count(p)) })
}
