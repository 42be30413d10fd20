package libssl_test

import (
	"runtime/metrics"
	"testing"

	libssl "github.com/libssl-go/libssl"
)

func forcedGCCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/forced:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// A program that holds many live handles and frees them all explicitly
// makes the package run no collection of its own (runtime/metrics counts
// forced cycles) and never wait for the cleanup queue: only handles that
// were dropped can ever cost their holder anything.
func TestHeldHandlesForceNoGC(t *testing.T) {
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	forced, waits := forcedGCCycles(), libssl.ReadMemoryStats().CleanupWaits
	held := make([]*libssl.BIO, 0, n)
	for i := 0; i < n; i++ {
		b, err := libssl.NewMemBIO()
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, b)
	}
	for _, b := range held {
		b.Free()
	}
	if got := forcedGCCycles() - forced; got != 0 {
		t.Errorf("%d forced GC cycles while holding %d live handles", got, n)
	}
	if got := libssl.ReadMemoryStats().CleanupWaits - waits; got != 0 {
		t.Errorf("%d waits for the cleanup queue while no handle was dropped", got)
	}
}
