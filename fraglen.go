package libssl

// This file: record sizes: the maximum fragment length extension (RFC
// 6066) and the largest record a side sends.

/*
#include "shim.h"
*/
import "C"

// The modes of SetTLSExtMaxFragmentLength (TLSEXT_max_fragment_length_*).
const (
	MaxFragmentLengthDisabled = C.TLSEXT_max_fragment_length_DISABLED // 0: no extension
	MaxFragmentLength512      = C.TLSEXT_max_fragment_length_512      // 1
	MaxFragmentLength1024     = C.TLSEXT_max_fragment_length_1024     // 2
	MaxFragmentLength2048     = C.TLSEXT_max_fragment_length_2048     // 3
	MaxFragmentLength4096     = C.TLSEXT_max_fragment_length_4096     // 4
)

// SetTLSExtMaxFragmentLength makes a client ask for a maximum fragment
// length (SSL_CTX_set_tlsext_max_fragment_length): mode 0 (off) or 1..4
// for 512, 1024, 2048 and 4096 bytes. Any other mode is an error.
func (c *Ctx) SetTLSExtMaxFragmentLength(mode int) error {
	return use(c, func(p *C.SSL_CTX) error {
		if mode < MaxFragmentLengthDisabled || mode > MaxFragmentLength4096 {
			return errInput("SSL_CTX_set_tlsext_max_fragment_length", "mode must be 0 (off) or 1 to 4")
		}
		return c_ctx_set_max_fragment_length(p, C.int(mode))
	})
}

// MaxFragmentLength returns the maximum fragment length mode the session
// agreed on (SSL_SESSION_get_max_fragment_length): 0 for none, 1..4 as in
// SetTLSExtMaxFragmentLength. 0 on a freed handle.
func (sess *Session) MaxFragmentLength() int {
	return get(sess, 0, func(p *C.SSL_SESSION) int { return int(c_sess_max_fragment_length(p)) })
}

// SetMaxSendFragment sets the largest record plaintext the context's
// connections send (SSL_CTX_set_max_send_fragment): 512 to 16384 bytes;
// anything else is an error.
func (c *Ctx) SetMaxSendFragment(n int) error {
	return use(c, func(p *C.SSL_CTX) error {
		if n < 512 || n > 16384 {
			return errInput("SSL_CTX_set_max_send_fragment", "the size must be 512 to 16384 bytes")
		}
		return c_ctx_set_max_send_fragment(p, C.long(n))
	})
}
