//go:build asan

package libssl_test

// asanBuild: this test binary was built with -asan, whose instrumentation
// moves values to the heap for its own checks, so allocation counts are
// not the program's.
const asanBuild = true
