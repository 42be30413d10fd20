package libssl

/*
#include "shim.h"

// For the tests of the capture rule (export_test.go): an entry on the
// calling thread's queue such as code outside the package may leave, and
// the queue emptied. They return 0 only so that cgo's glue has a result to
// pass: for a void(void) function it declares a variable gcc warns is unused.
static int ls_push_error_entry(void)
{
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    ERR_raise(ERR_LIB_SSL, SSL_R_BAD_LENGTH);
#else
    SSLerr(0, SSL_R_BAD_LENGTH);
#endif
    return 0;
}
static int ls_clear_error_queue(void) { ERR_clear_error(); return 0; }
*/
import "C"

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
)

// SSLErrorCode is a result of SSL_get_error (SSL_ERROR_*).
type SSLErrorCode int

// The SSL_get_error results.
const (
	SSLErrorNone              SSLErrorCode = C.SSL_ERROR_NONE
	SSLErrorSSL               SSLErrorCode = C.SSL_ERROR_SSL
	SSLErrorWantRead          SSLErrorCode = C.SSL_ERROR_WANT_READ
	SSLErrorWantWrite         SSLErrorCode = C.SSL_ERROR_WANT_WRITE
	SSLErrorWantX509Lookup    SSLErrorCode = C.SSL_ERROR_WANT_X509_LOOKUP
	SSLErrorSyscall           SSLErrorCode = C.SSL_ERROR_SYSCALL
	SSLErrorZeroReturn        SSLErrorCode = C.SSL_ERROR_ZERO_RETURN
	SSLErrorWantConnect       SSLErrorCode = C.SSL_ERROR_WANT_CONNECT
	SSLErrorWantAccept        SSLErrorCode = C.SSL_ERROR_WANT_ACCEPT
	SSLErrorWantAsync         SSLErrorCode = C.SSL_ERROR_WANT_ASYNC
	SSLErrorWantAsyncJob      SSLErrorCode = C.SSL_ERROR_WANT_ASYNC_JOB
	SSLErrorWantClientHelloCB SSLErrorCode = C.SSL_ERROR_WANT_CLIENT_HELLO_CB
)

var sslErrorNames = map[SSLErrorCode]string{
	SSLErrorNone: "SSL_ERROR_NONE", SSLErrorSSL: "SSL_ERROR_SSL",
	SSLErrorWantRead: "SSL_ERROR_WANT_READ", SSLErrorWantWrite: "SSL_ERROR_WANT_WRITE",
	SSLErrorWantX509Lookup: "SSL_ERROR_WANT_X509_LOOKUP", SSLErrorSyscall: "SSL_ERROR_SYSCALL",
	SSLErrorZeroReturn: "SSL_ERROR_ZERO_RETURN", SSLErrorWantConnect: "SSL_ERROR_WANT_CONNECT",
	SSLErrorWantAccept: "SSL_ERROR_WANT_ACCEPT", SSLErrorWantAsync: "SSL_ERROR_WANT_ASYNC",
	SSLErrorWantAsyncJob: "SSL_ERROR_WANT_ASYNC_JOB", SSLErrorWantClientHelloCB: "SSL_ERROR_WANT_CLIENT_HELLO_CB",
	SSLErrorWantRetryVerify: "SSL_ERROR_WANT_RETRY_VERIFY",
}

// String returns the C name, e.g. "SSL_ERROR_WANT_READ".
func (c SSLErrorCode) String() string {
	if n, ok := sslErrorNames[c]; ok {
		return n
	}
	return fmt.Sprintf("SSL_ERROR(%d)", int(c))
}

// Library numbers and reasons used by the sentinels and the conformance
// checks (ERR_LIB_*, SSL_R_*).
const (
	LibSSL = C.ERR_LIB_SSL

	ReasonNullSSLCtx                          = C.SSL_R_NULL_SSL_CTX
	ReasonAttemptToReuseSessionInDifferentCtx = C.SSL_R_ATTEMPT_TO_REUSE_SESSION_IN_DIFFERENT_CONTEXT
	reasonUnexpectedEOF                       = 294 // SSL_R_UNEXPECTED_EOF_WHILE_READING (3.0 and newer)
)

