//go:build !asan

package libssl_test

const asanBuild = false
