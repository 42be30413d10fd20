package libssl

// This file: what a finished handshake tells about the peer's keys and
// signatures (SSL_get_peer_tmp_key, SSL_get_peer_signature_nid,
// SSL_get_peer_signature_type_nid), the type and subject of a certificate,
// object names (OBJ_*), and whether compression is on
// (SSL_get_current_compression).

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import "unsafe"

// PeerTmpKeyType returns the type of the peer's temporary (key exchange)
// key (SSL_get_peer_tmp_key, whose reference is released at once): the
// curve's NID for an EC key, else the key's EVP_PKEY id (NID_X25519,
// NID_dhKeyAgreement ...). ok is false when there is none: no handshake,
// a key exchange without one (RSA, PSK), or a freed handle (nid is then 0).
func (s *SSL) PeerTmpKeyType() (nid int, ok bool) {
	return nidResult(get(s, C.int(-1), func(p *C.SSL) C.int { return c_ssl_peer_tmp_key_type(p) }))
}

// PeerSignatureNID returns the NID of the digest the peer signed its
// handshake with (SSL_get_peer_signature_nid); ok is false (and the NID 0)
// when it did not sign or the handle is freed.
func (s *SSL) PeerSignatureNID() (int, bool) {
	return nidResult(get(s, C.int(-1), func(p *C.SSL) C.int { return c_ssl_peer_signature_nid(p) }))
}

// PeerSignatureTypeNID returns the NID of the peer's signature algorithm
// (SSL_get_peer_signature_type_nid: EVP_PKEY_RSA_PSS, EVP_PKEY_EC ...); ok
// is false (and the NID 0) when it did not sign or the handle is freed.
func (s *SSL) PeerSignatureTypeNID() (int, bool) {
	return nidResult(get(s, C.int(-1), func(p *C.SSL) C.int { return c_ssl_peer_signature_type_nid(p) }))
}

// nidResult turns a helper's NID, -1 for none, into (nid, ok): (0, false)
// for none.
func nidResult(n C.int) (int, bool) {
	if n < 0 {
		return 0, false
	}
	return int(n), true
}

// PublicKeyType returns the type of the certificate's public key
// (X509_get0_pubkey, borrowed): the curve's NID for an EC key, else the
// key's EVP_PKEY id. 0 (NID_undef) when there is no key or the handle is
// freed.
func (x *X509) PublicKeyType() int {
	return get(x, 0, func(p *C.X509) int { return int(c_x509_pubkey_type(p)) })
}

// SubjectNameDER returns the DER encoding of the certificate's subject
// (i2d_X509_NAME of X509_get_subject_name), a new Go copy.
func (x *X509) SubjectNameDER() ([]byte, error) {
	return use2(x, func(p *C.X509) ([]byte, error) {
		n, err := c_x509_subject_der(p, nil, 0)
		if err != nil {
			return nil, err
		}
		buf := make([]byte, n)
		m, err := c_x509_subject_der(p, bytesPtr(buf), C.int(n))
		if err != nil {
			return nil, err
		}
		if m != n {
			return nil, &Error{Op: "i2d_X509_NAME", Ret: int64(m), internal: "the encoding changed length between two calls"}
		}
		return buf, nil
	})
}

// ObjectNID returns the NID of an object name: a short name (OBJ_sn2nid,
// "prime256v1", "SHA256", "RSA"), else a long name (OBJ_ln2nid), else a NIST
// curve name (EC_curve_nist2nid, "P-256"). 0 (NID_undef) when none knows it,
// and for a name with a NUL byte.
func ObjectNID(name string) int {
	if initErr != nil || name == "" {
		return 0
	}
	for i := 0; i < len(name); i++ {
		if name[i] == 0 {
			return 0
		}
	}
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	return int(c_obj_nid(cs))
}

// ObjectShortName returns the short name of a NID (OBJ_nid2sn, a static
// string copied into Go), "" when the NID is unknown.
func ObjectShortName(nid int) string {
	if initErr != nil || nid < 0 || nid > 1<<30 {
		return ""
	}
	return goString(c_OBJ_nid2sn(C.int(nid)))
}

// CompressionActive reports whether the connection compresses its records
// (SSL_get_current_compression != NULL). False on a build without
// compression, before a handshake, and on a freed handle.
func (s *SSL) CompressionActive() bool {
	return get(s, false, func(p *C.SSL) bool { return c_ssl_compression_active(p) == 1 })
}
