package libssl

// Diagnostics that are not part of the API, for this directory's external
// tests (package libssl_test) only: this file is compiled into test builds
// alone.

var (
	ErrorQueueEmpty = errorQueueEmpty
	PushErrorEntry  = pushErrorEntry
	ClearErrorQueue = clearErrorQueue
	ReadMemoryStats = readMemoryStats
	ExDataDupCalls  = exDataDupCalls
	CHeapInUse      = cHeapInUse
	SSLBoxSlots     = sslBoxSlots
	CtxBoxSlots     = ctxBoxSlots
	SSLBoxKinds     = sslBoxKinds
	CtxBoxKinds     = ctxBoxKinds
	CAListIdentity  = (*SSL).caListIdentity
)

// CtxInfoCallback and CtxServerNameCallback return what the context's
// info and servername slots hold now; SSLInfoCallback the SSL's info slot.
func CtxInfoCallback(c *Ctx) InfoCallback {
	f, _ := ctxCallback(c, cbInfo).(InfoCallback)
	return f
}

func CtxServerNameCallback(c *Ctx) ServerNameCallback {
	f, _ := ctxCallback(c, cbServername).(ServerNameCallback)
	return f
}

func SSLInfoCallback(s *SSL) InfoCallback {
	f, _ := sslCallback(s, cbInfo).(InfoCallback)
	return f
}

// Is3 reports whether the running libssl is 3.x or newer.
func Is3() bool { return RuntimeVersion() >= 0x30000000 }
