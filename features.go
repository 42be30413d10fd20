package libssl

// This file: what the features of OpenSSL's ssl-tests (shim_features.c)
// share: the optional features a libssl build may compile out, the error a
// method gives for one, and the copy of a length-prefixed C result.

/*
#include "shim.h"
*/
import "C"

import "fmt"

// An optional feature of a libssl build (lsh_feature_built).
type buildFeature int

const (
	featureNPN         buildFeature = 1 // OPENSSL_NO_NEXTPROTONEG
	featureCT          buildFeature = 2 // OPENSSL_NO_CT
	featureOCSP        buildFeature = 3 // OPENSSL_NO_OCSP
	featureCompression buildFeature = 4 // OPENSSL_NO_COMP
)

// built reports whether the headers the package was built with have f.
func (f buildFeature) built() bool { return c_feature_built(C.int(f)) == 1 }

// unsupported is the error of a call whose function the build lacks: it
// names the function and matches ErrUnsupported.
func unsupported(op string) error { return fmt.Errorf("%s: %w", op, ErrUnsupported) }

// errInput is the error of a call refused before C is reached: op names the
// C function the call mirrors, why what is wrong with the input.
func errInput(op, why string) error { return &Error{Op: op, internal: why} }

// copyOut reads a C result through f, which returns the result's length
// and copies it into buf when it fits in cap: a 256-byte stack buffer
// first, then one of the exact length. nil when f reports none (n <= 0).
func copyOut(f func(buf *C.uchar, cap C.int) C.int) []byte {
	var stack [256]byte
	for {
		n := int(f(bytesPtr(stack[:]), C.int(len(stack))))
		if n <= 0 {
			return nil
		}
		if n <= len(stack) {
			return append([]byte(nil), stack[:n]...)
		}
		buf := make([]byte, n)
		if m := int(f(bytesPtr(buf), C.int(n))); m == n {
			return buf
		}
		// The result changed between the two calls: read it again.
	}
}
