package libssl

/*
#include "shim.h"
*/
import "C"

import (
	"runtime"
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
		noteReleased()
	}
	return p
}

// The GC sees only the small Go handles, not the kilobytes of C memory behind
// each one, so a program that drops handles without Free could grow C memory
// without bound before a collection runs their cleanups. The package counts
// the references its handles hold (outstanding) and the lowest that count has
// been since the last collection it forced (lowWater, roughly the references
// still reachable). When outstanding exceeds lowWater by max(gcFloor,
// lowWater), that is when the handles held have doubled, it runs the GC.
// Programs that Free what they make never reach the trigger; programs that
// drop handles keep at most about gcFloor unreachable ones alive in C.
const gcFloor = 1024

var (
	outstanding atomic.Int64
	lowWater    atomic.Int64
	gcBusy      atomic.Bool
	forcedGCs   atomic.Int64
)

func noteOwned() {
	n := outstanding.Add(1)
	lw := lowWater.Load()
	if n > lw+max(gcFloor, lw) && gcBusy.CompareAndSwap(false, true) {
		runtime.GC()
		forcedGCs.Add(1)
		awaitCleanups()
		lowWater.Store(outstanding.Load())
		gcBusy.Store(false)
	}
}

// awaitCleanups is the back-pressure: the runtime runs cleanups on one
// goroutine, and SSL_free costs about what SSL_new does, so a goroutine that
// keeps making and dropping handles would outrun it. After a forced
// collection the goroutine that forced it waits while the cleanups are still
// making progress (at most 100 ms).
func awaitCleanups() {
	deadline := time.Now().Add(100 * time.Millisecond)
	for time.Now().Before(deadline) {
		before := outstanding.Load()
		time.Sleep(50 * time.Microsecond)
		if outstanding.Load() >= before {
			return
		}
	}
}

func noteReleased() {
	n := outstanding.Add(-1)
	for {
		lw := lowWater.Load()
		if n >= lw || lowWater.CompareAndSwap(lw, n) {
			return
		}
	}
}

// MemoryStats describes the package's own bookkeeping of native references.
type MemoryStats struct {
	Outstanding int64 // references held by handles (not yet freed or cleaned up)
	ForcedGCs   int64 // collections forced to run the cleanups of dropped handles
	CleanupFree int64 // references released by the cleanup backstop
}

// ReadMemoryStats returns the package's reference bookkeeping.
func ReadMemoryStats() MemoryStats {
	return MemoryStats{Outstanding: outstanding.Load(), ForcedGCs: forcedGCs.Load(), CleanupFree: CleanupFrees()}
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
	kindSSL:     func(p unsafe.Pointer) { cleaned(kindSSL); C.ls_ssl_free((*C.SSL)(p)) },
	kindCtx:     func(p unsafe.Pointer) { cleaned(kindCtx); C.ls_ctx_free((*C.SSL_CTX)(p)) },
	kindSession: func(p unsafe.Pointer) { cleaned(kindSession); C.ls_sess_free((*C.SSL_SESSION)(p)) },
	kindBIO:     func(p unsafe.Pointer) { cleaned(kindBIO); C.ls_bio_free((*C.BIO)(p)) },
	kindX509:    func(p unsafe.Pointer) { cleaned(kindX509); C.ls_x509_free((*C.X509)(p)) },
	kindPKey:    func(p unsafe.Pointer) { cleaned(kindPKey); C.ls_pkey_free((*C.EVP_PKEY)(p)) },
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
