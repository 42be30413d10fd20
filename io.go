package libssl

// This file: SSL-level I/O (SSL_do_handshake, SSL_read, SSL_peek, SSL_write,
// SSL_pending, SSL_shutdown).

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"
import (
	"errors"
	"fmt"
)

// Handshake runs handshake steps until the handshake completes or must wait
// for the transport (SSL_do_handshake). It returns nil when the handshake is
// complete, an *Error matching ErrWantRead or ErrWantWrite when it must wait
// (move bytes between the BIOs and call again), or the failure. A panic in a
// verify or info callback that the step ran is raised again here.
func (s *SSL) Handshake() error {
	return use(s, func(p *C.SSL) error {
		_, err := c_SSL_do_handshake(p)
		return err
	})
}

// Read decrypts application data into b (SSL_read). It returns ErrWantRead
// (wrapped) when no complete record is buffered, ErrZeroReturn (which
// matches io.EOF) after the peer's close_notify, or ErrUnexpectedEOF (which
// matches io.ErrUnexpectedEOF) when the transport ended without one. A TLS
// 1.3 client reads the server's session tickets here too.
func (s *SSL) Read(b []byte) (int, error) {
	return s.read(b, c_SSL_read)
}

// Peek is Read without consuming the data (SSL_peek).
func (s *SSL) Peek(b []byte) (int, error) {
	return s.read(b, c_SSL_peek)
}

func (s *SSL) read(b []byte, call func(*C.SSL, *C.uchar, C.int) (int, error)) (int, error) {
	n := 0
	err := use(s, func(p *C.SSL) error {
		var err error
		n, err = call(p, bytesPtr(b), C.int(min(len(b), maxIO)))
		if err != nil {
			n = 0
		}
		return err
	})
	return n, err
}

// Write encrypts b into records on the write BIO (SSL_write). With a memory
// BIO it writes all of b unless SSL_MODE_ENABLE_PARTIAL_WRITE is set; it
// returns the number of bytes taken.
func (s *SSL) Write(b []byte) (int, error) {
	written := 0
	err := use(s, func(p *C.SSL) error {
		for written < len(b) {
			chunk := b[written:min(len(b), written+maxIO)]
			n, err := c_SSL_write(p, bytesPtr(chunk), C.int(len(chunk)))
			if err != nil {
				return err
			}
			written += n
		}
		return nil
	})
	return written, err
}

// FeedAndRead is for a program that drives the SSL over a transport of its
// own through memory BIOs (package openssl's Conn does, over any net.Conn
// without a descriptor): one receive step, in one C call instead of one per C
// function below. It appends in to the
// SSL's read BIO (BIO_write on SSL_get_rbio), marks the read BIO's end when
// eof is set (BIO_set_mem_eof_return(rbio, 0): the transport has ended),
// then decrypts into b (SSL_read). outPending is what then waits in the
// SSL's write BIO (BIO_ctrl_pending on SSL_get_wbio): an alert, a KeyUpdate
// answer, a renegotiation record, to be sent.
//
// The results are Read's, except that when libssl must wait for the
// transport and nothing was queued, err is ErrWantRead (or ErrWantWrite)
// itself, not wrapped in an *Error, so that the pump allocates nothing. in
// is copied into the BIO whatever the result; if the copy itself fails
// (BIO_write: no memory, or the SSL has no read BIO), nothing is read and
// the error says so. The caller keeps in and b.
func (s *SSL) FeedAndRead(in []byte, eof bool, b []byte) (n, outPending int, err error) {
	if len(in) > maxIO {
		return 0, 0, errors.New("libssl: FeedAndRead: input larger than 1 GiB")
	}
	err = use(s, func(p *C.SSL) error {
		r, aux, err := c_feed_read(p, bytesPtr(in), C.int(len(in)), cbool(eof), bytesPtr(b), C.int(min(len(b), maxIO)))
		outPending = aux[1]
		if aux[0] == 0 && !errors.Is(err, ErrConcurrentUse) {
			if r == -2 {
				return errors.New("libssl: FeedAndRead: the SSL has no read BIO (SetBIO)")
			}
			return fmt.Errorf("libssl: FeedAndRead: BIO_write to the read BIO failed: %w", err)
		}
		if err == nil {
			n = r
		}
		return err
	})
	return n, outPending, err
}

// WriteAndDrain is for a program that drives the SSL over a transport of its
// own through memory BIOs (package openssl's Conn does): one send step, in
// one C call instead of one per C function below. It encrypts b into
// records (SSL_write, skipped when
// b is empty) and, if that succeeded, moves the SSL's write BIO into out
// (BIO_read on SSL_get_wbio): the records just made, after whatever was
// already waiting there. drained bytes of out are to be sent, in order;
// outPending more wait in the BIO when out was too small. n is the bytes of
// b taken: all of them, unless SSL_MODE_ENABLE_PARTIAL_WRITE is set.
//
// On failure nothing is drained (SSL_get_error judges the BIOs as SSL_write
// left them): the caller drains with WriteAndDrain(nil, out) before it sends
// the alert libssl may have queued. When libssl must wait for the transport
// (a renegotiation under way) with nothing queued, err is ErrWantRead (or
// ErrWantWrite) itself, without an allocation. The caller keeps b and out.
func (s *SSL) WriteAndDrain(b, out []byte) (n, drained, outPending int, err error) {
	if len(b) > maxIO {
		return 0, 0, 0, errors.New("libssl: WriteAndDrain: data larger than 1 GiB; write it in parts")
	}
	err = use(s, func(p *C.SSL) error {
		r, aux, err := c_write_drain(p, bytesPtr(b), C.int(len(b)), bytesPtr(out), C.int(min(len(out), maxIO)))
		if err != nil {
			return err
		}
		if len(b) > 0 {
			n = r
		}
		drained, outPending = aux[0], aux[1]
		return nil
	})
	return n, drained, outPending, err
}

