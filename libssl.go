// Package libssl binds the system's OpenSSL libssl through cgo, one Go handle
// per native reference.
//
// The Go types are thin handles on native objects: [Ctx] on SSL_CTX, [SSL] on
// SSL, [Session] on SSL_SESSION, [BIO] on a memory BIO, [X509] on X509 and
// [PKey] on EVP_PKEY. The five lifecycle functions of libssl are mirrored one
// to one: [New] (SSL_new), [SSL.Dup] (SSL_dup), [SSL.UpRef] (SSL_up_ref),
// [SSL.Clear] (SSL_clear) and [SSL.SetSession] (SSL_set_session).
//
// # Ownership
//
// Every handle owns exactly one native reference and releases it exactly once:
// by its idempotent Free method, or else by a runtime.AddCleanup backstop when
// the handle becomes unreachable. Free is the documented path; the backstop
// runs late, or never if the program exits first. Functions that return a new
// reference (SSL_new, SSL_dup, SSL_up_ref, SSL_get1_session, d2i_SSL_SESSION,
// SSL_CTX_new) return a new owned handle; borrowed pointers (SSL_get_SSL_CTX,
// SSL_get_certificate, SSL_get_rbio, ...) are up-ref'd before they are wrapped,
// so every handle this package returns is owned and must be freed by its
// holder. UpRef and Dup always return a new handle, even when libssl returns
// the same object; [SSL.SameObject] tells whether two handles share it.
//
// After Free, and on a nil handle, methods that return an error return
// [ErrFreed]; getters return the zero value of their result type. Free may be
// called from several goroutines at once and frees once. Free must not race
// with another method on the same handle (as with closing a file that another
// goroutine reads): a handle's last Free destroys the object, and a call
// already past its nil check would use freed memory.
//
// # Concurrency
//
// libssl allows one thread at a time inside calls on one SSL object; only
// SSL_up_ref and SSL_free (atomic reference counts) may overlap with others.
// The package enforces that rule instead of crashing: every call on an SSL
// enters a guard kept in C with the object (one word per SSL, in the
// destruction probe's ex_data record) inside the same cgo call, and a call
// made while another OS thread is inside a call on the same object, through
// the same handle or another one (UpRef, Dup of a started SSL), is refused
// before it reaches libssl: methods with an error result return an error
// matching [ErrConcurrentUse], methods without one panic with it, as Go
// does for concurrent map writes. A Go callback that runs inside a call (a
// verify or info callback) is on the same thread and may call methods of the
// same SSL. Use one SSL from one goroutine at a time, or serialise its use
// with a mutex of your own; distinct SSL objects may be used from any number
// of goroutines at once. Other objects (Ctx, Session, BIO) follow libssl's
// own rules: read-only use is safe, changing a Ctx while SSLs are made from
// it is not.
//
// # Errors
//
// OpenSSL keeps its error queue per OS thread, and a goroutine can change
// thread between two cgo calls, so every call that can fail is one C function
// that clears the queue, makes the call, reads SSL_get_error and errno, and
// drains the queue before it returns. Failures come back as *[Error], which
// keeps every queue entry and prints the text OpenSSL prints. The outcomes of
// SSL I/O (want-read, want-write, zero-return, unexpected EOF) match the
// sentinels [ErrWantRead], [ErrWantWrite], [ErrZeroReturn] and
// [ErrUnexpectedEOF] with errors.Is; zero-return also matches io.EOF and
// unexpected EOF io.ErrUnexpectedEOF.
//
// # Callbacks
//
// Go callbacks and values reach C as cgo.Handle values in ex_data slots and
// follow libssl's own rules for what they stand for: a context's verify
// callback is copied into an SSL by [New] (later changes to the context do
// not reach it), the info callback is looked up on the SSL and then on its
// current context, [SSL.Dup] copies both. A panic in a callback fails the
// callback and is raised again by the method whose C call ran it.
//
// # Memory
//
// The package never runs the garbage collector. Each handle carries Go
// memory of about the size of its native object, so that the collector's
// pacing counts dropped handles at their real cost, and a goroutine that
// makes handles waits only while the runtime's queue of cleanups (of
// handles dropped without Free) is long. [CleanupFrees] counts the handles
// the cleanups freed: a program that frees every handle sees 0.
//
// # The C boundary
//
// shim.def in the module root declares every C function the package calls,
// once, with its failure predicate; go generate turns the list into the C
// wrappers that capture the error queue and the raw Go wrappers the
// methods call. The file that holds the Go mirror of a C function is named
// for its object and concern: ssl_new.go (SSL_new, SSL_up_ref, SSL_free),
// ssl_dup.go, ssl_clear.go, ssl_session.go, ssl_options.go, ssl_verify.go,
// ssl_cert.go, ssl_state.go, io.go, bio.go, ctx.go, ctx_verify.go,
// ctx_cert.go, ctx_cache.go, alpn.go, callbacks.go, x509.go.
//
// # Destruction probe
//
// [LiveObjects] reports how many SSL, SSL_CTX and SSL_SESSION objects are alive
// in C, counted by ex_data new and free functions that fire on real creation
// and destruction. It is how the package's tests and the conformance report
// prove that Go and C reference counts agree, and how a program's own leak
// tests can: take LiveObjects before, free everything, compare after.
//
// # Versions
//
// The package builds against OpenSSL 1.1.1, 3.x and 4.0, with no deprecated
// call where the version has a replacement. [HeaderVersion] is the
// version it was compiled against, [RuntimeVersion] the one it runs with; if
// their major.minor differ, [InitError] reports it and no object can be made.
package libssl

