package libssl

// This file: the cleanup backstop (runtime.AddCleanup, registered by own in
// handle.go): the cleanup of each kind of handle, and their count.

/*
#include "shim.h"
*/
import "C"

import (
	"sync/atomic"
	"unsafe"
)

// cleanupFrees counts native references released by cleanups (handles
// dropped without Free), per kind.
var cleanupFrees [numKinds]atomic.Int64

// cleanupFuncs are the backstops, one per kind; they run on the runtime's
// cleanup goroutine with the C pointer as their argument.
var cleanupFuncs = [numKinds]func(unsafe.Pointer){
	kindSSL:     func(p unsafe.Pointer) { cleaned(kindSSL); c_SSL_free((*C.SSL)(p)) },
	kindCtx:     func(p unsafe.Pointer) { cleaned(kindCtx); c_SSL_CTX_free((*C.SSL_CTX)(p)) },
	kindSession: func(p unsafe.Pointer) { cleaned(kindSession); c_SSL_SESSION_free((*C.SSL_SESSION)(p)) },
	kindBIO:     func(p unsafe.Pointer) { cleaned(kindBIO); c_BIO_free((*C.BIO)(p)) },
	kindX509:    func(p unsafe.Pointer) { cleaned(kindX509); c_X509_free((*C.X509)(p)) },
	kindPKey:    func(p unsafe.Pointer) { cleaned(kindPKey); c_EVP_PKEY_free((*C.EVP_PKEY)(p)) },
}

func cleaned(k objKind) {
	cleanupFrees[k].Add(1)
	noteReleased()
}

type objKind int

const (
	kindSSL objKind = iota
	kindCtx
	kindSession
	kindBIO
	kindX509
	kindPKey
	numKinds
)

// CleanupFrees reports how many native references the runtime.AddCleanup
// backstop has released (SSL_free, SSL_CTX_free, ... run by a cleanup),
// that is how many handles the program dropped without Free. It is for a
// program's tests: one that frees every handle asserts it stays 0.
func CleanupFrees() int64 {
	var n int64
	for i := range cleanupFrees {
		n += cleanupFrees[i].Load()
	}
	return n
}