// Pending returns SSL_pending: decrypted bytes buffered and readable without
// touching the transport; 0 on a freed handle.
func (s *SSL) Pending() int {
	return get(s, 0, func(p *C.SSL) int {
		return int(c_SSL_pending(p))
	})
}

// Shutdown sends close_notify, or completes a shutdown the peer began
// (SSL_shutdown). done is true when both directions are closed (libssl
// returned 1), false when close_notify was sent and the peer's is awaited
// (0). A negative libssl result is returned as an *Error (ErrWantRead and
// ErrWantWrite when the transport must be pumped).
func (s *SSL) Shutdown() (done bool, err error) {
	err = use(s, func(p *C.SSL) error {
		r, err := c_SSL_shutdown(p)
		done = r == 1
		return err
	})
	return done, err
}

// SetMaxEarlyData sets how many bytes of TLS 1.3 early data the SSL sends or
// accepts (SSL_set_max_early_data); 0 disables early data on a server.
func (s *SSL) SetMaxEarlyData(n uint32) error {
	return use(s, func(p *C.SSL) error { return c_SSL_set_max_early_data(p, C.uint32_t(n)) })
}

// MaxEarlyData returns SSL_get_max_early_data; 0 on a freed handle.
func (s *SSL) MaxEarlyData() uint32 {
	return get(s, 0, func(p *C.SSL) uint32 { return uint32(c_SSL_get_max_early_data(p)) })
}

// SetMaxEarlyData sets the context's early data limit
// (SSL_CTX_set_max_early_data), inherited by SSL objects made later.
func (c *Ctx) SetMaxEarlyData(n uint32) error {
	return use(c, func(p *C.SSL_CTX) error { return c_SSL_CTX_set_max_early_data(p, C.uint32_t(n)) })
}

// MaxEarlyData returns SSL_CTX_get_max_early_data; 0 on a freed handle.
func (c *Ctx) MaxEarlyData() uint32 {
	return get(c, 0, func(p *C.SSL_CTX) uint32 { return uint32(c_SSL_CTX_get_max_early_data(p)) })
}

// WriteEarlyData sends b as TLS 1.3 early data from a client resuming a
// session that allows it (SSL_write_early_data); it starts the handshake if
// needed. It returns how many bytes were taken, or an *Error that matches
// ErrWantRead or ErrWantWrite when the transport must be pumped.
func (s *SSL) WriteEarlyData(b []byte) (int, error) {
	n := 0
	err := use(s, func(p *C.SSL) error {
		var w C.int
		_, err := c_ssl_write_early_data(p, bytesPtr(b), C.int(min(len(b), maxIO)), &w)
		n = int(w)
		return err
	})
	return n, err
}

// EarlyDataRead is what ReadEarlyData found (SSL_READ_EARLY_DATA_*).
type EarlyDataRead int

// The outcomes of SSL_read_early_data.
const (
	ReadEarlyDataError   EarlyDataRead = C.SSL_READ_EARLY_DATA_ERROR
	ReadEarlyDataSuccess EarlyDataRead = C.SSL_READ_EARLY_DATA_SUCCESS
	ReadEarlyDataFinish  EarlyDataRead = C.SSL_READ_EARLY_DATA_FINISH
)

// ReadEarlyData reads TLS 1.3 early data on a server (SSL_read_early_data).
// ReadEarlyDataSuccess comes with n bytes in b; ReadEarlyDataFinish means no
// more early data will come (n may still be 0). On ReadEarlyDataError the
// error matches ErrWantRead or ErrWantWrite when the transport must be
// pumped, or says what failed.
func (s *SSL) ReadEarlyData(b []byte) (int, EarlyDataRead, error) {
	n, res := 0, ReadEarlyDataError
	err := use(s, func(p *C.SSL) error {
		var got C.int
		r, err := c_ssl_read_early_data(p, bytesPtr(b), C.int(min(len(b), maxIO)), &got)
		n, res = int(got), EarlyDataRead(r)
		return err
	})
	return n, res, err
}

// EarlyDataStatus returns SSL_get_early_data_status (EarlyDataNotSent,
// EarlyDataRejected or EarlyDataAccepted).
func (s *SSL) EarlyDataStatus() EarlyDataStatus {
	return get(s, EarlyDataNotSent, func(p *C.SSL) EarlyDataStatus {
		return EarlyDataStatus(c_SSL_get_early_data_status(p))
	})
}

// EarlyDataStatus is an SSL_EARLY_DATA_* status.
type EarlyDataStatus int

// The early data statuses.
const (
	EarlyDataNotSent  EarlyDataStatus = C.SSL_EARLY_DATA_NOT_SENT
	EarlyDataRejected EarlyDataStatus = C.SSL_EARLY_DATA_REJECTED
	EarlyDataAccepted EarlyDataStatus = C.SSL_EARLY_DATA_ACCEPTED
)