//go:generate go run ./internal/cmd/mkshim

/*
#cgo CFLAGS: -Wall -Wno-deprecated-declarations
#cgo LDFLAGS: -lssl -lcrypto
#include "shim.h"
*/
import "C"

import (
	"fmt"
)

var initErr error

func init() {
	if initErr = checkVersions(HeaderVersion(), RuntimeVersion(), RuntimeVersionText()); initErr != nil {
		return
	}
	if C.ls_init() != 1 {
		initErr = fmt.Errorf("libssl: OPENSSL_init_ssl or CRYPTO_get_ex_new_index failed")
	}
}

// InitError returns the error found when the package started (a header and
// runtime OpenSSL whose major.minor differ, or a failed OPENSSL_init_ssl), or
// nil. While it is not nil, every constructor returns it.
func InitError() error { return initErr }

func majorMinor(v uint64) uint64 { return v >> 20 }

// checkVersions is the start-up check: the headers the package was built with
// and the library it runs with must agree in major.minor.
func checkVersions(header, runtime uint64, runtimeText string) error {
	if majorMinor(header) != majorMinor(runtime) {
		return fmt.Errorf("libssl: built against OpenSSL %s but running with %s (%s): major.minor differ",
			versionString(header), versionString(runtime), runtimeText)
	}
	return nil
}

// HeaderVersion returns OPENSSL_VERSION_NUMBER as seen by the compiler when
// the package was built.
func HeaderVersion() uint64 { return uint64(C.ls_header_version()) }

// RuntimeVersion returns OpenSSL_version_num() of the libcrypto the process
// runs with.
func RuntimeVersion() uint64 { return uint64(C.ls_runtime_version()) }

// RuntimeVersionText returns OpenSSL_version(OPENSSL_VERSION), for example
// "OpenSSL 3.0.19 27 Jan 2026".
func RuntimeVersionText() string { return C.GoString(C.ls_runtime_version_text()) }

// HeaderVersionText returns OPENSSL_VERSION_TEXT of the headers the package
// was built with.
func HeaderVersionText() string { return C.OPENSSL_VERSION_TEXT }

// VersionString formats an OPENSSL_VERSION_NUMBER as "major.minor.patch"
// (with the letter of 1.x releases, e.g. "1.1.1w").
func VersionString(v uint64) string { return versionString(v) }

func versionString(v uint64) string {
	major, minor := v>>28, (v>>20)&0xff
	if major >= 3 {
		return fmt.Sprintf("%d.%d.%d", major, minor, (v>>4)&0xff)
	}
	fix, patch := (v>>12)&0xff, (v>>4)&0xff
	s := fmt.Sprintf("%d.%d.%d", major, minor, fix)
	if patch > 0 {
		s += string(rune('a' + patch - 1))
	}
	return s
}
