//go:build cgo

package libssl

import "github.com/libssl-go/libssl/internal/testhooks"

func init() {
	testhooks.CAListIdentity = func(v any) uintptr {
		s, _ := v.(*SSL)
		return s.caListIdentity()
	}
	testhooks.ExDataDupCalls = exDataDupCalls
}