// ErrorEntry is one entry of OpenSSL's error queue, as ERR_get_error_all
// (3.x) or ERR_get_error_line_data (1.1.1) returned it.
type ErrorEntry struct {
	Code    uint64 // the packed code, as ERR_get_error returns it
	Library int    // ERR_GET_LIB(Code)
	Reason  int    // ERR_GET_REASON(Code)
	Func    string // function name ("" where OpenSSL does not record it)
	File    string
	Line    int
	Data    string // the entry's text data, when ERR_TXT_STRING was set
	// Text is the line ERR_print_errors prints for this entry, without the
	// thread-id prefix.
	Text string
}

// Error is a failed libssl call, with everything the C call left behind: its
// return value, SSL_get_error's verdict for SSL I/O calls, errno, and every
// entry of the error queue, drained inside the same C call.
type Error struct {
	Op       string       // the C function, e.g. "SSL_do_handshake"
	Ret      int64        // what it returned
	Code     SSLErrorCode // SSL_get_error(ssl, Ret), or SSLErrorNone for non-I/O calls
	Errno    syscall.Errno
	Entries  []ErrorEntry // oldest first
	Dropped  int          // entries drained beyond the kept ones
	internal string       // a message for errors this package raises itself
}

// Error returns the lines OpenSSL's ERR_print_errors prints for the queue
// (less the thread id), joined by newlines; without queue entries, the
// SSL_get_error verdict and errno.
func (e *Error) Error() string {
	if len(e.Entries) > 0 {
		lines := make([]string, 0, len(e.Entries)+1)
		for _, en := range e.Entries {
			lines = append(lines, en.Text)
		}
		if e.Dropped > 0 {
			lines = append(lines, fmt.Sprintf("(%d more entries dropped)", e.Dropped))
		}
		return strings.Join(lines, "\n")
	}
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(": ")
	switch {
	case e.internal != "":
		b.WriteString(e.internal)
	case e.Code != SSLErrorNone:
		b.WriteString(e.Code.String())
	default:
		fmt.Fprintf(&b, "failed (returned %d) with an empty error queue", e.Ret)
	}
	if e.Errno != 0 {
		fmt.Fprintf(&b, " (errno %d: %s)", int(e.Errno), e.Errno.Error())
	}
	return b.String()
}

// Last returns the newest queue entry (what ERR_peek_last_error would have
// returned), and false when the queue was empty.
func (e *Error) Last() (ErrorEntry, bool) {
	if len(e.Entries) == 0 {
		return ErrorEntry{}, false
	}
	return e.Entries[len(e.Entries)-1], true
}

// HasReason reports whether any entry has the given library and reason.
func (e *Error) HasReason(lib, reason int) bool {
	for _, en := range e.Entries {
		if en.Library == lib && en.Reason == reason {
			return true
		}
	}
	return false
}

// Is makes the outcomes of SSL I/O usable with errors.Is: the sentinels,
// and io.EOF for a close_notify (SSL_ERROR_ZERO_RETURN) and
// io.ErrUnexpectedEOF for a transport that ended without one.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrWantRead:
		return e.Code == SSLErrorWantRead
	case ErrWantWrite:
		return e.Code == SSLErrorWantWrite
	case ErrWantRetryVerify:
		return e.Code == SSLErrorWantRetryVerify
	case ErrZeroReturn, io.EOF:
		return e.Code == SSLErrorZeroReturn
	case ErrUnexpectedEOF, io.ErrUnexpectedEOF:
		// 1.1.1: SSL_ERROR_SYSCALL with nothing queued and errno 0.
		// 3.x: SSL_ERROR_SSL with SSL_R_UNEXPECTED_EOF_WHILE_READING.
		if e.Code == SSLErrorSyscall && len(e.Entries) == 0 && e.Errno == 0 {
			return true
		}
		return e.Code == SSLErrorSSL && e.HasReason(LibSSL, reasonUnexpectedEOF)
	}
	return false
}

// Unwrap returns errno as a syscall.Errno when the call set it.
func (e *Error) Unwrap() error {
	if e.Errno != 0 && e.Code == SSLErrorSyscall {
		return e.Errno
	}
	return nil
}

type sentinel struct {
	msg  string
	wrap error
}

func (s *sentinel) Error() string { return s.msg }
func (s *sentinel) Unwrap() error { return s.wrap }

