//go:build cgo

package libssl

import "github.com/libssl-go/libssl/internal/diag"

// The diagnostics the conformance report reads (internal/diag).
func init() {
	diag.ExDataDupCalls = exDataDupCalls
}
