//go:build !libssl_callcount

package libssl

// countCall is called by every generated wrapper before its cgo call. In
// ordinary builds it is empty and inlined away; a test build with the
// libssl_callcount tag counts the calls (callcount_on.go).
func countCall() {}
