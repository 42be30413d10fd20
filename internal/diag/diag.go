// Package diag carries the diagnostics of package libssl that the
// conformance report needs and a user does not: package libssl fills the
// variables in when it is initialised. Unlike internal/testhooks, which only
// the module's tests reach, this package is part of the report's production
// build; nothing outside this module can import it.
package diag

// ExDataDupCalls counts the runs of the dup function of libssl-go's ex_data
// box (CRYPTO_dup_ex_data calls it once per SSL_dup of a distinct object).
// The report's check C11 reads it around one SSL_dup. It is read from C
// and not from the lifetime of a Go value: Go 1.24's cgo.Handle.Delete
// can keep a deleted handle's value reachable, so a weak pointer to it may
// never clear.
var ExDataDupCalls func() int64
