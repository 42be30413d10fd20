package libssl

// The library-context counts for this directory's external tests (package
// libssl_test), as export_test.go exports the other diagnostics.

// LibCtxCounts returns how many OSSL_LIB_CTX the binding made, how many it
// really freed (OSSL_LIB_CTX_free) and how many it kept at their last
// reference because they were shared between threads (see LibCtx), after
// the calling thread's deferred frees ran: a test that reads it locks its
// goroutine to its thread.
var LibCtxCounts = libCtxCounts
