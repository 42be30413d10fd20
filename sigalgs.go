package libssl

// This file: signature algorithm lists (SSL_CTX_set1_sigalgs_list and
// friends) and the signature algorithms a handshake used
// (SSL_get_signature_nid, SSL_get_signature_type_nid,
// SSL_get0_peer_signature_name, SSL_get_sigalgs, SSL_get_shared_sigalgs).
// The peer's digest and key type are in peerinfo.go.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

// SetSigalgsList sets the signature algorithms the context's connections
// offer and accept (SSL_CTX_set1_sigalgs_list), as a colon-separated list
// of TLS 1.3 scheme names ("ecdsa_secp256r1_sha256", "rsa_pss_rsae_sha256",
// "ed25519") or KEYTYPE+DIGEST pairs ("RSA+SHA256", "ECDSA+SHA512"). An
// unknown name fails. Nothing is owned or kept.
func (c *Ctx) SetSigalgsList(list string) error {
	return use(c, func(p *C.SSL_CTX) error {
		cs := C.CString(list)
		defer C.free(unsafe.Pointer(cs))
		return c_ctx_set1_sigalgs_list(p, cs)
	})
}

// SetSigalgsList sets this connection's signature algorithms
// (SSL_set1_sigalgs_list); see Ctx.SetSigalgsList.
func (s *SSL) SetSigalgsList(list string) error {
	return use(s, func(p *C.SSL) error {
		cs := C.CString(list)
		defer C.free(unsafe.Pointer(cs))
		return c_ssl_set1_sigalgs_list(p, cs)
	})
}

// SetClientSigalgsList sets the signature algorithms a server accepts for
// client certificates, sent in its CertificateRequest, or on a client
// those it may sign its certificate with (SSL_CTX_set1_client_sigalgs_list;
// syntax of SetSigalgsList). Nothing is owned or kept.
func (c *Ctx) SetClientSigalgsList(list string) error {
	return use(c, func(p *C.SSL_CTX) error {
		cs := C.CString(list)
		defer C.free(unsafe.Pointer(cs))
		return c_ctx_set1_client_sigalgs_list(p, cs)
	})
}

// SetClientSigalgsList sets this connection's client certificate signature
// algorithms (SSL_set1_client_sigalgs_list); see Ctx.SetClientSigalgsList.
func (s *SSL) SetClientSigalgsList(list string) error {
	return use(s, func(p *C.SSL) error {
		cs := C.CString(list)
		defer C.free(unsafe.Pointer(cs))
		return c_ssl_set1_client_sigalgs_list(p, cs)
	})
}

// SetSigalgs sets the context's signature algorithms as NID pairs, digest
// then key type: {NID_sha256, EVP_PKEY_RSA, NID_sha512, EVP_PKEY_EC}
// (SSL_CTX_set1_sigalgs). An odd length or an unknown pair fails. The
// list is copied.
func (c *Ctx) SetSigalgs(pairs []int) error {
	cn := cInts(pairs)
	return use(c, func(p *C.SSL_CTX) error { return c_ctx_set1_sigalgs(p, intsPtr(cn), C.int(len(cn))) })
}

// SetSigalgs sets this connection's signature algorithms as NID pairs
// (SSL_set1_sigalgs); see Ctx.SetSigalgs.
func (s *SSL) SetSigalgs(pairs []int) error {
	cn := cInts(pairs)
	return use(s, func(p *C.SSL) error { return c_ssl_set1_sigalgs(p, intsPtr(cn), C.int(len(cn))) })
}

// SignatureNID returns the NID of the digest this side signed its
// handshake with (SSL_get_signature_nid); ok is false when it did not sign
// (or the digest is implied, as for Ed25519) or the handle is freed.
func (s *SSL) SignatureNID() (int, bool) {
	return s.signatureNIDs(0)
}

