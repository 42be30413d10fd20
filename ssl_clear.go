package libssl

// This file: SSL_clear.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

// Clear resets the SSL for a new connection with the same settings
// (SSL_clear). It keeps the BIOs, options, verify settings, the SSL's own
// cipher list, SNI, ex_data, role and context; it resets the handshake state,
// the shutdown flags and the reuse flag, and drops buffered unread
// application data. The method goes back to the context's (since 1.1.1).
//
// If the connection's session is open (SSL_SENT_SHUTDOWN not set, and not
// merely set-but-unused or mid-handshake), libssl removes it from the cache
// and marks it non-resumable for every holder. Call Shutdown first to keep it
// resumable. While a renegotiation is pending, libssl returns 0 and Clear
// returns its error (ERR_R_INTERNAL_ERROR), having already dropped the
// session.
func (s *SSL) Clear() error {
	return use(s, func(p *C.SSL) error {
		return c_SSL_clear(p)
	})
}
