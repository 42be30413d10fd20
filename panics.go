package libssl

// This file: panics in Go callbacks, raised again by the call that ran them.
//
// A callback must not unwind through C. Each //export callback recovers a
// panic and keeps it with keepPanic under the token of the C call running
// on its thread: every generated wrapper of a call that can reach a
// callback (shim.def hint cb) runs it under a fresh token (ls_call_enter,
// shim.h) and reports in its result whether a callback recovered a panic
// under it. The generated Go wrapper then takes the value and raises it
// (raisePanic), after the call's error capture. A kept panic thus never
// outlives the call it belongs to, and never surfaces in another object's
// call. A C call has at most one panic: once a callback recovered one
// under the call's token, the trampolines (shim_slots.c, shim_ctxhooks.c)
// give libssl the callback's failure value for every later callback of the
// same call without running Go (a second session dropped by the same flush
// does not reach the remove callback), so no later panic arises that would
// have to be dropped.

/*
#include "shim.h"
*/
import "C"

import "sync"

// pendingPanics holds the panics recovered under tokens whose C call is
// still running: token -> recovered value.
var pendingPanics sync.Map

// keepPanic keeps v, a panic value a callback recovered, for the wrapper of
// the C call that ran the callback. Called from a deferred recover in the
// //export functions.
func keepPanic(v any) {
	tok := uint64(C.ls_call_panicked())
	if tok == 0 {
		// No wrapper of a cb call is running on this thread: a callback
		// reached through a call shim.def hints nocb (cgo then aborts
		// anyway) or through a direct C call. Nothing could raise v on
		// the caller's goroutine; swallowing it is not allowed, so it
		// ends the program, as an unrecovered panic does.
		go func() { panic(v) }()
		select {}
	}
	pendingPanics.LoadOrStore(tok, v)
}

// raisePanic raises the panic kept under tok. The generated wrappers call
// it when their C call reports a nonzero token.
func raisePanic(tok C.uint64_t) {
	v, ok := pendingPanics.LoadAndDelete(uint64(tok))
	if !ok {
		panic("libssl: a callback's panic was reported but not kept")
	}
	panic(v)
}

// pendingPanicCount is the number of panics kept and not yet raised.
func pendingPanicCount() int {
	n := 0
	pendingPanics.Range(func(any, any) bool { n++; return true })
	return n
}
