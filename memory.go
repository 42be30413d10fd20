package libssl

// This file: the outstanding-reference accounting and the back-pressure on
// goroutines that drop handles faster than the runtime cleans them up.

import (
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

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
//     instructions of collection work (callgrind profile of NewFree). So an SSL's
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

// memoryStats describes the package's own bookkeeping of native references,
// for its tests (export_test.go).
type memoryStats struct {
	Outstanding  int64 // references held by handles (not yet freed or cleaned up)
	CleanupWaits int64 // times a goroutine making handles waited for the cleanup queue
	CleanupFree  int64 // references released by the cleanup backstop
}

// readMemoryStats returns the package's reference bookkeeping.
func readMemoryStats() memoryStats {
	return memoryStats{Outstanding: outstanding.Load(), CleanupWaits: cleanupWaits.Load(), CleanupFree: CleanupFrees()}
}
