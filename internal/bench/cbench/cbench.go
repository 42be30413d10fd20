// Package cbench is the C baseline of the binding's benchmarks: each
// operation runs n times in one C call, directly against libssl, on
// contexts made from the same certificates as the Go side. It is built by
// the benchmark run itself, with the same cgo flags as the binding.
package cbench

/*
#cgo CFLAGS: -Wall -Wno-deprecated-declarations
#cgo LDFLAGS: -lssl -lcrypto
#include "cbench.h"
*/
import "C"

import (
	"errors"
	"unsafe"
)

// Env holds the C side's contexts and a resumable session.
type Env struct{ e *C.cb_env }

// NewEnv makes the C contexts (server with cert and key, client trusting
// ca) for the given protocol version, and runs one handshake to keep a
// session for resumption.
func NewEnv(cert, key, ca []byte, version int) (*Env, error) {
	cc, ck, ca2 := C.CString(string(cert)), C.CString(string(key)), C.CString(string(ca))
	defer C.free(unsafe.Pointer(cc))
	defer C.free(unsafe.Pointer(ck))
	defer C.free(unsafe.Pointer(ca2))
	e := C.cb_env_new(cc, ck, ca2, C.int(version))
	if e == nil {
		return nil, errors.New("cbench: setting up the C contexts failed")
	}
	return &Env{e}, nil
}

// Free releases the C contexts.
func (e *Env) Free() { C.cb_env_free(e.e) }

func run(r C.long) error {
	if r < 0 {
		return errors.New("cbench: the C loop failed")
	}
	return nil
}

// NewFree runs SSL_new + SSL_free n times.
func (e *Env) NewFree(n int) error { return run(C.cb_new_free(e.e, C.long(n))) }

// DupFree runs SSL_dup of a fresh SSL + SSL_free n times.
func (e *Env) DupFree(n int) error { return run(C.cb_dup_free(e.e, C.long(n))) }

// UpRefFree runs SSL_up_ref + SSL_free n times.
func (e *Env) UpRefFree(n int) error { return run(C.cb_upref_free(e.e, C.long(n))) }

// Clear runs SSL_clear n times.
func (e *Env) Clear(n int) error { return run(C.cb_clear(e.e, C.long(n))) }

// Version runs SSL_version (a getter) n times.
func (e *Env) Version(n int) error { return run(C.cb_version(e.e, C.long(n))) }

// SetSession runs SSL_set_session(s, sess) + SSL_set_session(s, NULL) n
// times on a fresh SSL.
func (e *Env) SetSession(n int) error { return run(C.cb_set_session(e.e, C.long(n))) }

// Get1Session runs SSL_get1_session + SSL_SESSION_free n times.
func (e *Env) Get1Session(n int) error { return run(C.cb_get1_session(e.e, C.long(n))) }

// MarshalDER runs i2d_SSL_SESSION into a new buffer n times.
func (e *Env) MarshalDER(n int) error { return run(C.cb_i2d(e.e, C.long(n))) }

// UnmarshalDER runs d2i_SSL_SESSION + SSL_SESSION_free n times.
func (e *Env) UnmarshalDER(n int) error { return run(C.cb_d2i(e.e, C.long(n))) }

// Handshakes runs n in-memory handshakes (resumed ones when resume is set).
func (e *Env) Handshakes(n int, resume bool) error {
	r := 0
	if resume {
		r = 1
	}
	return run(C.cb_handshakes(e.e, C.long(n), C.int(r)))
}

// Nop is a bare cgo call of an empty C function: the floor of every call
// through the binding.
func Nop() { C.cb_nop() }

// NopCalls calls the empty C function n times from C.
func NopCalls(n int) error { return run(C.cb_nop_calls(C.long(n))) }

// InstrZero zeroes callgrind's counters (every thread) when the process
// runs under callgrind; elsewhere it does nothing.
func InstrZero() { C.cb_instr_zero() }

// InstrDump makes callgrind write its counters since InstrZero.
func InstrDump() { C.cb_instr_dump() }