// Sentinels for errors.Is.
var (
	// ErrFreed is returned by every method of a handle after Free, and of a
	// nil handle.
	ErrFreed error = &sentinel{msg: "libssl: use of a freed or nil handle"}
	// ErrWantRead: SSL_ERROR_WANT_READ; feed the read BIO and retry.
	ErrWantRead error = &sentinel{msg: "libssl: SSL_ERROR_WANT_READ"}
	// ErrWantWrite: SSL_ERROR_WANT_WRITE; drain the write BIO and retry.
	ErrWantWrite error = &sentinel{msg: "libssl: SSL_ERROR_WANT_WRITE"}
	// ErrZeroReturn: SSL_ERROR_ZERO_RETURN; the peer sent close_notify.
	// It also matches io.EOF.
	ErrZeroReturn error = &sentinel{msg: "libssl: SSL_ERROR_ZERO_RETURN (close_notify received)", wrap: io.EOF}
	// ErrUnexpectedEOF: the transport ended without close_notify. It also
	// matches io.ErrUnexpectedEOF.
	ErrUnexpectedEOF error = &sentinel{msg: "libssl: unexpected EOF (no close_notify)", wrap: io.ErrUnexpectedEOF}
	// ErrUnsupported is returned by calls the linked OpenSSL does not have.
	ErrUnsupported error = &sentinel{msg: "libssl: not supported by the linked OpenSSL", wrap: errors.ErrUnsupported}
)

// entries converts and frees the drained queue of r.
func entries(r *C.ls_ret) ([]ErrorEntry, int) {
	q := r.errq
	if q == nil {
		return nil, 0
	}
	r.errq = nil
	n := int(q.n)
	out := make([]ErrorEntry, n)
	for i := 0; i < n; i++ {
		e := &q.e[i]
		out[i] = ErrorEntry{
			Code:    uint64(e.code),
			Library: int(e.lib),
			Reason:  int(e.reason),
			Func:    C.GoString(&e._func[0]),
			File:    C.GoString(&e.file[0]),
			Line:    int(e.line),
			Data:    C.GoString(&e.data[0]),
			Text:    C.GoString(&e.text[0]),
		}
	}
	dropped := int(q.dropped)
	C.ls_errq_free(q)
	return out, dropped
}

// fail turns the captured outcome of a failed call into an error, consuming
// r's drained queue: ErrUnsupported when the linked OpenSSL lacks the
// function, else an *Error with every entry. The generated raw wrappers
// (zshim.go) call it with the predicate shim.def names.
func fail(op string, r *C.ls_ret) error {
	if r.unsupported != 0 {
		return fmt.Errorf("%s: %w", op, ErrUnsupported)
	}
	if r.busy != 0 {
		return fmt.Errorf("%s: %w", op, ErrConcurrentUse)
	}
	e := &Error{Op: op, Ret: int64(r.ret), Code: SSLErrorCode(r.ssl_error), Errno: syscall.Errno(r.sys_errno)}
	e.Entries, e.Dropped = entries(r)
	return e
}

// failWant is fail for the pump calls (predicate iow): a want-read or
// want-write that queued nothing and set no errno is returned as the bare
// sentinel, so that the steady state of a Conn allocates nothing.
func failWant(op string, r *C.ls_ret) error {
	if r.errq == nil && r.busy == 0 && r.unsupported == 0 {
		switch SSLErrorCode(r.ssl_error) {
		case SSLErrorWantRead:
			return ErrWantRead
		case SSLErrorWantWrite:
			return ErrWantWrite
		}
	}
	return fail(op, r)
}

// done frees the queue a successful call drained (entries that libssl left
// behind though the call succeeded).
func done(r *C.ls_ret) {
	if r.errq != nil {
		C.ls_errq_free(r.errq)
		r.errq = nil
	}
}

// errorQueueEmpty reports whether the calling OS thread's OpenSSL error queue
// is empty (ERR_peek_error() == 0): for tests that lock the goroutine to its
// thread with runtime.LockOSThread (export_test.go).
func errorQueueEmpty() bool { return C.ls_err_peek() == 0 }

// pushErrorEntry puts one entry (SSL_R_BAD_LENGTH) on the calling OS
// thread's queue, as code outside the package may leave one, and
// clearErrorQueue empties that queue (ERR_clear_error): for tests that lock
// the goroutine to its thread (export_test.go).
func pushErrorEntry()  { _ = C.ls_push_error_entry() }
func clearErrorQueue() { _ = C.ls_clear_error_queue() }
