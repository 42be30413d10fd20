//go:build !cgo

package libssl

// libssl-go binds the system's OpenSSL through cgo. Built with
// CGO_ENABLED=0, the package has no other file, and this line fails the
// build with a name that says what to do.
var _ = libssl_go_needs_cgo_build_with_CGO_ENABLED_1_and_a_C_compiler
