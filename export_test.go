package libssl

// Diagnostics that are not part of the API, for this directory's external
// tests (package libssl_test) only: this file is compiled into test builds
// alone.

var (
	ErrorQueueEmpty = errorQueueEmpty
	ReadMemoryStats = readMemoryStats
	ExDataDupCalls  = exDataDupCalls
	CAListIdentity  = (*SSL).caListIdentity
)

// Is3 reports whether the running libssl is 3.x or newer.
func Is3() bool { return RuntimeVersion() >= 0x30000000 }
