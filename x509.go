package libssl

// This file: X509 certificates and EVP_PKEY keys.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"
import (
	"unsafe"
)

// X509 is an owned reference to an OpenSSL X509 certificate.
type X509 struct {
	r ref
	_ [x509Weight]byte // see "Weight" in memory.go
}

// wrapX509 takes ownership of one reference on p.
func wrapX509(p *C.X509) *X509 {
	x := &X509{}
	own(x, unsafe.Pointer(p), kindX509)
	return x
}

// ParseX509PEM reads the first certificate of pem (PEM_read_bio_X509) into a
// new owned handle.
func ParseX509PEM(pem []byte) (*X509, error) {
	if initErr != nil {
		return nil, initErr
	}
	if len(pem) == 0 {
		return nil, &Error{Op: "PEM_read_bio_X509", internal: "empty input"}
	}
	b, n := pemArgs(pem)
	p, err := c_x509_from_pem(b, n)
	if err != nil {
		return nil, err
	}
	return wrapX509(p), nil
}

// Free releases the handle's reference (X509_free). It is idempotent.
func (x *X509) Free() {
	if x == nil {
		return
	}
	if p := x.r.release(); p != nil {
		c_X509_free((*C.X509)(p))
	}
}

// UpRef returns a new owned handle on the same certificate (X509_up_ref).
func (x *X509) UpRef() (*X509, error) {
	return use2(x, func(p *C.X509) (*X509, error) {
		if err := c_X509_up_ref(p); err != nil {
			return nil, err
		}
		return wrapX509(p), nil
	})
}

func (x *X509) ptr() *C.X509 { return (*C.X509)(refp(x).get()) }

// SameObject reports whether x and o are handles on the same X509 object.
// Nil and freed handles are never the same object.
func (x *X509) SameObject(o *X509) bool {
	a, b := x.ptr(), o.ptr()
	return a != nil && a == b
}

// Equal reports whether the certificates are equal (X509_cmp == 0).
func (x *X509) Equal(o *X509) bool {
	return get(x, false, func(a *C.X509) bool {
		return get(o, false, func(b *C.X509) bool { return c_X509_cmp(a, b) == 0 })
	})
}

// DER returns the certificate's DER encoding (i2d_X509).
func (x *X509) DER() ([]byte, error) {
	return use2(x, func(p *C.X509) ([]byte, error) {
		n, err := c_x509_i2d(p, nil, 0)
		if err != nil {
			return nil, err
		}
		buf := make([]byte, n)
		m, err := c_x509_i2d(p, bytesPtr(buf), C.int(n))
		if err != nil {
			return nil, err
		}
		if m != n {
			return nil, &Error{Op: "i2d_X509", Ret: int64(m), internal: "the encoding changed length between two calls"}
		}
		return buf, nil
	})
}

// PKey is an owned reference to an OpenSSL EVP_PKEY.
type PKey struct {
	r ref
	_ [pkeyWeight]byte // see "Weight" in memory.go
}

func wrapPKey(p *C.EVP_PKEY) *PKey {
	k := &PKey{}
	own(k, unsafe.Pointer(p), kindPKey)
	return k
}

// Free releases the handle's reference (EVP_PKEY_free). It is idempotent.
func (k *PKey) Free() {
	if k == nil {
		return
	}
	if p := k.r.release(); p != nil {
		c_EVP_PKEY_free((*C.EVP_PKEY)(p))
	}
}

func (k *PKey) ptr() *C.EVP_PKEY { return (*C.EVP_PKEY)(refp(k).get()) }

// SameObject reports whether k and o are handles on the same EVP_PKEY.
func (k *PKey) SameObject(o *PKey) bool {
	a, b := k.ptr(), o.ptr()
	return a != nil && a == b
}
