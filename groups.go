package libssl

// This file: key exchange groups.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import "unsafe"

// SetGroupsList sets the key exchange groups the context offers or accepts,
// most preferred first, as a colon-separated list of OpenSSL names such as
// "X25519:P-256:P-384" (SSL_CTX_set1_groups_list).
func (c *Ctx) SetGroupsList(list string) error {
	return use(c, func(p *C.SSL_CTX) error {
		cs := C.CString(list)
		defer C.free(unsafe.Pointer(cs))
		return c_ctx_set1_groups_list(p, cs)
	})
}

// NegotiatedGroup returns the group of the handshake's key exchange, as the
// NID and short name of OpenSSL's object table ("X25519", "prime256v1",
// "secp384r1"), read from the ephemeral key (SSL_get_peer_tmp_key on a
// client, SSL_get_tmp_key on a server): 0 and "" when there was no key
// exchange (a TLS 1.2 resumption) or no handshake. From 3.0 on, a TLS 1.3
// group whose key has no NID of its own or cannot be read (X25519MLKEM768,
// which 3.5's default groups put first) is named by SSL_group_to_name, in
// its TLS spelling, with the value SSL_get_negotiated_group returns.
func (s *SSL) NegotiatedGroup() (nid int, name string) {
	get(s, 0, func(p *C.SSL) int {
		buf := make([]byte, 64)
		nid = int(c_ssl_group_name(p, (*C.char)(unsafe.Pointer(&buf[0])), C.int(len(buf))))
		name = C.GoString((*C.char)(unsafe.Pointer(&buf[0])))
		return 0
	})
	return nid, name
}
