package libssl

// This file: an SSL_CTX's certificate, chain and private key.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"
import (
	"unsafe"
)

func pemArgs(pem []byte) (*C.char, C.int) {
	if len(pem) == 0 {
		return nil, 0
	}
	return (*C.char)(unsafe.Pointer(&pem[0])), C.int(len(pem))
}

// UseCertificatePEM sets the context's certificate from PEM in memory: the
// first certificate is the leaf (SSL_CTX_use_certificate) and any that follow
// are its chain (SSL_CTX_set1_chain). The context takes its own references.
func (c *Ctx) UseCertificatePEM(pem []byte) error {
	return use(c, func(p *C.SSL_CTX) error {
		if len(pem) == 0 {
			return &Error{Op: "SSL_CTX_use_certificate", internal: "empty PEM input"}
		}
		b, n := pemArgs(pem)
		return c_ctx_use_cert_chain_pem(p, b, n)
	})
}

// UsePrivateKeyPEM sets the context's private key from unencrypted PEM in
// memory (SSL_CTX_use_PrivateKey).
func (c *Ctx) UsePrivateKeyPEM(pem []byte) error {
	return use(c, func(p *C.SSL_CTX) error {
		if len(pem) == 0 {
			return &Error{Op: "SSL_CTX_use_PrivateKey", internal: "empty PEM input"}
		}
		b, n := pemArgs(pem)
		return c_ctx_use_key_pem(p, b, n)
	})
}

// UseCertificateChainFile loads a leaf and its chain from a PEM file
// (SSL_CTX_use_certificate_chain_file).
func (c *Ctx) UseCertificateChainFile(path string) error {
	cs := C.CString(path)
	defer C.free(unsafe.Pointer(cs))
	return use(c, func(p *C.SSL_CTX) error {
		return c_SSL_CTX_use_certificate_chain_file(p, cs)
	})
}

// UsePrivateKeyFile loads the private key from a PEM file
// (SSL_CTX_use_PrivateKey_file with SSL_FILETYPE_PEM).
func (c *Ctx) UsePrivateKeyFile(path string) error {
	cs := C.CString(path)
	defer C.free(unsafe.Pointer(cs))
	return use(c, func(p *C.SSL_CTX) error {
		return c_SSL_CTX_use_PrivateKey_file(p, cs, C.SSL_FILETYPE_PEM)
	})
}

// CheckPrivateKey checks that the key matches the certificate
// (SSL_CTX_check_private_key).
func (c *Ctx) CheckPrivateKey() error {
	return use(c, func(p *C.SSL_CTX) error {
		return c_SSL_CTX_check_private_key(p)
	})
}

// UseCertificate sets the context's certificate from a parsed certificate
// (SSL_CTX_use_certificate), which takes a reference of its own: the caller
// keeps x and frees it as usual.
func (c *Ctx) UseCertificate(x *X509) error {
	return use(c, func(p *C.SSL_CTX) error {
		return use(x, func(xp *C.X509) error { return c_SSL_CTX_use_certificate(p, xp) })
	})
}

// UsePrivateKey sets the context's private key (SSL_CTX_use_PrivateKey),
// which takes a reference of its own on k.
func (c *Ctx) UsePrivateKey(k *PKey) error {
	return use(c, func(p *C.SSL_CTX) error {
		return use(k, func(kp *C.EVP_PKEY) error { return c_SSL_CTX_use_PrivateKey(p, kp) })
	})
}

// AddExtraChainCert appends x to the chain the context's servers send
// (SSL_CTX_add_extra_chain_cert). libssl takes over the reference it is
// given, so the package up-refs x for it first: the caller keeps x.
func (c *Ctx) AddExtraChainCert(x *X509) error {
	return use(c, func(p *C.SSL_CTX) error {
		return use(x, func(xp *C.X509) error { return c_ctx_add_extra_chain_cert(p, xp) })
	})
}
