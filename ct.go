package libssl

// This file: Certificate Transparency on a client (RFC 6962 SCTs).

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"strings"
	"unsafe"
)

// EnableCT makes the context's clients validate the server's signed
// certificate timestamps (SSL_CTX_enable_ct): strict
// (SSL_CT_VALIDATION_STRICT) fails a handshake without a valid SCT,
// permissive (SSL_CT_VALIDATION_PERMISSIVE) does not. The clients also need
// the trusted logs (SetCTLogListFile). A build without CT gives
// ErrUnsupported.
func (c *Ctx) EnableCT(strict bool) error {
	return use(c, func(p *C.SSL_CTX) error {
		if !featureCT.built() {
			return unsupported("SSL_CTX_enable_ct")
		}
		return c_ctx_enable_ct(p, cbool(strict))
	})
}

// SetCTLogListFile loads the CT logs the context trusts from a file
// (SSL_CTX_set_ctlog_list_file), replacing the ones it had. An empty path,
// or one with a NUL byte, is an error; a build without CT gives
// ErrUnsupported.
func (c *Ctx) SetCTLogListFile(path string) error {
	const op = "SSL_CTX_set_ctlog_list_file"
	return use(c, func(p *C.SSL_CTX) error {
		if !featureCT.built() {
			return unsupported(op)
		}
		if path == "" || strings.IndexByte(path, 0) >= 0 {
			return errInput(op, "an empty path or one with a NUL byte")
		}
		cs := C.CString(path)
		defer C.free(unsafe.Pointer(cs))
		return c_ctx_set_ctlog_list_file(p, cs)
	})
}
