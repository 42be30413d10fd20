package libssl

// This file: the handle: one native reference per Go value, and the one
// place where a method reaches its native pointer (use, get, use2).

/*
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"sync/atomic"
	"unsafe"
)

// noCopy makes go vet's copylocks check flag handles copied by value.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

// ref holds exactly one native reference for a handle. The pointer (to C
// memory, so invisible to the GC) is read with an atomic load and given up
// with an atomic swap, so that concurrent Free calls release it once.
type ref struct {
	_       noCopy
	p       unsafe.Pointer
	cleanup runtime.Cleanup
}

// get returns the native pointer, or nil after release or on a nil ref.
func (r *ref) get() unsafe.Pointer {
	if r == nil {
		return nil
	}
	return atomic.LoadPointer(&r.p)
}

// release gives up the reference once: the first caller gets the pointer and
// stops the backstop; later callers get nil.
func (r *ref) release() unsafe.Pointer {
	p := atomic.SwapPointer(&r.p, nil)
	if p != nil {
		r.cleanup.Stop()
		// Stop cancels the cleanup only while the handle is reachable:
		// without this, the handle's last use is the read of r.cleanup,
		// the GC can queue the cleanup during Stop, and the reference is
		// released twice (once by the cleanup, once by the caller).
		runtime.KeepAlive(r)
		noteReleased()
	}
	return p
}

// handle is the set of handle types. Each one's first field is its ref,
// named r (checked at compile time below), so that a *T, nil or not, is
// also a pointer to its ref: refp needs no method per type, and a method
// on a nil handle reaches use's nil check instead of a nil dereference
// (a method promoted from an embedded field would dereference first).
type handle interface {
	SSL | Ctx | Session | BIO | X509 | PKey
}

// Every handle type's ref is at offset 0: a sum of offsets that is not 0
// indexes past this one-element array and fails to compile.
var _ = [1]struct{}{}[unsafe.Offsetof((*SSL)(nil).r)+
	unsafe.Offsetof((*Ctx)(nil).r)+
	unsafe.Offsetof((*Session)(nil).r)+
	unsafe.Offsetof((*BIO)(nil).r)+
	unsafe.Offsetof((*X509)(nil).r)+
	unsafe.Offsetof((*PKey)(nil).r)]

// refp returns the handle's reference holder, nil for a nil handle.
func refp[T handle](h *T) *ref { return (*ref)(unsafe.Pointer(h)) }

// own attaches p to the handle h and registers the cleanup backstop
// (finalizers.go). The cleanup's argument is the C pointer, never the
// handle.
func own[T handle](h *T, p unsafe.Pointer, kind objKind) {
	r := refp(h)
	atomic.StorePointer(&r.p, p)
	r.cleanup = runtime.AddCleanup(h, cleanupFuncs[kind], p)
	noteOwned()
}

// native is the set of native pointers a handle can own.
type native interface {
	*C.SSL | *C.SSL_CTX | *C.SSL_SESSION | *C.BIO | *C.X509 | *C.EVP_PKEY
}

// use runs f with the native pointer behind h and keeps the handle alive
// until f returns: the one place where the nil check and runtime.KeepAlive
// of a method live. A nil handle or a released reference gives ErrFreed.
func use[T handle, P native](h *T, f func(P) error) error {
	r := refp(h)
	if r == nil {
		return ErrFreed
	}
	p := P(r.get())
	if p == nil {
		return ErrFreed
	}
	err := f(p)
	runtime.KeepAlive(h)
	return err
}

// get is use for getters: f's result, or zero on a freed or nil handle.
func get[T handle, P native, V any](h *T, zero V, f func(P) V) V {
	r := refp(h)
	if r == nil {
		return zero
	}
	p := P(r.get())
	if p == nil {
		return zero
	}
	v := f(p)
	runtime.KeepAlive(h)
	return v
}

// use2 is use for calls that return a value and an error.
func use2[T handle, P native, V any](h *T, f func(P) (V, error)) (V, error) {
	var zero V
	r := refp(h)
	if r == nil {
		return zero, ErrFreed
	}
	p := P(r.get())
	if p == nil {
		return zero, ErrFreed
	}
	v, err := f(p)
	runtime.KeepAlive(h)
	return v, err
}
