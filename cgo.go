package libssl

// This file: small helpers for passing Go values to C and back.

/*
#include "shim.h"
*/
import "C"

import "unsafe"

// maxIO is the most one C call moves: libssl and BIO lengths are ints.
const maxIO = 1 << 30

// bytesPtr is b's first byte as a C buffer, NULL for an empty b. C must not
// keep it past the call.
func bytesPtr(b []byte) *C.uchar {
	if len(b) == 0 {
		return nil
	}
	return (*C.uchar)(unsafe.Pointer(&b[0]))
}

// cbool is b as a C int, 1 or 0.
func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// goString copies a C string that libssl owns; "" for NULL.
func goString(s *C.char) string {
	if s == nil {
		return ""
	}
	return C.GoString(s)
}
