package libssl

// This file: DTLS over a transport of the program's own: the datagram
// memory BIO, libssl's retransmission timer (DTLSv1_get_timeout,
// DTLSv1_handle_timeout, DTLS_set_timer_cb), the path MTU (SSL_set_mtu,
// DTLS_set_link_mtu) and DTLS-SRTP profiles (SSL_CTX_set_tlsext_use_srtp).

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"
import (
	"errors"
	"time"
	"unsafe"
)

// NewDatagramMemBIO makes an empty memory BIO that keeps datagrams whole:
// each Write (BIO_write) queues one datagram and each Read (BIO_read) takes
// one, cut to the reader's buffer as a datagram socket does; Pending
// (BIO_ctrl_pending) is the size of the next one. libssl's DTLS reads one
// datagram per BIO_read, so a program that moves DTLS packets between an
// SSL and a transport of its own needs this where a BIO_s_mem would join
// them. OpenSSL 3.2 has BIO_s_dgram_mem for this; the binding makes its own
// BIO_METHOD (BIO_meth_new), so that it exists on 1.1.1 and 3.0 too. A
// Read from it when empty returns ErrWantRead. The caller owns the one
// reference (Free); SetBIO gives the SSL references of its own.
func NewDatagramMemBIO() (*BIO, error) {
	if initErr != nil {
		return nil, initErr
	}
	p, err := c_bio_new_dgram_mem()
	if err != nil {
		return nil, err
	}
	return wrapBIO(p), nil
}

// SetDatagramMTU sets what a datagram memory BIO answers libssl's path MTU
// query (BIO_CTRL_DGRAM_QUERY_MTU, which libssl sends unless OpNoQueryMTU
// is set and SSL_set_mtu gave an MTU; it is set with
// BIO_ctrl(BIO_CTRL_DGRAM_SET_MTU)). 0, the default, is "unknown": libssl
// then uses its minimum MTU. It fails on another kind of BIO.
func (b *BIO) SetDatagramMTU(mtu int) error {
	return use(b, func(p *C.BIO) error {
		if c_bio_is_dgram_mem(p) == 0 {
			return errors.New("libssl: SetDatagramMTU: not a datagram memory BIO")
		}
		return c_bio_dgram_set_query_mtu(p, C.long(mtu))
	})
}

// DTLSTimeout returns the time left on libssl's DTLS retransmission timer
// (DTLSv1_get_timeout) and true, or false when no timer runs (no flight
// waits for an answer, or not DTLS). libssl's timer reads the system
// clock.
func (s *SSL) DTLSTimeout() (time.Duration, bool) {
	var sec, usec C.long
	ok := get(s, false, func(p *C.SSL) bool {
		return c_ssl_dtls_get_timeout(p, &sec, &usec) == 1
	})
	if !ok {
		return 0, false
	}
	return time.Duration(sec)*time.Second + time.Duration(usec)*time.Microsecond, true
}

// HandleDTLSTimeout retransmits the last flight when libssl's DTLS timer
// has expired (DTLSv1_handle_timeout) and reports whether it did; the
// datagrams then wait in the write BIO. It fails when the retransmission
// fails or libssl has given up after too many timeouts. A panic in a
// callback the retransmission ran is raised again here.
func (s *SSL) HandleDTLSTimeout() (bool, error) {
	var r int
	err := use(s, func(p *C.SSL) error {
		var err error
		r, err = c_ssl_dtls_handle_timeout(p)
		return err
	})
	return r > 0, err
}

// SetMTU sets the DTLS path MTU, the largest datagram libssl means to
// write (SSL_set_mtu); set OpNoQueryMTU too, as OpenSSL's manual asks, so
// that libssl does not replace it with the BIO's answer. It fails below
// libssl's minimum (256 less the BIO's overhead). libssl's estimate of an
// encrypted record's overhead leaves out an AEAD suite's explicit nonce and
// tag, so such datagrams can exceed the MTU by up to 24 bytes per record.
func (s *SSL) SetMTU(mtu int) error {
	return use(s, func(p *C.SSL) error { return c_ssl_set_mtu(p, C.long(mtu)) })
}

// SetLinkMTU sets the DTLS link MTU, from which libssl takes the BIO's
// per-datagram overhead to find the path MTU (DTLS_set_link_mtu). It fails
// below libssl's minimum link MTU (256).
func (s *SSL) SetLinkMTU(mtu int) error {
	return use(s, func(p *C.SSL) error { return c_ssl_set_link_mtu(p, C.long(mtu)) })
}

// SetDTLSTimerStart sets the first duration of libssl's DTLS
// retransmission timer (DTLS_set_timer_cb, with a C callback that reads it
// from an ex_data slot of the SSL): the timer starts at d for each flight
// and doubles at each timeout, up to the larger of 60 s and d, as libssl's
// own schedule does from 1 s. d is rounded down to microseconds and must
// be from 1 µs to about 71 minutes.
func (s *SSL) SetDTLSTimerStart(d time.Duration) error {
	us := d / time.Microsecond
	return use(s, func(p *C.SSL) error {
		if us < 1 || us > 1<<32-1 {
			return errors.New("libssl: SetDTLSTimerStart: duration out of range")
		}
		return c_ssl_set_dtls_timer_start(p, C.uint(us))
	})
}

// SetSRTPProfiles sets the DTLS-SRTP protection profiles (RFC 5764) the
// context offers or accepts, a colon-separated list of OpenSSL's names
// such as "SRTP_AES128_CM_SHA1_80" (SSL_CTX_set_tlsext_use_srtp). It fails
// on a name libssl does not know.
func (c *Ctx) SetSRTPProfiles(profiles string) error {
	cs := C.CString(profiles)
	defer C.free(unsafe.Pointer(cs))
	return use(c, func(p *C.SSL_CTX) error { return c_ctx_set_srtp_profiles(p, cs) })
}

// SelectedSRTPProfile returns the DTLS-SRTP protection profile the
// handshake negotiated, its IANA id and OpenSSL's name
// (SSL_get_selected_srtp_profile), or 0 and "" when none was.
func (s *SSL) SelectedSRTPProfile() (id int, name string) {
	var buf [64]C.char
	id = get(s, 0, func(p *C.SSL) int {
		return int(c_ssl_selected_srtp_profile(p, &buf[0], C.int(len(buf))))
	})
	if id == 0 {
		return 0, ""
	}
	return id, C.GoString(&buf[0])
}
