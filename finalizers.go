package libssl

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
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

// get returns the native pointer, or nil after release.
func (r *ref) get() unsafe.Pointer { return atomic.LoadPointer(&r.p) }

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

// Dropped handles and C memory. The GC sees only Go memory, not the
// kilobytes of C memory behind a handle, so a program that drops handles
// without Free could let C memory grow far ahead of what the GC's pacing
// notices. The package never runs the GC itself (that would stall programs
// that hold many live handles and free them properly). Instead:
//
//   - Weight: a handle whose call made its native object (SSL_new, SSL_dup
//     of a fresh SSL, d2i_SSL_SESSION, ...) carries a block of Go memory
//     roughly the size of that object (sslWeight and the others below,
//     never scanned). The GC's pacing then counts dropped handles as the
//     memory they hold, and collects after about as many of them as it
//     would after the same amount of Go garbage. A handle that takes one
//     more reference on an object that exists already (UpRef,
//     SSL_get1_session, Dup of a started SSL) carries none: the object is
//     weighed once, by the handle that made it. The weight is what a handle
//     costs most: 4 KiB of garbage per handle was about 4,000-7,000
//     instructions of collection work (issue 15's profile). So an SSL's
//     weight is a separate block that Free gives back to a pool for the
//     next SSL_new (ssl_new.go): a program that frees its handles makes no
//     such garbage, and a dropped handle keeps its block until the
//     collector takes both. The other kinds keep a trailing array in the
//     handle's allocation.
//   - Back-pressure: the runtime runs cleanups on one goroutine, and
//     SSL_free costs about what SSL_new does, so a goroutine that keeps
//     making and dropping handles could outrun it. Every 64 new handles the
//     package reads the runtime's cleanup queue length (runtime/metrics:
//     /gc/cleanups/queued minus /gc/cleanups/executed); while it is above
//     maxCleanupBacklog, the goroutine making handles waits for the queue to
//     drain to half of it (at most 100 ms). A program that frees its handles
//     never queues a cleanup, so it never waits.
const (
	maxCleanupBacklog = 1024
	backlogCheckEvery = 64
)

// Weights, in bytes of Go memory per handle: about the C memory a fresh
// object of each kind holds on OpenSSL 3.x.
const (
	sslWeight     = 4864 // a size class: what the weight took when it was part of the handle
	ctxWeight     = 8192
	sessionWeight = 1024
	bioWeight     = 256
	x509Weight    = 1024
	pkeyWeight    = 512
)

var (
	outstanding  atomic.Int64
	ownedCount   atomic.Uint64
	cleanupWaits atomic.Int64

	backlogMu      sync.Mutex
	backlogSamples = []metrics.Sample{
		{Name: "/gc/cleanups/queued:cleanups"},
		{Name: "/gc/cleanups/executed:cleanups"},
	}
)

func noteOwned() {
	// The package's own queued cleanups are at most its outstanding
	// references: while those are few there is no backlog of ours to wait
	// for, and the metrics read (a runtime call) is skipped.
	n := outstanding.Add(1)
	if ownedCount.Add(1)%backlogCheckEvery == 0 && n > maxCleanupBacklog && cleanupBacklog() > maxCleanupBacklog {
		awaitCleanups()
	}
}

// cleanupBacklog is the number of cleanups queued and not yet run, process
// wide (0 where the runtime does not report it).
func cleanupBacklog() int64 {
	backlogMu.Lock()
	defer backlogMu.Unlock()
	metrics.Read(backlogSamples)
	q, e := backlogSamples[0].Value, backlogSamples[1].Value
	if q.Kind() != metrics.KindUint64 || e.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(q.Uint64()) - int64(e.Uint64())
}

// awaitCleanups is the back-pressure wait described above.
func awaitCleanups() {
	cleanupWaits.Add(1)
	deadline := time.Now().Add(100 * time.Millisecond)
	for cleanupBacklog() > maxCleanupBacklog/2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Microsecond)
	}
}

func noteReleased() { outstanding.Add(-1) }

// MemoryStats describes the package's own bookkeeping of native references.
type MemoryStats struct {
	Outstanding  int64 // references held by handles (not yet freed or cleaned up)
	ForcedGCs    int64 // collections the package forced: always 0, it never runs the GC
	CleanupWaits int64 // times a goroutine making handles waited for the cleanup queue
	CleanupFree  int64 // references released by the cleanup backstop
}

// ReadMemoryStats returns the package's reference bookkeeping.
func ReadMemoryStats() MemoryStats {
	return MemoryStats{Outstanding: outstanding.Load(), CleanupWaits: cleanupWaits.Load(), CleanupFree: CleanupFrees()}
}

// cleanupFrees counts native references released by cleanups (handles
// dropped without Free), per kind.
var cleanupFrees [numKinds]atomic.Int64

// own attaches p to the handle h (whose ref is r) and registers the backstop.
// The cleanup's argument is the C pointer, never the handle.
func own[H any](h *H, r *ref, p unsafe.Pointer, kind objKind) {
	atomic.StorePointer(&r.p, p)
	r.cleanup = runtime.AddCleanup(h, cleanupFuncs[kind], p)
	noteOwned()
}

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

// Objects counts native objects by kind.
type Objects struct {
	SSL     int64
	Ctx     int64
	Session int64
}

