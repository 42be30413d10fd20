package libssl

// This file: LoadStore, certificates and private keys loaded by URI through
// OSSL_STORE (file:, plain paths, pkcs11:, any store a provider offers).

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// StoreOptions are the settings of LoadStore.
type StoreOptions struct {
	// LibCtx is the library context the store and the objects it loads
	// live in (nil: the default context). Each loaded object holds a
	// reference on it.
	LibCtx *LibCtx
	// Properties is the property query the store's fetches use ("": none).
	Properties string
	// PIN is the pass phrase of an encrypted key or the PIN of a token,
	// given to the store's UI when it asks. The binding copies it into C
	// memory for the load and cleanses the copy afterwards. With no PIN the
	// UI refuses: the store never prompts on a terminal or reads stdin.
	PIN []byte
}

// StoreObjects are the objects a store held, in the order it gave them:
// owned handles that the caller frees (Free frees them all).
type StoreObjects struct {
	Certificates []*X509
	PrivateKeys  []*PKey
}

// Free frees every handle of o (X509_free, EVP_PKEY_free). It is
// idempotent.
func (o *StoreObjects) Free() {
	if o == nil {
		return
	}
	for _, x := range o.Certificates {
		x.Free()
	}
	for _, k := range o.PrivateKeys {
		k.Free()
	}
}

// LoadStore opens uri (OSSL_STORE_open_ex) and loads every object to the
// end (OSSL_STORE_load), keeping the certificates (OSSL_STORE_INFO_get1_CERT)
// and private keys (OSSL_STORE_INFO_get1_PKEY) as owned handles; objects of
// other kinds (parameters, public keys, CRLs, names) are skipped. uri is a
// file: URI, a plain path, or a URI of any store a loaded provider offers
// (pkcs11:). A store that fails to open or reports an error on a load
// (a wrong PIN, a damaged file) gives an *Error with its queue and no
// objects; so does one that held neither a certificate nor a key (Op
// OSSL_STORE_load). On 1.1.1 it returns an error matching ErrUnsupported.
func LoadStore(uri string, opts *StoreOptions) (*StoreObjects, error) {
	if initErr != nil {
		return nil, initErr
	}
	if opts == nil {
		opts = &StoreOptions{}
	}
	var objs *StoreObjects
	err := opts.LibCtx.with(func(rec unsafe.Pointer) error {
		cu := C.CString(uri)
		defer C.free(unsafe.Pointer(cu))
		var cq *C.char
		if opts.Properties != "" {
			cq = C.CString(opts.Properties)
			defer C.free(unsafe.Pointer(cq))
		}
		var pin *C.char
		if opts.PIN != nil {
			// Passed for the call only (lsh_store_open copies it), with
			// its length: no NUL-terminated Go copy of the PIN is made.
			b := opts.PIN
			if len(b) == 0 {
				b = []byte{0}
			}
			pin = (*C.char)(unsafe.Pointer(&b[0]))
		}
		st, err := c_store_open(rec, cu, cq, pin, C.int(len(opts.PIN)))
		if err != nil {
			return err
		}
		defer c_store_close(st)
		o := &StoreObjects{}
		for {
			var obj unsafe.Pointer
			kind, err := c_store_next(st, &obj)
			if err != nil {
				o.Free()
				return err
			}
			switch kind {
			case 0:
				if len(o.Certificates) == 0 && len(o.PrivateKeys) == 0 {
					return &Error{Op: "OSSL_STORE_load", internal: "no certificate or private key found at " + uri}
				}
				objs = o
				return nil
			case 1:
				o.Certificates = append(o.Certificates, wrapX509((*C.X509)(obj)))
			case 2:
				o.PrivateKeys = append(o.PrivateKeys, wrapPKey((*C.EVP_PKEY)(obj)))
			}
		}
	})
	runtime.KeepAlive(opts)
	return objs, needsOpenSSL3(err)
}
