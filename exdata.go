package libssl

// This file: the Go side of the ex_data slots that hold an SSL's Go values
// (cgo.Handle numbers), read and set inside the SSL's guard.

/*
#include "shim.h"
*/
import "C"

import "fmt"

// sslGoHandle reads an SSL's Go-handle slot inside its guard.
func sslGoHandle(p *C.SSL, slot C.int) C.uintptr_t {
	var busy C.int
	h := C.ls_ssl_get_gohandle(p, slot, &busy)
	if busy != 0 {
		concurrentUse("SSL_get_ex_data")
	}
	return h
}

// setSSLGoHandle sets an SSL's Go-handle slot inside its guard; h is
// released on failure.
func setSSLGoHandle(p *C.SSL, slot C.int, h C.uintptr_t, flags C.int) error {
	switch C.ls_ssl_set_gohandle(p, slot, h, flags) {
	case 1:
		return nil
	case -1:
		return fmt.Errorf("SSL_set_ex_data: %w", ErrConcurrentUse)
	}
	return errNoMemory
}
