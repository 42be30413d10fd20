package libssl

/*
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// BIO is an owned reference to an OpenSSL memory BIO (BIO_s_mem), the
// transport of an SSL in this package: the program writes the peer's bytes
// into the SSL's read BIO and sends what it reads from the SSL's write BIO.
type BIO struct {
	r ref
}

func wrapBIO(p *C.BIO) *BIO {
	b := &BIO{}
	own(b, &b.r, unsafe.Pointer(p), kindBIO)
	return b
}

// NewMemBIO makes an empty memory BIO (BIO_new(BIO_s_mem())). A read from it
// when empty returns ErrWantRead until SetEOF is called.
func NewMemBIO() (*BIO, error) {
	if initErr != nil {
		return nil, initErr
	}
	r := C.ls_bio_new_mem()
	if err := result("BIO_new", r, r.ptr == nil); err != nil {
		return nil, err
	}
	return wrapBIO((*C.BIO)(r.ptr)), nil
}

// Free releases the handle's reference (BIO_free). An SSL holding the BIO
// keeps its own reference. Free is idempotent.
func (b *BIO) Free() {
	if b == nil {
		return
	}
	if p := b.r.release(); p != nil {
		C.ls_bio_free((*C.BIO)(p))
	}
}

func (b *BIO) ptr() *C.BIO {
	if b == nil {
		return nil
	}
	return (*C.BIO)(b.r.get())
}

// UpRef returns a new owned handle on the same BIO (BIO_up_ref).
func (b *BIO) UpRef() (*BIO, error) {
	p := b.ptr()
	if p == nil {
		return nil, ErrFreed
	}
	ok := C.ls_bio_up_ref(p)
	runtime.KeepAlive(b)
	if ok != 1 {
		return nil, &Error{Op: "BIO_up_ref", internal: "failed"}
	}
	return wrapBIO(p), nil
}

// SameObject reports whether b and o are handles on the same BIO.
func (b *BIO) SameObject(o *BIO) bool {
	x, y := b.ptr(), o.ptr()
	return x != nil && x == y
}

// Write appends p to the BIO (BIO_write). It writes all of p or fails.
func (b *BIO) Write(p []byte) (int, error) {
	bp := b.ptr()
	if bp == nil {
		return 0, ErrFreed
	}
	if len(p) == 0 {
		return 0, nil
	}
	written := 0
	for written < len(p) {
		chunk := p[written:]
		if len(chunk) > 1<<30 {
			chunk = chunk[:1<<30]
		}
		r := C.ls_bio_write(bp, (*C.uchar)(unsafe.Pointer(&chunk[0])), C.int(len(chunk)))
		if err := result("BIO_write", r, r.ret <= 0); err != nil {
			runtime.KeepAlive(b)
			return written, err
		}
		written += int(r.ret)
	}
	runtime.KeepAlive(b)
	return written, nil
}

// Read takes up to len(p) bytes from the BIO (BIO_read). When the BIO is
// empty it returns ErrWantRead, or io.EOF after SetEOF.
func (b *BIO) Read(p []byte) (int, error) {
	bp := b.ptr()
	if bp == nil {
		return 0, ErrFreed
	}
	if len(p) == 0 {
		return 0, nil
	}
	n := len(p)
	if n > 1<<30 {
		n = 1 << 30
	}
	r := C.ls_bio_read(bp, (*C.uchar)(unsafe.Pointer(&p[0])), C.int(n))
	runtime.KeepAlive(b)
	if r.ret > 0 {
		_ = result("BIO_read", r, false)
		return int(r.ret), nil
	}
	retry := r.ssl_error != 0
	_ = result("BIO_read", r, false)
	if retry {
		return 0, ErrWantRead
	}
	return 0, ioEOF
}

// Pending returns the number of bytes waiting in the BIO (BIO_ctrl_pending).
// It returns 0 on a freed handle.
func (b *BIO) Pending() int {
	bp := b.ptr()
	if bp == nil {
		return 0
	}
	n := C.ls_bio_pending(bp)
	runtime.KeepAlive(b)
	return int(n)
}

// SetEOF marks the end of the input (BIO_set_mem_eof_return(b, 0)): once the
// BIO is drained, reads return end of file instead of "retry", and an SSL
// reading from it sees the transport close.
func (b *BIO) SetEOF() error {
	bp := b.ptr()
	if bp == nil {
		return ErrFreed
	}
	C.ls_bio_set_mem_eof_return(bp, 0)
	runtime.KeepAlive(b)
	return nil
}
