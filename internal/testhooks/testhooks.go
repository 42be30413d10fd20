// Package testhooks lets the module's tests in other directories reach
// diagnostics of package libssl that are not part of its API. Package libssl
// fills the variables in at initialisation, in the test builds that need
// them (build tags), so that no production build links this package; its
// own directory's tests use export_test.go instead. Nothing outside this
// module can import the package.
package testhooks

var (
	// CgoCalls counts the cgo calls package libssl has made through its
	// generated wrappers; set only in builds with the libssl_callcount tag
	// (nil otherwise).
	CgoCalls func() uint64
)
