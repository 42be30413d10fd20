package libssl

// This file: memory BIOs, and the BIOs an SSL reads and writes through.

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"
import (
	"io"
	"runtime"
	"unsafe"
)

// BIO is an owned reference to an OpenSSL memory BIO (BIO_s_mem), the
// transport of an SSL in this package: the program writes the peer's bytes
// into the SSL's read BIO and sends what it reads from the SSL's write BIO.
type BIO struct {
	r ref
	_ [bioWeight]byte // see "Weight" in memory.go
}

func wrapBIO(p *C.BIO) *BIO {
	b := &BIO{}
	own(b, unsafe.Pointer(p), kindBIO)
	return b
}

// NewMemBIO makes an empty memory BIO (BIO_new(BIO_s_mem())). A read from it
// when empty returns ErrWantRead until SetEOF is called.
func NewMemBIO() (*BIO, error) {
	if initErr != nil {
		return nil, initErr
	}
	p, err := c_bio_new_mem()
	if err != nil {
		return nil, err
	}
	return wrapBIO(p), nil
}

// Free releases the handle's reference (BIO_free). An SSL holding the BIO
// keeps its own reference. Free is idempotent.
func (b *BIO) Free() {
	if b == nil {
		return
	}
	if p := b.r.release(); p != nil {
		c_BIO_free((*C.BIO)(p))
	}
}

func (b *BIO) ptr() *C.BIO { return (*C.BIO)(refp(b).get()) }

// UpRef returns a new owned handle on the same BIO (BIO_up_ref).
func (b *BIO) UpRef() (*BIO, error) {
	return use2(b, func(p *C.BIO) (*BIO, error) {
		if err := c_BIO_up_ref(p); err != nil {
			return nil, err
		}
		return wrapBIO(p), nil
	})
}

// SameObject reports whether b and o are handles on the same BIO.
func (b *BIO) SameObject(o *BIO) bool {
	x, y := b.ptr(), o.ptr()
	return x != nil && x == y
}

// Write appends p to the BIO (BIO_write). It writes all of p or fails.
func (b *BIO) Write(p []byte) (int, error) {
	written := 0
	err := use(b, func(bp *C.BIO) error {
		for written < len(p) {
			chunk := p[written:min(len(p), written+maxIO)]
			n, err := c_BIO_write(bp, bytesPtr(chunk), C.int(len(chunk)))
			if err != nil {
				return err
			}
			written += n
		}
		return nil
	})
	return written, err
}

// Read takes up to len(p) bytes from the BIO (BIO_read). When the BIO is
// empty it returns ErrWantRead, or io.EOF after SetEOF.
func (b *BIO) Read(p []byte) (int, error) {
	n := 0
	err := use(b, func(bp *C.BIO) error {
		if len(p) == 0 {
			return nil
		}
		var retry C.int
		var err error
		n, err = c_bio_read(bp, bytesPtr(p), C.int(min(len(p), maxIO)), &retry)
		if n > 0 {
			return nil
		}
		n = 0
		if retry != 0 {
			return ErrWantRead
		}
		if e, ok := err.(*Error); ok && len(e.Entries) > 0 {
			return err
		}
		return io.EOF
	})
	return n, err
}

// Pending returns the number of bytes waiting in the BIO (BIO_ctrl_pending).
// It returns 0 on a freed handle.
func (b *BIO) Pending() int {
	return get(b, 0, func(p *C.BIO) int { return int(c_BIO_ctrl_pending(p)) })
}

// SetEOF marks the end of the input (BIO_set_mem_eof_return(b, 0)): once the
// BIO is drained, reads return end of file instead of "retry", and an SSL
// reading from it sees the transport close.
func (b *BIO) SetEOF() error {
	return use(b, func(p *C.BIO) error {
		c_bio_set_mem_eof_return(p, 0)
		return nil
	})
}

// SetBIO gives the SSL its read and write BIOs (SSL_set0_rbio and
// SSL_set0_wbio, which free the BIOs the SSL held before). The SSL takes one
// reference of its own on each (BIO_up_ref), so the caller keeps its handles
// and frees them as usual. r and w may be the same BIO; nil means none.
func (s *SSL) SetBIO(r, w *BIO) error {
	return use(s, func(p *C.SSL) error {
		rp, wp := r.ptr(), w.ptr()
		if (r != nil && rp == nil) || (w != nil && wp == nil) {
			return ErrFreed
		}
		if rp != nil {
			if err := c_BIO_up_ref(rp); err != nil {
				return err
			}
		}
		if wp != nil {
			if err := c_BIO_up_ref(wp); err != nil {
				if rp != nil {
					c_BIO_free(rp)
				}
				return err
			}
		}
		c_ssl_set0_bios(p, rp, wp)
		runtime.KeepAlive(r)
		runtime.KeepAlive(w)
		return nil
	})
}

// RBIO returns the SSL's read BIO (SSL_get_rbio), up-ref'd into an owned
// handle, or nil when it has none or the handle is freed.
func (s *SSL) RBIO() *BIO { return s.bio(c_ssl_get1_rbio) }

// WBIO returns the SSL's write BIO (SSL_get_wbio), up-ref'd into an owned
// handle, or nil when it has none or the handle is freed.
func (s *SSL) WBIO() *BIO { return s.bio(c_ssl_get1_wbio) }

func (s *SSL) bio(get1 func(*C.SSL, **C.BIO) error) *BIO {
	return get(s, nil, func(p *C.SSL) *BIO {
		var b *C.BIO
		if get1(p, &b) != nil || b == nil {
			return nil
		}
		return wrapBIO(b)
	})
}

func (s *SSL) hasRBIO() bool {
	return get(s, false, func(p *C.SSL) bool {
		return c_ssl_has_rbio(p) != 0
	})
}

func (s *SSL) hasWBIO() bool {
	return get(s, false, func(p *C.SSL) bool {
		return c_ssl_has_wbio(p) != 0
	})
}
