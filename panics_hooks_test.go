package libssl

// PendingPanics reports how many panics recovered in callbacks wait to be
// raised again: 0 whenever no C call that can reach a callback is running.
func PendingPanics() int { return pendingPanicCount() }