// LiveObjects is the destruction probe: the number of SSL, SSL_CTX and
// SSL_SESSION objects alive in C, counted by ex_data new and free functions
// that the package registers at start-up. An object counts from its creation
// (SSL_new, SSL_CTX_new, SSL_SESSION_new, including the sessions libssl makes
// inside a handshake or d2i_SSL_SESSION) until its reference count reaches
// zero and libssl destroys it. It counts every such object in the process,
// whoever made it, from the moment this package was initialised.
func LiveObjects() Objects {
	live := func(k C.int) int64 { return int64(C.ls_probe_created(k) - C.ls_probe_destroyed(k)) }
	return Objects{SSL: live(0), Ctx: live(1), Session: live(2)}
}

// ObjectTotals returns how many objects the probe has seen created and
// destroyed since start-up.
func ObjectTotals() (created, destroyed Objects) {
	get := func(f func(C.int) C.int64_t) Objects {
		return Objects{SSL: int64(f(0)), Ctx: int64(f(1)), Session: int64(f(2))}
	}
	return get(func(k C.int) C.int64_t { return C.ls_probe_created(k) }),
		get(func(k C.int) C.int64_t { return C.ls_probe_destroyed(k) })
}

// CleanupFrees reports how many native references the runtime.AddCleanup
// backstop has released, that is how many handles were dropped without Free.
// A program that always calls Free sees zero.
func CleanupFrees() int64 {
	var n int64
	for i := range cleanupFrees {
		n += cleanupFrees[i].Load()
	}
	return n
}

// native is the set of native pointers a handle can own.
type native interface {
	*C.SSL | *C.SSL_CTX | *C.SSL_SESSION | *C.BIO | *C.X509 | *C.EVP_PKEY
}

// use runs f with the native pointer behind r and keeps the handle alive
// until f returns: the one place where the nil check and runtime.KeepAlive
// of a method live. A nil r (a nil handle) or a released reference gives
// ErrFreed. r is the address of the handle's ref field, an interior pointer
// that keeps the whole handle reachable.
func use[P native](r *ref, f func(P) error) error {
	if r == nil {
		return ErrFreed
	}
	p := P(r.get())
	if p == nil {
		return ErrFreed
	}
	err := f(p)
	runtime.KeepAlive(r)
	return err
}

// get is use for getters: f's result, or zero on a freed or nil handle.
func get[P native, T any](r *ref, zero T, f func(P) T) T {
	if r == nil {
		return zero
	}
	p := P(r.get())
	if p == nil {
		return zero
	}
	v := f(p)
	runtime.KeepAlive(r)
	return v
}

// use2 is use for calls that return a value and an error.
func use2[P native, T any](r *ref, f func(P) (T, error)) (T, error) {
	var zero T
	if r == nil {
		return zero, ErrFreed
	}
	p := P(r.get())
	if p == nil {
		return zero, ErrFreed
	}
	v, err := f(p)
	runtime.KeepAlive(r)
	return v, err
}

// refp returns the handle's reference holder, nil for a nil handle.
func (s *SSL) refp() *ref {
	if s == nil {
		return nil
	}
	return &s.r
}

func (c *Ctx) refp() *ref {
	if c == nil {
		return nil
	}
	return &c.r
}

func (s *Session) refp() *ref {
	if s == nil {
		return nil
	}
	return &s.r
}

func (b *BIO) refp() *ref {
	if b == nil {
		return nil
	}
	return &b.r
}

func (x *X509) refp() *ref {
	if x == nil {
		return nil
	}
	return &x.r
}

func (k *PKey) refp() *ref {
	if k == nil {
		return nil
	}
	return &k.r
}

// ErrConcurrentUse reports a call on an SSL object made while another
// goroutine (another OS thread) was inside a call on the same object,
// through this handle or another one (UpRef, or Dup of a started SSL). The
// refused call was not made and the object is as the other call leaves it.
// Methods with an error result return an error matching it; methods without
// one (getters, setters that cannot fail) panic with such an error, as Go
// does for concurrent map writes. See "Concurrency" in the package doc.
var ErrConcurrentUse error = &sentinel{msg: "libssl: concurrent use of one SSL object from two goroutines (libssl does not allow it)"}

// concurrentUse is what the generated val and void wrappers do when the
// SSL's guard refuses them: they have no error result to return.
func concurrentUse(op string) {
	panic(fmt.Errorf("%s: %w", op, ErrConcurrentUse))
}

// sslGoHandle reads an SSL's Go-handle slot inside its guard.
func sslGoHandle(p *C.SSL, slot C.int) C.uintptr_t {
	var busy C.int
	h := C.ls_ssl_get_gohandle(p, slot, &busy)
	if busy != 0 {
		concurrentUse("SSL_get_ex_data")
	}
	return h
}

// setSSLGoHandle sets an SSL's Go-handle slot inside its guard; h is
// released on failure.
func setSSLGoHandle(p *C.SSL, slot C.int, h C.uintptr_t, flags C.int) error {
	switch C.ls_ssl_set_gohandle(p, slot, h, flags) {
	case 1:
		return nil
	case -1:
		return fmt.Errorf("SSL_set_ex_data: %w", ErrConcurrentUse)
	}
	return errNoMemory
}
