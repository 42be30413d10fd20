package libssl

// This file: key exchange groups.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"unsafe"
)

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

// SetGroupsList sets the key exchange groups this connection offers or
// accepts, overriding its context's (SSL_set1_groups_list), in the syntax
// of Ctx.SetGroupsList. Nothing is owned or kept.
func (s *SSL) SetGroupsList(list string) error {
	return use(s, func(p *C.SSL) error {
		cs := C.CString(list)
		defer C.free(unsafe.Pointer(cs))
		return c_ssl_set1_groups_list(p, cs)
	})
}

// SetGroups sets the context's key exchange groups by NID, most preferred
// first (SSL_CTX_set1_groups): NIDs from ObjectNID ("prime256v1",
// "X25519", "ffdhe2048"). An empty list is an error. The list is copied.
func (c *Ctx) SetGroups(nids []int) error {
	cn := cInts(nids)
	return use(c, func(p *C.SSL_CTX) error { return c_ctx_set1_groups(p, intsPtr(cn), C.int(len(cn))) })
}

// SetGroups sets this connection's key exchange groups by NID
// (SSL_set1_groups); see Ctx.SetGroups.
func (s *SSL) SetGroups(nids []int) error {
	cn := cInts(nids)
	return use(s, func(p *C.SSL) error { return c_ssl_set1_groups(p, intsPtr(cn), C.int(len(cn))) })
}

// SharedGroup returns the n-th group (from 0) both sides support, in the
// server's order of preference, as SSL_get_shared_group(s, n) answers it:
// a NID (or, from 3.0, TLSEXT_nid_unknown | the TLS id for a group
// without one); 0 when there is no such group, on a client (libssl keeps
// shared groups on servers only) and on a freed handle.
func (s *SSL) SharedGroup(n int) int {
	if n < 0 {
		return 0
	}
	return get(s, 0, func(p *C.SSL) int { return int(c_ssl_get_shared_group(p, C.int(n))) })
}

// SharedGroupCount returns the number of groups both sides support
// (SSL_get_shared_group(s, -1)); 0 on a client or a freed handle.
func (s *SSL) SharedGroupCount() int {
	return get(s, 0, func(p *C.SSL) int { return int(c_ssl_get_shared_group(p, -1)) })
}

// GroupName returns the TLS name of a group given as SSL_get_negotiated_group
// or SSL_get_shared_group give it (SSL_group_to_name: "secp256r1",
// "x25519", "ffdhe2048", "X25519MLKEM768"): "" for an unknown group. Before
// OpenSSL 3.0, which lacks the call, it returns an error matching
// ErrUnsupported.
func (s *SSL) GroupName(id int) (string, error) {
	var buf [64]byte
	r := C.int(0)
	err := use(s, func(p *C.SSL) error {
		r = c_ssl_group_to_name(p, C.int(id), (*C.char)(unsafe.Pointer(&buf[0])), C.int(len(buf)))
		return nil
	})
	if err != nil {
		return "", err
	}
	if r < 0 {
		return "", needsOpenSSL3(fmt.Errorf("SSL_group_to_name: %w", ErrUnsupported))
	}
	return C.GoString((*C.char)(unsafe.Pointer(&buf[0]))), nil
}

// cInts copies a Go int slice into C ints; nil for an empty one.
func cInts(v []int) []C.int {
	if len(v) == 0 {
		return nil
	}
	out := make([]C.int, len(v))
	for i, x := range v {
		out[i] = C.int(x)
	}
	return out
}

// intsPtr is the address of the first element, nil for an empty slice.
func intsPtr(v []C.int) *C.int {
	if len(v) == 0 {
		return nil
	}
	return &v[0]
}