// SignatureTypeNID returns the NID of the signature algorithm this side
// signed its handshake with (SSL_get_signature_type_nid: EVP_PKEY_RSA_PSS,
// EVP_PKEY_EC, NID_ED25519 ...); ok is false when it did not sign or the
// handle is freed.
func (s *SSL) SignatureTypeNID() (int, bool) {
	return s.signatureNIDs(1)
}

func (s *SSL) signatureNIDs(which int) (int, bool) {
	var out [2]C.int
	if get(s, false, func(p *C.SSL) bool { c_ssl_signature_nids(p, &out[0]); return true }) {
		return nidResult(out[which])
	}
	return 0, false
}

// PeerSignatureName returns the TLS name of the signature scheme the peer
// signed its handshake with (SSL_get0_peer_signature_name:
// "ecdsa_secp256r1_sha256", "rsa_pss_rsae_sha256"), "" when it did not
// sign. OpenSSL 3.5 and later: before, an error matching ErrUnsupported
// that says so.
func (s *SSL) PeerSignatureName() (string, error) {
	return s.signatureName(1)
}

// SignatureName returns the TLS name of the signature scheme this side
// signed its handshake with (SSL_get0_signature_name), "" when it did not
// sign; OpenSSL 3.5 and later, as PeerSignatureName.
func (s *SSL) SignatureName() (string, error) {
	return s.signatureName(0)
}

func (s *SSL) signatureName(peer int) (string, error) {
	var buf [64]byte
	err := use(s, func(p *C.SSL) error {
		return c_ssl_signature_name(p, C.int(peer), (*C.char)(unsafe.Pointer(&buf[0])), C.int(len(buf)))
	})
	if err != nil {
		return "", needsVersion(err, "3.5")
	}
	return C.GoString((*C.char)(unsafe.Pointer(&buf[0]))), nil
}

// needsVersion gives an ErrUnsupported the message that says which
// OpenSSL version has the call; other errors pass unchanged.
func needsVersion(err error, version string) error {
	if err != nil && errors.Is(err, ErrUnsupported) {
		return fmt.Errorf("%w: needs OpenSSL %s or newer (linked: %s)", err, version, RuntimeVersionText())
	}
	return err
}

// Sigalg is one signature algorithm of a list libssl keeps
// (SSL_get_sigalgs, SSL_get_shared_sigalgs).
type Sigalg struct {
	Sign     int    // the key type's NID (EVP_PKEY_RSA_PSS, EVP_PKEY_EC ...)
	Hash     int    // the digest's NID; 0 (NID_undef) where it is implied
	SignHash int    // the combined NID (NID_ecdsa_with_SHA256 ...), 0 when none
	Code     uint16 // the TLS SignatureScheme code point (0x0403 ...)
}

// PeerSigalgs returns the signature algorithms the peer offered in its
// signature_algorithms extension, in its order (SSL_get_sigalgs): on a
// server the client's list. nil before that extension arrived, and on a
// freed handle.
func (s *SSL) PeerSigalgs() []Sigalg { return s.sigalgs(0) }

// SharedSigalgs returns the signature algorithms both sides support, in
// this side's order of preference (SSL_get_shared_sigalgs). nil when there
// are none or the handle is freed.
func (s *SSL) SharedSigalgs() []Sigalg { return s.sigalgs(1) }

func (s *SSL) sigalgs(shared int) []Sigalg {
	return get(s, nil, func(p *C.SSL) []Sigalg {
		var out [4]C.int
		// Index 0 answers the length too (SSL_get_shared_sigalgs
		// refuses -1).
		n := int(c_ssl_sigalg(p, C.int(shared), 0, &out[0]))
		if n <= 0 {
			return nil
		}
		list := make([]Sigalg, 0, n)
		for i := 0; i < n; i++ {
			if c_ssl_sigalg(p, C.int(shared), C.int(i), &out[0]) <= 0 {
				break
			}
			list = append(list, Sigalg{Sign: int(out[0]), Hash: int(out[1]), SignHash: int(out[2]), Code: uint16(out[3])})
		}
		return list
	})
}
