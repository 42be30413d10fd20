package libssl

// This file: verification settings and trust anchors of an SSL_CTX.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"
import (
	"unsafe"
)

// VerifyMode returns SSL_CTX_get_verify_mode; 0 on a freed handle.
func (c *Ctx) VerifyMode() VerifyMode {
	return get(c, 0, func(p *C.SSL_CTX) VerifyMode {
		return VerifyMode(c_SSL_CTX_get_verify_mode(p))
	})
}

// HasVerifyCallback reports whether SSL_CTX_get_verify_callback is non-NULL.
func (c *Ctx) HasVerifyCallback() bool {
	return get(c, false, func(p *C.SSL_CTX) bool {
		return c_ctx_has_verify_cb(p) != 0
	})
}

// SetVerifyDepth sets SSL_CTX_set_verify_depth.
func (c *Ctx) SetVerifyDepth(depth int) error {
	return use(c, func(p *C.SSL_CTX) error {
		c_SSL_CTX_set_verify_depth(p, C.int(depth))
		return nil
	})
}

// VerifyDepth returns SSL_CTX_get_verify_depth; 0 on a freed handle.
func (c *Ctx) VerifyDepth() int {
	return get(c, 0, func(p *C.SSL_CTX) int {
		return int(c_SSL_CTX_get_verify_depth(p))
	})
}

// LoadVerifyLocations adds trusted certificates from a PEM file and/or a
// hashed directory (SSL_CTX_load_verify_locations); "" means none.
func (c *Ctx) LoadVerifyLocations(file, dir string) error {
	var cf, cd *C.char
	if file != "" {
		cf = C.CString(file)
		defer C.free(unsafe.Pointer(cf))
	}
	if dir != "" {
		cd = C.CString(dir)
		defer C.free(unsafe.Pointer(cd))
	}
	return use(c, func(p *C.SSL_CTX) error {
		return c_SSL_CTX_load_verify_locations(p, cf, cd)
	})
}

// SetDefaultVerifyPaths trusts the system's default CA locations
// (SSL_CTX_set_default_verify_paths).
func (c *Ctx) SetDefaultVerifyPaths() error {
	return use(c, func(p *C.SSL_CTX) error {
		return c_SSL_CTX_set_default_verify_paths(p)
	})
}

// AddTrustedCertPEM adds every certificate in pem to the context's trust
// store (X509_STORE_add_cert on SSL_CTX_get_cert_store). A certificate that
// cannot be read, anywhere in pem, fails the call with the PEM or ASN.1
// error; the certificates before it stay added.
func (c *Ctx) AddTrustedCertPEM(pem []byte) error {
	return use(c, func(p *C.SSL_CTX) error {
		if len(pem) == 0 {
			return &Error{Op: "X509_STORE_add_cert", internal: "empty PEM input"}
		}
		b, n := pemArgs(pem)
		_, err := c_ctx_add_ca_pem(p, b, n)
		return err
	})
}
