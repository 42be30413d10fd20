package openssl

// Errors: each direction's sticky error (halfConn), the connection's first
// failure, and the error types Read, Write, Close and Handshake return.

import (
	"errors"
	"fmt"
	"net"
	"sync"
)

// halfConn is one direction of the connection, as in crypto/tls: its lock
// and its sticky error. The read side's lock admits one reader; the write
// side's orders what reaches the transport. Once err is set the direction
// cannot go on, and every later call on it returns err.
type halfConn struct {
	sync.Mutex
	err error // under the Mutex
}

// setError records err as the direction's sticky error and returns it; the
// caller holds the lock.
func (hc *halfConn) setError(err error) error {
	hc.err = err
	return err
}

// errHookPanicked is the handshake's error once a Config hook panicked
// during it.
var errHookPanicked = errors.New("openssl: handshake: a Config hook panicked")

// msgTruncated wraps libssl's report of a transport that ended without
// close_notify; that error matches libssl.ErrUnexpectedEOF and
// io.ErrUnexpectedEOF with errors.Is.
const msgTruncated = "openssl: connection closed without close_notify: %w"

var errShutdown = errors.New("openssl: protocol is shut down")

// FailedError is what Read, Write and Close return once the connection has
// failed (a fatal alert, a bad record, a reset, a truncation): the first
// failure, which errors.Is and errors.As see through Unwrap, with the
// operation that was attempted.
type FailedError struct {
	Op  string // "read", "write", "close"
	Err error  // the first failure
}

func (e *FailedError) Error() string {
	return "openssl: " + e.Op + ": the connection failed earlier: " + e.Err.Error()
}

func (e *FailedError) Unwrap() error { return e.Err }

// Timeout reports whether the first failure was a timeout.
func (e *FailedError) Timeout() bool { ne, ok := e.Err.(net.Error); return ok && ne.Timeout() }

// Temporary is false: the connection stays failed.
func (e *FailedError) Temporary() bool { return false }

// fail records err as the connection's failure unless one is recorded
// already, and returns what op must report: err itself when it is the
// first failure, else the first failure wrapped.
func (c *Conn) fail(op string, err error) error {
	c.failMu.Lock()
	defer c.failMu.Unlock()
	if c.failure == nil {
		c.failure = err
		return err
	}
	if c.failure == err {
		return err
	}
	return &FailedError{Op: op, Err: c.failure}
}

// failed returns the recorded failure wrapped for op, or nil.
func (c *Conn) failed(op string) error {
	c.failMu.Lock()
	defer c.failMu.Unlock()
	if c.failure == nil {
		return nil
	}
	return &FailedError{Op: op, Err: c.failure}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// CertificateVerificationError is returned by a handshake that failed
// because the peer's certificate did not verify.
type CertificateVerificationError struct {
	VerifyResult int    // X509_V_ERR_*
	Reason       string // X509_verify_cert_error_string
	Err          error  // libssl's error
}

func (e *CertificateVerificationError) Error() string {
	return fmt.Sprintf("openssl: certificate verification failed: %s (X509_V_ERR %d)", e.Reason, e.VerifyResult)
}

func (e *CertificateVerificationError) Unwrap() error { return e.Err }

type permanentError struct{ err error }

func (e *permanentError) Error() string   { return e.err.Error() }
func (e *permanentError) Unwrap() error   { return e.err }
func (e *permanentError) Timeout() bool   { ne, ok := e.err.(net.Error); return ok && ne.Timeout() }
func (e *permanentError) Temporary() bool { return false }
