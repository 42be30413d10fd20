//go:build libssl_callcount

package libssl

import (
	"sync/atomic"

	"github.com/libssl-go/libssl/internal/testhooks"
)

// cgoCalls counts the calls through the generated wrappers, in test builds
// with the libssl_callcount tag only.
var cgoCalls atomic.Uint64

func countCall() { cgoCalls.Add(1) }

func init() { testhooks.CgoCalls = cgoCalls.Load }
