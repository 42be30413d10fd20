// Package testhooks lets the module's own tests and conformance checks reach
// diagnostics of package libssl that are not part of its API. Package libssl
// fills the variables in at initialisation; nothing outside this module can
// import the package.
package testhooks

var (
	// CAListIdentity returns the address of an *libssl.SSL's CA name stack
	// (SSL_get0_CA_list) as a number, 0 when it has none: it tells whether
	// two SSLs share one stack, and is never a pointer to use.
	CAListIdentity func(ssl any) uintptr

	// ExDataDupCalls counts the runs of the dup function of libssl-go's
	// ex_data slots (CRYPTO_dup_ex_data during SSL_dup).
	ExDataDupCalls func() int64

	// CgoCalls counts the cgo calls package libssl has made through its
	// generated wrappers; set only in builds with the libssl_callcount tag
	// (nil otherwise).
	CgoCalls func() uint64
)
