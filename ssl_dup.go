package libssl

// This file: SSL_dup and object identity.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

// Dup mirrors SSL_dup and always returns a new handle that owns one
// reference. On an SSL in its initial state (no handshake step has run)
// libssl makes a distinct object that copies part of the configuration;
// once any handshake step has run, even a failed or unfinished one, libssl
// returns the same object with one more reference. Use SameObject to tell the
// cases apart; either way the new handle must be freed on its own.
//
// What SSL_dup copies is a subset of the settings: not the BIOs, the SNI host
// name, quiet shutdown or the number of TLS 1.3 tickets (see Settings).
func (s *SSL) Dup() (*SSL, error) {
	return use2(s, func(p *C.SSL) (*SSL, error) {
		d, err := c_SSL_dup(p)
		if err != nil {
			return nil, err
		}
		if d == p {
			return wrapSSLRef(d), nil
		}
		return wrapSSL(d), nil
	})
}

// SameObject reports whether s and o are handles on the same native SSL (as
// after UpRef, or Dup of an SSL whose handshake has started). Nil and freed
// handles are never the same object.
func (s *SSL) SameObject(o *SSL) bool {
	a, b := s.ptr(), o.ptr()
	return a != nil && a == b
}
